"""`foodcap` with the fake plugin in a fresh process, which SIGKILLs itself at a named point when asked.

Usage: python fault_process.py CLI-ARGS...; FOODCAP_TEST_KILL_AT picks the point:
``publish:N`` (epoch N's checkpoint is complete as .epoch-00N.partial, not yet renamed into place),
``generate:N`` (after N captioned batches), ``slow:SECONDS`` (each batch takes that long; no kill),
``unreadable:RANK:N`` (the first N images process RANK decodes fail; no kill).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from foodcap.cli import main
from foodcap.plugins import register_plugin
from foodcap.training import checkpoints

from fake_captioner import FakeCaptioner, FakePlugin


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    kind, _, value = point.partition(":")
    if kind == "publish":
        real_publish = checkpoints.publish

        def publish(staged: Path, target: Path) -> None:
            if staged.name == f".epoch-{int(value):03d}.partial":
                kill_self()
            real_publish(staged, target)

        checkpoints.publish = publish  # type: ignore[assignment]
    elif kind == "unreadable":  # unreadable:RANK:N - the first N images that RANK decodes fail
        rank, count = (int(part) for part in value.split(":"))
        if int(os.environ.get("RANK", "0")) == rank:
            from foodcap.batches import loading as image_batches
            from foodcap.dataset import UnreadableImage

            real_open = image_batches.open_rgb
            opened = [0]

            def open_rgb(path: Path) -> Any:
                opened[0] += 1
                if opened[0] <= count:
                    raise UnreadableImage("corrupt image data")
                return real_open(path)

            image_batches.open_rgb = open_rgb  # type: ignore[assignment]
    elif kind in ("generate", "slow"):
        real_generate = FakeCaptioner.generate

        def generate(self: FakeCaptioner, inputs: Any) -> list[str]:
            if kind == "generate" and FakeCaptioner.generate_calls >= int(value):
                kill_self()
            if kind == "slow":
                time.sleep(float(value))
            return real_generate(self, inputs)

        FakeCaptioner.generate = generate  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get("FOODCAP_TEST_KILL_AT"):
        arm(os.environ["FOODCAP_TEST_KILL_AT"])
    register_plugin(FakePlugin, name="fake-test")
    main(sys.argv[1:])
