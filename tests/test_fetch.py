"""podium fetch against a real local HTTP server (loopback only) serving the shared MFA corpus at its original paths
(listing pages included) and the CONSTRUCTED pages of today's layout in tests/fixtures/fetch.

The server can misbehave on chosen paths (500s, slow answers, truncated bodies, redirect loops, a robots.txt that
disallows, a PDF); every test runs with a guard that refuses any connection outside 127.0.0.1.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from podium import FetchError, Podium
from podium.cli import main
from podium.sources.archive import iter_archive
from podium.sources.http import DEFAULT_RATE, USER_AGENT, HttpClient

from conftest import CORPUS, FIXTURES, ROOT, SEED

FETCH = FIXTURES / "fetch"
EN_LIST = "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
TODAY = "/eng/xw/fyrbt/lxjzh/"
FAST = {"rate": 0, "analyse": False, "backoff": 0.01, "retries": 2, "timeout": 5}


# ---- the no-internet guard ---------------------------------------------------------------------------------------

_real_connect = socket.socket.connect
BLOCKED: list[object] = []


def _loopback_only(self, address):  # noqa: ANN001 - socket's own signature
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")) \
            and self.family in (socket.AF_INET, socket.AF_INET6):
        BLOCKED.append(address)
        raise ConnectionRefusedError(f"test guard: no connection outside loopback ({address})")
    return _real_connect(self, address)


_real_getaddrinfo = socket.getaddrinfo


def _resolve_loopback_only(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - socket's own signature
    if host not in (None, "localhost", "::1") and not str(host).startswith("127."):
        BLOCKED.append(host)
        raise socket.gaierror(socket.EAI_NONAME, f"test guard: no name lookups outside loopback ({host})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """No test reaches the internet: no name lookup, no connection outside 127.0.0.1 (subprocesses the tests start
    are pointed at the loopback server explicitly)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_loopback_only)


# ---- the test server ---------------------------------------------------------------------------------------------

