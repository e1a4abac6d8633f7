"""Post-processing turns a chat answer into a bare title; every rule has a row here."""

import pytest

from foodcap_vlm.titles import clean_title


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ("Matzo Ball Soup", "Matzo Ball Soup"),
        ("  Matzo   Ball Soup  ", "Matzo Ball Soup"),
        # quotes, straight and curly, matched or cut off by the token limit
        ('"Matzo Ball Soup"', "Matzo Ball Soup"),
        ("'Matzo Ball Soup'", "Matzo Ball Soup"),
        ("\u201cMatzo Ball Soup\u201d", "Matzo Ball Soup"),
        ('"Harissa-Crusted Tri-Tip', "Harissa-Crusted Tri-Tip"),
        ("'Nduja Pasta", "'Nduja Pasta"),
        ("Mom's Apple Pie", "Mom's Apple Pie"),
        # labels before the answer
        ("Title: Matzo Ball Soup", "Matzo Ball Soup"),
        ("Recipe title: Matzo Ball Soup", "Matzo Ball Soup"),
        ("recipe TITLE:Matzo Ball Soup", "Matzo Ball Soup"),
        ("Dish name: Matzo Ball Soup", "Matzo Ball Soup"),
        ("Recipe Title - Matzo Ball Soup", "Matzo Ball Soup"),
        ("Title-Free Cake", "Title-Free Cake"),
        # markdown
        ("**Matzo Ball Soup**", "Matzo Ball Soup"),
        ("## Matzo Ball Soup", "Matzo Ball Soup"),
        ("* Matzo Ball Soup", "Matzo Ball Soup"),
        ("1. Matzo Ball Soup", "Matzo Ball Soup"),
        ("`Matzo Ball Soup`", "Matzo Ball Soup"),
        ("**Recipe Title:** Matzo Ball Soup", "Matzo Ball Soup"),
        # trailing punctuation, but not a closing parenthesis or a question mark
        ("Matzo Ball Soup.", "Matzo Ball Soup"),
        ("Matzo Ball Soup!", "Matzo Ball Soup"),
        ("Matzo Ball Soup...", "Matzo Ball Soup"),
        ("Matzo Ball Soup\u2026", "Matzo Ball Soup"),
        ("Beef Stew (Guisado)", "Beef Stew (Guisado)"),
        # decorations nested in any order
        ('**"Title: Matzo Ball Soup."**', "Matzo Ball Soup"),
        ('"Matzo Ball Soup".', "Matzo Ball Soup"),
        # first line that says something
        ("Matzo Ball Soup\nThis classic soup is made with...", "Matzo Ball Soup"),
        ("\n\n  Matzo Ball Soup\n", "Matzo Ball Soup"),
        ("Recipe title:\nMatzo Ball Soup", "Matzo Ball Soup"),
        ("**\nMatzo Ball Soup", "Matzo Ball Soup"),
        # nothing left
        ("", ""),
        ("  \n ** \n", ""),
    ],
)
def test_clean_title(answer: str, title: str) -> None:
    assert clean_title(answer) == title
