"""Money as a planner reads it: in M or bn USD, with the unit said once (in a title or a
header), instead of eleven-digit numbers. Tables keep exact USD; only charts, views and the
HTML report scale, and they name the unit they use."""

from __future__ import annotations

import math
from collections.abc import Iterable

SCALES = ((1e9, "bn USD"), (1e6, "M USD"), (1e3, "k USD"))
# Excel formats that show exact USD in M or bn (each trailing comma divides by 1,000)
EXCEL_MILLIONS = '#,##0.0,," M"'


def money_scale(values: Iterable[float]) -> tuple[float, str]:
    """(divisor, unit) for showing these USD amounts: bn USD when the largest is at least
    a billion, M USD from a million, k USD from a thousand, else USD."""
    largest = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    for divisor, unit in SCALES:
        if largest >= divisor:
            return divisor, unit
    return 1.0, "USD"


def money_text(value: float | None, digits: int = 1) -> str:
    """One amount in its own scale, e.g. '32.0 bn USD', '146.4 M USD' or '-' for none."""
    if value is None or not math.isfinite(value):
        return "-"
    divisor, unit = money_scale([value])
    return f"{value / divisor:,.{digits}f} {unit}"


def decimals_for(divisor: float, values: Iterable[float]) -> int:
    """Decimals for scaled values: none from 100, one from 1, else two."""
    largest = max((abs(v) / divisor for v in values if v is not None and math.isfinite(v)),
                  default=0.0)  # fmt: skip
    if largest >= 100:
        return 0
    return 1 if largest >= 1 else 2


def excel_number(decimals: int) -> str:
    """An Excel format with thousands separators and this many decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def excel_scaled(divisor: float, decimals: int = 1) -> str:
    """An Excel format that shows exact USD in the unit of `divisor` (1e6: M, 1e9: bn): each
    trailing comma divides by 1,000, so the cell keeps its exact value."""
    commas = round(math.log10(divisor) / 3) if divisor > 1 else 0
    return excel_number(decimals) + "," * commas
