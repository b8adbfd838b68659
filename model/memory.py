"""The memory tricks of a large solve, in one place, behind named helpers.

A model of a million columns is millions of small Python objects, none of them garbage
while it is built; Python's cyclic collector would walk them again and again. So the big
steps pause it (`collection_paused`), set aside what lived before them (`heap_set_aside`),
collect only the young objects a spent model leaves (`collect_young`) and give freed pages
back to the system (`release_memory`), or do the building in a child process whose memory
all goes back when it ends (`in_child`). No other module imports gc.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TypeVar

T = TypeVar("T")


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


def can_fork() -> bool:
    """Whether `in_child` runs its function in a child process here (POSIX fork)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def rss_mb() -> float:
    """This process's resident size now (MB; 0 where /proc is missing)."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def private_mb() -> float:
    """Memory this process does not share with its parent (MB): what a child built."""
    try:
        with open(f"/proc/{os.getpid()}/smaps_rollup") as rollup:
            fields = dict(line.split(":", 1) for line in rollup if ":" in line)
        kb = sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty"))
        return kb / 1024
    except (OSError, ValueError, KeyError):
        return 0.0


def in_child(function: Callable[[], T]) -> T:
    """`function()` run in a forked child process and its result pickled back; run here
    where fork is not available (Windows, macOS).

    Millions of small objects made and freed in a process leave its heap scattered: a few
    survivors pin whole arenas, so the process stays large after they are freed. Made in a
    child, they all go back to the system when it exits, and only the (compact) result
    comes back. An exception in the child is raised here."""
    if not can_fork():
        return function()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                try:
                    result = (True, function())
                except BaseException as exc:
                    result = (False, exc)
                # streamed: neither side holds a second, pickled copy of the arrays
                try:
                    pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:
                    failed = RuntimeError(f"{type(exc).__name__}: {exc}")
                    pickle.dump((False, failed), out)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as inp:
            ok, value = pickle.load(inp)
    except Exception as exc:
        raise RuntimeError(f"the child process gave no result ({type(exc).__name__})") from exc
    finally:
        os.waitpid(pid, 0)
    if not ok:
        raise value
    return value
