"""foodcap-modelmetrics plugin: registers with foodcap through the entry point in pyproject.toml."""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl

from .bertscore import BertScoreF1, BertScorePrecision, BertScoreRecall
from .clipscore import ClipScore, RefClipScore

METRICS = (ClipScore, RefClipScore, BertScoreF1, BertScorePrecision, BertScoreRecall)


@hookimpl
def register_metrics(register: Callable[..., None]) -> None:
    for metric in METRICS:
        register(metric)
