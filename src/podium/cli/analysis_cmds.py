"""Analysis commands: `podium analyse`, `formulations`, `trend`, `outlets`, `evaluate`.

Each command opens a Podium, calls one method and prints the result as a table (or CSV / JSON).
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
import pandas as pd

from ..api import Podium, evaluate
from . import briefing_filter_options, db_option, main


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
    with Podium(db, create=False) as pod:
        counts = pod.analyse(redo=redo, passes=list(passes) or None)
    for name, n in counts.items():
        what = "formulations in the mined list" if name == "formulations_mined" else "annotations written"
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


@main.command("trend")
@db_option
@click.argument("term", required=False)
@click.option("--country", metavar="ISO3|NAME", help="Trend mentions of a country (question or answer).")
@click.option("--formulation", metavar="ID|TEXT", help="Trend a mined formulation (see `podium formulations`).")
@click.option("--by", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True)
@click.option("--per", type=click.Choice(["spokesperson", "outlet-type"]), help="One series per group.")
@click.option("--exact", is_flag=True, help="Match the term's words exactly (no stemming).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@briefing_filter_options
def trend_command(db: str, term: str | None, country: str | None, formulation: str | None, by: str,
                  per: str | None, exact: bool, as_csv: bool, **filters: Any) -> None:
    """Share of briefings per period that mention TERM (a search query, e.g. '"one China"'), a country
    (--country JPN) or a formulation (--formulation f12), normalised by the briefings held in that period.

    Every period with a briefing gets a row, so a period without a match shows 0. A term or formulation counts
    briefings of its own language only unless --lang is given.
    """
    if sum(x is not None for x in (term, country, formulation)) != 1:
        raise click.UsageError("give exactly one of TERM, --country or --formulation")
    with Podium(db, create=False) as pod:
        df = pod.trend(term, country=country, formulation=formulation, by=by,
                       per=per.replace("-", "_") if per else None, exact=exact, **filters)
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    if df.empty:
        click.echo("No briefings match the filters.")
        return
    out = df.copy()
    out["share"] = out["share"].map(lambda x: f"{x:6.1%}")
    out["bar"] = df["share"].map(lambda x: "#" * round(x * 40))
    click.echo(out.to_string(index=False))


def _ci(share: float, lo: float, hi: float) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return f"{share:.0%} [{lo:.0%}-{hi:.0%}]"


@main.command("outlets")
@db_option
@click.option("--min-questions", default=5, show_default=True, help="Leave out outlets with fewer questions.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV.")
def outlets_command(db: str, min_questions: int, as_csv: bool) -> None:
    """Per outlet type and per outlet: questions asked, the clarity of the answers (share of Clear Reply,
    Ambivalent, Clear Non-Reply with 95% Wilson intervals, and the same shares corrected for the classifier's
    measured confusion with 95% bootstrap intervals), median answer length (words for English answers, characters
    for Chinese ones) and the countries asked about most."""
    with Podium(db, create=False) as pod:
        df = pod.outlets()
    df = df[df["questions"] >= min_questions] if not df.empty else df
    if as_csv:
        click.echo(df.to_csv(index=False), nl=False)
        return
    if df.empty:
        click.echo("No exchanges stored.")
        return
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
        **{f"{lab} corrected": [_ci(*x) for x in zip(df[f"{slug}_corrected"], df[f"{slug}_corrected_lo"],
                                                      df[f"{slug}_corrected_hi"], strict=True)]
           for lab, slug in (("Clear Reply", "clear_reply"), ("Ambivalent", "ambivalent"),
                             ("Clear Non-Reply", "clear_non_reply")) if f"{slug}_corrected" in df},
        "median words(en)": df["median_answer_words_en"].map(lambda x: "-" if pd.isna(x) else f"{x:.0f}"),
        "median chars(zh)": df["median_answer_chars_zh"].map(lambda x: "-" if pd.isna(x) else f"{x:.0f}"),
        "countries asked about": df["top_countries"],
    })
    click.echo(table.to_string(index=False))
    if df.attrs.get("clarity_trust"):
        click.echo("\n" + df.attrs["clarity_trust"])


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
