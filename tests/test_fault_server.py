"""The HTTP client against a hostile server (loopback only): a trickle, a gzip bomb, an oversized body, a charset
only the HTTP header names (UTF-16LE without a BOM), Retry-After in seconds and as a date, with the user's ceiling.

Every fault is played by a small real server started here; the pages it serves are real MFA pages from the shared
corpus, re-encoded or compressed in the test (nothing hostile is committed).
"""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podium import FetchError, Podium
from podium.errors import ParseError
from podium.model import PageHints
from podium.parse import parse_bytes, parse_file, parse_page
from podium.sources.archive import Archive
from podium.sources.http import HttpClient, RunTimeReached, charset_of, retry_after_seconds
from podium.sources.mfa import LAYOUTS

from conftest import CORPUS

PAGE = CORPUS / "mfa" / "en" / "t1558711.html"
URL_PATH = "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1558711.shtml"
FAST = {"rate": 0, "backoff": 0.01, "respect_robots": False}


class Faults:
    """What the server answers on each path: (status, headers, body, bytes per write, seconds between writes)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes, int, float]]] = {}
        self.seen: list[tuple[float, str]] = []
        #: a path whose status line and headers trickle too (one byte per interval)
        self.slow_headers: dict[str, float] = {}

    def answer(self, path: str, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, *,
               chunk: int = 0, interval: float = 0.0, repeat: int = 1) -> None:
        self.routes.setdefault(path, []).extend([(status, headers or {}, body, chunk, interval)] * repeat)


def _handler(faults: Faults):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            faults.seen.append((time.monotonic(), self.path))
            queue = faults.routes.get(self.path)
            if not queue:
                self.send_error(404)
                return
            status, headers, body, chunk, interval = queue.pop(0) if len(queue) > 1 else queue[0]
            head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            try:
                if self.path in faults.slow_headers:
                    for byte in head.encode():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(faults.slow_headers[self.path])
                else:
                    self.wfile.write(head.encode())
                step = chunk or len(body) or 1
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    if interval:
                        time.sleep(interval)
            except OSError:  # the client hung up: what a deadline does
                pass
            self.close_connection = True

    return Handler


@pytest.fixture
def server():
    faults = Faults()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(faults))
    httpd.daemon_threads = True
    # a short poll: shutdown() waits up to one poll interval (0.5 s by default) at every test's end
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    faults.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield faults
    httpd.shutdown()
    httpd.server_close()


# ---- a trickle: the per-request deadline -----------------------------------------------------------------------

def test_a_trickling_body_is_cut_off_at_the_request_deadline(server) -> None:
    body = PAGE.read_bytes()
    server.answer("/slow", body=body, headers={"Content-Type": "text/html"}, chunk=1, interval=0.05)
    with HttpClient(**FAST, retries=1, deadline=0.5) as client, \
            pytest.raises(FetchError, match="deadline") as exc:
        client.get(server.url + "/slow")
    assert "/slow" in str(exc.value)
    assert len(server.seen) == 2  # tried again once (retries=1), never waiting for the ~30 min the page would take


def test_trickling_headers_are_cut_off_too(server) -> None:
    server.answer("/slow-head", body=b"<html></html>", headers={"Content-Type": "text/html"})
    server.slow_headers["/slow-head"] = 0.05  # ~70 header bytes: 3.5 s, each byte well inside the read timeout
    with HttpClient(**FAST, retries=0, deadline=0.5, timeout=5) as client, \
            pytest.raises(FetchError, match="deadline"):
        client.get(server.url + "/slow-head")


def test_the_run_time_limit_stops_a_run_resumably(server) -> None:
    server.answer("/slow", body=b"<html>" + b" " * 200 + b"</html>", headers={"Content-Type": "text/html"},
                  chunk=1, interval=0.05)
    with HttpClient(**FAST, run_seconds=0.4, deadline=30) as client, pytest.raises(RunTimeReached, match="run time"):
        client.get(server.url + "/slow")


def test_a_prompt_server_is_answered_whole_within_the_deadline(server) -> None:
    body = PAGE.read_bytes()
    server.answer("/page", body=body, headers={"Content-Type": "text/html; charset=utf-8"}, chunk=4096)
    with HttpClient(**FAST, deadline=10) as client:
        resp = client.get(server.url + "/page")
    assert resp.body == body and resp.charset == "utf-8"


# ---- size caps: as sent and decompressed --------------------------------------------------------------------------

def test_a_gzip_bomb_stops_at_the_cap_after_decompression(server) -> None:
    bomb = gzip.compress(b"<html>" + b" " * 50_000_000, 9)  # ~50 KB that inflate to 50 MB
    assert len(bomb) < 1_000_000
    server.answer("/bomb", body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    with HttpClient(**FAST, max_bytes=1_000_000) as client, pytest.raises(FetchError, match="size cap") as exc:
        client.get(server.url + "/bomb")
    assert "decompressed" in str(exc.value)
    assert len(server.seen) == 1  # too large is not retried


def test_a_body_over_the_cap_as_sent_is_refused(server) -> None:
    server.answer("/big", body=b"<html>" + b"x" * 3_000_000 + b"</html>", headers={"Content-Type": "text/html"},
                  chunk=65536)
    with HttpClient(**FAST, max_bytes=1_000_000) as client, pytest.raises(FetchError, match="size cap"):
        client.get(server.url + "/big")


def test_a_gzipped_page_under_the_cap_arrives_whole(server) -> None:
    body = PAGE.read_bytes()
    server.answer("/gz", body=gzip.compress(body), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
                  chunk=1000)
    with HttpClient(**FAST, max_bytes=len(body)) as client:  # the cap is inclusive
        resp = client.get(server.url + "/gz")
    assert resp.body == body


# ---- the charset the server declares ----------------------------------------------------------------------------

def test_a_utf16le_page_without_bom_is_read_by_its_http_charset(server, tmp_path) -> None:
    original = parse_file(PAGE)
    utf16 = PAGE.read_bytes().decode("utf-8").encode("utf-16-le")
    assert not utf16.startswith(b"\xff\xfe")
    with pytest.raises(ParseError, match="binary"):  # what happened before: refused as binary, marked gone
        parse_bytes(utf16, "page")
    server.answer(URL_PATH, body=utf16, headers={"Content-Type": "text/html; charset=UTF-16LE"})
    with HttpClient(**FAST) as client:
        resp = client.get(server.url + URL_PATH)
    assert resp.charset == "utf-16-le"
    url = "https://www.fmprc.gov.cn" + URL_PATH  # the parse a fetch of the site2020 layout makes
    b = parse_page(resp.body, source=url, hints=PageHints(url=url, charset=resp.charset,
                                                           layout=LAYOUTS[("site2020", "en")].format))
    assert [(e.asker, e.question_text, e.answer_text) for e in b.exchanges] == \
        [(e.asker, e.question_text, e.answer_text) for e in original.exchanges]
    # the archive keeps the header, so `podium ingest ARCHIVE` reads the page the same way
    archive = Archive(tmp_path / "db.archive")
    archive.store(url="https://www.fmprc.gov.cn" + URL_PATH, final_url=resp.final_url, status=200, body=resp.body,
                  headers=resp.headers, fetched_at=resp.fetched_at, kind="transcript")
    with Podium(tmp_path / "db") as pod:
        report = pod.ingest([archive.path], analyse=False)
        assert [r.status for r in report.results] == ["added"], report.results
        assert pod.stats()["exchanges"] == len(original.exchanges)


def test_charset_of_reads_the_content_type_parameter() -> None:
    assert charset_of('text/html; charset="GB2312"') == "gb2312"
    assert charset_of("text/html;charset=utf-16le") == "utf-16-le"
    assert charset_of("text/html") is None and charset_of("text/html; charset=nonsense") is None


# ---- Retry-After in both forms, under the user's ceiling ------------------------------------------------------------

def _requests(server, path: str) -> int:
    return sum(p == path for _, p in server.seen)


# what the client waits is recorded (client_waits); the real clock's figures are in benchmarks/bench_politeness.py

def test_retry_after_in_seconds_is_waited_for(server, client_waits) -> None:
    server.answer("/busy", 503, headers={"Retry-After": "1"})
    server.answer("/busy", body=b"<html>ok</html>", headers={"Content-Type": "text/html"})
    with HttpClient(**FAST) as client:
        assert client.get(server.url + "/busy").body == b"<html>ok</html>"
    assert _requests(server, "/busy") == 2
    assert client_waits == [1.0]  # the server's wish, not the 0.01 s backoff


def test_retry_after_as_a_date_is_waited_for(server, client_waits) -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # whole seconds: 2-3 s from now
    server.answer("/busy", 429, headers={"Retry-After": when})
    server.answer("/busy", body=b"<html>ok</html>", headers={"Content-Type": "text/html"})
    with HttpClient(**FAST) as client:
        assert client.get(server.url + "/busy").status == 200
    assert _requests(server, "/busy") == 2
    # until the date: at most 3 s from when it was written, and more than the 0.01 s backoff
    assert len(client_waits) == 1 and 0.01 < client_waits[0] <= 3.0, client_waits


@pytest.mark.parametrize("value", ["3600", "DATE"])
def test_retry_after_beyond_the_ceiling_fails_at_once_with_the_servers_wish(server, value, client_waits) -> None:
    if value == "DATE":
        value = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.answer("/busy", 503, headers={"Retry-After": value}, repeat=3)
    with HttpClient(**FAST, retries=3, max_retry_after=5) as client, \
            pytest.raises(FetchError, match=r"Retry-After.*5 s") as exc:
        client.get(server.url + "/busy")
    assert client_waits == []  # not waited for, not even the backoff
    assert "HTTP 503" in str(exc.value) and len(server.seen) == 1


def test_retry_after_values() -> None:
    now = 1_000_000_000.0
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30)
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds("", now) is None


def test_the_server_closing_early_is_a_truncation_not_a_hang(server) -> None:
    # a Content-Length larger than what comes, then the connection closes
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)

    def serve() -> None:
        conn, _ = sock.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html>")
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    with HttpClient(**FAST, retries=0) as client, pytest.raises(FetchError, match="truncated"):
        client.get(f"http://127.0.0.1:{sock.getsockname()[1]}/")
    sock.close()
