"""The decoder's vocabulary: words or characters of the train split's titles, with four special tokens.

Built from the train split only (val and test words a model never saw read as ``<unk>``), ordered
by frequency with ties broken alphabetically, so the same titles always give the same ids: a
resumed training rebuilds exactly the vocabulary its checkpoint's weights were trained with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .options import Tokens

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)


def split_title(title: str, tokens: Tokens) -> list[str]:
    """Words split on whitespace (punctuation stays on its word, so joining with spaces gives the
    title back), or every character of the title with runs of whitespace made one space."""
    if tokens == "word":
        return title.split()
    return list(" ".join(title.split()))


@dataclass
class TitleVocabulary:
    """Token strings by id; ids 0-3 are ``<pad>``, ``<bos>``, ``<eos>`` and ``<unk>``. Pickles (DataLoader workers)."""

    tokens: Tokens
    items: list[str]
    ids: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(self.items[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary starts with {', '.join(SPECIAL_TOKENS)}")
        if len(set(self.items)) != len(self.items):
            raise ValueError("a vocabulary lists each token once")
        self.ids = {item: index for index, item in enumerate(self.items)}

    @classmethod
    def from_titles(cls, titles: Iterable[str], tokens: Tokens, max_size: int, min_count: int = 1) -> TitleVocabulary:
        """The ``max_size`` most frequent tokens occurring at least ``min_count`` times (specials not counted)."""
        counts = Counter(token for title in titles for token in split_title(title, tokens))
        for special in SPECIAL_TOKENS:
            counts.pop(special, None)
        ranked = sorted(
            (item for item, count in counts.items() if count >= min_count), key=lambda item: (-counts[item], item)
        )
        return cls(tokens, [*SPECIAL_TOKENS, *ranked[:max_size]])

    def __len__(self) -> int:
        return len(self.items)

    def encode(self, title: str) -> list[int]:
        """The title's token ids, unknown tokens as ``<unk>``; no BOS or EOS."""
        return [self.ids.get(token, UNK_ID) for token in split_title(title, self.tokens)]

    def decode(self, ids: Sequence[int]) -> str:
        """Text up to the first EOS; special tokens (``<unk>`` included) are left out."""
        pieces: list[str] = []
        for token_id in ids:
            if token_id == EOS_ID:
                break
            if token_id >= len(SPECIAL_TOKENS):
                pieces.append(self.items[token_id])
        return (" " if self.tokens == "word" else "").join(pieces).strip()
