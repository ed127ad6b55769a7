"""The SQLite store of record (the one podium runs on: one file, WAL): the connection, transactions and SQL
dialect under the shared SQL of ``podium.store.sql.SqlStore`` (writing briefings and annotations, the index queue,
reads, events); the analysis area's SQLite queries are in ``analytics``, the schema in ``migrations``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import NotFound, StoreError
from ..model import FILTERS
from .base import SPOKESPERSON_KEY, SqlDialect, check_date, content_hash, countries_of, filter_sql
from .migrations import migrate
from .sql import SqlStore

SQLITE_SQL = SqlDialect(
    equals_ci=lambda expr: f"{expr} = ? COLLATE NOCASE",
    contains=lambda col: f"instr({col}, ?) > 0",
    fine_of=lambda col: f"json_extract({col}, '$.fine')",
    next_seq="(SELECT coalesce(max(seq), 0) + 1 FROM index_pending)",
    json_agg="json_group_array",
    json_array="json_array",
    max_in=500,  # well under SQLite's limit on bound parameters
    in_list=lambda col, values: (f"{col} IN ({','.join('?' * len(values))})", list(values)),
)


class Store(SqlStore):
    """A podium SQLite database file (WAL). Thread-safe: each thread gets its own connection."""

    dialect = SQLITE_SQL

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not Path(self.path).exists():
            if not create:
                raise NotFound(f"no podium database at {self.path}; create one with `podium ingest PATH --db "
                               f"{self.path}` or `podium demo`")
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise StoreError(f"cannot create database {self.path}: folder {parent} does not exist")
        super().__init__()
        try:
            migrate(self.conn)
        except ValueError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a podium database or is damaged: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        try:
            c = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        return c

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end unless the body already ended it, rolled back on any error."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        if c.in_transaction:
            c.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own, so that a long read does not hold this thread's connection."""
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        finally:
            conn.close()

    def _ids_clause(self, c: sqlite3.Connection, column: str, ids: list[int]) -> tuple[str, list[Any]]:
        """Any number of ids, through a temporary table (an IN list is limited by SQLite's bound parameters)."""
        c.execute("CREATE TEMP TABLE IF NOT EXISTS _ids(id INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM _ids")
        c.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", [(i,) for i in ids])
        return f"{column} IN (SELECT id FROM _ids)", []


__all__ = ["FILTERS", "SPOKESPERSON_KEY", "SQLITE_SQL", "Store", "check_date", "content_hash", "countries_of",
           "filter_sql"]
