"""The ``foodcap`` command: built-in commands plus whatever plugins add."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
import warnings

import click
from rich.console import Console
from rich.markup import escape

from ..errors import FoodcapError
from ..launch import RankStopped, detect_launch
from ..registry import add_plugin_commands

err_console = Console(stderr=True)
INTERRUPTED = "interrupted; finished work is kept: rerun the same command with --resume to continue"

# Built-in commands: (module, attribute, one-line help). A module is imported only when its command
# runs or shows its own --help, so `foodcap --help` never imports torch or transformers.
BUILTIN_COMMANDS = {
    "run": ("run_command", "run_command", "Caption a dataset split with a captioner and score it."),
    "plugins": (
        "plugins_command",
        "plugins_command",
        "List every registered captioner, metric, freeze policy and dataset kind.",
    ),
    "train": ("train_command", "train_command", "Fine-tune a captioner on the train split, validating every epoch."),
    "demo": (
        "demo_command",
        "demo_command",
        "Evaluate an untrained tiny captioner on the sample, fine-tune it, evaluate again.",
    ),
    "bench": (
        "bench_command",
        "bench_command",
        "Time the data pipeline, batched captioning and cached-encoder epochs.",
    ),
    "compare": ("compare_command", "compare_command", "Compare run folders: a row per metric and a column per run."),
    "report": ("report_command", "report_command", "Write an HTML report of run folders: table, curves, gallery."),
    "sweep": (
        "sweep_command",
        "sweep_command",
        "Search learning rate, weight decay, warmup, batch size and freeze policy with optuna.",
    ),
    "merge": (
        "merge_command",
        "merge_command",
        "Merge the parts of a sharded run into predictions.jsonl and score it.",
    ),
    "doctor": (
        "doctor_command",
        "doctor_command",
        "Check this machine: Python, torch, CUDA and dtypes, plugins, WordNet, Java, extras.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose built-in commands are imported when used, listed from ``BUILTIN_COMMANDS``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*BUILTIN_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in BUILTIN_COMMANDS:
            return None
        module, attribute, _ = BUILTIN_COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, with built-ins' help from the table rather than from importing them."""
        rows = [
            (
                name,
                BUILTIN_COMMANDS[name][2]
                if name in BUILTIN_COMMANDS and name not in self.commands
                else self.commands[name].get_short_help_str(limit=formatter.width - 6 - len(name)),
            )
            for name in self.list_commands(ctx)
            if name in BUILTIN_COMMANDS or not self.commands[name].hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="foodcap-core")
def cli() -> None:
    """Caption, fine-tune and compare image captioners on food images.

    Captioners, metrics and dataset kinds come from installed plugins (`foodcap plugins` lists them).
    Add --debug anywhere to see full tracebacks.
    """


class OneLineHandler(logging.Handler):
    """Each log record as one unwrapped line on stderr, ``warning: ...`` as errors are ``error: ...``."""

    def emit(self, record: logging.LogRecord) -> None:
        prefix = (
            ""
            if record.levelno < logging.WARNING
            else "[yellow]warning:[/] "
            if record.levelno < logging.ERROR
            else "[bold red]error:[/] "
        )
        err_console.print(prefix + escape(self.format(record)), highlight=False, soft_wrap=True)


def _configure_logging(debug: bool) -> None:
    handler = OneLineHandler()
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s", handlers=[handler])
    # Under torchrun, rank 0 speaks for every rank (errors still come from each).
    quiet = not detect_launch().is_main and not debug
    logging.getLogger("foodcap").setLevel(logging.ERROR if quiet else logging.DEBUG if debug else logging.INFO)
    if not debug:
        # transformers and friends are chatty about things users cannot act on.
        for noisy in ("transformers", "accelerate", "torch", "PIL"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        # Rich bars are ours; transformers' tqdm bars (which follow this hub setting) interleave badly.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _keep_deprecations_quiet(debug: bool) -> None:
    """Third-party deprecation notices (peft's, transformers') are for their callers, not our users."""
    if not debug:
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category)


def _say_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def usage_message(error: click.ClickException) -> str:
    """click's message on one line, in foodcap's voice, with where to find the right usage."""
    message = " ".join(line.strip() for line in error.format_message().splitlines() if line.strip())
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    context = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and context is not None:
        message = message.removesuffix(".") + f" (see '{context.command_path} --help')"
    return message


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("FOODCAP_DEBUG") == "1"
    args = [arg for arg in args if arg != "--debug"]
    _configure_logging(debug)
    _keep_deprecations_quiet(debug)
    add_plugin_commands(cli)
    try:
        cli.main(args=args, prog_name="foodcap", standalone_mode=False)
    except RankStopped:
        sys.exit(2)  # rank 0 refused the run and said why
    except FoodcapError as error:
        launch = detect_launch()
        # A user error is the same on every rank of a launch (same command, same inputs): rank 0 says it once.
        if debug:
            traceback.print_exc()
        if launch.is_main:
            _say_error(str(error))
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        err_console.print(INTERRUPTED, soft_wrap=True)
        sys.exit(130)
    except click.ClickException as error:  # a usage error (unknown flag, bad value): a user error like any other
        if debug:
            traceback.print_exc()
        _say_error(usage_message(error))
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - the CLI boundary: one line unless --debug
        if debug:
            raise
        err_console.print(
            f"[bold red]error:[/] {type(error).__name__}: {escape(str(error))} (rerun with --debug for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
