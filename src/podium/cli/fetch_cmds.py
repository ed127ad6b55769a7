"""Fetch commands: `podium fetch mfa`, a thin adapter over ``Podium.fetch``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..api import Podium
from . import db_option, main


@main.group("fetch")
def fetch_group() -> None:
    """Bring the database up to date from a publisher's website (politely: robots.txt, 1 request/s)."""


@fetch_group.command("mfa")
@db_option
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Which section: the English or the Chinese transcripts.")
@click.option("--layout", type=click.Choice(["today", "site2020"]), default=None,
              help="today: the current site (/eng/xw/fyrbt/lxjzh/index.html, /fyrbt_673021/jzhsl_673025/index.shtml); "
                   "site2020: the 2018-2020 site's default.shtml pages (mirrors of it). [default: detected from the "
                   "site: the first layout whose first listing page lists transcripts]")
@click.option("--since", metavar="YYYY-MM-DD", help="Walk back to this date (and fill gaps in the range).")
@click.option("--until", metavar="YYYY-MM-DD", help="Skip briefings after this date.")
@click.option("--base-url", "base_url", metavar="URL",
              help="Fetch from this host instead of https://www.fmprc.gov.cn (a mirror or a test server); "
                   "briefings keep their fmprc.gov.cn URL.")
@click.option("--rate", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Requests a second (0 = no limit; a larger robots.txt Crawl-delay wins).")
@click.option("--max-requests", "max_requests", type=click.IntRange(min=1), default=None,
              # the fetcher's DEFAULT_MAX_REQUESTS written out, not imported: importing the fetcher (and its parsers)
              # would slow every podium command; tests/test_fetch_today.py checks the two agree
              help="Stop after this many requests (the next run goes on where this one stopped). [default: 2000]")
@click.option("--archive", type=click.Path(file_okay=False), default=None,
              help="Folder of raw fetched pages and fetch state [default: DB.archive].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True,
              help="Seconds to wait for an answer before retrying.")
@click.option("--deadline", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds one request may take in all (a server trickling its answer is cut off).")
@click.option("--max-wait", "max_wait", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Longest Retry-After to honour, in seconds; a server asking for more is tried on a later run.")
@click.option("--max-run-time", "max_run_time", type=click.FloatRange(min=1), default=None,
              help="Seconds the whole run may take; the next run goes on where this one stopped.")
@click.option("--no-analyse", "no_analyse", is_flag=True, help="Store the parse only; run `podium analyse` later.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as JSON.")
def fetch_mfa_command(db: str, lang: str, layout: str | None, since: str | None, until: str | None,
                      base_url: str | None, rate: float, max_requests: int | None, archive: str | None, timeout: float,
                      deadline: float, max_wait: float, max_run_time: float | None, no_analyse: bool, quiet: bool,
                      as_json: bool) -> None:
    """Fetch new regular press conference transcripts of China's Ministry of Foreign Affairs.

    Walks the section's listing pages newest first and stops at the first page whose transcripts are all held
    (or at --since, or at a listing page that repeats earlier ones); downloads the rest, archives every raw page
    (DB.archive/, re-readable with `podium ingest DB.archive`) and stores each transcript. Without --layout the
    site's layout is detected from its listing pages. A run makes at most --max-requests requests; an interrupted
    or capped run resumes where it stopped.
    Exit status 1 if a transcript failed (each failure is printed with its URL and reason) or the listing
    could not be read.
    """

    def progress(kind: str, data: dict[str, Any]) -> None:
        if quiet or as_json:
            return
        if kind in ("added", "updated"):
            click.echo(f"{kind:8} {data['date']}  {data['url']}  ({data['exchanges']} exchanges)", err=True)
        elif kind == "listing":
            click.echo(f"listing  page {data['page']}: {data['links']} transcript link(s)  {data['url']}", err=True)
        elif kind == "layout":
            click.echo(f"layout   {data['layout']} (detected: {data['url']} lists transcripts)", err=True)
        elif kind == "loop":
            click.echo(f"repeats  listing page {data['page']} {data['message']}  {data['url']}", err=True)

    with Podium(db) as pod:
        summary = pod.fetch("mfa", lang=lang, layout=layout, since=since, until=until, base_url=base_url, rate=rate,
                            max_requests=max_requests, archive=archive, timeout=timeout, analyse=not no_analyse,
                            deadline=deadline, max_wait=max_wait, max_run_time=max_run_time,
                            on_event=progress)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        for f in summary.failed:
            click.echo(f"FAILED {f['url']}: {f['error']}", err=True)
        click.echo(f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
                   f"{summary.held} already held, {len(summary.failed)} failed; {summary.requests} "
                   f"request(s), {summary.listing_pages} listing page(s)  ->  {db}")
        click.echo(("done: " if summary.complete else "stopped early (run again to go on): ")
                   + str(summary.stopped))
    if summary.failed or summary.error:
        sys.exit(1)
