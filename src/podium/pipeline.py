"""Source -> parse -> analysis passes -> store: the ingest pipeline, one briefing per transaction.

Every page is read, hashed and parsed; a parse identical to what the store holds is "unchanged" and nothing
is written (not even analysis runs). Otherwise the analysis passes annotate it — a pass that raises is skipped
for that briefing with a logged warning, never losing the briefing — and the store writes briefing, turns,
exchanges and annotations in one transaction. The full-text index is brought up to date every
``FLUSH_EVERY`` briefings and at the end (see ``store.database`` for why a crash between the two is harmless).
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import NotABriefing, PodiumError, SourceError
from .model import Annotation, Briefing, IngestReport, IngestResult
from .parse import parse_bytes
from .sources.files import expand
from .store import Database, content_hash

log = logging.getLogger(__name__)

#: Briefings written between two index commits (an index commit costs a segment and an fsync).
FLUSH_EVERY = 250


def analysis_passes(names: Iterable[str] | None = None) -> list[Any]:
    """The analysis passes podium runs on ingest: ``podium.analysis.default_passes()``, or none if the
    analysis area is not installed or cannot build them."""
    try:
        from .analysis import default_passes
    except ImportError:
        return []
    try:
        return list(default_passes(list(names)) if names is not None else default_passes())
    except PodiumError:
        raise
    except Exception as exc:  # an analysis area that cannot start must not stop ingest
        log.warning("analysis passes unavailable (%s: %s); ingesting without analysis", type(exc).__name__, exc)
        return []


def annotate(briefing: Briefing, passes: Iterable[Any]) -> list[Annotation]:
    """Run every pass over a briefing; a pass that raises is skipped with a warning."""
    out: list[Annotation] = []
    for p in passes:
        try:
            out.extend(p.annotate(briefing))
        except Exception as exc:
            log.warning("analysis pass %r failed on %s (%s: %s); stored without it",
                        getattr(p, "name", p), briefing.source, type(exc).__name__, exc)
    return out


def _sync_outlets(db: Database) -> None:
    try:
        from .parse.outlets import registry
    except ImportError:
        return
    try:
        outlets = registry()[0]
    except Exception as exc:  # the registry is a convenience for the outlets table, not a reason to stop
        log.warning("outlet registry unavailable: %s", exc)
        return
    db.store.sync_outlets((o.name, o.type, o.country) for o in outlets.values())


def ingest_briefing(db: Database, briefing: Briefing, data: bytes, *, passes: Iterable[Any] = ()) -> IngestResult:
    """Store one parsed page (``data``: the raw page it was parsed from): "unchanged" when the store already holds
    this parse (nothing is written, no pass runs), else "added"/"updated" after the passes annotate it. Used by
    ``ingest`` for each file and by ``podium fetch`` for each downloaded transcript."""
    content = content_hash(briefing)
    known = db.store.lookup(briefing)
    if known is not None and known["content_sha256"] == content and (known["url"] or not briefing.url):
        return IngestResult(briefing.source, "unchanged", briefing.key)
    annotations = annotate(briefing, passes)
    status, _ = db.store.write_briefing(briefing, page_sha256=hashlib.sha256(data).hexdigest(),
                                        annotations=annotations, content_sha256=content)
    return IngestResult(briefing.source, status, briefing.key)


def ingest(db: Database, paths: Iterable[str | Path], *, format: str | None = None, analyse: bool = True,
           progress: bool = False, on_result: Callable[[IngestResult], None] | None = None,
           passes: Iterable[Any] | None = None) -> IngestReport:
    """Ingest files and folders into ``db``; a bad file is recorded in the report and the batch goes on.

    ``passes``: the analysis passes to run (default: ``analysis_passes()`` when ``analyse``).
    """
    report = IngestReport()

    def record(r: IngestResult) -> None:
        report.results.append(r)
        if on_result is not None:
            on_result(r)

    pages, missing = expand(paths)
    for err in missing:
        record(IngestResult(err.source, "failed", error=err.reason))
    passes = (list(passes) if passes is not None else analysis_passes()) if analyse else []
    _sync_outlets(db)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(pages), file=sys.stderr, unit="page", dynamic_ncols=True)
    written = 0
    try:
        for page in pages:
            if bar is not None:
                bar.update(1)
            if page.skip:
                record(IngestResult(page.source, "skipped", error=page.skip))
                continue
            try:
                try:
                    data = page.path.read_bytes()
                except OSError as exc:
                    raise SourceError(page.source, f"cannot be read: {exc.strerror or exc}") from None
                briefing = parse_bytes(data, page.source, format=format, url=page.url, charset=page.charset)
                result = ingest_briefing(db, briefing, data, passes=passes)
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
            record(result)
            if result.status != "unchanged":
                written += 1
                if written % FLUSH_EVERY == 0:
                    db.flush()
    finally:
        if bar is not None:
            bar.close()
        db.flush()
    return report
