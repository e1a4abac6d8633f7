"""Text as the Java tokenizer sees it: UTF-16 code units, and ``String.toLowerCase``."""

from __future__ import annotations

import regex

_ASTRAL = regex.compile(r"[\U00010000-\U0010FFFF]")
_SURROGATE_PAIR = regex.compile(r"[\uD800-\uDBFF][\uDC00-\uDFFF]")
_LONE_SURROGATE = regex.compile(r"[\uD800-\uDFFF]")
_WORD_CHAR = regex.compile(r"[\p{L}\p{M}\p{Nd}_--[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]]", regex.V1)
_CAPITAL_SIGMA = "\u03a3"


def _pair(match: regex.Match[str]) -> str:
    code = ord(match.group()) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def _unpair(match: regex.Match[str]) -> str:
    high, low = match.group()
    return chr(0x10000 + ((ord(high) - 0xD800) << 10) + ord(low) - 0xDC00)


def to_utf16_units(text: str) -> str:
    """Characters outside the BMP as surrogate pairs, the two code units a Java string holds."""
    return text if text.isascii() else _ASTRAL.sub(_pair, text)


def from_utf16_units(text: str) -> str:
    """Surrogate pairs back to characters; an unpaired surrogate is written as "?", as Java writes it."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub("?", _SURROGATE_PAIR.sub(_unpair, text))


def _joins_word(text: str, at: int) -> bool:
    if _WORD_CHAR.match(text, at):
        return True
    return (
        text[at] in ".,:'\u2019-"
        and 0 < at < len(text) - 1
        and _WORD_CHAR.match(text, at - 1) is not None
        and _WORD_CHAR.match(text, at + 1) is not None
    )


def _is_final_sigma(text: str, index: int) -> bool:
    """Java's rule: a cased letter before the sigma in its word and none after it (word as its BreakIterator)."""
    start, end = index, index + 1
    while start > 0 and _joins_word(text, start - 1):
        start -= 1
    while end < len(text) and _joins_word(text, end):
        end += 1
    cased_before = any(c.lower() != c.upper() for c in text[start:index])
    cased_after = any(c.lower() != c.upper() for c in text[index + 1 : end])
    return cased_before and not cased_after


def java_lower(text: str) -> str:
    """``String.toLowerCase`` as Java does it; it differs from ``str.lower`` only for the capital sigma."""
    if _CAPITAL_SIGMA not in text:
        return text.lower()
    return "".join(
        ("\u03c2" if _is_final_sigma(text, i) else "\u03c3") if c == _CAPITAL_SIGMA else c.lower()
        for i, c in enumerate(text)
    )
