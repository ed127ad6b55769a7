"""What the routes (``app``) and the pages (``pages``) share: the ``Web`` object (the facade, the thread pool
that runs its blocking calls under a time limit, the caches of computed pages and rendered answers), the JSON
response, the HTTP errors a handler raises, and URL building. It imports neither of them.

What holds a crowd: every GET answer (pages, JSON, CSV, SVG) is rendered once per database version and kept
in a bounded cache (``ResponseCache``), so a repeated search, facet count or aggregate page costs a dictionary
look-up; concurrent requests for the same answer share one computation; every answer carries an ``ETag`` and a
request whose ``If-None-Match`` matches gets 304 without a body (static files too).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import hmac
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..api import Podium
from ..errors import PodiumError


class QueryTimeout(PodiumError):
    """A request took longer than the server's time limit."""

    status = 503


class Unauthorized(PodiumError):
    """A write was attempted without the right admin token."""

    status = 401


class Forbidden(PodiumError):
    """A write was attempted on a read-only server."""

    status = 403


class TooLarge(PodiumError):
    status = 413


#: Sent with cached answers: the browser keeps them but asks again with If-None-Match (answered 304 while the
#: database has not changed).
DYNAMIC_CACHE_CONTROL = "no-cache"

#: Response headers that describe one particular transfer, not the content: never stored with a cached answer.
_PER_TRANSFER = (b"content-length", b"etag", b"cache-control", b"date", b"server")


def etag_of(body: bytes) -> str:
    """A strong validator of a body: the same bytes give the same tag in every worker process."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(request: Request, etag: str) -> bool:
    """Whether the request's If-None-Match names this tag (or is ``*``); weak tags compare by their value."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


class CachedAnswer:
    """A rendered 200 answer: body, its headers less per-transfer ones, its ETag; and the body gzipped once
    (served to clients that accept it: fewer bytes to write and read on every repeat)."""

    __slots__ = ("body", "headers", "etag", "gzipped")

    #: Bodies shorter than this are sent as they are.
    GZIP_MIN = 1400

    def __init__(self, response: Response) -> None:
        self.body = bytes(response.body)
        self.headers = [(k, v) for k, v in response.raw_headers if k.lower() not in _PER_TRANSFER]
        self.etag = etag_of(self.body)
        self.gzipped: bytes | None = None
        if len(self.body) >= self.GZIP_MIN and not any(k.lower() == b"content-encoding" for k, _ in self.headers):
            self.gzipped = gzip.compress(self.body, compresslevel=5, mtime=0)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def response(self, request: Request) -> Response:
        """The answer for this request: 304 without a body when the client holds this version already."""
        gzipped = self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "")
        etag = self.etag[:-1] + '-gz"' if gzipped else self.etag  # another representation: another tag
        extra = [(b"etag", etag.encode()), (b"cache-control", DYNAMIC_CACHE_CONTROL.encode())]
        if self.gzipped is not None:
            extra.append((b"vary", b"accept-encoding"))
        if etag_matches(request, etag):
            out = Response(status_code=304)
            out.raw_headers = [*(h for h in self.headers if h[0].lower() != b"content-type"), *extra]
            return out
        out = Response(self.gzipped if gzipped else self.body)
        out.raw_headers = [*out.raw_headers, *self.headers, *extra]
        if gzipped:
            out.raw_headers.append((b"content-encoding", b"gzip"))
        return out


