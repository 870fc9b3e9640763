"""The biggest table of a big package checked in two row ranges finds what one frictionless process finds."""
import csv
import json
import pickle
from pathlib import Path

import pytest
from frictionless import Package
from frictionless.resources.table import TableResource

from etl.publish.package import lookups, parts, stage
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.parts import Checked, Part, RowsBetween
from tests.package_support import check_problems, edit_cell, first_cell, table_problems

pytest_plugins = ["tests.package_support"]


def rows_of(folder: Path, table: str) -> list[dict]:
    with (folder / "data" / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def checked_apart(folder: Path, monkeypatch) -> tuple[list[str], list[tuple]]:
    """The full check as a big package gets it, and the row ranges its biggest table was cut into; the lookups of
    the biggest table are made of its ranges."""
    cuts, saved = [], []
    split, write_lookups = parts.split, parts.write_lookups
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    monkeypatch.setattr(parts, "split", lambda *args: cuts.append(split(*args)) or cuts[-1])
    monkeypatch.setattr(parts, "write_lookups", lambda *args: saved.append(write_lookups(*args)) or saved[-1])
    try:
        found = check_problems(folder, True)
    finally:
        monkeypatch.undo()
    assert len(saved) == 1 and saved[0].endswith("lookups.pickle")
    return found, cuts


def test_a_key_met_in_both_ranges_is_found_where_one_process_finds_it(broken, monkeypatch):
    """The last claim takes the first claim's id, with a bad cell before it and a missing source after it; two
    claims of the later range share another id; two more take the second claim's."""
    claims = rows_of(broken, "claims")
    claims[-5]["claim_id"] = claims[-4]["claim_id"] = claims[1]["claim_id"]
    claims[-2]["claim_id"] = claims[-3]["claim_id"]
    claims[-1].update(claim_id=claims[0]["claim_id"], in_headline="sometimes", source_id="missing-source")
    write_rows(broken, "claims", claims)
    one = check_problems(broken, True)
    apart, cuts = checked_apart(broken, monkeypatch)
    assert apart == one
    (_, (cut, _)), = [(head.rows, tail.rows) for head, tail in cuts]
    assert 2 < cut < len(claims) - 1
    last = len(claims) + 1
    assert [problem.split(": ")[1] for problem in one if problem.startswith(f"data/claims.csv:{last}:")] == [
        "type-error", "unique-error", "primary-key", "foreign-key"]
    assert f"data/claims.csv:{last}: primary-key: the same as in the row at position 2" in one
    assert f"data/claims.csv:{last - 1}: primary-key: the same as in the row at position {last - 2}" in one
    assert [problem for problem in one if problem.startswith("data/claims.csv") and "primary-key" in problem][:2] == [
        f"data/claims.csv:{last - 4}: primary-key: the same as in the row at position 3",
        f"data/claims.csv:{last - 3}: primary-key: the same as in the row at position {last - 4}"]


def write_rows(folder: Path, table: str, rows: list[dict]) -> None:
    path = folder / "data" / f"{table}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    edit_cell(folder, table, "claim_id", lambda v: v)  # rehash


@pytest.mark.parametrize("change", ["label", "byte"])
def test_the_header_and_the_file_are_reported_once(broken, monkeypatch, change):
    path = broken / "data" / "claims.csv"
    text = path.read_text(encoding="utf-8")
    if change == "label":
        path.write_text(text.replace("in_headline", "in_title", 1), encoding="utf-8")
        edit_cell(broken, "claims", "claim_id", lambda v: v)
    else:
        path.write_text(text.replace("Alibaba", "ALIBABA", 1), encoding="utf-8")
    one = check_problems(broken, True)
    assert one
    assert checked_apart(broken, monkeypatch)[0] == one


def test_the_ranges_cover_every_row_once():
    head, tail = parts.split("claims", 10, 0.7)
    assert (head, tail) == (Part("claims", (2, 9)), Part("claims", (9, None)))
    skipped = RowsBetween(2, 9)
    assert [number for number in range(1, 13) if number in skipped] == list(range(2, 9))
    assert skipped == [] and skipped and not RowsBetween(2, 2)
    assert json.dumps(skipped) == "[]"


def test_a_file_has_at_most_as_many_rows_as_line_ends_after_the_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\n1,"x\ny"\n2,z\n')
    assert parts.row_count_at_most(path) == 3
    path.write_bytes(b"")
    assert parts.row_count_at_most(path) == 0


def problem(row, kind, note="n"):
    return (row, kind, f"t.csv:{row}: {kind}: {note}" if row else f"t.csv: {kind}: {note}")


def test_merging_puts_each_problem_where_one_process_reports_it():
    first = Checked([problem(None, "incorrect-label"), problem(3, "type-error")],
                    {("id",): {("a",): 3, ("b",): 4, ("d",): 5}})
    later = Checked([problem(None, "incorrect-label"), problem(8, "type-error"), problem(8, "foreign-key"),
                     problem(9, "foreign-key"), problem(None, "hash-count")],
                    {("id",): {("a",): 8, ("c",): 9, ("d",): 10}})
    merged = parts.merge("t.csv", first, later, {("id",): ["unique-error", "primary-key"]}, 100)
    assert merged == [
        "t.csv: incorrect-label: n", "t.csv:3: type-error: n", "t.csv:8: type-error: n",
        "t.csv:8: unique-error: the same as in the row at position 3",
        "t.csv:8: primary-key: the same as in the row at position 3",
        "t.csv:8: foreign-key: n", "t.csv:9: foreign-key: n",
        "t.csv:10: unique-error: the same as in the row at position 5",
        "t.csv:10: primary-key: the same as in the row at position 5", "t.csv: hash-count: n"]


def test_merging_stops_at_frictionless_limit_of_problems():
    first = Checked([problem(row, "type-error") for row in (2, 3)])
    later = Checked([problem(row, "type-error") for row in (4, 5)] + [problem(None, "hash-count")])
    assert parts.merge("t.csv", first, later, {}, 3) == ["t.csv:2: type-error: n", "t.csv:3: type-error: n",
                                                        "t.csv:4: type-error: n"]
    assert parts.merge("t.csv", first, later, {}, 2) == ["t.csv:2: type-error: n", "t.csv:3: type-error: n"]
    assert parts.merge("t.csv", first, later, {}, 1) == ["t.csv:2: type-error: n"]


def test_the_tables_that_refer_to_the_biggest_are_found_with_the_columns_they_refer_to(package_dir):
    descriptor = json.loads((package_dir / DESCRIPTOR).read_text())
    tables, columns = parts.referring(descriptor, "claims")
    assert columns == (("claim_id",),)
    assert set(tables) == {item["name"] for item in descriptor["resources"] if any(
        key["reference"].get("resource") == "claims" for key in item["schema"].get("foreignKeys", []))} - {"claims"}
    assert "round_investors" in tables and "sources" not in tables


def test_a_table_that_refers_to_the_biggest_takes_its_lookup_from_the_ranges(broken, read_lookups, tmp_path):
    """Not read from the file again, and the same missing claim found as by one process."""
    ticket = first_cell(broken, "round_investors", "amount_claim_id")
    edit_cell(broken, "claims", "claim_id", lambda v: "renamed-claim", where=lambda v: v == ticket)
    alone = table_problems(broken, ["round_investors"])["round_investors"]
    assert any("foreign-key" in problem and ticket in problem for problem in alone)
    descriptor = json.loads((broken / DESCRIPTOR).read_text())
    head, tail = parts.split("claims", len(rows_of(broken, "claims")), 0.5)
    ranges = [parts.check_part(descriptor, str(broken), part, (("claim_id",),)) for part in (head, tail)]
    saved = parts.write_lookups(tmp_path / "l.pickle", "claims", *ranges, (("claim_id",),), 1000)
    read_lookups.clear()
    assert lookups.share_lookups()
    checked = parts.check_part(descriptor, str(broken), Part("round_investors"), (), (saved,))
    assert parts.texts(checked) == alone
    assert [call for call in read_lookups if "claims" in call] == []
    assert read_lookups, "the lookups of the other referenced tables are read"


def test_a_range_stopped_at_the_limit_of_problems_leaves_the_lookups_to_frictionless(tmp_path, read_lookups):
    whole = Checked([problem(2, "type-error")], {("id",): {("a",): 2}})
    stopped = Checked([problem(3, "type-error"), problem(4, "type-error")], {("id",): {("b",): 3}})
    assert parts.write_lookups(tmp_path / "l", "t", whole, stopped, (("id",),), 2) is None
    assert parts.write_lookups(tmp_path / "l", "t", stopped, whole, (("id",),), 2) is None
    saved = parts.write_lookups(tmp_path / "l", "t", whole, stopped, (("id",),), 3)
    lookups.preload(saved, "here")
    assert lookups._read[("here", "t", ("id",))] == {("a",), ("b",)}


def test_a_range_that_was_not_read_through_leaves_the_lookups_to_frictionless(tmp_path):
    whole = Checked([problem(2, "type-error")], {("id",): {("a",): 2}})
    unopened = Checked([problem(None, "scheme-error")], {("id",): {}}, read_through=False)
    assert parts.write_lookups(tmp_path / "l", "t", whole, unopened, (("id",),), 1000) is None
    assert parts.write_lookups(tmp_path / "l", "t", unopened, whole, (("id",),), 1000) is None
    assert parts.write_lookups(tmp_path / "l", "t", whole, whole, (("id",),), 1000) == str(tmp_path / "l")


def test_a_referred_column_that_is_no_key_is_no_problem_when_merged():
    first = Checked([], {("id",): {("a",): 2}, ("code",): {("x",): 2}})
    later = Checked([], {("id",): {("b",): 5}, ("code",): {("x",): 5}})
    assert parts.merge("t.csv", first, later, {("id",): ["primary-key"]}, 100) == []


def test_a_biggest_table_without_its_file_is_reported_as_one_process_reports_it(broken, monkeypatch):
    (broken / "data" / "claims.csv").unlink()
    one = check_problems(broken, True)
    assert any(problem.startswith("data/claims.csv") for problem in one)
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    assert check_problems(broken, True) == one


def references_read_alone(folder: Path, descriptor: dict, name: str) -> dict:
    """The lookups of a table's foreign keys as frictionless reads them in a process of its own (no sharing)."""
    resource = Package(descriptor, basepath=str(folder)).get_resource(name)
    getattr(TableResource, lookups.OPEN_LOOKUP)(resource)
    return {(source or name, columns): values
            for source, by_columns in getattr(resource, lookups.LOOKUP).items() for columns, values in by_columns.items()}


def test_the_references_of_the_biggest_are_read_once_as_frictionless_reads_them(broken, read_lookups, tmp_path):
    edit_cell(broken, "sources", "source_id", lambda v: "renamed-source")
    descriptor = json.loads((broken / DESCRIPTOR).read_text())
    expected = references_read_alone(broken, descriptor, "claims")
    assert {table for table, _ in expected} == {"sources", "entities", "predicates", "funding_rounds", "fx_rates"}
    read_lookups.clear()
    saved = lookups.write_references(descriptor, str(broken), "claims", str(tmp_path / "r.pickle"))
    assert saved == str(tmp_path / "r.pickle")
    with open(saved, "rb") as handle:
        assert pickle.load(handle) == expected
    assert sorted(table for call in read_lookups for table in call) == sorted(
        ["sources", "entities", "predicates", "funding_rounds", "fx_rates"])


def test_a_range_given_the_references_reads_none_and_finds_the_same(broken, read_lookups, tmp_path, monkeypatch):
    edit_cell(broken, "claims", "source_id", lambda v: "missing-source")
    descriptor = json.loads((broken / DESCRIPTOR).read_text())
    head, _ = parts.split("claims", len(rows_of(broken, "claims")), 0.5)
    reading = parts.check_part(descriptor, str(broken), head, (("claim_id",),))
    assert [kind for _, kind, _ in reading.problems] == ["foreign-key"]
    saved = lookups.write_references(descriptor, str(broken), "claims", str(tmp_path / "r.pickle"))
    monkeypatch.setattr(lookups, "_read", {})
    read_lookups.clear()
    given = parts.check_part(descriptor, str(broken), head, (("claim_id",),), (saved,))
    assert read_lookups == []
    assert given == reading


def test_references_that_cannot_be_read_are_left_to_each_process(broken, read_lookups, tmp_path, monkeypatch):
    (broken / "data" / "sources.csv").unlink()
    descriptor = json.loads((broken / DESCRIPTOR).read_text())
    assert lookups.write_references(descriptor, str(broken), "claims", str(tmp_path / "r.pickle")) is None
    assert not (tmp_path / "r.pickle").exists()
    one = check_problems(broken, True)
    assert any(problem.startswith("data/sources.csv") for problem in one)
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    assert check_problems(broken, True) == one


def test_an_error_frictionless_does_not_report_is_raised_from_the_references(package_dir, tmp_path, monkeypatch):
    def broken(resource):
        raise RuntimeError("not frictionless's")

    monkeypatch.setattr(TableResource, lookups.OPEN_LOOKUP, broken)
    monkeypatch.setattr(lookups, "_read", {})
    descriptor = json.loads((package_dir / DESCRIPTOR).read_text())
    with pytest.raises(RuntimeError, match="not frictionless's"):
        lookups.write_references(descriptor, str(package_dir), "claims", str(tmp_path / "r.pickle"))
    assert not (tmp_path / "r.pickle").exists()


def test_without_the_private_method_no_references_are_shared(package_dir, tmp_path, monkeypatch):
    monkeypatch.delattr(TableResource, lookups.OPEN_LOOKUP)
    descriptor = json.loads((package_dir / DESCRIPTOR).read_text())
    assert lookups.write_references(descriptor, str(package_dir), "claims", str(tmp_path / "r.pickle")) is None
    assert not (tmp_path / "r.pickle").exists()
