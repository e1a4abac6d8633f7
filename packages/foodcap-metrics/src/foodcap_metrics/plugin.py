"""foodcap-metrics plugin: registers with foodcap through the entry point in pyproject.toml."""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl

from . import meteor15
from .bleu import Bleu1, Bleu2, Bleu3, Bleu4
from .cider import CiderD
from .meteor import Meteor
from .rouge import RougeL

METRICS = (Bleu1, Bleu2, Bleu3, Bleu4, RougeL, Meteor, CiderD)


@hookimpl
def register_metrics(register: Callable[..., None]) -> None:
    for metric in METRICS:
        register(metric)
    # The original jar is registered even without Java: asking for it then fails in pre-flight with the remedy.
    register(meteor15.Meteor15)
