"""Can expensive pages starve search? Many keep-alive connections on loopback hammer /outlets.json while others
search; prints latency percentiles per route, status counts, and the load average before and after.

    .venv/bin/python benchmarks/bench_web_starve.py [--db mfa.db] [--connections 200] [--outlets-share 0.5]
                                                    [--duration 60] [--server-workers 8]

Without --db it builds one from $PODIUM_SHARED/corpus/mfa (no analysis) in a temporary folder. The server is
``podium serve`` in its own process; the load comes from this process over plain asyncio sockets (HTTP/1.1
keep-alive, each connection in a closed loop: a request as soon as the last answer came). A connection either
only asks for /outlets.json or only searches (/search.json with facets, queries drawn from a fixed list).
The issue's bound: search p99 under 1 s and no 500 with 200 connections for 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PODIUM = Path(sys.executable).parent / "podium"
QUERIES = ['"South China Sea"', "Taiwan", "Huawei OR ZTE", "sanction*", "美方", "trade AND war", '"one China"',
           "Xinjiang AND (BBC OR CNN)", "tariffs", "Hong Kong -protest", "climate", "Japan", "vaccine", "WHO"]


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(port: int, kind: str, until: float, results: dict[str, list[tuple[float, int]]],
                      errors: Counter[str], rng: random.Random) -> None:
    reader = writer = None
    while time.monotonic() < until:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError as exc:
                errors[f"connect: {type(exc).__name__}"] += 1
                await asyncio.sleep(0.1)
                continue
        path = "/outlets.json" if kind == "outlets" else \
            f"/search.json?q={quote(rng.choice(QUERIES))}&per_page=20"
        started = time.monotonic()
        try:
            status = await _request(reader, writer, path)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            errors[f"{kind}: {type(exc).__name__}"] += 1
            writer.close()
            reader = writer = None
            continue
        results[kind].append((time.monotonic() - started, status))
    if writer is not None:
        writer.close()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def _load(port: int, connections: int, outlets: int, duration: float, seed: int):
    results: dict[str, list[tuple[float, int]]] = defaultdict(list)
    errors: Counter[str] = Counter()
    until = time.monotonic() + duration
    rng = random.Random(seed)
    tasks = [_connection(port, "outlets" if i < outlets else "search", until, results, errors,
                         random.Random(rng.random())) for i in range(connections)]
    await asyncio.gather(*tasks)
    return results, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--outlets-share", type=float, default=0.5, help="share of connections asking /outlets.json")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--server-workers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    tmp = None
    db = args.db
    if db is None:
        shared = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
        tmp = tempfile.TemporaryDirectory(prefix="podium-starve-")
        db = Path(tmp.name) / "mfa.db"
        print(f"building {db} from {shared / 'corpus' / 'mfa'} (no analysis) ...", flush=True)
        subprocess.run([str(PODIUM), "ingest", str(shared / "corpus" / "mfa"), "--db", str(db), "--no-analyse",
                        "--no-progress", "-q"], check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([str(PODIUM), "serve", "--db", str(db), "--port", str(port), "--log-level", "error",
                               "--threads", str(args.server_workers)], stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        outlets = round(args.connections * args.outlets_share)
        load_before = os.getloadavg()
        print(f"cores: {os.cpu_count()}; load average before (1/5/15 min): "
              + " / ".join(f"{x:.2f}" for x in load_before), flush=True)
        print(f"{args.connections} connections for {args.duration:g} s: {outlets} on /outlets.json, "
              f"{args.connections - outlets} searching (/search.json, facets, {len(QUERIES)} queries); "
              f"server: podium serve, {args.server_workers} worker threads", flush=True)
        t0 = time.monotonic()
        results, errors = asyncio.run(_load(port, args.connections, outlets, args.duration, args.seed))
        elapsed = time.monotonic() - t0
        load_after = os.getloadavg()
    finally:
        server.terminate()
        try:
            _, err = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
        if tmp is not None:
            tmp.cleanup()
    for kind in ("search", "outlets"):
        rows = results.get(kind, [])
        lat = [t for t, _ in rows]
        statuses = Counter(s for _, s in rows)
        print(f"{kind:8} {len(rows):7,} responses ({len(rows) / elapsed:6.1f}/s); latency p50 {_pct(lat, 50):.3f} s,"
              f" p95 {_pct(lat, 95):.3f} s, p99 {_pct(lat, 99):.3f} s, max {max(lat, default=float('nan')):.3f} s;"
              f" statuses " + ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items())))
    n500 = sum(1 for rows in results.values() for _, s in rows if s >= 500 and s != 503)
    n503 = sum(1 for rows in results.values() for _, s in rows if s == 503)
    print(f"5xx other than 503: {n500}; 503 (over the server's time limit): {n503}; client-side errors: "
          + (", ".join(f"{k} x{v}" for k, v in errors.items()) or "none"))
    print("load average after (1/5/15 min): " + " / ".join(f"{x:.2f}" for x in load_after))
    tail = err.decode(errors="replace").strip().splitlines()[-5:]
    if tail:
        print("server stderr (last lines):\n  " + "\n  ".join(tail))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
