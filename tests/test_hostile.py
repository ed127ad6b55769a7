"""Hostile input: pages built to be slow or deep, special files among the pages, races on a new database, corrected
pages without URLs, readers during an ingest, malformed queries and ids, and what the web must never show or run.

Every hostile file is generated here from real pages of the shared corpus (nothing hostile is committed). Timings
live in benchmarks/bench_hostile_parse.py and bench_web_starve.py; these tests check behaviour only.
"""

from __future__ import annotations

import csv
import io
import logging
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.errors import NotFound, ParseError, QueryError, SourceError
from podium.parse import MAX_NESTING, parse_bytes, parse_file
from podium.sources.files import expand
from podium.store import Database
from podium.store import query as q
from podium.web import create_app
from podium.web import pages as web_pages
from test_web_api import TOKEN, AppClient

from conftest import CORPUS, ROOT

EN = CORPUS / "mfa" / "en"
PAGES = sorted(EN.glob("t*.html"))
TITLE = "Foreign Ministry Spokesperson Hua Chunying's Regular Press Conference on March 4, 2019"
PODIUM = Path(sys.executable).parent / "podium"


def _ingest(*args: str) -> object:
    return CliRunner().invoke(main, ["ingest", *args, "--no-analyse", "--no-progress"])


# ---- parsing: size, turns and nesting ------------------------------------------------------------------------------

def test_a_page_of_30000_exchanges_parses_each_one_and_splits_unlabelled_answers():
    lines = [TITLE, "2019-03-04 15:30"]
    for i in range(30_000):
        if i % 1000 == 999:  # the answer label lost: "Q: ...?" then the spokesperson's unlabelled paragraph
            lines += [f"Q: Question {i}?", f"Unlabelled answer {i}."]
        else:
            lines += [f"Q: Question {i}?", f"A: Answer {i}."]
    b = parse_bytes("\n".join(lines).encode(), "many.txt")
    assert len(b.exchanges) == 30_000
    lost = [e for e in b.exchanges if e.n % 1000 == 0]
    assert len(lost) == 30 and all(e.answer_text == f"Unlabelled answer {e.n - 1}." for e in lost)
    assert all(e.question_text == f"Question {e.n - 1}?" for e in b.exchanges[::997])


def _nested(depth: int) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>" + "<div>" * depth
            + "<p>Q: Is this deep?</p><p>A: Very deep.</p>" + "</div>" * depth + "</body></html>").encode()


def test_100000_nested_divs_are_refused_with_the_limit_named():
    with pytest.raises(ParseError, match=r"deep\.html.*nested more than 1,000") as exc:
        parse_bytes(_nested(100_000), "deep.html")
    assert "block elements" in exc.value.reason


def test_nesting_under_the_limit_still_reads_the_transcript():
    b = parse_bytes(_nested(MAX_NESTING - 10), "deep.html")
    assert [(e.question_text, e.answer_text) for e in b.exchanges] == [("Is this deep?", "Very deep.")]


def test_unclosed_nesting_counts_too():
    page = _nested(0).replace(b"<h1>", b"<div>" * (MAX_NESTING + 1) + b"<h1>")
    with pytest.raises(ParseError, match="nested"):
        parse_bytes(page, "unclosed.html")


# ---- ingest: special files, size limit, names ---------------------------------------------------------------------

@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for p in PAGES[:3]:
        shutil.copy(p, folder / p.name)
    os.mkfifo(folder / "pipe.html")
    os.symlink("/dev/zero", folder / "zero.html")
    os.symlink(folder / "missing.html", folder / "dangling.html")
    os.mkfifo(folder / "queue")  # a pipe with no page suffix is named too: it is never read either
    return folder


