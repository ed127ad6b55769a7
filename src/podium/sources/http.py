"""The polite HTTP client every podium fetch goes through: User-Agent, robots.txt, rate limit, retries, caps.

What it promises the sites it visits: it says who it is (``USER_AGENT``), asks robots.txt first and obeys it,
spaces its requests (``rate`` requests a second, default one; a larger robots.txt ``Crawl-delay`` wins), retries
only what may succeed later (timeouts, connection errors, 5xx, 429; with exponential backoff, or as long as the
server's ``Retry-After`` asks, in seconds or as a date), re-checks pages with conditional requests (ETag /
Last-Modified), and stops at a hard cap of requests per run.

What it promises podium, whatever the server does: each request ends within ``deadline`` seconds (a server
trickling a byte a second is cut off, headers included); a body is at most ``max_bytes`` as sent and again after
gzip/deflate decompression (a gzip bomb stops at the cap, it is never inflated whole); a ``Retry-After`` longer
than ``max_retry_after`` is not waited for (the URL fails with the server's wish in the message); a run ends
after ``run_seconds`` (``RunTimeReached``, resumable like the request cap). The answer is a ``Response`` with
the body as sent (decompressed) and the charset the server declared, or a ``FetchError`` naming the URL and saying
what was wrong (HTTP status, redirect loop, truncated body, too large, not an HTML page, disallowed by robots.txt,
timed out).
"""

from __future__ import annotations

import codecs
import email.utils
import socket
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from .._version import __version__
from ..errors import FetchError

__all__ = ["DEFAULT_DEADLINE", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_RETRY_AFTER", "DEFAULT_RATE", "USER_AGENT",
           "HttpClient", "RequestCapReached", "Response", "RobotsDisallowed", "RunTimeReached", "charset_of",
           "retry_after_seconds"]

USER_AGENT = f"podium/{__version__} (+research; contact in README)"
#: Requests a second when the caller does not say.
DEFAULT_RATE = 1.0
#: Seconds one request may take from connecting to the body's last byte, retries not included.
DEFAULT_DEADLINE = 60.0
#: Largest body accepted, as sent and after decompression (real transcripts weigh under 1 MB).
DEFAULT_MAX_BYTES = 20_000_000
#: Longest ``Retry-After`` waited for; a server asking for more is not retried in this run.
DEFAULT_MAX_RETRY_AFTER = 300.0
#: Content types accepted as a page (anything else is "not an HTML page").
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
#: Statuses worth retrying: the server may answer next time.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class RequestCapReached(FetchError):
    """The run has used up its request budget (``max_requests``); what was fetched so far stays fetched."""


class RunTimeReached(RequestCapReached):
    """The run has used up its time (``run_seconds``); like the request cap, the next run goes on from here."""


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

    @property
    def charset(self) -> str | None:
        """The charset the server declared in Content-Type, when it names one Python knows."""
        return charset_of(self.headers.get("content-type", ""))


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header ("text/html; charset=UTF-16LE" -> "utf-16-le"), when
    Python knows it; None otherwise."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("'\"").strip()
            try:
                return codecs.lookup(value).name if value else None
            except LookupError:
                return None
    return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015
    07:28:00 GMT"; a date in the past is 0). None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


