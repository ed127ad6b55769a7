"""The Podium facade: ingest, search, read, measure and export — what the CLI and the web call.

CONTRACT (agreed between areas; change a signature only together with every caller):
every method returns plain Python data (dataclasses / dicts / lists) or a pandas DataFrame, raises only
PodiumError subclasses for user-caused problems, and never exposes SQL.

Owners: the store area implements ingest .. reindex; the analysis area implements analyse .. evaluate;
the fetch area implements fetch. Bodies still raising NotImplementedError are work in progress.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .model import IngestReport


def default_db_path() -> str:
    return os.environ.get("PODIUM_DB", "podium.db")


class Podium:
    """One podium database.

    >>> pod = Podium("podium.db")
    >>> pod.ingest(["../shared/corpus/mfa/en"])
    >>> pod.search('"shared future"', limit=5)
    >>> df = pod.exchanges(outlet="AFP", date_from="2019-01-01")
    """

    def __init__(self, db: str | Path | None = None, *, create: bool = True) -> None:
        self.path = str(db if db is not None else default_db_path())
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Podium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- store area ---------------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], *, format: str | None = None, analyse: bool = True,
               progress: bool = False) -> IngestReport:
        """Parse and store files or folders (recursively). Each file is its own transaction; a bad file is
        reported in the IngestReport and the batch goes on."""
        raise NotImplementedError

    def search(self, query: str, *, exact: bool = False, date_from: str | None = None,
               date_to: str | None = None, spokesperson: str | None = None, outlet: str | None = None,
               outlet_type: str | None = None, lang: str | None = None, country: str | None = None,
               clarity: str | None = None, sort: str = "relevance", limit: int = 20,
               offset: int = 0) -> dict[str, Any]:
        """Full-text search over exchanges.

        Returns {"query", "total", "hits": [{"exchange_id", "briefing_id", "n", "date", "lang", "title",
        "spokesperson", "asker", "outlet", "outlet_type", "follow_up", "question", "answer",
        "question_highlighted", "answer_highlighted", "snippet", "score", "source", "url"}],
        "facets": {"spokesperson": {name: count}, "outlet": {...}, "outlet_type": {...}, "lang": {...},
        "year": {...}, "clarity": {...}}}. Highlights wrap matches in <mark>...</mark> on HTML-escaped text.
        """
        raise NotImplementedError

    def kwic(self, term: str, *, window: int = 8, sentence: bool = False, limit: int = 100,
             **filters: Any) -> list[dict[str, Any]]:
        """Keyword-in-context lines: [{"exchange_id", "date", "field" ("question"|"answer"), "left",
        "keyword", "right"}], window = words each side, or the whole sentence with sentence=True."""
        raise NotImplementedError

    def exchanges(self, **filters: Any) -> pd.DataFrame:
        """One row per exchange with briefing fields and every annotation (same filters as search)."""
        raise NotImplementedError

    def briefing(self, briefing_id: int) -> dict[str, Any]:
        """A briefing with its turns and exchanges (and their annotations), and prev/next briefing ids."""
        raise NotImplementedError

    def exchange(self, exchange_id: int) -> dict[str, Any]:
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        """Briefings, exchanges, date range, counts by spokesperson, outlet, language."""
        raise NotImplementedError

    def export(self, format: str, output: str | Path | None = None, **filters: Any) -> str | None:
        """Write exchanges as csv, jsonl or parquet to output (or return the text for csv/jsonl)."""
        raise NotImplementedError

    def reindex(self) -> int:
        """Rebuild the full-text index from the store; returns exchanges indexed."""
        raise NotImplementedError

    # ---- analysis area ------------------------------------------------------------------------------------

    def analyse(self, *, redo: bool = False, passes: Iterable[str] | None = None) -> dict[str, int]:
        """Run analysis passes over stored exchanges; returns annotations written per pass."""
        raise NotImplementedError

    def formulations(self, *, new_since: str | None = None, limit: int = 100) -> pd.DataFrame:
        raise NotImplementedError

    def trend(self, term: str | None = None, *, country: str | None = None, formulation: str | None = None,
              by: str = "month", per: str | None = None, **filters: Any) -> pd.DataFrame:
        """Briefings per period mentioning it, normalised by briefings held, with explicit zeros."""
        raise NotImplementedError

    def outlets(self) -> pd.DataFrame:
        raise NotImplementedError

    # ---- fetch area ---------------------------------------------------------------------------------------

    def fetch(self, site: str = "mfa", **options: Any) -> dict[str, Any]:
        raise NotImplementedError
