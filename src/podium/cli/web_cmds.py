"""Web commands: `podium serve`, the database as a web application (pages and JSON API) over uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..api import Podium
from ..errors import StoreError
from . import db_option, main


@main.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 makes it reachable from other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--admin-token", "admin_token", envvar="PODIUM_ADMIN_TOKEN", default=None, metavar="TOKEN",
              help="Enable writes (POST /api/ingest, /api/analyse) for requests sending "
                   "'Authorization: Bearer TOKEN'. Without it the server is read-only. Prefer $PODIUM_ADMIN_TOKEN "
                   "or --admin-token-file: a token on the command line is visible to every user (ps).")
@click.option("--admin-token-file", "admin_token_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Read the admin token from this file (its first line), e.g. one only you can read.")
@click.option("--timeout", "query_timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds a request may spend in the database before it is stopped with a message (503).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Server processes sharing the port (each with its own threads and answer cache); about one "
                   "per core.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Threads running database calls, per process.")
@click.option("--keep-alive", "keep_alive", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds an idle keep-alive connection stays open.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve_command(db: str, host: str, port: int, admin_token: str | None, admin_token_file: str | None,
                  query_timeout: float, workers: int, threads: int, keep_alive: int, log_level: str) -> None:
    """Serve the database as a web application: search, briefing reader, trends, outlets, formulations, and
    the same data as JSON (add .json to any page's path; /openapi.json describes the API).

    \b
    podium serve --db podium.db                 # http://127.0.0.1:8000/
    PODIUM_ADMIN_TOKEN="$(openssl rand -hex 16)" podium serve   # allow uploads and re-analysis
    podium serve --admin-token-file ~/.podium-token
    podium serve --workers 2                    # two processes (one per core)
    """
    import uvicorn  # 0.09-0.15 s to import (-X importtime, this machine): only `serve` pays it, not `podium --help`

    if admin_token_file is not None:
        if admin_token is not None:
            raise click.BadParameter("give the admin token once: --admin-token-file, or --admin-token / "
                                     "$PODIUM_ADMIN_TOKEN", param_hint="--admin-token-file")
        try:
            with open(admin_token_file, encoding="utf-8") as fh:
                admin_token = fh.readline().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {admin_token_file}: {getattr(exc, 'strerror', None) or exc}",
                                     param_hint="--admin-token-file") from None
    elif admin_token is not None:
        source = click.get_current_context().get_parameter_source("admin_token")
        if source is not None and source.name == "COMMANDLINE":
            click.echo("podium: warning: --admin-token on the command line is visible to other users of this "
                       "machine (ps); use $PODIUM_ADMIN_TOKEN or --admin-token-file", err=True)

    if not Path(db).exists():
        raise StoreError(f"no database at {db}; create one with `podium ingest PATH` (or `podium demo`)")
    Podium(db, create=False).close()  # a file that is no podium database is said here, not in a worker's traceback
    if admin_token is not None and len(admin_token) < 12:
        raise click.BadParameter("use an admin token of at least 12 characters",
                                 param_hint="--admin-token-file" if admin_token_file else "--admin-token")
    mode = "admin writes enabled" if admin_token else "read-only"
    procs = f", {workers} processes" if workers > 1 else ""
    click.echo(f"podium: serving {os.path.abspath(db)} ({mode}{procs}) on http://{host}:{port}/", err=True)
    # every worker process (one or more) builds the application from the environment through the factory that
    # `podium.web.app.app_from_env` is (nothing imports the web package here; the token never goes on a command
    # line); the names are those app_from_env reads
    os.environ.update({"PODIUM_WEB_DB": os.path.abspath(db), "PODIUM_WEB_TIMEOUT": str(query_timeout),
                       "PODIUM_WEB_THREADS": str(threads)})
    if admin_token is not None:
        os.environ["PODIUM_ADMIN_TOKEN"] = admin_token
    else:
        os.environ.pop("PODIUM_ADMIN_TOKEN", None)
    uvicorn.run("podium.web.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                log_level=log_level, server_header=False, timeout_keep_alive=keep_alive)