def _decoded(chunks: Iterator[bytes], encoding: str, limit: int) -> Iterator[bytes]:
    """Decompress a gzip or deflate stream chunk by chunk, never producing more than ``limit`` + 1 bytes in
    all (inflating is bounded by ``max_length``, so a bomb costs the cap, not its full size)."""
    wbits = zlib.MAX_WBITS | 32 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    produced = 0
    first = True
    for chunk in chunks:
        data = chunk
        while data:
            try:
                out = d.decompress(data, limit + 1 - produced)
            except zlib.error:
                if first and encoding == "deflate":  # raw deflate without the zlib header, as some servers send
                    d = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                raise
            first = False
            produced += len(out)
            if out:
                yield out
            if produced > limit:
                raise _TooLarge
            if d.eof:
                data = d.unused_data
                if data:  # another gzip member follows
                    d = zlib.decompressobj(wbits)
                continue
            data = d.unconsumed_tail
    tail = d.flush()
    if tail:
        produced += len(tail)
        yield tail
        if produced > limit:
            raise _TooLarge


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
    #: Seconds one request may take in all (connect, headers, body); None: only the per-read ``timeout``.
    deadline: float | None = DEFAULT_DEADLINE
    #: Largest body, as sent and after decompression.
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Longest Retry-After honoured (seconds); a longer one fails the URL for this run.
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    #: Seconds the whole run may take (requests and waits); None: no limit.
    run_seconds: float | None = None
    user_agent: str = USER_AGENT
    respect_robots: bool = True
    #: Every request made, in order: (monotonic start time, method, url, status or error name), for summaries.
    log: list[tuple[float, str, str, str]] = field(default_factory=list)
    _client: httpx.Client | None = field(default=None, repr=False)
    _last: float | None = field(default=None, repr=False)
    _hosts: dict[str, _Host] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError("rate must be >= 0 (0 = no limit)")
        for name in ("deadline", "max_retry_after", "run_seconds"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0")
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        # no keep-alive: each request gets its own connection, which the deadline watchdog can cut
        self._client = httpx.Client(follow_redirects=False, timeout=self.timeout,
                                    limits=httpx.Limits(max_keepalive_connections=0),
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

    def _run_left(self, url: str) -> float | None:
        """Seconds left in the run; RunTimeReached when none."""
        if self.run_seconds is None:
            return None
        left = self.run_seconds - (time.monotonic() - self._started)
        if left <= 0:
            raise RunTimeReached(url, f"run time limit reached ({self.run_seconds:g} s this run); run again to go on")
        return left

    def _sleep(self, url: str, seconds: float) -> None:
        left = self._run_left(url)
        if left is not None and seconds >= left:
            time.sleep(max(left, 0))
            self._run_left(url)
        time.sleep(seconds)

    def _fetch(self, url: str, headers: dict[str, str], limit: float | None) -> tuple[httpx.Response, bytes, int]:
        """One GET, ended by ``limit`` seconds whatever the server does: a watchdog shuts the socket down, which
        wakes a read blocked on a trickling server. Raises _Deadline, _TooLarge or httpx errors."""
        sockets: list[socket.socket] = []
        expired = threading.Event()

        def trace(event: str, info: dict) -> None:
            if event == "connection.connect_tcp.complete":
                sock = info["return_value"].get_extra_info("socket")
                if sock is not None:
                    sockets.append(sock)
                    if expired.is_set():
                        _shutdown(sock)

        def cut() -> None:
            expired.set()
            for sock in sockets:
                _shutdown(sock)

        timer = threading.Timer(limit, cut) if limit is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        deadline = None if limit is None else time.monotonic() + limit
        try:
            with self._client.stream("GET", url, headers=headers,  # type: ignore[union-attr]
                                     extensions={"trace": trace}) as r:
                encoding = r.headers.get("content-encoding", "").strip().lower()
                if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
                    raise httpx.DecodingError(f"content-encoding {encoding!r}, which podium did not ask for")
                raw_seen = 0

                def raw() -> Iterator[bytes]:
                    nonlocal raw_seen
                    for chunk in r.iter_raw():
                        raw_seen += len(chunk)
                        if raw_seen > self.max_bytes:
                            raise _TooLarge
                        if deadline is not None and time.monotonic() > deadline:
                            raise _Deadline
                        yield chunk

                parts = raw() if encoding in ("", "identity") else _decoded(raw(), encoding, self.max_bytes)
                body = bytearray()
                for part in parts:
                    body += part
                    if len(body) > self.max_bytes:
                        raise _TooLarge
                return r, bytes(body), raw_seen
        except httpx.TransportError:
            if expired.is_set():
                raise _Deadline from None
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _attempts(self, url: str, host: _Host, headers: dict[str, str]) -> Response:
        """One request with retries for what may pass next time; raises FetchError when attempts run out."""
        delay = self.backoff
        last_problem = ""
        wait: float | None = None  # what the server asked for (Retry-After), else the backoff
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(url, wait if wait is not None else min(delay, self.max_backoff))
                delay *= 2
                wait = None
            if self.max_requests is not None and len(self.log) >= self.max_requests:
                raise RequestCapReached(url, f"request cap reached ({self.max_requests} requests this run); "
                                             "run again to go on")
            left = self._run_left(url)
            self._wait_turn(host.crawl_delay)
            limit = self.deadline if left is None else min(left, self.deadline or left)
            started = time.monotonic()
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            try:
                r, body, raw_size = self._fetch(url, headers, limit)
            except _Deadline:
                self.log.append((started, "GET", url, "deadline"))
                self._run_left(url)
                last_problem = (f"timed out: no whole answer within the {limit:g} s deadline (the server is too "
                                "slow or trickling)")
                continue
            except _TooLarge:
                self.log.append((started, "GET", url, "too large"))
                raise FetchError(url, f"body over the size cap of {self.max_bytes / 1e6:g} MB (as sent or "
                                      "decompressed); not stored") from None
            except httpx.TimeoutException:
                self.log.append((started, "GET", url, "timeout"))
                last_problem = f"timed out (no answer within {self.timeout:g} s)"
                continue
            except httpx.DecodingError as exc:
                self.log.append((started, "GET", url, "undecodable"))
                raise FetchError(url, f"the body cannot be decompressed ({exc})") from None
            except zlib.error as exc:
                self.log.append((started, "GET", url, "undecodable"))
                raise FetchError(url, f"the body cannot be decompressed ({exc})") from None
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
            if declared and declared.isdigit() and r.status_code == 200 and int(declared) != raw_size:
                last_problem = f"truncated body: received {raw_size} of {declared} bytes (Content-Length)"
                continue
            if r.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {r.status_code} {_reason(r.status_code)}"
                asked = retry_after_seconds(hdrs.get("retry-after"))
                if asked is not None:
                    if asked > self.max_retry_after:
                        raise _status_error(url, r.status_code, f"{_reason(r.status_code)}; "
                                            f"the server asks to wait {asked:,.0f} s (Retry-After), longer than "
                                            f"the {self.max_retry_after:g} s this run waits: try again later")
                    wait = max(asked, min(delay, self.max_backoff))
                continue
            return Response(url, url, r.status_code, hdrs, body, fetched_at)
        tries = self.retries + 1
        raise FetchError(url, f"{last_problem}; gave up after {tries} attempt{'s' if tries > 1 else ''}")


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


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
