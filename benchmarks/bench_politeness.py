"""How closely the HTTP client's waits hold on the real clock: exponential backoff, Retry-After (seconds and date)
and the rate limit, against a loopback server that records when each request arrives.

    .venv/bin/python benchmarks/bench_politeness.py [--rate 20] [--requests 10]

The tests assert what the client decides to wait (tests/conftest.py `client_waits`); this prints what the clock
saw: each gap between two arrivals at the server, in seconds, beside the wait asked for. Never reaches the
internet: the server is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import email.utils
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.sources.http import HttpClient  # noqa: E402


class Server:
    """Answers each path from a queue of (status, headers); the last answer repeats. Records arrival times."""

    def __init__(self) -> None:
        self.queue: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.seen: list[tuple[float, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.seen.append((time.monotonic(), self.path))
                answers = server.queue.get(self.path) or [(200, {})]
                status, headers = answers.pop(0) if len(answers) > 1 else answers[0]
                body = b"<html><body>ok</body></html>"
                self.send_response(status)
                for k, v in {"Content-Type": "text/html", "Content-Length": str(len(body)), **headers}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def gaps(self, path: str) -> list[float]:
        times = [t for t, p in self.seen if p == path]
        return [b - a for a, b in zip(times, times[1:], strict=False)]


def show(what: str, asked: list[float], gaps: list[float]) -> None:
    pairs = ", ".join(f"{a:.3f}->{g:.3f}" for a, g in zip(asked, gaps, strict=False))
    late = [g - a for a, g in zip(asked, gaps, strict=False)]
    print(f"{what}: {len(gaps)} gap(s), wait asked -> gap seen at the server (s): {pairs}; "
          f"largest overshoot {max(late):+.3f} s, smallest {min(late):+.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=20.0, help="requests a second for the rate-limit run")
    ap.add_argument("--requests", type=int, default=10, help="requests in the rate-limit run")
    args = ap.parse_args()
    s = Server()
    fast = {"rate": 0, "respect_robots": False}

    s.queue["/backoff"] = [(500, {})] * 3 + [(200, {})]
    with HttpClient(**fast, backoff=0.1, retries=3) as client:
        client.get(s.url + "/backoff")
    show("backoff 0.1 s doubling, 3 retries", [0.1, 0.2, 0.4], s.gaps("/backoff"))

    s.queue["/seconds"] = [(503, {"Retry-After": "1"}), (200, {})]
    with HttpClient(**fast, backoff=0.01) as client:
        client.get(s.url + "/seconds")
    show("Retry-After: 1", [1.0], s.gaps("/seconds"))

    when = time.time() + 2
    s.queue["/date"] = [(429, {"Retry-After": email.utils.formatdate(when, usegmt=True)}), (200, {})]
    with HttpClient(**fast, backoff=0.01) as client:
        asked = int(when) - time.time()  # the date has whole seconds
        client.get(s.url + "/date")
    show("Retry-After: a date 1-2 s ahead", [asked], s.gaps("/date"))

    with HttpClient(rate=args.rate, respect_robots=False) as client:
        for _ in range(args.requests):
            client.get(s.url + "/rate")
    interval = 1 / args.rate
    show(f"rate limit {args.rate:g}/s ({args.requests} requests)", [interval] * args.requests, s.gaps("/rate"))
    s.httpd.shutdown()


if __name__ == "__main__":
    main()
