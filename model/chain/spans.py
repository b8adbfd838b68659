"""Year spans of rows with optional first_year and last_year."""

from __future__ import annotations


def years_within(first: int | None, last: int | None, horizon: list[int]) -> list[int]:
    """The horizon's years inside [first, last]; a blank end is open."""
    return [t for t in horizon if (first is None or t >= first) and (last is None or t <= last)]
