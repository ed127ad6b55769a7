"""The Podium facade as a Python user meets it: DataFrames, exports with every annotation, reading records."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from podium import Annotation, NotFound, Podium, QueryError
from podium.pipeline import ingest

from conftest import CORPUS

EN = sorted((CORPUS / "mfa" / "en").glob("t*.html"))


class _Clarity:
    """A stand-in analysis pass with the annotation shapes the analysis area writes."""

    name, version = "clarity", "t1"

    def annotate(self, briefing):
        return [Annotation(e.n, "clarity", "Clear Reply" if len(e.answer_text) > 400 else "Ambivalent",
                           {"fine": "Explicit" if len(e.answer_text) > 400 else "Dodging"}, 0.5 + e.n / 100,
                           e.answer_text[:40], "length rule", "t1") for e in briefing.exchanges]


class _Countries:
    name, version = "countries", "t1"

    def annotate(self, briefing):
        return [Annotation(e.n, "countries", None, {"question": ["JPN"] if "Japan" in e.question_text else [],
                                                    "answer": ["JPN"] if "Japan" in e.answer_text else []})
                for e in briefing.exchanges]


@pytest.fixture(scope="module")
def pod(tmp_path_factory):
    p = Podium(tmp_path_factory.mktemp("api") / "api.db")
    ingest(p.db, EN[:12], passes=[_Clarity(), _Countries()])
    yield p
    p.close()


def test_exchanges_is_a_dataframe_with_briefing_fields_and_annotations(pod):
    df = pod.exchanges()
    assert isinstance(df, pd.DataFrame) and len(df) == pod.stats()["exchanges"]
    for col in ("exchange_id", "briefing_id", "date", "lang", "title", "spokesperson", "asker", "outlet",
                "outlet_type", "follow_up", "question", "answer", "source", "url", "clarity", "clarity_fine",
                "clarity_confidence", "clarity_evidence", "countries_question", "countries_answer"):
        assert col in df.columns, col
    long = df[df["answer"].str.len() > 400]
    assert (long["clarity"] == "Clear Reply").all() and (long["clarity_fine"] == "Explicit").all()
    assert df["date"].is_monotonic_increasing


def test_exchanges_filters(pod):
    df = pod.exchanges()
    first = df["date"].iloc[len(df) // 2]
    assert (pod.exchanges(date_from=first)["date"] >= first).all()
    assert len(pod.exchanges(clarity="clear reply")) == (df["clarity"] == "Clear Reply").sum()
    japan = pod.exchanges(country="jpn")
    assert len(japan) == sum(bool(q or a) for q, a in zip(df["countries_question"], df["countries_answer"],
                                                          strict=True))
    sea = pod.exchanges(query='"South China Sea"')
    assert len(sea) == pod.search('"South China Sea"', limit=1000)["total"] > 0
    with pytest.raises(QueryError, match="unknown filter"):
        pod.exchanges(colour="red")
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        pod.exchanges(date_to="31/12/2019")


def test_export_csv_jsonl_parquet(pod, tmp_path):
    df = pod.exchanges()
    csv_text = pod.export("csv")
    back = pd.read_csv(__import__("io").StringIO(csv_text))
    assert len(back) == len(df) and set(back.columns) >= {"exchange_id", "date", "countries_question"}
    assert back["countries_question"].fillna("").str.contains("JPN").sum() == \
        sum("JPN" in q for q in df["countries_question"])
    lines = pod.export("jsonl").splitlines()
    assert len(lines) == len(df)
    rec = json.loads(lines[0])
    assert rec["exchange_id"] == int(df["exchange_id"].iloc[0]) and isinstance(rec["countries_question"], list)
    out = tmp_path / "x.parquet"
    assert pod.export("parquet", out, lang="en") == len(df)
    pq = pd.read_parquet(out)
    assert len(pq) == len(df) and "clarity_fine" in pq.columns
    assert pod.export("csv", tmp_path / "x.csv") == len(df) and (tmp_path / "x.csv").read_text() == csv_text
    with pytest.raises(QueryError, match="output file"):
        pod.export("parquet")
    with pytest.raises(QueryError, match="unknown export format"):
        pod.export("xlsx")


def test_briefing_and_exchange_records(pod):
    hit = pod.search('"South China Sea"')["hits"][0]
    e = pod.exchange(hit["exchange_id"])
    assert e["question"] == hit["question"] and e["annotations"]["clarity"]["label"] in ("Clear Reply", "Ambivalent")
    b = pod.briefing(f"b{hit['briefing_id']}")
    assert b["exchanges"][hit["n"] - 1]["exchange_id"] == hit["exchange_id"]
    assert b["title"] == hit["title"] and b["turns"] and (b["prev_id"] or b["next_id"])
    if b["next_id"]:
        assert pod.briefing(b["next_id"])["date"] >= b["date"]
    with pytest.raises(NotFound):
        pod.briefing(10**9)
    with pytest.raises(NotFound):
        pod.exchange("e999999999")
    with pytest.raises(QueryError):
        pod.exchange("x12")


def test_stats(pod):
    s = pod.stats()
    df = pod.exchanges()
    assert s["briefings"] == 12 and s["exchanges"] == len(df)
    assert s["date_from"] == df["date"].min() and s["date_to"] == df["date"].max()
    assert sum(v["versions"] for v in s["by_spokesperson"].values()) == 12
    assert s["annotations"] == {"clarity": len(df), "countries": len(df)}


def test_opening_a_missing_database_without_create(tmp_path):
    with pytest.raises(NotFound, match="no podium database"):
        Podium(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
