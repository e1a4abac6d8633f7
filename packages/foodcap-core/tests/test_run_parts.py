"""Parts and merging in detail: what a part's status file says, torn tails, a full disk, locks, progress polling,
and a merge that also reads an earlier predictions.jsonl (test_launch.py has the main merge cases)."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from foodcap.dataset import Sample
from foodcap.errors import FoodcapError
from foodcap.runs.merge import merge_records, part_reports, recorded_config, shard_count
from foodcap.runs.parts import FolderLock, PartInfo, PartsProgress, PartWriter, new_launch_id, part_status


def samples(count: int) -> list[Sample]:
    return [Sample(str(i), Path(f"/img/{i}.jpg"), f"Dish {i}") for i in range(count)]


def record(sample_id: str, caption: str) -> dict[str, str]:
    return {"id": sample_id, "image": f"/img/{sample_id}.jpg", "reference": f"Dish {sample_id}", "caption": caption}


def test_a_part_says_who_writes_it_and_how_it_ends(tmp_path: Path) -> None:
    run = tmp_path / "not" / "yet" / "there"  # the parts folder and its parents are made
    with PartWriter(run, "shard-1-of-2", {"rank": 0, "assigned": 3}) as part:
        status = json.loads((run / "parts" / "shard-1-of-2.json").read_text())
        assert status == {
            "name": "shard-1-of-2",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "rank": 0,
            "assigned": 3,
            "status": "running",
        }
        part.status("done", images=3)
    assert part_status(run, "shard-1-of-2") == {**status, "status": "done", "images": 3}
    assert part_status(run, "shard-0-of-2") == {"name": "shard-0-of-2", "status": "unknown"}  # never started
    assert part_reports(run) == [part_status(run, "shard-1-of-2")]


def test_a_second_writer_of_a_part_is_told_why_in_one_line(tmp_path: Path) -> None:
    with PartWriter(tmp_path, "shard-0-of-2", {}):
        with pytest.raises(FoodcapError) as refused:
            PartWriter(tmp_path, "shard-0-of-2", {})
    assert str(refused.value) == (
        f"shard-0-of-2 of {tmp_path} is being written by another process right now "
        "(launched twice?); wait for it or stop it first"
    )


def test_only_the_torn_last_line_is_cut(tmp_path: Path) -> None:
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record("0", "zero"), record("1", "one")])
    path = tmp_path / "parts" / "shard-0-of-1.jsonl"
    path.write_text(path.read_text() + '{"id": "2", "cap')
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record("3", "three")])
    assert [json.loads(line)["caption"] for line in path.read_text().splitlines()] == ["zero", "one", "three"]


def test_a_full_disk_names_the_part_and_leaves_no_torn_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record("0", "zero")])
        real_write = os.write

        def half_then_full(descriptor: int, data: bytes) -> int:
            if len(data) > 10:
                return real_write(descriptor, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "write", half_then_full)
        with pytest.raises(FoodcapError, match=re.escape(f"no space left to write {part.path} (No space left")):
            part.append([record("1", "one")])
    monkeypatch.undo()
    assert [json.loads(line)["id"] for line in part.path.read_text().splitlines()] == ["0"]


def test_the_folder_lock_is_one_file_and_refusals_say_why(tmp_path: Path) -> None:
    run = tmp_path / "new" / "run"
    lock = FolderLock(run, shared=True)
    assert [p.name for p in run.iterdir()] == [".foodcap.lock"]
    with pytest.raises(FoodcapError) as refused:
        FolderLock(run, shared=False)
    assert str(refused.value) == (
        f"another foodcap process is working in {run} (a running launch or shard); "
        "wait for it to finish or stop it first"
    )
    lock.release()


def test_part_names_are_parsed_back_whole() -> None:
    info = PartInfo.parse("launch-20261201-120000-abcdef-rank-3-of-4")
    assert info == PartInfo("launch-20261201-120000-abcdef-rank-3-of-4", "20261201-120000-abcdef", 3, None)
    assert PartInfo.parse("shard-2-of-8").name == "shard-2-of-8"  # type: ignore[union-attr]


def test_launch_ids_are_unique_and_sort_by_start_time_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "LINT-14")  # a POSIX zone at UTC+14 (no tzdata needed): a local clock sorts wrongly
    time.tzset()
    try:
        ids = {new_launch_id() for _ in range(20)}
    finally:
        monkeypatch.undo()
        time.tzset()
    assert len(ids) == 20
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", launch_id) for launch_id in ids)
    stamp = datetime.strptime(min(ids)[:15], "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - stamp).total_seconds()) < 600


def test_progress_counts_only_records_landed_since_it_started(tmp_path: Path) -> None:
    with PartWriter(tmp_path, "shard-0-of-2", {}) as earlier:
        earlier.append([record("0", "zero")])  # a rejoined shard's earlier work
    watched = PartsProgress([tmp_path / "parts" / "shard-1-of-2.jsonl", tmp_path / "parts" / "shard-0-of-2.jsonl"])
    assert watched.done() == 0  # shard 1 has no file yet
    with PartWriter(tmp_path, "shard-0-of-2", {}) as first:
        first.append([record("1", "one"), record("2", "two")])
        assert watched.done() == 2  # read past the part that does not exist yet
    with PartWriter(tmp_path, "shard-0-of-2", {}) as first, PartWriter(tmp_path, "shard-1-of-2", {}) as second:
        second.append([record("3", "three")])
        first.append([record("4", "four")])
        assert watched.done() == 4
        assert watched.done() == 4  # polling again reads nothing twice


def test_a_merge_keeps_what_an_earlier_merge_wrote(tmp_path: Path) -> None:
    """A resumed run's folder holds predictions.jsonl from before: its records count as captioned, first."""
    split = samples(3)
    (tmp_path / "predictions.jsonl").write_text(json.dumps(record("0", "merged before")) + "\n")
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record("0", "again"), record("1", "one"), {"id": "2", "image": "/img/2.jpg"}])
    merged = merge_records(tmp_path, split)
    assert [r["caption"] for r in merged.records] == ["merged before", "one"]
    assert merged.failures == {"2": "unreadable image"}  # a failure record without its reason
    assert merged.missing == [] and merged.captioned_twice == 0  # predictions.jsonl is not a part


def test_mixed_shard_counts_are_one_line_naming_them(tmp_path: Path) -> None:
    for name in ("shard-0-of-3", "shard-1-of-4", "shard-0-of-10"):
        with PartWriter(tmp_path, name, {}):
            pass
    with pytest.raises(FoodcapError) as mixed:
        shard_count(tmp_path)
    assert str(mixed.value) == f"{tmp_path} holds shards of different counts (3, 4, 10)"


def test_merge_reads_the_config_a_part_recorded(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError) as empty:
        recorded_config(tmp_path)
    assert str(empty.value) == f"{tmp_path} holds no run parts to merge (is it a foodcap run folder? see parts/)"
    with PartWriter(tmp_path, "shard-0-of-2", {}):
        pass
    with PartWriter(tmp_path, "shard-1-of-2", {"config": {"captioner": "fake"}}):
        pass
    assert recorded_config(tmp_path) == {"captioner": "fake"}
