"""Benchmark: build a synthetic dataset of many machine-made claims (JSON lines) and print the figures."""
from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "{company} raised at least US${amount} million in a round led by {investor}."


def _progress(enabled: bool):
    def show(done: int, total: int, label: str) -> None:
        if enabled:
            print(f"\r{label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show


def write_project(root: Path, sources: int, per_source: int, show) -> int:
    """Copy the real inputs and add synthetic sources, entities and JSON-lines claims."""
    for name in ("sources", "reference", "claims", "expectations"):
        shutil.copytree(ROOT / name, root / name)
    companies = [f"synthetic-company-{n}" for n in range(200)]
    with open(root / "reference" / "entities.yml", "a", encoding="utf-8") as handle:
        for company in companies:
            handle.write(f"\n- id: {company}\n  name: Synthetic Company {company.rsplit('-', 1)[1]}\n  kind: company\n")
    metadata = []
    for number in range(sources):
        source_id = f"synthetic-source-{number}"
        lines, claims = [], []
        for index in range(per_source):
            company = companies[(number + index) % len(companies)]
            sentence = SENTENCE.format(company=f"Synthetic Company {company.rsplit('-', 1)[1]}",
                                       amount=100 + index, investor="Alibaba")
            lines.append(sentence)
            claims.append({"id": f"{source_id}-{index}", "subject": company, "predicate": "round_amount",
                           "value": f"at least US${100 + index} million", "round": f"{company}-{number}-{index}",
                           "quote": sentence})
        text = f"Synthetic article {number}\n\n" + "\n".join(lines) + "\n"
        (root / "sources" / "articles" / f"{source_id}.txt").write_text(text, encoding="utf-8")
        (root / "claims" / f"{source_id}.jsonl").write_text(
            "".join(json.dumps(claim) + "\n" for claim in claims), encoding="utf-8")
        metadata.append(f"\n- source_id: {source_id}\n  file: {source_id}.txt\n  title: Synthetic article {number}\n"
                        f"  publisher: null\n  author: null\n  published: \"2024-03-05\"\n"
                        f"  published_precision: day\n  published_basis: stated\n  url: null\n  language: en\n"
                        f"  sha256: {hashlib.sha256(text.encode()).hexdigest()}\n")
        show(number + 1, sources, "writing synthetic sources")
    with open(root / "sources" / "sources.yml", "a", encoding="utf-8") as handle:
        handle.write("".join(metadata))
    return sources * per_source


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--claims", "total", default=20_000, show_default=True, help="Synthetic claims to add.")
@click.option("--per-source", default=100, show_default=True, help="Claims per synthetic article.")
def main(total: int, per_source: int) -> None:
    """Time a build with TOTAL synthetic JSON-lines claims added to the real inputs.

    Prints seconds per stage, claims per second and peak memory. Progress is shown on a
    terminal and stays quiet in CI.

    \b
    Example:
        .venv/bin/python bench/bulk_build.py --claims 100000
    """
    show = _progress(sys.stderr.isatty() and not os.environ.get("CI"))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        count = write_project(root, max(1, total // per_source), per_source, show)
        os.environ["ETL_ROOT"] = str(root)
        from etl.publish.pipeline import collect_rows
        from etl.publish.write import write_database

        started = time.perf_counter()
        rows = collect_rows()
        loaded = time.perf_counter()
        write_database(root / "bench.db", rows)
        written = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"synthetic claims      {count:>10,}")
    print(f"claims in database    {len(rows['claims']):>10,}")
    print(f"load+normalise+reconcile {loaded - started:7.2f} s  ({len(rows['claims']) / (loaded - started):,.0f} claims/s)")
    print(f"write SQLite          {written - loaded:7.2f} s")
    print(f"total                 {written - started:7.2f} s")
    print(f"peak memory           {peak:7.0f} MiB")


if __name__ == "__main__":
    main()
