"""Giving freed memory back to the system between the big steps of a solve."""

from __future__ import annotations

import ctypes
import gc
from functools import cache


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
