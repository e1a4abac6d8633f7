"""Recipe titles: cleaning them into caption references, and the keys that compare them."""

from __future__ import annotations

import re
import unicodedata

# Cell values that mean "no value": empty, or a missing value written out as text (pandas' NaN).
MISSING_VALUES = frozenset({"", "nan", "NaN", "NAN", "None", "null", "NULL"})
_SPACES = re.compile(r" +")
_WORDS = re.compile(r"\w+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def clean_title(raw: str | None) -> str:
    """Every whitespace character becomes one space, control/format characters go; non-ASCII stays.

    Returns ``""`` for a title that is missing (empty, or a NaN written as text).
    """
    if raw is None:
        return ""
    if raw.isprintable() and "  " not in raw and raw == raw.strip():  # the usual, clean title
        return "" if raw in MISSING_VALUES else raw
    kept = []
    for char in raw:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf"):
            kept.append(char)
    title = _SPACES.sub(" ", "".join(kept)).strip()
    return "" if title in MISSING_VALUES else title


def title_group_key(title: str) -> str:
    """Titles that differ only in case, punctuation or spacing share a key, and so a split."""
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", title).casefold()))


def ascii_slug_key(text: str) -> str:
    """The letters and digits of ``text``, ASCII-folded and lower-cased.

    Epicurious image slugs drop or dash out punctuation and accents inconsistently, so a title
    and a slug are compared on this key only.
    """
    return _NOT_ALNUM.sub("", _ascii_lower(text))


def title_slug(title: str) -> str:
    """The title lower-cased, every run of non-alphanumerics turned into ``-`` (Kaggle style).

    A title that starts with punctuation (a quote) gives a slug starting with ``-``: the names
    Excel later damaged into ``#NAME?``.
    """
    return _NOT_ALNUM.sub("-", _ascii_lower(title)).rstrip("-")


def _ascii_lower(text: str) -> str:
    """Accents dropped (é -> e), other non-ASCII removed, lower case."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
