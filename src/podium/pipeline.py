"""Source -> parse -> analysis passes -> store: podium's one orchestration, for files, archives and fetch alike.

Ingest (``ingest``: files and folders; ``fetch``: a publisher's site) stores one briefing per transaction; the
corpus passes run over what the store holds (``analyse``: the analysis passes on stored briefings and the mined
formulations; ``link_events``: language versions into events). Files and folders reach the sources through
``_pages`` and ``_read`` alone, Q&A tables through ``ingest_table``, a site through ``fetch``.

Every page is read, hashed and parsed; a parse identical to what the store holds is "unchanged" and nothing
is written (not even analysis runs). Otherwise the analysis passes annotate it — a pass that raises is skipped
for that briefing with a logged warning, never losing the briefing — and the store writes briefing, turns,
exchanges and annotations in one transaction. The full-text index is brought up to date every
``FLUSH_EVERY`` briefings and at the end (see ``store.database`` for why a crash between the two is harmless).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .analysis import AnalysisPass, default_passes, pass_names
from .analysis import events as event_rules
from .analysis import formulations as formulation_mining
from .analysis.align import VERSION as ALIGN_VERSION
from .analysis.align import align, differences
from .errors import NotABriefing, ParseError, PodiumError, QueryError, SourceError
from .model import (
    AnalyseResult,
    Annotation,
    Briefing,
    EventCounts,
    ExchangeLink,
    FetchSummary,
    IngestReport,
    IngestResult,
    PageHints,
)
from .parse import formats, parse_page, spokespersons
from .parse.outlets import registry as outlet_registry
from .parse.qa_table import TableBriefing, table_briefings
from .sources import fetch as site_fetch
from .sources.archive import Archive
from .sources.files import Page, expand
from .sources.http import DEFAULT_RATE, HttpClient
from .sources.indexes import Indexes
from .sources.mfa import DEFAULT_BASE_URL, LAYOUT_NAMES, LAYOUTS
from .sources.tables import is_table, read_rows
from .store import Database, analytics, check_date, content_hash
from .store import events as store_events
from .store.base import StoreBackend

log = logging.getLogger(__name__)

#: Briefings written between two index commits (an index commit costs a segment and an fsync).
FLUSH_EVERY = 250


#: Annotation kinds the search index carries as filter fields: writing them queues the briefing for re-indexing;
#: other kinds (formulations) need none.
INDEXED_KINDS = ("clarity", "countries")


def analysis_passes(names: Iterable[str] | None = None, **options: Any) -> list[AnalysisPass]:
    """The analysis passes podium runs on ingest (``podium.analysis.default_passes``, ``options`` as it takes
    them), or none if they cannot be built here (a pass that cannot start must not stop ingest)."""
    try:
        return list(default_passes(list(names) if names is not None else None, **options))
    except PodiumError:
        raise
    except Exception as exc:  # an analysis area that cannot start must not stop ingest
        log.warning("analysis passes unavailable (%s: %s); ingesting without analysis", type(exc).__name__, exc)
        return []


def _run_one(p: AnalysisPass, briefing: Briefing, where: str) -> list[Annotation] | None:
    """One pass over one briefing; None, with a logged warning, when the pass raises (the briefing keeps what it
    had: one briefing a pass cannot handle must not stop the run)."""
    try:
        return list(p.annotate(briefing))
    except Exception as exc:
        log.warning("analysis pass %r failed on %s (%s: %s); stored without it",
                    getattr(p, "name", p), where, type(exc).__name__, exc)
        return None


def annotate(briefing: Briefing, passes: Iterable[AnalysisPass]) -> list[Annotation]:
    """Run every pass over a briefing; a pass that raises is skipped with a warning."""
    return [a for p in passes for a in _run_one(p, briefing, briefing.source) or ()]


def _run_each(p: AnalysisPass, briefings: list[Briefing],
              where: list[str] | None = None) -> list[list[Annotation] | None]:
    """One pass over several briefings, each one's annotations in order, None where the pass failed (logged, with
    ``where`` the briefing is, default its source): a pass with an ``annotate_batch`` method (clarity: one model
    call for all their exchanges) takes them at once, and one that raises on the batch goes over them one by
    one."""
    batch = getattr(p, "annotate_batch", None)
    if batch is not None and len(briefings) > 1:
        try:
            found = [list(a) for a in batch(briefings)]
            if len(found) == len(briefings):
                return found
            log.debug("analysis pass %r answered %d briefings of %d; one at a time", getattr(p, "name", p),
                      len(found), len(briefings))
        except Exception:  # noqa: BLE001 - one by one, so that the failure is logged with its briefing
            log.debug("analysis pass %r failed on a batch; one briefing at a time", getattr(p, "name", p))
    return [_run_one(p, b, where[i] if where else b.source) for i, b in enumerate(briefings)]


def annotate_batch(briefings: list[Briefing], passes: Iterable[AnalysisPass]) -> list[list[Annotation]]:
    """``annotate`` over several briefings, the same annotations in the same order (``_run_each`` per pass)."""
    out: list[list[Annotation]] = [[] for _ in briefings]
    for p in passes:
        for mine, found in zip(out, _run_each(p, briefings), strict=True):
            mine += found or ()
    return out


#: Fewest briefings to annotate before ingest starts worker processes for the analysis passes (a spawned worker
#: costs a second or more to import the clarity model; the passes cost ~0.1-2.5 s a page, White House pages most).
#: On the shared 2-core development machine (load ~7) 2 workers gained nothing: 120 White House pages 48.9 s vs
#: 49.6 s in one process, 30 pages 13.3 s vs 9.9 s; they pay where cores are free.
PARALLEL_ANALYSIS_MIN = 64
#: Least CPU a pass must cost per briefing for ``run_pass`` to hand the rest of its briefings to worker
#: processes (sending a briefing to a worker and its annotations back costs the parent about 1.4 ms of CPU).
#: Measured on resampled MFA briefings with 2 processes (benchmarks/bench_analysis.py --db): clarity (4-8 ms a
#: briefing) 13.0 -> 9.8 s for 2,000 briefings; countries (0.5 ms) 2.6 -> 2.8 s.
PARALLEL_PASS_COST = 0.002
#: Briefings sent to a worker at once: the clarity model scores their exchanges in one call (per-call costs: 16
#: briefings a call took 15% less CPU than one).
BATCH = 16
#: Briefings in flight per worker (parsed, waiting for or holding their annotations): bounds memory.
IN_FLIGHT_PER_WORKER = 2 * BATCH

_worker_passes: list[Any] = []


def _init_analysis_worker(names: list[str] | None, options: dict[str, Any]) -> None:
    global _worker_passes
    _worker_passes = analysis_passes(names, **options)


def _annotate_in_worker(briefings: list[Briefing]) -> list[list[Annotation]]:
    return annotate_batch(briefings, _worker_passes)


def _pass_in_worker(briefings: list[Briefing]) -> list[list[Annotation] | None]:
    return _run_each(_worker_passes[0], briefings)


class _AnalysisPool:
    """The default analysis passes run over briefings in worker processes, results handed back in order.

    ``submit`` a briefing with a payload; briefings go to the workers ``BATCH`` at a time. ``drain`` yields
    (payload, briefing, annotations) in submission order, waiting only when more than ``limit`` are in flight
    (``final``: all). A pool that breaks (a worker killed, a __main__ a spawned worker cannot import) is abandoned
    with a warning and the passes run here instead. The workers build the passes by name (``options`` as
    ``default_passes`` takes them); ``each``: one pass, whose annotations are None for a briefing it failed on
    (``_run_each``), instead of all passes' annotations together.
    """

    def __init__(self, workers: int, names: list[str] | None, passes: list[Any], *,
                 options: dict[str, Any] | None = None, each: bool = False) -> None:
        self.passes = passes
        self.each = each
        self.limit = workers * IN_FLIGHT_PER_WORKER
        # (payload, briefing, (future of its batch, its place in the batch) once sent)
        self.pending: deque[tuple[Any, Briefing, list[Any]]] = deque()
        self.unsent: list[tuple[Briefing, list[Any]]] = []
        # spawn, not fork: the parent holds SQLite connections and the index's threads
        self.pool: Any = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_analysis_worker, initargs=(names, options or {}))

    def submit(self, briefing: Briefing, payload: Any) -> None:
        slot: list[Any] = []
        self.pending.append((payload, briefing, slot))
        self.unsent.append((briefing, slot))
        if len(self.unsent) >= BATCH:
            self._send()

    def _send(self) -> None:
        batch, self.unsent = self.unsent, []
        if self.pool is None or not batch:
            return
        try:
            future = self.pool.submit(_pass_in_worker if self.each else _annotate_in_worker, [b for b, _ in batch])
        except Exception as exc:  # BrokenProcessPool, RuntimeError after a break
            self._abandon(exc)
            return
        for i, (_, slot) in enumerate(batch):
            slot[:] = [future, i]

    def drain(self, *, final: bool = False) -> Iterable[tuple[Any, Briefing, list[Annotation] | None]]:
        if final:
            self._send()
        while self.pending and (final or len(self.pending) > self.limit):
            payload, briefing, slot = self.pending.popleft()
            if not slot:  # not sent yet: the batch it is in goes now
                self._send()
            done = False
            annotations = None
            if slot and self.pool is not None:
                try:
                    annotations = slot[0].result()[slot[1]]
                    done = True
                except Exception as exc:
                    self._abandon(exc)
            if not done:
                annotations = (_run_one(self.passes[0], briefing, briefing.source) if self.each
                               else annotate(briefing, self.passes))
            yield payload, briefing, annotations

    def _abandon(self, exc: BaseException) -> None:
        if self.pool is not None:
            log.warning("analysis in worker processes failed (%s: %s); analysing here instead",
                        type(exc).__name__, exc)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def sync_spokespersons(db: Database) -> int:
    """Record the spokesperson registry in the store and give every briefing and exchange its person key."""
    return store_events.sync_spokespersons(db.store, spokespersons.registry()[0].values(), spokespersons.key_of)


_LANG_ORDER = {"en": 0, "zh": 1}


#: Below this many version pairs to align, linking runs in this process (a worker pool costs ~1 s to start).
PARALLEL_ALIGN_MIN = 64


def _align_pair(a: Briefing, b: Briefing) -> tuple[Any, list[Any]]:
    """Align two versions and list their differences (run in a worker process for large batches)."""
    al = align(a, b)
    return al, differences(a, b, al)


def _workers(workers: int | None) -> int:
    """Worker processes to use: as asked, else the CPU count, at most 4."""
    return workers if workers is not None else min(os.cpu_count() or 1, 4)


def _align_all(pairs: list[tuple[Briefing, Briefing]], workers: int | None) -> list[tuple[Any, list[Any]]]:
    """``_align_pair`` over many pairs, across processes (bounded: chunks of pairs, at most ``workers``)."""
    n = _workers(workers)
    if n <= 1 or len(pairs) < PARALLEL_ALIGN_MIN:
        return [_align_pair(a, b) for a, b in pairs]
    # spawn, not fork: the parent holds SQLite connections and the index's threads
    try:
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_align_pair, [a for a, _ in pairs], [b for _, b in pairs],
                                 chunksize=max(1, len(pairs) // (n * 4))))
    except (BrokenProcessPool, OSError) as exc:  # e.g. a __main__ a worker cannot import (code piped to python)
        log.warning("aligning in worker processes failed (%s); aligning here instead", exc)
        return [_align_pair(a, b) for a, b in pairs]


def link_events(db: Database, *, redo: bool = False, workers: int | None = None) -> EventCounts:
    """The events corpus pass: put the stored briefings into events (``podium.analysis.events``), align the
    exchanges and openings of every event's versions (``podium.analysis.align``), record what the versions do not
    share, and carry clarity from the English exchange to its counterparts. Only events whose versions changed
    are re-aligned (``redo`` re-aligns all); large batches are aligned across ``workers`` processes (default:
    the cores, at most 4). Returns what it did (``EventCounts``)."""
    store = db.store
    sync_spokespersons(db)
    versions, hashes = store.versions()
    lang_of = {v.briefing_id: v.lang for v in versions}
    loaded: dict[int, Briefing] = {}

    def briefing(bid: int) -> Briefing:
        if bid not in loaded:
            for _, b in store.load_briefings([bid]):
                loaded[bid] = b
        return loaded[bid]

    def rank(bid: int) -> tuple[int, str]:
        return _LANG_ORDER.get(lang_of[bid], 9), lang_of[bid]

    def similarity(x: int, y: int) -> float:  # only for versions the dates alone cannot pair
        a, b = sorted((x, y), key=rank)
        return align(briefing(a), briefing(b)).score

    events = event_rules.group(versions, similarity=similarity)
    known = store.event_fingerprints()
    plan, links, diffs = [], {}, {}
    todo: list[tuple[str, int, int]] = []  # (event key, version a, version b) to align
    for ev in events:
        fingerprint = hashlib.sha256(json.dumps(
            [ALIGN_VERSION, [(v, hashes[v]) for v in ev.versions]]).encode()).hexdigest()
        plan.append((ev, fingerprint))
        if not redo and known.get(ev.key) == fingerprint:
            continue
        links[ev.key], diffs[ev.key] = [], []
        firsts: dict[str, int] = {}
        for v in sorted(ev.versions):  # one copy per language (a page published twice is aligned once)
            firsts.setdefault(lang_of[v], v)
        vs = sorted(firsts.values(), key=rank)
        todo += [(ev.key, vs[0], other) for other in vs[1:]]
    results = _align_all([(briefing(a), briefing(b)) for _, a, b in todo], workers)
    for (key, a, b), (al, found) in zip(todo, results, strict=True):
        ids_a, ids_b = store_events.exchange_ids(store, a), store_events.exchange_ids(store, b)
        method = f"{al.method} {al.version}"
        for link in al.links:
            la = tuple(ids_a[n] for n in link.a if n in ids_a)
            lb = tuple(ids_b[n] for n in link.b if n in ids_b)
            if la and lb:
                links[key].append(ExchangeLink(la, lb, link.score, method))
        for d in found:
            ids = [ids_a[n] for n in d.a if n in ids_a] + [ids_b[n] for n in d.b if n in ids_b]
            diffs[key].append({"kind": d.kind, "lang": d.lang, "exchanges": ids, "detail": d.detail,
                               "severity": d.severity})
    counts = store.write_events(plan, links, diffs)
    return EventCounts(**counts, carried=store_events.carry_clarity(store))


def _sync_outlets(db: Database) -> None:
    try:
        outlets = outlet_registry()[0]
    except Exception as exc:  # the registry is a convenience for the outlets table, not a reason to stop
        log.warning("outlet registry unavailable: %s", exc)
        return
    db.store.sync_outlets((o.name, o.type, o.country) for o in outlets.values())


def _unchanged(db: Database, briefing: Briefing, content: str) -> bool:
    """Whether the store already holds this parse of the page."""
    known = db.store.lookup(briefing)
    return known is not None and known["content_sha256"] == content and bool(known["url"] or not briefing.url)


def ingest_briefing(db: Database, briefing: Briefing, data: bytes, *, passes: Iterable[Any] = (),
                    extra: Iterable[Annotation] = (), annotations: list[Annotation] | None = None,
                    content: str | None = None) -> IngestResult:
    """Store one parsed page (``data``: the raw page it was parsed from): "unchanged" when the store already holds
    this parse (nothing is written, no pass runs), else "added"/"updated" after the passes annotate it
    (``annotations``: already made, e.g. in a worker process). Used by ``ingest`` for each file and by
    ``podium fetch`` for each downloaded transcript. ``extra``: annotations that come with the source (a table
    row's provenance), stored with the passes' ones. ``content``: the briefing's ``content_hash``, when known."""
    content = content or content_hash(briefing)
    if _unchanged(db, briefing, content):
        return IngestResult(briefing.source, "unchanged", briefing.key)
    if annotations is None:
        annotations = annotate(briefing, passes)
    annotations = list(annotations) + list(extra)
    status, _ = db.store.write_briefing(briefing, page_sha256=hashlib.sha256(data).hexdigest(),
                                        annotations=annotations, content_sha256=content,
                                        spokesperson_key=spokespersons.key_of)
    return IngestResult(briefing.source, status, briefing.key)


def _pages(paths: Iterable[str | Path], indexes: Iterable[str | Path]
           ) -> tuple[list[Page], list[str | Path], list[SourceError]]:
    """Where ingest meets the sources: the pages under ``paths`` (files and folders, recursively) with what their
    index files say, the Q&A tables among ``paths``, and the paths that could not be listed."""
    paths = list(paths)
    pages, missing = expand([p for p in paths if not is_table(p)], Indexes(indexes))
    return pages, [p for p in paths if is_table(p)], missing


def _read(page: Page) -> bytes:
    """A page's raw bytes (SourceError naming the file when it cannot be read)."""
    try:
        return page.path.read_bytes()
    except OSError as exc:
        raise SourceError(page.source, f"cannot be read: {exc.strerror or exc}") from None


def _parse_page(page: Page, data: bytes, format: str | None) -> tuple[Briefing, dict[str, Any] | None]:
    """Parse a page with what its index says (URL; date, for formats that take one), and the evidence for the date
    when an index gives one and it could matter: {"index": "listing page lists/12.html row 4", "date": ...,
    "url": ..., "dated_by": "index" (the page has no date of its own) | "page" (the index agrees) | "page, index
    differs"}. None for formats that date every page themselves when the index agrees (the MFA pages and their
    index.tsv)."""
    entry = page.index
    briefing = parse_page(data, source=page.source, hints=page.hints, format=format)
    if entry is None or entry.date is None:
        return briefing, None
    takes_date = formats()[briefing.format].takes_date
    if briefing.date == entry.date and not takes_date:
        return briefing, None  # a format that dates every page itself (MFA): the index only agrees
    dated_by = "page, index differs"
    if briefing.date == entry.date:
        dated_by = "page"
        if takes_date:
            try:  # did the page date itself, or did the index?
                parse_page(data, source=page.source, hints=PageHints(charset=page.charset), format=briefing.format)
            except ParseError as exc:
                if not (exc.reason or "").startswith("no date"):
                    raise
                dated_by = "index"
    return briefing, {"index": entry.evidence, "date": entry.date.isoformat(), "url": entry.url,
                      "dated_by": dated_by}


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())[:300]


