"""One thread per worker process.

A study's worker (a local process or a Dask worker, studies.executor) solves one point at a
time on its own core. Two thread pools would otherwise start in it and wait for work by
spinning, taking the core from the other workers: the BLAS under numpy (held to one thread
with threadpoolctl) and HiGHS's task scheduler (option `threads`; HiGHS refuses a run whose
`threads` differs from the scheduler it already started, so the scheduler is reset first).
"""

from __future__ import annotations

import highspy

_highs_threads: int | None = None  # None: HiGHS's own choice


def one_thread_per_process() -> None:
    """Hold this process's BLAS and HiGHS to one thread each, from now on (idempotent)."""
    global _highs_threads
    if _highs_threads == 1:
        return
    import threadpoolctl  # only a study's workers need it, not every command's start

    threadpoolctl.threadpool_limits(1)
    highspy.Highs.resetGlobalScheduler(True)
    _highs_threads = 1


def highs_threads() -> int | None:
    """The `threads` option every new Highs object gets (None: left at HiGHS's default)."""
    return _highs_threads
