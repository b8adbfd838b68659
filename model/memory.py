"""The memory tricks of a large solve, in one place, behind named helpers.

A model of a million columns is millions of small Python objects, none of them garbage
while it is built; Python's cyclic collector would walk them again and again. So the big
steps pause it (`collection_paused`), set aside what lived before them (`heap_set_aside`),
collect only the young objects a spent model leaves (`collect_young`) and give freed pages
back to the system (`release_memory`). No other module imports gc.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off meanwhile (nests: only the outermost pause
    turns it back on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def heap_set_aside() -> Iterator[None]:
    """Everything alive now is set aside from the collector meanwhile (gc.freeze), so a
    collection inside walks only the objects made since."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def collect() -> None:
    """A full collection (Pyomo models hold reference cycles)."""
    gc.collect()


def collect_young() -> None:
    """Collect the two young generations only: a model made while the collector was paused
    is all there, so it is freed without walking the old heap."""
    gc.collect(1)


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, Windows, musl)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):
        return None


def release_memory(collect: bool = True) -> None:
    """Collect Python's garbage (with `collect`) and return the C heap's free pages.

    glibc keeps freed blocks, HiGHS's and numpy's among them, for its own later use, so the
    process's resident size does not fall when they are freed; malloc_trim(0) hands every
    whole free page back. Elsewhere only the collection is done."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
