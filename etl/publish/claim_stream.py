"""The claims files in their sources' order, and each source's claims sorted, kept as facts and sent on."""
from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Iterator

from etl import timings
from etl.errors import InputError
from etl.inputs.files import read_checked
from etl.inputs.load import Loaded
from etl.normalise.reference import Reference
from etl.reconcile.facts import ClaimFacts


def by_source(files: Iterable[Path]) -> list[list[Path]]:
    """The claims files grouped by source (file name without suffix), in the sources' order: the claims
    table's order, which the claims are written in."""
    ordered = sorted(files, key=lambda path: (path.stem, path.name))
    return [list(group) for _, group in groupby(ordered, key=lambda path: path.stem)]


def claim_documents(groups: list[list[Path]], errors: list[InputError], reference: Reference) -> Iterator[Loaded]:
    """Each claims file read when it is normalised, so that only one file's loaded lines are held at a time.
    Once the files of a source are normalised, its text is let go."""
    for group in groups:
        for path in group:
            with timings.stage("read"):
                document = read_checked(path, "claims", errors, ("claims",))
            if document:
                yield document
        reference.done_with(group[0].stem)


class ClaimStream:
    """Each source's claims, sorted as the claims table is (source, quote start, claim id), to write_claims (else
    kept in rows), and the facts of each for reconciliation. The files come in the order of their sources."""

    def __init__(self, write_claims: Callable[[list[dict]], None] | None):
        self.write_claims = write_claims
        self.rows: list[dict] = []
        self.facts: list[ClaimFacts] = []
        self.pending: list[dict] = []
        self.source: str | None = None

    def add(self, rows: list[dict]) -> None:
        """A document's rows; a source's rows go out once the next source starts (it may have two files)."""
        if not rows:
            return
        source = rows[0]["source_id"]
        if source != self.source:
            self.flush()
            if self.source is not None and source < self.source:
                raise RuntimeError(f"claims of {source} after those of {self.source}: files out of source order")
            self.source = source
        self.pending.extend(rows)

    def flush(self) -> None:
        self.pending.sort(key=lambda row: (row["quote_start"], row["claim_id"]))
        self.facts.extend(map(ClaimFacts, self.pending))
        if self.write_claims is None:
            self.rows.extend(self.pending)
        elif self.pending:
            with timings.stage("write"):
                self.write_claims(self.pending)
        self.pending = []
