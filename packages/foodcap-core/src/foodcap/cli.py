"""Placeholder replaced below."""
import click


@click.group()
def cli() -> None:
    """foodcap"""


def main() -> None:
    cli()
