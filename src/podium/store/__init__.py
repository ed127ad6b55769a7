"""Storage: the store of record (``sql``: the SQL written once; ``sqlite``: the SQLite file podium runs on;
``postgres``: the same tables in PostgreSQL), its schema (``migrations``), the full-text index (``index``, ``text``,
``query``) and ``Database``, which keeps store and index in agreement; ``events`` holds the SQL of events,
``analytics`` and ``tables`` the reads behind analysis, trends and exports. This module only re-exports."""

from ..model import FILTERS, SORTS
from .base import content_hash
from .database import FACET_FIELDS, Database, index_path
from .sqlite import Store

__all__ = ["FACET_FIELDS", "FILTERS", "SORTS", "Database", "Store", "content_hash", "index_path"]

# the reads behind the facade's tables and filters (podium.api imports them from here, not from the modules)
from .analytics import (  # noqa: E402
    event_kinds,
    event_stats,
    event_units,
    exchanges_with_country,
    exchanges_with_formulation,
    find_formulation,
    outlet_rows,
    read_formulations,
)
from .events import difference_rows, spokesperson_names  # noqa: E402
from .sqlite import check_date  # noqa: E402

__all__ += ["check_date", "difference_rows", "event_kinds", "event_stats", "event_units", "exchanges_with_country",
            "exchanges_with_formulation", "find_formulation", "outlet_rows", "read_formulations", "spokesperson_names"]
