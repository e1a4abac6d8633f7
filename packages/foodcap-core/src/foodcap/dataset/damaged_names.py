"""Recovering image names that Excel turned into ``#NAME?``.

Epicurious slugs of titles that start with punctuation (a quote) begin with ``-``, e.g.
``-bloody-mary-tomato-toast-with-celery-and-horseradish-56389813.jpg``. Excel read such a name
as a formula and wrote ``#NAME?``. The file is still in the images folder, so the row's title
finds it again: compare the title's letters and digits with those of every ``-`` name's slug.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .titles import ascii_slug_key

DAMAGED_NAME = "#NAME?"
_DASH_NAME = re.compile(r"^-(?P<slug>.*?)(?:-(?P<number>\d+))?\.jpe?g$", re.IGNORECASE)


class DashNameIndex:
    """The ``-`` image names nobody references, by slug key, built once from the folder listing."""

    def __init__(self, file_names: Iterable[str], referenced: set[str]) -> None:
        by_key: dict[str, list[tuple[int, str]]] = {}
        for name in file_names:
            match = _DASH_NAME.match(name)
            if match is None or name in referenced:
                continue
            number = int(match["number"]) if match["number"] else -1
            # With and without the number: a title may itself end in digits ("Top 10 ...").
            keys = {ascii_slug_key(match["slug"]), ascii_slug_key(name[1:].rsplit(".", 1)[0])}
            for key in keys - {""}:
                by_key.setdefault(key, []).append((number, name))
        self._by_key = {key: [name for _, name in sorted(found)] for key, found in by_key.items()}
        self._claimed: set[str] = set()

    def recover(self, title: str) -> str | None:
        """The file for a ``#NAME?`` row with this title, or None; each file is handed out once.

        Rows with the same title take that title's files in ascending number order, so the
        result does not depend on anything but the CSV and the listing.
        """
        key = ascii_slug_key(title)
        for name in self._by_key.get(key, []) if key else []:
            if name not in self._claimed:
                self._claimed.add(name)
                return name
        return None
