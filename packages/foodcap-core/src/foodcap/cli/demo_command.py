"""``foodcap demo``: untrained vs briefly fine-tuned, offline, in a few minutes on a laptop CPU."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .. import api
from ..config import DataConfig, EvalConfig, RunConfig
from ..runs.folder import default_run_folder
from ..training import TrainConfig, TrainOptions

# Settings that make the gain visible on the bundled sample in under a minute on 2 CPU cores.
DEMO_TRAINING = TrainOptions(epochs=30, lr=2e-3, warmup_ratio=0.05, weight_decay=0.0, eval_every=100)
DEMO_OPTIONS = {"random_weights": "tiny", "device": "cpu", "generation": {"num_beams": 1}}


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the two runs, untrained/ and fine-tuned/ [default: runs/demo-<timestamp>].",
)
@click.option(
    "--captioner", default="vit-gpt2", show_default=True, help="A trainable captioner with random tiny weights."
)
@click.option("--epochs", default=DEMO_TRAINING.epochs, show_default=True)
def demo_command(out: Path | None, captioner: str, epochs: int) -> None:
    """Evaluate an untrained tiny captioner on the sample, fine-tune it, evaluate again.

    Needs no download and no GPU: the model is built offline with random weights.
    """
    console = Console()
    out = out or default_run_folder("demo")
    data = DataConfig(dataset="sample", batch_size=32)
    before = api.run(
        config=RunConfig(captioner=captioner, options=DEMO_OPTIONS, data=data, out=out / "untrained"), console=console
    )
    training = DEMO_TRAINING.model_copy(update={"epochs": epochs})
    # The metrics the first run settled on (what it left out was said once), so both rows have the same columns.
    scored = EvalConfig(metrics=[*before.scores, *before.metric_failures])
    after = api.train(
        config=TrainConfig(
            captioner=captioner,
            options=DEMO_OPTIONS,
            data=data,
            train=training,
            evaluation=scored,
            out=out / "fine-tuned",
        ),
        console=console,
    )
    table = Table(title=f"{captioner} (tiny, random init) on the sample's test split")
    table.add_column("model")
    names = list(before.scores)
    for name in names:
        table.add_column(name, justify="right")
    table.add_row("untrained", *(f"{before.scores[n]:.4f}" for n in names))
    if after.test_scores is not None:
        table.add_row(
            f"fine-tuned ({epochs} epochs)", *(f"{after.test_scores.get(n, float('nan')):.4f}" for n in names)
        )
    console.print(table)
    console.print(f"runs: {out / 'untrained'} and {out / 'fine-tuned'}")
