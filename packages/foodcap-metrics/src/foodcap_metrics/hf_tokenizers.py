"""The tokenizers Hugging Face ``evaluate`` uses: 13a for BLEU, rouge-score's for ROUGE, nltk's for METEOR."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

logger = logging.getLogger("foodcap")

# sacrebleu's 13a (mteval-v13a), as evaluate's bleu ships it in tokenizer_13a.py.
_13A_RULES = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # symbols
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # period and comma unless preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # period and comma unless followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),  # dash when preceded by a digit
)


# Plain captions (words of letters and digits, maybe hyphenated, or "&", one space apart) come out of
# both tokenizers as split on spaces, except for a hyphen after a digit (13a splits it) and a few
# contractions nltk splits ("can not", "gon na"); such captions skip the regexes.
_WORD = r"(?:[^\W_]+(?:-[^\W_]+)*|&)"
_PLAIN = re.compile(f"{_WORD}(?: {_WORD})*")
_DIGIT_HYPHEN = re.compile(r"[0-9]-")
_WORD_PARTS = re.compile(r"[ -]")
_SPLIT_BY_NLTK = frozenset(["cannot", "gimme", "gonna", "gotta", "lemme", "wanna"])


@lru_cache(maxsize=1 << 16)
def tokenize_13a(line: str) -> tuple[str, ...]:
    """BLEU's 13a tokens: no lower-casing; a few SGML entities decoded; punctuation split off."""
    if _PLAIN.fullmatch(line) and not _DIGIT_HYPHEN.search(line):
        return tuple(line.split(" "))
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, replacement in _13A_RULES:
        line = pattern.sub(replacement, line)
    return tuple(line.split())


_ROUGE_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """rouge-score's default tokens without stemming: it lower-cases, turns everything but ``[a-z0-9]``
    into spaces and splits, which leaves exactly the runs of ``[a-z0-9]``."""
    return _ROUGE_TOKEN.findall(text.lower())


@lru_cache(maxsize=1)
def _sentence_splitter() -> Callable[[str], list[str]] | None:
    """nltk's English Punkt model if its data is installed (``punkt_tab``), else None."""
    from nltk.tokenize import PunktTokenizer

    try:
        return PunktTokenizer("english").tokenize
    except (LookupError, OSError, ValueError):
        return None


# What must be in the text for each of nltk's Treebank regexes to change it; a step whose text lacks
# it is skipped, which changes nothing but time. Keyed by pattern, so a pattern this table does not
# know (another nltk version) simply always runs.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "([«“‘„]|[`]+)": tuple("«“‘„`"),
    '^\\"': ('"',),
    "(``)": ("`",),
    "([ \\(\\[{<])(\\\"|\\'{2})": ('"', "'"),
    "(?i)(?<!\\w)(\\')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)": ("'",),
    "([^\\.])(\\.)([\\]\\)}>\"\\'»”’ ]*+)\\s*$": (".",),
    "([:,])([^\\d])": (":", ","),
    "([:,])$": (":", ","),
    "\\.{2,}": (".",),
    "[;@#$%&]": tuple(";@#$%&"),
    "[\\u2012-\\u2015]": tuple("\u2012\u2013\u2014\u2015"),
    "([^\\.])(\\.)([\\]\\)}>\"\\']*)\\s*$": (".",),
    "[?!]": ("?", "!"),
    "([^'])' ": ("'",),
    "[*]": ("*",),
    "[\\]\\[\\(\\)\\{\\}\\<\\>]": tuple("[](){}<>"),
    "--": ("--",),
    "([»”’])": tuple("»”’"),
    "''": ("''",),
    '"': ('"',),
    "([^' ])('[sS]|'[mM]|'[dD]|') ": ("'",),
    "([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ": ("'",),
    "(?i)\\b(can)(?#X)(not)\\b": ("cannot",),
    "(?i)\\b(d)(?#X)('ye)\\b": ("'",),
    "(?i)\\b(gim)(?#X)(me)\\b": ("gimme",),
    "(?i)\\b(gon)(?#X)(na)\\b": ("gonna",),
    "(?i)\\b(got)(?#X)(ta)\\b": ("gotta",),
    "(?i)\\b(lem)(?#X)(me)\\b": ("lemme",),
    "(?i)\\b(more)(?#X)('n)\\b": ("'",),
    "(?i)\\b(wan)(?#X)(na)(?=\\s)": ("wanna",),
    "(?i) ('t)(?#X)(is)\\b": ("'",),
    "(?i) ('t)(?#X)(was)\\b": ("'",),
}
_CASELESS = "(?i)"

Step = tuple[Callable[[str, str], str], str, tuple[str, ...] | None, bool]


@lru_cache(maxsize=1)
def _treebank_steps() -> tuple[list[Step], list[Step]]:
    """nltk's NLTKWordTokenizer.tokenize as (regex sub, replacement, trigger, caseless) steps, split where
    it pads the text with spaces."""
    from nltk.tokenize import NLTKWordTokenizer as Treebank

    def step(pattern: Any, replacement: str) -> Step:
        source = pattern.pattern
        return pattern.sub, replacement, _TRIGGERS.get(source), source.startswith(_CASELESS)

    before = [
        step(p, r)
        for p, r in (*Treebank.STARTING_QUOTES, *Treebank.PUNCTUATION, Treebank.PARENS_BRACKETS, Treebank.DOUBLE_DASHES)
    ]
    after = [step(p, r) for p, r in Treebank.ENDING_QUOTES]
    after += [step(p, r" \1 \2 ") for p in (*Treebank.CONTRACTIONS2, *Treebank.CONTRACTIONS3)]
    return before, after


def _run(steps: list[Step], text: str) -> str:
    for sub, replacement, trigger, caseless in steps:
        if trigger is not None:
            haystack = text.lower() if caseless else text
            if not any(t in haystack for t in trigger):
                continue
        text = sub(replacement, text)
    return text


def _treebank_tokenize(text: str) -> list[str]:
    """``NLTKWordTokenizer().tokenize(text)``, skipping the regexes that cannot change this text."""
    before, after = _treebank_steps()
    return _run(after, " " + _run(before, text) + " ").split()


@lru_cache(maxsize=1)
def _period_context() -> re.Pattern[str]:
    from nltk.tokenize.punkt import PunktLanguageVars

    return PunktLanguageVars().period_context_re()


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize``: Punkt sentences, then the Treebank word tokenizer on each.

    Without Punkt's data (offline machines) each caption is one sentence. That changes tokens only for
    captions with a sentence end inside ("Easy. Fast."), which :func:`meteor_tokens` reports.
    """
    if _PLAIN.fullmatch(text) and _SPLIT_BY_NLTK.isdisjoint(_WORD_PARTS.split(text.lower())):
        return text.split(" ")
    split = _sentence_splitter()
    sentences = split(text) if split is not None else [text]
    return [token for sentence in sentences for token in _treebank_tokenize(sentence)]


def meteor_tokens(captions: Sequence[str]) -> list[list[str]]:
    """Hugging Face evaluate's METEOR tokens (``word_tokenize``) for each caption."""
    if _sentence_splitter() is None:
        inner = sum(1 for c in captions if _period_context().search(c.rstrip(".?!\"') ")))
        if inner:
            logger.warning(
                "%d caption(s) contain a sentence end mid-caption; without nltk's punkt_tab data they are "
                "tokenized as one sentence, which may differ slightly from HF evaluate "
                "(install it with `python -m nltk.downloader punkt_tab`)",
                inner,
            )
    cache: dict[str, list[str]] = {}
    return [cache[c] if c in cache else cache.setdefault(c, word_tokenize(c)) for c in captions]
