"""Small byte-level BPE tokenizers trained locally, for random-weight models with no hub access."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast


def train_offline_tokenizer(
    texts: Iterable[str],
    *,
    vocab_size: int = 1024,
    bos_token: str | None = "<|endoftext|>",  # None: no BOS (Qwen)
    eos_token: str = "<|endoftext|>",
    pad_token: str | None = None,
    unk_token: str | None = None,
    extra_special_tokens: Sequence[str] = (),
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts`` and wrap it as a transformers fast tokenizer.

    Byte-level means every string is encodable, so captions never hit unknown characters.
    """
    special = list(dict.fromkeys(t for t in (bos_token, eos_token, pad_token, unk_token, *extra_special_tokens) if t))
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos_token,
        eos_token=eos_token,
        pad_token=pad_token,
        unk_token=unk_token,
        additional_special_tokens=[t for t in extra_special_tokens],
    )
