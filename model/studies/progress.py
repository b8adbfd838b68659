"""Progress of a study: how many of its solves are done, reported as they finish."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


class Ticker:
    """Call it after each solve: it calls `progress(done, total)` (when given)."""

    def __init__(self, total: int, progress: Progress | None = None):
        self.total, self.progress, self.done = total, progress, 0

    def __call__(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
