"""The `etl` command line: build, validate, package, serve."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from etl import paths, timings
from etl.curate import CurationError
from etl.curate import add_source as curate_add
from etl.curate import suggest as curate_suggest
from etl.curate.changelog import changelog_step
from etl.curate.diff import diff_builds
from etl.errors import InputErrors, PackageError
from etl.publish.package.stage import (
    target_of,
    versioned_package_step,
)
from etl.publish.pipeline import build as run_build
from etl.publish.pipeline import repackage
from etl.schema.dataset import ZIP_NAME
from etl.site import limits as site_limits
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.validation import ExpectationFileError, ValidationFailed, ValidationProcessError, validated_beside
from etl.validation import cache as validation_cache
from etl.validation.coverage import CoverageFailed, coverage_step
from etl.validation.files import baseline_step


def _say(message: str) -> None:
    click.echo(message, err=True)


def database_option(help_text: str):
    return click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=paths.DATABASE,
                        show_default="china_ai_investments.db", help=help_text)


def _require(database: Path) -> None:
    if not database.is_file():
        click.echo(f"{paths.relative(database)} does not exist — run: etl build", err=True)
        sys.exit(1)


def build_steps(database: Path = paths.DATABASE) -> list:
    """What runs on the unpublished database before it replaces the published one, in order (the package is
    written while the rules run); their publishers run in the same order once it has (the changelog reads the
    version the package got)."""
    return [coverage_step, validated_beside(versioned_package_step(database)), changelog_step(database),
            baseline_step(database), site_metadata.metadata_step]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, validate and package the china-ai-investments dataset.

    \b
    Example:
        etl build && datasette -i china_ai_investments.db
    """


@main.command()
@database_option("Where to publish the database.")
@click.option("--timings", "timings_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the seconds of each stage and the peak memory to this JSON file.")
@click.option("--no-cache", is_flag=True,
              help="Run every validation rule and the package check again, even those that passed before on "
                   "the same content (build/cache/; ETL_NO_CACHE=1 does the same).")
def build(database: Path, timings_file: Path | None, no_cache: bool) -> None:
    """Build the SQLite database from sources/, reference/ and claims/.

    The database is written to a temporary file and replaces DATABASE only
    when every input is valid; otherwise every problem is listed as
    file:line: field: problem — fix, and the previous database stays.

    Rules that passed before on tables of the same content, and a package
    of the same bytes, are not checked again (see docs/performance.md);
    --no-cache checks everything.

    \b
    Example:
        etl build --database /tmp/test.db --timings /tmp/timings.json
        etl build --no-cache
    """
    timings.reset()
    try:
        with validation_cache.turned_off() if no_cache else contextlib.nullcontext():
            counts = run_build(database, steps=build_steps(database), say=_say)
    except (InputErrors, ValidationFailed, CoverageFailed) as failure:
        click.echo(failure.report(), err=True)
        sys.exit(1)
    except (PackageError, ExpectationFileError, ValidationProcessError) as error:
        click.echo(f"{error}\nNothing was published.", err=True)
        sys.exit(1)
    if timings_file is not None:
        timings.write(timings_file, rows=counts)
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    click.echo(f"Published {paths.relative(database)}: {summary}")


@main.command()
@database_option("The published database to package.")
@click.option("--full-check", is_flag=True,
              help="Check every row of every CSV file with frictionless, also when the package is big enough "
                   "for the sampled check (slow: about a minute for a million claims on two cores).")
def package(database: Path, full_check: bool) -> None:
    """Write the Frictionless data package from the published database.

    Writes data/<table>.csv for every public table, datapackage.json (Data
    Package v2) and build/china-ai-investments.zip, validated with
    frictionless first; when anything fails the previous files stay.
    `etl build` does the same after building the database. A package of
    more than 16 MiB of CSV is checked by sample (hashes and sizes of whole
    files, the first 10,000 rows of each); --full-check checks every row.

    \b
    Example:
        etl package --full-check && frictionless validate datapackage.json
    """
    _require(database)
    try:
        publish = repackage(database, full_check=full_check)
    except PackageError as error:
        click.echo(f"{error}\nNothing was published.", err=True)
        sys.exit(1)
    click.echo(f"Published {paths.relative(paths.DATAPACKAGE)} {publish.package['version']} with "
               f"{len(publish.package['resources'])} CSV files in {paths.relative(paths.DATA_DIR)}/ and "
               f"{paths.relative(target_of(ZIP_NAME))}")


@main.command()
@click.option("--claims", "count", type=click.IntRange(min=1), required=True,
              help="How many claims at least (whole articles are written, so a few more).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new or empty folder for the project.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same project.")
