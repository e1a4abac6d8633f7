"""foodcap-cnnrnn: the study's CNN-RNN baselines (a CNN's pooled feature starts a GRU or LSTM title decoder).

Import ``foodcap_cnnrnn.captioner`` for the class; this package stays light so plugin discovery is fast.
"""

from .version import __version__

__all__ = ["__version__"]
