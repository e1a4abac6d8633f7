"""foodcap-vlm: any chat vision-language model as a captioner: zero-shot, few-shot and LoRA-fine-tuned.

Import ``foodcap_vlm.captioner`` for the class; this package stays light so plugin discovery is fast.
"""

from .version import __version__

__all__ = ["__version__"]
