"""The malformed-input corpus: every case in tests/malformed/ fails with its expected file:line errors, never a traceback.

A case is a folder with `expected.txt` (the error lines, exactly) and either files to lay over a copy of the
inputs (at their paths in the project), an `edit.yml` (file, old, new: text replaced in a project file), or a
generator below (for what git cannot hold or should not: 50 MB, links, bytes of an article).
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import yaml

from etl import paths
from etl.errors import InputErrors
from etl.publish.pipeline import build
from tests.conftest import INPUT_DIRS

CORPUS = Path(__file__).parent / "malformed"
MOONSHOT = "moonshot-milestone-2024-02-27"
ARTICLE = f"sources/articles/{MOONSHOT}.txt"
SHA256 = "e7571519a40b99a6cd94599059d079a021f0f890e68894310090da54d2c1695f"


def new_article_snapshot(root: Path, data: bytes) -> None:
    """Replace the Moonshot article by data and record its sha256, as a new snapshot would."""
    (root / ARTICLE).write_bytes(data)
    sources = root / "sources" / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(SHA256, hashlib.sha256(data).hexdigest()),
                       encoding="utf-8")


def huge_note(root: Path) -> None:
    claim = (root / "claims" / f"{MOONSHOT}.yaml")
    with open(claim, "w", encoding="utf-8") as handle:
        handle.write(f"source_id: {MOONSHOT}\nclaims:\n  - id: mm-long\n    note: ")
        handle.write("x" * (50 * 1024 * 1024))
        handle.write("\n")


def long_json_line(root: Path) -> None:
    (root / "claims" / f"{MOONSHOT}.jsonl").write_text('{"id": "mm-long", "note": "' + "x" * 100_000 + '"}\n')


def deep_json(root: Path) -> None:
    (root / "claims" / f"{MOONSHOT}.jsonl").write_text("[" * 20_000 + "]" * 20_000 + "\n")


def deep_yaml(root: Path) -> None:
    (root / "claims" / f"{MOONSHOT}.yaml").write_text(f"source_id: {MOONSHOT}\nclaims: " + "[" * 100_000 + "\n")


def article_link_out(root: Path) -> None:
    outside = root.parent / "outside.txt"
    outside.write_bytes((root / ARTICLE).read_bytes())
    (root / ARTICLE).unlink()
    (root / ARTICLE).symlink_to(outside)


def article_one_byte(root: Path) -> None:
    data = bytearray((root / ARTICLE).read_bytes())
    data[100] ^= 0x20
    (root / ARTICLE).write_bytes(bytes(data))


def article_crlf(root: Path) -> None:
    data = (root / ARTICLE).read_bytes()
    (root / ARTICLE).write_bytes(data.replace(b"\n", b"\r\n"))


def article_not_utf8(root: Path) -> None:
    data = (root / ARTICLE).read_bytes()
    new_article_snapshot(root, data.replace(b"Moonshot", b"Moon\xffshot", 1))


def article_unknown_currency(root: Path) -> None:
    data = (root / ARTICLE).read_bytes()
    new_article_snapshot(root, data + b"\nMoonshot AI raised 5 billion zorkmids.\n")
    (root / "claims" / f"{MOONSHOT}.yaml").write_text(
        f"source_id: {MOONSHOT}\nclaims:\n  - id: mm-zorkmids\n    subject: Moonshot AI\n"
        "    predicate: round_amount\n    value: 5 billion zorkmids\n    round: moonshot-2024\n"
        "    quote: Moonshot AI raised 5 billion zorkmids.\n", encoding="utf-8")


def article_too_large(root: Path) -> None:
    with open(root / ARTICLE, "ab") as handle:
        handle.write(b"x" * (9 * 1024 * 1024))


def no_claims_folder(root: Path) -> None:
    shutil.rmtree(root / "claims")


GENERATED = {
    "note-50mb": huge_note, "jsonl-line-too-long": long_json_line, "jsonl-deep-nesting": deep_json,
    "yaml-deep-nesting-100k": deep_yaml, "article-symlink-out": article_link_out,
    "article-changed-one-byte": article_one_byte, "article-crlf": article_crlf,
    "article-invalid-utf8": article_not_utf8, "unknown-currency": article_unknown_currency,
    "article-too-large": article_too_large, "claims-folder-missing": no_claims_folder,
}
CODE_PATHS = ("PACKAGE_DIR", "SCHEMAS_DIR", "DATA_DOCS_VENDOR", "ROOT")
CASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the inputs, every path of etl.paths pointed at it."""
    root = tmp_path / "project"
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, root / name)
    for name, value in list(vars(paths).items()):
        if isinstance(value, Path) and name.isupper() and value.is_relative_to(paths.ROOT) and name not in CODE_PATHS:
            monkeypatch.setattr(paths, name, root / value.relative_to(paths.ROOT))
    monkeypatch.setattr(paths, "ROOT", root)
    return root


def lay_over(case: Path, root: Path) -> None:
    for source in sorted(case.rglob("*")):
        relative = source.relative_to(case)
        if source.is_dir() or relative.name in ("expected.txt", "edit.yml"):
            continue
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / relative)
    edit = case / "edit.yml"
    if edit.exists():
        for change in yaml.safe_load(edit.read_text(encoding="utf-8")):
            target = root / change["file"]
            text = target.read_text(encoding="utf-8")
            assert text.count(change["old"]) == 1, (case.name, change["old"])
            target.write_text(text.replace(change["old"], change["new"]), encoding="utf-8")


def test_the_corpus_has_a_case_for_each_failure_mode():
    assert len(CASES) >= 30
    assert set(GENERATED) <= set(CASES)
    for name in CASES:
        assert (CORPUS / name / "expected.txt").read_text(encoding="utf-8").strip(), name
        assert name in GENERATED or len(list((CORPUS / name).rglob("*"))) > 1, f"{name} has no malformed input"


@pytest.mark.parametrize("name", CASES)
def test_a_malformed_input_fails_with_its_message_and_publishes_nothing(project, name):
    case = CORPUS / name
    lay_over(case, project)
    if name in GENERATED:
        GENERATED[name](project)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    with pytest.raises(InputErrors) as raised:
        build(project / paths.DATABASE.name)
    assert raised.value.report().splitlines()[:-1] == expected
    assert not os.path.lexists(project / paths.DATABASE.name)
    assert not (project / "build" / "versions").exists() or list((project / "build" / "versions").iterdir()) == []
