"""The data package's parts: Table Schemas from the table definitions, CSV cells, release rules, the zip."""
import copy
import datetime as dt
import hashlib
import io
import json
import random
import sqlite3
import zipfile

import pytest

from etl.errors import PackageError
from etl.publish.package import csv_files
from etl.publish.package.csv_files import csv_bytes, csv_cell, write_csv
from etl.publish.package.descriptor import DESCRIPTOR, PROFILE, SOURCES_LISTED, descriptor
from etl.publish.package.files import build_files, write_files, zip_bytes
from etl.publish.package.release import release
from etl.schema.dataset import ZIP_NAME
from etl.schema.model import Column, Table
from etl.schema.table_schema import field, foreign_key, full_match_pattern, table_schema
from etl.schema.tables import DATA_TABLES, TABLES, TABLES_BY_NAME
from tests import corpus

NOW = dt.datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def files(built_database):
    return build_files(built_database, None, NOW)


@pytest.fixture(scope="module")
def package(files):
    return json.loads(files[DESCRIPTOR])


def test_every_public_table_is_a_resource_and_nothing_else(package):
    assert [r["name"] for r in package["resources"]] == [t.name for t in DATA_TABLES]
    assert {t.name for t in TABLES} - {r["name"] for r in package["resources"]} == {
        "validation_runs", "validation_results"}
    assert package["$schema"] == PROFILE == "https://datapackage.org/profiles/2.0/datapackage.json"


def test_resources_name_their_csv_with_hash_and_bytes(package, files):
    for resource in package["resources"]:
        data = files[resource["path"]]
        assert resource["path"] == f"data/{resource['name']}.csv"
        assert (resource["type"], resource["format"], resource["mediatype"], resource["encoding"]) == (
            "table", "csv", "text/csv", "utf-8")
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["schema"] == table_schema(TABLES_BY_NAME[resource["name"]])