def test_a_fifo_and_a_dev_zero_link_beside_real_pages_are_named_and_the_pages_ingested(hostile_folder, tmp_path):
    db = tmp_path / "h.db"
    result = _ingest(str(hostile_folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    summary = [line for line in result.output.splitlines() if " added, " in line]
    assert summary[-1].startswith("3 added, 0 updated, 0 unchanged, 4 skipped, 0 failed")
    skipped = {line.split(": ", 1)[0].removeprefix("SKIPPED "): line.split(": ", 1)[1]
               for line in result.output.splitlines() if line.startswith("SKIPPED ")}
    assert "named pipe (FIFO)" in skipped[str(hostile_folder / "pipe.html")]
    assert "character device (a link to /dev/zero)" in skipped[str(hostile_folder / "zero.html")]
    assert "dangling" in skipped[str(hostile_folder / "dangling.html")]
    assert "named pipe" in skipped[str(hostile_folder / "queue")]
    with Podium(db, create=False) as pod:
        assert pod.stats()["briefings"] == 3


def test_a_fifo_named_on_the_command_line_is_skipped_not_waited_on(hostile_folder, tmp_path):
    result = _ingest(str(hostile_folder / "pipe.html"), str(hostile_folder / "zero.html"), "--db",
                     str(tmp_path / "h.db"))
    assert result.exit_code == 0 and "2 skipped" in result.output, result.output
    result = CliRunner().invoke(main, ["parse", str(hostile_folder / "pipe.html")])
    assert result.exit_code == 1 and "not a regular file" in result.output


def test_pages_over_the_size_limit_are_skipped_with_their_size(tmp_path, monkeypatch):
    folder = tmp_path / "big"
    folder.mkdir()
    shutil.copy(PAGES[0], folder / PAGES[0].name)
    small = min(PAGES[:20], key=lambda p: p.stat().st_size)
    shutil.copy(small, folder / small.name)
    limit_mb = (small.stat().st_size + PAGES[0].stat().st_size) / 2 / 1e6
    assert small.stat().st_size < limit_mb * 1e6 < PAGES[0].stat().st_size
    monkeypatch.setenv("PODIUM_MAX_PAGE_MB", str(limit_mb))
    pages, errors = expand([folder])
    assert not errors
    by_name = {p.path.name: p.skip for p in pages}
    assert by_name[small.name] is None
    assert "over the page size limit" in by_name[PAGES[0].name] and "PODIUM_MAX_PAGE_MB" in by_name[PAGES[0].name]
    monkeypatch.setenv("PODIUM_MAX_PAGE_MB", "lots")
    with pytest.raises(SourceError, match="PODIUM_MAX_PAGE_MB.*not a number"):
        expand([folder])


def test_a_non_utf8_file_name_is_ingested_and_reported_normally(tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9-" + PAGES[0].name.encode())
    shutil.copy(PAGES[0], folder / name)
    shutil.copy(PAGES[1], folder / os.fsdecode(b"bad\xff.html"))
    (folder / os.fsdecode(b"bad\xff.html")).write_bytes(b"")  # an empty page with an odd name: failed, named
    db = tmp_path / "n.db"
    result = _ingest(str(folder), "--db", str(db))
    assert result.exit_code == 1, result.output
    assert "1 added" in result.output and "podium bug" not in result.output
    assert "FAILED " + str(folder) + "/bad\ufffd.html: empty file" in result.output
    with Podium(db, create=False) as pod:
        b = pod.briefing(1)
    assert b["source"].endswith("caf\ufffd-" + PAGES[0].name)


def _expand_unprivileged(folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """expand() in a forked child that has given up root (root reads any folder): names of pages and errors."""
    if os.geteuid() == 0:
        os.setgid(65534)  # nobody
        os.setuid(65534)
    pages, errors = expand([folder])
    return [p.path.name for p in pages], [(e.source, e.reason) for e in errors]


def test_an_unreadable_folder_is_named_and_the_walk_goes_on():
    # a folder of its own under /tmp that an unprivileged child can walk (pytest's tmp_path is root's alone)
    with tempfile.TemporaryDirectory(prefix="podium-walk-") as tmp:
        folder = Path(tmp) / "walk"
        (folder / "locked").mkdir(parents=True)
        Path(tmp).chmod(0o755)
        folder.chmod(0o755)
        shutil.copy(PAGES[0], folder / PAGES[0].name)
        (folder / "locked").chmod(0)
        try:
            with multiprocessing.get_context("fork").Pool(1) as pool:
                names, errors = pool.apply(_expand_unprivileged, (folder,))
        finally:
            (folder / "locked").chmod(0o755)
    assert names == [PAGES[0].name]
    assert len(errors) == 1 and errors[0][0].endswith("locked") and "cannot be read" in errors[0][1], errors


def test_the_undated_remarks_pages_are_skipped_with_a_reason_and_ingest_exits_0(tmp_path):
    undated = [EN / "t1686638.html", EN / "t1687014.html"]
    result = _ingest(*map(str, undated), str(PAGES[0]), "--db", str(tmp_path / "u.db"))
    assert result.exit_code == 0, result.output
    assert "1 added, 0 updated, 0 unchanged, 2 skipped, 0 failed" in result.output
    for p in undated:
        assert f"SKIPPED {p}: spokesperson's remarks with no date" in result.output
    with pytest.raises(ParseError, match="no date"):  # still a ParseError for `podium parse`
        parse_file(undated[0])


# ---- the store: a race to create, corrected pages, readers during writes ----------------------------------------

def _create(path: str, start: float) -> str:
    while time.time() < start:
        pass
    try:
        with Podium(path) as pod:
            return f"ok {pod.stats()['briefings']}"
    except Exception as exc:  # reported to the parent, which fails the test with it
        return f"{type(exc).__name__}: {exc}"


def test_two_processes_creating_one_new_database_at_once_both_succeed(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.apply(time.sleep, (0,))  # both workers started and importing done before the race
        pool.apply(time.sleep, (0,))
        for i in range(6):
            path = str(tmp_path / f"race{i}.db")
            start = time.time() + 0.3
            results = pool.starmap(_create, [(path, start), (path, start)])
            assert results == ["ok 0", "ok 0"], results
            with Podium(path) as pod:
                assert pod.db.check()["ok"]


def _copy_without_index(tmp_path: Path, page: Path) -> Path:
    folder = tmp_path / "nourl"
    folder.mkdir(exist_ok=True)
    target = folder / page.name
    shutil.copy(page, target)
    return target


def test_a_corrected_date_and_title_on_a_page_without_url_is_a_revision(tmp_path):
    page = _copy_without_index(tmp_path, PAGES[0])
    original = parse_file(page)
    assert original.url is None and "May 11, 2018" in original.title
    db = tmp_path / "c.db"
    with Podium(db) as pod:
        assert [r.status for r in pod.ingest([page], analyse=False).results] == ["added"]
        page.write_bytes(page.read_bytes().replace(b"May 11, 2018", b"May 10, 2018"))
        corrected = parse_file(page)
        assert corrected.date.isoformat() == "2018-05-10" and corrected.key != original.key
        assert [r.status for r in pod.ingest([page], analyse=False).results] == ["updated"]
        assert pod.stats()["briefings"] == 1
        b = pod.briefing(1)
        assert (b["date"], b["title"]) == ("2018-05-10", corrected.title)
        rev = pod.db.store.conn.execute("SELECT count(*) FROM revisions").fetchone()[0]
        assert rev == 1
        # the identity is the transcript: a page whose text changed as well is another briefing
        page.write_bytes(page.read_bytes().replace(b"May 10, 2018", b"May 9, 2018")
                         .replace(b"Q: ", b"Q: Again, ", 1))
        assert [r.status for r in pod.ingest([page], analyse=False).results] == ["added"]
        assert pod.stats()["briefings"] == 2


def test_a_reader_opened_during_an_ingest_never_writes_to_the_index(tmp_path, caplog):
    db = tmp_path / "r.db"
    with Podium(db) as pod:
        pod.ingest(PAGES[:3], analyse=False)
    writer = Database(db)
    writer.store.write_briefing(parse_file(PAGES[3]), page_sha256="x")  # committed, queued, not yet indexed
    index_files = {p: p.stat().st_mtime_ns for p in Path(f"{db}.index").iterdir()}
    caplog.set_level(logging.INFO, logger="podium")
    writer.index.writer()  # the ingest holds the index writer, as during a long flush
    with Podium(db, create=False) as reader:
        assert reader.search("China", limit=1)["total"] > 0
        assert reader.db.store.pending()  # left for the writer
    assert "busy" not in caplog.text and "another process" not in caplog.text
    writer.index.rollback()
    assert {p: p.stat().st_mtime_ns for p in Path(f"{db}.index").iterdir()} == index_files
    assert writer.flush() == 1 and writer.check()["ok"]
    writer.close()


def test_a_reader_still_rebuilds_an_index_it_cannot_read_at_all(tmp_path):
    db = tmp_path / "m.db"
    with Podium(db) as pod:
        pod.ingest(PAGES[:2], analyse=False)
    shutil.rmtree(f"{db}.index")
    with Podium(db, create=False) as reader:
        assert reader.search("China", limit=1)["total"] > 0


# ---- queries and ids ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "says"), [
    ("(" * 300 + "Taiwan" + ")" * 300, "nests parentheses and NOT more than"),
    ("NOT " * 300 + "Taiwan", "nests parentheses and NOT more than"),
    (" OR ".join(f"w{i}" for i in range(150)), "150 terms; podium searches at most"),
    (" ".join(f"ab{i}*" for i in range(50)), r"50 prefix\* terms"),
    ("Taiwan " * 2000, "characters long"),
])
def test_queries_past_the_limits_are_refused_with_a_message(query, says):
    with pytest.raises(QueryError, match=says):
        q.parse(query)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "small.db"
    with Podium(path) as pod:
        pod.ingest(PAGES[:8], analyse=False)
    return path


def test_the_cli_answers_deep_queries_and_huge_ids_with_a_message(small_db):
    runner = CliRunner()
    r = runner.invoke(main, ["search", "(" * 300 + "x" + ")" * 300, "--db", str(small_db)])
    assert r.exit_code == 2 and "nests parentheses" in r.output and "Traceback" not in r.output  # a usage error
    for ident in ("b" + "9" * 30, "e" + "9" * 25, "b9223372036854775808"):
        r = runner.invoke(main, ["show", ident, "--db", str(small_db)])
        assert r.exit_code == 1 and "no " in r.output and "Traceback" not in r.output, r.output
    r = runner.invoke(main, ["show", "b１２", "--db", str(small_db)])  # full-width digits are not an id
    assert r.exit_code == 2 and "is not a briefing id" in r.output  # a usage error (QueryError)
    with Podium(small_db, create=False) as pod, pytest.raises(NotFound):
        pod.exchange(2**70)


@pytest.fixture(scope="module")
def app_client(small_db) -> AppClient:
    return AppClient(create_app(small_db))


@pytest.mark.parametrize("path", [
    "/search.json?q=" + "(" * 300 + "x" + ")" * 300, "/search?q=" + "(" * 300 + "x" + ")" * 300,
    "/trends.json?term=" + "(" * 300 + "x" + ")" * 300, "/search.json?q=" + "%22" * 3,
    "/search.json?q=x&page=" + "9" * 5000, "/search.json?q=x&from=2019-02-30",
    "/briefings/abc.json", "/briefings/12abc", "/exchanges/-1.json",
])
def test_malformed_requests_answer_400_with_a_message(app_client, path):
    r = app_client.get(path)
    assert r.status_code == 400, (path, r.status_code, r.text[:300])
    assert "internal error" not in r.text


@pytest.mark.parametrize("path", [
    "/briefings/99999999999999999999999999.json", "/briefings/99999999999999999999999999",
    "/exchanges/9223372036854775808.json", "/exchanges/99999999999999999999", "/briefings/123456789.json",
    "/trends.json?formulation=99999999999999999999999",
])
def test_ids_no_briefing_can_have_answer_404(app_client, path):
    r = app_client.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:300])


def test_no_server_file_path_in_public_output(app_client, small_db):
    secret = str(CORPUS)
    hits = app_client.get("/search.json", params={"q": "China", "per_page": 50}).json()["hits"]
    assert hits and all(h["source"] == Path(h["source"]).name for h in hits)
    bid = hits[0]["briefing_id"]
    for path in ("/search.json?q=China", "/search?q=China", f"/briefings/{bid}.json", f"/briefings/{bid}",
                 f"/exchanges/{hits[0]['exchange_id']}.json", "/index.json", "/", "/briefings/999999.json",
                 "/outlets.json"):
        r = app_client.get(path)
        assert secret not in r.text and str(small_db.parent) not in r.text, path
    assert app_client.get(f"/briefings/{bid}.json").json()["source"].endswith(".html")


def test_trend_csv_cells_cannot_start_a_formula(app_client):
    r = app_client.get("/trends.csv", params=[("term", "=HYPERLINK"), ("term", "@SUM"), ("term", "China")])
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    labels = {row[0] for row in rows[1:]}
    assert labels == {"'=HYPERLINK", "'@SUM", "China"}
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_aggregate_pages_are_cached_until_the_database_changes(tmp_path):
    db = tmp_path / "agg.db"
    with Podium(db) as pod:
        pod.ingest(PAGES[:2], analyse=False)
    c = AppClient(create_app(db))
    first = c.get("/outlets.json").json()
    assert c.get("/outlets.json").json() == first
    home = c.get("/index.json").json()["stats"]
    with Podium(db) as pod:  # another connection writes
        pod.ingest(PAGES[2:6], analyse=False)
    assert c.get("/index.json").json()["stats"]["briefings"] == home["briefings"] + 4
    later = c.get("/outlets.json").json()
    assert later != first
    assert sum(r.get("questions") or 0 for r in later["rows"]) > sum(r.get("questions") or 0 for r in first["rows"])


def test_a_chunked_upload_over_the_limit_is_refused_while_it_streams(tmp_path, monkeypatch):
    db = tmp_path / "up.db"
    Podium(db).close()
    monkeypatch.setattr(web_pages, "MAX_UPLOAD", 200_000)
    c = AppClient(create_app(db, admin_token=TOKEN))
    sent = 0

    async def body():  # no Content-Length: chunked, 1 MB in 64 KB pieces
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.html"\r\n\r\n'
        for _ in range(16):
            sent += 65536
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    r = c.post("/api/ingest", content=body(), headers={"Authorization": f"Bearer {TOKEN}",
                                                       "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and "limit" in r.json()["message"]
    assert not list(Path(f"{db}.uploads").glob("*/*/*"))  # nothing was stored


# ---- the admin token off the command line ----------------------------------------------------------------------

def test_the_admin_token_comes_from_a_file_or_the_environment(tmp_path, monkeypatch):
    db = tmp_path / "t.db"
    Podium(db).close()
    runner = CliRunner()
    short = tmp_path / "short-token"
    short.write_text("short\n")
    r = runner.invoke(main, ["serve", "--db", str(db), "--admin-token-file", str(short)])
    assert r.exit_code == 2 and "at least 12 characters" in r.output  # read from the file (and refused)
    r = runner.invoke(main, ["serve", "--db", str(db), "--admin-token-file", str(tmp_path / "none")])
    assert r.exit_code == 2 and "cannot read" in r.output
    r = runner.invoke(main, ["serve", "--db", str(db)], env={"PODIUM_ADMIN_TOKEN": "short"})
    assert r.exit_code == 2 and "at least 12 characters" in r.output and "visible" not in r.output
    r = runner.invoke(main, ["serve", "--db", str(db), "--admin-token", "short"])
    assert "visible to other users" in r.output


def test_a_server_started_with_a_token_file_accepts_that_token(tmp_path):
    db = tmp_path / "s.db"
    Podium(db).close()
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(PODIUM), "serve", "--db", str(db), "--port", str(port), "--admin-token-file",
                             str(token), "--log-level", "warning"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(url + "/robots.txt", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.post(url + "/api/analyse?passes=countries", timeout=30).status_code == 401
        r = httpx.post(url + "/api/analyse?passes=countries", headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=60)
        assert r.status_code == 200, r.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert TOKEN not in proc.stderr.read().decode(errors="replace")
