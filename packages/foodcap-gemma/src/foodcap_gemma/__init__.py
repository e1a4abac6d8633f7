"""foodcap-gemma: Gemma 3 zero-shot captioning for foodcap, batched.

Import ``foodcap_gemma.captioner`` for the class; this package stays light so plugin discovery is fast.
"""

from .version import __version__

__all__ = ["__version__"]
