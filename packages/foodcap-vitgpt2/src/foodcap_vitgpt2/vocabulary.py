"""Tokenizers for random-weight ViT-GPT2 models, built offline from food titles."""

from __future__ import annotations

import itertools
import json

from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast

from foodcap.backend import sample_titles, train_offline_tokenizer

END_OF_TEXT = "<|endoftext|>"
"""GPT-2's one special token: beginning, end and padding of every caption."""


def food_title_tokenizer(vocab_size: int = 1024) -> PreTrainedTokenizerFast:
    """A GPT-2-style tokenizer (one end-of-text token, used as BOS, EOS and pad) trained on the
    bundled sample's titles, so a random model fine-tuned on the sample spells them in few tokens."""
    tokenizer = train_offline_tokenizer(
        sample_titles(), vocab_size=vocab_size, bos_token=END_OF_TEXT, eos_token=END_OF_TEXT
    )
    tokenizer.pad_token = END_OF_TEXT
    return tokenizer


def widen_vocabulary(tokenizer: PreTrainedTokenizerFast, size: int) -> PreTrainedTokenizerFast:
    """Add merges of existing tokens until the tokenizer has exactly ``size`` ids.

    A random model of GPT-2's shape samples from all 50,257 ids; every one of them must decode to
    text. Each new token is the concatenation of two existing ones, so the result is still a valid
    byte-level BPE and encoding then decoding any string gives it back.
    """
    state = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab: dict[str, int] = state["model"]["vocab"]
    merges: list[list[str]] = state["model"]["merges"]
    if len(vocab) > size:
        raise ValueError(f"tokenizer already has {len(vocab)} ids, more than {size}")
    special = {token["content"] for token in state["added_tokens"]}
    pieces = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1]) if token not in special]
    for left, right in itertools.product(pieces, repeat=2):
        if len(vocab) == size:
            break
        if left + right not in vocab:
            vocab[left + right] = len(vocab)
            merges.append([left, right])
    if len(vocab) < size:
        raise ValueError(f"cannot reach {size} ids from {len(pieces)} base tokens")
    widened = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(state)),
        bos_token=tokenizer.bos_token,
        eos_token=tokenizer.eos_token,
        pad_token=tokenizer.pad_token,
    )
    return widened
