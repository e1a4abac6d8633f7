"""foodcap-gemma: the Gemma 3 captioners (gemma-3-4b/12b/27b), built on foodcap-vlm.

Import ``foodcap_gemma.captioner`` for the class; this package stays light so plugin discovery is fast.
"""

from .version import __version__

__all__ = ["__version__"]
