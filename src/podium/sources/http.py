"""The polite HTTP client every podium fetch goes through: User-Agent, robots.txt, rate limit, retries, caps.

What it promises the sites it visits: it says who it is (``USER_AGENT``), asks robots.txt first and obeys it,
spaces its requests (``rate`` requests a second, default one; a larger robots.txt ``Crawl-delay`` wins), retries
only what may succeed later (timeouts, connection errors, 5xx, 429; with exponential backoff), re-checks pages
with conditional requests (ETag / Last-Modified), and stops at a hard cap of requests per run.

What it promises podium: a ``Response`` with the body as sent, or a ``FetchError`` naming the URL and saying what
was wrong (HTTP status, redirect loop, truncated body, not an HTML page, disallowed by robots.txt, timed out).
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..errors import FetchError

__all__ = ["DEFAULT_RATE", "USER_AGENT", "HttpClient", "RequestCapReached", "Response", "RobotsDisallowed"]

USER_AGENT = f"podium/{__version__} (+research; contact in README)"
#: Requests a second when the caller does not say.
DEFAULT_RATE = 1.0
#: Content types accepted as a page (anything else is "not an HTML page").
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
#: Statuses worth retrying: the server may answer next time.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class RequestCapReached(FetchError):
    """The run has used up its request budget (``max_requests``); what was fetched so far stays fetched."""


class RobotsDisallowed(FetchError):
    """robots.txt asks robots like podium not to fetch this URL."""

    status = 403


@dataclass(frozen=True)
class Response:
    """One answered request (after redirects)."""

    url: str
    #: Where the body came from after following redirects.
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    #: The server said 304: the page has not changed since the ETag/Last-Modified we sent (body is empty).
    not_modified: bool = False
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class _Host:
    robots: urllib.robotparser.RobotFileParser | None = None
    crawl_delay: float = 0.0
    checked: bool = False


@dataclass
class HttpClient:
    """A polite client for one fetch run. Not meant to be shared between concurrent runs."""

    rate: float = DEFAULT_RATE
    max_requests: int | None = None
    timeout: float = 20.0
    #: Attempts after the first one for retryable failures.
    retries: int = 3
    #: First backoff delay in seconds; doubles with each retry.
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    respect_robots: bool = True
    #: Every request made, in order: (monotonic start time, method, url, status or error name), for summaries.
    log: list[tuple[float, str, str, str]] = field(default_factory=list)
    _client: httpx.Client | None = field(default=None, repr=False)
    _last: float | None = field(default=None, repr=False)
    _hosts: dict[str, _Host] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError("rate must be >= 0 (0 = no limit)")
        self._client = httpx.Client(follow_redirects=False, timeout=self.timeout,
                                    headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"})

    # ---- lifecycle ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests_made(self) -> int:
        return len(self.log)

    # ---- politeness ----------------------------------------------------------------------------------------------

    def _wait_turn(self, crawl_delay: float) -> None:
        interval = max(1.0 / self.rate if self.rate > 0 else 0.0, crawl_delay)
        with self._lock:
            now = time.monotonic()
            if self._last is not None and interval > 0:
                delay = self._last + interval - now
                if delay > 0:
                    time.sleep(delay)
            self._last = time.monotonic()

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        host = self._hosts.setdefault(key, _Host())
        if self.respect_robots and not host.checked:
            host.checked = True  # set first: fetching robots.txt itself goes through here
            robots_url = key + "/robots.txt"
            try:
                resp = self._get(robots_url, host, expect=None)
            except RequestCapReached:
                host.checked = False
                raise
            except FetchError as exc:
                # RFC 9309: robots.txt unreachable (5xx, network) = assume complete disallow; 4xx = no rules
                status = getattr(exc, "http_status", None)
                if status is not None and 400 <= status < 500:
                    return host
                raise FetchError(robots_url, f"robots.txt could not be read ({exc.reason}); not fetching from "
                                             f"{key} until it can be (retry later)") from None
            if resp.content_type in ("text/plain", "") or resp.final_url.endswith("robots.txt"):
                parser = urllib.robotparser.RobotFileParser(robots_url)
                parser.parse(resp.body.decode("utf-8", "replace").splitlines())
                host.robots = parser
                delay = parser.crawl_delay(self.user_agent)
                host.crawl_delay = float(delay) if delay else 0.0
            # robots.txt redirecting to an HTML page (as fmprc.gov.cn's does) holds no rules
        return host

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets podium fetch this URL (fetches robots.txt once per host)."""
        host = self._host(url)
        return host.robots is None or host.robots.can_fetch(self.user_agent, url)

    # ---- requests ------------------------------------------------------------------------------------------------

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            expect: str | None = "html", follow_redirects: bool = True) -> Response:
        """GET a page politely. ``etag``/``last_modified`` make it conditional (a 304 gives ``not_modified``);
        ``expect="html"`` rejects bodies that are not pages; ``follow_redirects=False`` returns a redirect as it
        came (status 3xx, ``headers["location"]``). Raises FetchError (RobotsDisallowed, RequestCapReached) with
        the URL and the reason."""
        host = self._host(url)
        if host.robots is not None and not host.robots.can_fetch(self.user_agent, url):
            raise RobotsDisallowed(url, "disallowed by the site's robots.txt for podium; not fetched")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, host, expect=expect, headers=headers, follow=follow_redirects)

    def _get(self, url: str, host: _Host, *, expect: str | None, headers: dict[str, str] | None = None,
             follow: bool = True) -> Response:
        seen = [url]
        current = url
        while True:
            resp = self._attempts(current, host, headers or {})
            if resp.status in (301, 302, 303, 307, 308) and not follow:
                return resp
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.headers.get("location")
                if not location:
                    raise _status_error(url, resp.status, f"redirect ({resp.status}) without a Location header")
                nxt = urljoin(current, location)
                if nxt in seen:
                    raise FetchError(url, "redirect loop: " + " -> ".join([*seen, nxt]))
                if len(seen) > self.max_redirects:
                    raise FetchError(url, f"more than {self.max_redirects} redirects: " + " -> ".join(seen))
                seen.append(nxt)
                if urlsplit(nxt).netloc != urlsplit(current).netloc:
                    host = self._host(nxt)
                if host.robots is not None and not host.robots.can_fetch(self.user_agent, nxt):
                    raise RobotsDisallowed(url, f"redirected to {nxt}, which robots.txt disallows")
                current = nxt
                continue
            break
        redirects = tuple(seen[1:])
        if resp.status == 304:
            return Response(url, current, 304, resp.headers, b"", resp.fetched_at, True, redirects)
        if resp.status >= 400:
            raise _status_error(url, resp.status, _reason(resp.status))
        if resp.status != 200:
            raise _status_error(url, resp.status, f"unexpected HTTP status {resp.status}")
        if expect == "html" and resp.content_type and resp.content_type not in HTML_TYPES:
            raise FetchError(url, f"not an HTML page: the server sent {resp.content_type!r}")
        if expect == "html" and not resp.body.strip():
            raise FetchError(url, "empty body (HTTP 200 with no content)")
        return Response(url, current, resp.status, resp.headers, resp.body, resp.fetched_at, False, redirects)

    def _attempts(self, url: str, host: _Host, headers: dict[str, str]) -> Response:
        """One request with retries for what may pass next time; raises FetchError when attempts run out."""
        delay = self.backoff
        last_problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(delay, self.max_backoff))
                delay *= 2
            if self.max_requests is not None and len(self.log) >= self.max_requests:
                raise RequestCapReached(url, f"request cap reached ({self.max_requests} requests this run); "
                                             "run again to go on")
            self._wait_turn(host.crawl_delay)
            started = time.monotonic()
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            try:
                r = self._client.get(url, headers=headers)  # type: ignore[union-attr]
                body = r.content
            except httpx.TimeoutException:
                self.log.append((started, "GET", url, "timeout"))
                last_problem = f"timed out (no answer within {self.timeout:g} s)"
                continue
            except httpx.RemoteProtocolError as exc:
                self.log.append((started, "GET", url, "truncated"))
                last_problem = _truncation(str(exc))
                continue
            except (httpx.TransportError, OSError) as exc:
                self.log.append((started, "GET", url, type(exc).__name__))
                last_problem = f"connection failed ({type(exc).__name__}: {exc})"
                continue
            self.log.append((started, "GET", url, str(r.status_code)))
            hdrs = {k.lower(): v for k, v in r.headers.items()}
            declared = hdrs.get("content-length")
            if declared and declared.isdigit() and "content-encoding" not in hdrs and r.status_code == 200 \
                    and int(declared) != len(body):
                last_problem = f"truncated body: received {len(body)} of {declared} bytes (Content-Length)"
                continue
            if r.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {r.status_code} {_reason(r.status_code)}"
                retry_after = hdrs.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
                continue
            return Response(url, url, r.status_code, hdrs, body, fetched_at)
        tries = self.retries + 1
        raise FetchError(url, f"{last_problem}; gave up after {tries} attempt{'s' if tries > 1 else ''}")


def _reason(status: int) -> str:
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _status_error(url: str, status: int, reason: str) -> FetchError:
    exc = FetchError(url, f"HTTP {status} {reason}" if not reason.startswith(("redirect", "unexpected")) else reason)
    exc.http_status = status  # type: ignore[attr-defined]
    return exc


def _truncation(message: str) -> str:
    # httpx: "peer closed connection without sending complete message body (received 100 bytes, expected 200)"
    import re

    m = re.search(r"received (\d+) bytes, expected (\d+)", message)
    if m:
        return f"truncated body: received {m.group(1)} of {m.group(2)} bytes (Content-Length)"
    return f"truncated or malformed response ({message})"
