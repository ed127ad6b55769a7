"""Periods for trend tables and charts (podium.analysis.stats) on the dates of the shared MFA corpus: labels, every
period between the first and the last, partial periods at the corpus edges."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from podium.analysis.stats import period_of, period_range, trend_table

from conftest import CORPUS


@pytest.fixture(scope="module")
def dates(shared) -> pd.Series:
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8") as fh:
        found = sorted({r["date"] for r in csv.DictReader(fh, delimiter="\t") if r["date"]})
    assert len(found) > 300
    return pd.Series(found)


def _ordinal(label: str, by: str) -> int:
    """A period label as a count of periods since year 0, read from the label's digits (independent of pandas)."""
    year = int(label[:4])
    if by == "year":
        return year
    if by == "quarter":
        return year * 4 + int(label[label.index("Q") + 1:]) - 1
    return year * 12 + int(label[5:7]) - 1


@pytest.mark.parametrize("by,pattern", [("month", r"\d{4}-\d{2}"), ("quarter", r"\d{4}Q[1-4]"), ("year", r"\d{4}")])
def test_every_period_from_first_to_last(dates, by, pattern):
    labels = period_of(dates, by)
    assert labels.str.fullmatch(pattern).all()
    assert [lab[:4] for lab in labels] == [d[:4] for d in dates]
    held = sorted(set(labels))
    every = period_range(held, by)
    assert set(held) <= set(every) and every == sorted(every)
    steps = [_ordinal(b, by) - _ordinal(a, by) for a, b in zip(every, every[1:], strict=False)]
    assert steps and set(steps) == {1}
    assert (every[0], every[-1]) == (held[0], held[-1])
    # a stretch without press conferences is a gap on the time axis: a month-sized hole, if the corpus has one
    assert len(every) == _ordinal(held[-1], by) - _ordinal(held[0], by) + 1


def test_labels_of_another_kind_are_kept(dates):
    months = sorted(set(period_of(dates, "month")))[:3]
    assert period_range(months, "week") == months
    assert period_range(months, "year") == months
    assert period_range([], "month") == []


def test_the_periods_the_corpus_starts_and_ends_inside_are_partial(dates):
    units = pd.DataFrame({"date": dates, "briefing_id": range(len(dates))})
    table = trend_table(units, [], by="year")
    first, last = dates.iloc[0], dates.iloc[-1]
    partial = dict(zip(table["period"], table["partial"], strict=True))
    assert partial[first[:4]] == (first[5:] > "01-05")
    assert partial[last[:4]] == (last[5:] < "12-27")
    assert not any(partial[y] for y in partial if first[:4] < y < last[:4])
