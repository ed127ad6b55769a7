"""How good podium's ranking is: judged relevance of the top 10 for topical queries on the MFA corpus, in English
(36 queries) and in Chinese (30).

    .venv/bin/python benchmarks/eval_search.py [--db DB] [--write run.json] [--against run.json] [-v]
    PODIUM_SRC=../old/src .venv/bin/python benchmarks/eval_search.py --write old.json   # another checkout's ranking

The judgments (benchmarks/data/search_relevance.json, with how they were made and their limits) grade the
exchanges that earlier rankings put in their top 10: 2 substantially about the query's need, 1 in part, 0 not.
Each query runs as a user types it (unquoted words, the exchanges of the query's language only, top 10 by
relevance) over --db, or over the whole shared MFA corpus ingested afresh. Printed per language, per query and on
average over the queries with a relevant exchange: nDCG@10 (gain 2^grade - 1, ideal order from all of the query's
judged exchanges; an unjudged exchange counts 0) and P@10 (share of the top 10 graded 1 or 2), with the top-10
places held by unjudged exchanges: a ranking that brings many needs new judgments before its figure means anything.
``--against`` compares with a run written by ``--write`` (another checkout's, or another ranking's): the mean paired
difference in nDCG@10 with a bootstrap 95% interval over queries. Asserts nothing (tests/test_search.py holds a floor).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("PODIUM_SRC", str(ROOT / "src")))  # another checkout's src: the old code

JUDGMENTS = ROOT / "benchmarks" / "data" / "search_relevance.json"
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))


@functools.cache
def load() -> list[dict]:
    """The judged queries (read once)."""
    return json.loads(JUDGMENTS.read_text(encoding="utf-8"))["queries"]


def dates(lang: str) -> str:
    """The dates of the judged exchanges of one language, first..last."""
    days = sorted(k.split("|")[2].split("#")[0] for q in load() if q["lang"] == lang for k in q["grades"])
    return f"{days[0]}..{days[-1]}"


def key(hit) -> str:
    """An exchange as the judgments name it: series|lang|date#n (stable across ingests)."""
    return f"{hit['series']}|{hit['lang']}|{hit['date']}#{hit['n']}"


def run(pod) -> dict[str, list[str]]:
    """Each judged query's top 10, as keys (the exchanges of its language, ranked by relevance)."""
    return {q["query"]: [key(h) for h in pod.search(q["query"], lang=q["lang"], limit=10)["hits"]] for q in load()}


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float | None:
    """nDCG@k with gain 2^grade - 1; None when the query has no relevant judged exchange."""
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    if not idcg:
        return None
    return sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k])) / idcg


def score(tops: dict[str, list[str]]) -> dict[str, dict]:
    """Per query: its language, nDCG@10, P@10 and the unjudged places of its top 10 (queries without a relevant
    exchange left out)."""
    out = {}
    for q in load():
        if q["query"] not in tops:
            continue
        top, grades = tops[q["query"]][:10], q["grades"]
        n = ndcg(top, grades)
        if n is None:
            continue
        out[q["query"]] = {"lang": q["lang"], "ndcg": n,
                           "p10": sum(grades.get(d, 0) >= 1 for d in top) / max(1, len(top)),
                           "unjudged": sum(d not in grades for d in top), "places": len(top)}
    return out


def summary(scores: dict[str, dict], lang: str | None = None) -> dict[str, float]:
    """Means over the queries (of one language when given)."""
    scores = {q: s for q, s in scores.items() if lang is None or s["lang"] == lang}
    n = len(scores)
    return {"queries": n, "ndcg": sum(s["ndcg"] for s in scores.values()) / n,
            "p10": sum(s["p10"] for s in scores.values()) / n,
            "unjudged": sum(s["unjudged"] for s in scores.values()),
            "places": sum(s["places"] for s in scores.values())}


def agreement(lang: str) -> dict[str, float]:
    """How two assessors agreed on the queries graded twice (exact, Cohen's kappa, relevant-or-not)."""
    pairs = [(q["grades"][k], g) for q in load() if "second" in q and q["lang"] == lang for k, g in q["second"].items()]
    exact = sum(a == b for a, b in pairs) / len(pairs)
    chance = sum(sum(a == x for a, _ in pairs) * sum(b == x for _, b in pairs) for x in (0, 1, 2)) / len(pairs) ** 2
    return {"exchanges": len(pairs), "exact": exact, "kappa": (exact - chance) / (1 - chance),
            "binary": sum((a > 0) == (b > 0) for a, b in pairs) / len(pairs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="search this database instead of ingesting the shared MFA corpus")
    ap.add_argument("--write", type=Path, help="write this run's top 10s here")
    ap.add_argument("--against", type=Path, help="compare with a run written by --write")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each query's figures")
    args = ap.parse_args()
    from podium import Podium

    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp(prefix="podium-eval-search-")) / "mfa.db"
        with Podium(db) as pod:
            pod.ingest([SHARED / "corpus" / "mfa"], analyse=False)
    with Podium(db, create=False) as pod:
        tops = run(pod)
    if args.write:
        args.write.write_text(json.dumps(tops, ensure_ascii=False, indent=0), encoding="utf-8")
    scores = score(tops)
    other = score(json.loads(args.against.read_text(encoding="utf-8"))) if args.against else None
    for lang, name in (("en", "English"), ("zh", "Chinese")):
        s, a = summary(scores, lang), agreement(lang)
        print(f"judged relevance of the top 10, {name} exchanges of {db.name}: {s['queries']} queries with a relevant "
              f"exchange (of {sum(q['lang'] == lang for q in load())}); judged exchanges dated {dates(lang)}")
        print(f"  nDCG@10 {s['ndcg']:.3f}   P@10 {s['p10']:.3f}   unjudged {s['unjudged']} of {s['places']} "
              "top-10 places")
        print(f"  assessors agreed on {a['exchanges']} exchanges graded twice: exact {a['exact']:.2f}, "
              f"kappa {a['kappa']:.2f}, relevant-or-not {a['binary']:.2f}")
        if args.verbose:
            for q, x in scores.items():
                if x["lang"] == lang:
                    print(f"  {q:32} nDCG@10 {x['ndcg']:.2f}  P@10 {x['p10']:.2f}  unjudged {x['unjudged']}")
        if other is not None:
            common = [q for q in scores if q in other and scores[q]["lang"] == lang]
            diff = [scores[q]["ndcg"] - other[q]["ndcg"] for q in common]
            rnd = random.Random(1)
            boots = sorted(sum(rnd.choice(diff) for _ in diff) / len(diff) for _ in range(5000))
            print(f"  this run - {args.against.name}: nDCG@10 {summary(other, lang)['ndcg']:.3f} -> {s['ndcg']:.3f}, "
                  f"mean paired difference {sum(diff) / len(diff):+.3f} (95% bootstrap interval {boots[125]:+.3f} .. "
                  f"{boots[4874]:+.3f}) over {len(common)} queries; better on {sum(d > 1e-9 for d in diff)}, worse "
                  f"on {sum(d < -1e-9 for d in diff)}")
        print()


if __name__ == "__main__":
    main()
