"""Statistics for publishable tables: Wilson confidence intervals, per-period trends normalised by briefings held
(with explicit zeros), and the per-outlet table — pure functions over DataFrames, no database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import AnalysisError
from ..model import CLARITY_LABELS, NO_OUTLET
from ..text import answer_length
from .calibration import Correction, adjusted_shares, trust_statement
from .clarity import load_test_predictions

__all__ = ["CLARITY_LABELS", "clarity_calibration", "clarity_corrections", "outlet_table", "period_of", "period_range",
           "trend_table", "wilson"]

PERIODS = ("month", "quarter", "year")
_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}
#: A period is partial when the counted material starts or ends more than this many days inside it.
PARTIAL_SLACK_DAYS = 4


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (well behaved at 0, 1 and small n); (nan, nan) when n = 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _freq(by: str) -> str:
    if by not in _FREQ:
        raise ValueError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
    return _FREQ[by]


def period_of(dates: pd.Series, by: str) -> pd.Series:
    """ISO dates (text or datetime) as period labels: "2020-03" (month), "2020Q1" (quarter), "2020" (year)."""
    return pd.to_datetime(dates).dt.to_period(_freq(by)).astype(str)


def period_range(periods: list[str], by: str) -> list[str]:
    """Every period label from the first to the last of the sorted ``periods`` (as ``period_of`` writes them), so
    that a stretch without briefings shows as a gap on a chart instead of being squeezed out of the time axis; the
    labels as given when they are not of that kind."""
    if not periods:
        return []
    try:
        freq = _freq(by)
        every = [str(p) for p in pd.period_range(pd.Period(periods[0], freq), pd.Period(periods[-1], freq))]
    except ValueError:  # a label of another kind ("2020-03" by year): keep what was given
        return list(periods)
    return every if set(periods) <= set(every) else list(periods)


def trend_table(units: pd.DataFrame, matching: Iterable[int], *, by: str = "month",
                group: str | None = None, unit: str | None = None,
                coverage: tuple[str, str] | None = None) -> pd.DataFrame:
    """Units held and units matching per period (and group), with the share and whether the period is partial.

    ``units``: one row per exchange (or per version) with the ``unit`` column (default ``event_id`` when present,
    else ``briefing_id``), ``date`` and, when grouping, the ``group`` column; ``matching``: ids of the matching
    exchanges (``exchange_id`` column) or, when ``units`` has no ``exchange_id`` column, of the matching units.
    A unit counts as held in a (period, group) when it has a row there, and as matching when one of those rows
    matches. Every (period, group) with a unit held gets a row, so periods without a match show 0 rather than
    vanishing. ``coverage`` (first, last date the counted material covers): periods that start before or end
    after it are marked ``partial`` (the corpus begins or ends inside them).
    """
    cols = ["period"] + ([group] if group else []) + ["briefings_held", "briefings_matching", "share", "partial"]
    if units.empty:
        return pd.DataFrame(columns=cols)
    df = units.copy()
    df["period"] = period_of(df["date"], by)
    unit = unit or ("event_id" if "event_id" in df.columns else "briefing_id")
    key = "exchange_id" if "exchange_id" in df.columns else unit
    match = set(matching)
    df["_match"] = df[key].isin(match)
    keys = ["period"] + ([group] if group else [])
    if group:
        df[group] = df[group].fillna(NO_OUTLET if group == "outlet_type" else "(unknown)")
    per_unit = df.groupby(keys + [unit], sort=True)["_match"].any().reset_index()
    out = per_unit.groupby(keys, sort=True)["_match"].agg(["size", "sum"]).reset_index()
    out = out.rename(columns={"size": "briefings_held", "sum": "briefings_matching"})
    out["briefings_matching"] = out["briefings_matching"].astype(int)
    out["share"] = out["briefings_matching"] / out["briefings_held"]
    if coverage is None:
        dates = pd.to_datetime(df["date"])
        coverage = (dates.min().date().isoformat(), dates.max().date().isoformat())
    freq = _FREQ[by]
    first, last = pd.Timestamp(coverage[0]), pd.Timestamp(coverage[1])
    periods = pd.PeriodIndex(out["period"], freq=freq)
    # a few days' slack: a corpus that starts on the first working day of a month covers that month
    out["partial"] = (((first - periods.start_time.normalize()).days > PARTIAL_SLACK_DAYS)
                      | ((periods.end_time.normalize() - last).days > PARTIAL_SLACK_DAYS))
    return out[cols].reset_index(drop=True)


def _top(counter: Counter, k: int) -> str:
    return ", ".join(f"{code} {n}" for code, n in counter.most_common(k))


def clarity_calibration(shipped: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Per language, how well the shipped model's 3-class probabilities are calibrated on its held-out test
    exchanges: ``{"n": exchanges, "ece": {class: expected calibration error}}`` (from ``shipped``, the test
    predictions, read here when not given)."""
    shipped = load_test_predictions() if shipped is None else shipped
    return {lang: {"n": d["n"], "ece": d["ece"]} for lang, d in shipped.items() if d.get("ece")}


