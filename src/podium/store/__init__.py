"""Storage: the SQLite store of record (``sqlite``), its schema (``migrations``), the full-text index
(``index``, ``text``, ``query``) and ``Database``, which keeps the two in agreement; ``analytics`` and ``tables``
hold the reads behind analysis, trends and exports."""

from .database import FACET_FIELDS, SORTS, Database, index_path
from .sqlite import FILTERS, Store, content_hash

__all__ = ["FACET_FIELDS", "FILTERS", "SORTS", "Database", "Store", "content_hash", "index_path"]
