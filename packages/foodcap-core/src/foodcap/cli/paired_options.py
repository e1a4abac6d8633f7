"""The paired-test flags ``compare`` and ``report`` share (sacrebleu's names), and the settings they make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..significance import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_RANDOMIZATION_TRIALS, DEFAULT_SEED


def paired_options(default: str | None) -> Callable[[click.Command], click.Command]:
    """--paired-bs / --paired-ar (``default`` on unless --no-paired), their sample counts and the seed."""

    def decorate(command: click.Command) -> click.Command:
        command.params += [
            click.Option(
                ["--paired-bs", "paired"],
                flag_value="bs",
                default=True if default == "bs" else None,
                help="Bootstrap mean ± 95% interval per score, and a paired bootstrap p-value of each run "
                "against the first" + (" (the default)." if default == "bs" else "."),
            ),
            click.Option(
                ["--paired-ar", "paired"],
                flag_value="ar",
                help="The same intervals, with p-values from paired approximate randomization.",
            ),
            click.Option(
                ["--paired-bs-n"],
                type=click.IntRange(min=1),
                default=DEFAULT_BOOTSTRAP_SAMPLES,
                show_default=True,
                help="Bootstrap resamples (the bs test's and every interval's).",
            ),
            click.Option(
                ["--paired-ar-n"],
                type=click.IntRange(min=1),
                default=DEFAULT_RANDOMIZATION_TRIALS,
                show_default=True,
                help="Approximate randomization trials.",
            ),
            click.Option(
                ["--paired-seed"],
                type=int,
                default=DEFAULT_SEED,
                show_default=True,
                help="Seed of the resamples and trials (recorded with the results).",
            ),
        ]
        if default is not None:
            command.params.append(
                click.Option(["--no-paired", "paired"], flag_value="none", help="No intervals or p-values.")
            )
        return command

    return decorate


def paired_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The flags as ``api.compare``/``api.report`` keywords (``paired=None``: no test); pops them from ``kwargs``."""
    paired = kwargs.pop("paired")
    return {
        "paired": None if paired in (None, "none") else paired,
        "bootstrap_samples": kwargs.pop("paired_bs_n"),
        "randomization_trials": kwargs.pop("paired_ar_n"),
        "seed": kwargs.pop("paired_seed"),
    }
