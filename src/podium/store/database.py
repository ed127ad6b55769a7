"""A podium database: the SQLite store of record plus its full-text index, kept in agreement.

How they never disagree after a crash: a briefing is written to SQLite in one transaction that also puts its
id in ``index_pending``. Only after that commit is the briefing (re)indexed from what SQLite holds; after the
index commit, the ids leave the queue. A crash anywhere leaves either nothing (SQLite rolled back) or ids in
the queue, which the next writer re-indexes on open (delete-by-briefing then add, so doing it twice is
harmless). An index of another version, a missing index or one whose size disagrees with the store is rebuilt.

Who repairs: a writer (``Database(path)``, as ``ingest``, ``fetch`` and ``reindex`` open it) brings the index in
line with the store on open. A reader (``Database(path, create=False)``, as search, show, stats and the web server
open it) leaves the queue alone: briefings another process has queued are that process's to index (a search during
an ingest finds them once the ingest's next index commit lands), and it does not compete for the index writer. Opening
is not free of writes for a reader, though: an index that cannot be read at all (missing, or of another version) is
rebuilt, as it could not search otherwise, and a database of an older schema is migrated (``Store`` opens it).

Two processes opening a new database at once: writers take an exclusive ``flock`` on the database's folder while
they create the schema and build the index, so the second waits for the first and then finds both made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tantivy

from ..errors import QueryError, StoreError
from ..model import FILTERS, SORTS, Concordance, KwicLine, SearchHit, SearchResult, Snippet, excerpt
from .base import check_date
from .index import BUILD_HEAP_PER_THREAD, INDEX_VERSION, FullTextIndex, IndexBusy, build_threads
from .query import Pattern, patterns, to_tantivy
from .query import parse as parse_query
from .sqlite import Store
from .text import find, kwic_lines, normalize

try:
    import fcntl
except ImportError:  # not POSIX: no creation lock
    fcntl = None

log = logging.getLogger(__name__)

FACET_FIELDS = ("spokesperson", "outlet", "outlet_type", "lang", "year", "clarity", "country")


def index_path(db_path: str) -> Path:
    return Path(f"{db_path}.index")


@contextlib.contextmanager
def _creation_lock(path: str | Path) -> Iterator[None]:
    """An exclusive flock on the database's folder (not on the file: closing another descriptor of the database
    file would drop SQLite's own locks in this process). Without fcntl or a readable folder: no lock."""
    if fcntl is None or str(path) == ":memory:":
        yield
        return
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the flock


