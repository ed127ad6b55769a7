"""Storage: the store of record (``sql``: the SQL written once; ``sqlite``: the SQLite file podium runs on;
``postgres``: the same tables in PostgreSQL), its schema (``migrations``), the full-text index (``index``, ``text``,
``query``) and ``Database``, which keeps store and index in agreement; ``events`` holds the SQL of events,
``analytics`` and ``tables`` the reads behind analysis, trends and exports. This module only re-exports."""

from ..model import FILTERS, SORTS
from .base import content_hash
from .database import FACET_FIELDS, Database, index_path
from .sqlite import Store

__all__ = ["FACET_FIELDS", "FILTERS", "SORTS", "Database", "Store", "content_hash", "index_path"]