class ResponseCache:
    """Rendered answers keyed by (path, sorted query) for one database version; least recently used dropped
    first, bounded in bytes. A new database version empties it (an old answer can never be served again)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: Any = None
        self.size = 0
        self._items: OrderedDict[Any, CachedAnswer] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Any, version: Any) -> CachedAnswer | None:
        if version != self.version:
            self._items.clear()
            self.size, self.version = 0, version
            return None
        entry = self._items.get(key)
        if entry is not None:
            self._items.move_to_end(key)
        return entry

    def put(self, key: Any, version: Any, entry: CachedAnswer) -> None:
        if version != self.version or entry.size > self.max_bytes // 8:
            return  # rendered for a version that is gone, or too big to keep without crowding out the rest
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= old.size
        self._items[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self.size -= dropped.size

    def __len__(self) -> int:
        return len(self._items)


class Web:
    """What the handlers share: the facade, the thread pool that runs its blocking calls, the admin token, and
    the cache of aggregate pages (keyed by the database's data version: a write anywhere empties it)."""

    #: Most cached results kept (each an aggregate page's data).
    CACHE_SIZE = 64
    #: Bytes of rendered answers kept per process (``ResponseCache``).
    RESPONSE_CACHE_BYTES = 64 * 1024 * 1024

    def __init__(self, db_path: str | Path, admin_token: str | None, query_timeout: float, workers: int) -> None:
        self.pod = Podium(db_path, create=False, read_only=not admin_token)  # without a token nothing is written
        self.db_path = str(db_path)
        self.admin_token = admin_token or None
        self.query_timeout = query_timeout
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="podium-web")
        self.responses = ResponseCache(self.RESPONSE_CACHE_BYTES)
        self._rendering: dict[Any, asyncio.Future[CachedAnswer | Response]] = {}
        # one writer at a time; reads go on meanwhile (WAL)
        self.write_lock = threading.Lock()
        self._cache: dict[Any, tuple[Any, Any]] = {}
        self._computing: dict[Any, asyncio.Future[Any]] = {}  # (key, version) -> the task computing it
        #: id(cached value) -> (value, its JSON body once rendered): a cached page is serialised once
        self._rendered: dict[int, tuple[Any, bytes | None]] = {}

    async def cached(self, key: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` run in the pool once per database version: the same call while the data has
        not changed is answered from memory, and concurrent callers of one key share one computation (an
        expensive page cannot fill the pool by being asked for many times at once). A caller past the time
        limit gets 503, but the computation goes on and fills the cache for the next ones. Callers must not
        mutate the result."""
        version = self.pod.data_version()
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        task = self._computing.get((key, version))
        if task is None:
            task = asyncio.ensure_future(self._compute(key, version, fn, args, kwargs))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())  # never "exception not retrieved"
            self._computing[(key, version)] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.query_timeout)
        except TimeoutError:
            raise QueryTimeout(
                f"this page took longer than the server's limit of {self.query_timeout:g} s to compute; it is "
                "still being computed: ask again in a moment") from None

    async def _compute(self, key: Any, version: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        loop = asyncio.get_running_loop()
        try:
            value = await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))
        finally:
            self._computing.pop((key, version), None)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (version, value)
        self._rendered = {i: r for i, r in self._rendered.items()
                          if any(v is r[0] for _, v in self._cache.values())}
        self._rendered[id(value)] = (value, None)
        return value

    async def answer(self, request: Request, render: Callable[[], Awaitable[Response]]) -> Response:
        """A GET answer from the response cache, or ``render()`` once for everyone asking the same thing now.

        Only 200 answers with a body in memory are kept; errors (400, 404, 503) are raised again for each caller
        and never cached. Every cached answer carries its ETag; a matching If-None-Match gets 304."""
        version = self.pod.data_version()
        key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
        entry = self.responses.get(key, version)
        if entry is not None:
            self.responses.hits += 1
            return entry.response(request)
        self.responses.misses += 1
        task = self._rendering.get((key, version))
        if task is None:
            task = asyncio.ensure_future(self._render(key, version, render))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._rendering[(key, version)] = task
        result = await asyncio.shield(task)
        return result.response(request) if isinstance(result, CachedAnswer) else result

    async def _render(self, key: Any, version: Any, render: Callable[[], Awaitable[Response]]
                      ) -> CachedAnswer | Response:
        try:
            response = await render()
        finally:
            self._rendering.pop((key, version), None)
        if response.status_code != 200 or not hasattr(response, "body") or type(response).__name__ in (
                "StreamingResponse", "FileResponse"):
            return response  # a redirect, or an answer not held in memory: passed on as it is
        entry = CachedAnswer(response)
        self.responses.put(key, version, entry)
        return entry

    def json_body(self, data: Any) -> bytes | None:
        """The JSON body of a value ``cached`` returned, rendered once; None for any other value."""
        entry = self._rendered.get(id(data))
        if entry is None or entry[0] is not data:
            return None
        if entry[1] is None:
            entry = (data, JSON(data).body)
            self._rendered[id(data)] = entry
        return entry[1]

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run a blocking facade call in the pool; past the time limit answer 503 (the thread finishes alone)."""
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))
        limit = self.query_timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(fut, limit)
        except TimeoutError:
            raise QueryTimeout(
                f"the request took longer than the server's limit of {limit:g} s and was stopped; "
                "narrow it (a longer phrase, fewer prefix* terms, a date range or another filter)") from None

    def check_admin(self, request: Request) -> None:
        if self.admin_token is None:
            raise Forbidden("this server is read-only: writing needs a server started with --admin-token")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("send the admin token as 'Authorization: Bearer TOKEN'")
        if not hmac.compare_digest(token.strip().encode(), self.admin_token.encode()):
            raise Unauthorized("the admin token is not right")

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.pod.close()


# ---- JSON ---------------------------------------------------------------------------------------------------

def jsonable(obj: Any) -> Any:
    """Plain JSON values: NaN -> null, numpy scalars -> Python, dates -> ISO strings."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return jsonable(obj.tolist())
    return str(obj)


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(jsonable(content), ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")


# ---- URLs ---------------------------------------------------------------------------------------------------

def url_for_params(path: str, params: dict[str, Any] | None = None, **changes: Any) -> str:
    """``path?query`` from params with some changed; None or "" drops a parameter."""
    merged = dict(params or {})
    merged.update(changes)
    pairs: list[tuple[str, str]] = []
    for k, v in merged.items():
        if v is None or v == "" or v is False:
            continue
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if item not in (None, ""):
                pairs.append((k, "1" if item is True else str(item)))
    return path + ("?" + urlencode(pairs) if pairs else "")


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=302)
