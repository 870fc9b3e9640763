"""The `etl` command line: build, validate, package."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from etl import paths
from etl.build import build as run_build
from etl.errors import InputErrors


def _say(message: str) -> None:
    click.echo(message, err=True)


def build_steps() -> list:
    """What runs on the unpublished database before it replaces the published one, in order."""
    return []


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, validate and package the china-ai-investments dataset.

    \b
    Example:
        etl build && datasette -i china_ai_investments.db
    """


@main.command()
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=paths.DATABASE,
              show_default="china_ai_investments.db", help="Where to publish the database.")
def build(database: Path) -> None:
    """Build the SQLite database from sources/, reference/ and claims/.

    The database is written to a temporary file and replaces DATABASE only
    when every input is valid; otherwise every problem is listed as
    file:line: field: problem — fix, and the previous database stays.

    \b
    Example:
        etl build --database /tmp/test.db
    """
    try:
        counts = run_build(database, steps=build_steps(), say=_say)
    except InputErrors as errors:
        click.echo(errors.report(), err=True)
        sys.exit(1)
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    click.echo(f"Published {paths.relative(database)}: {summary}")
