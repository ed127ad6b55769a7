"""The SQLite store of record (the one podium runs on: one file, WAL): the connection, transactions and SQL
dialect under the shared SQL of ``podium.store.sql.SqlStore`` (writing briefings and annotations, the index queue,
reads, events); the analysis area's SQLite queries are in ``analytics``, the schema in ``migrations``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import NotFound, StoreError
from ..model import FILTERS
from .base import SPOKESPERSON_KEY, SqlDialect, check_date, content_hash, countries_of, filter_sql
from .migrations import SCHEMA_VERSION, migrate
from .sql import SqlStore

#: SQLite's spelling of what the shared SQL leaves to the dialect (the dialect's defaults).
SQLITE_SQL = SqlDialect()


class Store(SqlStore):
    """A podium SQLite database file (WAL). Thread-safe: each thread gets its own connection.

    ``read_only``: every connection is opened read-only (``mode=ro``: a write fails, a writer's commits are seen);
    the database must exist at the current schema (``Database`` migrates it first on a connection of its own)."""

    dialect = SQLITE_SQL

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only and self.path != ":memory:"
        if self.path != ":memory:" and not Path(self.path).exists():
            if not create or self.read_only:
                raise NotFound(f"no podium database at {self.path}; create one with `podium ingest PATH --db "
                               f"{self.path}` or `podium demo`")
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise StoreError(f"cannot create database {self.path}: folder {parent} does not exist")
        super().__init__()
        try:
            if not self.read_only:
                migrate(self.conn)
            elif (version := self.conn.execute("PRAGMA user_version").fetchone()[0]) != SCHEMA_VERSION:
                raise StoreError(f"{self.path} has schema version {version}, this podium {SCHEMA_VERSION}: open it "
                                 "once for writing (any podium command that writes) to migrate it")
        except ValueError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a podium database or is damaged: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.read_only:
                c = sqlite3.connect(f"{Path(self.path).absolute().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                    check_same_thread=False, timeout=30)
            else:
                c = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
                c.execute("PRAGMA journal_mode=WAL")  # a setting of the file, made by its writers
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        return c

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end unless the body already ended it, rolled back on any error."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only: nothing can be written through this connection")
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
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _ids_clause(self, c: sqlite3.Connection, column: str, ids: list[int]) -> tuple[str, list[Any]]:
        """Any number of ids as one parameter, a JSON array that SQLite reads itself (an IN list is limited by
        the bound parameters; a temporary table cost 0.2 s per 10,000 ids to fill, json_each a few ms)."""
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps([int(i) for i in ids])]


__all__ = ["FILTERS", "SPOKESPERSON_KEY", "SQLITE_SQL", "Store", "check_date", "content_hash", "countries_of",
           "filter_sql"]
