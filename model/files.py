"""Write files whole or not at all: save to a temporary file beside the target, then rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import Workbook


def publish(temp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it onto `path`."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, path)


def atomic_save(book: Workbook, path: Path) -> Path:
    """Save an openpyxl workbook to `path` atomically; an interrupted save leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.part", dir=path.parent)
    os.close(handle)
    try:
        book.save(temp)
        publish(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    return path


def atomic_write_text(text: str, path: Path) -> Path:
    """Write `text` (UTF-8) to `path` whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        publish(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    return path
