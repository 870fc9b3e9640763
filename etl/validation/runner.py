"""Run the suites with Great Expectations over a SQLite file: the only module that imports GX."""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from etl import paths, timings
from etl.schema.tables import TABLES_BY_NAME
from etl.validation.files import CROSS_TABLE, ExpectationFileError

SAMPLE_SIZE = 20
# Every rule runs first for its verdict and counts without offending rows: GX computes the column rules of a
# table in one aggregate query, and a sample of offending rows would cost another pass over the table per
# rule, passing or not (LIMIT 0 costs none). Only the rules that fail run again, in the format asked for, to
# show their offending rows.
QUICK_FORMAT = "BASIC"
_registered: list[type] = []
MMAP_LIMIT = 0x7FFF0000  # SQLite's own upper bound (SQLITE_MAX_MMAP_SIZE) on most builds
_READS = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_]+)\b")


@dataclass(frozen=True)
class RuleResult:
    rule: str
    suite: str
    table: str
    column: str | None
    expectation_type: str
    success: bool
    unexpected_count: int | None
    sample: list[dict] = field(default_factory=list)
    error: str | None = None


def reads(item: dict) -> frozenset[str]:
    """The tables an expectation reads: its own, and those its query selects from."""
    query = item["kwargs"].get("unexpected_rows_query", "")
    return frozenset({item["meta"]["table"], *_READS.findall(query)} - {"batch"})


@dataclass(frozen=True)
class Unit:
    """One validation: a suite (or the part of cross_table) run on one table's batch."""

    suite: str
    table: str
    expectations: tuple[dict, ...]

    @property
    def name(self) -> str:
        return self.suite if self.suite == self.table else f"{self.suite}.{self.table}"


def unit_name(result: RuleResult) -> str:
    """The name of the unit a result comes from (see Unit.name)."""
    return result.suite if result.suite == result.table else f"{result.suite}.{result.table}"


def units_of(suites: list[dict]) -> list[Unit]:
    """Table suites as they are; cross_table split by the table each rule's rows come from."""
    units = []
    for suite in suites:
        groups: dict[str, list[dict]] = {}
        for item in suite["expectations"]:
            groups.setdefault(item["meta"]["table"], []).append(item)
        for table, items in groups.items():
            if suite["name"] != CROSS_TABLE and table != suite["name"]:
                raise ExpectationFileError(f"expectations/{suite['name']}.json: rule {items[0]['meta']['rule']} "
                                           f"names table {table} — a table suite checks its own table only")
            units.append(Unit(suite["name"], table, tuple(items)))
    return units


def import_gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
    _count_from_rows()
    return gx


def _count_from_rows() -> None:
    """Count a query's rows from its fetched rows when they are all there, on SQL engines.

    GX computes an unexpected_rows_expectation from two metrics, the query's first rows (up to its fetch
    limit) and COUNT(*) of the query, each a query of its own: a rule that holds read its tables twice to find
    nothing. Fewer rows fetched than the limit means the query ran to its end, so their number is the count;
    only a query with at least that many rows is counted again. The same count, one pass fewer."""
    if _registered:
        return
    from great_expectations.constants import MAX_RESULT_RECORDS
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from great_expectations.expectations.metrics.metric_provider import metric_value
    from great_expectations.expectations.metrics.query_metrics.query_row_count.unexpected_rows_query_row_count \
        import UnexpectedRowsQueryRowCount
    from great_expectations.validator.metric_configuration import MetricConfiguration

    rows_metric = "unexpected_rows_query.table"
    counted = UnexpectedRowsQueryRowCount._sqlalchemy

    registry = logging.getLogger("great_expectations.expectations.registry")
    level = registry.level
    registry.setLevel(logging.ERROR)  # GX warns that it replaces its own provider, which is the point

    class RowCountFromRows(UnexpectedRowsQueryRowCount):  # registered in place of GX's on creation
        @metric_value(engine=SqlAlchemyExecutionEngine)
        def _sqlalchemy(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics,
                        runtime_configuration):
            rows = metrics[rows_metric]
            if len(rows) < MAX_RESULT_RECORDS:
                return len(rows)
            return counted(cls=cls, execution_engine=execution_engine, metric_domain_kwargs=metric_domain_kwargs,
                           metric_value_kwargs=metric_value_kwargs, metrics=metrics,
                           runtime_configuration=runtime_configuration)

        @classmethod
        def _get_evaluation_dependencies(cls, metric, configuration=None, execution_engine=None,
                                         runtime_configuration=None):
            found = super()._get_evaluation_dependencies(metric, configuration, execution_engine,
                                                         runtime_configuration)
            if isinstance(execution_engine, SqlAlchemyExecutionEngine):
                found[rows_metric] = MetricConfiguration(rows_metric, metric.metric_domain_kwargs,
                                                         metric.metric_value_kwargs)
            return found

    registry.setLevel(level)
    _registered.append(RowCountFromRows)


