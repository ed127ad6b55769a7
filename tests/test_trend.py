"""Trends over the analysed MFA corpus: briefings per period mentioning a term, a country or a formulation,
normalised by briefings held, checked against independent counts over the exchanges; and the analysis commands."""

from __future__ import annotations

import io
import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.errors import NotFound, QueryError

from conftest import CORPUS


@pytest.fixture(scope="module")
def pod(analysed_db):
    with Podium(analysed_db, create=False) as p:
        yield p


@pytest.fixture(scope="module")
def rows(pod) -> pd.DataFrame:
    """Exchanges of the press conferences (remarks pages are not press conferences held), each with the month
    of its event: the earliest date any version of the event prints."""
    df = pod.exchanges()
    df = df[df["series"] == "China MFA regular press conference"].copy()
    df["month"] = df.groupby("event_id")["date"].transform("min").str.slice(0, 7)
    return df


def _independent(rows: pd.DataFrame, hit: pd.Series) -> pd.DataFrame:
    """press conferences held and matching per month, counted from the exchanges table: an event is held when
    any of its versions has an exchange in ``rows`` and matches when any of those exchanges does."""
    d = rows.assign(_hit=hit.to_numpy())
    per_event = d.groupby(["month", "event_id"])["_hit"].any().reset_index()
    return per_event.groupby("month")["_hit"].agg(["size", "sum"]).rename(
        columns={"size": "briefings_held", "sum": "briefings_matching"})


def test_term_trend_agrees_with_an_independent_count(pod, rows):
    df = pod.trend('"shared future"')
    en = rows[rows["lang"] == "en"]
    pattern = re.compile(r"\bshared\W+future\b", re.I)
    hit = en["question"].str.contains(pattern) | en["answer"].str.contains(pattern)
    expected = _independent(en, hit)
    got = df.set_index("period")[["briefings_held", "briefings_matching"]]
    assert list(got.index) == list(expected.index)  # every month with an English briefing, none without
    assert (got["briefings_held"] == expected["briefings_held"]).all()
    assert (got["briefings_matching"] == expected["briefings_matching"]).all()
    assert (df["share"] == df["briefings_matching"] / df["briefings_held"]).all()
    assert (df["briefings_matching"] == 0).any() and (df["briefings_matching"] > 0).any()  # explicit zeros


def test_quarters_add_up_to_months(pod):
    months = pod.trend('"one China"')
    quarters = pod.trend('"one China"', by="quarter")
    m = months.assign(q=pd.PeriodIndex(months["period"], freq="M").asfreq("Q").astype(str))
    summed = m.groupby("q")[["briefings_held", "briefings_matching"]].sum()
    got = quarters.set_index("period")[["briefings_held", "briefings_matching"]]
    assert list(got.index) == list(summed.index)
    assert (got.to_numpy() == summed.to_numpy()).all()


def test_country_trend_agrees_with_the_annotations(pod, rows):
    df = pod.trend(country="Japan")
    assert df.equals(pod.trend(country="JPN"))

    def has(codes) -> bool:
        return isinstance(codes, list) and "JPN" in codes

    hit = rows["countries_question"].map(has) | rows["countries_answer"].map(has)
    expected = _independent(rows, hit)
    got = df.set_index("period")[["briefings_held", "briefings_matching"]]
    assert list(got.index) == list(expected.index)
    assert (got["briefings_matching"] == expected["briefings_matching"]).all()
    assert got["briefings_matching"].sum() > 100


def test_formulation_trend_uses_the_tagged_answers(pod, rows):
    f = pod.formulations(lang="en", limit=5000)
    row = f[f["text"].str.lower() == "community with a shared future for mankind"].iloc[0]
    by_id = pod.trend(formulation=f"f{row['id']}")
    by_text = pod.trend(formulation=row["text"])
    assert by_id.equals(by_text)
    en = rows[rows["lang"] == "en"]
    pattern = re.compile(r"\bcommunity\s+with\s+a\s+shared\s+future\s+for\s+mankind\b", re.I)
    expected = _independent(en, en["answer"].str.contains(pattern))
    got = by_id.set_index("period")
    assert (got["briefings_matching"] == expected["briefings_matching"]).all()


