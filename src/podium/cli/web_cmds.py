"""Web commands: `podium serve`, the database as a web application (pages and JSON API) over uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import StoreError
from . import db_option, main


@main.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 makes it reachable from other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--admin-token", "admin_token", envvar="PODIUM_ADMIN_TOKEN", default=None, metavar="TOKEN",
              help="Enable writes (POST /api/ingest, /api/analyse) for requests sending "
                   "'Authorization: Bearer TOKEN'. Without it the server is read-only. Also $PODIUM_ADMIN_TOKEN.")
@click.option("--timeout", "query_timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds a request may spend in the database before it is stopped with a message (503).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Threads running database calls.")
@click.option("--keep-alive", "keep_alive", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds an idle keep-alive connection stays open.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve_command(db: str, host: str, port: int, admin_token: str | None, query_timeout: float, workers: int,
                  keep_alive: int, log_level: str) -> None:
    """Serve the database as a web application: search, briefing reader, trends, outlets, formulations, and
    the same data as JSON (add .json to any page's path; /openapi.json describes the API).

    \b
    podium serve --db podium.db                 # http://127.0.0.1:8000/
    podium serve --admin-token "$(openssl rand -hex 16)"   # allow uploads and re-analysis
    """
    import uvicorn

    from ..web import create_app

    if not Path(db).exists():
        raise StoreError(f"no database at {db}; create one with `podium ingest PATH` (or `podium demo`)")
    if admin_token is not None and len(admin_token) < 12:
        raise click.BadParameter("use an admin token of at least 12 characters", param_hint="--admin-token")
    app = create_app(db, admin_token=admin_token, query_timeout=query_timeout, workers=workers)
    mode = "admin writes enabled" if admin_token else "read-only"
    click.echo(f"podium: serving {os.path.abspath(db)} ({mode}) on http://{host}:{port}/", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, timeout_keep_alive=keep_alive)
