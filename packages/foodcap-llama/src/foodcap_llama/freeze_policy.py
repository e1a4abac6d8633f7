"""The ``lora`` freeze policy lives in foodcap-core (every LoRA captioner uses it); kept importable here."""

from foodcap.freeze import TrainAdapters

__all__ = ["TrainAdapters"]
