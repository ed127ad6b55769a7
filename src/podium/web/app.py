"""The web application: routes, HTML-or-JSON rendering, error handlers, security headers.

Every page is one data function (in ``pages``) returning a dict; the same function answers ``/page`` as HTML
(a Jinja2 template, autoescaped) and ``/page.json`` as JSON. PodiumErrors carry their HTTP status and one
handler renders them as an HTML page or a JSON body, depending on the URL. The facade's methods are blocking,
so they run in a thread pool under a time limit (``base.Web``): a query that runs too long answers 503 with a
message. Every GET answer goes through ``Web.answer``'s response cache (one rendering per database version,
ETags, 304s). ``podium serve --workers N`` runs N such processes on one port (``app_from_env``); each keeps its
own cache.

Imports go one way: ``app`` -> ``pages`` -> ``base`` (``app`` also uses ``base`` and ``openapi``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..errors import PodiumError
from .base import JSON, Web, url_for_params
from .openapi import openapi
from .pages import (
    SYNTAX,
    api_analyse,
    api_ingest,
    api_page,
    briefing,
    briefing_view,
    event,
    event_view,
    exchange_json,
    exchange_redirect,
    formulations,
    formulations_view,
    home,
    home_view,
    outlets,
    outlets_view,
    search,
    search_view,
    trends,
    trends_csv,
    trends_svg,
    trends_view,
)

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

#: Static files may be reused for an hour without asking (dynamic answers: ``base.DYNAMIC_CACHE_CONTROL``).
STATIC_CACHE_CONTROL = "public, max-age=3600"


# ---- templates ----------------------------------------------------------------------------------------------

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
        autoescape=True,  # every value is escaped unless a template marks it |safe (only the pages' marked text)
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
    web = Web(db_path, admin_token, query_timeout, workers)

    async def openapi_json(request: Request) -> Response:
        return JSON(openapi(admin=web.admin_token is not None))

    async def robots(request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /search\nDisallow: /trends\n")

    routes: list[Any] = [
        *page_routes("/", home, "home.html", view=home_view, json_path="/index.json"),
        *page_routes("/search", search, "search.html", view=search_view),
        *page_routes("/briefings/{briefing_id}", briefing, "briefing.html", view=briefing_view),
        *page_routes("/events/{event_id}", event, "event.html", view=event_view),
        Route("/exchanges/{exchange_id}.json", cacheable(exchange_json), methods=["GET", "HEAD"]),
        Route("/exchanges/{exchange_id}", exchange_redirect, methods=["GET", "HEAD"]),
        *page_routes("/trends", trends, "trends.html", view=trends_view),
        Route("/trends.csv", cacheable(trends_csv), methods=["GET", "HEAD"]),
        Route("/trends.svg", cacheable(trends_svg), methods=["GET", "HEAD"]),
        *page_routes("/outlets", outlets, "outlets.html", view=outlets_view),
        *page_routes("/formulations", formulations, "formulations.html", view=formulations_view),
        Route("/api", api_page, methods=["GET", "HEAD"], name="api"),
        Route("/openapi.json", cacheable(openapi_json), methods=["GET", "HEAD"]),
        Route("/robots.txt", robots, methods=["GET", "HEAD"]),
        Route("/api/ingest", api_ingest, methods=["POST"]),
        Route("/api/analyse", api_analyse, methods=["POST"]),
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
    app.state.templates.env.globals["syntax_rows"] = SYNTAX
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

