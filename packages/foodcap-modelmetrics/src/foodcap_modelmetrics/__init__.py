"""CLIPScore, RefCLIPScore and BERTScore for foodcap, agreeing with Hessel et al., torchmetrics and bert-score."""

from .bertscore import BertScoreF1, BertScoreOptions, BertScorePrecision, BertScoreRecall
from .clipscore import ClipScore, ClipScoreOptions, RefClipScore
from .version import __version__

__all__ = [
    "BertScoreF1",
    "BertScoreOptions",
    "BertScorePrecision",
    "BertScoreRecall",
    "ClipScore",
    "ClipScoreOptions",
    "RefClipScore",
    "__version__",
]
