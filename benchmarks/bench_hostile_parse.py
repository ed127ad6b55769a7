"""Parse cost of hostile pages: does it grow with the page, not faster? Prints seconds per page (start-up excluded).

    .venv/bin/python benchmarks/bench_hostile_parse.py [--pairs 10000 30000] [--divs 100000] [--mb 30]

Each figure is the fastest of --repeat parses. Pages are generated here (nothing committed): an MFA English page in
the 2023 text layout with N question/answer pairs ("Q: ...?" / "A: ..."; ~34 bytes a pair), the same layout as
HTML with one paragraph buried in N nested ``<div>``, and a real MFA page whose transcript is repeated until it
weighs M megabytes. Linear parsing costs x3 for 30,000 pairs against 10,000; the issue's bound is ~x4.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.errors import PodiumError  # noqa: E402
from podium.parse import formats, parse_bytes  # noqa: E402

TITLE = "Foreign Ministry Spokesperson Hua Chunying's Regular Press Conference on March 4, 2019"


def qa_page(pairs: int) -> bytes:
    """A text-layout page of ``pairs`` short exchanges."""
    lines = [TITLE, "2019-03-04 15:30"]
    for i in range(pairs):
        lines.append(f"Q: Question {i}?")
        lines.append(f"A: Answer {i}.")
    return ("\n".join(lines) + "\n").encode()


def nested_divs(depth: int) -> bytes:
    """An HTML page in today's layout whose one transcript paragraph pair sits under ``depth`` nested divs."""
    return (f"<!DOCTYPE html><html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            + "<div>" * depth + "<p>Q: Is this deep?</p><p>A: Very.</p>" + "</div>" * depth
            + "</body></html>").encode()


def repeated_page(megabytes: float, corpus: Path) -> bytes | None:
    """A real MFA 2018-2020 page whose body paragraphs are repeated up to ``megabytes`` MB (same head and foot)."""
    page = corpus / "mfa" / "en" / "t1558711.html"
    if not page.exists():
        return None
    raw = page.read_bytes()
    low = raw.lower()
    start, end = low.find(b"<p"), low.rfind(b"</p>")
    if start < 0 or end < 0:
        return None
    body = raw[start:end + 4]
    times = max(1, int(megabytes * 1e6 / len(body)))
    return raw[:start] + body * times + raw[end + 4:]


def timed(data: bytes, name: str, repeat: int = 1) -> tuple[float, str]:
    """The fastest of ``repeat`` parses (the others lost time to the machine, not to the parser)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            b = parse_bytes(data, name)
            what = f"{len(b.exchanges):,} exchanges ({b.format})"
        except PodiumError as exc:
            what = f"refused: {exc}"
        best = min(best, time.perf_counter() - t0)
    return best, what


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, nargs="+", default=[10_000, 30_000])
    ap.add_argument("--divs", type=int, default=100_000)
    ap.add_argument("--mb", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=3, help="parses per page; the fastest is printed")
    ap.add_argument("--corpus", type=Path,
                    default=Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared")) / "corpus")
    args = ap.parse_args(argv)
    formats()  # import the parsers outside the timings
    timings: dict[int, float] = {}
    for n in args.pairs:
        data = qa_page(n)
        secs, what = timed(data, f"<{n} pairs>", args.repeat)
        timings[n] = secs
        print(f"Q/A page, {n:,} pairs, {len(data) / 1e6:.2f} MB: {secs:.2f} s wall (best of {args.repeat}), {what}")
    if len(timings) >= 2:
        lo, hi = min(timings), max(timings)
        print(f"ratio {hi:,} pairs / {lo:,} pairs: x{timings[hi] / timings[lo]:.1f} (linear: x{hi / lo:.1f})")
    data = nested_divs(args.divs)
    secs, what = timed(data, f"<{args.divs} divs>")
    print(f"{args.divs:,} nested <div>, {len(data) / 1e6:.2f} MB: {secs:.2f} s wall, {what}")
    data = repeated_page(args.mb, args.corpus)
    if data is None:
        print("repeated page: skipped (no t1558711.html under --corpus)")
    else:
        secs, what = timed(data, f"<repeated {args.mb} MB>")
        print(f"MFA page t1558711 repeated to {len(data) / 1e6:.1f} MB: {secs:.2f} s wall, {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
