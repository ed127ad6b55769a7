"""Analysis commands: `podium analyse`, `formulations`, `trend`, `outlets`, `evaluate`.

Each command opens a Podium, calls one method and prints the result as a table (or CSV / JSON).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import textwrap
from typing import Any

import click

from ..api import Podium, evaluate
from . import briefing_filter_options, db_option, main


class _PassProgress:
    """A progress bar per analysis pass on stderr (click draws it only on a terminal)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._name: str | None = None
        self._done = 0

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self._name:
            self.close()
            self._name, self._done = name, 0
            unit = "briefings read" if name.startswith("mine ") else "briefings"  # mining reads each 3 times
            self._bar = click.progressbar(length=total, label=f"{name:<13} {unit}", file=sys.stderr,
                                          show_pos=True, show_eta=True)
            self._bar.__enter__()
        if self._bar is not None and done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@main.command("analyse")
@db_option
@click.option("--redo", is_flag=True, help="Re-run every pass on every briefing (default: only what is missing or "
              "was annotated by an older version of a pass) and re-mine the formulations.")
@click.option("--pass", "passes", multiple=True, metavar="NAME",
              help="Run only this pass (repeatable): clarity, countries, formulations.")
def analyse_command(db: str, redo: bool, passes: tuple[str, ...]) -> None:
    """Run the analysis passes over the stored briefings and print annotations written per pass.

    Passes: clarity (answer clarity and evasion), countries (countries, organisations and regions named in
    question and answer), formulations (mines recurring official phrases, then tags answers with them).
    """
    bar = _PassProgress()
    try:
        with Podium(db, create=False) as pod:
            counts = pod.analyse(redo=redo, passes=list(passes) or None, progress=bar)
    finally:
        bar.close()
    for name, n in counts.to_dict().items():
        what = {"formulations_mined": "formulations in the mined list",
                "clarity_carried": "clarity labels carried from English exchanges to their counterparts"}.get(
            name, "annotations written")
        click.echo(f"{name:<20} {n:>8}  {what}")


@main.command("formulations")
@db_option
@click.option("--new-since", metavar="YYYY-MM-DD", help="Only phrases first used on or after this date.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Only phrases in this language.")
@click.option("--limit", default=50, show_default=True, help="How many to list (most widely used first).")
@click.option("--min-briefings", default=1, show_default=True, type=click.IntRange(1),
              help="Only phrases used in at least this many briefings.")
@click.option("--exclude-file", type=click.Path(exists=True, dir_okay=False),
              help="A file of phrases to leave out, one a line ('#' starts a comment): your curated list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records (with per-month use and spokespersons).")
def formulations_command(db: str, new_since: str | None, lang: str | None, limit: int, min_briefings: int,
                         exclude_file: str | None, as_json: bool) -> None:
    """List the official formulations (tifa) mined from the answers: recurring phrases that hold together,
    with how many briefings use them, first and last use and the spokespersons who use them most.

    The list is mined by `podium analyse`; phrases are found without a hand-made list (see
    podium.analysis.formulations for the method). "before coverage" means the phrase is used in the first month
    the corpus holds for its language: it may have been in use before.
    """
    exclude: list[str] = []
    if exclude_file:
        with open(exclude_file, encoding="utf-8") as fh:
            exclude = [ln.split("#", 1)[0].strip() for ln in fh]
        exclude = [x for x in exclude if x]
    with Podium(db, create=False) as pod:
        df = pod.formulations(new_since=new_since, limit=limit, lang=lang, min_briefings=min_briefings,
                              exclude=exclude)
        stale = pod.formulations_stale()
    if as_json:
        click.echo(json.dumps(df.to_dict(orient="records"), ensure_ascii=False, indent=2, default=str))
        return
    if df.empty:
        click.echo("No formulations found" + (" first used since " + new_since if new_since else "")
                   + ". Run `podium analyse` to mine them.")
        return
    if stale:
        click.echo("note: the briefings changed since this list was mined; `podium analyse` mines it again",
                   err=True)
    starts = ", ".join(f"[{lg}] {g['coverage_from'].min()}" for lg, g in df.groupby("lang"))
    click.echo(f"{len(df)} formulation(s); briefings = briefings (versions) of its language using it; coverage "
               f"starts {starts}" + (f"; {len(exclude)} phrase(s) excluded" if exclude else ""))
    for r in df.itertuples():
        speakers = ", ".join(f"{k} {v}" for k, v in list(r.spokespersons.items())[:3])
        first = r.first_use if r.first_use == "before coverage" else r.first_date
        click.echo(f"f{r.id:<6} {r.briefings:>5} briefings  {first} .. {r.last_date}  [{r.lang}] {r.text}")
        if speakers:
            click.echo(f"{'':8}{'':>16}peak month share {r.peak_share:.0%}; used by {speakers}")


