"""The `etl` command line: build, validate, package, serve."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from etl import paths
from etl.errors import InputErrors, PackageError
from etl.publish.package.stage import check_package, package_step, stage, target_of
from etl.publish.pipeline import build as run_build
from etl.schema.dataset import ZIP_NAME
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.validation import ExpectationFileError, ValidationFailed, validation_step


def _say(message: str) -> None:
    click.echo(message, err=True)


def database_option(help_text: str):
    return click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=paths.DATABASE,
                        show_default="china_ai_investments.db", help=help_text)


def _require(database: Path) -> None:
    if not database.is_file():
        click.echo(f"{paths.relative(database)} does not exist — run: etl build", err=True)
        sys.exit(1)


def build_steps() -> list:
    """What runs on the unpublished database before it replaces the published one, in order."""
    return [validation_step, package_step]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, validate and package the china-ai-investments dataset.

    \b
    Example:
        etl build && datasette -i china_ai_investments.db
    """


@main.command()
@database_option("Where to publish the database.")
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
    except (InputErrors, ValidationFailed) as failure:
        click.echo(failure.report(), err=True)
        sys.exit(1)
    except (PackageError, ExpectationFileError) as error:
        click.echo(f"{error}\nNothing was published.", err=True)
        sys.exit(1)
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    click.echo(f"Published {paths.relative(database)}: {summary}")


@main.command()
@database_option("The published database to package.")
def package(database: Path) -> None:
    """Write the Frictionless data package from the published database.

    Writes data/<table>.csv for every public table, datapackage.json (Data
    Package v2) and build/china-ai-investments.zip, validated with
    frictionless first; when anything fails the previous files stay.
    `etl build` does the same after building the database.

    \b
    Example:
        etl package && frictionless validate datapackage.json
    """
    _require(database)
    try:
        publish = stage(database, check=check_package)
    except PackageError as error:
        click.echo(f"{error}\nNothing was published.", err=True)
        sys.exit(1)
    publish()
    click.echo(f"Published {paths.relative(paths.DATAPACKAGE)} {publish.package['version']} with "
               f"{len(publish.package['resources'])} CSV files in {paths.relative(paths.DATA_DIR)}/ and "
               f"{paths.relative(target_of(ZIP_NAME))}")


# --- Validation: the Great Expectations gate (rules in expectations/) ---

@main.command()
@database_option("The database to validate.")
@click.option("--data-docs", "docs", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write Great Expectations Data Docs (static HTML) into this folder.")
def validate(database: Path, docs: Path | None) -> None:
    """Check a database against every rule in expectations/ with Great Expectations.

    Prints how many rules held, or every failed rule with its offending rows
    and exits 1. The database is not changed. `etl build` runs the same
    rules before it publishes, records the run in validation_runs and
    validation_results, and writes Data Docs to build/data-docs/.

    \b
    Example:
        etl validate --database /tmp/test.db --data-docs /tmp/docs
    """
    from etl.validation import failure_report
    from etl.validation import validate as run_validation

    _require(database)
    try:
        run = run_validation(database, docs=docs)
    except ExpectationFileError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    if not run.success:
        click.echo(failure_report(run, f"{run.summary} on {paths.relative(database)} — fix the inputs or the ETL "
                                       "and build again."), err=True)
        sys.exit(1)
    click.echo(f"{paths.relative(database)}: {run.summary} ({run.seconds:.1f} s, Great Expectations "
               f"{run.gx_version})")


@main.command()
@click.option("--check", is_flag=True, help="Only check that the generated suites are up to date; exit 1 when not.")
@click.option("--raise-row-counts", is_flag=True,
              help="First raise the minimum row counts in expectations/row_counts.yml to those of DATABASE.")
@database_option("The database whose row counts --raise-row-counts takes.")
def expectations(check: bool, raise_row_counts: bool, database: Path) -> None:
    """Generate the suites expectations/<table>.json from etl/schema/tables.py.

    Each column's constraints (required, unique, enum, pattern, range,
    references, dates) become expectations; the minimum row counts come from
    expectations/row_counts.yml and the acknowledged conflicts from
    expectations/acknowledged_conflicts.yml. expectations/cross_table.json
    is written by hand.

    \b
    Example:
        etl build && etl expectations --raise-row-counts && git diff expectations/
    """
    from etl.validation import files

    try:
        if check:
            stale = files.stale_files()
            if stale:
                names = ", ".join(paths.relative(path) for path in stale)
                click.echo(f"{names}: out of date — run: etl expectations", err=True)
                sys.exit(1)
            click.echo(f"{len(files.generated_texts())} generated suites are up to date")
            return
        if raise_row_counts:
            if not database.is_file():
                click.echo(f"{paths.relative(database)} does not exist — run: etl build", err=True)
                sys.exit(1)
            for table, (old, new) in files.raise_row_counts(database).items():
                click.echo(f"{table}: minimum rows {old} → {new}")
        written = files.write_generated()
    except ExpectationFileError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Wrote {len(written)} of {len(files.generated_texts())} suites in "
               f"{paths.relative(files.expectations_dir())}/" + "".join(f"\n  {paths.relative(p)}" for p in written))


# --- The Datasette site: metadata.yml, the inspect file, serving ---


@main.command()
@click.option("--check", is_flag=True, help="Only check that metadata.yml is up to date; exit 1 when not.")
def metadata(check: bool) -> None:
    """Generate metadata.yml for Datasette from etl/schema/tables.py and the canned queries.

    \b
    Example:
        etl metadata && git diff metadata.yml
    """
    if check:
        current = paths.METADATA.read_text(encoding="utf-8") if paths.METADATA.exists() else ""
        if current != site_metadata.metadata_yaml():
            click.echo(f"{paths.relative(paths.METADATA)} is out of date — run: etl metadata", err=True)
            sys.exit(1)
        click.echo(f"{paths.relative(paths.METADATA)} is up to date")
        return
    changed = site_metadata.write_metadata(paths.METADATA)
    click.echo(f"{'Wrote' if changed else 'Unchanged'} {paths.relative(paths.METADATA)}")


@main.command()
@database_option("The built database to serve.")
@click.option("--host", default=site_serve.HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=site_serve.PORT, show_default=True, help="Port to listen on.")
def serve(database: Path, host: str, port: int) -> None:
    """Write the inspect file, then run Datasette on the database, read-only.

    Settings, metadata, templates and plugins come from etl/site/, the one
    place the tests take them from too. Stop it with Ctrl-C.

    \b
    Example:
        etl build && etl serve --port 8001
    """
    _require(database)
    if not paths.METADATA.is_file():
        click.echo(f"{paths.relative(paths.METADATA)} does not exist — run: etl metadata", err=True)
        sys.exit(1)
    try:
        site_metadata.write_serve_files(database)
    except Exception as error:  # datasette inspect reads every table: a damaged file fails here
        click.echo(f"{paths.relative(database)} cannot be read ({error}) — rebuild it: etl build", err=True)
        sys.exit(1)
    click.echo(f"Serving {paths.relative(database)} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    os.execv(sys.executable, [sys.executable, "-m", "datasette", *site_serve.serve_args(database, host, port)])
