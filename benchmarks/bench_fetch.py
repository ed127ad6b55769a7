"""Time `podium fetch` against a loopback server serving the shared MFA corpus at its original paths.

    .venv/bin/python benchmarks/bench_fetch.py [--corpus ../shared/corpus] [--lang en] [--rate-check 5]

Prints: a full fetch of the section's listing pages and transcripts (no rate limit, no analysis) in pages/s; a
second run (what a daily cron run costs when nothing is new); the same section fetched without a layout (what
detecting the layout costs, first run and next); today's site in both languages (the CONSTRUCTED pages of
tests/fixtures/fetch/today); a listing whose pages repeat for ever (requests spent before the walk stops); and
how closely the rate limiter keeps to a rate (gaps between request starts as the server saw them). Never reaches
the internet: the server is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium import Podium  # noqa: E402
from podium.sources.http import HttpClient  # noqa: E402

TODAY = ROOT / "tests" / "fixtures" / "fetch" / "today"
ZH_LIST = "/fyrbt_673021/jzhsl_673025/"


def serve(base: Path, tsv: Path) -> tuple[ThreadingHTTPServer, str, list[float]]:
    """Serve the files of an index.tsv (file, url) at their URLs' paths."""
    routes: dict[str, Path] = {}
    with open(tsv, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            routes[urlsplit(row["url"]).path] = base / row["file"]
    # a Chinese listing that never ends: /loop/...index_N.shtml is today's first listing page (no page count)
    first = re.sub(rb"<script>createPageHTML\([^)]*\);</script>", b"", (TODAY / "zh" / "index.shtml").read_bytes())
    seen: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

        def do_GET(self) -> None:  # noqa: N802
            seen.append(time.monotonic())
            path = urlsplit(self.path).path
            if path.startswith("/loop" + ZH_LIST):
                path = path[len("/loop"):]
                if re.fullmatch(ZH_LIST + r"index(?:_\d+)?\.shtml", path):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(first)))
                    self.end_headers()
                    self.wfile.write(first)
                    return
            file = routes.get(path)
            body = file.read_bytes() if file else b""
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if file and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200 if file else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--lang", default="en", choices=["en", "zh"])
    ap.add_argument("--rate-check", type=float, default=5.0, help="rate (requests/s) whose spacing is measured")
    args = ap.parse_args()
    server, url, seen = serve(args.corpus, args.corpus / "mfa" / "index.tsv")
    today_server, today_url, _ = serve(TODAY, TODAY / "index.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Podium(db) as pod:
            t0 = time.perf_counter()
            first = pod.fetch(lang=args.lang, layout="site2020", base_url=url, rate=0, analyse=False, retries=0)
            t1 = time.perf_counter()
            second = pod.fetch(lang=args.lang, layout="site2020", base_url=url, rate=0, analyse=False, retries=0)
            t2 = time.perf_counter()
        archive = Path(f"{db}.archive")
        size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
        print(f"first run : {first['added']} transcripts added, {len(first['failed'])} failed (404), "
              f"{first['listing_pages']} listing pages, {first['requests']} requests in {t1 - t0:.1f} s "
              f"= {first['requests'] / (t1 - t0):.0f} requests/s, {first['added'] / (t1 - t0):.0f} transcripts/s")
        print(f"second run: {second['added']} added, {second['requests']} requests "
              f"({second['listing_not_modified']} answered 304) in {t2 - t1:.2f} s; stopped: {second['stopped']}")
        print(f"archive   : {size / 1e6:.1f} MB in {archive}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "detect.db"
        with Podium(db) as pod:
            t0 = time.perf_counter()
            first = pod.fetch(lang=args.lang, base_url=url, rate=0, analyse=False, retries=0, since="2020-06-01")
            t1 = time.perf_counter()
            second = pod.fetch(lang=args.lang, base_url=url, rate=0, analyse=False, retries=0, since="2020-06-01")
        print(f"detected  : layout {first['layout']} ({args.lang}, transcripts since 2020-06-01): first run "
              f"{first['requests']} requests for {first['added']} transcripts in {t1 - t0:.2f} s (1 of them the "
              f"probe of today's layout); next run {second['requests']} requests (the layout found is tried first)")
    for lang in ("en", "zh"):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "today.db"
            with Podium(db) as pod:
                t0 = time.perf_counter()
                first = pod.fetch(lang=lang, base_url=today_url, rate=0, analyse=False, retries=0)
                t1 = time.perf_counter()
                second = pod.fetch(lang=lang, base_url=today_url, rate=0, analyse=False, retries=0)
            print(f"today {lang}  : layout {first['layout']} detected; {first['added']} transcripts added, "
                  f"{len(first['failed'])} failed, "
                  f"{first['requests']} requests in {t1 - t0:.2f} s (CONSTRUCTED pages, parse included); next run "
                  f"{second['added']} added in {second['requests']} requests")
    with tempfile.TemporaryDirectory() as tmp:
        with Podium(Path(tmp) / "loop.db") as pod:
            t0 = time.perf_counter()
            loop = pod.fetch(lang="zh", layout="today", base_url=today_url + "/loop", rate=0, analyse=False, retries=0,
                             since="2000-01-01")
            t1 = time.perf_counter()
        print(f"loop      : a listing whose every page is page 0, --since 2000-01-01: stopped after "
              f"{loop['listing_pages']} listing pages, {loop['requests']} requests ({loop['added']} transcripts "
              f"added), {t1 - t0:.2f} s: {loop['stopped']}")
    seen.clear()
    n = 11
    with HttpClient(rate=args.rate_check, respect_robots=False) as client:
        for _ in range(n):
            try:
                client.get(url + "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml")
            except Exception:  # noqa: BLE001 - only the spacing is measured
                pass
    gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    want = 1 / args.rate_check
    print(f"rate limit: {args.rate_check:g}/s -> wanted {want * 1000:.0f} ms between requests; measured "
          f"min {min(gaps) * 1000:.1f} ms, median {statistics.median(gaps) * 1000:.1f} ms, "
          f"max {max(gaps) * 1000:.1f} ms over {len(gaps)} gaps")
    server.shutdown()
    today_server.shutdown()


if __name__ == "__main__":
    main()
