"""Analysis commands: `podium analyse`, `formulations`, `trend`, `outlets`, `evaluate`.

Each command opens a Podium, calls one method and prints the result as a table (or CSV / JSON).
"""

from __future__ import annotations

import json
import math
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
            self._bar = click.progressbar(length=total, label=f"{name:<13} briefings", file=click.get_text_stream(
                "stderr"), show_pos=True, show_eta=True)
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
    for name, n in counts.items():
        what = {"formulations_mined": "formulations in the mined list",
                "clarity_carried": "clarity labels carried from English exchanges to their counterparts"}.get(
            name, "annotations written")
        click.echo(f"{name:<20} {n:>8}  {what}")


@main.command("formulations")
@db_option
@click.option("--new-since", metavar="YYYY-MM-DD", help="Only phrases first used on or after this date.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Only phrases in this language.")
@click.option("--limit", default=50, show_default=True, help="How many to list (most widely used first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records (with per-month use and spokespersons).")
def formulations_command(db: str, new_since: str | None, lang: str | None, limit: int, as_json: bool) -> None:
    """List the official formulations (tifa) mined from the answers: recurring phrases that hold together,
    with how many briefings use them, first and last use and the spokespersons who use them most.

    The list is mined by `podium analyse`; phrases are found without a hand-made list (see
    podium.analysis.formulations for the method).
    """
    with Podium(db, create=False) as pod:
        df = pod.formulations(new_since=new_since, limit=limit, lang=lang)
    if as_json:
        click.echo(json.dumps(df.to_dict(orient="records"), ensure_ascii=False, indent=2, default=str))
        return
    if df.empty:
        click.echo("No formulations found" + (" first used since " + new_since if new_since else "")
                   + ". Run `podium analyse` to mine them.")
        return
    for r in df.itertuples():
        speakers = ", ".join(f"{k} {v}" for k, v in list(r.spokespersons.items())[:3])
        click.echo(f"f{r.id:<6} {r.briefings:>5} briefings  {r.first_date} .. {r.last_date}  [{r.lang}] {r.text}")
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


@main.command("outlets")
@db_option
@click.option("--min-questions", default=5, show_default=True, help="Leave out outlets with fewer questions.")
@click.option("--lang", help="Only this language's versions (default: both, an exchange and its translation "
                             "counted once).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only exchanges on or after this date.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only exchanges on or before this date.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV.")
def outlets_command(db: str, min_questions: int, lang: str | None, date_from: str | None, date_to: str | None,
                    as_csv: bool) -> None:
    """Per outlet type and per outlet: questions asked, the clarity of the answers (share of Clear Reply,
    Ambivalent, Clear Non-Reply with 95% Wilson intervals), median answer length (words for English answers,
    characters for Chinese ones) and the countries asked about most. An exchange published in English and Chinese
    counts once, with the English version's clarity, unless --lang picks one language."""
    with Podium(db, create=False) as pod:
        df = pod.outlets(lang=lang, date_from=date_from, date_to=date_to)
    attrs = dict(df.attrs)
    df = df[df["questions"] >= min_questions] if not df.empty else df
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    click.echo(describe(attrs, "exchanges") + f"; {attrs.get('anonymous', 0)} with no named outlet")
    if df.empty:
        click.echo("No exchanges stored.")
        return
    import pandas as pd  # here, not at the top: every other command would pay a third of a second for it

    table = pd.DataFrame({
        "level": df["level"].str.replace("outlet_type", "type"),
        "name": df["name"].str.slice(0, 34),
        "questions": df["questions"],
        "Clear Reply": [_ci(*x) for x in zip(df["clear_reply_share"], df["clear_reply_lo"], df["clear_reply_hi"],
                                             strict=True)],
        "Ambivalent": [_ci(*x) for x in zip(df["ambivalent_share"], df["ambivalent_lo"], df["ambivalent_hi"],
                                            strict=True)],
        "Clear Non-Reply": [_ci(*x) for x in zip(df["clear_non_reply_share"], df["clear_non_reply_lo"],
                                                 df["clear_non_reply_hi"], strict=True)],
        "median words(en)": df["median_answer_words_en"].map(lambda x: "-" if pd.isna(x) else f"{x:.0f}"),
        "median chars(zh)": df["median_answer_chars_zh"].map(lambda x: "-" if pd.isna(x) else f"{x:.0f}"),
        "countries asked about": df["top_countries"],
    })
    click.echo(table.to_string(index=False))


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