def test_field_types_follow_the_definitions():
    claims = {f["name"]: f for f in table_schema(TABLES_BY_NAME["claims"])["fields"]}
    assert claims["date"]["type"] == "string"
    assert claims["date"]["constraints"] == {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"}
    assert claims["date_precision"]["constraints"] == {"enum": ["day", "week", "month", "year", "range"]}
    assert claims["in_headline"] == {
        "name": "in_headline", "type": "boolean",
        "description": "1 when the quote lies in the article's headline.",
        "trueValues": ["1"], "falseValues": ["0"], "constraints": {"required": True}}
    assert claims["amount"]["constraints"] == {"exclusiveMinimum": 0}
    assert claims["quote_start"] == {
        "name": "quote_start", "type": "integer", "description": TABLES_BY_NAME["claims"].column(
            "quote_start").description, "constraints": {"required": True, "minimum": 0}}
    fx = {f["name"]: f["type"] for f in table_schema(TABLES_BY_NAME["fx_rates"])["fields"]}
    assert (fx["rate"], fx["rate_date"], fx["days"]) == ("number", "date", "integer")


def test_every_column_is_a_field_with_its_description():
    for table in DATA_TABLES:
        schema = table_schema(table)
        assert [f["name"] for f in schema["fields"]] == table.column_names
        assert [f["description"] for f in schema["fields"]] == [c.description for c in table.columns]
        assert schema["primaryKey"] == list(table.primary_key)
        assert schema["missingValues"] == [""]


def test_constraints_of_a_column():
    column = Column("share", "number", "A share.", required=True, unique=True, minimum=0, maximum=1,
                    exclusive_minimum=0.5, enum=("0.5", "1"), pattern="^[0-9.]+$")
    assert field(column)["constraints"] == {
        "required": True, "unique": True, "enum": ["0.5", "1"], "minimum": 0, "exclusiveMinimum": 0.5,
        "maximum": 1, "pattern": "[0-9.]+"}
    assert field(Column("n", "integer", "N.", minimum=1.0))["constraints"] == {"minimum": 1}
    assert "constraints" not in field(Column("note", "string", "A note."))
    assert field(Column("id", "string", "Id."), required=True)["constraints"] == {"required": True}


@pytest.mark.parametrize("pattern, expected", [
    (r"^[a-z]{2}$", "[a-z]{2}"),
    (r"[a-z]", ".*[a-z].*"),
    (r"^\d+", r"\d+.*"),
    (r"^costs \$$", r"costs \$"),
    (r"^a\$", r"a\$.*"),
])
def test_patterns_are_anchorless_full_matches(pattern, expected):
    assert full_match_pattern(pattern) == expected


def test_foreign_keys_are_v2_arrays_without_a_self_reference_resource():
    entities, claims = TABLES_BY_NAME["entities"], TABLES_BY_NAME["claims"]
    assert foreign_key(entities, "parent_id", "entities", "entity_id") == {
        "fields": ["parent_id"], "reference": {"fields": ["entity_id"]}}
    assert foreign_key(claims, "source_id", "sources", "source_id") == {
        "fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
    keys = table_schema(claims)["foreignKeys"]
    assert [(k["fields"][0], k["reference"]["resource"]) for k in keys] == [
        ("source_id", "sources"), ("subject_id", "entities"), ("predicate_id", "predicates"),
        ("object_id", "entities"), ("round_id", "funding_rounds"), ("fx_rate_id", "fx_rates")]


def test_a_table_without_references_has_no_foreign_keys():
    table = Table("t", "T", "A table.", (Column("id", "string", "Id."),), ("id",))
    assert table_schema(table) == {
        "fields": [{"name": "id", "type": "string", "description": "Id.", "constraints": {"required": True}}],
        "missingValues": [""], "primaryKey": ["id"]}


@pytest.mark.parametrize("value, text", [
    (None, ""), (0, "0"), (127, "127"), (5e9, "5000000000.0"), (2779732523.393194, "2779732523.393194"),
    (0.1 + 0.2, "0.30000000000000004"), (-9.0, "-9.0"), (1e16, "1e+16"), (True, "1"), ("a,b", "a,b"),
])
def test_csv_cells(value, text):
    assert csv_cell(value) == text


def test_an_empty_string_is_refused_because_it_reads_as_null():
    with pytest.raises(PackageError) as error:
        csv_cell("")
    assert str(error.value) == "an empty string cannot be told from NULL in the CSV — store NULL instead"


@pytest.mark.parametrize("cell, problem", [
    ("", "t.b: an empty string cannot be told from NULL in the CSV — store NULL instead"),
    (b"x", "t.b: cannot write a bytes to CSV — store text or numbers"), ("x", None), (None, None)])
def test_a_cell_that_a_csv_cannot_hold_is_found_before_the_package_is_published(cell, problem, tmp_path):
    database = tmp_path / "t.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (a, b)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", [("first", "fine"), ("second", cell)])
    connection.close()
    table = Table("t", "T", "A table.", (Column("a", "string", "A."), Column("b", "string", "B.")), ("a",))
    assert csv_files.unwritable_cells(f"file:{database}?mode=ro", [table]) == problem


def test_a_database_with_an_empty_string_gives_no_package(built_database, tmp_path):
    """The database's CHECKs keep empty strings out; a database built otherwise is still refused."""
    copy_of = tmp_path / "copy.db"
    copy_of.write_bytes(built_database.read_bytes())
    with sqlite3.connect(copy_of) as connection:
        connection.execute("PRAGMA ignore_check_constraints = ON")
        connection.execute("UPDATE claims SET quote = '' WHERE rowid = (SELECT max(rowid) FROM claims)")
    connection.close()
    with pytest.raises(PackageError, match=r"^claims\.quote: an empty string cannot be told from NULL in the CSV"):
        write_files(copy_of, tmp_path / "package", None, dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))


def test_csv_quotes_only_what_needs_it_and_ends_lines_with_newline():
    table = Table("t", "T", "A table.", (Column("id", "string", "Id."), Column("n", "number", "N.")), ("id",))
    rows = [("plain", 1.5), ('say "hi", twice', None), ("two\nlines", 2.0)]
    assert csv_bytes(table, rows) == b'id,n\nplain,1.5\n"say ""hi"", twice",\n"two\nlines",2.0\n'


def test_csv_is_utf8_without_a_byte_order_mark(files):
    claims = files["data/claims.csv"]
    assert not claims.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in claims
    assert claims.decode("utf-8").splitlines()[0] == ",".join(TABLES_BY_NAME["claims"].column_names)


def test_package_metadata(package):
    assert package["name"] == "china-ai-investments"
    assert (package["version"], package["created"]) == ("1.0.0", "2025-01-02T03:04:05Z")
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "quoted excerpts remain their publishers'" in package["description"]
    assert package["keywords"] and package["contributors"]


def test_sources_are_the_articles_without_invented_urls(package):
    by_title = {s["title"]: s for s in package["sources"]}
    assert sorted(by_title) == sorted(source["title"] for source in corpus.sources())
    assert by_title["Alibaba backs US$2.5 billion AI startup in second major 2024 deal"] == {
        "title": "Alibaba backs US$2.5 billion AI startup in second major 2024 deal", "publisher": "BT",
        "date": "2024-03-05",
        "path": "https://www.businesstimes.com.sg/startups-tech/alibaba-backs-us-2-5-billion-ai-startup-in-second-"
                "major-2024-deal"}
    assert by_title["Alibaba Bets Big on AI with Investments in Chinese Start-ups"] == {
        "title": "Alibaba Bets Big on AI with Investments in Chinese Start-ups", "author": "Aqsa Younas Rana",
        "date": "2024", "path": "https://tr.im/tech/ai-ml/alibaba-bets-big-on-ai-with-investments-in-chinese-start-ups"}
    # Every address is a public copy matched to the text (sources.yml says how); none is guessed.
    import yaml

    from etl import paths
    matched = {s["url"] for s in yaml.safe_load(paths.SOURCES_FILE.read_text(encoding="utf-8"))
               if s["url"] and s.get("url_match")}
    assert {source["path"] for source in package["sources"] if "path" in source} <= matched


