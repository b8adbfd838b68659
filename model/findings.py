"""Findings about input workbooks, and the error that carries them to the user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem found in an input: where it is, what is wrong and how to fix it."""

    severity: str  # "error" or "warning"
    sheet: str
    cell: str  # e.g. "Sites!F7", or "Sites" for the sheet as a whole
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.severity.upper()} {self.cell}: {self.message}"
        return f"{text} Fix: {self.hint}" if self.hint else text


class InputError(Exception):
    """Raised when an input cannot be used; carries every finding, not just the first."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        super().__init__("\n".join(str(f) for f in errors or findings))


def errors_in(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a solve."""
    return [f for f in findings if f.severity == "error"]
