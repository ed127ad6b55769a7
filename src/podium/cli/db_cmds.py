"""Database commands: `podium ingest`, `search`, `kwic`, `show`, `stats`, `export`, `reindex`, `demo`.

Each command opens a Podium, calls one method and prints the result; errors are PodiumErrors, which the
group turns into a one-line message and exit status 1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import tarfile
import textwrap
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import click

from ..api import Podium
from ..errors import PodiumError, QueryError, SourceError
from ..model import CLARITY_LABELS, FILTERS, FINE_LABELS, NO_OUTLET, SORTS, Concordance
from ..sources.tables import parse_columns
from . import briefing_filter_options, db_option, main
from .analysis_cmds import describe


def _quoted(labels: tuple[str, ...]) -> str:
    """Labels as the shell takes them: quoted when they hold a space."""
    return ", ".join(f"'{x}'" if " " in x else x for x in labels)


def filter_options(f):
    """The filters shared by search, kwic and export: the briefing filters and the analysis ones."""
    f = click.option("--clarity",
                     help=f"Only answers with this clarity class (needs analysis): {_quoted(CLARITY_LABELS)} -- "
                     f"or one of the {len(FINE_LABELS)} labels as --evasion takes them.")(f)
    f = click.option("--evasion", metavar="LABEL",
                     help=f"Only answers with this fine clarity label (needs analysis): {_quoted(FINE_LABELS)}.")(f)
    f = click.option("--country", metavar="ISO3|NAME",
                     help="Only exchanges mentioning this country (needs analysis): a code (TWN) or a name "
                     "(Taiwan, 台湾).")(f)
    return briefing_filter_options(f)


def _filters(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw.get(k) for k in FILTERS if kw.get(k) not in (None, "")}


def _terminal(pieces: list[tuple[str, bool]]) -> str:
    """Text pieces as terminal text: matches in bold yellow (click drops the styling when not on a terminal)."""
    return "".join(click.style(text, bold=True, fg="yellow") if match else text for text, match in pieces)


def _json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--format", "fmt", default=None, help="Force a page format instead of detecting it per file.")
@click.option("--no-analyse", "no_analyse", is_flag=True, help="Store the parse only; run `podium analyse` later.")
@click.option("--index", "indexes", multiple=True, type=click.Path(exists=True), metavar="FILE|DIR",
              help="An index giving pages their URL and date: a CSV/TSV with columns file,url,date[,title], or "
                   "listing pages (a folder or files). Repeatable. Indexes beside the pages (index.tsv, lists/) "
                   "are read anyway.")
@click.option("--columns", default=None, metavar="FIELD=COLUMN,...",
              help="Column names of Q&A tables (.csv/.tsv/.xlsx/.jsonl/.parquet): date=,question=,answer=,"
                   "spokesperson=,url= (also lang=, outlet=, title=, series=). Unnamed fields are looked up "
                   "under common names (date, question, answer, spokesperson, url).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: only when stderr is a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary (failures counted by reason).")
def ingest_command(paths: tuple[str, ...], db: str, fmt: str | None, no_analyse: bool, indexes: tuple[str, ...],
                   columns: str | None, progress: bool | None, quiet: bool) -> None:
    """Parse pages (files, or folders searched recursively) and Q&A tables, and store them in the database.

    The format is detected per file. Re-ingesting a page that has not changed writes nothing; a page whose
    text changed replaces the stored version and the change is recorded (table `revisions`). In folders,
    robots.txt, index.tsv and non-page files are passed over, and pages that an index.tsv beside them lists as
    kind=list are skipped (listing pages, not briefings), as are pages that hold no briefing (a spokesperson's
    statement with no question) and listing pages read as an index (a lists/ folder beside the pages). A folder
    that holds no page at all fails, naming the files it passed over (an archive to extract first, say).

    Indexes (index.tsv, lists/, --index) give each page its URL, and its date where the page has none; where a
    date came from is recorded per briefing. A page with no date anywhere fails and is reported: no date is
    invented.

    Q&A tables (research datasets, one question-answer pair a row) are grouped into briefings by date; a
    briefing already held from pages (same date, language and series) is linked, not stored twice.

    Only regular files are read: a named pipe, a device or a file over the size limit ($PODIUM_MAX_PAGE_MB,
    default 20) is skipped and named. Prints a summary, every skipped or linked input and every failure (file and
    reason) — with --quiet, the summary only, failures counted by reason; exit status 1 if any file failed.
    """
    try:
        mapping = parse_columns(columns)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--columns") from None
    if progress is None:
        progress = sys.stderr.isatty()
    with Podium(db) as pod:
        report = pod.ingest(list(paths), format=fmt, analyse=not no_analyse, progress=progress,
                            indexes=list(indexes), columns=mapping)
        stale = (report.count("added") + report.count("updated")) > 0 and pod.formulations_stale()
    if not quiet:
        for r in report.results:
            if r.status in ("failed", "skipped", "linked"):
                click.echo(f"{r.status.upper()} {r.source}: {r.error}", err=True)
    counts = {s: report.count(s) for s in ("added", "updated", "unchanged", "linked", "skipped", "failed")}
    if not counts["linked"]:
        del counts["linked"]
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()) + f" (pages or table briefings)  ->  {db}")
    if quiet:  # the failures by reason (up to its first ": " or "; "), most frequent first
        reasons = Counter(re.split(r"; |: ", r.error or "")[0] for r in report.failed)
        for reason, n in reasons.most_common(5):
            click.echo(f"  {n} failed: {reason}")
    if stale and not quiet:
        # mining looks at the whole corpus (~17 s of CPU for the shared MFA corpus): not on every ingest
        click.echo("formulations are mined across the corpus, not on ingest: run `podium analyse` to mine them "
                   "again for the briefings added")
    if not report.ok:
        sys.exit(1)


@main.command("search")
@click.argument("query")
@db_option
@filter_options
@click.option("--exact", is_flag=True, help="Unquoted words match only their exact form (no stemming).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="relevance (BM25), date (newest first) or date_asc.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Hits to show (the total is always counted).")
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option("--facets", is_flag=True, help="Also count hits by spokesperson, outlet, year, ...")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON (hits carry their text and the spans of the matches).")
def search_command(query: str, db: str, exact: bool, sort: str, limit: int, offset: int, facets: bool,
                   as_json: bool, **kw: Any) -> None:
    """Search question and answer text.

    \b
    Query syntax:
      tariffs             the word and its inflections (tariff, tariffs) -- unless --exact
      "one China"         exact phrase: these word forms, in order (case/accent-insensitive, never stemmed)
      美方                Chinese words are matched character by character, exactly
      trade AND war       both (juxtaposition also means AND); OR: either; NOT x or -x: without
      sanction*           words starting with "sanction"
      (Huawei OR ZTE) -5G grouping with parentheses
      *                   every exchange (browse with the filters alone)
    """
    with Podium(db, create=False) as pod:
        res = pod.search(query, exact=exact, sort=sort, limit=limit, offset=offset, facets=facets, **_filters(kw))
    if as_json:
        _json(res.to_dict())
        return
    click.echo(f"{res.total} exchange(s) match {query!r}" +
               (f"; showing {offset + 1}-{offset + len(res.hits)}" if res.hits else ""))
    for h in res.hits:
        who = h.outlet or h.asker or NO_OUTLET
        click.echo(f"\ne{h.exchange_id}  {h.date}  {who} -> {h.spokesperson or '?'}   [b{h.briefing_id} #{h.n}]")
        click.echo("  " + _terminal(h.snippet_pieces()))
    for field, counts in (res.facets or {}).items():
        if counts:
            top = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:8])
            click.echo(f"\n{field}: {top}")


@main.command("kwic")
@click.argument("term")
@db_option
@filter_options
@click.option("--window", default=8, show_default=True, type=click.IntRange(0, 200),
              help="Words of context each side.")
@click.option("--sentence", is_flag=True, help="Show the whole sentence around each match instead of a window.")
@click.option("--exact", is_flag=True, help="Unquoted words match only their exact form (no stemming).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Lines to show (how many there are in all is always said).")
@click.option("--offset", default=0, type=click.IntRange(0), help="Lines to skip first (to page on).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "jsonl", "json"]), default="text",
              show_default=True, help="text for reading; csv or jsonl (one line per row) for analysis.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json (a JSON list).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write csv/jsonl/json to this file.")
def kwic_command(term: str, db: str, window: int, sentence: bool, exact: bool, limit: int, offset: int, fmt: str,
                 as_json: bool, output: str | None, **kw: Any) -> None:
    """Keyword in context: every occurrence of TERM with the words around it, oldest first.

    TERM uses the search syntax ("phrases", prefix*, AND/OR/NOT); the matches shown are its positive terms.
    The hit is shown between [brackets] (bold on a terminal) with the text around it as printed. A line on
    stderr says which lines are shown of how many (--offset and --limit page through them).
    """
    fmt = "json" if as_json else fmt
    with Podium(db, create=False) as pod:
        res = pod.concordance(term, window=window, sentence=sentence, limit=limit, offset=offset, exact=exact,
                              **_filters(kw))
    lines = res.lines
    if fmt != "text":
        text = _kwic_table([ln.to_dict() for ln in lines], fmt)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
    else:
        width = 50
        for ln in lines:
            kwd = "[" + click.style(ln.keyword, bold=True, fg="yellow") + "]"
            tag = f"{ln.date} e{ln.exchange_id} {ln.field[0].upper()}"
            if sentence:
                click.echo(f"{tag}  {ln.left}{kwd}{ln.right}")
            else:
                left = _trim_left(ln.left, width)
                click.echo(f"{tag}  {left:>{width}}{kwd}{_trim_right(ln.right, width)}")
    click.echo(_kwic_summary(term, res, len(lines), offset) + (f"; written to {output}" if output and fmt != "text"
                                                                else ""), err=True)


def _kwic_summary(term: str, res: Concordance, shown: int, offset: int) -> str:
    total = res.total_lines
    of = f"{total:,}" if total is not None else f"at least {res.lines_counted:,}"
    where = f"in {res.total_exchanges:,} exchange(s)"
    if not shown:
        return f"no lines of {term!r} from line {offset + 1} ({of} line(s) {where})" if offset and total \
            else f"no occurrences of {term!r}"
    more = "" if total is not None and offset + shown >= total else f"; --offset {offset + shown} for more"
    return f"showing lines {offset + 1}-{offset + shown} of {of} {where}{more}"


def _kwic_table(lines: list[dict[str, Any]], fmt: str) -> str:
    """csv (header, one row per line), jsonl or json text of concordance lines."""
    if fmt == "json":
        return json.dumps(lines, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(ln, ensure_ascii=False) + "\n" for ln in lines)
    buf = io.StringIO()
    cols = ["exchange_id", "briefing_id", "date", "lang", "field", "left", "keyword", "right"]
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return buf.getvalue()


def _trim_right(text: str, width: int) -> str:
    """The start of a right context, cut at a word boundary to fit ``width``."""
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0]
    return (cut if len(cut) > width // 2 else text[:width - 1]) + "…"


def _trim_left(text: str, width: int) -> str:
    """The end of a left context, cut at a word boundary to fit ``width`` (its space before the hit kept)."""
    if len(text) <= width:
        return text
    tail = text[-width + 1:]
    cut = tail.split(" ", 1)[-1] if " " in tail[:-1] else tail
    return "…" + cut


@main.command("show")
@click.argument("ident")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show_command(ident: str, db: str, as_json: bool) -> None:
    """Show a briefing (b123) or an exchange (e456), as search results name them."""
    kind = ident.strip()[:1].lower()
    if kind not in ("b", "e"):
        raise QueryError(f"{ident!r}: say b123 for a briefing or e456 for an exchange")
    with Podium(db, create=False) as pod:
        obj = pod.briefing(ident) if kind == "b" else pod.exchange(ident)
    if as_json:
        _json(obj)
        return
    if kind == "e":
        _print_exchange(obj, header=True)
        return
    click.echo(f"b{obj['id']}  {obj['title']}\n{obj['date']}  {obj['series']}  [{obj['lang']}]  "
               f"spokesperson: {obj['spokesperson']}  {len(obj['exchanges'])} exchanges")
    click.echo(f"{obj['url'] or ''}\n{obj['source']}")
    if obj.get("provenance"):
        p = obj["provenance"]
        click.echo("dated by " + ("the page" if p.get("dated_by") == "page" else "an index") + "; "
                   + ", ".join(f"{k}: {v}" for k, v in p.items() if k != "dated_by"))
    if obj.get("event_id"):
        others = ", ".join(f"b{o['briefing_id']} [{o['lang']}]" for o in obj.get("other_versions", []))
        click.echo(f"event v{obj['event_id']}" + (f"; other versions: {others}" if others else "; the only version")
                   + f"  (podium versions v{obj['event_id']})")
    for text in obj["openings"]:
        click.echo(f"\n[opening] {text}")
    for e in obj["exchanges"]:
        _print_exchange(e, header=False)
    nav = [f"previous: b{obj['prev_id']}" if obj["prev_id"] else "", f"next: b{obj['next_id']}" if obj["next_id"]
           else ""]
    click.echo("\n" + "   ".join(x for x in nav if x))


def _print_exchange(e: dict[str, Any], header: bool) -> None:
    who = e["asker"] if e["asker"] not in (None, "", "Q", "问") else NO_OUTLET
    if e.get("outlet") and e["outlet"] != e["asker"]:
        who += f" [{e['outlet']}]"
    if header:
        click.echo(f"e{e['exchange_id']}  {e['date']}  {e['title']}  (b{e['briefing_id']} #{e['n']})")
    else:
        click.echo(f"\ne{e['exchange_id']} #{e['n']}")
    click.echo(f"Q ({who}{', follow-up' if e['follow_up'] else ''}): {e['question']}")
    click.echo(f"A ({e['spokesperson'] or '?'}): {e['answer']}")
    for kind, a in (e.get("annotations") or {}).items():
        click.echo(f"  {kind}: {_annotation_line(kind, a)}")


def _annotation_line(kind: str, a: dict[str, Any]) -> str:
    """An annotation as a reader wants it: the label and its confidence, the few values that matter, the
    evidence, the method -- no raw dicts."""
    value = a.get("value")
    conf = f" ({a['confidence']:.2f})" if a.get("confidence") is not None else ""
    parts: list[str] = []
    if kind == "clarity" and isinstance(value, dict):
        head = f"{a.get('label') or '?'} / {value.get('fine') or '?'}{conf}"
        probs = value.get("probs") or {}
        if probs:
            top = sorted(probs.items(), key=lambda kv: -kv[1])[:3]
            parts.append("most likely: " + ", ".join(f"{k} {v:.0%}" for k, v in top))
        if value.get("carried_from"):
            own = value.get("own") or {}
            parts.append(f"carried from e{', e'.join(map(str, value['carried_from']))}"
                         + (f" (own text: {own.get('label')} / {own.get('fine')}, {own.get('method')})" if own
                            else ""))
    elif kind == "countries" and isinstance(value, dict):
        head = ", ".join(sorted(set((value.get("question") or []) + (value.get("answer") or [])))) or "none"
        for side in ("question", "answer"):
            codes = value.get(side) or []
            orgs = value.get(f"orgs_{side}") or []
            if codes or orgs:
                parts.append(f"{side}: " + ", ".join(codes + orgs))
    elif isinstance(value, list):
        head = "; ".join(map(str, value)) or "none"
    elif isinstance(value, dict):
        head = (a.get("label") or "") + conf
        parts += [f"{k}: {v}" for k, v in value.items() if not isinstance(v, (dict, list))]
    else:
        head = f"{a.get('label') or value or ''}{conf}"
    if a.get("evidence"):
        ev = a["evidence"]
        parts.append("evidence: " + (ev if len(ev) <= 160 else ev[:157] + "..."))
    if a.get("method"):
        parts.append(f"method {a['method']}")
    return head + "".join(f"\n      {p}" for p in parts)


@main.command("stats")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def stats_command(db: str, as_json: bool) -> None:
    """What the database holds: briefings, exchanges, dates, and counts by language, spokesperson and outlet."""
    with Podium(db, create=False) as pod:
        s = pod.stats().to_dict()
    if as_json:
        _json(s)
        return
    _print_stats(s)


def _print_stats(s: dict[str, Any], top: int = 10) -> None:
    ev = s.get("events") or {}
    click.echo(f"{s['briefings']} briefings (published versions), {s['exchanges']} exchanges, "
               f"{s['date_from']} .. {s['date_to']}")
    for lang, d in s["by_lang"].items():
        click.echo(f"  [{lang}] {d['briefings']} versions, {d['exchanges']} exchanges")
    if ev.get("events"):
        click.echo(f"{ev['events']} events (a press conference counts once, whatever its language versions), "
                   f"{ev['date_from']} .. {ev['date_to']}")
        for kind, by_langs in ev["by_kind"].items():
            parts = ", ".join(f"{n} in {'+'.join(langs.split(','))}" for langs, n in by_langs.items())
            click.echo(f"  {kind}: {sum(by_langs.values())} ({parts})")
        click.echo(f"  exchanges linked to their counterpart in another version: {ev['linked_exchanges']}")
    people = list(s["by_spokesperson"].items())[:top]
    if people:
        click.echo("by spokesperson (events / versions): "
                   + ", ".join(f"{k} {v['events']}/{v['versions']}" for k, v in people))
    for title, key in (("outlet (questions in all versions)", "by_outlet"),
                       ("outlet type (questions in all versions)", "by_outlet_type")):
        items = list(s[key].items())[:top]
        if items:
            click.echo(f"by {title}: " + ", ".join(f"{k} {v}" for k, v in items))
    click.echo(f"questions with no named outlet: {s['anonymous_questions']}")
    if s["annotations"]:
        click.echo("annotations: " + ", ".join(f"{k} {v}" for k, v in s["annotations"].items()))


@main.command("export")
@db_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout; "
              "parquet needs a file).")
@click.option("--query", default=None, help="Only exchanges matching this search query.")
@click.option("--schema", "schema", is_flag=True,
              help="Print the data dictionary (every column, its type and what it holds) and exit; with "
              "--format jsonl as JSON.")
def export_command(db: str, fmt: str, output: str | None, query: str | None, schema: bool, **kw: Any) -> None:
    """Export exchanges, one row each, ready for pandas or R: briefing and event fields, asker, outlet,
    question, answer, source and every annotation (clarity with one column per label probability, countries,
    formulations). Lists are lists in Parquet and JSONL and ';'-joined in CSV; dates are dates in Parquet.
    `podium export --schema` (and docs/data-dictionary.md) describes every column. Says on stderr how many rows
    were written and where."""
    if schema:
        click.echo(Podium.export_schema("json" if fmt == "jsonl" else "markdown"), nl=False)
        return
    with Podium(db, create=False) as pod:
        # without -o, csv and jsonl go to standard output as they are written (parquet is refused there)
        n = pod.export(fmt, output if output else sys.stdout, query=query, **_filters(kw))
    where = Path(output).resolve() if output else "stdout"
    click.echo(f"wrote {n:,} exchange(s) (one {'line' if fmt == 'jsonl' else 'row'} each) as {fmt} to {where}",
               err=True)


@main.command("reindex")
@db_option
def reindex_command(db: str) -> None:
    """Rebuild the full-text index from the database (after a crash, or to pick up new annotations)."""
    with Podium(db, create=False) as pod:
        n = pod.reindex()
    click.echo(f"indexed {n} exchanges")


@main.command("demo")
@click.option("--db", "db", default="demo.db", show_default=True, type=click.Path(dir_okay=False),
              help="Where to build the demo database.")
@click.option("--no-analyse", "no_analyse", is_flag=True, help="Skip the analysis passes (faster).")
def demo_command(db: str, no_analyse: bool) -> None:
    """Build a database from the bundled demo corpus (120 real MFA transcripts, English and Chinese, 2018-2020;
    see podium/data/demo/PROVENANCE.md) and show what podium can do with it.

    The pages are unpacked beside the database (DB-pages/) so that every exchange's source is a real file.
    """
    pages = Path(db).with_suffix("").as_posix() + "-pages"
    archive = resources.files("podium") / "data" / "demo" / "mfa-demo.tar.xz"
    try:
        with resources.as_file(archive) as path, tarfile.open(path) as tar:
            tar.extractall(pages, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise SourceError(str(archive), f"cannot unpack the demo corpus: {exc}") from None
    head = lambda text: click.echo("\n" + click.style(text, bold=True))  # noqa: E731
    head(f"$ podium ingest {pages} --db {db}")
    with Podium(db) as pod:
        report = pod.ingest([pages], analyse=not no_analyse, progress=sys.stderr.isatty())
        for r in report.failed:
            click.echo(f"FAILED {r.source}: {r.error}", err=True)
        click.echo(", ".join(f"{report.count(s)} {s}" for s in ("added", "updated", "unchanged", "failed")))

        head(f"$ podium stats --db {db}")
        _print_stats(pod.stats().to_dict(), top=6)

        for query in ('"shared future"', "美方 AND 台湾"):
            head(f"$ podium search '{query}' --limit 3 --db {db}")
            res = pod.search(query, limit=3)
            click.echo(f"{res.total} exchange(s) match")
            for h in res.hits:
                click.echo(f"  e{h.exchange_id}  {h.date}  {h.outlet or h.asker or NO_OUTLET} -> "
                           f"{h.spokesperson or '?'}\n    {_terminal(h.snippet_pieces())}")

        head(f"$ podium kwic '\"South China Sea\"' --window 6 --db {db}")
        for ln in pod.kwic('"South China Sea"', window=6, limit=6):
            kwd = "[" + click.style(ln.keyword, bold=True, fg="yellow") + "]"
            click.echo(f"  {ln.date}  {_trim_left(ln.left, 45):>45}{kwd}{_trim_right(ln.right, 45)}")

        head(f"$ podium kwic tariffs --sentence --limit 2 --db {db}")
        for ln in pod.kwic("tariffs", sentence=True, limit=2):
            click.echo(f"  {ln.date}  {ln.left}[{click.style(ln.keyword, bold=True)}]{ln.right}")

        try:
            outlets = pod.outlets()
        except PodiumError:
            outlets = None
        if outlets is not None and len(outlets):
            head(f"$ podium outlets --db {db}   (shares of answers by clarity, per outlet type)")
            click.echo(textwrap.fill(
                describe(outlets.attrs, "exchanges") + "; shares: of the answers labelled, as the classifier "
                "labelled them (`podium outlets` adds their intervals and the shares corrected for its measured "
                "error); countries: questions naming them", width=100))
            if "level" in outlets.columns:
                outlets = outlets[outlets["level"] == "outlet_type"]
            cols = [c for c in ("name", "questions", "labelled", "clear_reply_share", "ambivalent_share",
                                "clear_non_reply_share", "top_countries") if c in outlets.columns]
            table = outlets[cols].head(8).copy()
            for c in cols:
                if c.endswith("_share"):
                    table[c] = table[c].map(lambda v: "" if v != v else f"{v:.0%}")
            table.columns = [c.replace("_share", "").replace("_", " ").replace("top countries", "countries asked about")
                             for c in cols]
            click.echo(table.to_string(index=False, max_colwidth=40))
    head("Next")
    click.echo(f"  podium show b1 --db {db}            read a briefing\n"
               f"  podium export --format csv --db {db} -o demo.csv\n"
               f"  python -c 'from podium import Podium; print(Podium(\"{db}\").exchanges().head())'")
