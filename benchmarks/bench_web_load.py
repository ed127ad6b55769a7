"""Load benchmark of the web search API: `podium serve` on the full shared MFA corpus in its own process, driven
over loopback from this process by N concurrent keep-alive connections (httpx, asyncio) for a fixed time.

    .venv/bin/python benchmarks/bench_web_load.py                 # builds the database in a temp dir first
    .venv/bin/python benchmarks/bench_web_load.py --db mfa.db --connections 32 --seconds 30 --workers 2
    .venv/bin/python benchmarks/bench_web_load.py --db mfa.db --distinct   # (almost) every request a new one

Prints requests/s, latency percentiles and errors (any non-200 answer or failed request), with the load average
of the machine before and after. It measures; it does not assert. The client shares the machine with the server:
on a 2-core box both compete for CPU.

The default mix repeats: 35 queries x 8 filter sets = 280 distinct requests, as a crowd asking the popular
searches would; the server answers a repeat from its cache (one per worker process). ``--distinct`` adds a
page size (10-30) and page (1-5) drawn at random to each request, so that nearly every request is computed:
the figure for searches nobody asked before.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))

#: Real queries of the kinds people type: words, phrases, boolean, prefixes, Chinese; some with filters.
QUERIES = [
    "Taiwan", "Huawei", '"shared future"', '"one China"', "Xinjiang", "Hong Kong", "sanction*", "tariff*",
    "trade AND war", "Huawei OR ZTE", '"internal affairs"', "Korean Peninsula", "WHO", "coronavirus", "Pompeo",
    '"win-win cooperation"', "Belt AND Road", "South China Sea", "Japan NOT Abe", "visa*", "Canada AND Meng",
    '"hegemonic and bullying"', "India AND border", "Australia", "vaccine*", "美方", "台湾", "香港", "一带一路",
    "(Huawei OR ZTE) AND 5G", "Dalai Lama", "Iran AND nuclear", "Venezuela", "Africa", "Russia AND Ukraine",
]
FILTERS = [{}, {}, {}, {"lang": "en"}, {"sort": "date"}, {"outlet_type": "foreign media"}, {"from": "2019-01-01"},
           {"page": "2"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_db(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from podium import Podium

    db = folder / "mfa.db"
    t = time.perf_counter()
    with Podium(db) as pod:
        report = pod.ingest([SHARED / "corpus" / "mfa"], analyse=True)
    print(f"built {db}: {report.count('added')} briefings in {time.perf_counter() - t:.1f} s", flush=True)
    return db


def start_server(db: Path, port: int, log: Path, workers: int, threads: int) -> subprocess.Popen:
    podium = Path(sys.executable).with_name("podium")
    cmd = [str(podium), "serve", "--db", str(db), "--port", str(port), "--log-level", "warning",
           "--workers", str(workers), "--threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"podium serve exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/index.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("podium serve did not answer within 60 s")


async def drive(base: str, connections: int, seconds: float, warmup: float, distinct: bool = False) -> dict:
    rng = random.Random(7)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = [0]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        measure_from = start + warmup
        stop = measure_from + seconds

        async def worker() -> None:
            while True:
                now = time.perf_counter()
                if now >= stop:
                    return
                params = {"q": rng.choice(QUERIES), **rng.choice(FILTERS)}
                sent[0] += 1
                if distinct:
                    params.update(per_page=str(rng.randint(10, 30)), page=str(rng.randint(1, 5)))
                t = time.perf_counter()
                try:
                    r = await client.get("/search.json", params=params)
                    ok, kind = r.status_code == 200, f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, kind = False, type(exc).__name__
                end = time.perf_counter()
                if t >= measure_from and end <= stop:
                    if ok:
                        latencies.append(end - t)
                    else:
                        errors[kind] = errors.get(kind, 0) + 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return {"latencies": latencies, "errors": errors, "seconds": seconds, "sent": sent[0]}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live children (the worker processes), from /proc; 0 where
    /proc cannot tell."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def client_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class RawConnection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: GET, read status, headers and the body (by
    Content-Length, or chunked). A load client that costs a fraction of httpx's CPU per request, for a machine
    where client and server share the cores (``--client raw``); it accepts gzip and does not decompress (the
    bytes are counted, not read)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept-Encoding: gzip\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive_raw(base: str, connections: int, seconds: float, warmup: float, distinct: bool = False) -> dict:
    """As ``drive``, on ``RawConnection``s."""
    from urllib.parse import urlencode, urlsplit

    rng = random.Random(7)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = [0]
    url = urlsplit(base)
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    async def worker() -> None:
        conn = RawConnection(url.hostname or "127.0.0.1", url.port or 80)
        try:
            while time.perf_counter() < stop:
                params = {"q": rng.choice(QUERIES), **rng.choice(FILTERS)}
                sent[0] += 1
                if distinct:
                    params.update(per_page=str(rng.randint(10, 30)), page=str(rng.randint(1, 5)))
                t = time.perf_counter()
                try:
                    status = await asyncio.wait_for(conn.get("/search.json?" + urlencode(params)), 30)
                    ok, kind = status == 200, f"HTTP {status}"
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                        ValueError) as exc:
                    ok, kind = False, type(exc).__name__
                    conn.close()
                    conn = RawConnection(url.hostname or "127.0.0.1", url.port or 80)
                end = time.perf_counter()
                if t >= measure_from and end <= stop:
                    if ok:
                        latencies.append(end - t)
                    else:
                        errors[kind] = errors.get(kind, 0) + 1
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return {"latencies": latencies, "errors": errors, "seconds": seconds, "sent": sent[0]}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="an existing podium database (default: build one from the shared MFA "
                                           "corpus in a temporary folder)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--workers", type=int, default=1, help="server processes (podium serve --workers)")
    ap.add_argument("--threads", type=int, default=8, help="threads per server process (podium serve --threads)")
    ap.add_argument("--distinct", action="store_true", help="a random page size and page on every request")
    ap.add_argument("--client", choices=["httpx", "raw"], default="httpx",
                    help="httpx.AsyncClient (default), or a bare asyncio HTTP/1.1 client that leaves more of the "
                         "shared cores to the server")
    ap.add_argument("--url", help="drive a server already running there (e.g. another version of podium, for a "
                                  "side-by-side figure) instead of starting one; its CPU is then not measured")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        db = args.db or build_db(Path(tmp))
        log = Path(tmp) / "server.log"
        server = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_server(db, port, log, args.workers, args.threads)
        load_before = os.getloadavg()
        cpu_before = (cpu_seconds(server.pid) if server else 0.0, client_cpu())
        try:
            driver = drive_raw if args.client == "raw" else drive
            res = asyncio.run(driver(base, args.connections, args.seconds, args.warmup, args.distinct))
            load_after = os.getloadavg()
            cpu_used = ((cpu_seconds(server.pid) - cpu_before[0]) if server else None,
                        client_cpu() - cpu_before[1])
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
        server_log = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    lat = res["latencies"]
    n_err = sum(res["errors"].values())
    print(f"\nsearch API load: {args.connections} connections, {args.seconds:g} s (after {args.warmup:g} s warm-up), "
          f"{len(QUERIES)} real queries x {len(FILTERS)} filter sets"
          + (" x random page size and page (--distinct)" if args.distinct else "")
          + f", {args.client} client"
          + (f", server at {args.url}" if args.url else
             f", server ({args.workers} process(es) x {args.threads} threads)") + " and client on loopback, "
          f"{os.cpu_count()} CPUs")
    print("  load average  before " + " / ".join(f"{x:.2f}" for x in load_before)
          + "   after " + " / ".join(f"{x:.2f}" for x in load_after) + "  (1 / 5 / 15 min)")
    print(f"  requests ok   {len(lat):8d}")
    print(f"  requests/s    {len(lat) / res['seconds']:8.1f}")
    if lat:
        print(f"  latency p50   {1000 * statistics.median(lat):8.1f} ms")
        print(f"  latency p90   {1000 * pct(lat, 90):8.1f} ms")
        print(f"  latency p99   {1000 * pct(lat, 99):8.1f} ms")
        print(f"  latency max   {1000 * max(lat):8.1f} ms")
    print(f"  errors        {n_err:8d}" + (f"  {res['errors']}" if n_err else ""))
    sent = res["sent"]
    if sent:
        server_ms = "not measured" if cpu_used[0] is None else f"{1000 * cpu_used[0] / sent:.2f} ms"
        print(f"  CPU per request, warm-up included ({sent} requests): server {server_ms}, "
              f"client {1000 * cpu_used[1] / sent:.2f} ms")
    noise = [line for line in server_log if "serving" not in line]
    if noise:
        print("server log (last lines):\n  " + "\n  ".join(noise[-15:]))


if __name__ == "__main__":
    main()
