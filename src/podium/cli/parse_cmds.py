"""`podium parse`: print the parse of one page."""

from __future__ import annotations

import json
import sys

import click

from ..errors import PodiumError
from ..parse import format_names, parse_file
from ..sources.files import page
from ..sources.indexes import Indexes
from . import main


@main.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default=None, help="Force a format instead of detecting it "
              f"({', '.join(format_names())}).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the parse as JSON (one object per line for several files).")
def parse_command(paths: tuple[str, ...], fmt: str | None, as_json: bool) -> None:
    """Print the parse of one page (or several): metadata, openings and exchanges.

    Exits non-zero if any file could not be parsed; the others are still printed.
    """
    if fmt is not None and fmt not in format_names():
        raise click.BadParameter(f"unknown format {fmt!r}; known: {', '.join(format_names())}", param_hint="--format")
    failed = 0
    indexes = Indexes()  # read each index beside the pages once, however many pages it lists
    for path in paths:
        try:
            # the page's URL (and date, for formats that take one) from an index beside it, as ingest reads it
            briefing = parse_file(path, format=fmt, hints=page(path, indexes).hints)
        except PodiumError as exc:
            click.echo(f"Error: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            obj = briefing.to_dict()
            click.echo(json.dumps(obj, ensure_ascii=False, indent=None if len(paths) > 1 else 2))
            continue
        d = briefing.to_dict()
        click.echo(f"{d['title']}\n{d['date']}  {d['series']}  [{d['lang']}]  spokesperson: {d['spokesperson']}"
                   f"  format: {briefing.format}")
        if d["url"]:
            click.echo(d["url"])
        for i, text in enumerate(d["openings"], 1):
            click.echo(f"\n[opening {i}] {text}")
        for e in d["exchanges"]:
            who = e["asker"] or "(anonymous)"
            if e["outlet"] and e["outlet"] != e["asker"]:
                who += f" [{e['outlet']}]"
            fu = " (follow-up)" if e["follow_up"] else ""
            click.echo(f"\n#{e['n']} {who}{fu}\nQ: {e['question']}\nA: {e['answer']}")
    if failed:
        sys.exit(1)
