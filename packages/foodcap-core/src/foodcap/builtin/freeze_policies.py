"""The study's three freezing strategies and LoRA's, registered like any plugin's."""

from collections.abc import Callable

from ..freeze import FreezeDecoder, FreezeEncoder, TrainAdapters, TrainEverything
from ..hookspecs import hookimpl


@hookimpl
def register_freeze_policies(register: Callable[..., None]) -> None:
    register(TrainEverything)
    register(FreezeEncoder)
    register(FreezeDecoder)
    register(TrainAdapters)