def test_trend_per_spokesperson(pod, rows):
    from podium.parse.spokespersons import person

    df = pod.trend('"shared future"', per="spokesperson", by="year")
    assert list(df.columns) == ["period", "spokesperson", "briefings_held", "briefings_matching", "share", "partial"]
    en = rows[rows["lang"] == "en"].assign(year=lambda d: d["month"].str.slice(0, 4))
    en = en.assign(person=en["spokesperson_id"].map(lambda k: person(k).display if person(k) else k))
    assert set(df["spokesperson"]) == set(en["person"])  # one row per person, named in both languages
    for r in df.itertuples():
        mine = en[(en["year"] == r.period) & (en["person"] == r.spokesperson)]
        assert r.briefings_held == mine["event_id"].nunique()


@pytest.mark.parametrize("kwargs, error", [
    ({}, QueryError),
    ({"term": "China", "country": "JPN"}, QueryError),
    ({"country": "Atlantis"}, QueryError),
    ({"term": "China", "by": "week"}, QueryError),
    ({"term": "China", "per": "outlet"}, QueryError),
    ({"formulation": "no such phrase anywhere"}, NotFound),
])
def test_trend_errors_say_what_was_wrong(pod, kwargs, error):
    with pytest.raises(error):
        pod.trend(**kwargs)


def test_formulations_listing(pod):
    df = pod.formulations(limit=20)
    assert len(df) == 20
    assert list(df["briefings"]) == sorted(df["briefings"], reverse=True)
    recent = pod.formulations(new_since="2020-01-01", limit=1000)
    assert len(recent) > 0 and (recent["first_date"] >= "2020-01-01").all()
    with pytest.raises(QueryError):
        pod.formulations(new_since="last spring")


def test_cli_trend_formulations(analysed_db, pod):
    runner = CliRunner()
    res = runner.invoke(main, ["trend", '"shared future"', "--by", "quarter", "--csv", "--db", str(analysed_db)])
    assert res.exit_code == 0, res.output
    csv = pd.read_csv(io.StringIO(res.output))
    api = pod.trend('"shared future"', by="quarter")
    assert list(csv["briefings_matching"]) == list(api["briefings_matching"])
    res = runner.invoke(main, ["trend", "--country", "Japan", "--per", "outlet-type", "--db", str(analysed_db)])
    assert res.exit_code == 0 and "outlet_type" in res.output and "#" in res.output
    res = runner.invoke(main, ["trend", "--db", str(analysed_db)])
    assert res.exit_code != 0 and "exactly one" in res.output
    res = runner.invoke(main, ["formulations", "--limit", "5", "--lang", "en", "--db", str(analysed_db)])
    assert res.exit_code == 0
    assert sum(line.startswith("f") for line in res.output.splitlines()) == 5


def test_cli_analyse_runs_only_what_is_missing(tmp_path):
    db = tmp_path / "small.db"
    pages = sorted((CORPUS / "mfa" / "en").glob("t*.html"))[:12]
    for p in pages:
        shutil.copy(p, tmp_path / p.name)
    with Podium(db) as pod:
        pod.ingest([tmp_path / p.name for p in pages], analyse=False)
        n_exchanges = pod.stats()["exchanges"]
    runner = CliRunner()
    first = runner.invoke(main, ["analyse", "--pass", "countries", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert f"countries {n_exchanges:>8}".replace(" ", "") in first.output.replace(" ", "")
    again = runner.invoke(main, ["analyse", "--pass", "countries", "--db", str(db)])
    assert re.search(r"countries\s+0\b", again.output)
    redo = runner.invoke(main, ["analyse", "--pass", "countries", "--redo", "--db", str(db)])
    assert re.search(rf"countries\s+{n_exchanges}\b", redo.output)
    bad = runner.invoke(main, ["analyse", "--pass", "telepathy", "--db", str(db)])
    assert bad.exit_code == 1 and "telepathy" in bad.output
    with Podium(db) as pod:
        hits = pod.search("China", country="CHN", limit=1)
        assert hits["total"] > 0  # the index carries the country field the pass wrote


def test_default_passes_skip_one_that_cannot_be_built(caplog):
    from podium.analysis import default_passes, pass_names
    from podium.errors import AnalysisError

    names = [p.name for p in default_passes()]
    assert names == [n for n in pass_names() if n in names]
    assert {"countries", "formulations"} <= set(names)
    with caplog.at_level("WARNING", logger="podium.analysis"):
        # a formulation list without languages cannot build the tagger: it is skipped, the others run
        passes = default_passes(["countries", "formulations"], formulations=[{"text": "peace and stability"}])
    assert [p.name for p in passes] == ["countries"]
    assert "formulations" in caplog.text and "skipped" in caplog.text
    with pytest.raises(AnalysisError, match="telepathy"):
        default_passes(["telepathy"])
