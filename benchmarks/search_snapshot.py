"""Snapshot what a set of searches finds, to show that a change of the index or the query compiler changed no
result (or to measure what it changed).

    PODIUM_SRC=../old/src .venv/bin/python benchmarks/search_snapshot.py --write before.json   # the old code
    .venv/bin/python benchmarks/search_snapshot.py --compare before.json                      # this code

Ingests the corpus (default: $PODIUM_SHARED/corpus/mfa, both languages, no analysis) into an empty database, or
uses --db, and runs each query: 200 English phrase, word and AND queries drawn from the corpus's own text (seeded,
as ``bench_search.py`` draws them), then Chinese words, single characters, prefixes, words mixed with Latin letters
and digits, NOT, and the stems whose forms do not all start alike. For each query it records the exchanges found
(as series, language, date and exchange number, so that two databases compare) and the top 10 in rank order.
``--compare`` prints how many queries find the same exchanges, lists those that do not (with the counts), and
the mean overlap of the top 10; it exits 1 when any set of exchanges differs. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, os.environ.get("PODIUM_SRC", str(ROOT / "src")))  # another checkout's src: the old code

from podium import Podium  # noqa: E402, I001  (first: bench_search puts this checkout's src on the path)
from bench_search import make_queries  # noqa: E402

SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))

EDGES = ["美方", "台湾", "一带一路", "中美关系", '"中美 关系"', "美", "国", "蓬*", "2019年", "年12", "G20峰会",
         '"习近平 主席"', "新冠肺炎疫情", "Huawei OR 华为", "-Taiwan 台湾", "relations", "tariffs", "sanction*",
         '"one China"', "dying", "vying", "die", "Zürich", "naïve", "5G", "COVID-19", "a"]


def snapshot(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    texts = [q + "\n" + a for q, a in conn.execute(
        "SELECT e.question, e.answer FROM exchanges e JOIN briefings b ON b.id = e.briefing_id WHERE b.lang = 'en'")]
    conn.close()
    queries = [q for _, q, _ in make_queries(texts, 200, seed=3)] + EDGES
    out: dict[str, dict] = {}
    import podium

    print(f"podium from {Path(podium.__file__).parent}", flush=True)
    with Podium(db, create=False) as pod:
        for q in dict.fromkeys(queries):
            hits = pod.search(q, limit=1_000_000)["hits"]
            keys = [f"{h['series']}|{h['lang']}|{h['date']}#{h['n']}" for h in hits]
            out[q] = {"found": sorted(keys), "top10": keys[:10]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the snapshot here")
    group.add_argument("--compare", type=Path, help="compare with this snapshot")
    ap.add_argument("--db", type=Path, help="search this database instead of ingesting the corpus")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "mfa")
    args = ap.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp(prefix="podium-search-snapshot-")) / "snapshot.db"
        with Podium(db) as pod:
            pod.ingest([args.corpus], analyse=False)
    snap = snapshot(db)
    if args.write:
        args.write.write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
        print(f"{len(snap)} queries, {sum(len(v['found']) for v in snap.values()):,} hits -> {args.write}")
        return
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    common = [q for q in snap if q in before]
    differ = [q for q in common if snap[q]["found"] != before[q]["found"]]
    overlap = [len(set(snap[q]["top10"]) & set(before[q]["top10"])) / len(before[q]["top10"])
               for q in common if before[q]["top10"]]
    same_order = sum(snap[q]["top10"] == before[q]["top10"] for q in common)
    print(f"{len(common)} queries compared: {len(common) - len(differ)} find the same exchanges, {len(differ)} do not")
    for q in differ:
        print(f"  {q!r}: {len(before[q]['found']):,} before, {len(snap[q]['found']):,} now")
    print(f"top 10 in the same order for {same_order} of {len(common)} queries; mean top-10 overlap "
          f"{sum(overlap) / max(1, len(overlap)):.2f} (over {len(overlap)} queries with hits)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
