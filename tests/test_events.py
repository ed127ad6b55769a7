"""One press conference, two languages: the spokesperson registry, events that link the English and Chinese
versions, exchanges linked across versions, counting by events, clarity carried across, and what happens with one
version only, a version that fails to parse and a date that disagrees."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.errors import QueryError
from podium.parse import spokespersons

from conftest import CORPUS

EN_0603, ZH_0603 = CORPUS / "mfa/en/t1669120.html", CORPUS / "mfa/zh/t1669065.html"
EN_1112, ZH_1112 = CORPUS / "mfa/en/t1715232.html", CORPUS / "mfa/zh/t1715178.html"


@pytest.fixture(scope="module")
def pod(mfa_db):
    with Podium(mfa_db, create=False) as p:
        yield p


def _index_rows() -> list[dict[str, str]]:
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# ---- the registry ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Hua Chunying", "华春莹", "HUA CHUNYING", "Huachunying", "hua-chunying",
                                  "Spokesperson Hua Chunying"])
def test_registry_knows_a_person_by_any_of_her_names(name):
    assert spokespersons.lookup(name) == "hua-chunying"
    assert spokespersons.person("hua-chunying").display == "Hua Chunying (华春莹)"


def test_registry_covers_white_house_labels_and_leaves_strangers_alone():
    assert spokespersons.lookup("MR. EARNEST") == spokespersons.lookup("Josh Earnest") == "josh-earnest"
    assert spokespersons.lookup("Some Official") is None
    assert spokespersons.key_of("Some Official") == "Some Official"  # still one row per spelling, never merged


# ---- events on the corpus -------------------------------------------------------------------------------------

def test_each_press_conference_is_one_event_with_both_versions(pod):
    # which languages published a regular press conference on each day, read from the stored pages' titles
    stored = pd.read_sql("SELECT date, lang, series, title FROM briefings", pod.db.store.conn)
    regular = stored[(stored["series"] == "China MFA regular press conference")
                     & ~stored["title"].str.contains("Daily Briefing Online|网上例行记者会")]
    by_date = regular.groupby("date")["lang"].agg(lambda s: set(s))
    both = {d for d, langs in by_date.items() if langs == {"en", "zh"}}
    events = pod.events(kind="MFA press conference")
    per_date = events.groupby("date")["event_id"].nunique()
    assert (per_date == 1).all()  # one event per day, even where a page was published twice (2019-04-29)
    assert set(events.loc[events["langs"] == "en,zh", "date"]) == both
    assert set(per_date.index) == set(by_date.index)
    assert len(both) > 400


def test_trend_counts_press_conferences_held_not_versions(pod):
    """Done-when of the issue: 2019 by quarter, held = distinct dates of regular press conferences."""
    dates = {r["date"] for r in _index_rows() if r["subtype"] == "regular-press-conference"
             and r["date"].startswith("2019")}
    expected = pd.Series(sorted(dates)).map(lambda d: f"2019Q{(int(d[5:7]) + 2) // 3}").value_counts().sort_index()
    both = pod.trend("Taiwan OR 台湾", by="quarter", date_from="2019-01-01", date_to="2019-12-31")
    assert list(both["briefings_held"]) == list(expected) == [54, 58, 53, 60]
    assert both.attrs["unit"] == "press conferences" and both.attrs["languages"] == ["en", "zh"]
    en = pod.trend("Taiwan", by="quarter", date_from="2019-01-01", date_to="2019-12-31")
    zh = pod.trend("台湾", by="quarter", date_from="2019-01-01", date_to="2019-12-31")
    assert en.attrs["languages"] == ["en"] and zh.attrs["languages"] == ["zh"]
    assert (both["briefings_matching"] >= en["briefings_matching"]).all()
    assert (both["briefings_matching"] >= zh["briefings_matching"]).all()
    assert (both["briefings_matching"] > en["briefings_matching"]).any()
    assert not both["partial"].any()


def test_remarks_are_counted_only_when_asked_for(pod):
    default = pod.trend("China OR 中国", by="year", date_from="2019-01-01", date_to="2019-12-31")
    every = pod.trend("China OR 中国", by="year", date_from="2019-01-01", date_to="2019-12-31", kinds="all")
    assert every["briefings_held"].iloc[0] > default["briefings_held"].iloc[0]
    with pytest.raises(QueryError, match="did you mean 'MFA press conference'"):
        pod.trend("China", kinds=["press conferences"])
    remarks = pod.trend("中国", by="year", date_from="2019-01-01", date_to="2019-12-31", kinds=["mfa remarks"])
    assert remarks["briefings_held"].iloc[0] == every["briefings_held"].iloc[0] - default["briefings_held"].iloc[0]


def test_partial_periods_at_the_edges_are_marked(pod):
    df = pod.trend("China", by="year")  # English versions: 2018-05-11 .. 2020-07-03
    assert df.set_index("period")["partial"].to_dict() == {"2018": True, "2019": False, "2020": True}


def test_spokesperson_filter_takes_either_language(pod):
    stored = pod.exchanges()
    mine = stored[stored["spokesperson"].isin(["Hua Chunying", "华春莹"])]
    for name in ("Hua Chunying", "华春莹", "hua chunying"):
        assert pod.search("*", spokesperson=name)["total"] == len(mine)
        assert len(pod.exchanges(spokesperson=name)) == len(mine)
    assert set(mine["spokesperson_id"]) == {"hua-chunying"}
    with pytest.raises(QueryError, match="Hua Chunying"):
        pod.search("*", spokesperson="Hua")


def test_facets_and_stats_have_one_row_per_person(pod):
    facets = pod.search("*", facets=True, limit=1)["facets"]["spokesperson"]
    assert "Geng Shuang (耿爽)" in facets and "耿爽" not in facets and "Geng Shuang" not in facets
    stats = pod.stats()
    geng = stats["by_spokesperson"]["Geng Shuang (耿爽)"]
    stored = pod.events()
    assert geng["events"] == int((stored["spokesperson_id"] == "geng-shuang").sum())
    assert geng["versions"] > geng["events"]


def test_export_carries_event_counterparts_and_person(pod, tmp_path):
    out = tmp_path / "x.jsonl"
    pod.export("jsonl", out, date_from="2019-06-01", date_to="2019-06-30")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_id = {r["exchange_id"]: r for r in rows}
    linked = [r for r in rows if r["counterparts"]]
    assert len(linked) > 0.8 * len(rows)
    for r in linked:
        for cp in r["counterparts"]:
            other = by_id[cp]
            assert other["event_id"] == r["event_id"] and other["lang"] != r["lang"]
            assert r["exchange_id"] in other["counterparts"]  # links go both ways
            assert other["spokesperson_id"] == r["spokesperson_id"]


def test_outlets_count_a_pair_once(pod):
    stored = pod.exchanges(date_from="2019-01-01", date_to="2019-12-31")
    pooled = pod.outlets(date_from="2019-01-01", date_to="2019-12-31")
    zh_only = pod.outlets(lang="zh", date_from="2019-01-01", date_to="2019-12-31")
    en_ids = set(stored.loc[stored["lang"] == "en", "exchange_id"])
    has_en = stored["counterparts"].map(lambda cps: any(c in en_ids for c in cps))
    expected = int((stored["lang"] == "en").sum() + ((stored["lang"] == "zh") & ~has_en).sum())
    assert pooled.attrs["exchanges"] == expected
    types = pooled[pooled["level"] == "outlet_type"]
    assert types["questions"].sum() == expected
    assert zh_only.attrs["exchanges"] == int((stored["lang"] == "zh").sum())
    assert zh_only.attrs["languages"] == ["zh"]


# ---- partial and bad input -------------------------------------------------------------------------------------

def test_one_version_first_the_other_later_then_a_bad_one(tmp_path):
    db = tmp_path / "pair.db"
    with Podium(db) as pod:
        pod.ingest([EN_0603], analyse=False)
        ev = pod.events()
        assert list(ev["langs"]) == ["en"] and ev["linked_by"].iloc[0] == "single version"
        pod.ingest([ZH_0603], analyse=False)
        ev = pod.events()
        assert list(ev["langs"]) == ["en,zh"] and len(ev) == 1
        data = pod.versions(int(ev["event_id"].iloc[0]))
        assert [v["lang"] for v in data["versions"]] == ["en", "zh"]
        assert sum(1 for row in data["rows"] if row["a"] and row["b"]) >= 10
        # a Chinese version that fails to parse: reported, and the stored event is untouched
        broken = tmp_path / "broken.html"
        broken.write_bytes(ZH_1112.read_bytes()[:300])
        report = pod.ingest([EN_1112, broken], analyse=False)
        assert [r.status for r in report.results] == ["added", "failed"]
        assert "broken.html" in report.results[1].source and report.results[1].error
        ev = pod.events()
        assert list(ev["langs"]) == ["en,zh", "en"]


def test_a_version_dated_a_day_later_joins_its_event(tmp_path):
    late = tmp_path / "zh_late.html"
    text = ZH_1112.read_bytes().decode("utf-8")
    assert "2019年11月12日" in text
    late.write_text(text.replace("2019年11月12日", "2019年11月13日").replace("2019-11-12", "2019-11-13"),
                    encoding="utf-8")
    with Podium(tmp_path / "late.db") as pod:
        pod.ingest([EN_1112, late], analyse=False)
        dates = {b["lang"]: b["date"] for b in (pod.briefing(1), pod.briefing(2))}
        assert dates == {"en": "2019-11-12", "zh": "2019-11-13"}
        ev = pod.events()
        assert len(ev) == 1 and ev["langs"].iloc[0] == "en,zh" and ev["date"].iloc[0] == "2019-11-12"
        assert "zh dated +1 days" in ev["linked_by"].iloc[0]


def test_clarity_is_carried_from_the_english_exchange(tmp_path):
    with Podium(tmp_path / "carry.db") as pod:
        pod.ingest([EN_0603, ZH_0603], analyse=True)
        stored = pod.exchanges()
    en = stored[stored["lang"] == "en"].set_index("exchange_id")
    zh = stored[(stored["lang"] == "zh") & stored["counterparts"].map(bool)]
    assert len(zh) >= 10
    for r in zh.itertuples():
        sources = [c for c in r.counterparts if c in en.index]
        labels = {en.loc[c, "clarity"] for c in sources}
        if len(labels) == 1:
            assert r.clarity == labels.pop()
            assert r.clarity_method.startswith("carried from en: ")
            own = r.clarity_own  # its own reading is kept beside it
            assert own["label"] and own["method"] and not own["method"].startswith("carried")


# ---- the commands ---------------------------------------------------------------------------------------------

def test_cli_versions_differences_and_trend_say_what_they_count(mfa_db, pod):
    runner = CliRunner()
    ev = pod.events(date_from="2019-06-03", date_to="2019-06-03").iloc[0]
    res = runner.invoke(main, ["versions", f"v{ev['event_id']}", "--db", str(mfa_db)])
    assert res.exit_code == 0, res.output
    assert "[en]" in res.output and "[zh]" in res.output and "2019-06-03" in res.output
    res = runner.invoke(main, ["differences", "--from", "2019-01-01", "--to", "2019-12-31", "--db", str(mfa_db)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["trend", "Taiwan OR 台湾", "--by", "year", "--json", "--db", str(mfa_db)])
    data = json.loads(res.output)
    assert data["unit"] == "press conferences" and data["languages"] == ["en", "zh"]
    res = runner.invoke(main, ["trend", "Taiwan", "--by", "year", "--db", str(mfa_db)])
    assert res.output.startswith("unit: press conferences; languages: en;")
    res = runner.invoke(main, ["versions", "v99999999", "--db", str(mfa_db)])
    assert res.exit_code == 1 and "no event v99999999" in res.output
    res = runner.invoke(main, ["outlets", "--lang", "zh", "--db", str(mfa_db)])
    assert res.exit_code == 0 and res.output.startswith("unit: exchanges; languages: zh;")


def test_a_relinked_database_has_the_same_events(tmp_path):
    # the English and Chinese transcripts of three months (about 60 press conferences, most with both versions)
    quarter = [CORPUS / r["file"] for r in _index_rows()
               if r["subtype"] == "regular-press-conference" and "2019-10-01" <= r["date"] <= "2019-12-31"]
    with Podium(tmp_path / "quarter.db") as pod:
        pod.ingest(quarter, analyse=False)
        before = pod.events()[["event_id", "kind", "date", "langs"]]
        counts = pod.link_events(redo=True)
        after = pod.events()[["event_id", "kind", "date", "langs"]]
    assert len(before) >= 50 and (before["langs"] == "en,zh").sum() >= 40
    assert counts["realigned"] == len(before)
    assert before.equals(after)  # ids are stable: they are keyed by kind, date and the first version
