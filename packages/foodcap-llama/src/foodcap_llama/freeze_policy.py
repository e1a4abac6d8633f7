"""The ``lora`` freeze policy lives in foodcap-core (every LoRA captioner uses it); kept importable here."""

from foodcap.backend import TrainAdapters

__all__ = ["TrainAdapters"]
