"""The web application's plumbing: routes, HTML-or-JSON rendering, errors, security headers, time limits, auth.

Every page is one data function (in ``pages``) returning a dict; the same function answers ``/page`` as HTML
(a Jinja2 template, autoescaped) and ``/page.json`` as JSON. PodiumErrors carry their HTTP status and one
handler renders them as an HTML page or a JSON body, depending on the URL. The facade's methods are blocking,
so they run in a thread pool under a time limit: a query that runs too long answers 503 with a message.

What holds a crowd: every GET answer (pages, JSON, CSV, SVG) is rendered once per database version and kept
in a bounded cache (``ResponseCache``), so a repeated search, facet count or aggregate page costs a dictionary
look-up; concurrent requests for the same answer share one computation; every answer carries an ``ETag`` and a
request whose ``If-None-Match`` matches gets 304 without a body (static files too). ``podium serve --workers N``
runs N such processes on one port (``app_from_env``); each keeps its own cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..api import Podium
from ..errors import PodiumError

HERE = Path(__file__).parent

#: Sent with every response. No inline script or style anywhere: pages load /static files only.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


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
#: database has not changed). Static files may be reused for an hour without asking.
DYNAMIC_CACHE_CONTROL = "no-cache"
STATIC_CACHE_CONTROL = "public, max-age=3600"

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
            import gzip

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


# ---- templates ----------------------------------------------------------------------------------------------

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


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _pct(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every value is escaped unless a template marks it |safe (only facade <mark> fields)
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.globals["url"] = url_for_params
    return Jinja2Templates(env=env)


# ---- errors -------------------------------------------------------------------------------------------------

def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.endswith((".json", ".csv", ".svg")) or path.startswith("/api/")


def error_response(request: Request, status: int, message: str, kind: str) -> Response:
    headers = dict(SECURITY_HEADERS)
    if status == 401:
        headers["www-authenticate"] = 'Bearer realm="podium"'
    if wants_json(request):
        return JSON({"error": kind, "status": status, "message": message}, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "kind": kind},
                                      status_code=status, headers=headers)


async def podium_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PodiumError)
    web: Web = request.app.state.web
    # the server's file system layout is not the reader's business
    message = str(exc).replace(web.db_path, Path(web.db_path).name)
    return error_response(request, exc.status, message, type(exc).__name__)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: f"there is no page at {request.url.path}",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, str(exc.detail))
    return error_response(request, exc.status_code, message, "NotFound" if exc.status_code == 404 else "HTTPError")


async def server_error(request: Request, exc: Exception) -> Response:
    return error_response(request, 500, f"internal error ({type(exc).__name__}); the server log has details",
                          "InternalError")


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to every HTTP response (static files and errors too), and a
    Cache-Control to static files."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                if static and b"cache-control" not in present:  # StaticFiles sends ETag and answers 304 itself
                    extra.append((b"cache-control", STATIC_CACHE_CONTROL.encode()))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---- pages --------------------------------------------------------------------------------------------------

DataFunction = Callable[[Request, Web], Awaitable[dict[str, Any]]]
ViewFunction = Callable[[dict[str, Any]], dict[str, Any]]


def page_routes(path: str, data_fn: DataFunction, template: str, view: ViewFunction | None = None,
                json_path: str | None = None) -> list[Route]:
    """``path`` as HTML and ``path.json`` (or json_path) as JSON, both from one data function. ``view`` adds
    presentation-only values for the template (never part of the JSON)."""

    async def render_html(request: Request) -> Response:
        web: Web = request.app.state.web
        data = await data_fn(request, web)
        if isinstance(data, Response):
            return data
        context = {"data": data, "page": template.removesuffix(".html"), "admin": web.admin_token is not None}
        if view is not None:
            context.update(view(data))
        return request.app.state.templates.TemplateResponse(request, template, context)

    async def render_json(request: Request) -> Response:
        web: Web = request.app.state.web
        data = await data_fn(request, web)
        if isinstance(data, Response):
            return data
        body = web.json_body(data)
        if body is not None:  # a cached page: serialised once per database version
            return Response(body, media_type="application/json")
        return JSON(data)

    as_html, as_json = cacheable(render_html), cacheable(render_json)

    # the JSON route first: "/briefings/{id}" would otherwise take "/briefings/74.json" as id "74.json"
    return [Route(json_path or f"{path.rstrip('/') or '/index'}.json", as_json, methods=["GET", "HEAD"]),
            Route(path, as_html, methods=["GET", "HEAD"], name=template.removesuffix(".html"))]


def cacheable(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint answered through the response cache (see ``Web.answer``)."""

    @functools.wraps(endpoint)
    async def cached_endpoint(request: Request) -> Response:
        web: Web = request.app.state.web
        return await web.answer(request, lambda: endpoint(request))

    return cached_endpoint