def describe(attrs: dict[str, Any], n_label: str = "events") -> str:
    """One line saying what a table counts: unit, languages, kinds, dates and on how many cases it rests."""
    parts = [f"unit: {attrs.get('unit', '?')}"]
    if attrs.get("languages"):
        parts.append("languages: " + "+".join(attrs["languages"]))
    if attrs.get("kinds"):
        parts.append("kinds: " + ", ".join(attrs["kinds"]))
    if attrs.get("date_from"):
        parts.append(f"{attrs['date_from']} .. {attrs['date_to']}")
    if n_label in attrs:
        parts.append(f"{attrs[n_label]} {n_label.replace('_', ' ')}")
    return "; ".join(parts)


@main.command("trend")
@db_option
@click.argument("term", required=False)
@click.option("--country", metavar="ISO3|NAME", help="Trend mentions of a country (question or answer).")
@click.option("--formulation", metavar="ID|TEXT", help="Trend a mined formulation (see `podium formulations`).")
@click.option("--by", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True)
@click.option("--per", type=click.Choice(["spokesperson", "outlet-type"]), help="One series per group.")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Event kinds to count (repeatable; 'all' for every kind, remarks included). Default: the press "
                   "conferences.")
@click.option("--exact", is_flag=True, help="Match the term's words exactly (no stemming).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: what was counted and the rows.")
@briefing_filter_options
def trend_command(db: str, term: str | None, country: str | None, formulation: str | None, by: str,
                  per: str | None, kinds: tuple[str, ...], exact: bool, as_csv: bool, as_json: bool,
                  **filters: Any) -> None:
    """Share of press conferences per period that mention TERM (a search query, e.g. '"one China"'), a country
    (--country JPN) or a formulation (--formulation f12), normalised by the press conferences held then.

    A press conference published in English and Chinese counts once, and matches when any of its versions does.
    Languages: --lang if given (then the unit is that language's versions), else the languages the term is
    written in ('Taiwan OR 台湾' counts both), a formulation's own language, or all for a country. Every period
    with a press conference gets a row (a period without a match shows 0); periods the corpus starts or ends
    inside are marked partial.
    """
    if sum(x is not None for x in (term, country, formulation)) != 1:
        raise click.UsageError("give exactly one of TERM, --country or --formulation")
    with Podium(db, create=False) as pod:
        df = pod.trend(term, country=country, formulation=formulation, by=by,
                       per=per.replace("-", "_") if per else None, kinds=list(kinds) or None, exact=exact, **filters)
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    if as_json:
        click.echo(json.dumps({**df.attrs, "rows": df.to_dict(orient="records")}, ensure_ascii=False, indent=2,
                              default=str))
        return
    click.echo(describe(df.attrs))
    if df.empty:
        click.echo("No press conferences match the filters.")
        return
    out = df.copy()
    out["share"] = out["share"].map(lambda x: f"{x:6.1%}")
    out["bar"] = df["share"].map(lambda x: "#" * round(x * 40))
    out["partial"] = df["partial"].map(lambda x: "partial" if x else "")
    click.echo(out.rename(columns={"briefings_held": "held", "briefings_matching": "matching"}).to_string(index=False))


def _ci(share: float, lo: float, hi: float) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return f"{share:.0%} [{lo:.0%}-{hi:.0%}]"


