"""The full-text index of exchanges: a tantivy index in a directory beside the database (``FILE.index/``).

Why tantivy and not SQLite FTS5 — measured on this 2-core machine, real MFA exchanges resampled to 1M rows,
200 word/phrase/AND queries, ranked top 10 (``benchmarks/bench_search.py --scale 1000000 --fts5``, one run, load
average ~7 from other jobs): bare FTS5 ``ORDER BY bm25`` p50 43 ms, p95 247 ms (it scores every match before it
can sort); bare tantivy p50 0.37 ms, p95 9.3 ms; podium's own search on this index (query parsing, total count,
rows from SQLite, highlighting) p50 6.9 ms, p95 17.9 ms. A quieter re-run with the final index (load ~2):
podium p50 2.2 ms, p95 5.2 ms; bare tantivy p50 0.35 ms, p95 3.8 ms. FTS5 would also need a second table for
exact vs stemmed words. So: tantivy, with SQLite as the store of record.

The index is derived data: SQLite is the truth. Per exchange the index holds one text field, ``exact``: the
words lowercased and accent-folded, each run of Han characters as its overlapping bigrams, with positions
(phrases, quoted words, prefixes and Chinese words run here), question and answer as two values, so that a
phrase never spans the two (tantivy leaves a position gap between values); and the filter/facet fields as raw,
fast columns. Nothing is stored but ids: hits are read back from SQLite. An unquoted word is looked up as every
word of the term dictionary with its stem (``stem_terms``; index version 5 kept a second, stemmed field, which
cost about a tenth of a rebuild to save a dictionary walk of 0.05-2 ms per new word at 1M exchanges).

Tokenising is tantivy's: podium hands it each text once (``text.index_texts``: NFC, lowercased, each Han run
rewritten as its bigrams, for many texts at once) in one ``Document`` call, and a rebuild fills the index in one
commit, with one indexing thread per core (at most 8) and 100 MB of writer heap each.
``benchmarks/bench_search.py --scale 200000 --engine`` prints the build beside a bare tantivy index of the raw
text and beside tantivy indexing podium's prepared text on its own (the engine's share).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import tantivy

from ..errors import StoreError
from .text import EXACT_ANALYZER, analyzers, index_texts, stem, stem_starts, stemmable

#: Bump when the fields or analyzers change: an index of another version is rebuilt from the store.
INDEX_VERSION = "6"  # 6: one word field, Han runs as bigrams; 5: Han-spaced text + stem + han2; 4: person key

#: The one word field: words lowercased and accent-folded, each run of Han characters as its bigrams.
EXACT_FIELD = "exact"

#: Raw (untokenised) fields used for filters and facets.
KEYWORD_FIELDS = ("lang", "spokesperson", "outlet", "outlet_type", "year", "clarity", "country")


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field(EXACT_FIELD, tokenizer_name=EXACT_ANALYZER, index_option="position")
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


def build_threads() -> int:
    """Indexing threads for a rebuild: the cores this process may run on, at most 8 (the documents come from one
    Python thread, which more indexing threads do not speed up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


#: Writer heap per indexing thread for a rebuild (a 200 MB heap for two threads was measured at 200k and 1M
#: exchanges; a 1 GB heap saved 7% at 1M for 350 MB more memory).
BUILD_HEAP_PER_THREAD = 100_000_000


class IndexBusy(StoreError):
    """Another process holds the index writer."""


class FullTextIndex:
    """A tantivy index directory; open it for reading, take the writer only to change it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.schema = build_schema()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._stems: dict[str, list[str]] = {}  # stem -> the index's words with it, until the index changes
        self._seen: tuple[int, int] | None = None  # the commit the searcher was last moved to (``fresh``)

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
        self._stems.clear()

    # ---- writing ----------------------------------------------------------------------------------------

    def writer(self, *, heap: int = 96_000_000, threads: int = 1) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.open().writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:  # LockBusy: another process is writing
                raise IndexBusy(f"the full-text index {self.path} is being written by another process (an ingest "
                                f"or analyse still running?); try again when it has finished ({exc})") from exc
        return self._writer

    #: Documents prepared per call of ``index_texts`` (its numpy work pays per batch, not per text).
    BATCH = 2048

    @staticmethod
    def _documents(docs: list[IndexDoc]) -> Iterator[tantivy.Document]:
        # one call into tantivy per document, tokenising left to its analyzers (in its indexing threads)
        texts = index_texts([t for d in docs for t in (d.question, d.answer)])
        for i, d in enumerate(docs):
            words = texts[2 * i:2 * i + 2]
            fields: dict[str, Any] = {EXACT_FIELD: words, "exchange_id": d.exchange_id,
                                      "briefing_id": d.briefing_id, "date": int(d.date.replace("-", "")),
                                      "year": d.date[:4]}
            for name in ("lang", "spokesperson", "outlet", "outlet_type", "clarity"):
                value = getattr(d, name)
                if value:
                    fields[name] = value
            if d.countries:
                fields["country"] = list(d.countries)
            yield tantivy.Document(**fields)

    def _add(self, w: tantivy.IndexWriter, docs: Iterable[IndexDoc]) -> int:
        n = 0
        it = iter(docs)
        while batch := list(islice(it, self.BATCH)):
            for doc in self._documents(batch):
                w.add_document(doc)
            n += len(batch)
        return n

    def replace_briefings(self, briefing_ids: Iterable[int], docs: Iterable[IndexDoc]) -> None:
        """Remove these briefings' exchanges and add ``docs`` (not committed yet)."""
        w = self.writer()
        for bid in briefing_ids:
            w.delete_documents_by_term("briefing_id", int(bid))
        self._add(w, docs)

    def add(self, docs: Iterable[IndexDoc]) -> int:
        return self._add(self.writer(), docs)

    def clear(self) -> None:
        self.writer().delete_all_documents()

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None  # releases the lock so that other processes may write
            self.reload()

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
        self._stems.clear()

    def fresh(self) -> tuple[int, int]:
        """The index's commit as a stamp (modification time and size of its meta.json, which every commit of any
        process rewrites: one stat). When it is new, the searcher is moved to that commit first (tantivy's own
        reload lags by up to a second) and what was kept of the old one is forgotten."""
        try:
            st = os.stat(self.path / "meta.json")
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (0, 0)
        if stamp != self._seen:
            self.reload()
            self._seen = stamp
        return stamp

    def stem_terms(self, stemmed: str) -> list[str]:
        """The words of the index with this stem (an unquoted word's inflections: tariff, tariffs), read from the
        term dictionary by the letters they must start with; kept until the index has a new commit (``fresh``)."""
        self.fresh()
        terms = self._stems.get(stemmed)
        if terms is None:
            s = self.searcher()
            terms = sorted({t for start in stem_starts(stemmed) for t, _ in s.terms_with_prefix(EXACT_FIELD, start)
                            if stemmable(t) and stem(t) == stemmed})
            if len(self._stems) > 10_000:
                self._stems.clear()
            self._stems[stemmed] = terms
        return terms

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