def _match_rows(tb: TableBriefing, held: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(table row, held exchange) pairs: the same question text (case, spaces and punctuation aside), else a close
    one (difflib ratio >= 0.9 on the first 300 characters); each held exchange is matched once."""
    free = {(h["briefing_id"], h["n"]): h for h in held}
    by_text: dict[str, list[tuple[int, int]]] = {}
    for key, h in free.items():
        by_text.setdefault(_norm(h["question"]), []).append(key)
    pairs: list[tuple[int, dict[str, Any]]] = []
    for row, e in zip(tb.rows, tb.briefing.exchanges, strict=True):
        q = _norm(e.question_text)
        hit = next((k for k in by_text.get(q, []) if k in free), None)
        if hit is None:
            best = 0.0
            for k, h in free.items():
                sm = difflib.SequenceMatcher(None, q, _norm(h["question"]), autojunk=False)
                if sm.real_quick_ratio() >= 0.9 and sm.quick_ratio() >= 0.9 and sm.ratio() > max(best, 0.9 - 1e-9):
                    hit, best = k, sm.ratio()
        if hit is not None:
            pairs.append((row, free.pop(hit)))
    return pairs


def ingest_table(db: Database, path: str | Path, *, columns: dict[str, str] | None = None,
                 passes: Iterable[Any] = (), record: Callable[[IngestResult], None]) -> None:
    """Store the briefings of a Q&A table (rows read by ``sources.tables``, briefings built by ``parse.qa_table``),
    one result per briefing.

    A briefing already held from pages (same date, language and series, another source) is not stored again: its
    rows are matched to the held exchanges by question text and each match is recorded on the held exchange
    (annotation ``table_row``: file and row), reported as "linked" with how many rows matched. Otherwise the
    briefing is stored with each exchange's row (annotation ``provenance``) and, where the outlet was read from the
    question text, the guess with its confidence (annotation ``outlet_inferred``).
    """
    try:
        rows, bad_rows = read_rows(path, columns)
        briefings = table_briefings(rows, str(Path(path)))
    except SourceError as exc:
        record(IngestResult(str(path), "failed", error=exc.reason))
        return
    for err in bad_rows:
        record(IngestResult(err.source, "failed", error=err.reason))
    name = Path(path).name
    for tb in briefings:
        b = tb.briefing
        where = f"{path} rows {tb.rows[0]}-{tb.rows[-1]}" if len(tb.rows) > 1 else f"{path} row {tb.rows[0]}"
        try:
            if db.store.lookup(b) is None:
                day = b.date.isoformat()
                held = [r for r in db.store.exchange_rows({"date_from": day, "date_to": day, "lang": b.lang})
                        if r["series"] == b.series and r["source"] != b.source]
                if held:
                    pairs = _match_rows(tb, held)
                    by_briefing: dict[int, list[Annotation]] = {}
                    for row, h in pairs:
                        by_briefing.setdefault(h["briefing_id"], []).append(Annotation(
                            exchange_n=h["n"], kind="table_row", label=None, value={"file": str(path), "row": row},
                            evidence=f"{name} row {row}", method="qa-table link"))
                    for bid, anns in by_briefing.items():
                        db.store.write_annotations(bid, anns, reindex=False)
                    ids = sorted({h["briefing_id"] for h in held})
                    record(IngestResult(where, "linked", ",".join(f"b{i}" for i in ids),
                                        error=f"{len(pairs)} of {len(tb.rows)} rows matched exchanges of "
                                              f"{', '.join(f'b{i}' for i in ids)} (held from pages; not stored "
                                              f"twice)"))
                    continue
            extra = [Annotation(exchange_n=e.n, kind="provenance", label=None, value={"file": str(path), "row": row},
                                evidence=f"{name} row {row}", method="qa-table")
                     for e, row in zip(b.exchanges, tb.rows, strict=True)]
            extra += [Annotation(exchange_n=e.n, kind="outlet_inferred", label=g.outlet, value={"label": g.label},
                                 confidence=g.confidence, evidence=g.evidence, method="qa-table question text")
                      for e, g in zip(b.exchanges, tb.guesses, strict=True) if g is not None]
            data = json.dumps(b.to_dict(), ensure_ascii=False, sort_keys=True).encode()
            result = ingest_briefing(db, b, data, passes=passes, extra=extra)
            record(IngestResult(where, result.status, result.briefing_key))
        except PodiumError as exc:
            record(IngestResult(where, "failed", error=getattr(exc, "reason", None) or str(exc)))


def ingest(db: Database, paths: Iterable[str | Path], *, format: str | None = None, analyse: bool = True,
           progress: bool = False, on_result: Callable[[IngestResult], None] | None = None,
           passes: Iterable[Any] | None = None, link: bool = True, indexes: Iterable[str | Path] = (),
           columns: dict[str, str] | None = None, workers: int | None = None) -> IngestReport:
    """Ingest files and folders into ``db``; a bad file is recorded in the report and the batch goes on.

    ``passes``: the analysis passes to run (default: ``analysis_passes()`` when ``analyse``). ``link``: afterwards
    put the versions of each press conference into events and align them (``link_events``; only what changed).
    ``indexes``: index files or folders of listing pages that give pages their URL and date (``sources.indexes``;
    those beside the pages are found anyway); the evidence for a briefing's date and URL is recorded in its
    ``provenance`` column (``Store.provenance(key)``). Q&A tables (.csv, .tsv, .xlsx, .jsonl, .parquet) are read by
    ``sources.tables`` with ``columns`` (field -> column name).
    ``workers``: processes for the default analysis passes (default: the CPU count, at most 4; used only for
    batches of at least ``PARALLEL_ANALYSIS_MIN`` pages). Pages are read, parsed and stored here, in order; only
    the passes run in the workers, a bounded number of briefings at a time.
    """
    report = IngestReport()

    def record(r: IngestResult) -> None:
        report.results.append(r)
        if on_result is not None:
            on_result(r)

    pages, tables, missing = _pages(paths, indexes)
    for err in missing:
        record(IngestResult(err.source, "failed", error=err.reason))
    pooled_passes = passes is None  # the default passes can be rebuilt in worker processes; given ones cannot
    passes = (list(passes) if passes is not None else analysis_passes()) if analyse else []
    _sync_outlets(db)
    bar = None
    if progress:
        bar = tqdm(total=len(pages), file=sys.stderr, unit="page", dynamic_ncols=True)
    n_workers = _workers(workers)
    pool = (_AnalysisPool(n_workers, None, passes)
            if passes and pooled_passes and n_workers > 1 and len(pages) >= PARALLEL_ANALYSIS_MIN else None)
    written = 0

    def store(source: str, briefing: Briefing, data: bytes, annotations: list[Annotation] | None,
              evidence: dict[str, Any] | None, content: str) -> None:
        nonlocal written
        try:
            result = ingest_briefing(db, briefing, data, passes=passes, annotations=annotations, content=content)
            if evidence is not None:
                db.store.set_provenance(briefing.key, evidence)
        except PodiumError as exc:
            record(IngestResult(source, "failed", error=getattr(exc, "reason", None) or str(exc)))
            return
        except Exception as exc:  # a bug on one page must not stop the batch
            log.debug("unexpected error on %s", source, exc_info=True)
            record(IngestResult(source, "failed", error=f"{type(exc).__name__}: {exc} (a podium bug; "
                                                        "please report it with this page)"))
            return
        record(result)
        if result.status != "unchanged":
            written += 1
            if written % FLUSH_EVERY == 0:
                db.flush()

    try:
        for page in pages:
            if bar is not None:
                bar.update(1)
            if page.skip:
                record(IngestResult(page.source, "skipped", error=page.skip))
                continue
            try:
                data = _read(page)
                briefing, evidence = _parse_page(page, data, format)
            except NotABriefing as exc:
                record(IngestResult(page.source, "skipped", error=exc.reason))
                continue
            except PodiumError as exc:
                record(IngestResult(page.source, "failed", error=getattr(exc, "reason", None) or str(exc)))
                continue
            except Exception as exc:  # a parser bug on one page must not stop the batch
                log.debug("unexpected error on %s", page.source, exc_info=True)
                record(IngestResult(page.source, "failed", error=f"{type(exc).__name__}: {exc} (a podium bug; "
                                                                  "please report it with this page)"))
                continue
            content = content_hash(briefing)  # once per page: hashing a parse costs as much as storing it
            if pool is None or _unchanged(db, briefing, content):
                store(page.source, briefing, data, None, evidence, content)  # unchanged pages are never analysed
                continue
            pool.submit(briefing, (page.source, data, evidence, content))
            for (source, data_, evidence_, content_), done, annotations in pool.drain():
                store(source, done, data_, annotations, evidence_, content_)
        if pool is not None:
            for (source, data_, evidence_, content_), done, annotations in pool.drain(final=True):
                store(source, done, data_, annotations, evidence_, content_)
        for table in tables:
            ingest_table(db, table, columns=columns, passes=passes, record=record)
    finally:
        if pool is not None:
            pool.close()
        if bar is not None:
            bar.close()
        db.flush()
    if link:
        try:
            report.events = link_events(db)
        except PodiumError as exc:  # the briefings are stored; linking can be redone with `podium analyse`
            log.warning("linking language versions into events failed: %s", exc)
        db.flush()
    return report


# ---- corpus passes: analysis over what the store holds ----------------------------------------------------------

#: ``progress(pass name, briefings done, briefings to do)``: called as each pass starts and after each briefing.
Progress = Callable[[str, int, int], None]


def run_pass(db: Database, p: AnalysisPass, *, redo: bool = False, progress: Progress | None = None,
             workers: int | None = 1, options: dict[str, Any] | None = None) -> int:
    """Run one pass over the stored briefings that lack its annotations at its version (all with ``redo``),
    replacing what the pass wrote before; returns annotations written. A briefing the pass fails on keeps its old
    annotations (logged). Kinds the index carries (``INDEXED_KINDS``) queue the briefing for re-indexing.

    Briefings go through the pass ``BATCH`` at a time (clarity scores a batch's exchanges in one model call).
    ``workers``: processes (None: the CPU count, at most 4) for the rest of the briefings when at least
    ``PARALLEL_ANALYSIS_MIN`` remain after two batches and the second cost ``PARALLEL_PASS_COST`` CPU seconds a
    briefing or more. The workers build the pass by its name with ``options`` (``default_passes``), so only a
    pass podium builds so can run there: the default is 1, here. Briefings are read and annotations written
    here, in order; a bounded number of briefings is in flight."""
    store = db.store
    ids = analytics.briefing_ids(store) if redo else analytics.stale_briefings(store, p.name, p.version)
    written = done = 0
    if progress is not None:
        progress(p.name, 0, len(ids))

    def write(bid: int, annotations: list[Annotation] | None) -> None:
        nonlocal written, done
        if annotations is not None:
            written += store.write_annotations(bid, annotations, replace_kinds=[p.name],
                                               reindex=p.name in INDEXED_KINDS)
        done += 1
        if progress is not None:
            progress(p.name, done, len(ids))

    def here(chunk: list[tuple[int, Briefing]]) -> float:
        """Annotate and write a batch here; returns the pass's CPU seconds per briefing."""
        cpu = time.process_time()
        found = _run_each(p, [b for _, b in chunk], [f"b{bid}" for bid, _ in chunk])
        cost = (time.process_time() - cpu) / max(1, len(chunk))
        for (bid, _), annotations in zip(chunk, found, strict=True):
            write(bid, annotations)
        return cost

    # two batches here: the second's cost (the first one warms the pass up) decides whether workers pay
    it = iter(store.load_briefings(ids))
    here(list(islice(it, BATCH)))
    cost = here(list(islice(it, BATCH)))
    n_workers = _workers(workers)
    pool = (_AnalysisPool(n_workers, [p.name], [p], options=options, each=True)
            if n_workers > 1 and len(ids) - done >= PARALLEL_ANALYSIS_MIN and cost >= PARALLEL_PASS_COST
            else None)
    try:
        if pool is None:
            while chunk := list(islice(it, BATCH)):
                here(chunk)
        else:
            for bid, briefing in it:
                pool.submit(briefing, bid)
                for bid_, _, annotations in pool.drain():
                    write(bid_, annotations)
            for bid_, _, annotations in pool.drain(final=True):
                write(bid_, annotations)
    finally:
        if pool is not None:
            pool.close()
    return written


def _formulations_state(db: Database) -> str:
    return f"{formulation_mining.VERSION}|{analytics.corpus_state(db.store)}"


def formulations_stale(db: Database) -> bool:
    """Whether the stored briefings changed since the formulations were last mined."""
    return db.store.meta("formulations_mined_from") != _formulations_state(db)


def _stored_briefings(store: StoreBackend, ids: list[int]) -> Iterator[Briefing]:
    return (b for _, b in store.load_briefings(ids))


def mine_formulations(db: Database, *, redo: bool = False, progress: Progress | None = None) -> int:
    """The formulations corpus pass: mine the official phrases from every stored briefing and replace the stored
    list (only when the briefings changed since the last mining, or with ``redo``); returns phrases in the list.
    ``progress`` hears ("mine LANG K/N", briefings read, of three times the group's) for each series and
    language."""
    store = db.store
    state = _formulations_state(db)
    have = analytics.formulation_count(store)
    if not redo and have and store.meta("formulations_mined_from") == state:
        return have
    # each group's briefings are read from the store when the miner needs them (three passes), never held all
    id_groups = sorted((key, ids) for key, ids in analytics.briefing_groups(store).items()
                       if key[1] in formulation_mining.LANGS)  # the miner's order
    groups = [formulation_mining.BriefingGroup(
        series, lang, functools.partial(_stored_briefings, store, ids), count=len(ids),
        progress=functools.partial(progress, f"mine {lang} {k}/{len(id_groups)}") if progress else None)
        for k, ((series, lang), ids) in enumerate(id_groups, 1)]
    mined = [f.to_dict() for f in formulation_mining.mine_groups(groups)]
    n = analytics.replace_formulations(store, mined, method=formulation_mining.METHOD,
                                       version=formulation_mining.VERSION)
    store.set_meta("formulations_mined_from", state)
    return n


def analyse(db: Database, *, redo: bool = False, passes: Iterable[str] | None = None,
            progress: Progress | None = None, workers: int | None = None) -> AnalyseResult:
    """Run the analysis passes over the stored briefings (``run_pass``; the named ones, default all), then link
    events so that clarity is carried from each English exchange to its counterparts. "formulations" first
    re-mines the formulation list (``mine_formulations``) and then tags answers with it. The search index is
    brought up to date with what changed. ``workers``: processes for the passes over many briefings (None: the
    CPU count, at most 4; ``run_pass``)."""
    names = list(passes) if passes is not None else list(pass_names())
    result = AnalyseResult()
    # the passes are built by name, so that worker processes can build them too (run_pass)
    for p in default_passes([n for n in names if n != "formulations"]):
        result.written[p.name] = run_pass(db, p, redo=redo, progress=progress, workers=workers)
    if "formulations" in names:
        result.formulations_mined = mine_formulations(db, redo=redo, progress=progress)
        mined = {"formulations": analytics.read_formulations(db.store)}
        tagger = default_passes(["formulations"], **mined)[0]
        result.written[tagger.name] = run_pass(db, tagger, redo=redo, progress=progress, workers=workers,
                                               options=mined)
    db.flush()
    result.clarity_carried = link_events(db).carried  # last: carries the clarity just written
    db.flush()
    return result


# ---- fetch: a publisher's site -> archive -> parse -> passes -> store ------------------------------------------

#: The options ``fetch`` takes (the facade refuses any other name).
FETCH_OPTIONS = ("analyse", "archive", "backoff", "base_url", "deadline", "lang", "layout", "max_requests",
                 "max_run_time", "max_wait", "on_event", "rate", "retries", "since", "timeout", "until")


def fetch(db: Database, *, site: str = "mfa", archive: str | Path, lang: str | None = None,
          layout: str | None = None, since: str | None = None, until: str | None = None,
          base_url: str | None = None, rate: float | None = None, max_requests: int | None = None,
          analyse: bool = True, timeout: float | None = None, retries: int = 3, backoff: float = 1.0,
          deadline: float | None = None, max_wait: float | None = None, max_run_time: float | None = None,
          on_event: Callable[[str, dict[str, Any]], None] | None = None) -> FetchSummary:
    """Bring ``db`` up to date from a publisher's site: walk its listing pages, archive every raw page in
    ``archive``, parse and store each transcript it does not hold (with the analysis passes unless ``analyse`` is
    False), then link events if anything was stored. Options as ``podium.api.Podium.fetch``; QueryError for a bad
    site, layout, language, date or limit."""
    if site != "mfa":
        raise QueryError(f"no fetcher for site {site!r}; podium can fetch: mfa")
    lang = lang or "en"
    layout_def = LAYOUTS.get((layout, lang)) if layout else None
    if lang not in ("en", "zh") or (layout and layout_def is None):
        raise QueryError(f"no MFA layout {layout!r} for language {lang!r}; layouts: "
                         f"{', '.join(LAYOUT_NAMES)}; languages: en, zh")
    since = check_date(since, "since")
    until = check_date(until, "until")
    rate = DEFAULT_RATE if rate is None else float(rate)
    # read at call time: the default is the fetcher's (a test lowers it)
    max_requests = site_fetch.DEFAULT_MAX_REQUESTS if max_requests is None else max_requests
    if rate < 0 or int(max_requests) < 1:
        raise QueryError("rate must be >= 0 (0 = no limit) and max_requests >= 1")
    limits = {name: float(value) for name, value in (("deadline", deadline), ("max_retry_after", max_wait),
                                                      ("run_seconds", max_run_time)) if value is not None}
    client = HttpClient(rate=rate, max_requests=int(max_requests), timeout=float(timeout or 20.0),
                        retries=int(retries), backoff=float(backoff), **limits)
    passes = analysis_passes() if analyse else []

    def store(briefing: Briefing, data: bytes) -> str:
        return ingest_briefing(db, briefing, data, passes=passes).status

    try:
        summary = FetchSummary.from_fetcher(site_fetch.run_fetch(
            layout=layout_def, lang=lang, base_url=base_url or DEFAULT_BASE_URL, client=client,
            archive=Archive(archive), held=db.store.held_urls, store=store, read=parse_page,
            since=dt.date.fromisoformat(since) if since else None,
            until=dt.date.fromisoformat(until) if until else None, on_event=on_event))
    finally:
        client.close()
        db.flush()
    if summary.added or summary.updated:
        summary.events = link_events(db)
        db.flush()
    return summary
