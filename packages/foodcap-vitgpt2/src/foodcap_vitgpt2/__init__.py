"""foodcap-vitgpt2: the ``vit-gpt2`` captioner (ViT encoder, GPT-2 decoder) for foodcap."""

from .captioner import DEFAULT_MODEL, ViTGPT2Captioner, ViTGPT2Options
from .version import __version__

__all__ = ["DEFAULT_MODEL", "ViTGPT2Captioner", "ViTGPT2Options", "__version__"]
