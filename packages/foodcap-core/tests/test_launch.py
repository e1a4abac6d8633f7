"""The small pieces of scale-out: rank detection, shards, part files, merging, GPU groups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodcap.backend.placement import gpu_group, parse_max_memory
from foodcap.dataset import Sample
from foodcap.errors import FoodcapError
from foodcap.launch import Launch, Shard, decided_by_rank0, detect_launch
from foodcap.runs.merge import merge_samples, shard_count, unfinished_shards
from foodcap.runs.parts import FolderLock, PartInfo, PartWriter, part_name


def test_launch_comes_from_torchrun_variables() -> None:
    assert detect_launch({}) == Launch(0, 1, 0)
    launch = detect_launch({"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1"})
    assert launch == Launch(3, 8, 1) and launch.distributed and not launch.is_main
    with pytest.raises(FoodcapError, match="inconsistent"):
        detect_launch({"RANK": "2", "WORLD_SIZE": "2"})


def test_shards_are_disjoint_balanced_and_cover_everything() -> None:
    items = list(range(23))
    shards = [Shard(i, 4).take(items) for i in range(4)]
    assert sorted(x for shard in shards for x in shard) == items
    assert {len(shard) for shard in shards} == {5, 6}
    assert Shard.parse(" 2/4 ") == Shard(2, 4) and str(Shard(2, 4)) == "2/4" and Shard().whole
    for bad in ("4/4", "1", "-1/2", "a/b", "0/0"):
        with pytest.raises(FoodcapError):
            Shard.parse(bad)


def test_a_single_process_decides_alone() -> None:
    assert decided_by_rank0(Launch(), lambda: 42) == 42


def test_part_names_round_trip() -> None:
    name = part_name(Launch(1, 4), "20261201-120000-abcdef", Shard())
    info = PartInfo.parse(name)
    assert info is not None and (info.rank, info.launch_id, info.shard) == (1, "20261201-120000-abcdef", None)
    shard = PartInfo.parse(part_name(Launch(), "x", Shard(2, 3)))
    assert shard is not None and shard.shard == Shard(2, 3)
    assert PartInfo.parse("notes") is None


def samples(count: int) -> list[Sample]:
    return [Sample(str(i), Path(f"/img/{i}.jpg"), f"Dish {i}") for i in range(count)]


def record(sample: Sample, caption: str) -> dict[str, str]:
    return {"id": sample.id, "image": str(sample.image), "reference": sample.title, "caption": caption}


def test_merge_is_split_ordered_keeps_every_record_and_counts_double_work(tmp_path: Path) -> None:
    split = samples(6)
    with PartWriter(tmp_path, "shard-1-of-2", {}) as part:
        part.append([record(split[5], "five"), record(split[1], "one")])
        part.append([{"id": "3", "image": "/img/3.jpg", "failure": "truncated image"}])
    with PartWriter(tmp_path, "shard-0-of-2", {}) as part:
        part.append([record(split[0], "zero"), record(split[2], "two"), record(split[1], "one again")])
        part.append([{"id": "99", "image": "/img/99.jpg", "reference": "Other", "caption": "x"}])
    merged = merge_samples(tmp_path, split)
    # Split order; of two captions the first part (in name order) wins.
    assert [r["caption"] for r in merged.records()] == ["zero", "one again", "two", "five"]
    assert merged.count == 4
    assert merged.failures == {"3": "truncated image"}
    assert merged.missing == ["4"]
    assert merged.captioned_twice == 1
    assert [r["id"] for r in merged.others] == ["99"]  # another split's record is kept, not dropped


def test_a_later_caption_beats_an_earlier_decode_failure(tmp_path: Path) -> None:
    split = samples(1)
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([{"id": "0", "image": "/img/0.jpg", "failure": "truncated image"}])
        part.append([record(split[0], "fixed")])
    merged = merge_samples(tmp_path, split)
    assert merged.failures == {} and next(merged.records())["caption"] == "fixed"


def test_a_torn_line_is_cut_before_appending_again(tmp_path: Path) -> None:
    split = samples(2)
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record(split[0], "zero")])
    path = tmp_path / "parts" / "shard-0-of-1.jsonl"
    path.write_text(path.read_text() + '{"id": "1", "cap')
    with PartWriter(tmp_path, "shard-0-of-1", {}) as part:
        part.append([record(split[1], "one")])
    assert [json.loads(line)["caption"] for line in path.read_text().splitlines()] == ["zero", "one"]


def test_a_part_has_one_writer_and_a_folder_one_launch(tmp_path: Path) -> None:
    with PartWriter(tmp_path, "shard-0-of-2", {}):
        with pytest.raises(FoodcapError, match="another process"):
            PartWriter(tmp_path, "shard-0-of-2", {})
    shard_job = FolderLock(tmp_path, shared=True)
    other_shard_job = FolderLock(tmp_path, shared=True)  # shard jobs run side by side
    with pytest.raises(FoodcapError, match="another foodcap process"):
        FolderLock(tmp_path, shared=False)  # but no launch or merge while they do
    shard_job.release()
    other_shard_job.release()
    FolderLock(tmp_path, shared=False).release()


def test_unfinished_shards_are_named(tmp_path: Path) -> None:
    assert unfinished_shards(tmp_path) == [] and shard_count(tmp_path) is None
    with PartWriter(tmp_path, "shard-0-of-3", {}) as part:
        part.status("done", images=0)
    with PartWriter(tmp_path, "shard-2-of-3", {}):
        pass  # started, never finished
    assert unfinished_shards(tmp_path) == [Shard(1, 3), Shard(2, 3)]
    with PartWriter(tmp_path, "shard-0-of-4", {}):
        pass
    with pytest.raises(FoodcapError, match="different counts"):
        shard_count(tmp_path)


def test_each_rank_owns_a_group_of_gpus() -> None:
    assert gpu_group(0, 2, 8) == [0, 1, 2, 3] and gpu_group(1, 2, 8) == [4, 5, 6, 7]
    assert gpu_group(2, 3, 7) == [4, 5]  # the spare GPU stays idle rather than unbalancing ranks
    with pytest.raises(FoodcapError, match="at least one GPU"):
        gpu_group(0, 4, 2)


def test_max_memory_is_read_as_accelerate_wants_it() -> None:
    assert parse_max_memory("0=20GiB, 1=18GiB,cpu=64GiB") == {0: "20GiB", 1: "18GiB", "cpu": "64GiB"}
    assert parse_max_memory(None) is None
    with pytest.raises(FoodcapError, match="DEVICE=SIZE"):
        parse_max_memory("20GiB")


def test_training_refuses_run_only_scale_out_settings() -> None:
    from foodcap.config import validate
    from foodcap.training import TrainConfig

    with pytest.raises(FoodcapError, match="--shard is for foodcap run"):
        validate(TrainConfig, {"captioner": "x", "shard": "0/2"})
    with pytest.raises(FoodcapError, match="^--device-map is for foodcap run"):
        validate(TrainConfig, {"captioner": "x", "options": {"device_map": "auto"}})
