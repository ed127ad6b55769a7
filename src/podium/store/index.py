"""The full-text index of exchanges: a tantivy index in a directory beside the database (``FILE.index/``).

Why tantivy and not SQLite FTS5 — measured on this 2-core machine, real MFA exchanges resampled to 1M rows,
200 word/phrase/AND queries, ranked top 10 (``benchmarks/bench_search.py --scale 1000000 --fts5``, one run, load
average ~7 from other jobs): bare FTS5 ``ORDER BY bm25`` p50 43 ms, p95 247 ms (it scores every match before it
can sort); bare tantivy p50 0.37 ms, p95 9.3 ms; podium's own search on this index (query parsing, total count,
rows from SQLite, highlighting) p50 6.9 ms, p95 17.9 ms. A quieter re-run with the final index (load ~2):
podium p50 2.2 ms, p95 5.2 ms; bare tantivy p50 0.35 ms, p95 3.8 ms. FTS5 would also need a second table for
exact vs stemmed words. So: tantivy, with SQLite as the store of record.

The index is derived data: SQLite is the truth. Per exchange the index holds two text fields — ``exact``
(lowercased, accent-folded words with positions; phrases, quoted words and prefixes run here) and ``stem``
(the same words Snowball-stemmed, frequencies only; unquoted words run here) — with question and answer as
two values, so that a phrase never spans the two (tantivy leaves a position gap between values); and the
filter/facet fields as raw, fast columns. Nothing is stored but ids: hits are read back from SQLite.

Tokenising is tantivy's: podium hands it each text once (``text.index_text``: NFC, Han characters spaced out so
that tantivy's simple tokenizer makes each one a word, Han bigrams for ``han2``, the stemmed field without Han
characters) in one ``Document`` call, and a rebuild fills the index in one commit with a 200 MB writer heap.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from ..errors import StoreError
from .text import EXACT_ANALYZER, STEM_ANALYZER, analyzers, index_text

#: Bump when the fields or analyzers change: an index of another version is rebuilt from the store.
INDEX_VERSION = "5"  # 5: simple tokenizer over Han-spaced text; 4: spokesperson field holds the person key

#: Raw (untokenised) fields used for filters and facets.
KEYWORD_FIELDS = ("lang", "spokesperson", "outlet", "outlet_type", "year", "clarity", "country")


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("exact", tokenizer_name=EXACT_ANALYZER, index_option="position")
    # no positions: phrases always run on the exact field, so stemmed terms need only frequencies
    sb.add_text_field("stem", tokenizer_name=STEM_ANALYZER, index_option="freq")
    # Han character bigrams (see podium.store.text): Chinese words of 2+ characters run here
    sb.add_text_field("han2", tokenizer_name="whitespace", index_option="position")
    sb.add_integer_field("exchange_id", indexed=True, fast=True)
    sb.add_integer_field("briefing_id", indexed=True, fast=True)
    sb.add_integer_field("date", indexed=True, fast=True)  # YYYYMMDD
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    return sb.build()


@dataclass
class IndexDoc:
    """What the index knows about one exchange."""

    exchange_id: int
    briefing_id: int
    date: str  # YYYY-MM-DD
    question: str
    answer: str
    lang: str | None = None
    spokesperson: str | None = None
    outlet: str | None = None
    outlet_type: str | None = None
    clarity: str | None = None
    countries: tuple[str, ...] = ()


class IndexBusy(StoreError):
    """Another process holds the index writer."""


class FullTextIndex:
    """A tantivy index directory; open it for reading, take the writer only to change it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.schema = build_schema()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None

    # ---- opening ----------------------------------------------------------------------------------------

    def exists(self) -> bool:
        try:
            return self.path.is_dir() and tantivy.Index.exists(str(self.path))
        except Exception:
            return False

    def open(self, *, create: bool = True) -> tantivy.Index:
        if self._index is None:
            if not self.exists():
                if not create:
                    raise FileNotFoundError(str(self.path))
                self.path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            for name, analyzer in analyzers().items():
                index.register_tokenizer(name, analyzer)
            self._index = index
        return self._index

    def destroy(self) -> None:
        """Delete the directory (before a rebuild)."""
        self.close()
        if self.path.exists():
            shutil.rmtree(self.path)

    def close(self) -> None:
        if self._writer is not None:
            try:
                self._writer.rollback()
            except Exception:
                pass
            self._writer = None
        self._index = None

    # ---- writing ----------------------------------------------------------------------------------------

    def writer(self, *, heap: int = 96_000_000, threads: int = 1) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.open().writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:  # LockBusy: another process is writing
                raise IndexBusy(f"the full-text index {self.path} is being written by another process (an ingest "
                                f"or analyse still running?); try again when it has finished ({exc})") from exc
        return self._writer

    @staticmethod
    def _document(d: IndexDoc) -> tantivy.Document:
        # one call into tantivy per document, tokenising left to its analyzers (in its indexing threads)
        q, q_stem, q_han = index_text(d.question)
        a, a_stem, a_han = index_text(d.answer)
        fields: dict[str, Any] = {"exact": [q, a], "stem": [q_stem, a_stem], "exchange_id": d.exchange_id,
                                  "briefing_id": d.briefing_id, "date": int(d.date.replace("-", "")),
                                  "year": d.date[:4]}
        han = [t for t in (q_han, a_han) if t]
        if han:
            fields["han2"] = han
        for name in ("lang", "spokesperson", "outlet", "outlet_type", "clarity"):
            value = getattr(d, name)
            if value:
                fields[name] = value
        if d.countries:
            fields["country"] = list(d.countries)
        return tantivy.Document(**fields)

    def replace_briefings(self, briefing_ids: Iterable[int], docs: Iterable[IndexDoc]) -> None:
        """Remove these briefings' exchanges and add ``docs`` (not committed yet)."""
        w = self.writer()
        for bid in briefing_ids:
            w.delete_documents_by_term("briefing_id", int(bid))
        for d in docs:
            w.add_document(self._document(d))

    def add(self, docs: Iterable[IndexDoc]) -> int:
        w = self.writer()
        n = 0
        for d in docs:
            w.add_document(self._document(d))
            n += 1
        return n

    def clear(self) -> None:
        self.writer().delete_all_documents()

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None  # releases the lock so that other processes may write
            self.open().reload()

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    # ---- reading ----------------------------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        index = self.open()
        return index.searcher()

    def reload(self) -> None:
        if self._index is not None:
            self._index.reload()

    def num_docs(self) -> int:
        return self.searcher().num_docs

    def all_exchange_ids(self) -> set[int]:
        """Every exchange id in the index (for consistency checks)."""
        s = self.searcher()
        n = s.num_docs
        if not n:
            return set()
        res = s.search(tantivy.Query.all_query(), limit=n, count=False)
        addrs = [a for _, a in res.hits]
        return set(s.fast_field_values("exchange_id", addrs))

    def search(self, query: tantivy.Query, *, limit: int, offset: int = 0, sort: str = "relevance",
               count: bool = True) -> tuple[int, list[tuple[float, int]]]:
        """(total, [(score or date, exchange_id)])."""
        s = self.searcher()
        if sort == "date":
            res = s.search(query, limit=limit, offset=offset, count=count, order_by_field="date",
                           order=tantivy.Order.Desc)
        elif sort == "date_asc":
            res = s.search(query, limit=limit, offset=offset, count=count, order_by_field="date",
                           order=tantivy.Order.Asc)
        else:
            res = s.search(query, limit=limit, offset=offset, count=count)
        addrs = [a for _, a in res.hits]
        ids = s.fast_field_values("exchange_id", addrs) if addrs else []
        total = res.count if count and res.count is not None else len(addrs)
        return total, [(score, int(eid)) for (score, _), eid in zip(res.hits, ids, strict=True)]

    def facets(self, query: tantivy.Query, fields: Iterable[str], size: int = 100) -> dict[str, dict[str, int]]:
        aggs: dict[str, Any] = {f: {"terms": {"field": f, "size": size}} for f in fields}
        out = self.searcher().aggregate(query, aggs)
        return {f: {b["key"]: b["doc_count"] for b in out.get(f, {}).get("buckets", [])} for f in aggs}
