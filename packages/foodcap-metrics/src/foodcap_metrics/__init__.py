"""BLEU-1..4, ROUGE-L, METEOR and CIDEr-D for foodcap, agreeing with pycocoevalcap and Hugging Face evaluate."""

from .bleu import Bleu1, Bleu2, Bleu3, Bleu4
from .cider import CiderD
from .meteor import Meteor
from .rouge import RougeL
from .version import __version__

__all__ = ["Bleu1", "Bleu2", "Bleu3", "Bleu4", "CiderD", "Meteor", "RougeL", "__version__"]
