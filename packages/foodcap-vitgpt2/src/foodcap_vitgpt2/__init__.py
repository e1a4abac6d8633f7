"""foodcap-vitgpt2: the ``vit-gpt2`` captioner (ViT encoder, GPT-2 decoder) for foodcap.

Import ``foodcap_vitgpt2.captioner`` for the class; this package stays light so plugin discovery is fast.
"""

from .version import __version__

__all__ = ["__version__"]
