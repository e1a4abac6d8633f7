"""Turn a chat model's answer into a bare recipe title.

Instruction-tuned models decorate answers (quotes, "Title:" labels, markdown, a closing full stop,
a second line of explanation) even when told not to; metrics compare against bare Epicurious
titles, so every decoration left in costs BLEU and ROUGE for no reason.
"""

from __future__ import annotations

import re

# Labels the model puts before the answer ("Recipe title: ...", "**Dish:** ...").
_LABEL = re.compile(
    r"^(?:(?:the\s+)?(?:recipe|dish)(?:'s)?\s+(?:title|name)|title|recipe|dish(?:\s+name)?|name|answer)"
    r"(?:\s*:|\s+[\-\u2013\u2014])\s*",
    re.IGNORECASE,
)
# Markdown around or before the answer: headings, bullets, numbered items, block quotes.
_LEADING_MARKDOWN = re.compile(r"^(?:#{1,6}\s*|[*\-+\u2022]\s+|\d+[.)]\s+|>\s*)")
_EMPHASIS = re.compile(r"\*\*|__|\*|`")
_QUOTE_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}
# Only double quotes count as cut off when unmatched: a leading apostrophe can be a word ("'Nduja").
_DOUBLE_QUOTES = ('"', "\u201c", "\u00ab")
_TRAILING_PUNCTUATION = ".,;:!\u2026"
_WHITESPACE = re.compile(r"\s+")


def clean_title(answer: str) -> str:
    """The first line of ``answer`` that still says something once its decorations are removed."""
    for line in answer.splitlines():
        title = _clean_line(line)
        if title:
            return title
    return ""


def _clean_line(line: str) -> str:
    text = _WHITESPACE.sub(" ", line).strip()
    # Decorations nest in any order ('**"Title: Apple Pie."**'), so peel until nothing changes.
    while True:
        before = text
        text = _LEADING_MARKDOWN.sub("", text)
        text = _EMPHASIS.sub("", text).strip()
        text = _LABEL.sub("", text)
        text = _strip_quotes(text)
        text = text.rstrip(_TRAILING_PUNCTUATION).strip()
        if text == before:
            return text


def _strip_quotes(text: str) -> str:
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    # An opening quote whose closing one was cut off by the token limit.
    if text[:1] in _DOUBLE_QUOTES and _QUOTE_PAIRS[text[0]] not in text[1:]:
        return text[1:].strip()
    return text
