"""The cleaning report's bookkeeping: skips move rows out of kept, so the totals always add up."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from foodcap.dataset import CleaningReport


def test_skips_move_rows_out_of_kept_including_decode_time_skips() -> None:
    report = CleaningReport.for_rows(10)
    report.add_skip("empty title", 2)
    report.add_skip("missing image file")
    report.add_repair("title whitespace/control chars cleaned", 3)
    report.add_skip("truncated image")  # found later, by the runner, when decoding
    report.add_repair("image converted to RGB from CMYK")
    assert (report.rows_read, report.kept) == (10, 6)
    assert report.skipped == {"empty title": 2, "missing image file": 1, "truncated image": 1}
    assert report.rows_read == report.kept + sum(report.skipped.values()) == report.kept + report.skipped_total
    with pytest.raises(ValueError):
        report.add_skip("empty title", 7)
    assert report.kept == 6


def test_to_dict_is_json_ready_sorted_and_round_trips() -> None:
    report = CleaningReport.for_rows(3)
    report.add_skip("not an image")
    report.add_skip("empty title")
    report.add_repair("#NAME? image name recovered")
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert list(data["skipped"]) == ["empty title", "not an image"]
    assert CleaningReport.from_dict(data) == report


def test_render_lists_every_count() -> None:
    report = CleaningReport.for_rows(5)
    report.add_skip("missing image file", 2)
    report.add_repair("title whitespace/control chars cleaned")
    console = Console(record=True, width=100)
    console.print(report.render())
    text = console.export_text()
    for expected in ("read", "5", "kept", "3", "missing image file", "2", "title whitespace/control chars cleaned"):
        assert expected in text
