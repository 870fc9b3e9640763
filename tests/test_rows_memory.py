"""What the build lets go of as it goes: each article once its claims are normalised, each reconciled table once
it is written, the memos of phrases read once every row is made. The rows must be the same as when everything
is kept."""
from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from etl import memos
from etl.errors import InputError
from etl.normalise.reference import read_reference
from etl.publish import pipeline
from etl.publish.rows import TABLE_ORDER, _claim_documents, collect_rows


def test_tables_handed_on_as_they_are_made_are_the_tables_kept():
    kept = collect_rows()
    handed: dict[str, list[dict]] = {}
    streamed = collect_rows(lambda rows: handed.setdefault("claims", []).extend(rows),
                            lambda name, rows: handed.setdefault(name, []).extend(rows))
    assert list(streamed) == list(kept) == list(TABLE_ORDER)
    assert all(rows == [] for rows in streamed.values())
    assert all(kept[name] for name in TABLE_ORDER if name not in ("claim_conflicts", "external_evidence"))
    assert {name: handed.get(name, []) for name in TABLE_ORDER} == kept


def test_an_article_is_let_go_once_the_claims_of_its_source_are_read():
    errors: list[InputError] = []
    reference = read_reference(errors)
    order = []
    for document in _claim_documents(errors, reference):
        source_id = document.data["source_id"]
        source = reference.sources[source_id]
        assert source.text and source.folded.folded, source_id
        assert [s for s in order if s != source_id and reference.sources[s].text is not None] == []
        order.append(source_id)
    assert not errors and len(set(order)) >= 2


def test_done_with_a_source_drops_its_text_and_what_was_found_in_it():
    reference = read_reference([])
    first, second = list(reference.sources)[:2]
    reference.named_in = {first: {"someone": True}, second: {"someone": False}}
    reference.done_with(first)
    assert (reference.sources[first].text, reference.sources[first].folded) == (None, None)
    assert reference.sources[second].text and reference.named_in == {second: {"someone": False}}
    reference.done_with("no-such-source")


def test_the_memos_of_phrases_read_are_let_go_once_every_row_is_made():
    sizes = {}
    collect_rows(lambda rows: None, lambda name, rows: sizes.setdefault(name, [memo.cache_info().currsize
                                                                              for memo in memos._MEMOS]))
    assert sum(sizes["claims"]) > 0  # phrases were held while the last table was made
    assert [memo.cache_info().currsize for memo in memos._MEMOS] == [0] * len(memos._MEMOS)


def test_giving_memory_back_forgets_every_memo_and_keeps_working(monkeypatch):
    monkeypatch.setattr(memos, "_MEMOS", [])
    remembered = memos.memo(maxsize=None)(lambda phrase: [phrase])
    assert remembered("at least") is remembered("at least")
    memos.give_back()
    assert remembered.cache_info().currsize == 0 and remembered("at least") == ["at least"]


def test_the_collector_is_off_while_the_rows_are_made_and_on_again_after(monkeypatch, tmp_path):
    assert gc.isenabled()
    during = []

    def rows(*handlers):
        during.append(gc.isenabled())
        raise RuntimeError("a build that fails half-way")
    monkeypatch.setattr(pipeline, "collect_rows", rows)
    with pytest.raises(RuntimeError, match="half-way"):
        pipeline._write(tmp_path / "claims.db")
    assert during == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_after_the_rows():
    gc.disable()
    try:
        with memos.no_collections():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


CYCLES_LEFT_BY_THE_ROWS = """
import gc
from etl.publish.rows import collect_rows

collect_rows()  # the first build imports and fills caches that live on
gc.collect()
gc.disable()
rows = collect_rows()
print(len(rows["claims"]), gc.collect())
"""


def test_the_rows_are_made_without_a_reference_cycle_so_the_collector_can_stay_off():
    """With the collector off (memos.no_collections), whatever a build leaves in cycles stays until the build
    ends: none from the rows, which grow with the claims. In a process of its own: no other thread's cycles."""
    result = subprocess.run([sys.executable, "-c", CYCLES_LEFT_BY_THE_ROWS], capture_output=True, text=True,
                            check=True)
    claims, left_in_cycles = map(int, result.stdout.split())
    assert claims > 0
    assert left_in_cycles == 0


IN_THE_HEAP_AFTER_A_BIG_FREE = """
import contextlib
import ctypes
import sys
from etl import memos

def in_the_heap(block: bytearray) -> bool:
    address = ctypes.addressof((ctypes.c_char * len(block)).from_buffer(block))
    with open("/proc/self/maps") as maps:
        heap = next(line.split()[0] for line in maps if line.rstrip().endswith("[heap]"))
    start, end = (int(part, 16) for part in heap.split("-"))
    return start <= address < end

with memos.no_collections() if sys.argv[1] == "apart" else contextlib.nullcontext():
    freed = bytearray(1 << 20)
    del freed
    print(in_the_heap(bytearray(512 << 10)))
"""


@pytest.mark.parametrize("kept, in_the_heap", [("apart", "False"), ("as glibc decides", "True")])
def test_while_rows_are_made_a_big_block_is_not_in_the_heap(kept, in_the_heap):
    """Once a 1 MiB block is freed, glibc serves the next 512 KiB one from the heap, unless told to keep them apart."""
    result = subprocess.run([sys.executable, "-c", IN_THE_HEAP_AFTER_A_BIG_FREE, kept], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == in_the_heap
