"""compare and report read a fixed-size, evenly spread sample of a large run's predictions."""

from __future__ import annotations

import json
from pathlib import Path

from foodcap.reports.run_records import sampled_predictions


def test_a_large_run_is_sampled_evenly_and_a_small_one_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "caption": "c"}) + "\n" for i in range(101)))
    assert [r["id"] for r in sampled_predictions(path, 5)] == ["0", "25", "50", "75", "100"]
    assert len(sampled_predictions(path, 101)) == 101
    assert sampled_predictions(tmp_path / "missing.jsonl") == []