def load_suite(gx, name: str, expectations: tuple[dict, ...] | list[dict]):
    """A GX suite from JSON entries; GX drops an invalid entry with a log line, so the count is checked."""
    suite = gx.ExpectationSuite(name=name, expectations=[dict(item) for item in expectations])
    if len(suite.expectations) != len(expectations):
        loaded = {e.meta.get("rule") for e in suite.expectations}
        dropped = [item["meta"]["rule"] for item in expectations if item["meta"]["rule"] not in loaded]
        raise ExpectationFileError(f"expectations/{name.split('.')[0]}.json: Great Expectations rejected "
                                   f"{', '.join(dropped)} — fix the expectation type or its kwargs")
    return suite


class Records(Mapping):
    """Each unit's GX record of the last run (see Runner._record), made when first asked for: only the cache
    keeps them, and making them costs about a second per run."""

    def __init__(self, make: Callable[[object], dict]):
        self._make = make
        self._outcomes: dict[str, object] = {}
        self._made: dict[str, dict] = {}

    def note(self, name: str, outcome) -> None:
        self._outcomes[name] = outcome

    def __getitem__(self, name: str) -> dict:
        if name not in self._made:
            self._made[name] = self._make(self._outcomes[name])
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._outcomes)

    def __len__(self) -> int:
        return len(self._outcomes)


class Runner:
    """An ephemeral GX context holding the suites, reusable for many database files."""

    def __init__(self, suites: list[dict], docs_dir: Path | None = None):
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = import_gx()
        self.version = self.gx.__version__
        self.context = self.gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.docs_dir = docs_dir
        if docs_dir is not None:
            self.context.update_data_docs_site("local_site", {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "show_how_to_buttons": False,
            })
        self.units = units_of(suites)
        self._suites = {unit.name: self.context.suites.add(load_suite(self.gx, unit.name, unit.expectations))
                        for unit in self.units}
        self._subsets: dict[tuple, object] = {}
        self._runs = count(1)
        self.records = Records(self._record)

    def run(self, database: Path, tables: set[str] | None = None, result_format: str = "COMPLETE",
            units: set[str] | None = None, restored: Iterable[dict] = ()) -> list[RuleResult]:
        """Every rule's result on database; with tables, only the rules that read one of them; with units,
        only the units of these names. Data Docs show the units run and the restored GX records (see record)."""
        number = next(self._runs)
        source = self.context.data_sources.add_sqlite(f"db{number}", connection_string=sqlalchemy_url(database))
        mapped = MappedFile(source, database)
        batches: dict[str, object] = {}
        results: list[RuleResult] = []
        self.records = Records(self._record)
        try:
            for unit in self.units:
                suite = self._suite(unit, tables) if units is None or unit.name in units else None
                if suite is None:
                    continue
                if unit.table not in batches:
                    asset = source.add_table_asset(unit.table, table_name=unit.table)
                    batches[unit.table] = asset.add_batch_definition_whole_table("whole_table")
                quick = "BOOLEAN_ONLY" if result_format == "BOOLEAN_ONLY" else QUICK_FORMAT
                outcome = self._validate(f"{number}:{unit.name}", batches[unit.table], suite, unit, quick, 0)
                self.records.note(unit.name, outcome)
                found = [_rule_result(unit, item) for item in outcome.results]
                failed = self._subset(unit, [result.rule for result in found if not result.success])
                if failed is not None and result_format != "BOOLEAN_ONLY":
                    again = self._validate(f"{number}:{unit.name}:failed", batches[unit.table], failed, unit,
                                           result_format, SAMPLE_SIZE)
                    detailed = {result.rule: result for result in (_rule_result(unit, item) for item in again.results)}
                    found = [detailed.get(result.rule, result) for result in found]
                results.extend(found)
                mapped.let_go()
        finally:
            _close(source)
        if self.docs_dir is not None:
            for record in restored:
                self._restore(record)
            with timings.stage("data_docs"):
                self.context.build_data_docs()
        return results

    def _record(self, outcome) -> dict:
        """A validation result as JSON with the key it is stored under, to render it again without running it."""
        store = self.context.validation_results_store
        key = next(key for key in store.list_keys() if key.run_id.to_tuple() == outcome.meta["run_id"].to_tuple()
                   and key.expectation_suite_identifier.name == outcome.suite_name)
        return {"id": list(key.to_fixed_length_tuple()), "result": store.serialize(outcome)}

    def _restore(self, record: dict) -> None:
        from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

        store = self.context.validation_results_store
        store.set(ValidationResultIdentifier.from_fixed_length_tuple(tuple(record["id"])),
                  store.deserialize(record["result"]))

    def _validate(self, name: str, batch, suite, unit: Unit, result_format: str, sample: int):
        definition = self.context.validation_definitions.add(self.gx.ValidationDefinition(
            name=name, data=batch, suite=suite))
        return definition.run(result_format={
            "result_format": result_format, "partial_unexpected_count": sample,
            "unexpected_index_column_names": list(TABLES_BY_NAME[unit.table].primary_key),
            "return_unexpected_index_query": False})

    def _suite(self, unit: Unit, tables: set[str] | None):
        if tables is None:
            return self._suites[unit.name]
        return self._subset(unit, [item["meta"]["rule"] for item in unit.expectations if reads(item) & tables])

    def _subset(self, unit: Unit, rules: list[str]):
        chosen = tuple(item for item in unit.expectations if item["meta"]["rule"] in rules)
        if not chosen:
            return None
        key = (unit.name, tuple(item["meta"]["rule"] for item in chosen))
        if key not in self._subsets:
            name = f"{unit.name}~{len(self._subsets) + 1}"
            self._subsets[key] = self.context.suites.add(load_suite(self.gx, name, chosen))
        return self._subsets[key]


