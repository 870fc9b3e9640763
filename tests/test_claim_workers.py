"""Claims normalised in worker processes: the same database, the same errors, and no process left behind."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from etl.errors import PackageError
from etl.publish import claim_workers
from tests.conftest import run_etl

# `etl` with batches of 4 sources (a few dozen batches here), saying whether its claims went through workers;
# `rows DATABASE` builds without the validation and package steps.
RUN = """
import sys
from pathlib import Path
from etl.publish import claim_workers, pipeline, rows
claim_workers.BATCH_SOURCES, claim_workers.MIN_SOURCES = 4, 8
def spy(*args):
    merged = claim_workers.normalise_in_workers(*args)
    print("workers:", "merged" if merged else "a problem", file=sys.stderr, flush=True)
    return merged
rows.normalise_in_workers = spy
from etl.cli import main
if sys.argv[1] == "rows":
    pipeline.build(Path(sys.argv[2]))
else:
    main(sys.argv[1:], prog_name="etl")
"""


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN, *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "ETL_ROOT": str(project), "GX_ANALYTICS_ENABLED": "False",
                                            **env})


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workers") / "project"
    result = run_etl(root.parent, "synth", "--claims", "600", "--out", str(root))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def copy(synthetic, tmp_path) -> Path:
    shutil.copytree(synthetic, tmp_path / "project")
    return tmp_path / "project"


def tables(database: Path) -> dict[str, str]:
    """Every table's rows in rowid order, hashed."""
    connection = sqlite3.connect(database)
    try:
        names = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                        "name NOT LIKE '%fts%'")]
        return {name: hashlib.sha256(repr(connection.execute(f"SELECT * FROM [{name}] ORDER BY rowid").fetchall())
                                     .encode()).hexdigest() for name in names}
    finally:
        connection.close()


def claim_lines(project: Path) -> list[tuple[Path, dict]]:
    return [(path, json.loads(line)) for path in sorted((project / "claims").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def rewrite(path: Path, change) -> None:
    claims = [change(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("".join(json.dumps(claim) + "\n" for claim in claims), encoding="utf-8")


def test_workers_write_the_database_one_process_writes(synthetic, tmp_path):
    split = run(synthetic, "rows", str(tmp_path / "workers" / "x.db"))
    single = run(synthetic, "rows", str(tmp_path / "single" / "x.db"), ETL_WORKERS="0")
    assert split.returncode == single.returncode == 0, split.stderr + single.stderr
    assert "workers: merged" in split.stderr and "workers:" not in single.stderr
    built = tables(tmp_path / "workers" / "x.db")
    assert built == tables(tmp_path / "single" / "x.db") and built["claims"]


def test_problems_in_batches_are_reported_as_one_process_reports_them(copy, tmp_path):
    """A quote no article holds, late in the corpus, and one claim id in two batches."""
    lines = claim_lines(copy)
    first, last = lines[0], lines[-1]
    rewrite(last[0], lambda claim: {**claim, "quote": "words no article has"} if claim == last[1] else claim)
    rewrite(lines[len(lines) // 2][0], lambda claim: {**claim, "id": first[1]["id"]}
            if claim == lines[len(lines) // 2][1] else claim)
    split = run(copy, "build", "--database", str(tmp_path / "x.db"))
    single = run(copy, "build", "--database", str(tmp_path / "x.db"), ETL_WORKERS="0")
    assert split.returncode == single.returncode == 1
    assert "workers: a problem" in split.stderr
    reported = split.stderr.replace("workers: a problem\n", "")
    assert reported == single.stderr and "duplicate claim id" in reported and ": quote: " in reported
    assert not (tmp_path / "x.db").exists()


def test_a_killed_worker_is_a_clear_error_and_nothing_is_published(synthetic, tmp_path):
    result = run(synthetic, "build", "--database", str(tmp_path / "x.db"), ETL_KILL_AT="claims-worker")
    assert result.returncode == 1
    assert result.stderr.endswith("a worker process normalising claims ended without an answer — run etl build "
                                  "again; if it ends again, look for a lack of memory (dmesg), or set ETL_WORKERS=0 "
                                  "to normalise in one process\nNothing was published.\n")
    assert not (tmp_path / "x.db").exists()


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # ended meanwhile, or not ours to read
            pass
    return found


def test_no_process_of_a_killed_build_stays(synthetic, tmp_path):
    """The build dies by SIGKILL once its first batch is sent: its workers and its writer end with it."""
    marker = f"ETL_TEST_MARKER={uuid.uuid4()}"
    build = subprocess.Popen([sys.executable, "-c", RUN, "build", "--database", str(tmp_path / "x.db")],
                             cwd=synthetic, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={
                                 **os.environ, "ETL_ROOT": str(synthetic), "GX_ANALYTICS_ENABLED": "False",
                                 "ETL_KILL_AT": "claims-sent", marker.split("=")[0]: marker.split("=")[1]})
    assert build.wait(timeout=300) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_with(marker)
    for pid in left:  # not to leave them running when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []
    assert not (tmp_path / "x.db").exists()


def test_the_number_of_workers_is_a_setting(monkeypatch):
    monkeypatch.setenv("ETL_WORKERS", "0")
    assert claim_workers.worker_count() == 0
    assert not claim_workers.can_use_workers([[Path("s.jsonl")]] * claim_workers.MIN_SOURCES)
    monkeypatch.setenv("ETL_WORKERS", "two")
    with pytest.raises(PackageError, match=r"^ETL_WORKERS='two' is not a number — set it to 0 to normalise in one "
                                           r"process, or to how many worker processes to use$"):
        claim_workers.worker_count()


def test_a_small_corpus_starts_no_worker(monkeypatch):
    monkeypatch.delenv("ETL_WORKERS", raising=False)
    groups = [[Path(f"s{index}.jsonl")] for index in range(claim_workers.MIN_SOURCES)]
    assert not claim_workers.can_use_workers(groups[:-1])
    assert claim_workers.can_use_workers(groups) == ((os.cpu_count() or 1) > 1 and sys.platform == "linux"
                                                     and claim_workers.start_method() == "fork")
