"""pycocoevalcap's caption tokenization (Stanford PTBTokenizer, ``-preserveLines -lowerCase``) in Python.

pycocoevalcap writes all captions of one side (references or predictions) into one file, one per line,
runs the Java tokenizer over it and then drops its punctuation tokens. The Java lexer looks ahead past
the end of a line ("etc." before a capitalised caption gains an extra period), so captions are
tokenized here as one stream too, in the same order.

Speed comes from lexing each space-separated chunk once: a chunk's tokens depend only on the chunk and
on what follows it (one character, or a little more after a period or a digit), so they are cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import regex

from .java_text import from_utf16_units, java_lower, to_utf16_units
from .ptb_rules import RULES, Rule

# pycocoevalcap removes these tokens after tokenizing (its PUNCTUATIONS list, verbatim).
PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";"]
)

# Line breaks inside a caption would split it into several lines in pycocoevalcap (it replaces only
# "\n"); here they are spaces, so every caption keeps its own line.
_LINE_BREAKS = regex.compile(r"\r\n|[\n\r\u2028\u2029\u000B\u000C]")
# Chunks split where no token can run on: URLs and e-mail addresses swallow the other spaces.
_CHUNK = regex.compile(r"[^ \t]+")
_SPACE_CHARS = frozenset("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u3000")
_TRAILING_SPACE = regex.compile(r"[\u00A0\u2000-\u200A\u3000]+$")
_CONTEXT_CHARS = 40
# Pure-letter chunks are single words except these, which the lexer splits ("can not", "gon na").
_ASSIMILATIONS = frozenset(["cannot", "gonna", "gotta", "lemme", "gimme", "wanna"])
# Letters only, or letter-or-digit parts joined by hyphens (a lexer THING), then an optional "'s"
# and one piece of in-sentence punctuation or a run of ?/!.
_SHAPES = regex.compile(
    r"(?P<word>\p{L}+|[\p{L}\p{Nd}]+(?:-[\p{L}\p{Nd}]+)+)(?P<possessive>(?<=\p{L}{2})'s)?"
    r"(?P<punct>[,;:]|[?!]+)?"
)
_PLAIN_FOLLOW = frozenset([" ", "\n", ""])

_PATTERNS: tuple[tuple[Rule, regex.Pattern[str]], ...] = tuple(
    (rule, regex.compile(f"(?P<tok>{rule.token})(?:{rule.context})", regex.POSIX)) for rule in RULES
)


# Characters some rules need somewhere in their match; which of them a text holds picks the rules to try.
_NEEDED = frozenset("".join(rule.needs for rule in RULES))


@lru_cache(maxsize=4096)
def _starting_with(char: str) -> tuple[tuple[Rule, regex.Pattern[str]], ...]:
    """Rules whose match can begin with ``char`` (a partial match of that one character says so)."""
    return tuple((rule, pattern) for rule, pattern in _PATTERNS if pattern.match(char, partial=True))


@lru_cache(maxsize=1 << 14)
def _candidates(char: str, present: frozenset[str]) -> tuple[tuple[Rule, regex.Pattern[str]], ...]:
    """Rules that can start at ``char`` in a text holding the ``present`` needed characters."""
    return tuple(
        (rule, pattern)
        for rule, pattern in _starting_with(char)
        if not rule.needs or not present.isdisjoint(rule.needs)
    )


def lex(text: str, start: int, end: int) -> tuple[list[str], int]:
    """JFlex's loop: the longest match wins, ties go to the earlier rule; stop once a token starts at ``end``.

    Returns the raw tokens and the position reached (past ``end`` if a token ran over it).
    """
    present = _NEEDED.intersection(text[start:])
    tokens: list[str] = []
    position = start
    while position < end:
        best_rule: Rule | None = None
        best_length = -1
        best_token = ""
        for rule, pattern in _candidates(text[position], present):
            match = pattern.match(text, position)
            if match is not None and match.end() - position > best_length:
                best_rule, best_length, best_token = rule, match.end() - position, match.group("tok")
        assert best_rule is not None  # the untokenizable rule matches any character
        emitted, consumed = best_rule.action(best_token)
        tokens.extend(emitted)
        position += max(consumed, 1)
    return tokens, position


def _finish(tokens: list[str]) -> tuple[str, ...]:
    """The -lowerCase output, back in Python characters."""
    return tuple(from_utf16_units(java_lower(token)) for token in tokens)


def _common_shape(chunk: str) -> list[str] | None:
    """Raw tokens of the commonest chunk shapes, which the lexer would give too ("Pie", "Pie,", "Mom's",
    "Gluten-Free"); None for anything else. The caller guarantees a plain space or line end follows."""
    if chunk.isalpha():
        return None if chunk.lower() in _ASSIMILATIONS else [chunk]
    shape = _SHAPES.fullmatch(chunk)
    if shape is None:
        return None
    word, possessive, punct = shape.group("word", "possessive", "punct")
    if "-" not in word and word.lower() in _ASSIMILATIONS:
        return None
    return [word] + ([possessive] if possessive else []) + ([punct] if punct else [])


@lru_cache(maxsize=1 << 17)
def _chunk_tokens(chunk: str, follow: str) -> tuple[str, ...] | None:
    """Tokens of a chunk followed by ``follow``; None when a token runs past the chunk."""
    tokens = _common_shape(chunk) if follow in _PLAIN_FOLLOW else None
    if tokens is None:
        tokens, stop = lex(chunk + follow, 0, len(chunk))
        if stop > len(chunk):
            return None
    return _finish(tokens)


def _needs_context(chunk: str) -> bool:
    """A trailing period may end an abbreviation judged by the next word; a digit may start a fraction
    or phone number that runs over a space; SGML tags and bracketed phone numbers run over spaces."""
    last = chunk[-1]
    if last in _SPACE_CHARS:
        last = _TRAILING_SPACE.sub("", chunk)[-1:]
    return last == "." or last.isdecimal() or "(" in chunk or "<" in chunk


class _Stream:
    """The captions joined by newlines, as the Java tokenizer reads them."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def after(self, index: int, position: int, length: int) -> str:
        """Up to ``length`` characters of the stream after ``position`` in line ``index``."""
        text = self.lines[index][position:]
        while len(text) < length and index + 1 < len(self.lines):
            index += 1
            text += "\n" + self.lines[index]
        return text[:length]

    def line_tokens(self, index: int) -> list[str]:
        line = self.lines[index]
        last_follow = "\n" if index + 1 < len(self.lines) else ""
        if "\t" not in line:  # the common case, split at C speed
            tokens: list[str] = []
            parts = line.split(" ")
            position = 0
            for number, chunk in enumerate(parts):
                if chunk and not _needs_context(chunk):
                    cached = _chunk_tokens(chunk, " " if number + 1 < len(parts) else last_follow)
                    if cached is None:
                        break
                    tokens.extend(cached)
                elif chunk:
                    break
                position += len(chunk) + 1
            else:
                return tokens
            return tokens + self._tokens_from(index, position)
        return self._tokens_from(index, 0)

    def _tokens_from(self, index: int, position: int) -> list[str]:
        line = self.lines[index]
        last_follow = "\n" if index + 1 < len(self.lines) else ""
        tokens: list[str] = []
        while position < len(line):
            found = _CHUNK.search(line, position)
            if found is None:
                break
            chunk, end = found.group(), found.end()
            cached = None
            if not _needs_context(chunk):
                cached = _chunk_tokens(chunk, line[end] if end < len(line) else last_follow)
            elif "<" not in chunk:
                cached = _chunk_tokens(chunk, self.after(index, end, _CONTEXT_CHARS))
            if cached is not None:
                tokens.extend(cached)
                position = end
                continue
            # A token may run past this chunk: lex in place over the rest of the stream.
            text = line[found.start() :] + self.after(index, len(line), 1 << 12)
            raw, stop = lex(text, 0, len(chunk))
            tokens.extend(_finish(raw))
            position = found.start() + stop
        return tokens


def ptb_tokens(captions: Sequence[str]) -> list[list[str]]:
    """PTB tokens of each caption, lower-cased, before punctuation removal, lexed as one stream."""
    stream = _Stream([to_utf16_units(_LINE_BREAKS.sub(" ", caption)) for caption in captions])
    return [stream.line_tokens(index) for index in range(len(captions))]


def coco_tokenize(captions: Sequence[str]) -> list[str]:
    """Each caption as pycocoevalcap's PTBTokenizer returns it: the Java output line, right-stripped and
    split on spaces (Python's rstrip also eats a token's trailing no-break space), punctuation removed."""
    return [
        " ".join(t for t in " ".join(tokens).rstrip().split(" ") if t not in PUNCTUATIONS)
        for tokens in ptb_tokens(captions)
    ]