class MappedFile:
    """Read the database through a memory map on every connection GX opens: the rules scan the big tables
    dozens of times, and SQLite then reads their pages in place instead of copying each into its page cache
    (a third less time per scan). The mapped pages are the operating system's file cache, shared and
    dropped at will, but they count in the process's resident size while mapped: let_go unmaps them between
    units, so that the process holds the pages of one table's rules at a time, not the whole file's."""

    def __init__(self, source, database: Path):
        from sqlalchemy import event

        self.size = min(database.stat().st_size, MMAP_LIMIT)
        self.connections: list = []
        engines = (source.get_engine(), source.get_execution_engine().engine)
        for engine in {id(engine): engine for engine in engines}.values():
            event.listen(engine, "connect", self._map)
            engine.dispose()  # a connection opened before the listener (GX tests the source) is opened again

    def _map(self, connection, record) -> None:
        connection.execute(f"PRAGMA mmap_size = {self.size}")
        self.connections.append(connection)

    def let_go(self) -> None:
        """Unmap the file on every open connection; SQLite maps it again, empty, at the next read. (SQLite
        keeps the old map while a statement still holds one of its pages: none does between units.)"""
        for connection in self.connections:
            try:
                connection.execute("PRAGMA mmap_size = 0")
                connection.execute(f"PRAGMA mmap_size = {self.size}")
            except sqlite3.ProgrammingError:  # closed by GX or the pool: its map went with it
                continue


def _close(source) -> None:
    """Release the database file: GX keeps SQLite connections open in the data source and its engine."""
    engine = source.get_execution_engine()
    engine.close()
    engine.engine.dispose()
    source.get_engine().dispose()


def _rule_result(unit: Unit, item) -> RuleResult:
    config = item.expectation_config
    error = _error(item.exception_info or {})
    unexpected, sample = _offending(item.result or {}, unit.table, config.kwargs)
    return RuleResult(rule=config.meta["rule"], suite=unit.suite, table=config.meta["table"],
                      column=config.meta.get("column"), expectation_type=config.type,
                      success=bool(item.success) and error is None, unexpected_count=unexpected,
                      sample=sample[:SAMPLE_SIZE], error=error)


def _error(info: dict) -> str | None:
    """The first exception message of a result; GX nests them by metric when a query fails."""
    found = [info] + [value for value in info.values() if isinstance(value, dict)]
    for entry in found:
        if entry.get("raised_exception"):
            return " ".join(str(entry.get("exception_message")).split())
    return None


def _offending(result: dict, table: str, kwargs: dict) -> tuple[int | None, list[dict]]:
    details = result.get("details") or {}
    if "unexpected_rows" in details:
        return result.get("observed_value"), [dict(row) for row in details["unexpected_rows"]]
    if "unexpected_count" in result:
        rows = result.get("unexpected_index_list") or result.get("unexpected_list") or []
        return result["unexpected_count"], [dict(row) if isinstance(row, dict) else {"value": row} for row in rows]
    if "mismatched" in details:
        return None, [dict(row) for row in details["mismatched"]]
    if "observed_value" in result:
        bounds = {key: kwargs[key] for key in ("min_value", "max_value") if kwargs.get(key) is not None}
        return None, [{"table": table, "observed_value": result["observed_value"], **bounds}]
    return None, []


def sqlalchemy_url(database: Path) -> str:
    """A read-only SQLAlchemy URL of a SQLite file whose path may hold '#', '?', '%' or spaces.

    SQLAlchemy unquotes the path once and SQLite's URI once more, so the URI's escapes are escaped again."""
    return "sqlite:///" + paths.sqlite_uri(database, mode="ro").replace("%", "%25") + "&uri=true"
