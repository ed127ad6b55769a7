"""Snapshot everything an ingest of a corpus stores, to show that a speed-up changed no output.

    .venv/bin/python benchmarks/ingest_snapshot.py --write before.json     # on the old code
    .venv/bin/python benchmarks/ingest_snapshot.py --compare before.json   # on the new code

Ingests the corpus (default: $PODIUM_SHARED/corpus/mfa) into an empty database with analysis and linking, as
``podium ingest`` does, then runs ``podium analyse`` (which mines the formulations and tags exchanges with them),
and records every row of every table, timestamps left out (columns ending in ``_at``, times inside ``meta``
values): the briefings, exchanges and turns, every annotation (clarity labels, fine labels, probabilities,
confidences, evidence; countries; formulations), the events and exchange links, the mined formulations.
``--compare`` prints, per table, the rows compared and the rows that differ (and, for annotations, how many differ
per kind and in which field), and exits 1 on any difference. Prints counts; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium import Podium  # noqa: E402

SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


def _tables(path: Path) -> dict[str, list[list]]:
    """Every row of every table (timestamps left out), sorted, keyed by table name."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, list[list]] = {}
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'sqlite_%' ORDER BY name")]
        for name in names:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if not r[1].endswith("_at")]
            if not cols:
                continue
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()
            if name == "meta":  # its values may hold the time something was done
                rows = [tuple(_TIME.sub("<time>", v) if isinstance(v, str) else v for v in r) for r in rows]
            out[name] = [cols] + sorted((list(r) for r in rows), key=lambda r: json.dumps(r, ensure_ascii=False))
        return out
    finally:
        conn.close()


def snapshot(corpus: Path, analyse: bool) -> dict[str, list[list]]:
    with tempfile.TemporaryDirectory(prefix="podium-snapshot-") as tmp:
        path = Path(tmp) / "snap.db"
        with Podium(path) as pod:
            pod.ingest([corpus])
            if analyse:
                pod.analyse()
        return _tables(path)


def _annotation_differences(before: list[list], now: list[list]) -> Counter:
    """(kind, field) -> rows of that kind whose field differs, matched by (exchange_id, kind)."""
    cols = before[0]
    key = (cols.index("exchange_id"), cols.index("kind"))
    old = {(r[key[0]], r[key[1]]): r for r in before[1:]}
    new = {(r[key[0]], r[key[1]]): r for r in now[1:]}
    found: Counter = Counter()
    for k in old.keys() | new.keys():
        if k not in old or k not in new:
            found[(k[1], "missing" if k not in new else "added")] += 1
            continue
        for i, c in enumerate(cols):
            if old[k][i] != new[k][i]:
                found[(k[1], c)] += 1
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "mfa")
    ap.add_argument("--write", type=Path, help="write the snapshot here")
    ap.add_argument("--compare", type=Path, help="compare with a snapshot written before")
    ap.add_argument("--no-analyse", action="store_true", help="skip `podium analyse` (formulations) after ingest")
    args = ap.parse_args()
    now = snapshot(args.corpus, not args.no_analyse)
    if args.write:
        args.write.write_text(json.dumps(now, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.write}: " + ", ".join(f"{k} ({len(v) - 1} rows)" for k, v in now.items()))
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        now = json.loads(json.dumps(now, ensure_ascii=False))  # the same JSON round trip as the written snapshot
        bad = 0
        for table in sorted(before.keys() | now.keys()):
            old, new = before.get(table, [[]]), now.get(table, [[]])
            differ = len({json.dumps(r) for r in old[1:]} ^ {json.dumps(r) for r in new[1:]})
            print(f"{table:16s} {len(old) - 1:7d} rows before, {len(new) - 1:7d} now, rows that differ "
                  f"(either side): {differ}{'' if old[0] == new[0] else '  (columns differ)'}")
            if table == "annotations" and differ and old[0] == new[0]:
                for (kind, field), n in sorted(_annotation_differences(old, new).items()):
                    print(f"    {kind}: {n} rows differ in {field}")
            bad += differ + (old[0] != new[0])
        print("identical: every row of every table" if not bad else f"{bad} differences")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