def test_past_sources_listed_articles_the_descriptor_names_the_sources_table_instead():
    articles = [{"title": f"Article {number}", "publisher": f"Outlet {number % 3}", "date": "2024",
                 "path": f"https://example.org/{number}"} for number in range(SOURCES_LISTED + 1)]
    assert descriptor([], articles[:SOURCES_LISTED], "1.0.0", "")["sources"] == articles[:SOURCES_LISTED]
    package = descriptor([], articles, "1.0.0", "")
    assert package["sources"] == [{
        "title": f"{SOURCES_LISTED + 1:,} news articles, each a row of the sources table (title, publisher, author, "
                 "date and address)", "path": "data/sources.csv"}]
    # The description still counts and names what every article says.
    assert f"{SOURCES_LISTED + 1} 2024 news articles (Outlet 0, Outlet 1 and Outlet 2)" in package["description"]
    from frictionless import Package
    assert Package.validate_descriptor(package).valid


def _bumped(package: dict, change) -> dict:
    changed = copy.deepcopy(package)
    change(changed)
    return changed


def _claims(package: dict) -> dict:
    return next(r for r in package["resources"] if r["name"] == "claims")


def test_an_unchanged_package_keeps_its_version_and_created_time(package):
    assert release(package, package, LATER) == ("1.0.0", "2025-01-02T03:04:05Z")


def test_no_previous_package_starts_at_one(package):
    assert release(package, None, LATER) == ("1.0.0", "2025-06-01T00:00:00Z")


def test_new_rows_bump_the_minor_version(package):
    previous = _bumped(package, lambda p: _claims(p).update(hash="sha256:00", bytes=1))
    assert release(package, previous, LATER) == ("1.1.0", "2025-06-01T00:00:00Z")


@pytest.mark.parametrize("change", [
    lambda p: _claims(p)["schema"]["fields"][0].update(type="integer"),
    lambda p: _claims(p)["schema"]["fields"][10]["constraints"].update(exclusiveMinimum=1),
    lambda p: _claims(p)["schema"]["fields"].pop(),
    lambda p: _claims(p)["schema"].update(primaryKey=["quote"]),
    lambda p: p["resources"].pop(),
])
def test_a_schema_change_bumps_the_major_version(package, change):
    previous = _bumped(package, lambda p: (change(p), p.update(version="1.4.2")))
    assert release(package, previous, LATER) == ("2.0.0", "2025-06-01T00:00:00Z")


def test_a_documentation_change_bumps_the_patch_version(package):
    previous = _bumped(package, lambda p: _claims(p)["schema"]["fields"][0].update(description="Old."))
    assert release(package, previous, LATER) == ("1.0.1", "2025-06-01T00:00:00Z")


def test_an_unreadable_previous_version_is_an_error(package):
    with pytest.raises(PackageError) as error:
        release(package, {**package, "version": "one"}, LATER)
    assert str(error.value) == ("datapackage.json: version 'one' is not MAJOR.MINOR.PATCH — restore the "
                                "published datapackage.json (git checkout datapackage.json) and run the build again")


def test_the_zip_holds_the_package_files_descriptor_first(files):
    with zipfile.ZipFile(io.BytesIO(files[ZIP_NAME])) as archive:
        names = archive.namelist()
        assert names == [DESCRIPTOR, *(f"data/{t.name}.csv" for t in DATA_TABLES)]
        assert all(archive.read(name) == files[name] for name in names)
        assert {info.date_time for info in archive.infolist()} == {(2025, 1, 2, 3, 4, 4)}


def test_the_zip_is_reproducible():
    files = {"a.txt": b"a", "b/c.csv": b"x,y\n"}
    assert zip_bytes(files, "2025-01-02T03:04:05Z") == zip_bytes(dict(files), "2025-01-02T03:04:05Z")
    assert zip_bytes(files, "2025-01-02T03:04:05Z") != zip_bytes(files, "2026-01-02T03:04:05Z")


def _stored(rows: list[tuple]) -> tuple[sqlite3.Connection, Table]:
    table = Table("t", "T", "A table.", (Column("a", "string", "A."), Column("b", "integer", "B."),
                                         Column("c", "number", "C.")), ("c",), sort=("a", "b"))
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a, b INTEGER, c REAL)")  # no affinity: numbers stay numbers in a
    connection.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    return connection, table


