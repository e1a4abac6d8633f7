"""The bundled ``sample`` dataset: synthetic dishes in the Kaggle layout, shipped in the package.

It is made by ``scripts/make_sample_dataset.py``; each title names what is drawn (dish shape,
ingredient colour, garnish marks) so a tiny model can learn it, and a few rows are dirty on
purpose so that every cleaning rule runs.
"""

from __future__ import annotations

from pathlib import Path

from .kaggle_layout import KaggleFolder
from .titles import clean_title

SAMPLE = "sample"


def sample_root() -> Path:
    return Path(__file__).resolve().with_name("sample_data")


def sample_titles() -> list[str]:
    """The sample's cleaned, non-empty titles in CSV order, read without touching any image.

    For training offline tokenizers: it includes the titles of rows later skipped for a bad
    image file, which only widens the vocabulary by words the sample uses anyway.
    """
    rows = KaggleFolder.find(sample_root()).read_rows()
    return [title for row in rows if (title := clean_title(row.title))]
