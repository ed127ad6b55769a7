"""The Podium facade as a Python user meets it: DataFrames, exports with every annotation, reading records."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from podium import AnalyseResult, Annotation, CorpusStats, EventCounts, FetchSummary, NotFound, Podium, QueryError
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
    assert isinstance(s, CorpusStats)
    assert s.briefings == 12 and s.exchanges == len(df)
    assert s.date_from == df["date"].min() and s.date_to == df["date"].max()
    assert sum(v["versions"] for v in s.by_spokesperson.values()) == 12
    assert s.annotations == {"clarity": len(df), "countries": len(df)}
    assert s.events["events"] == len(pod.events()) and s.by_lang["en"]["exchanges"] == len(df)
    # read by name too, as the dict it used to be, and as JSON
    assert s["exchanges"] == s.exchanges and s.get("nothing") is None and "by_outlet" in s
    assert json.loads(json.dumps(s.to_dict()))["by_outlet"] == df["outlet"].value_counts().to_dict()


def test_opening_a_missing_database_without_create(tmp_path):
    with pytest.raises(NotFound, match="no podium database"):
        Podium(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


class _FailsOnSecond(_Countries):
    """The stand-in countries pass at a new version that fails on the second briefing it is given."""

    version = "t2"

    def __init__(self):
        self.seen = 0

    def annotate(self, briefing):
        self.seen += 1
        if self.seen == 2:
            raise RuntimeError("cannot read this one")
        return [dataclasses.replace(a, version=self.version) for a in super().annotate(briefing)]


def test_a_pass_over_the_stored_briefings_keeps_what_a_failing_briefing_had(tmp_path, caplog):
    from podium.pipeline import run_pass

    with Podium(tmp_path / "p.db") as p:
        ingest(p.db, EN[:3], passes=[_Countries()], link=False)
        before = p.exchanges().set_index("exchange_id")["countries_question"]
        per_briefing = p.exchanges().groupby("briefing_id").size()
        failing = _FailsOnSecond()
        written = run_pass(p.db, failing, redo=False)
        second = per_briefing.index[1]
        # the two other briefings were re-annotated; the failing one kept its old annotations
        assert written == per_briefing.drop(second).sum()
        assert "cannot read this one" in caplog.text and f"b{second}" in caplog.text
        assert (p.exchanges().set_index("exchange_id")["countries_question"] == before).all()
        assert p.stats().annotations["countries"] == per_briefing.sum()
        # only the briefing still at the old version is stale: a second run visits it alone
        assert run_pass(p.db, _FailsOnSecond(), redo=False) == per_briefing[second]


def test_analyse_returns_what_it_wrote_per_pass(tmp_path):
    with Podium(tmp_path / "a.db") as p:
        report = p.ingest(EN[:2], analyse=False)
        assert isinstance(report.events, EventCounts) and report.events.events == 2
        result = p.analyse(passes=["countries"])
        n = p.stats().exchanges
        assert isinstance(result, AnalyseResult) and result.written == {"countries": n}
        assert result.formulations_mined is None and result.clarity_carried == 0
        assert result.to_dict() == {"countries": n, "clarity_carried": 0} and result["countries"] == n
        assert p.analyse(passes=["countries"]).written == {"countries": 0}  # nothing stale
        assert p.analyse(passes=["countries"], redo=True).written == {"countries": n}
        counts = p.link_events(redo=True)  # two English pages of two days: two events, nothing to link
        assert counts.events == counts.realigned == 2 and counts.links == counts.differences == 0


def test_fetch_refuses_what_it_cannot_do_before_any_request(tmp_path):
    with Podium(tmp_path / "f.db") as p:
        with pytest.raises(QueryError, match="no fetcher for site 'whitehouse'"):
            p.fetch("whitehouse")
        with pytest.raises(QueryError, match="rate must be >= 0"):
            p.fetch(rate=-1)
        with pytest.raises(QueryError, match="unknown fetch option"):
            p.fetch(speed=3)
    assert not (tmp_path / "f.db.archive").exists()


def test_a_fetch_summary_reads_by_name_and_keeps_what_the_fetcher_said():
    s = FetchSummary.from_fetcher({"added": 2, "failed": [{"url": "u", "title": "t", "error": "e"}], "links": 9,
                                   "complete": True, "stopped": "reached the end"})
    assert s.added == 2 and s["links"] == 9 and s.details == {"links": 9} and s.events is None
    s["log"] = ["GET /"]
    assert s.to_dict()["log"] == ["GET /"] and "events" not in s.to_dict()
    with pytest.raises(KeyError):
        s["nothing"]
