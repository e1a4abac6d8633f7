"""A run's folder: its default name, and its files: predictions.jsonl (the merged, scored predictions),
metrics.json, run.json, split.json, and parts/ (what each captioning process appended as its batches
finished; see parts.py); training adds history.jsonl, checkpoints/ and best/."""

from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import FoodcapError

PREDICTIONS = "predictions.jsonl"
METRICS = "metrics.json"
RUN = "run.json"
SPLIT = "split.json"
PARTS = "parts"
STARTED = "started.json"  # what the folder's work is (captioner, options, data), for --resume to compare
HISTORY = "history.jsonl"  # training: one row per epoch
CHECKPOINTS = "checkpoints"  # training: the latest epoch's resumable state
BEST = "best"  # training: the best epoch's checkpoint


def default_run_folder(captioner: str) -> Path:
    """Where `foodcap run` writes when no --out is given: runs/<captioner>-<UTC timestamp>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{captioner}-{stamp}"


def default_train_folder(captioner: str) -> Path:
    """Where `foodcap train` writes when no --out is given: runs/<captioner>-train-<UTC timestamp>."""
    return default_run_folder(f"{captioner}-train")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    write_lines_atomically(path, [text])


def write_lines_atomically(path: Path, lines: Iterable[str]) -> None:
    """``write_atomically`` for text produced piece by piece (a large run's predictions), never held whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(handle, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results should be readable like any other
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.writelines(lines)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Any:
    """A JSON file's content, or None when it does not exist."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file; a torn last line (an interrupted append) is ignored."""
    return list(iter_jsonl(path))


def iter_jsonl(path: Path, skip: int = 0) -> Iterator[dict[str, Any]]:
    """``read_jsonl`` one record at a time, for files too large to hold; the first ``skip`` lines are
    passed over unparsed."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as file:
        for line in itertools.islice(file, skip, None):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                return


def part_names(folder: Path) -> list[str]:
    """The parts (one per captioning process, see parts.py) in name order."""
    return sorted(path.stem for path in (folder / PARTS).glob("*.jsonl"))


def part_records(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(part name, record) for every record of every part."""
    for name in part_names(folder):
        for record in iter_jsonl(folder / PARTS / f"{name}.jsonl"):
            yield name, record


_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}  # no space, file size limit, quota


def json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def append_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Append records as JSON lines to ``path`` and fsync them (see ``append_records``)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        append_records(descriptor, records, path)
    finally:
        os.close(descriptor)


def append_records(descriptor: int, records: Iterable[dict[str, Any]], path: Path) -> None:
    """Append records as JSON lines to an open file and fsync them. On a full disk the file is cut back to
    its last whole record and one FoodcapError says so: nothing torn is left, and ``--resume`` continues
    once there is space."""
    data = "".join(json_line(record) for record in records).encode("utf-8")
    start = os.fstat(descriptor).st_size
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in _FULL:
            raise
        os.ftruncate(descriptor, start)
        raise FoodcapError(
            f"no space left to write {path} ({error.strerror}); what was written before is "
            "kept: free some space and continue with --resume"
        ) from error


def holds_work(path: Path) -> bool:
    """Whether a run or training folder holds anything finished: a caption, or an epoch's checkpoint."""
    return (
        ((path / PREDICTIONS).is_file() and (path / PREDICTIONS).stat().st_size > 0)
        or any("caption" in record for _, record in part_records(path))
        or any((path / CHECKPOINTS).glob("epoch-*"))
        or (path / BEST).is_dir()
    )


def discard_unused(path: Path) -> None:
    """Remove a folder this command made once it failed before finishing any work in it, so nothing
    half-made is left for `compare runs/*` to trip on (and nothing is lost)."""
    if path.is_dir() and not holds_work(path):
        shutil.rmtree(path, ignore_errors=True)


def fresh_start_note(path: Path, resume: bool) -> str | None:
    """The line a ``--resume`` on a folder that does not exist yet prints (a requeued job whose first
    attempt died before making it): it starts fresh."""
    if resume and not path.exists():
        return f"nothing to resume: {path} does not exist yet, so this starts afresh"
    return None


class RunFolder:
    """Owns the files of one run; ``resume`` keeps what an interrupted run already wrote."""

    def __init__(self, path: Path, resume: bool = False) -> None:
        self.path = path
        if self.holds_run() and not resume:
            raise FoodcapError(f"{path} already holds a run; pass --resume to continue it or choose another --out")
        path.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()

    def holds_run(self) -> bool:
        return self.predictions_path.exists() or any((self.path / PARTS).glob("*.jsonl"))

    @property
    def predictions_path(self) -> Path:
        return self.path / PREDICTIONS

    def captioned_ids(self) -> set[str]:
        """Ids that hold a caption anywhere in the folder (a failed decode is retried on resume)."""
        records = itertools.chain(iter_jsonl(self.predictions_path), (record for _, record in part_records(self.path)))
        return {record["id"] for record in records if "caption" in record}

    def append_predictions(self, records: Iterable[dict[str, Any]]) -> None:
        """Append one batch and make it durable, so ``--resume`` never redoes it."""
        append_jsonl(self.predictions_path, records)

    def rewrite_predictions(self, records: Iterable[dict[str, Any]]) -> None:
        write_lines_atomically(self.predictions_path, (json_line(record) for record in records))

    def write(self, name: str, data: Any) -> None:
        write_json(self.path / name, data)

    def _drop_torn_tail(self) -> None:
        """Cut an incomplete last line left by a crash so appends start on a fresh line."""
        if not self.predictions_path.exists():
            return
        raw = self.predictions_path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            self.predictions_path.write_bytes(raw[: raw.rfind(b"\n") + 1])
