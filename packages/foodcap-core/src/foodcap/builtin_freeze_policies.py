"""The study's three freezing strategies, registered like any plugin's."""

from collections.abc import Callable

from .freeze import FreezeDecoder, FreezeEncoder, TrainEverything
from .hookspecs import hookimpl


@hookimpl
def register_freeze_policies(register: Callable[..., None]) -> None:
    register(TrainEverything)
    register(FreezeEncoder)
    register(FreezeDecoder)
