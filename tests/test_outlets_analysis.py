"""Outlet patterns: Wilson intervals, and the per-outlet table over real MFA briefings (every analysis pass run on
ingest), checked against counts made directly from the exchanges; and `podium outlets`."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.analysis.stats import CLARITY_LABELS, wilson
from podium.cli import main
from podium.errors import QueryError

from conftest import CORPUS


@pytest.mark.parametrize("k, n, lo, hi", [
    # reference values of the 95% Wilson score interval (Newcombe 1998, table I; Agresti & Coull 1998)
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (5, 10, 0.2366, 0.7634),
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
])
def test_wilson_reference_values(k, n, lo, hi):
    got = wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=6e-4) and got[1] == pytest.approx(hi, abs=6e-4)


def test_wilson_without_observations_is_undefined():
    assert all(math.isnan(x) for x in wilson(0, 0))


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, shared):
    """The English MFA pages from 2020-03-24 on (reporters named by outlet), ingested with every pass."""
    import csv

    index = CORPUS / "mfa" / "index.tsv"
    with index.open(encoding="utf-8") as f:
        pages = [CORPUS / r["file"] for r in csv.DictReader(f, delimiter="\t")
                 if r["lang"] == "en" and r["kind"] == "article" and r["date"] >= "2020-05-15"]
    assert len(pages) >= 20
    path = tmp_path_factory.mktemp("outlets") / "o.db"
    with Podium(path) as pod:
        report = pod.ingest(pages)
        assert report.count("added") >= 20
        pod.analyse()
    return path


@pytest.fixture(scope="module")
def tables(small_db):
    with Podium(small_db, create=False) as pod:
        return pod.outlets(), pod.exchanges()


def test_questions_per_outlet_match_the_exchanges(tables):
    table, ex = tables
    outlets = table[table["level"] == "outlet"].set_index("name")
    counts = ex["outlet"].fillna("(no named outlet)").value_counts()
    assert outlets["questions"].to_dict() == counts.to_dict()
    types = table[table["level"] == "outlet_type"].set_index("name")
    assert types["questions"].sum() == len(ex)
    assert {"foreign media", "Chinese state media"} <= set(types.index)


def test_clarity_shares_and_intervals(tables):
    table, ex = tables
    # every analysis pass ran on ingest: an exchange with an answer that has no clarity label is a broken pass
    assert "clarity" in ex, "the export has no clarity column"
    answered = ex[ex["answer"].str.strip() != ""]
    assert len(answered) and answered["clarity"].notna().all(), (
        f"{answered['clarity'].isna().sum()} of {len(answered)} answered exchanges have no clarity label")
    for r in table.itertuples():
        mine = ex[ex["outlet" if r.level == "outlet" else "outlet_type"].fillna(
            "(no named outlet)" if r.level == "outlet" else "(no named outlet)") == r.name]
        labels = mine["clarity"].dropna()
        assert r.labelled == len(labels)
        shares = []
        for lab in CLARITY_LABELS:
            slug = lab.lower().replace(" ", "_").replace("-", "_")
            share, lo, hi = (getattr(r, f"{slug}_{x}") for x in ("share", "lo", "hi"))
            assert share == pytest.approx((labels == lab).mean())
            assert lo <= share + 1e-12 and share <= hi + 1e-12
            shares.append(share)
        assert sum(shares) == pytest.approx(1.0)


def test_answer_length_and_countries_asked_about(tables):
    table, ex = tables
    for r in table[table["level"] == "outlet"].itertuples():
        mine = ex[ex["outlet"].fillna("(no named outlet)") == r.name]
        words = mine["answer"].map(lambda a: len(a.split()))
        assert r.median_answer_words_en == pytest.approx(words.median())
        assert math.isnan(r.median_answer_chars_zh)  # no Chinese answers in this database
        asked = Counter(c for codes in mine["countries_question"] if isinstance(codes, list) for c in codes)
        if asked:
            top_code, top_n = asked.most_common(1)[0]
            first = r.top_countries.split(", ")[0]
            assert first.endswith(f" {top_n}") and asked[first.split()[0]] == top_n
        else:
            assert r.top_countries == ""


def test_cli_outlets(small_db, tables):
    runner = CliRunner()
    res = runner.invoke(main, ["outlets", "--min-questions", "3", "--db", str(small_db)])
    assert res.exit_code == 0, res.output
    assert "Reuters" in res.output and "foreign media" in res.output and "Clear Reply" in res.output
    assert "expected calibration error Clear Reply" in " ".join(res.output.split())  # the calibration, as measured
    res = runner.invoke(main, ["outlets", "--csv", "--db", str(small_db)])
    assert res.exit_code == 0
    import io

    csv = pd.read_csv(io.StringIO(res.output))
    assert len(csv) == len(tables[0][tables[0]["questions"] >= 5])


def _direct_shares(labels: pd.Series) -> list[float]:
    return [float((labels == lab).mean()) for lab in CLARITY_LABELS]


@pytest.mark.parametrize("by, per", [("spokesperson", "year"), ("outlet-type", "year"), ("period", "month")])
def test_clarity_per_group_matches_the_exchanges_and_is_corrected(small_db, tables, by, per):
    """`Podium.clarity`: per spokesperson, outlet type or month, the labelled answers and raw shares equal counts
    made directly from the exchanges; corrected shares sum to one with intervals around them; attrs say what was
    counted."""
    from podium.parse.spokespersons import person

    _, ex = tables
    with Podium(small_db, create=False) as pod:
        df = pod.clarity(by=by, per=per, lang="en")
    if by == "spokesperson":
        keys = ex["spokesperson_id"].map(lambda k: person(k).display if person(k) else k)
    elif by == "outlet-type":
        keys = ex["outlet_type"].fillna("(no named outlet)")
    else:
        keys = pd.to_datetime(ex["date"]).dt.to_period("M").astype(str)
    groups = dict(list(ex.groupby(keys)))
    assert sorted(df["group"]) == sorted(groups) and len(df) >= 2
    for r in df.to_dict("records"):
        labels = groups[r["group"]]["clarity"].dropna()
        assert r["labelled"] == len(labels) and r["answers"] == len(groups[r["group"]])
        raw = [r[f"{s}_share"] for s in ("clear_reply", "ambivalent", "clear_non_reply")]
        assert raw == pytest.approx(_direct_shares(labels))
        corrected = [r[f"{s}_corrected"] for s in ("clear_reply", "ambivalent", "clear_non_reply")]
        assert sum(corrected) == pytest.approx(1.0, abs=1e-6)
        for s in ("clear_reply", "ambivalent", "clear_non_reply"):
            assert r[f"{s}_corrected_lo"] - 1e-9 <= r[f"{s}_corrected"] <= r[f"{s}_corrected_hi"] + 1e-9
    assert df.attrs["labelled"] == int(ex["clarity"].notna().sum()) and df.attrs["languages"] == ["en"]
    assert df.attrs["date_from"] == ex["date"].min() and df.attrs["date_to"] == ex["date"].max()
    assert "confusion" in df.attrs["clarity_trust"]


def test_cli_clarity_says_what_it_counts_and_refuses_unknown_values(small_db):
    runner = CliRunner()
    res = runner.invoke(main, ["clarity", "--by", "spokesperson", "--min-answers", "1", "--db", str(small_db)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("unit: exchanges") and "labelled for clarity" in res.output
    assert "corrected for the classifier's measured error" in res.output and "Zhao Lijian" in res.output
    res = runner.invoke(main, ["clarity", "--lang", "fr", "--db", str(small_db)])
    assert res.exit_code == 2 and "no language 'fr'" in res.output
    with Podium(small_db, create=False) as pod, pytest.raises(QueryError, match="cannot group clarity by"):
        pod.clarity(by="outlet")


def test_chinese_answer_length_and_one_read_per_data_version(analysed_db, tmp_path, shared, monkeypatch):
    """Over both languages of the MFA corpus: the median answer length per outlet type (characters other than white
    space for Chinese answers, words for English ones) equals a count made from the exported answers; the rows
    the tables rest on are read once for the three tables of the web's outlets page, and read again after a
    write, which the tables then count."""
    import podium.store

    from conftest import copy_db

    path = copy_db(analysed_db, tmp_path / "both.db")
    reads = []
    real = podium.store.outlet_rows
    monkeypatch.setattr(podium.store, "outlet_rows", lambda *a, **k: reads.append(k) or real(*a, **k))
    with Podium(path, create=False) as pod:
        for lang, col, size in (("zh", "median_answer_chars_zh", lambda a: sum(not ch.isspace() for ch in a)),
                                ("en", "median_answer_words_en", lambda a: len(a.split()))):
            table = pod.outlets(lang=lang)
            ex = pod.exchanges(lang=lang)
            types = table[table["level"] == "outlet_type"].set_index("name")
            sizes = ex["answer"].map(size)
            direct = sizes.groupby(ex["outlet_type"].fillna("(no named outlet)")).median()
            assert len(direct) >= 3 and types[col].to_dict() == pytest.approx(direct.to_dict())
        reads.clear()
        before = pod.outlets()
        pod.clarity(by="spokesperson", min_answers=20)
        pod.clarity(by="period", per="year")
        assert len(reads) == 1 and reads[0]["answer_lengths"]
        pod.clarity(by="period", per="year", lang="en")  # other filters: read
        assert len(reads) == 2
        report = pod.ingest([shared / "seed"])
        assert report.count("added") == 1
        after = pod.outlets()
        assert len(reads) == 3
    with Podium(path, create=False) as fresh:
        assert after.equals(fresh.outlets())
    grew = after.attrs["exchanges"] - before.attrs["exchanges"]
    assert grew == 10 and after[after["level"] == "outlet_type"]["questions"].sum() == after.attrs["exchanges"]
