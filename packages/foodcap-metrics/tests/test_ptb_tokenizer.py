"""The Python PTB tokenizer gives pycocoevalcap's Java tokens, caption for caption."""

from __future__ import annotations

import random

import pytest

from foodcap_metrics.ptb_tokenizer import coco_tokenize
from foodcap_metrics.synthetic import TitleCorpus

from conftest import requires_java

# Pieces that exercise the lexer's rules: abbreviations, acronyms, contractions, quotes, URLs, e-mail,
# SGML, fractions, phone numbers, currency, smileys, symbols, CJK, accents, an emoji, odd spaces.
_PIECES = [
    "http://",
    "www.",
    ".com",
    ".org",
    "Ltd",
    "Pty",
    "O'",
    "D'",
    "l'",
    "n't",
    "'s",
    "'ll",
    "'re",
    "'d",
    "Dunkin'",
    "rock",
    "'n'",
    "a.m.",
    "e.g.",
    "U.S.",
    "ft",
    "Jr",
    "gonna",
    "cannot",
    "'Tis",
    "'twas",
    "<b>",
    "</b>",
    "<!--",
    "-->",
    '<a href="x">',
    "&quot;",
    "&lt;",
    "&amp;",
    "&apos;",
    "&nbsp;",
    "&mdash;",
    "(555)",
    "1/2",
    "3-4",
    "12:30",
    "2020-01-01",
    "#tag",
    "@user",
    ":)",
    ";-)",
    "x_x",
    "^_^",
    "...",
    ". . .",
    "\u2044",
    "\u00ad",
    "Inc.",
    "Co.",
    "etc.",
    "No.",
    "Fig.",
    "ca.",
    "vs.",
    "Mr.",
    "St.",
    "Calif.",
    "I.",
    "A.",
    "Jan.",
    "The",
    "He",
    "It",
    "Apple",
    "apple",
    "1",
    "10",
    "5,000",
    "3.5",
    "-",
    "--",
    "---",
    "(",
    ")",
    "'",
    '"',
    "\u2019",
    "\u201c",
    "\u201d",
    "\u2018",
    "`",
    "\u00ab",
    ".",
    ",",
    ";",
    ":",
    "!",
    "?",
    "/",
    "*",
    "+",
    "=",
    "$",
    "\u20ac",
    "\u00a3",
    "%",
    "\u00b0",
    "\u00bd",
    "mp3",
    "file.pdf",
    "co-op",
    "anti-",
    "un-",
    "S&P",
    "AT&T",
    "C++",
    "y'all",
    "ma'am",
    "'90s",
    "'90",
    "don't",
    "can't",
    "I'm",
    "it's",
    "cooks'",
    "O'Brien",
    "nor'easter",
    "cont'd",
    "cr\u00e8me",
    "jalape\u00f1o",
    "\u5317\u4eac",
    "\U0001f600",
    "\u00df",
    "\u0130",
    "\u00b5",
    "\x01",
    "\u200b",
]
_SEPARATORS = [" ", " ", " ", "", "", "\t", "\u00a0", "  "]


def _odd_captions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_PIECES) + rng.choice(_SEPARATORS) for _ in range(rng.randint(0, 8))) for _ in range(count)
    ]


@requires_java
def test_title_corpora_tokenize_like_pycocoevalcap(corpus: TitleCorpus) -> None:
    from oracles import coco_tokenize as java_tokenize

    references = [r for refs in corpus.references for r in refs]
    assert coco_tokenize(references) == java_tokenize(references)
    assert coco_tokenize(corpus.predictions) == java_tokenize(corpus.predictions)


@requires_java
def test_odd_text_tokenizes_like_pycocoevalcap() -> None:
    from oracles import coco_tokenize as java_tokenize

    captions = _odd_captions(1500, seed=3)
    expected = java_tokenize(captions)
    mismatches = [(c, e, m) for c, e, m in zip(captions, expected, coco_tokenize(captions)) if e != m]
    assert not mismatches, mismatches[:5]


@requires_java
@pytest.mark.parametrize(
    ("captions", "expected"),
    [
        # The Java lexer reads past the line: "etc." before a capitalised caption ends a sentence (its
        # extra period is then removed as punctuation); "U.S." before "The " likewise.
        (["Cake etc.", "Apple pie"], ["cake etc.", "apple pie"]),
        (["I. The cake"], ["i the cake"]),
        (['Mom\'s "Best" Apple-Pie... Really!'], ["mom 's best apple-pie really"]),
        (["Grilled Chicken (with Lemon) & Herbs"], ["grilled chicken -lrb- with lemon -rrb- & herbs"]),
        (["1 1/2 Cups", "\u00bd-Cup Muffins"], ["1\u00a01/2 cups", "1/2 cup muffins"]),
        (["Can't-Miss Mac 'n' Cheese"], ["ca n't miss mac 'n' cheese"]),
        (["", "Pie"], ["", "pie"]),
    ],
)
def test_fixed_examples(captions: list[str], expected: list[str]) -> None:
    from oracles import coco_tokenize as java_tokenize

    assert coco_tokenize(captions) == expected == java_tokenize(captions)


def test_line_breaks_inside_a_caption_are_spaces() -> None:
    # pycocoevalcap would split such a caption over two lines and misalign every caption after it.
    assert coco_tokenize(["Pie\r\nwith\u2028Cream\x0band\x0cJam", "Tart"]) == ["pie with cream and jam", "tart"]