def synth(count: int, out: Path, seed: int) -> None:
    """Write a deterministic synthetic project (articles, sources, entities, claims) for scale tests.

    The project uses the real input formats (claims as JSON lines), every predicate, hedge,
    currency, date form and modality the normalisers read, rounds reported by several sources
    and a few planted disagreements, each acknowledged; it passes validation.

    \b
    Example:
        etl synth --claims 10000 --out /tmp/synth && ETL_ROOT=/tmp/synth etl build
    """
    import subprocess

    from etl.synth.project import synthesize

    if out.exists() and any(out.iterdir()):
        click.echo(f"{out} is not empty — give a new folder, or remove it first", err=True)
        sys.exit(1)
    summary = synthesize(out, count, seed, say=_progress("writing claims"))
    env = {**os.environ, "ETL_ROOT": str(out.resolve())}
    generated = subprocess.run([sys.executable, "-m", "etl", "expectations"], env=env, capture_output=True, text=True)
    if generated.returncode != 0:
        click.echo(generated.stderr, err=True)
        sys.exit(1)
    click.echo(f"Wrote {summary.claims} claims from {summary.sources} sources about {summary.entities} entities "
               f"({summary.rounds} rounds, {summary.conflicts} planted conflicts) to {out}")


def _progress(label: str):
    """A progress line on a terminal, nothing in CI or in a pipe."""
    shown = sys.stderr.isatty() and not os.environ.get("CI")

    def show(done: int, total: int) -> None:
        if shown:
            click.echo(f"\r{label}: {done:,}/{total:,}", err=True, nl=done >= total)
    return show


# --- Curation: add a source, draft its claims, compare two builds ---


def _fail(error: Exception) -> None:
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


@main.command("add-source")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Headline; default: the text's first headline-like line.")
@click.option("--publisher", help="Publisher as the text names it; default: none.")
@click.option("--author", help="Author as the text names it; default: none.")
@click.option("--published", help="YYYY, YYYY-MM or YYYY-MM-DD; default: a 'Published …' date the text states.")
@click.option("--url", help="The article's real address; default: none (never invented).")
@click.option("--source-id", help="Id to use instead of the proposed publisher-words-date.")
def add_source(file: Path, title, publisher, author, published, url, source_id) -> None:
    """Add an article: copy FILE byte for byte to sources/articles/ and list it in sources/sources.yml.

    The SHA-256 is computed, a source_id proposed from publisher, title and
    date, and title and date read from the text when not given. A file that
    is empty, not UTF-8 text or already in the corpus is refused, and so is
    an existing source_id; then nothing is written.

    \b
    Example:
        etl add-source ~/Downloads/article.txt --publisher Reuters && etl suggest reuters-stepfun-2024-06-04
    """
    try:
        added = curate_add.add_source(file, title, publisher, author, published, url, source_id)
    except CurationError as error:
        _fail(error)
    click.echo(f"Added {paths.relative(added.article)} as {added.source_id} to "
               f"{paths.relative(paths.SOURCES_FILE)}: \"{added.metadata.title}\", published "
               f"{added.metadata.published or 'unknown'} — check the entry, then: etl suggest {added.source_id}")


@main.command()
@click.argument("source_id")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the draft instead of writing claims/SOURCE_ID.yml.")
def suggest(source_id: str, to_stdout: bool) -> None:
    """Draft claims/SOURCE_ID.yml: one claim per money amount, percentage, multiple, count and date.

    Each draft quotes the shortest sentence or clause around its figure,
    keeps the hedge in the value, names the entities it recognises, guesses
    the predicate and says in a `# check:` comment what a person must
    decide. Rule-based and deterministic; a curated file is never overwritten.

    \b
    Example:
        etl suggest bt-minimax-2024-03-05 --stdout | less
    """
    try:
        if to_stdout:
            click.echo(curate_suggest.suggest(source_id), nl=False)
            return
        written = curate_suggest.write_suggestion(source_id)
    except CurationError as error:
        _fail(error)
    click.echo(f"Wrote {paths.relative(written)} — check every claim marked '# check:', then: etl build")


@main.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path), required=False)
def diff(old: Path, new: Path | None) -> None:
    """Compare two builds: sources, claims (field by field), rounds and conflicts added, removed, changed.

    OLD and NEW are databases written by etl build, or datapackage.json for
    the committed package; NEW defaults to the published database.

    \b
    Example:
        etl diff datapackage.json china_ai_investments.db
    """
    try:
        found = diff_builds(old, new or paths.DATABASE)
    except CurationError as error:
        _fail(error)
    click.echo(f"{found.summary()}.")
    if not found.empty:
        click.echo(found.table_text())


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
    except (ExpectationFileError, ValidationProcessError) as error:
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
    site_limits.cap_memory()  # kept across exec: no query can grow the server past it
    os.execv(sys.executable, [sys.executable, "-m", "datasette", *site_serve.serve_args(database, host, port)])
