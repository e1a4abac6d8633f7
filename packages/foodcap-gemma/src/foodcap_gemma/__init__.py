"""foodcap-gemma: Gemma 3 zero-shot captioning for foodcap, batched."""

from .captioner import GemmaCaptioner, GemmaOptions
from .version import __version__

__all__ = ["GemmaCaptioner", "GemmaOptions", "__version__"]
