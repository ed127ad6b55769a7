"""One fetch run over a publisher's section: walk its listing pages newest first, download the transcripts the
database does not hold, archive every page, hand each to the caller's ``read`` (the parser) and each readable
transcript to the caller's ``store``.

The walk stops at the first listing page whose regular press conferences are all held already (the database is
caught up), at the ``since`` date, or at the end of the listing. With ``since``/``until`` given it walks the whole
range instead, so an explicit range also fills gaps. It keeps its state in the archive (``state.json``): a run cut
short (killed, request cap, network down) is marked in progress, and the next run does not take pages it already
walked for "caught up" but goes on to where the last one stopped; transcripts that can never be stored (HTTP
404/410, disallowed by robots.txt, a whole page the parsers refuse) are remembered there and not requested again
(the archive keeps the refused pages: ``podium ingest ARCHIVE`` re-parses them once the parser can read them);
transcripts that failed for a passing reason (5xx, timeout, a body or page cut off) are downloaded again by the
next runs, wherever their walk stops, and given up after ``MAX_ATTEMPTS`` runs. A run with ``since`` remembers that
date as the section's floor: later runs without ``since`` do not backfill below it.

Without a layout, the run detects it (``detect_layout``): it reads the first listing page of each layout in
``LAYOUT_NAMES`` order (the one found last time first) and takes the first that lists transcript links; that page
is the walk's first page, so detection costs a request only when the first guess is wrong. A site where no layout
fits stops the run with a message naming each URL tried and what it answered.

Two guards bound a run whatever the site does. A listing page whose transcript links were all on earlier pages of
this walk (a site that serves the same page for every page number, or pages that repeat) ends the walk with a
message saying which page repeated. And every run stops after ``DEFAULT_MAX_REQUESTS`` requests unless the caller
sets another cap (``--max-requests``); the next run goes on where it stopped.

The database is reached only through two callables (``held`` and ``store``), so this module needs no store; pages
are read through a third (``read``: ``podium.parse.parse_page``, given the ``PageHints`` the listing gives), so it
needs no parser.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from ..errors import FetchError, ParseError, PodiumError
from ..model import Briefing
from . import mfa
from .archive import Archive, record_charset
from .http import HttpClient, RequestCapReached, RobotsDisallowed
from .mfa import Layout, Link

#: The sites podium can fetch, by name: each a module with ``LAYOUTS`` ({(layout name, lang): Layout}),
#: ``LAYOUT_NAMES`` (the order layouts are tried in), ``parse_listing(body, url, layout) -> Listing``,
#: ``publisher_url(url)``, ``transcript_hints(link, layout, charset) -> PageHints`` and ``Link`` (see
#: ``sources.mfa``). A new publisher's site is one module and one entry here.
SITES = {"mfa": mfa}

__all__ = ["DEFAULT_MAX_REQUESTS", "SITES", "run_fetch"]

log = logging.getLogger(__name__)

#: Statuses after which a transcript URL is not requested again.
GONE_STATUSES = frozenset({404, 410})
#: Runs in which a transcript may fail for a passing reason (5xx, timeout, truncation) before it is given up.
MAX_ATTEMPTS = 5
#: Requests one run makes at most unless told otherwise: about 35 minutes at the default rate of 1 a second, room
#: for a year of both languages' transcripts and their listing pages; a run cut short goes on next time.
DEFAULT_MAX_REQUESTS = 2000


class _Run:
    def __init__(self, *, layout: Layout | None, lang: str, base_url: str, since: dt.date | None,
                 until: dt.date | None, client: HttpClient, archive: Archive, held: Callable[[Iterable[str]], set[str]],
                 store: Callable[[Briefing, bytes], str], read: Callable[..., Briefing],
                 on_event: Callable[[str, dict[str, Any]], None] | None, site: str = "mfa"):
        self.site_name, self.site = site, SITES[site]
        self.lang, self.base_url, self.since, self.until = lang, base_url.rstrip("/"), since, until
        self.client, self.archive, self.held, self.store, self.read = client, archive, held, store, read
        self.on_event = on_event
        self.state_all = archive.load_state()
        self.tried: set[str] = set()
        self.summary: dict[str, Any] = {
            "site": site, "lang": lang, "layout": None, "layout_detected": layout is None,
            "base_url": self.base_url, "archive": str(archive.path), "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None, "resumed": False,
            "listing_pages": 0, "listing_not_modified": 0, "links": 0, "other_links": 0, "held": 0,
            "known_gone": 0, "outside_range": 0, "downloaded": 0, "from_archive": 0, "retried": 0, "added": 0,
            "updated": 0, "unchanged": 0, "failed": [], "requests": 0, "complete": False, "stopped": None,
            "error": None,
        }
        if layout is not None:
            self.bind(layout)

    def bind(self, layout: Layout) -> None:
        """Walk ``layout``: its state in the archive is keyed by layout, language and host."""
        self.layout = layout
        self.key = f"{layout.name}|{layout.lang}|{self.base_url}"
        self.state: dict[str, Any] = self.state_all.setdefault(self.key, {})
        self.gone: dict[str, str] = self.state.setdefault("gone", {})
        self.retry: dict[str, dict[str, Any]] = self.state.setdefault("retry", {})
        self.summary["layout"] = layout.name
        self.summary["resumed"] = bool(self.state.get("in_progress"))

    def detect_layout(self) -> tuple[Layout, bytes]:
        """The layout whose first listing page lists transcript links (the one found last time tried first), with
        that page's body; FetchError naming every URL tried and its answer when none does."""
        memo_key = f"{self.lang}|{self.base_url}"
        last = self.state_all.get("detected", {}).get(memo_key)
        tried: list[str] = []
        for name in sorted(self.site.LAYOUT_NAMES, key=lambda n: n != last):
            layout = self.site.LAYOUTS[(name, self.lang)]
            url = layout.listing_url(self.base_url, 0)
            try:
                body = self.listing(url, layout)
            except RequestCapReached:
                raise
            except FetchError as exc:
                status = getattr(exc, "http_status", None)
                if not isinstance(exc, RobotsDisallowed) and (status is None or status >= 500):
                    raise  # the site is down or unreachable: no ground to tell one layout from another
                tried.append(f"{name}: {url} answers {getattr(exc, 'reason', exc)}")
                continue
            if body is None:
                tried.append(f"{name}: {url} redirects out of the section")
                continue
            if not self.site.parse_listing(body, url, layout).links:
                tried.append(f"{name}: {url} lists no transcript link of that layout")
                continue
            self.state_all.setdefault("detected", {})[memo_key] = name
            self.event("layout", layout=name, url=url)
            return layout, body
        raise FetchError(self.base_url, "could not tell the site's layout (" + "; ".join(tried) + "); pass "
                         + " or ".join(f"--layout {n}" for n in self.site.LAYOUT_NAMES))

    def event(self, kind: str, **data: Any) -> None:
        log.info("%s %s", kind, data)
        if self.on_event is not None:
            self.on_event(kind, data)

    def save(self) -> None:
        self.archive.save_state(self.state_all)

    # ---- listing pages -----------------------------------------------------------------------------------------

    def listing(self, url: str, layout: Layout | None = None) -> bytes | None:
        """The listing page's body (from the archive when the server says it has not changed); None when the page
        redirects out of the listing (how today's site ends its archive)."""
        layout = layout or self.layout
        rec = self.archive.latest(url)
        hdrs = rec["headers"] if rec else {}
        resp = self.client.get(url, etag=hdrs.get("etag"), last_modified=hdrs.get("last-modified"),
                               follow_redirects=False)
        self.summary["listing_pages"] += 1
        if resp.status in (301, 302, 303, 307, 308):
            target = urljoin(url, resp.headers.get("location", ""))
            if not layout.is_listing(target):
                return None
            resp = self.client.get(target)  # the listing moved within the section: read it there
        if resp.not_modified and rec is not None:
            self.summary["listing_not_modified"] += 1
            return self.archive.body(rec)
        self.archive.store(url=url, final_url=resp.final_url, status=resp.status, body=resp.body,
                           headers=resp.headers, fetched_at=resp.fetched_at, kind="list")
        return resp.body

    # ---- transcripts ---------------------------------------------------------------------------------------------

    def fail(self, link: Link, exc: PodiumError, *, gone: bool) -> None:
        reason = getattr(exc, "reason", None) or str(exc)
        self.summary["failed"].append({"url": link.url, "title": link.title, "error": reason})
        retry = self.retry.pop(link.url, None)
        attempts = (retry or {}).get("attempts", 0) + 1
        if gone or attempts >= MAX_ATTEMPTS:
            self.gone[link.url] = reason if gone else f"{reason} (gave up after {attempts} runs)"
        else:  # a passing failure: tried again next run even when the walk stops before its listing page
            self.retry[link.url] = {"title": link.title, "date": link.date.isoformat() if link.date else None,
                                    "error": reason, "attempts": attempts}
        self.save()
        self.event("failed", url=link.url, error=reason)

    def transcript(self, link: Link) -> None:
        self.tried.add(link.url)
        # reuse a copy downloaded by a run that stopped before storing it; a page that failed for a passing reason
        # (cut off, server error) is downloaded again
        rec = None if link.url in self.retry else self.archive.latest(link.url)
        if rec is not None:
            data = self.archive.body(rec)
            charset = record_charset(rec)
            self.summary["from_archive"] += 1
        else:
            try:
                resp = self.client.get(link.url)
            except RequestCapReached:
                raise
            except FetchError as exc:
                status = getattr(exc, "http_status", None)
                self.fail(link, exc, gone=isinstance(exc, RobotsDisallowed) or status in GONE_STATUSES)
                return
            self.archive.store(url=link.url, final_url=resp.final_url, status=resp.status, body=resp.body,
                               headers=resp.headers, fetched_at=resp.fetched_at, kind="transcript",
                               publisher_url=self.site.publisher_url(link.url))
            data, charset = resp.body, resp.charset
            self.summary["downloaded"] += 1
        try:
            briefing = self.read(data, source=link.url, hints=self.site.transcript_hints(link, self.layout, charset))
        except ParseError as exc:  # refused for good, unless the page was cut off on the way
            self.fail(link, exc, gone=not exc.reason.startswith("truncated"))
            return
        except Exception as exc:  # a parser bug on one page must not stop the run
            log.debug("unexpected error reading %s", link.url, exc_info=True)
            self.fail(link, ParseError(link.url, f"{type(exc).__name__}: {exc} (a podium bug; please report it with "
                                                 "this page)"), gone=False)
            return
        try:
            status = self.store(briefing, data)
        except PodiumError as exc:
            self.fail(link, exc, gone=False)
            return
        if self.retry.pop(link.url, None) is not None:
            self.save()
        self.summary[status] = self.summary.get(status, 0) + 1
        self.event(status, url=link.url, date=briefing.date.isoformat(), exchanges=len(briefing.exchanges))

    # ---- the walk ------------------------------------------------------------------------------------------------

    def walk(self) -> dict[str, Any]:
        first: bytes | None = None
        if self.summary["layout"] is None:
            try:
                layout, first = self.detect_layout()
            except (RequestCapReached, FetchError) as exc:
                self.summary["stopped"] = (exc.reason if isinstance(exc, RequestCapReached)
                                           else f"could not read a listing page: {exc}")
                self.summary["error"] = None if isinstance(exc, RequestCapReached) else str(exc)
                self.summary["requests"] = self.client.requests_made
                self.archive.save_state(self.state_all)
                self.archive.write_index()
                return self.summary
            self.bind(layout)
        resuming = bool(self.state.get("in_progress"))
        frontier = int(self.state.get("frontier", -1)) if resuming else -1
        self.state["in_progress"] = True
        self.state.setdefault("frontier", -1)
        self.state["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.save()
        explicit = self.since is not None or self.until is not None
        # a section fetched earlier only back to some date (--since) stays so: later runs do not backfill older
        # briefings unless asked (--since older), they stop at that date as at a caught-up page
        floor = self.state.get("floor")
        since = self.since
        if since is None and floor not in (None, "all"):
            since = dt.date.fromisoformat(floor)
        self.summary["since"] = since.isoformat() if since else None
        page_count: int | None = None
        n = 0
        seen_links: dict[str, int] = {}  # transcript link -> the listing page it was first on (loop detection)
        try:
            while True:
                if page_count is not None and n >= page_count:
                    self.finish("end of the listing", end=True)
                    break
                url = self.layout.listing_url(self.base_url, n)
                try:
                    body = first if n == 0 and first is not None else self.listing(url)
                except RequestCapReached:
                    raise
                except FetchError as exc:
                    if n > 0 and getattr(exc, "http_status", None) in GONE_STATUSES:
                        self.finish(f"end of the listing (listing page {n} answers {exc.reason})", end=True)
                        break
                    raise
                if body is None:
                    self.finish(f"end of the listing (listing page {n} redirects out of the section)", end=True)
                    break
                listing = self.site.parse_listing(body, url, self.layout)
                page_count = listing.page_count or page_count
                if not listing.links:
                    self.finish(f"end of the listing (listing page {n} has no transcript links)", end=True)
                    break
                repeated = self.repeats(listing.links, seen_links, n)
                if repeated:
                    self.event("loop", url=url, page=n, message=repeated)
                    self.finish(f"end of the listing: listing page {n} ({url}) {repeated}; the walk stops here",
                                end=True)
                    break
                regular = [ln for ln in listing.links if ln.regular]
                self.summary["links"] += len(regular)
                self.summary["other_links"] += len(listing.links) - len(regular)
                canon = {ln.url: self.site.publisher_url(ln.url) for ln in regular}
                known = self.held(list(canon.values()))
                held_before = {u for u, c in canon.items() if c in known}
                caught_up = bool(regular) and all(ln.url in held_before or ln.url in self.gone for ln in regular)
                reached_since = False
                newer: dt.date | None = None  # date of the link above: bounds an undated one (newest first)
                for link in regular:
                    when = link.date or newer
                    newer = when
                    if self.until is not None and link.date is not None and link.date > self.until:
                        self.summary["outside_range"] += 1
                    elif since is not None and when is not None and when < since:
                        self.summary["outside_range"] += 1
                        reached_since = True
                    elif link.url in held_before:
                        self.summary["held"] += 1
                    elif link.url in self.gone:
                        self.summary["known_gone"] += 1
                    else:
                        self.transcript(link)
                self.state["frontier"] = max(int(self.state.get("frontier", -1)), n)
                self.save()
                self.event("listing", url=url, page=n, links=len(regular))
                if reached_since:
                    self.finish(f"reached --since {since}" if self.since else
                                f"reached {since}, the oldest date earlier runs fetched (pass an older --since to "
                                "fetch further back)")
                    if floor in (None, "all") and self.since is not None:
                        self.state["floor"] = self.since.isoformat() if floor is None else floor
                    elif floor not in (None, "all"):
                        self.state["floor"] = min(floor, since.isoformat())
                    break
                if not explicit and caught_up and n > frontier:
                    self.finish(f"caught up: listing page {n} holds only transcripts already held")
                    break
                n += 1
            self.retry_failed()
        except RequestCapReached as exc:
            self.summary["stopped"] = exc.reason
        except FetchError as exc:
            self.summary["stopped"] = f"could not read a listing page: {exc}"
            self.summary["error"] = str(exc)
        finally:
            self.summary["requests"] = self.client.requests_made
            self.save()
            self.archive.write_index()
        return self.summary

    @staticmethod
    def repeats(links: tuple[Link, ...], seen: dict[str, int], n: int) -> str | None:
        """Why listing page ``n`` repeats earlier pages (every link already on them), or None; records its links."""
        pages = {seen.get(ln.url) for ln in links}
        for ln in links:
            seen.setdefault(ln.url, n)
        if n == 0 or None in pages:
            return None
        if len(pages) == 1:
            k = pages.pop()
            return f"lists the same {len(links)} transcript link(s) as listing page {k}"
        return (f"lists only transcript links already seen on earlier listing pages ({len(links)} link(s), "
                f"from pages {', '.join(str(k) for k in sorted(pages))})")

    def retry_failed(self) -> None:
        """Transcripts that failed for a passing reason in earlier runs and were not reached by this walk."""
        todo = [(url, r) for url, r in self.retry.items() if url not in self.tried]
        if not todo:
            return
        canon = {url: self.site.publisher_url(url) for url, _ in todo}
        known = self.held(list(canon.values()))
        for url, r in todo:
            if canon[url] in known:
                self.retry.pop(url, None)
                continue
            date = dt.date.fromisoformat(r["date"]) if r.get("date") else None
            self.summary["retried"] = self.summary.get("retried", 0) + 1
            self.transcript(self.site.Link(url, r.get("title") or "", date, True))

    def finish(self, why: str, *, end: bool = False) -> None:
        """The walk ended as it should; ``end``: at the end of the listing (everything back to the start seen)."""
        if end:
            self.state["floor"] = "all"
        self.summary["complete"] = True
        self.summary["stopped"] = why
        self.state["in_progress"] = False
        self.state["frontier"] = -1
        self.state["completed_at"] = datetime.now(UTC).isoformat(timespec="seconds")


def run_fetch(*, layout: Layout | None, base_url: str, client: HttpClient, archive: Archive,
              held: Callable[[Iterable[str]], set[str]], store: Callable[[Briefing, bytes], str],
              read: Callable[..., Briefing], lang: str | None = None, since: dt.date | None = None,
              until: dt.date | None = None,
              on_event: Callable[[str, dict[str, Any]], None] | None = None, site: str = "mfa") -> dict[str, Any]:
    """Walk one section of ``site`` (a ``SITES`` name) and store what is new; returns the run's summary (counts,
    failures, why it stopped).

    ``layout``: None to detect it from the site (``lang`` then says which section). ``held(urls)``: the URLs the
    database already holds; ``read(page_bytes, *, source, hints)``: the parser (``podium.parse.parse_page``), given
    the ``PageHints`` the listing gives (``mfa.transcript_hints``: the layout's format as ``hints.layout``, so a page
    that is not a whole regular press conference in that layout is refused with a ParseError);
    ``store(briefing, raw_page)``: store one transcript and return "added" / "updated" / "unchanged" (raise a
    PodiumError to record a failure). The client's request cap bounds the run (callers pass
    ``DEFAULT_MAX_REQUESTS`` when the user set none)."""
    if layout is None and lang is None:
        raise ValueError("run_fetch needs a layout or a language to detect one for")
    return _Run(layout=layout, lang=layout.lang if layout is not None else str(lang), base_url=base_url, since=since,
                until=until, client=client, archive=archive, held=held, store=store, read=read,
                on_event=on_event, site=site).walk()
