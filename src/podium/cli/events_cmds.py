"""Event commands: `podium events`, `podium versions EVENT`, `podium differences` — the language versions of one
press conference, side by side, and what they do not share."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from ..api import Podium
from . import db_option, main


def _json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@main.command("events")
@db_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only events on or after this date.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only events on or before this date.")
@click.option("--kind", help="Only events of this kind, e.g. 'MFA press conference', 'MFA remarks'.")
@click.option("--relink", is_flag=True, help="Link and align every event again first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def events_command(db: str, date_from: str | None, date_to: str | None, kind: str | None, relink: bool,
                   as_json: bool) -> None:
    """List events: each press conference once, with its language versions (briefing ids), how they were linked,
    the exchanges of each version, the exchanges linked across versions and the differences found."""
    with Podium(db, create=False) as pod:
        if relink:
            counts = pod.link_events(redo=True)
            click.echo(f"linked {counts.events} events, aligned {counts.realigned}, {counts.links} "
                       f"exchange links, {counts.differences} differences, clarity carried to "
                       f"{counts.carried} exchanges", err=True)
        df = pod.events(date_from=date_from, date_to=date_to, kind=kind)
    if as_json:
        _json(df.to_dict(orient="records"))
        return
    if df.empty:
        click.echo("No events in this range.")
        return
    click.echo(f"{len(df)} events, {df['date'].min()} .. {df['date'].max()}")
    for r in df.itertuples():
        ex = ", ".join(f"{lang} {n}" for lang, n in r.exchanges.items())
        click.echo(f"v{r.event_id:<6} {r.date}  {r.kind:<28} {r.langs:<6} exchanges {ex:<16} links {r.links:<3} "
                   f"differences {r.differences:<3} {r.spokesperson or ''}")


@main.command("versions")
@db_option
@click.argument("event")
@click.option("--width", default=70, show_default=True, help="Width of each column.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def versions_command(db: str, event: str, width: int, as_json: bool) -> None:
    """One event's versions side by side (EVENT: v123 or 123, see `podium events`; a briefing's page shows its
    event): aligned exchanges, exchanges in one version only, and the differences found."""
    with Podium(db, create=False) as pod:
        data = pod.versions(event)
    if as_json:
        _json(data)
        return
    vs = data["versions"]
    click.echo(f"v{data['event_id']}  {data['date']}  {data['kind']}  {data['spokesperson'] or ''}")
    click.echo(f"linked by: {data['linked_by']}")
    for v in vs:
        copy = f", a copy of b{v['copy_of']}" if v.get("copy_of") else ""
        click.echo(f"  b{v['briefing_id']} [{v['lang']}] {v['title']}  ({v['n_exchanges']} exchanges{copy})")
    if len(vs) < 2:
        click.echo("Only one version of this event is stored.")
    for row in data["rows"]:
        left = " / ".join(f"e{x['exchange_id']} #{x['n']} {x['outlet'] or x['asker'] or ''}: {x['question']}"
                          for x in row["a"]) or "(not in this version)"
        right = " / ".join(f"e{x['exchange_id']} #{x['n']} {x['outlet'] or x['asker'] or ''}: {x['question']}"
                           for x in row["b"]) or "(not in this version)"
        a = textwrap.wrap(left, width)[:3]
        b = textwrap.wrap(right, width // 2)[:3]
        click.echo("-" * (width + width // 2 + 3))
        for i in range(max(len(a), len(b))):
            click.echo(f"{(a[i] if i < len(a) else ''):<{width}} | {b[i] if i < len(b) else ''}")
    if data["differences"]:
        click.echo(f"\n{len(data['differences'])} differences between the versions:")
        for d in data["differences"]:
            click.echo(f"  [{d['lang'] or '-'}] {d['kind']}: {d['detail']}")


@main.command("differences")
@db_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only events on or after this date.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only events on or before this date.")
@click.option("--kind", help="Only differences of this kind, e.g. 'exchange only in zh'.")
@click.option("--limit", default=50, show_default=True, help="How many to list (most severe first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def differences_command(db: str, date_from: str | None, date_to: str | None, kind: str | None, limit: int,
                        as_json: bool) -> None:
    """What the language versions of the events do not share, across the corpus: exchanges or openings in one
    version only, numbers or names in one translation only, answers much shorter in one version."""
    with Podium(db, create=False) as pod:
        df = pod.differences(date_from=date_from, date_to=date_to, kind=kind)
    total = len(df)
    if as_json:
        _json({"differences": total, "rows": df.head(limit).to_dict(orient="records")})
        return
    if df.empty:
        click.echo("No differences found between versions in this range.")
        return
    by_kind = df["kind"].value_counts()
    click.echo(f"{total} differences in {df['event_id'].nunique()} events, {df['date'].min()} .. {df['date'].max()}: "
               + ", ".join(f"{k} {n}" for k, n in by_kind.items()))
    for r in df.head(limit).itertuples():
        click.echo(f"v{r.event_id:<6} {r.date} [{r.lang or '-'}] {r.kind}: {r.detail}")
    if total > limit:
        click.echo(f"(showing {limit} of {total}; --limit to see more)")
