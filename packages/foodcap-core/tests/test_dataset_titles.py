"""Titles: cleaned into caption references; keyed for split grouping and #NAME? recovery."""

from __future__ import annotations

import pytest

from foodcap.dataset.titles import ascii_slug_key, clean_title, title_group_key, title_slug


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Tomato Soup", "Tomato Soup"),
        ("  Tomato \t\n Soup\r\n", "Tomato Soup"),
        ("Tomato\x07Soup\x1b with\u200b Basil\ufeff", "TomatoSoup with Basil"),
        ("Crème\u00a0Brûlée  with Jalapeño", "Crème Brûlée with Jalapeño"),
        ("Smørrebrød 🍞", "Smørrebrød 🍞"),
        ("", ""),
        ("   ", ""),
        ("nan", ""),
        ("NaN", ""),
        (None, ""),
        ("Naan", "Naan"),
    ],
)
def test_clean_title(raw: str | None, clean: str) -> None:
    assert clean_title(raw) == clean


def test_group_key_ignores_case_punctuation_and_spacing_only() -> None:
    assert title_group_key("Tomato Soup") == title_group_key("  tomato   SOUP!") == "tomato soup"
    assert title_group_key("Crème Brûlée") == "crème brûlée"
    assert title_group_key("Creme Brulee") != title_group_key("Crème Brûlée")
    assert title_group_key("Tomato Soup") != title_group_key("Tomato Soups")


def test_slugs_follow_kaggle_image_names() -> None:
    title = '"Bloody Mary" Tomato Toast with Celery and Horseradish'
    assert title_slug(title) == "-bloody-mary-tomato-toast-with-celery-and-horseradish"
    assert title_slug("Miso-Butter Roast Chicken With Acorn Squash Panzanella") == (
        "miso-butter-roast-chicken-with-acorn-squash-panzanella"
    )
    assert title_slug("Lemon Salad with Jalapeño!") == "lemon-salad-with-jalapeno"
    assert ascii_slug_key(title) == ascii_slug_key("-bloody-mary-tomato-toast-with-celery-and-horseradish")
    assert ascii_slug_key("Mom's Crème") == ascii_slug_key("moms-creme") == "momscreme"
