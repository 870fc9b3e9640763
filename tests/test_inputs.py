"""Every curated input file against its JSON Schema, as a reviewer's first check."""
import pytest

from etl import paths
from etl.errors import InputError, Unusable
from etl.inputs.files import claim_files
from etl.inputs.load import check_schema, read_yaml
from etl.normalise.reference import article_path

INPUTS = [
    (paths.SOURCES_FILE, "sources"),
    (paths.ENTITIES_FILE, "entities"),
    (paths.PREDICATES_FILE, "predicates"),
    (paths.ACKNOWLEDGED_CONFLICTS, "acknowledged_conflicts"),
    (paths.EXTERNAL_EVIDENCE, "external_evidence"),
    *[(path, "claims") for path in claim_files()],
]


@pytest.mark.parametrize("path,schema", INPUTS, ids=[paths.relative(p) for p, _ in INPUTS])
def test_input_matches_its_schema(path, schema):
    errors: list[InputError] = []
    loaded = read_yaml(path, errors)
    assert loaded is not None, errors
    assert check_schema(loaded, schema, errors) == set()
    assert errors == []


def test_there_is_one_claims_file_per_source():
    errors: list[InputError] = []
    sources = read_yaml(paths.SOURCES_FILE, errors).data
    assert sorted(s["source_id"] for s in sources) == sorted(p.stem for p in claim_files())
    assert sorted(s["file"] for s in sources) == sorted(p.name for p in paths.ARTICLES_DIR.glob("*.txt"))


def test_schema_errors_name_the_line_and_the_field(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("source_id: x\nclaims:\n  - id: a\n    subject: Alibaba\n    predicate: investor\n"
                    "    quote: Alibaba backs\n    modality: rumoured\n", encoding="utf-8")
    errors: list[InputError] = []
    assert check_schema(read_yaml(path, errors), "claims", errors, ("claims",)) == {0}
    assert [str(e).split(" — ")[0] for e in errors] == [
        f"{path}:7: modality: 'rumoured' is not one of ['stated', 'company_statement', 'reported', 'committed', "
        "'in_progress', 'claimed']"]


def test_a_missing_field_is_named(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("source_id: x\nclaims:\n  - id: a\n    subject: Alibaba\n    predicate: investor\n",
                    encoding="utf-8")
    errors: list[InputError] = []
    check_schema(read_yaml(path, errors), "claims", errors, ("claims",))
    assert [(e.line, e.field, e.problem) for e in errors] == [(3, "quote", "'quote' is missing")]


def test_readme_names_every_table():
    from etl.schema.tables import TABLES

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert [t.name for t in TABLES if f"`{t.name}`" not in readme] == []


def test_claim_files_come_in_pathlib_order_and_leave_other_files_out(tmp_path, monkeypatch):
    names = ["b-2.jsonl", "B-1.yml", "a.yaml", "a.jsonl", "a-1.yml", "ä.yml", "a_1.jsonl", "10.yml", "9.yml"]
    for name in [*names, ".hidden.yml", "notes.txt"]:
        (tmp_path / name).write_text("")
    monkeypatch.setattr(paths, "CLAIMS_DIR", tmp_path)
    assert claim_files() == sorted(tmp_path / name for name in names)


@pytest.mark.parametrize("written, problem", [
    ("a.txt", None), ("./a.txt", None), ("sub/b.txt", "is a link"), ("sub/../a.txt", "leads outside"),
    ("", "control characters"), ("a\x01.txt", "control characters"), (3, "control characters"),
    ("/etc/passwd", "leads outside"), ("..", "leads outside"), ("sub/../../a.txt", "leads outside"),
    ("a\\b.txt", "leads outside"), (".", "is a link"), ("outside/a.txt", "is a link"), ("link.txt", "is a link"),
])
def test_an_article_path_is_a_plain_file_inside_the_articles_folder(tmp_path, monkeypatch, written, problem):
    """Directly in the folder: plain names take no path parsing, the rest are parsed and resolved, and a link is
    refused either way."""
    articles, elsewhere = tmp_path / "articles", tmp_path / "elsewhere"
    (articles / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    for path in (articles / "a.txt", articles / "sub" / "b.txt", elsewhere / "a.txt"):
        path.write_text("text", encoding="utf-8")
    (articles / "outside").symlink_to(elsewhere)
    (articles / "link.txt").symlink_to(elsewhere / "a.txt")
    monkeypatch.setattr(paths, "ARTICLES_DIR", articles)
    if problem is None:
        assert article_path(written) == articles / written
        assert article_path(written, articles.resolve()) == articles / written
    else:
        with pytest.raises(Unusable, match=problem):
            article_path(written)