def create_app(db_path: str | Path, admin_token: str | None = None, *, query_timeout: float = 10.0,
               workers: int = 8) -> Starlette:
    """The podium web application over the database at db_path (which must exist).

    Read-only unless admin_token is given; then POST /api/ingest and /api/analyse accept
    ``Authorization: Bearer <admin_token>``. query_timeout: seconds a request may spend in the database;
    workers: threads running the facade's (blocking) calls."""
    from . import pages
    from .openapi import openapi

    web = Web(db_path, admin_token, query_timeout, workers)

    async def openapi_json(request: Request) -> Response:
        return JSON(openapi(admin=web.admin_token is not None))

    async def robots(request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /search\nDisallow: /trends\n")

    routes: list[Any] = [
        *page_routes("/", pages.home, "home.html", json_path="/index.json"),
        *page_routes("/search", pages.search, "search.html", view=pages.search_view),
        *page_routes("/briefings/{briefing_id}", pages.briefing, "briefing.html", view=pages.briefing_view),
        *page_routes("/events/{event_id}", pages.event, "event.html", view=pages.event_view),
        Route("/exchanges/{exchange_id}.json", cacheable(pages.exchange_json), methods=["GET", "HEAD"]),
        Route("/exchanges/{exchange_id}", pages.exchange_redirect, methods=["GET", "HEAD"]),
        *page_routes("/trends", pages.trends, "trends.html", view=pages.trends_view),
        Route("/trends.csv", cacheable(pages.trends_csv), methods=["GET", "HEAD"]),
        Route("/trends.svg", cacheable(pages.trends_svg), methods=["GET", "HEAD"]),
        *page_routes("/outlets", pages.outlets, "outlets.html", view=pages.outlets_view),
        *page_routes("/formulations", pages.formulations, "formulations.html", view=pages.formulations_view),
        Route("/api", pages.api_page, methods=["GET", "HEAD"], name="api"),
        Route("/openapi.json", cacheable(openapi_json), methods=["GET", "HEAD"]),
        Route("/robots.txt", robots, methods=["GET", "HEAD"]),
        Route("/api/ingest", pages.api_ingest, methods=["POST"]),
        Route("/api/analyse", pages.api_analyse, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        web.close()

    app = Starlette(
        routes=routes,
        exception_handlers={PodiumError: podium_error, HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.web = web
    app.state.templates = make_templates()
    app.state.templates.env.globals["syntax_rows"] = pages.SYNTAX
    app.add_middleware(SecurityHeaders)
    return app


#: Environment variables through which ``podium serve --workers N`` configures each worker process.
ENV_DB, ENV_TIMEOUT, ENV_THREADS = "PODIUM_WEB_DB", "PODIUM_WEB_TIMEOUT", "PODIUM_WEB_THREADS"
ENV_TOKEN = "PODIUM_ADMIN_TOKEN"


def app_from_env() -> Starlette:
    """The application as ``create_app`` makes it, configured from the environment: the factory each worker
    process of ``podium serve --workers N`` calls (uvicorn imports it by name in every process). The admin token
    comes from $PODIUM_ADMIN_TOKEN, never from the command line."""
    db = os.environ.get(ENV_DB)
    if not db:
        raise RuntimeError(f"${ENV_DB} names no database")
    return create_app(db, admin_token=os.environ.get(ENV_TOKEN) or None,
                      query_timeout=float(os.environ.get(ENV_TIMEOUT) or 10.0),
                      workers=int(os.environ.get(ENV_THREADS) or 8))


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=302)
