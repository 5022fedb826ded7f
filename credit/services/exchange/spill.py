"""Validated rows of a large import kept in a temporary file while the file is checked and
written, so that the memory an import takes does not grow with its rows."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol


class ValidRow(Protocol):
    """A validated row of a file: its number in the file and the firm it concerns."""

    row: int
    uscc: str


# Rows read back at a time while the register is checked.
CHECK_CHUNK = 20_000
# Rows written to the file at a time.
WRITE_EVERY = 1_000


class RowSpill:
    """Valid rows in file order, then the new ones among them, read back a firm at a time.

    The rows are the registry's own, pickled into a file only this process writes and reads,
    in a folder the caller creates and removes.
    """

    def __init__(self, folder: Path):
        self._db = sqlite3.connect(folder / "rows.sqlite3", isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE valid (n INTEGER PRIMARY KEY, content BLOB NOT NULL);
            CREATE TABLE new (uscc TEXT NOT NULL, n INTEGER NOT NULL, content BLOB NOT NULL,
                              PRIMARY KEY (uscc, n)) WITHOUT ROWID;
            BEGIN;
            """
        )
        self.count = 0
        self._waiting: list[tuple[int, bytes]] = []

    def add(self, row: ValidRow) -> None:
        self.count += 1
        self._waiting.append((self.count, _packed(row)))
        if len(self._waiting) >= WRITE_EVERY:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO valid VALUES (?, ?)", self._waiting)
        self._waiting.clear()

    def in_file_order(self, size: int = CHECK_CHUNK) -> Iterator[list[ValidRow]]:
        """The valid rows, as many at a time."""
        self._flush()
        for first in range(1, self.count + 1, size):
            cursor = self._db.execute(
                "SELECT content FROM valid WHERE n >= ? AND n < ? ORDER BY n", (first, first + size)
            )
            yield [pickle.loads(content) for (content,) in cursor]

    def keep_new(self, rows: list[ValidRow]) -> None:
        """Rows the register does not hold yet, as the register's check left them."""
        self._db.executemany(
            "INSERT INTO new VALUES (?, ?, ?)", ((row.uscc, row.row, _packed(row)) for row in rows)
        )

    def new_by_firm(self, size: int) -> Iterator[list[ValidRow]]:
        """The new rows in chunks of about `size`, each firm's rows in one chunk."""
        chunk: list[ValidRow] = []
        for (content,) in self._db.execute("SELECT content FROM new ORDER BY uscc, n"):
            row = pickle.loads(content)
            if len(chunk) >= size and chunk[-1].uscc != row.uscc:
                yield chunk
                chunk = []
            chunk.append(row)
        if chunk:
            yield chunk

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RowSpill:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _packed(row: ValidRow) -> bytes:
    return pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
