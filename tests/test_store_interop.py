"""The store as other programs see it: the database file opens in Datasette as it is, and a reader in another
process sees only whole briefings while `podium ingest` writes."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from podium import Podium

from conftest import CORPUS

EN = CORPUS / "mfa" / "en"
PODIUM = Path(sys.executable).with_name("podium")


def _copy_db(src: Path, dst: Path) -> Path:
    with Podium(src) as pod:  # fold the WAL into the file, so that copying the file copies everything
        pod.db.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(src, dst)
    return dst


def test_database_file_opens_in_datasette_as_it_is(mfa_db, tmp_path):
    try:
        from datasette.app import Datasette
    except ImportError as e:  # datasette is in the dev extra: a missing one is a broken install, not a skip
        pytest.fail(f"datasette is not importable here ({e}): pip install -e '.[dev]'")
    path = _copy_db(mfa_db, tmp_path / "mfa.db")
    with Podium(path, create=False) as pod:
        stats = pod.stats()
        some_id = pod.search("Taiwan", limit=1)["hits"][0]["exchange_id"]
        expected = pod.exchange(some_id)

    async def ask() -> tuple[dict, list, list]:
        ds = Datasette([str(path)], immutables=[str(path)])
        db_name = path.stem
        listing = await ds.client.get(f"/{db_name}.json")
        assert listing.status_code == 200, listing.text
        count = await ds.client.get(f"/{db_name}.json", params={
            "sql": "SELECT count(*) AS n FROM exchanges", "_shape": "array"})
        assert count.status_code == 200, count.text
        row = await ds.client.get(f"/{db_name}/exchanges.json", params={
            "id__exact": str(some_id), "_shape": "array"})
        assert row.status_code == 200, row.text
        return listing.json(), count.json(), row.json()

    listing, count, rows = asyncio.run(ask())
    tables = {t["name"] for t in listing["tables"]}
    views = {v["name"] for v in listing.get("views", [])}
    assert {"briefings", "exchanges", "annotations"} <= tables
    assert "exchanges_full" in views
    assert count == [{"n": stats["exchanges"]}]
    assert len(rows) == 1 and rows[0]["question"] == expected["question"]
    assert rows[0]["answer"] == expected["answer"]


def _half_written(conn: sqlite3.Connection) -> list:
    return conn.execute("SELECT b.source, b.n_exchanges, count(e.id) AS stored FROM briefings b "
                        "LEFT JOIN exchanges e ON e.briefing_id = b.id GROUP BY b.id "
                        "HAVING stored != b.n_exchanges").fetchall()


def test_reader_in_another_process_sees_only_whole_briefings_while_ingest_writes(tmp_path):
    path = tmp_path / "live.db"
    proc = subprocess.Popen([str(PODIUM), "ingest", str(EN), "--db", str(path), "--no-analyse", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        # wait for the writer's first committed briefing (the schema exists by then)
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as c:
                    if c.execute("SELECT count(*) FROM briefings").fetchone()[0] > 0:
                        break
            except sqlite3.Error:
                pass
            time.sleep(0.02)
        assert proc.poll() is None, "ingest finished before a reader could look"
        reads, seen = 0, set()
        while proc.poll() is None and time.monotonic() < deadline:
            # no try/except: a reader must never see an error
            with Podium(path, create=False) as pod:
                stats = pod.stats()
                hits = pod.search('"South China Sea"', limit=5)
                assert hits["total"] >= len(hits["hits"])
                assert not _half_written(pod.db.store.conn)
                n = pod.db.store.conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
                assert stats["exchanges"] <= n  # the store only grows between the two reads
            seen.add(stats["briefings"])
            reads += 1
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # exit status 1 means "some file failed": a few corpus pages are statements, not briefings
    err = proc.stderr.read().decode(errors="replace")
    failed = [line for line in err.splitlines() if line.startswith("FAILED ")]
    assert proc.returncode == (1 if failed else 0), err
    assert "Traceback" not in err and "locked" not in err, err
    assert reads >= 2 and len(seen) >= 2, f"the reader saw too little of the ingest: {reads} reads, {seen}"

    with Podium(path, create=False) as pod:
        final = pod.stats()
        phrase = pod.search('"South China Sea"', limit=1000)
        conn = pod.db.store.conn
        assert not _half_written(conn)
        assert final["exchanges"] == conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        assert final["briefings"] >= max(seen)
        # the index holds every exchange the store holds: the phrase search finds what SQL finds
        sql_phrase = conn.execute("SELECT count(*) FROM exchanges WHERE question LIKE '%South China Sea%' "
                                  "OR answer LIKE '%South China Sea%'").fetchone()[0]
    assert phrase["total"] > 0
    with Podium(path, create=False) as fresh:
        assert fresh.stats() == final
        again = fresh.search('"South China Sea"', limit=1000)
    assert [h["exchange_id"] for h in again["hits"]] == [h["exchange_id"] for h in phrase["hits"]]
    assert phrase["total"] == sql_phrase
