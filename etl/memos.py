"""Memos of values read once per spelling, the garbage collector off while rows are made, and giving memory back
to the system when a stage ends."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable)
_MEMOS: list = []
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own default, kept instead of raised


def memo(maxsize: int | None) -> Callable[[F], F]:
    """lru_cache, forgotten by forget(): for what is read many times while the claims are normalised and never
    again after. Results must be immutable (they are shared by every caller)."""
    def remember(function: F) -> F:
        cached = lru_cache(maxsize=maxsize)(function)
        _MEMOS.append(cached)
        return cached  # type: ignore[return-value]
    return remember


def forget() -> None:
    """Empty every memo. At a million claims they hold a few hundred thousand small objects made all through the
    build and spread over the whole heap: while one object lives, the memory around it cannot be reused whole
    or go back to the system."""
    for cached in _MEMOS:
        cached.cache_clear()


@contextmanager
def no_collections() -> Iterator[None]:
    """The cyclic garbage collector off while the rows are made. Nearly every object the build makes lives to its
    end (the reference, each claim's facts), and the build makes ten cyclic objects in all, at ten thousand claims
    as at a million, collected once the collector is on again. A collection, even of the youngest generation,
    reads every object its young objects refer to: at a million claims, claims' facts all over the heap. The
    young collections alone (36 of them at a million claims, none at ten thousand) cost reconciliation a tenth of
    its time. Big blocks are kept apart from the heap meanwhile (keep_big_blocks_apart). The writer process, forked
    inside, inherits both settings."""
    enabled = gc.isenabled()
    gc.disable()
    keep_big_blocks_apart()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def give_back() -> None:
    """forget(), collect what only cycles keep, and hand the free memory to the system (glibc keeps freed blocks
    for reuse otherwise): before a child process starts, whose memory comes on top of this one's."""
    forget()
    gc.collect()
    _trim()


def keep_big_blocks_apart() -> None:
    """Blocks of 128 KiB and more each in a mapping of its own, given back whole when freed, for the rest of the
    process (and the processes it forks). glibc otherwise raises that threshold to the largest block freed so
    far (up to 32 MiB): once a batch of claims (about 800 KiB) had gone to the writer, blocks up to that size
    came from the heap, between objects that live to the end, and the build's peak rose by 30 MiB in 4 runs of
    7 at a million claims."""
    _glibc("mallopt", M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def _trim() -> None:
    _glibc("malloc_trim", 0)


def _glibc(function: str, *arguments: int) -> None:
    """A function of glibc's allocator; without glibc (musl, macOS) nothing: their allocators have their own rules,
    and the memory stays with the process until it ends."""
    try:
        getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), function)(*arguments)
    except (OSError, AttributeError):
        pass