def _written(connection: sqlite3.Connection, table: Table, target) -> tuple[bytes, list[str]]:
    statements = []
    connection.set_trace_callback(statements.append)
    size, digest = write_csv(connection, table, target)
    connection.set_trace_callback(None)
    data = target.read_bytes()
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    return data, statements


KEYS = [("a", 1), ("a", 2), ("b", None), ("b", 10), ("é", 3), ("z", -1), (None, 1), (None, None), (1, 1), (2.5, 0)]


def _rise(keys: list[tuple]) -> bool:
    """Whether Python orders each key above the one before (None and numbers against text it cannot compare)."""
    try:
        return all(before < after for before, after in zip(keys, keys[1:]))
    except TypeError:
        return False


def _random_keys(seed: int) -> list[tuple]:
    chance = random.Random(seed)
    keys = chance.choices(KEYS, k=chance.randint(0, 9))
    if seed % 2:
        keys = sorted(set(keys) - {key for key in keys if None in key or isinstance(key[0], (int, float))})
    return keys


ACROSS_A_CHUNK_EDGE = [("b", 1), ("c", 1), ("d", 1), ("a", 1), ("e", 1)]  # each chunk of 3 rises, not the edge


@pytest.mark.parametrize("keys", [*map(_random_keys, range(200)), ACROSS_A_CHUNK_EDGE])
def test_a_csv_holds_the_rows_in_their_order_however_they_were_stored(keys, tmp_path, monkeypatch):
    """Read as stored when each row comes after the one before (at and across chunk edges), else sorted by
    SQLite: NULL keys, ties, text against numbers and rows stored out of order give the sorted query's file."""
    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 3)
    connection, table = _stored([(a, b, float(n)) for n, (a, b) in enumerate(keys)])
    data, statements = _written(connection, table, tmp_path / "t.csv")
    assert data == csv_bytes(table, connection.execute(csv_files.rows_query(table)).fetchall())
    sorted_too = [] if _rise(keys) else [csv_files.rows_query(table)]
    assert statements[1:] == [csv_files.stored_rows_query(table), *sorted_too]


def _stored_in_file(rows: list[tuple], database) -> Table:
    memory, table = _stored(rows)
    memory.commit()
    memory.backup(target := sqlite3.connect(database))
    target.close()
    return table


IN_ORDER = [("a", n) for n in range(9)]


@pytest.mark.parametrize("keys", [*map(_random_keys, range(60)), ACROSS_A_CHUNK_EDGE, IN_ORDER])
def test_a_csv_written_in_halves_is_the_file_one_writer_writes(keys, tmp_path, monkeypatch):
    """Two writers at once when the rows are stored in order, in each half and across; else one, as above."""
    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 2)
    monkeypatch.setattr(csv_files, "HALF_ROWS", 1)
    table = _stored_in_file([(a, b, float(n)) for n, (a, b) in enumerate(keys)], database := tmp_path / "t.db")
    halves = []
    write_halves = csv_files.write_halves
    monkeypatch.setattr(csv_files, "write_halves", lambda *args: halves.append(write_halves(*args)) or halves[-1])
    connection = sqlite3.connect(database)
    size, digest = write_csv(connection, table, tmp_path / "t.csv", database_uri=f"file:{database}?mode=ro")
    data = (tmp_path / "t.csv").read_bytes()
    assert data == csv_bytes(table, connection.execute(csv_files.rows_query(table)).fetchall())
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["t.csv", "t.db"]
    assert (halves[0] is not None) == (len(keys) >= 3 and _rise(keys))


def test_a_second_writer_that_dies_leaves_the_file_to_one_and_one_that_fails_is_the_error(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_files, "HALF_ROWS", 1)
    table = _stored_in_file([(a, b, float(n)) for n, (a, b) in enumerate(IN_ORDER)], database := tmp_path / "t.db")
    connection, uri = sqlite3.connect(database), f"file:{database}?mode=ro"
    whole = csv_bytes(table, connection.execute(csv_files.rows_query(table)).fetchall())
    monkeypatch.setenv("ETL_KILL_AT", "write-second-half")
    assert csv_files.write_halves(connection, uri, table, tmp_path / "t.csv") is None
    assert write_csv(connection, table, tmp_path / "t.csv", database_uri=uri)[0] == len(whole)
    assert (tmp_path / "t.csv").read_bytes() == whole
    monkeypatch.delenv("ETL_KILL_AT")
    monkeypatch.setenv("ETL_FAIL_AT", "write-second-half")
    with pytest.raises(OSError, match="No space left on device"):
        write_csv(connection, table, tmp_path / "t.csv", database_uri=uri)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["t.csv", "t.db"]