class Database:
    """Store + index. Writers repair the index on open; readers (``create=False``) only rebuild one they cannot
    read (see the module docstring)."""

    def __init__(self, path: str | Path, *, create: bool = True, repair: bool | None = None,
                 read_only: bool = False) -> None:
        """``repair``: bring the index in line with the store on open (default: for writers, ``create=True``).
        ``read_only``: a reader whose store connections are read-only (the web server without an admin token);
        what a reader repairs on open (schema, an unreadable index) is done first by a reader of its own."""
        if read_only:
            Database(path, create=False).close()
        writer = not read_only and (create if repair is None else repair)
        with _creation_lock(path) if writer else contextlib.nullcontext():
            self.store = Store(path, create=create, read_only=read_only)
            self.path = self.store.path
            self.index = FullTextIndex(index_path(self.path))
            self._canon: dict[str, dict[str, str]] = {}
            try:
                if writer:
                    self.repair()
                elif not read_only and (self.store.meta("index_version") != INDEX_VERSION or not self.index.exists()):
                    self._repair_unreadable()
            except sqlite3.DatabaseError as exc:
                self.close()
                raise StoreError(f"{self.path}: {exc}") from None

    def _repair_unreadable(self) -> None:
        """A reader's only repair: an index it cannot search at all is rebuilt (unless a writer is at it)."""
        try:
            self.reindex()
        except IndexBusy:
            log.info("index %s is being built by another process", self.index.path)

    def close(self) -> None:
        self.index.close()
        self.store.close()

    def data_version(self) -> tuple[int, ...]:
        """Changes whenever a commit may have changed the data: size and modification time of the database
        file and its WAL (a commit appends to the WAL, a checkpoint rewrites the file) and of the index's
        meta.json (an index commit rewrites it). Costs three stat calls. When the index has a new commit, the
        searcher is moved to it first (its own reload lags by up to a second), so that answers computed after
        this call are at least as new as the token: a cache keyed by it never keeps a stale search."""
        out: list[int] = []
        for name in (self.path, f"{self.path}-wal"):
            try:
                st = os.stat(name)
                out += [st.st_mtime_ns, st.st_size]
            except OSError:
                out += [0, 0]
        return (*out, *self.index.fresh())

    # ---- consistency ----------------------------------------------------------------------------------------

    def repair(self) -> str | None:
        """Bring the index in line with the store; returns what was done, or None. Skipped (and retried next
        time) while another process holds the index writer."""
        try:
            if self.store.meta("index_version") != INDEX_VERSION or not self.index.exists():
                self.reindex()
                return "rebuilt"
            pending = self.store.pending()
            if pending:
                self.flush()
                return f"re-indexed {len(pending)} briefing(s)"
            if self.index.num_docs() != self.store.exchange_count():
                self.reindex()
                return "rebuilt"
        except IndexBusy:
            log.info("index %s is being written by another process; not repairing now", self.index.path)
        return None

    def flush(self) -> int:
        """Index the briefings waiting in the queue; returns how many."""
        pending = self.store.pending()
        if not pending:
            return 0
        try:
            self.index.writer()
        except IndexBusy:
            log.warning("index %s is being written by another process; %d briefing(s) stay queued for indexing",
                        self.index.path, len(pending))
            return 0
        try:
            self.index.replace_briefings(list(pending), self.store.index_docs(list(pending)))
            self.index.commit()
        except BaseException:
            self.index.rollback()
            raise
        self.store.clear_pending(pending)
        return len(pending)

    def reindex(self, *, threads: int | None = None, heap: int | None = None) -> int:
        """Rebuild the index from the store; returns exchanges indexed. IndexBusy while another process
        writes the index. Indexing threads: one per core, at most 8 (``build_threads``), with 100 MB of writer
        heap each, unless given.

        The old index is emptied and refilled in one index commit, under the writer lock, so readers see the
        old or the new index, never a half-built one. An index of another version (or one that cannot be
        opened) is deleted first.
        """
        if self.store.meta("index_version") != INDEX_VERSION and self.index.exists():
            self.index.destroy()
        threads = threads or build_threads()
        heap = heap or BUILD_HEAP_PER_THREAD * threads
        try:
            writer = self.index.writer(threads=threads, heap=heap)
        except IndexBusy:
            raise
        except Exception as exc:  # damaged index directory: start afresh
            log.warning("index %s cannot be opened (%s); rebuilding it", self.index.path, exc)
            self.index.destroy()
            writer = self.index.writer(threads=threads, heap=heap)
        self.store.queue_all()  # if the rebuild dies, the next open finishes it
        self.store.set_meta("index_version", INDEX_VERSION)
        pending = self.store.pending()
        try:
            writer.delete_all_documents()
            n = self.index.add(self.store.index_docs(None))
            self.index.commit()
        except BaseException:
            self.index.rollback()
            raise
        self.store.clear_pending(pending)
        return n

    def check(self) -> dict[str, Any]:
        """Compare index and store: {"ok", "store", "index", "missing", "extra", "pending"}."""
        self.index.reload()
        in_store = self.store.exchange_ids()
        in_index = self.index.all_exchange_ids()
        return {"ok": in_store == in_index, "store": len(in_store), "index": len(in_index),
                "missing": sorted(in_store - in_index)[:20], "extra": sorted(in_index - in_store)[:20],
                "pending": len(self.store.pending())}

    # ---- search ---------------------------------------------------------------------------------------------

    def _canonical(self, column: str, value: str) -> str:
        """The stored spelling of a filter value given in any case (index fields are case-sensitive)."""
        if column not in self._canon or value.casefold() not in self._canon[column]:
            self._canon[column] = {v.casefold(): v for v in self.store.distinct(column)}
        return self._canon[column].get(value.casefold(), value)

    def _filter_queries(self, filters: dict[str, Any]) -> list[Any]:
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise QueryError(f"unknown filter(s) {', '.join(sorted(unknown))}; known: {', '.join(FILTERS)}")
        schema = self.index.schema
        out = []
        lo = check_date(filters.get("date_from"), "date_from")
        hi = check_date(filters.get("date_to"), "date_to")
        if lo and hi and lo > hi:
            raise QueryError(f"date_from {lo} is after date_to {hi}")
        if lo or hi:
            out.append(tantivy.Query.range_query(schema, "date", tantivy.FieldType.Integer,
                                                 int(lo.replace("-", "")) if lo else None,
                                                 int(hi.replace("-", "")) if hi else None))
        for field in ("spokesperson", "outlet", "outlet_type", "lang", "clarity"):
            value = filters.get(field)
            if value:
                out.append(tantivy.Query.term_query(schema, field, self._canonical(field, str(value))))
        if filters.get("country"):
            out.append(tantivy.Query.term_query(schema, "country", str(filters["country"]).strip().upper()))
        if filters.get("evasion"):
            # the index has no field for the fine label: the store names the exchanges that carry it
            ids = self.store.fine_label_ids(str(filters["evasion"]))
            out.append(tantivy.Query.term_set_query(schema, "exchange_id", ids or [-1]))
        return out

    def compile(self, query: str, *, exact: bool = False, **filters: Any) -> tuple[Any, list[Pattern]]:
        """(tantivy query with filters, the patterns whose matches the spans mark)."""
        tree = parse_query(query)
        tq = to_tantivy(tree, self.index.schema, exact=exact, inflections=self.index.stem_terms)
        fq = self._filter_queries({k: v for k, v in filters.items() if v not in (None, "")})
        if fq:
            tq = tantivy.Query.boolean_query([(tantivy.Occur.Must, tq)] +
                                             [(tantivy.Occur.Must, f) for f in fq])
        return tq, patterns(tree, exact=exact)

    def search(self, query: str, *, exact: bool = False, sort: str = "relevance", limit: int = 20,
               offset: int = 0, facets: bool = False, **filters: Any) -> SearchResult:
        """One page of hits with the spans of the query's matches in question and answer (no markup: each
        surface marks them its way), the total, and the facet counts when asked."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        if limit < 0 or offset < 0:
            raise QueryError("limit and offset must not be negative")
        tq, pats = self.compile(query, exact=exact, **filters)
        total, ranked = self.index.search(tq, limit=max(limit, 1), offset=offset, sort=sort)
        ranked = ranked[:limit]
        page_ids = [eid for _, eid in ranked]
        rows = self.store.exchanges_by_id(page_ids)
        notes = self.store.hit_annotations(page_ids)
        hits = []
        for score, eid in ranked:
            row = rows.get(eid)
            if row is None:  # index ahead of the store: cannot happen after repair; never show a ghost
                continue
            hits.append(_hit(row, notes.get(eid) or {}, pats, float(score) if sort == "relevance" else None))
        return SearchResult(query=query, total=total, hits=tuple(hits),
                            facets=self.index.facets(tq, FACET_FIELDS) if facets else None)

    def matching_ids(self, query: str, *, exact: bool = False, **filters: Any) -> list[int]:
        tq, _ = self.compile(query, exact=exact, **filters)
        n = max(self.index.num_docs(), 1)
        _, ranked = self.index.search(tq, limit=n, sort="date_asc", count=False)
        return [eid for _, eid in ranked]

    #: exchanges read to count every line of a concordance; past this the total is a lower bound
    KWIC_COUNT_CAP = 20_000

    def kwic(self, term: str, *, window: int = 8, sentence: bool = False, limit: int = 100, offset: int = 0,
             exact: bool = False, **filters: Any) -> Concordance:
        """Keyword-in-context lines ``offset`` .. ``offset + limit`` in date order, and how many there are
        (``total_lines`` None when more than KWIC_COUNT_CAP exchanges match: ``lines_counted`` is then a lower
        bound)."""
        if window < 0:
            raise QueryError("window must not be negative")
        if limit < 0 or offset < 0:
            raise QueryError("limit and offset must not be negative")
        tq, pats = self.compile(term, exact=exact, **filters)
        total_exchanges, _ = self.index.search(tq, limit=1, sort="date_asc")
        lines: list[KwicLine] = []
        seen = 0  # lines found so far, the page's among them
        scanned, page = 0, 200
        while scanned < min(total_exchanges, self.KWIC_COUNT_CAP):
            _, ranked = self.index.search(tq, limit=page, offset=scanned, sort="date_asc", count=False)
            if not ranked:
                break
            scanned += len(ranked)
            want = len(lines) < limit
            rows = self.store.exchanges_by_id([eid for _, eid in ranked])
            for _, eid in ranked:
                row = rows.get(eid)
                if row is None:
                    continue
                for field in ("question", "answer"):
                    if not want:  # past the page: only count
                        seen += len(find(normalize(row[field]), pats))
                        continue
                    for left, kw, right in kwic_lines(row[field], pats, window=window, sentence=sentence):
                        if offset <= seen < offset + limit:
                            lines.append(KwicLine(exchange_id=eid, briefing_id=row["briefing_id"], date=row["date"],
                                                  lang=row["lang"], field=field, left=left, keyword=kw,
                                                  right=right))
                        seen += 1
        complete = scanned >= total_exchanges
        return Concordance(lines=tuple(lines), offset=offset, total_lines=seen if complete else None,
                           lines_counted=seen, total_exchanges=total_exchanges)


#: The columns of a store's hit row (``Store.exchanges_by_id``) that a SearchHit carries as they are.
_HIT_COLUMNS = ("exchange_id", "briefing_id", "event_id", "n", "date", "lang", "title", "series", "spokesperson",
                "spokesperson_id", "asker", "outlet", "outlet_type", "follow_up", "source", "url")


def _hit(row: dict[str, Any], notes: dict[str, Any], pats: list[Pattern], score: float | None) -> SearchHit:
    """A store row and its annotations as a SearchHit: texts in NFC (the spans are offsets into them)."""
    question, answer = normalize(row["question"]), normalize(row["answer"])
    q_spans, a_spans = tuple(find(question, pats)), tuple(find(answer, pats))
    field, text, spans = ("answer", answer, a_spans) if a_spans and not q_spans else ("question", question, q_spans)
    start, end = excerpt(text, spans)
    return SearchHit(**{c: row[c] for c in _HIT_COLUMNS}, question=question, answer=answer,
                     question_spans=q_spans, answer_spans=a_spans, snippet=Snippet(field, start, end), score=score,
                     clarity=notes.get("clarity"), clarity_fine=notes.get("clarity_fine"),
                     clarity_evidence=notes.get("clarity_evidence"), countries=tuple(notes.get("countries") or ()))


__all__ = ["Database", "FACET_FIELDS", "FILTERS", "SORTS", "index_path"]
