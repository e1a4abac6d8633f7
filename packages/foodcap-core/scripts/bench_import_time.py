"""Import cost of ``import foodcap`` and ``foodcap --help``: eager imports (before) vs lazy ones (now).

Each case runs in fresh interpreters under ``python -X importtime``; the table shows the fastest of
``--repeats`` runs: the importtime total (the cumulative time of every top-level import) and the
process's wall time. "Before" imports what foodcap imported eagerly until the API issue: the
interfaces with torch (``foodcap.captioner``, ``foodcap.freeze``) for ``import foodcap``, and every
command module (so the runner, trainer, reports and transformers) for ``foodcap --help``.
Nothing is asserted: this reports figures for docs/benchmarks.md.

    python packages/foodcap-core/scripts/bench_import_time.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table

HELP = "from foodcap.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
EAGER_COMMANDS = "".join(
    f"import foodcap.cli.{name}_command\n"
    for name in ("run", "plugins", "train", "demo", "bench", "compare", "report", "sweep")
)
CORE_ONLY = {"FOODCAP_PLUGINS": "builtin-freeze-policies,builtin-datasets"}
# case: (code before, code now, environment)
CASES = {
    "import foodcap": ("import foodcap.captioner, foodcap.freeze, foodcap.metric\n", "import foodcap\n", {}),
    "foodcap --help": (EAGER_COMMANDS + HELP, HELP, {}),
    "foodcap --help, core's plugins only": (EAGER_COMMANDS + HELP, HELP, CORE_ONLY),
}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def measure(code: str, environment: dict[str, str]) -> tuple[float, float, bool]:
    """(importtime total in s, wall time in s, whether torch was imported) of one fresh interpreter."""
    probe = code + "import sys\nprint('TORCH', 'torch' in sys.modules)\n"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **environment},
    )
    wall = time.perf_counter() - started
    total_us = sum(int(match[2]) for match in _LINE.finditer(result.stderr) if not match[3])
    return total_us / 1e6, wall, "TORCH True" in result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    table = Table(title=f"import cost (fastest of {repeats} fresh interpreters each)")
    for column in (
        "case",
        "before: importtime",
        "before: wall",
        "now: importtime",
        "now: wall",
        "ratio (wall)",
        "torch imported now",
    ):
        table.add_column(column, justify="left" if column == "case" else "right")
    for case, (before_code, now_code, environment) in CASES.items():
        # Interleaved, so a load spike on the machine hits both sides alike.
        before, now = [], []
        for _ in range(repeats):
            before.append(measure(before_code, environment))
            now.append(measure(now_code, environment))
        b_import, b_wall = min(m[0] for m in before), min(m[1] for m in before)
        n_import, n_wall = min(m[0] for m in now), min(m[1] for m in now)
        table.add_row(
            case,
            f"{b_import:.2f} s",
            f"{b_wall:.2f} s",
            f"{n_import:.2f} s",
            f"{n_wall:.2f} s",
            f"{b_wall / n_wall:.1f}x",
            "yes" if any(m[2] for m in now) else "no",
        )
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
