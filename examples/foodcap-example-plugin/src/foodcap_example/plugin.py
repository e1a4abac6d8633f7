"""The hooks: what this plugin adds to foodcap. Registered by import path, so listing plugins or
printing ``foodcap --help`` imports neither torch nor this package's other modules."""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    register(
        "foodcap_example.colour:DominantColourCaptioner",
        name="dominant-colour",
        description="Names the image's average colour (an example plugin, no model weights).",
    )


@hookimpl
def register_metrics(register: Callable[..., None]) -> None:
    register(
        "foodcap_example.colour:ExactMatch",
        name="exact-match",
        description="Share of captions equal to a reference, ignoring case and surrounding spaces.",
    )


@hookimpl
def register_datasets(register: Callable[..., None]) -> None:
    register(
        "foodcap_example.menu_photos:MenuPhotos",
        name="menu-photos",
        description="A restaurant's menu photos: menu.csv (photo, dish, other names) beside the images.",
    )