def _routes() -> dict[str, Path]:
    routes: dict[str, Path] = {}
    for base, tsv in ((CORPUS, CORPUS / "mfa" / "index.tsv"), (FETCH, FETCH / "index.tsv")):
        with open(tsv, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                routes[urlsplit(row["url"]).path] = base / row["file"]
    return routes


ROUTES = _routes()
LAST_MODIFIED = email.utils.formatdate(1593834941, usegmt=True)


class Site:
    """What the server serves, the faults it plays, and every request it saw."""

    def __init__(self) -> None:
        self.routes = dict(ROUTES)
        self.robots: str | None = "User-agent: *\nDisallow: /private/\n"
        #: path -> queue of faults played on the next requests; "always:<fault>" repeats forever
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.redirects: dict[str, str] = {TODAY + "index_2.html": "/eng/"}  # older index pages redirect away
        self.slow = 1.0
        self.log: list[tuple[float, str, int, dict[str, str]]] = []
        self.lock = threading.Lock()

    def requests(self, path_part: str = "") -> list[tuple[float, str, int, dict[str, str]]]:
        return [r for r in self.log if path_part in r[1]]


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None, length: int | None = None) -> None:
            with site.lock:
                site.log.append((time.monotonic(), self.path, status, dict(self.headers)))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = urlsplit(self.path).path
            queue = site.faults.get(path)
            fault = ""
            if queue:
                fault = queue[0]
                if fault.startswith("always:"):
                    fault = fault[7:]
                else:
                    queue.popleft()
            if fault == "500":
                return self._send(500, b"<html><body>Internal error</body></html>")
            if fault == "slow":
                time.sleep(site.slow)
            if fault == "loop":
                return self._send(302, headers={"Location": path + ".loop" if not path.endswith(".loop")
                                                else path[:-5]})
            if path.endswith(".loop"):
                return self._send(302, headers={"Location": path[:-5]})
            if path == "/robots.txt":
                if site.robots is None:
                    return self._send(404)
                return self._send(200, site.robots.encode(), "text/plain")
            if path in site.redirects:
                return self._send(302, headers={"Location": site.redirects[path]})
            file = site.routes.get(path)
            if file is None:
                return self._send(404, b"<html><body>Not found</body></html>")
            body = file.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                with site.lock:
                    site.log.append((time.monotonic(), self.path, 304, dict(self.headers)))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if fault == "pdf":
                return self._send(200, b"%PDF-1.4 not a page", "application/pdf", headers)
            if fault == "truncate":
                cut = body[: len(body) // 2]
                self._send(200, cut, headers=headers, length=len(body))
                self.close_connection = True
                return None
            return self._send(200, body, headers=headers)

    return Handler


def _serve(site: Site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    # a short poll: shutdown() waits up to one poll interval (0.5 s by default) at every test's end
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def site():
    s = Site()
    server, url = _serve(s)
    s.url = url
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def shared_site():
    s = Site()
    server, url = _serve(s)
    s.url = url
    yield s
    server.shutdown()
    server.server_close()


# ---- what the served listing pages link to, read independently of podium -----------------------------------------

def _linked(lang: str) -> dict[str, tuple[str, str]]:
    """Publisher URL -> (title, date text) of every transcript the saved listing pages link to."""
    out: dict[str, tuple[str, str]] = {}
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        if r["lang"] == lang and r["kind"] == "list":
            text = (CORPUS / r["file"]).read_text(encoding="utf-8", errors="replace")
            base = r["url"].rsplit("/", 1)[0]
            for href, title in re.findall(r'<a href="\./(t\d+\.shtml)"[^>]*>([^<]*)</a>', text):
                out[f"{base}/{href}"] = (title, "")
    return out


def _corpus_urls() -> set[str]:
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8", newline="") as fh:
        return {r["url"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r["kind"] != "list"}


def _briefings(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT url, date, content_sha256, n_exchanges FROM briefings ORDER BY url").fetchall()


@pytest.fixture(scope="session")
def en_run(shared_site, tmp_path_factory, shared):
    """A full fetch of the English 2020 section from the test server, then a second run."""
    db = tmp_path_factory.mktemp("en") / "en.db"
    with Podium(db) as pod:
        start = len(shared_site.log)
        first = pod.fetch(lang="en", layout="site2020", base_url=shared_site.url, **FAST)
        mid = len(shared_site.log)
        second = pod.fetch(lang="en", layout="site2020", base_url=shared_site.url, **FAST)
        end = len(shared_site.log)
    return {"db": db, "first": first, "second": second, "first_log": shared_site.log[start:mid],
            "second_log": shared_site.log[mid:end]}


# ---- the 2020 site: every linked transcript the server has ----------------------------------------------------

def test_fetch_ingests_every_linked_regular_transcript_the_server_has(en_run) -> None:
    linked = _linked("en")
    assert len(linked) == 500
    regular = {u for u, (t, _) in linked.items() if "Regular Press Conference" in t or "Daily Briefing Online" in t}
    held = _corpus_urls()
    expected = regular & held
    missing = regular - held
    assert len(expected) == 447 and len(missing) == 40  # the saved listing pages link to 40 pages the corpus lacks
    got = {row[0] for row in _briefings(en_run["db"])}
    assert got == expected
    first = en_run["first"]
    assert first["added"] == 447 and first["complete"] and first["stopped"] == "end of the listing"
    assert first["listing_pages"] == 13
    # the missing ones were requested, answered 404, reported with their URL, and the run went on
    assert len(first["failed"]) == 40
    assert all(f["error"] == "HTTP 404 Not Found" for f in first["failed"])
    assert {urlsplit(f["url"]).path for f in first["failed"]} == {urlsplit(u).path for u in missing}
    # the spokesperson's Remarks the section also lists are not requested
    remarks = {urlsplit(u).path for u, (t, _) in linked.items() if u not in regular}
    assert len(remarks) == 13
    assert not remarks & {urlsplit(r[1]).path for r in en_run["first_log"]}


def test_polite_headers_and_robots_first(en_run) -> None:
    log = en_run["first_log"]
    assert log[0][1] == "/robots.txt"
    assert all(r[3].get("User-Agent") == USER_AGENT for r in log)
    assert USER_AGENT.startswith("podium/") and "+research" in USER_AGENT
    # each transcript requested once: the run never fetched a page twice
    paths = [r[1] for r in log if "/t" in r[1]]
    assert len(paths) == len(set(paths)) == 487


def test_second_run_fetches_nothing_new(en_run) -> None:
    second = en_run["second"]
    assert second["added"] == second["updated"] == 0 and not second["failed"]
    assert second["complete"] and second["stopped"].startswith("caught up")
    # robots.txt and the first listing page, re-checked with a conditional request: 304
    log = en_run["second_log"]
    assert [r[1] for r in log] == ["/robots.txt", EN_LIST + "default.shtml"]
    assert log[1][2] == 304 and log[1][3].get("If-None-Match") and log[1][3].get("If-Modified-Since") == LAST_MODIFIED
    assert second["listing_not_modified"] == 1
    assert second["held"] + second["known_gone"] == second["links"] > 0


def test_archive_holds_every_page_and_ingest_reads_it(en_run, tmp_path) -> None:
    archive = Path(f"{en_run['db']}.archive")
    records = [json.loads(line) for line in (archive / "manifest.jsonl").read_text().splitlines()]
    kinds = {k: sum(1 for r in records if r["kind"] == k) for k in ("list", "transcript", "robots")}
    assert kinds["list"] == 13 and kinds["transcript"] == 447
    for r in records[:50]:
        body = (archive / r["object"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == r["sha256"] == Path(r["object"]).stem
        assert r["url"].startswith("http://127.0.0.1:") and r["fetched_at"] and r["headers"]["etag"]
    pages = list(iter_archive(archive))
    assert len(pages) == 447
    assert all(url.startswith("https://www.fmprc.gov.cn/") for _, url, _ in pages)
    # `podium ingest ARCHIVE` rebuilds the same database without fetching
    db = tmp_path / "again.db"
    result = CliRunner().invoke(main, ["ingest", str(archive), "--db", str(db), "--no-analyse", "-q"])
    assert result.exit_code == 0, result.output
    assert "447 added" in result.output
    assert _briefings(db) == _briefings(en_run["db"])


# ---- resuming ---------------------------------------------------------------------------------------------------

#: The resume tests fetch the transcripts from this date on (151 of them) to stay quick.
SINCE = "2019-10-01"


def _title_date(title: str) -> str:
    """ISO date of a listing title; "" for the few 2018 titles that print no year (older than SINCE anyway)."""
    m = re.search(r"on ([A-Z][a-z]+) ?(\d+), (\d{4})", title)
    return time.strftime("%Y-%m-%d", time.strptime(" ".join(m.groups()), "%B %d %Y")) if m else ""


def _uninterrupted(en_run, since: str = SINCE) -> list[tuple]:
    return [row for row in _briefings(en_run["db"]) if row[1] >= since]


def test_run_cut_short_by_the_request_cap_resumes_to_the_same_database(en_run, shared_site, tmp_path) -> None:
    db = tmp_path / "capped.db"
    runs = []
    with Podium(db) as pod:
        for cap in (50, 60, None):
            start = len(shared_site.log)
            runs.append(pod.fetch(lang="en", layout="site2020", base_url=shared_site.url, max_requests=cap,
                                  since=SINCE, **FAST))
            runs[-1]["log"] = shared_site.log[start:]
    assert not runs[0]["complete"] and "request cap reached (50" in runs[0]["stopped"]
    assert runs[0]["requests"] == 50 and runs[1]["resumed"] and runs[1]["requests"] == 60
    assert runs[2]["complete"] and runs[2]["stopped"] == f"reached --since {SINCE}"
    assert len(_uninterrupted(en_run)) == 151
    assert _briefings(db) == _uninterrupted(en_run)
    # nothing downloaded twice: each transcript was requested once over the three runs
    paths = [r[1] for run in runs for r in run["log"] if "/t" in r[1]]
    in_range = {urlsplit(u).path for u, (t, _) in _linked("en").items()
                if ("Regular Press Conference" in t or "Daily Briefing Online" in t) and _title_date(t) >= SINCE}
    assert len(paths) == len(set(paths)) and set(paths) == in_range  # the 151 and the linked ones the server lacks


def test_killed_run_restarted_ends_with_the_same_database(en_run, shared_site, tmp_path) -> None:
    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "podium", "fetch", "mfa", "--layout", "site2020", "--base-url", shared_site.url,
           "--rate", "0", "--since", "2020-03-01", "--no-analyse", "-q", "--db", str(db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(db, timeout=5) as c:
                    if c.execute("SELECT count(*) FROM briefings").fetchone()[0] >= 25:
                        break
            except sqlite3.Error:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the fetch finished before it could be killed"
    partial = len(_briefings(db))
    assert 25 <= partial < len(_uninterrupted(en_run, "2020-03-01"))
    state = json.loads((Path(f"{db}.archive") / "state.json").read_text())
    assert any(v.get("in_progress") for v in state.values())
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1  # pages the server lacks
    assert "FAILED" in again.stderr and "HTTP 404" in again.stderr
    assert _briefings(db) == _uninterrupted(en_run, "2020-03-01")


# ---- Chinese, --since ---------------------------------------------------------------------------------------------

def test_chinese_section_since_a_date(shared_site, tmp_path, shared) -> None:
    with Podium(tmp_path / "zh.db") as pod:
        s = pod.fetch(lang="zh", layout="site2020", base_url=shared_site.url, since="2020-06-01", **FAST)
    held = _corpus_urls()
    expected = set()
    for r in csv.DictReader(open(CORPUS / "mfa" / "index.tsv", encoding="utf-8"), delimiter="\t",
                            quoting=csv.QUOTE_NONE):
        if r["lang"] == "zh" and r["subtype"] == "regular-press-conference" and r["date"] >= "2020-06-01":
            expected.add(r["url"])
    assert expected and expected <= held
    assert {row[0] for row in _briefings(tmp_path / "zh.db")} == expected
    assert s["complete"] and s["stopped"].startswith("reached --since 2020-06-01")
    assert s["listing_pages"] <= 3
    # a later run without --since does not backfill what the first run deliberately left out
    with Podium(tmp_path / "zh.db") as pod:
        again = pod.fetch(lang="zh", layout="site2020", base_url=shared_site.url, **FAST)
    assert again["added"] == 0 and again["requests"] <= 2 * again["listing_pages"] + 1
    assert again["since"] == "2020-06-01" and again["complete"]  # the floor of earlier runs bounds it


# ---- today's layout (CONSTRUCTED pages) ---------------------------------------------------------------------------

def _today(site: Site, db: Path, **kw):
    with Podium(db) as pod:
        return pod.fetch(lang="en", layout="today", base_url=site.url, **{**FAST, **kw})


def _errors(summary) -> dict[str, str]:
    return {urlsplit(f["url"]).path.rsplit("/", 1)[1]: f["error"] for f in summary["failed"]}


def test_todays_layout_reads_whole_transcripts_and_refuses_broken_ones(site, tmp_path) -> None:
    s = _today(site, tmp_path / "t.db")
    got = {row[0].rsplit("/", 1)[1]: row for row in _briefings(tmp_path / "t.db")}
    assert set(got) == {"t20260915_11900015.html", "t20260914_11900014.html", "t20230713_11112728.html"}
    assert s["added"] == 3 and s["complete"]
    assert "redirects out of the section" in s["stopped"]
    errors = _errors(s)
    assert errors["t20260912_11900012.html"] == "HTTP 404 Not Found"
    assert "ends with 'Xinhua News Agency' asking and no answer" in errors["t20260911_11900011.html"]
    assert "no answer labelled 'Lin Jian:'" in errors["t20260910_11900010.html"]
    assert "truncated page" in errors["t20260909_11900009.html"]
    assert len(errors) == 4
    # the Remarks listed beside the conferences are not requested
    assert not site.requests("t20260915_11900016")
    # nothing of the refused pages was stored
    assert all(row[1] >= "2023" for row in got.values()) and len(got) == 3


def test_todays_layout_seed_page_parses_like_the_seed(site, tmp_path) -> None:
    _today(site, tmp_path / "t.db")
    expected = json.loads((SEED / "000_32323ef4823c7adf.expected.json").read_text(encoding="utf-8"))
    with Podium(tmp_path / "t.db") as pod:
        df = pod.exchanges()
    seed = df[df["url"].str.endswith("t20230713_11112728.html")].sort_values("n")
    assert list(seed["asker"]) == [e["asker"] for e in expected["exchanges"]]
    assert [q[:60] for q in seed["question"]] == [e["q_head"] for e in expected["exchanges"]]
    assert [a[:60] for a in seed["answer"]] == [e["a_head"] for e in expected["exchanges"]]
    assert set(seed["spokesperson"]) == {"Wang Wenbin"}
    # the page with a sidebar of 40 paragraphs and no class names still gives its 5 exchanges
    mao = df[df["url"].str.endswith("t20260915_11900015.html")]
    assert len(mao) == 5 and set(mao["spokesperson"]) == {"Mao Ning"}


def test_rerun_on_todays_layout_fetches_nothing_new(site, tmp_path) -> None:
    _today(site, tmp_path / "t.db")
    start = len(site.log)
    s = _today(site, tmp_path / "t.db")
    assert s["added"] == 0 and s["stopped"].startswith("caught up")
    # robots.txt, index.html not modified, and the page that came cut off last time, tried again (the refused
    # and missing pages are not requested again)
    assert [(r[1].rsplit("/", 1)[1], r[2]) for r in site.log[start:]] == [
        ("robots.txt", 200), ("index.html", 304), ("t20260909_11900009.html", 200)]
    assert list(_errors(s)) == ["t20260909_11900009.html"] and s["retried"] == 1


def test_since_and_until_bound_the_walk(site, tmp_path) -> None:
    s = _today(site, tmp_path / "t.db", since="2026-09-01", until="2026-09-14")
    got = {row[0].rsplit("/", 1)[1] for row in _briefings(tmp_path / "t.db")}
    assert got == {"t20260914_11900014.html"}
    assert not site.requests("t20260915_11900015") and not site.requests("t20230713")
    assert set(_errors(s)) == {"t20260912_11900012.html", "t20260911_11900011.html", "t20260910_11900010.html",
                               "t20260909_11900009.html"}
    assert s["stopped"] == "reached --since 2026-09-01" and s["outside_range"] == 2


def test_bad_dates_and_options_are_refused(tmp_path) -> None:
    from podium import QueryError

    with Podium(tmp_path / "t.db") as pod:
        with pytest.raises(QueryError, match="since: '2026-13-01' is not a date"):
            pod.fetch(since="2026-13-01")
        with pytest.raises(QueryError, match="no MFA layout 'new'"):
            pod.fetch(layout="new")
        with pytest.raises(QueryError, match="unknown fetch option"):
            pod.fetch(speed=3)


@pytest.mark.parametrize("fault, page, message", [
    ("500", "t20260915_11900015.html", None),  # two 500s, then the page: retried and stored
    ("always:500", "t20260915_11900015.html", r"HTTP 500 Internal Server Error; gave up after 3 attempts"),
    ("always:slow", "t20260914_11900014.html", r"timed out \(no answer within 0.3 s\); gave up after 3 attempts"),
    ("always:truncate", "t20230713_11112728.html", r"truncated body: received \d+ of \d+ bytes"),
    ("always:loop", "t20260914_11900014.html", r"redirect loop: http://127\.0\.0\.1:\d+/.*\.html -> .*\.loop -> "),
    ("always:pdf", "t20260914_11900014.html", r"not an HTML page: the server sent 'application/pdf'"),
])
def test_server_faults_are_survived_with_clear_messages(site, tmp_path, fault, page, message) -> None:
    path = TODAY + ("202307/" if page.startswith("t2023") else "202609/") + page
    site.faults[path].extend([fault, fault] if fault == "500" else [fault])
    site.slow = 1.0
    s = _today(site, tmp_path / "t.db", timeout=0.3)
    errors = _errors(s)
    stored = {row[0].rsplit("/", 1)[1] for row in _briefings(tmp_path / "t.db")}
    if message is None:
        assert page in stored and page not in errors
        assert [r[2] for r in site.requests(page)] == [500, 500, 200]
    else:
        assert re.search(message, errors[page]), errors[page]
        assert page not in stored
        assert len(stored) == 2  # the other good pages were stored all the same
        # a page that failed for a passing reason is tried again on the next run
        site.faults.clear()
        again = _today(site, tmp_path / "t.db")
        assert page in {row[0].rsplit("/", 1)[1] for row in _briefings(tmp_path / "t.db")}
        assert again["added"] == 1


def test_retries_back_off_exponentially(site, client_waits) -> None:
    path = TODAY + "202609/t20260915_11900015.html"
    site.faults[path].extend(["500", "500", "500"])
    with HttpClient(rate=0, backoff=0.1, retries=3) as client:
        resp = client.get(site.url + path)
    assert resp.status == 200
    assert [r[2] for r in site.requests(path)] == [500, 500, 500, 200]
    # timings on a real clock: benchmarks/bench_politeness.py
    assert client_waits == pytest.approx([0.1, 0.2, 0.4])


def test_robots_txt_disallow_is_obeyed(site, tmp_path) -> None:
    site.robots = "User-agent: *\nDisallow: " + TODAY + "202609/\n"
    s = _today(site, tmp_path / "t.db")
    assert not site.requests("/202609/")  # never asked for
    errors = _errors(s)
    assert all("disallowed by the site's robots.txt" in e for e in errors.values()) and len(errors) == 6
    assert s["added"] == 1  # the 2023 page is allowed


def test_robots_txt_unreachable_stops_before_any_page(site, tmp_path) -> None:
    site.faults["/robots.txt"].append("always:500")
    s = _today(site, tmp_path / "t.db")
    assert s["error"] and "robots.txt could not be read" in s["error"] and not s["complete"]
    assert {r[1] for r in site.log} == {"/robots.txt"}


def test_listing_page_errors_stop_the_run_with_a_message(site, tmp_path) -> None:
    site.routes.pop(TODAY + "index.html")
    result = CliRunner().invoke(main, ["fetch", "mfa", "--layout", "today", "--base-url", site.url, "--rate", "0",
                                       "--no-analyse", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 1
    assert re.search(r"could not read a listing page: http://127\.0\.0\.1:\d+/eng/xw/fyrbt/lxjzh/index\.html: "
                     r"HTTP 404 Not Found", result.output)


# ---- politeness: rate limit and cap -------------------------------------------------------------------------------

def _gaps(site: Site) -> list[float]:
    times = [r[0] for r in site.log]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_rate_limit_spaces_requests(site, tmp_path, client_waits) -> None:
    _today(site, tmp_path / "t.db", rate=20)
    gaps = _gaps(site)
    assert len(gaps) >= 8
    # 20 requests a second: before a request the client waits out what is left of 50 ms since the previous one
    # started (nothing when parsing and storing took longer), never more, and no other wait (FAST: no retry of
    # these pages). Upper bounds on a loaded machine's clock flake: only the whole span, which arrival jitter
    # shortens by at most one request's latency, is checked against the rate.
    assert len(client_waits) <= len(gaps) and all(0 < w <= 0.05 for w in client_waits), client_waits
    assert sum(gaps) >= 0.05 * (len(gaps) - 1), gaps


def test_default_rate_is_one_request_a_second(site, tmp_path, client_waits) -> None:
    assert DEFAULT_RATE == 1.0 and HttpClient().rate == 1.0
    result = CliRunner().invoke(main, ["fetch", "mfa", "--base-url", site.url, "--max-requests", "3", "--no-analyse",
                                       "--db", str(tmp_path / "t.db")])
    assert "request cap reached (3 requests this run)" in result.output
    gaps = _gaps(site)
    # the command line's client waits out the rest of one second before the 2nd and 3rd request, never more;
    # the span of the three arrivals is two seconds, less at most one request's latency (arrival jitter): more
    # than the one second that a faster rate would give
    assert len(gaps) == 2 and len(client_waits) <= 2 and all(0 < w <= 1.0 for w in client_waits), client_waits
    assert sum(gaps) >= 1.5, gaps


def test_cli_json_summary(site, tmp_path) -> None:
    result = CliRunner().invoke(main, ["fetch", "mfa", "--base-url", site.url, "--rate", "0", "--no-analyse",
                                       "--json", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 1  # four pages failed
    summary = json.loads(result.output)
    assert summary["added"] == 3 and len(summary["failed"]) == 4 and summary["layout"] == "today"


# ---- no internet ----------------------------------------------------------------------------------------------

def test_guard_keeps_tests_off_the_internet(tmp_path) -> None:
    """The default base URL is the real site: with the guard, a fetch that forgets --base-url reaches nothing."""
    BLOCKED.clear()
    with Podium(tmp_path / "t.db") as pod:
        s = pod.fetch(rate=0, retries=0, max_requests=2, analyse=False)
    assert BLOCKED and s["added"] == 0
    assert "https://www.fmprc.gov.cn/robots.txt" in s["error"] and "connection failed" in s["error"]
    with pytest.raises(FetchError, match="connection failed"), HttpClient(rate=0, retries=0) as client:
        client.get("http://example.com/")


def test_fetch_command_is_documented() -> None:
    result = CliRunner().invoke(main, ["fetch", "mfa", "--help"])
    for opt in ("--lang", "--since", "--until", "--base-url", "--rate", "--max-requests", "--db", "--layout"):
        assert opt in result.output


def test_archive_folder_must_be_an_archive(tmp_path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.txt").write_text("mine")
    with Podium(tmp_path / "t.db") as pod, pytest.raises(Exception, match="not a podium fetch archive"):
        pod.fetch(archive=str(tmp_path / "notes"), rate=0)
    assert (tmp_path / "notes" / "x.txt").read_text() == "mine"
    shutil.rmtree(tmp_path / "notes")


# ---- the today's-layout reader on its own ---------------------------------------------------------------------

def _seed_page() -> str:
    return (FETCH / "t20230713_seed.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", [
    "as built",
    "no class or id names",  # nothing to hold on to but structure
    "title only in <title>",  # no <h1>, no meta
    "paragraphs in <div>s of their own",  # an extra wrapper per paragraph
])
def test_todays_layout_reader_finds_the_transcript_by_structure(change) -> None:
    from podium.parse import detect, parse_bytes

    text = _seed_page()
    if change == "no class or id names":
        text = re.sub(r'\s(?:class|id)="[^"]*"', "", text)
    elif change == "title only in <title>":
        text = re.sub(r"<h1>.*?</h1>", "", text)
        text = re.sub(r'<meta name="ArticleTitle"[^>]*>', "", text)
    elif change == "paragraphs in <div>s of their own":
        text = re.sub(r"(<p [^>]*>.*?</p>)", r"<div>\1</div>", text)
    assert detect(text, "x").name == "mfa-en-site2022"
    b = parse_bytes(text.encode(), "page.html")
    expected = json.loads((SEED / "000_32323ef4823c7adf.expected.json").read_text(encoding="utf-8"))
    assert b.title == expected["title"] and b.date.isoformat() == expected["date"]
    assert [e.asker for e in b.exchanges] == [e["asker"] for e in expected["exchanges"]]
    assert [len(e.answers[0].paragraphs) for e in b.exchanges] == [e["a_paras"] for e in expected["exchanges"]]


@pytest.mark.parametrize("name, reason", [
    ("bad_no_answers.html", "no answer labelled 'Lin Jian:'"),
    ("bad_ends_with_question.html", "looks cut off"),
    ("bad_truncated.html", "truncated page"),
])
def test_todays_layout_reader_refuses_what_it_cannot_read_whole(name, reason) -> None:
    from podium import ParseError
    from podium.parse import parse_bytes

    with pytest.raises(ParseError, match=rf"^{name}: .*{re.escape(reason)}"):
        parse_bytes((FETCH / name).read_bytes(), name, format="mfa-en-site2022")
    page = re.sub(r"Wang Wenbin:", "Speaker:", _seed_page())  # answers nobody can recognise as the spokesperson's
    with pytest.raises(ParseError, match=r"^x\.html: no answer labelled 'Wang Wenbin:'"):
        parse_bytes(page.encode(), "x.html", format="mfa-en-site2022")
