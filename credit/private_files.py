"""Files only the registry's own account may read: the instance folder, the database, keys, passwords."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# SQLite creates these beside the database with the database file's own mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


def private_folder(path: Path) -> Path:
    """The folder, created with any missing parents for the owner only; an existing one is
    narrowed to that too, since it holds nothing anyone else should read."""
    _make_folders(path)
    _narrow(path, FOLDER_MODE)
    return path


def private_database_file(path: Path) -> Path:
    """A SQLite database file created empty and owner-only before SQLite opens it, so its WAL and
    shared-memory files get the same mode; missing folders above it are created owner-only
    (an existing folder is left as it is: it may be shared, like /tmp)."""
    _make_folders(path.parent)
    _create(path)
    for companion in (path, *(path.with_name(path.name + s) for s in SQLITE_COMPANIONS)):
        if companion.exists():
            _narrow(companion, FILE_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Writes the file owner-only from its first byte; an existing file is narrowed first."""
    _make_folders(path.parent)
    _create(path)
    _narrow(path, FILE_MODE)
    path.write_text(text, encoding="utf-8")


def write_private_bytes(path: Path, content: bytes) -> None:
    """Like `write_private_text`, for bytes; the folder above must exist."""
    _create(path)
    _narrow(path, FILE_MODE)
    path.write_bytes(content)


def _make_folders(path: Path) -> None:
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            folder.mkdir(mode=FOLDER_MODE)


def _create(path: Path) -> None:
    # os.open applies the mode at creation, so the file is never readable by others, not even
    # for a moment; O_EXCL leaves an existing file (and its contents) alone.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def _narrow(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
    except PermissionError:
        log.warning(
            "cannot make %s readable by its owner only: it belongs to another account", path
        )
