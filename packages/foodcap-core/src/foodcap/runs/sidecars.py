"""``--write-sidecars``: each input shard's captions in a parquet file of its own, keyed by the record key,
so a pipeline can join them back to its shards (``sidecars/<shard name>.parquet``: key, caption, and a
column per metric's per-sample score). Written from predictions.jsonl, one input shard at a time."""

from __future__ import annotations

import itertools
from pathlib import Path

from ..dataset.parquet_shards import pyarrow_parquet
from .folder import iter_jsonl

SIDECARS = "sidecars"


def write_sidecars(folder: Path, shards: list[str]) -> list[Path]:
    """The sidecar of every input shard that holds a captioned record of the run."""
    import pyarrow

    parquet = pyarrow_parquet()
    written = []
    records = (record for record in iter_jsonl(folder / "predictions.jsonl") if "order" in record)
    for shard, group in itertools.groupby(records, key=lambda record: record["order"][0]):
        rows = list(group)  # one input shard's records: bounded by the shard's size
        names = list(rows[0].get("scores", {}))
        columns = {
            "key": [row["id"] for row in rows],
            "caption": [row["caption"] for row in rows],
            **{f"score_{name}": [row.get("scores", {}).get(name) for row in rows] for name in names},
        }
        path = folder / SIDECARS / f"{Path(shards[shard]).name.split('.')[0]}.parquet"
        path.parent.mkdir(exist_ok=True)
        parquet.write_table(pyarrow.table(columns), path)
        written.append(path)
    return written