def exchange_table_options(f):
    """--lang, --from, --to and --csv of the tables that count exchanges (outlets, clarity)."""
    for opt in reversed([
            click.option("--lang", help="Only this language's versions (default: both, an exchange and its "
                                        "translation counted once)."),
            click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only exchanges on or after this date."),
            click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only exchanges on or before this date."),
            click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV.")]):
        f = opt(f)
    return f


@main.command("outlets")
@db_option
@click.option("--min-questions", default=5, show_default=True, help="Leave out outlets with fewer questions.")
@exchange_table_options
def outlets_command(db: str, min_questions: int, lang: str | None, date_from: str | None, date_to: str | None,
                    as_csv: bool) -> None:
    """Per outlet type and per outlet: questions asked, the clarity of the answers (share of Clear Reply,
    Ambivalent, Clear Non-Reply with 95% Wilson intervals, and the same shares corrected for the classifier's
    measured confusion with 95% bootstrap intervals), median answer length (words for English answers, characters
    for Chinese ones) and the countries asked about most. An exchange published in English and Chinese counts
    once, with the English version's clarity, unless --lang picks one language."""
    with Podium(db, create=False) as pod:
        df = pod.outlets(lang=lang, date_from=date_from, date_to=date_to)
    attrs = dict(df.attrs)
    df = df[df["questions"] >= min_questions] if not df.empty else df
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    click.echo(textwrap.fill(describe(attrs, "exchanges") + f"; {attrs.get('anonymous', 0)} with no named outlet",
                             width=min(100, shutil.get_terminal_size((100, 24)).columns)))
    if df.empty:
        click.echo("No exchanges stored.")
        return
    for level, title in (("outlet_type", "outlet type"), ("outlet", "outlet")):
        part = df[df["level"] == level]
        if part.empty:
            continue
        click.echo()
        click.echo(_outlet_table(part, title, width=shutil.get_terminal_size((100, 24)).columns))
        if "clear_reply_corrected" in part:
            click.echo(f"  corrected for the classifier's measured error (95% bootstrap intervals), by {title}:")
            click.echo(_shares_table(part, title))
    if df.attrs.get("clarity_trust"):
        click.echo("\n" + textwrap.fill(df.attrs["clarity_trust"],
                                        width=min(100, shutil.get_terminal_size((100, 24)).columns)))
    click.echo("\n" + textwrap.fill(
        "Shares (%) of the answers labelled for clarity, with 95% Wilson intervals; 'labelled' is the number they "
        f"rest on. Outlets with fewer than {min_questions} questions are left out (--min-questions); --csv gives "
        "every column.", width=min(100, shutil.get_terminal_size((100, 24)).columns)))


@main.command("clarity")
@db_option
@click.option("--by", type=click.Choice(["spokesperson", "outlet-type", "period"]), default="spokesperson",
              show_default=True, help="What to compare.")
@click.option("--per", type=click.Choice(["month", "quarter", "year"]), default="year", show_default=True,
              help="The length of a period (with --by period).")
@click.option("--min-answers", default=20, show_default=True, help="Leave out groups with fewer labelled answers.")
@exchange_table_options
@click.option("--json", "as_json", is_flag=True, help="Print the rows and what they count as JSON.")
def clarity_command(db: str, by: str, per: str, min_answers: int, lang: str | None, date_from: str | None,
                    date_to: str | None, as_csv: bool, as_json: bool) -> None:
    """How clearly questions were answered, per spokesperson, outlet type or period: the share of Clear Reply,
    Ambivalent and Clear Non-Reply among the labelled answers, raw (95% Wilson intervals) and corrected for the
    classifier's measured confusion (95% bootstrap intervals over the answers and the test labels)."""
    with Podium(db, create=False) as pod:
        df = pod.clarity(by=by, per=per, lang=lang, date_from=date_from, date_to=date_to, min_answers=min_answers)
    attrs = dict(df.attrs)
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    if as_json:
        click.echo(json.dumps({"attrs": attrs, "rows": json.loads(df.to_json(orient="records"))}, ensure_ascii=False,
                              indent=1))
        return
    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    title = {"spokesperson": "spokesperson", "outlet_type": "outlet type", "period": per}[attrs["by"]]
    click.echo(textwrap.fill(describe(attrs, "exchanges") + f"; {attrs.get('labelled', 0)} labelled for clarity",
                             width=width))
    if df.empty:
        click.echo(f"No group has {min_answers} or more labelled answers (--min-answers).")
        return
    named = df.assign(name=df["group"])
    click.echo("\nraw shares (95% Wilson intervals):")
    click.echo(_shares_table(named, title, ("share", "lo", "hi")))
    if "clear_reply_corrected" in df:
        click.echo(f"\ncorrected for the classifier's measured error (95% bootstrap intervals), by {title}:")
        click.echo(_shares_table(named, title))
    if attrs.get("clarity_trust"):
        click.echo("\n" + textwrap.fill(attrs["clarity_trust"], width=width))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pct_ci(share: float, lo: float, hi: float) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return f"{share * 100:.0f} ({lo * 100:.0f}-{hi * 100:.0f})"


def _shares_table(df: Any, title: str, columns: tuple[str, str, str] = ("corrected", "corrected_lo",
                                                                         "corrected_hi")) -> str:
    """One narrow table of the three clarity shares with their intervals per row (``name``): the corrected ones by
    default, the raw ones with ``columns=("share", "lo", "hi")``."""
    rows = [[title, "labelled", "Clear Reply %", "Ambivalent %", "Non-Reply %"]]
    for r in df.to_dict("records"):
        name = str(r["name"])
        rows.append([name if len(name) <= 26 else name[:25] + "…", f"{int(r.get('labelled') or 0):,}",
                     *(_pct_ci(*(r.get(f"{slug}_{c}") for c in columns))
                       for slug in ("clear_reply", "ambivalent", "clear_non_reply"))])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + "  ".join([str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in
                                                                           zip(row[1:], widths[1:], strict=True)])
                     for row in rows)


def _outlet_table(df: Any, title: str, width: int = 100) -> str:
    """The outlets table narrow enough for a terminal: a name cut to fit, shares as percentages with their
    interval, the median answer length and the three countries asked about most (codes)."""
    name_w = 26
    rows = [[title, "questions", "labelled", "Clear Reply %", "Ambivalent %", "Non-Reply %", "words(en)",
             "asked about"]]
    for r in df.to_dict("records"):
        name = str(r["name"])
        rows.append([name if len(name) <= name_w else name[:name_w - 1] + "…", f"{r['questions']:,}",
                     f"{int(r.get('labelled') or 0):,}",
                     _pct_ci(r["clear_reply_share"], r["clear_reply_lo"], r["clear_reply_hi"]),
                     _pct_ci(r["ambivalent_share"], r["ambivalent_lo"], r["ambivalent_hi"]),
                     _pct_ci(r["clear_non_reply_share"], r["clear_non_reply_lo"], r["clear_non_reply_hi"]),
                     "-" if _missing(r.get("median_answer_words_en")) else f"{r['median_answer_words_en']:.0f}",
                     " ".join(c.split()[0] for c in str(r.get("top_countries") or "").split(",")[:3] if c.strip())])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    # the last column takes what is left of the terminal, at least 12
    used = sum(widths[:-1]) + 2 * (len(widths) - 1)
    widths[-1] = max(12, min(widths[-1], width - used))
    lines = []
    for row in rows:
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:-1], widths[1:-1],
                                                                                   strict=True)]
        cells.append(str(row[-1])[:widths[-1]])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@main.command("evaluate")
@click.option("--split", default="test", show_default=True, help="Which split of the clarity labels to score.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate_command(split: str, as_json: bool) -> None:
    """Score the analysis passes against the hand labels shipped with podium: answer clarity (macro-F1 for the
    3 classes and the 9 labels, confusion matrix, on the held-out split) and country mentions (micro
    precision/recall/F1, per language and per common country)."""
    results, report = evaluate(split)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(report)
