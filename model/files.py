"""Write files whole or not at all: save to a temporary file beside the target, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook


def publish(temp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it onto `path`."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, path)


@contextmanager
def written_whole(path: Path, suffix: str = ".part") -> Iterator[str]:
    """A temporary file beside `path` to write (its name is yielded), moved onto `path` when
    the block ends cleanly and removed when it does not: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield temp
        publish(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def atomic_save(book: Workbook, path: Path) -> Path:
    """Save an openpyxl workbook to `path` atomically; an interrupted save leaves no half file."""
    with written_whole(path, ".xlsx.part") as temp:
        book.save(temp)
    return path


def atomic_write_text(text: str, path: Path) -> Path:
    """Write `text` (UTF-8) to `path` whole or not at all."""
    path = Path(path)
    with written_whole(path) as temp, open(temp, "w", encoding="utf-8") as out:
        out.write(text)
    return path
