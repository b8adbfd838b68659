"""Turning raw spreadsheet cells into typed values, as people really type them."""

from __future__ import annotations

import math
from typing import Any

TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0"}


class CellError(ValueError):
    """A cell that cannot be read as the type its column wants; the message says why."""


def is_blank(raw: Any) -> bool:
    """None, empty or whitespace-only text, or NaN."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    return isinstance(raw, float) and math.isnan(raw)


def to_text(raw: Any) -> str:
    """Text with surrounding spaces removed; whole numbers typed as 2026.0 read as '2026'."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def to_float(raw: Any, percent_unit: bool = False) -> float:
    """A number from a number cell or text such as '1,200', ' 3.5 ' or '25%'.

    A trailing '%' divides by 100 unless the column's own unit is percent (tariff_pct),
    where '25%' and 25 mean the same.
    """
    if isinstance(raw, bool):
        raise CellError(f"expected a number, found {raw!r}")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", "").replace("_", "").replace(" ", "")
        scale = 1.0
        if text.endswith("%"):
            text = text[:-1]
            scale = 1.0 if percent_unit else 0.01
        try:
            value = float(text) * scale
        except ValueError:
            raise CellError(f"expected a number, found {to_text(raw)!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise CellError(f"expected a finite number, found {raw!r}")
    return value


def to_int(raw: Any) -> int:
    """A whole number (years), accepting 2026.0 and '2026'."""
    value = to_float(raw)
    if not value.is_integer():
        raise CellError(f"expected a whole number, found {to_text(raw)!r}")
    return int(value)


def to_bool(raw: Any) -> bool:
    """yes/no/true/false/1/0 in any case."""
    if isinstance(raw, bool):
        return raw
    word = to_text(raw).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"expected yes or no, found {to_text(raw)!r}")


def to_list(raw: Any) -> list[str]:
    """Comma- or semicolon-separated text as a list of trimmed, non-empty items."""
    items = to_text(raw).replace(";", ",").split(",")
    return [item.strip() for item in items if item.strip()]


def coerce(raw: Any, dtype: str, percent_unit: bool = False) -> Any:
    """Convert one non-blank cell to the column's dtype, or raise CellError."""
    if dtype == "float":
        return to_float(raw, percent_unit)
    if dtype == "int":
        return to_int(raw)
    if dtype == "bool":
        return to_bool(raw)
    if dtype == "list":
        return to_list(raw)
    if dtype == "any":
        return raw.strip() if isinstance(raw, str) else raw
    return to_text(raw)
