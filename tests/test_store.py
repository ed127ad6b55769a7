"""The SQLite store and its index: schema and migrations, one transaction per briefing, stable ids, revisions,
and agreement between store and index — including after an ingest killed with SIGKILL."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from podium import Annotation, Podium, StoreError
from podium.parse import parse_file
from podium.pipeline import FLUSH_EVERY
from podium.sources.files import pages
from podium.store import Database, Store, analytics, index_path
from podium.store.index import build_threads
from podium.store.migrations import SCHEMA_VERSION
from podium.text import answer_length

from conftest import CORPUS

EN = CORPUS / "mfa" / "en"
ZH = CORPUS / "mfa" / "zh"
PODIUM = Path(sys.executable).with_name("podium")


def _pages(folder: Path, n: int) -> list[Path]:
    return sorted(folder.glob("t*.html"))[:n]


@pytest.fixture
def db(tmp_path):
    d = Database(tmp_path / "s.db")
    yield d
    d.close()


def test_fresh_database_has_the_schema_and_a_readable_view(db):
    conn = db.store.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"briefings", "turns", "exchanges", "annotations", "outlets", "revisions", "index_pending",
            "exchanges_full"} <= tables
    cols = [r[1] for r in conn.execute("PRAGMA table_info(annotations)")]
    assert cols[:8] == ["exchange_id", "kind", "label", "value", "confidence", "evidence", "method", "version"]


def _lengths(path: Path) -> dict[int, tuple]:
    with sqlite3.connect(path) as c:
        rows = c.execute("SELECT e.id, e.answer, b.lang, e.answer_words, e.answer_chars FROM exchanges e "
                         "JOIN briefings b ON b.id = e.briefing_id").fetchall()
    assert rows
    for eid, answer, lang, words, chars in rows:
        assert (words, chars) == answer_length(answer, lang), eid
        assert (words is None) == (lang == "zh") and (chars is None) == (lang != "zh")
    return {r[0]: r[3:] for r in rows}


def test_the_answer_length_is_stored_with_each_exchange_kept_on_revision_and_migrated(tmp_path):
    """Each exchange is written with its answer's length (words, or characters for Chinese answers); a revised page
    rewrites it; a database of the previous schema gets it on opening; the outlet table reads it, and falls back to
    the answer for a row written without it."""
    pages_ = [*_pages(EN, 2), *_pages(ZH, 2)]
    for p in pages_:
        shutil.copy(p, tmp_path / p.name)
    copies = [tmp_path / p.name for p in pages_]
    path = tmp_path / "len.db"
    with Podium(path) as pod:
        pod.ingest(copies, analyse=False)
        table = pod.outlets()
    stored = _lengths(path)
    assert len(stored) > 20 and table["median_answer_words_en"].notna().any()
    assert table["median_answer_chars_zh"].notna().any()
    page = copies[0]
    first = parse_file(page).exchanges[0].answer_text
    page.write_bytes(page.read_bytes().replace(first.split()[3].encode(), b"two words", 1))
    with Podium(path) as pod:
        assert pod.ingest([page], analyse=False).count("updated") == 1
    revised = _lengths(path)
    changed = [eid for eid in stored if revised[eid] != stored[eid]]
    assert len(changed) == 1 and revised[changed[0]][0] == stored[changed[0]][0] + 1
    with Podium(path) as pod:
        table = pod.outlets()
    with sqlite3.connect(path) as c:  # as the previous schema left it
        c.execute("ALTER TABLE exchanges DROP COLUMN answer_words")
        c.execute("ALTER TABLE exchanges DROP COLUMN answer_chars")
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    Database(path).close()
    assert _lengths(path) == revised
    with sqlite3.connect(path) as c:  # rows written without the lengths (by hand, by another tool)
        c.execute("UPDATE exchanges SET answer_words = NULL, answer_chars = NULL WHERE id % 2 = 0")
    with Podium(path, create=False) as pod:
        assert pod.outlets().equals(table)


def test_database_from_a_newer_podium_or_not_a_database_is_a_store_error(tmp_path):
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        Database(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Database(junk)


def test_unchanged_parse_writes_nothing_and_keeps_ids(db):
    b = parse_file(_pages(EN, 1)[0])
    status, bid = db.store.write_briefing(b, page_sha256="x")
    assert status == "added"
    db.flush()
    ids = sorted(db.store.exchange_ids())
    before = db.store.conn.total_changes
    assert db.store.write_briefing(b, page_sha256="x") == ("unchanged", bid)
    assert db.store.conn.total_changes == before
    assert sorted(db.store.exchange_ids()) == ids
    assert len(ids) == len(b.exchanges)


def test_changed_page_replaces_the_old_version_records_a_revision_and_keeps_exchange_ids(db):
    b = parse_file(_pages(EN, 2)[1])
    _, bid = db.store.write_briefing(b, page_sha256="old")
    db.flush()
    old_ids = {r["n"]: r["id"] for r in db.store.conn.execute("SELECT id, n FROM exchanges")}
    first = b.exchanges[0]
    revised_answer = dataclasses.replace(first.answers[0], paragraphs=("A revised answer about zebras.",))
    revised = dataclasses.replace(first, answers=(revised_answer,))
    b2 = dataclasses.replace(b, exchanges=(revised, *b.exchanges[1:-1]))  # last exchange withdrawn
    status, bid2 = db.store.write_briefing(b2, page_sha256="new")
    assert (status, bid2) == ("updated", bid)
    db.flush()
    new_ids = {r["n"]: r["id"] for r in db.store.conn.execute("SELECT id, n FROM exchanges")}
    assert new_ids == {n: i for n, i in old_ids.items() if n != len(b.exchanges)}
    rev = db.store.conn.execute("SELECT * FROM revisions").fetchall()
    assert len(rev) == 1 and rev[0]["reason"] == "page changed"
    assert rev[0]["old_n_exchanges"] == len(b.exchanges) and rev[0]["new_n_exchanges"] == len(b.exchanges) - 1
    assert first.answer_text[:50] in rev[0]["old_parse"]
    assert db.check()["ok"]
    assert db.search("zebras")["hits"][0]["exchange_id"] == old_ids[1]


def test_a_briefing_is_written_in_one_transaction(db):
    b = parse_file(_pages(EN, 3)[2])
    bad = [Annotation(exchange_n=1, kind="clarity", label="Clear Reply"),
           Annotation(exchange_n=2, kind="clarity", label="x", value={1, 2})]  # a set is not JSON
    with pytest.raises(TypeError):
        db.store.write_briefing(b, page_sha256="x", annotations=bad)
    for table in ("briefings", "exchanges", "turns", "annotations", "index_pending"):
        assert db.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_turns_keep_page_order_and_their_exchange(db):
    b = parse_file(_pages(EN, 1)[0])
    _, bid = db.store.write_briefing(b, page_sha256="x")
    got = db.store.briefing(bid)
    assert [t["text"] for t in got["turns"]] == [t.text for t in b.turns]
    first_q = next(t for t in got["turns"] if t["role"] == "asker")
    assert first_q["exchange_n"] == 1 and first_q["text"] == b.exchanges[0].question_text


def test_annotations_are_one_row_per_exchange_and_kind_and_reach_the_index(db):
    b = parse_file(_pages(EN, 1)[0])
    _, bid = db.store.write_briefing(b, page_sha256="x")
    db.flush()
    anns = [Annotation(exchange_n=e.n, kind="countries", label=None, value={"question": ["FRA"], "answer": []})
            for e in b.exchanges] + [Annotation(exchange_n=1, kind="clarity", label="Ambivalent", confidence=0.7)]
    db.store.write_annotations(bid, anns)
    db.store.write_annotations(bid, anns[:1])  # again: replaces, never duplicates
    assert db.store.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == len(b.exchanges) + 1
    assert list(db.store.pending()) == [bid]
    db.flush()
    assert db.search("NOT zzyzx", country="fra", limit=1000)["total"] == len(b.exchanges)
    assert db.search("NOT zzyzx", clarity="ambivalent")["total"] == 1
    row = db.store.conn.execute("SELECT clarity, countries FROM exchanges_full WHERE n = 1").fetchone()
    assert row["clarity"] == "Ambivalent" and "FRA" in row["countries"]


def test_index_is_repaired_on_open(tmp_path):
    path = tmp_path / "r.db"
    with Podium(path) as pod:
        pod.ingest(_pages(EN, 5), analyse=False)
    # a briefing committed to the store whose indexing never happened (as after a crash)
    d = Database(path)
    d.store.write_briefing(parse_file(_pages(ZH, 1)[0]), page_sha256="x")
    d.close()
    d = Database(path)
    assert d.check()["ok"] and d.check()["pending"] == 0
    d.close()
    # an index deleted or damaged is rebuilt from the store
    shutil.rmtree(index_path(str(path)))
    d = Database(path)
    check = d.check()
    assert check["ok"] and check["index"] > 0
    d.close()


def test_a_read_only_reader_sees_what_writers_commit_and_writes_nothing(tmp_path):
    """How the web server opens the database without an admin token: every store connection read-only. It sees
    what a writer commits meanwhile; a write through it is refused, naming the file; what a reader repairs on open
    (an index it cannot read) is repaired all the same; reads of tables only analysis makes find them absent."""
    path = tmp_path / "ro.db"
    with Podium(path) as pod:
        pod.ingest(_pages(EN, 3), analyse=False)
    shutil.rmtree(index_path(str(path)))
    with Podium(path, create=False, read_only=True) as reader:
        store = reader.db.store
        before = store.exchange_count()
        assert before > 0 and reader.search("NOT zzyzx", limit=0)["total"] == before
        b = parse_file(_pages(EN, 4)[3])
        with pytest.raises(StoreError, match="ro.db is open read-only"):
            store.write_briefing(b, page_sha256="x")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.conn.execute("DELETE FROM briefings")
        assert analytics.read_formulations(store) == [] and analytics.formulation_count(store) == 0
        with Podium(path) as writer:
            _, bid = writer.db.store.write_briefing(b, page_sha256="x")
        assert store.exchange_count() == before + len(b.exchanges)
        assert store.briefing(bid)["n_exchanges"] == len(b.exchanges)
    with sqlite3.connect(path) as c:
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    with pytest.raises(StoreError, match="schema version"):
        Store(path, create=False, read_only=True)


@pytest.mark.parametrize("one_core", [False, True])
def test_reindex_rebuilds_the_same_index(tmp_path, one_core):
    """Also on one core: a rebuild takes one indexing thread per core it may run on (``build_threads``)."""
    cores = os.sched_getaffinity(0)
    with Podium(tmp_path / "x.db") as pod:
        pod.ingest(_pages(EN, 5), analyse=False)
        before = pod.search('"South China Sea" OR Taiwan', limit=1000)
        if one_core:
            os.sched_setaffinity(0, {min(cores)})
        try:
            assert build_threads() == (1 if one_core else min(8, len(cores)))
            assert pod.reindex() == pod.stats()["exchanges"]
        finally:
            os.sched_setaffinity(0, cores)
        after = pod.search('"South China Sea" OR Taiwan', limit=1000)
    assert [h["exchange_id"] for h in before["hits"]] == [h["exchange_id"] for h in after["hits"]]


def test_ingest_killed_with_sigkill_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "crash.db"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # the English pages (461): enough to kill the run past its first index flush and before its end
    proc = subprocess.Popen([str(PODIUM), "ingest", str(EN), "--db", str(path), "--no-analyse",
                             "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 300
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as c:
                committed = c.execute("SELECT count(*) FROM briefings").fetchone()[0]
        except sqlite3.Error:
            continue
        if committed >= FLUSH_EVERY + 10:  # past the first index flush, before the end
            break
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Podium(path) as pod:
        check = pod.db.check()  # opening repaired the index
        assert check["ok"], check
        conn = pod.db.store.conn
        rows = conn.execute("SELECT b.id, b.source, b.n_exchanges, count(e.id) AS stored FROM briefings b "
                            "LEFT JOIN exchanges e ON e.briefing_id = b.id GROUP BY b.id").fetchall()
        assert FLUSH_EVERY + 10 <= len(rows) < len(list(pages([EN])))
        for r in rows[::7]:  # every committed briefing is complete: as many exchanges as a re-parse gives
            assert r["stored"] == r["n_exchanges"] == len(parse_file(r["source"]).exchanges), r["source"]
        report = pod.ingest([EN], analyse=False)
        assert report.count("unchanged") >= len(rows) and report.count("updated") == 0
        keys = conn.execute("SELECT count(*), count(DISTINCT key) FROM briefings").fetchone()
        assert keys[0] == keys[1] == report.count("added") + report.count("unchanged")
        # every page is stored, or skipped as not a briefing, or failed
        parsed = len(list(pages([EN]))) - report.count("failed") - report.count("skipped")
        assert keys[0] == parsed
        assert pod.db.check()["ok"]


def test_analyse_reports_its_progress_per_pass(tmp_path):
    """``analyse`` reports its progress per pass, one call per briefing. (That worker processes store what one
    process stores: tests/test_ingest.py.)"""
    paths = _pages(EN, 3) + _pages(ZH, 3)
    with Podium(tmp_path / "w1.db") as pod:
        assert pod.ingest(paths, analyse=False).ok
    calls = []
    with Podium(tmp_path / "w1.db") as pod:
        pod.analyse(redo=True, passes=["countries"], progress=lambda *a: calls.append(a))
    n = len(paths)
    assert calls[0] == ("countries", 0, n) and calls[-1] == ("countries", n, n)
    assert [done for _, done, _ in calls] == list(range(n + 1))


def test_mining_reports_its_progress_per_group(tmp_path):
    """Mining reads each (series, language) group's briefings from the store up to three times and says so: one
    bar per group, ending at three reads of each of its briefings, never past it."""
    paths = _pages(EN, 40) + _pages(ZH, 40)
    with Podium(tmp_path / "m.db") as pod:
        assert pod.ingest(paths, analyse=False).ok
        groups = Counter((b.series, b.lang) for _, b in pod.db.store.load_briefings(
            [r[0] for r in pod.db.store.conn.execute("SELECT id FROM briefings")]))
    calls = []
    with Podium(tmp_path / "m.db") as pod:
        pod.analyse(redo=True, passes=["formulations"], progress=lambda *a: calls.append(a))
    mining = [c for c in calls if c[0].startswith("mine ")]
    names = list(dict.fromkeys(name for name, _, _ in mining))
    assert len(names) == len(groups) >= 2 and names[0].endswith(f"1/{len(groups)}")
    for (series, lang), name in zip(sorted(groups), names, strict=True):
        mine = [(done, total) for n, done, total in mining if n == name]
        assert name.startswith(f"mine {lang} ") and {t for _, t in mine} == {3 * groups[(series, lang)]}
        assert [d for d, _ in mine] == sorted(d for d, _ in mine) and mine[-1][0] == mine[-1][1]