def clarity_corrections(bootstrap: int = 400) -> tuple[dict[str, Correction], dict[str, Any]]:
    """The measured confusion of the shipped clarity models on their held-out test exchanges, per language
    (``calibration.Correction``), and the attrs a table of corrected shares carries: ``clarity_trust`` (how far
    they can be trusted) and ``clarity_calibration``."""
    shipped = load_test_predictions()
    corrections = {lang: Correction(d["gold"], d["pred"], len(CLARITY_LABELS), bootstrap=bootstrap)
                   for lang, d in shipped.items()}
    trust = trust_statement({lang: d["n"] for lang, d in shipped.items()},
                            {lang: d["macro_f1"] for lang, d in shipped.items()},
                            {lang: d.get("ece", {}) for lang, d in shipped.items()}) if shipped else (
        "No measured confusion is shipped for the clarity models here: only raw shares can be given.")
    return corrections, {"clarity_trust": trust, "clarity_calibration": clarity_calibration(shipped)}


def outlet_table(rows: pd.DataFrame, *, top_countries: int = 5, min_questions: int = 1,
                 correct: bool = True) -> pd.DataFrame:
    """One row per outlet and one per outlet type (``level`` says which): questions, the clarity distribution
    (share and 95% Wilson interval of each 3-way label among the labelled answers), the median answer length
    (words for English answers, characters for Chinese ones) and the countries asked about most.

    With ``correct``, each clarity share also comes corrected for the classifier's measured confusion
    (``{class}_corrected`` with ``_corrected_lo`` / ``_corrected_hi``: adjusted classify-and-count with the
    confusion matrix of the held-out test labels of the answer's language, 95% bootstrap interval over the group's
    exchanges and the test labels); the Wilson interval of the raw share ignores the classifier's error, this one
    does not. ``out.attrs["clarity_trust"]`` says how far to trust it.

    ``rows``: one row per exchange with ``outlet``, ``outlet_type``, ``lang``, ``clarity`` (label or None),
    ``countries_question`` (list of ISO3 codes or None) and either the answer's length (``answer_words``,
    ``answer_chars``, as ``podium.text.answer_length`` gives them) or the ``answer`` itself.
    """
    if rows.empty:
        return pd.DataFrame(columns=["level", "name", "outlet_type", "questions"])
    corrections, attrs = clarity_corrections() if correct else ({}, {})
    df = rows.copy()
    if "answer_words" not in df:
        sizes = [answer_length(a, lang) for a, lang in zip(df["answer"], df["lang"], strict=True)]
        df["answer_words"] = [w for w, _ in sizes]
        df["answer_chars"] = [c for _, c in sizes]
    records = []
    for level, col in (("outlet_type", "outlet_type"), ("outlet", "outlet")):
        for name, g in df.groupby(df[col].fillna(NO_OUTLET), sort=True):
            if len(g) < min_questions:
                continue
            rec = {"level": level, "name": name,
                   "outlet_type": g["outlet_type"].dropna().mode().iloc[0] if g["outlet_type"].notna().any()
                   else None,
                   "questions": len(g)}
            rec.update(_clarity_shares(g, corrections if correct else None))
            words = g["answer_words"].dropna()
            chars = g["answer_chars"].dropna()
            rec["median_answer_words_en"] = float(words.median()) if len(words) else math.nan
            rec["median_answer_chars_zh"] = float(chars.median()) if len(chars) else math.nan
            asked: Counter = Counter()
            if "countries_question" in g:
                _count_codes(asked, g["countries_question"])
            rec["top_countries"] = _top(asked, top_countries)
            records.append(rec)
    out = pd.DataFrame(records)
    out = out.sort_values(["level", "questions", "name"], ascending=[False, False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _count_codes(asked: Counter, column: pd.Series) -> None:
    """Add up the country codes of a column of code lists (tuples or lists; None where not annotated), as
    updating ``asked`` row by row would, codes first met first (``most_common`` breaks ties by that order), but
    once per distinct list: a million rows repeat a few thousand lists."""
    values = column.tolist()
    try:
        distinct = Counter(values)  # in the order first met
    except TypeError:  # lists
        distinct = Counter(tuple(v) if isinstance(v, list) else v for v in values)
    for codes, n in distinct.items():
        if isinstance(codes, tuple):
            for code in codes:
                asked[code] += n


def _clarity_shares(g: pd.DataFrame, corrections: dict | None) -> dict[str, Any]:
    """The clarity distribution of one group's labelled answers: ``labelled`` (n), each class's raw share with its
    95% Wilson interval and, with ``corrections``, the corrected share with its bootstrap interval."""
    labels = g["clarity"].dropna() if "clarity" in g else pd.Series(dtype=object)
    n = len(labels)
    rec: dict[str, Any] = {"labelled": n}
    for lab in CLARITY_LABELS:
        k = int((labels == lab).sum())
        slug = lab.lower().replace(" ", "_").replace("-", "_")
        rec[f"{slug}_share"] = k / n if n else math.nan
        rec[f"{slug}_lo"], rec[f"{slug}_hi"] = wilson(k, n)
    if corrections is not None:
        rec.update(_corrected(g, corrections))
    return rec


#: What ``clarity_table`` groups by.
CLARITY_GROUPS = ("spokesperson", "outlet_type", "period")


def clarity_table(rows: pd.DataFrame, *, by: str, per: str = "year", min_answers: int = 1,
                  correct: bool = True) -> pd.DataFrame:
    """The clarity of the answers per group: per spokesperson, per outlet type or per period (``per``: month,
    quarter, year) — answers labelled and each class's share, raw with its 95% Wilson interval and corrected for
    the classifier's measured confusion with its 95% bootstrap interval (as ``outlet_table``).
    ``out.attrs["clarity_trust"]`` says how far to trust the corrected shares.

    ``rows``: one row per exchange with ``lang``, ``clarity`` (label or None), ``date`` and the group's column
    (``spokesperson``: a display name; ``outlet_type``). Groups with fewer than ``min_answers`` labelled answers
    are left out."""
    if by not in CLARITY_GROUPS:
        raise AnalysisError(f"unknown grouping {by!r}; use one of {', '.join(CLARITY_GROUPS)}")
    columns = ["group", "answers"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    corrections, attrs = clarity_corrections() if correct else ({}, {})
    if by == "period":
        keys = period_of(rows["date"], per)
    elif by == "outlet_type":
        keys = rows["outlet_type"].fillna(NO_OUTLET)
    else:
        keys = rows["spokesperson"].fillna("(unknown)")
    records = []
    for name, g in rows.groupby(keys, sort=True):
        rec = {"group": name, "answers": len(g), **_clarity_shares(g, corrections if correct else None)}
        if rec["labelled"] >= min_answers:
            records.append(rec)
    out = pd.DataFrame(records)
    if not out.empty and by != "period":
        out = out.sort_values(["labelled", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _corrected(g: pd.DataFrame, corrections: dict) -> dict[str, float]:
    """Corrected shares of the labelled answers of one group, each language with its own measured confusion;
    answers in a language without one leave the corrected shares empty (NaN)."""
    labelled = g[g["clarity"].isin(CLARITY_LABELS)] if "clarity" in g else g.iloc[0:0]
    codes = labelled["clarity"].map({lab: i for i, lab in enumerate(CLARITY_LABELS)}).to_numpy(dtype=int)
    zh = (labelled["lang"] == "zh").to_numpy(dtype=bool)
    by_lang: dict[str, Any] = {}
    for lang in (("zh", "en") if len(zh) and zh[0] else ("en", "zh")):  # in the order they first occur
        part = codes[zh] if lang == "zh" else codes[~zh]
        if len(part):
            by_lang[lang] = part
    out: dict[str, float] = {}
    ok = bool(by_lang) and all(lang in corrections for lang in by_lang)
    adj = adjusted_shares(by_lang, corrections, classes=CLARITY_LABELS) if ok else None
    for i, lab in enumerate(CLARITY_LABELS):
        slug = lab.lower().replace(" ", "_").replace("-", "_")
        out[f"{slug}_corrected"] = adj.corrected[i] if adj else math.nan
        out[f"{slug}_corrected_lo"] = adj.lo[i] if adj else math.nan
        out[f"{slug}_corrected_hi"] = adj.hi[i] if adj else math.nan
    return out
