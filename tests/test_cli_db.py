"""The database commands, driven through click: ingest, search, kwic, show, stats, export, reindex, demo."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main

from conftest import CORPUS


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    pages = folder / "pages"
    pages.mkdir()
    for p in sorted((CORPUS / "mfa" / "en").glob("t*.html"))[100:110] + \
            sorted((CORPUS / "mfa" / "zh").glob("t*.html"))[700:705]:
        shutil.copy(p, pages / p.name)
    path = folder / "cli.db"
    result = run("ingest", pages, "--db", path, "--no-analyse")
    assert result.output.startswith("15 added, 0 updated, 0 unchanged, 0 skipped, 0 failed")
    return path


def test_search_help_says_words_are_stemmed_and_exact_turns_it_off():
    out = run("search", "--help").output
    assert "inflections" in out and "--exact" in out and "never stemmed" in out


def test_ingest_reports_failures_and_exit_status(tmp_path, db):
    (tmp_path / "bad.html").write_text("<html><body>no briefing here</body></html>")
    good = sorted((db.parent / "pages").glob("t*.html"))[0]
    result = run("ingest", tmp_path / "bad.html", good, "--db", db, ok=False)
    assert result.exit_code == 1
    assert "FAILED" in result.stderr and "bad.html" in result.stderr
    assert "1 unchanged" in result.output and "1 failed" in result.output


def test_search_text_and_json(db):
    with Podium(db, create=False) as pod:
        expected = pod.search('"South China Sea"', limit=1000)
    res = json.loads(run("search", '"South China Sea"', "--db", db, "--json", "--limit", 1000).output)
    assert res["total"] == expected["total"] > 0
    assert [h["exchange_id"] for h in res["hits"]] == [h["exchange_id"] for h in expected["hits"]]
    assert all(h["question_spans"] or h["answer_spans"] for h in res["hits"])  # text and match spans, no markup
    out = run("search", '"South China Sea"', "--db", db, "--limit", 2).output
    assert out.startswith(f"{expected['total']} exchange(s) match") and "South China Sea" in out
    assert "<mark>" not in out
    out = run("search", "美方", "--db", db, "--lang", "zh", "--facets").output
    assert "lang: zh" in out


def test_search_errors_are_one_line_messages(db, tmp_path):
    result = run("search", '"unclosed', "--db", db, ok=False)
    assert result.exit_code == 2 and result.stderr.startswith("Error:") and "quote" in result.stderr
    result = run("search", "Taiwan", "--from", "2019-02-30", "--db", db, ok=False)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    result = run("search", "Taiwan", "--db", tmp_path / "none.db", ok=False)
    assert result.exit_code == 1 and "no podium database" in result.stderr


def test_kwic(db):
    out = run("kwic", "China", "--db", db, "--window", 4, "--limit", 5).stdout.splitlines()
    assert len(out) == 5 and all("China" in line for line in out)
    lines = json.loads(run("kwic", "Taiwan", "--db", db, "--sentence", "--json", "--limit", 3).stdout)
    assert len(lines) == 3 and all(ln["keyword"] == "Taiwan" for ln in lines)


def test_show_briefing_and_exchange(db):
    hit = json.loads(run("search", "Taiwan", "--db", db, "--json", "--limit", 1).output)["hits"][0]
    out = run("show", f"e{hit['exchange_id']}", "--db", db).output
    assert hit["question"][:60] in out
    out = run("show", f"b{hit['briefing_id']}", "--db", db).output
    assert hit["title"] in out and hit["answer"][:60] in out
    b = json.loads(run("show", f"b{hit['briefing_id']}", "--db", db, "--json").output)
    assert b["id"] == hit["briefing_id"]
    result = run("show", "123", "--db", db, ok=False)
    assert result.exit_code == 2 and "b123" in result.stderr
    result = run("show", "e999999", "--db", db, ok=False)
    assert result.exit_code == 1 and "no exchange e999999" in result.stderr


def test_stats_and_export(db, tmp_path):
    s = json.loads(run("stats", "--db", db, "--json").output)
    assert s["briefings"] == 15
    assert run("stats", "--db", db).output.startswith(f"15 briefings (published versions), {s['exchanges']} exchanges")
    csv_text = run("export", "--db", db, "--lang", "zh").output
    assert csv_text.startswith("exchange_id,briefing_id,date,lang") and ",zh," in csv_text
    run("export", "--db", db, "--format", "parquet", "-o", tmp_path / "x.parquet")
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "x.parquet")) == s["exchanges"]
    jl = run("export", "--db", db, "--format", "jsonl", "--query", "Taiwan").output.splitlines()
    assert 0 < len(jl) < s["exchanges"]


def test_reindex(db):
    s = json.loads(run("stats", "--db", db, "--json").output)
    assert run("reindex", "--db", db).output.strip() == f"indexed {s['exchanges']} exchanges"


def test_demo_builds_a_database_from_the_bundled_corpus(tmp_path):
    out = run("demo", "--db", tmp_path / "demo.db", "--no-analyse").output
    assert "120 added" in out and "0 failed" in out and "shared future" in out
    # the outlet table says what it counts: exchanges, a pair of translations once, which languages, which dates
    flat = " ".join(out.split())
    assert ("unit: exchanges (an exchange and its translation counted once); languages: en+zh; 2018-01-02 .. "
            "2020-07-01; 1089 exchanges;") in flat
    assert " labelled " in out and "countries asked about" in out
    with Podium(tmp_path / "demo.db", create=False) as pod:
        s = pod.stats()
        assert s["briefings"] == 120 and set(s["by_lang"]) == {"en", "zh"}
        assert pod.search('"shared future"')["total"] > 0
        assert all(u.startswith("https://www.fmprc.gov.cn/") for u in pod.exchanges()["url"])
    again = run("demo", "--db", tmp_path / "demo.db", "--no-analyse").output
    assert "120 unchanged" in again
