"""The ``foodcap`` command: built-in commands plus whatever plugins add."""

from __future__ import annotations

import logging
import os
import sys

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from ..errors import FoodcapError
from ..registry import add_plugin_commands
from .bench_command import bench_command
from .compare_command import compare_command
from .demo_command import demo_command
from .doctor_command import doctor_command
from .plugins_command import plugins_command
from .report_command import report_command
from .run_command import run_command
from .sweep_command import sweep_command
from .train_command import train_command

err_console = Console(stderr=True)
INTERRUPTED = "interrupted; finished work is kept: rerun the same command with --resume to continue"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="foodcap-core")
def cli() -> None:
    """Caption, fine-tune and compare image captioners on food images.

    Captioners and metrics come from installed plugins (`foodcap plugins` lists them).
    Add --debug anywhere to see full tracebacks.
    """


cli.add_command(run_command)
cli.add_command(plugins_command)
cli.add_command(train_command)
cli.add_command(demo_command)
cli.add_command(bench_command)
cli.add_command(compare_command)
cli.add_command(report_command)
cli.add_command(sweep_command)
cli.add_command(doctor_command)


def _configure_logging(debug: bool) -> None:
    handler = RichHandler(console=err_console, show_time=False, show_path=False, markup=False)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s", handlers=[handler])
    logging.getLogger("foodcap").setLevel(logging.DEBUG if debug else logging.INFO)
    if not debug:
        # transformers and friends are chatty about things users cannot act on.
        for noisy in ("transformers", "accelerate", "torch", "PIL"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        # Rich bars are ours; transformers' tqdm bars (which follow this hub setting) interleave badly.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("FOODCAP_DEBUG") == "1"
    args = [arg for arg in args if arg != "--debug"]
    _configure_logging(debug)
    add_plugin_commands(cli)
    try:
        cli.main(args=args, prog_name="foodcap", standalone_mode=False)
    except FoodcapError as error:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        err_console.print(INTERRUPTED, soft_wrap=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:  # noqa: BLE001 - the CLI boundary: one line unless --debug
        if debug:
            raise
        err_console.print(
            f"[bold red]error:[/] {type(error).__name__}: {escape(str(error))} (rerun with --debug for the traceback)",
            highlight=False, soft_wrap=True,
        )
        sys.exit(1)
