"""Score podium.analysis.align against the hand-aligned press conferences in tests/fixtures/alignment.

Prints link precision, recall and F1 for exchanges and for openings, for the aligner and for a baseline that links
exchanges (and openings) by position only; then the time to align every English/Chinese pair of regular press
conferences of the shared corpus that share a date, and the overall scores of same-date pairs against pairs of
consecutive dates (what tells versions of one event from two events).

A link is counted as pairs (English exchange n, Chinese exchange n): a 2:1 link is two pairs, so a merge found as
one 1:1 link scores one pair right and one missed.

    PODIUM_SHARED=../shared python benchmarks/eval_alignment.py [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from podium.analysis.align import METHOD, VERSION, align
from podium.analysis.metrics import scores
from podium.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "alignment"
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def gold_cases() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("*.json"))]


def gold_pairs(case: dict) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    links = {(a, b) for link in case["links"] for a in link["en"] for b in link["zh"]}
    openings = {(o["en"], o["zh"]) for o in case["openings"]}
    return links, openings


def predicted_pairs(al) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:  # noqa: ANN001
    return {(a, b) for link in al.links for a in link.a for b in link.b}, set(al.openings)


def baseline_pairs(en, zh) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:  # noqa: ANN001
    links = {(x.n, y.n) for x, y in zip(en.exchanges, zh.exchanges, strict=False)}
    openings = {(i, i) for i in range(min(len(en.openings), len(zh.openings)))}
    return links, openings


def corpus_pairs() -> list[tuple[str, Path, Path]]:
    """(date, English file, Chinese file) of the regular press conferences of the shared corpus with both versions
    (the first file of each language when a date has several)."""
    by_date: dict[str, dict[str, Path]] = {}
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["subtype"] == "regular-press-conference":
                by_date.setdefault(row["date"], {}).setdefault(row["lang"], CORPUS / row["file"])
    return [(d, v["en"], v["zh"]) for d, v in sorted(by_date.items()) if "en" in v and "zh" in v]


def score_split(split: str, cases: list[dict], verbose: bool) -> None:
    """Print precision, recall and F1 of the aligner and of the baseline on some hand-aligned press conferences."""
    totals = {k: [0, 0, 0] for k in ("links", "openings", "base_links", "base_openings")}
    n_links = 0
    for case in cases:
        en = parse_file(CORPUS / case["en_file"])
        zh = parse_file(CORPUS / case["zh_file"])
        g_links, g_open = gold_pairs(case)
        n_links += len(case["links"])
        al = align(en, zh)
        for key, (pred_links, pred_open) in (("", predicted_pairs(al)), ("base_", baseline_pairs(en, zh))):
            for name, pred, gold in (("links", pred_links, g_links), ("openings", pred_open, g_open)):
                t = totals[key + name]
                t[0] += len(pred & gold)
                t[1] += len(pred)
                t[2] += len(gold)
                if verbose and not key and pred != gold:
                    print(f"  {case['date']} {name}: wrong {sorted(pred - gold)} missed {sorted(gold - pred)}")
    dates = sorted(c["date"] for c in cases)
    print(f"Hand-aligned set, {split}: {len(cases)} press conferences (EN/ZH pairs, {dates[0]} .. {dates[-1]}), "
          f"{n_links} exchange links, {sum(len(c['openings']) for c in cases)} opening links; "
          f"aligner {METHOD} v{VERSION}")
    for label, key in (("aligner", ""), ("baseline (position only)", "base_")):
        for name in ("links", "openings"):
            tp, n_pred, n_gold = totals[key + name]
            sc = scores(tp, n_pred - tp, n_gold - tp)  # an empty denominator gives 0.0
            unit = "exchange pairs" if name == "links" else "opening pairs"
            print(f"  {label:26s} {unit:15s} precision {sc.precision:.3f}  recall {sc.recall:.3f}  F1 {sc.f1:.3f}  "
                  f"({tp} right of {n_pred} predicted, {n_gold} in the gold set)")


def stress(cases: list[dict]) -> None:
    """The gold pairs edited: every 4th Chinese exchange dropped (its English counterparts must come out in
    only_a, the rest still linked), and two neighbouring Chinese exchanges swapped (both still linked)."""
    dropped_found = dropped = kept_right = kept = swapped_right = swapped = 0
    for case in cases:
        en = parse_file(CORPUS / case["en_file"])
        zh = parse_file(CORPUS / case["zh_file"])
        g_links, _ = gold_pairs(case)
        gone = {e.n for e in zh.exchanges[3::4]}
        al = align(en, replace(zh, exchanges=tuple(e for e in zh.exchanges if e.n not in gone)))
        pred, _ = predicted_pairs(al)
        for a, b in g_links:
            if b in gone:
                if not any(x == a for x, y in g_links if y not in gone):  # a has no other counterpart left
                    dropped += 1
                    dropped_found += a in al.only_a
            else:
                kept += 1
                kept_right += (a, b) in pred
        if len(zh.exchanges) >= 4:
            k = len(zh.exchanges) // 2
            order = list(zh.exchanges)
            order[k - 1], order[k] = order[k], order[k - 1]
            pred, _ = predicted_pairs(align(en, replace(zh, exchanges=tuple(order))))
            for a, b in g_links:
                if b in (order[k - 1].n, order[k].n):
                    swapped += 1
                    swapped_right += (a, b) in pred
    print(f"Stress on the {len(cases)} hand-aligned pairs: every 4th Chinese exchange dropped: "
          f"{dropped_found}/{dropped} English counterparts reported in only_a, {kept_right}/{kept} remaining links "
          f"kept; two neighbouring Chinese exchanges swapped: {swapped_right}/{swapped} of their links found")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="print every wrong or missed link")
    args = ap.parse_args()

    cases = gold_cases()
    for split in ("development", "held-out", "all"):
        chosen = [c for c in cases if split in ("all", c.get("split", "development"))]
        if chosen:
            score_split(split, chosen, args.verbose and split == "all")
    stress(cases)

    pairs = corpus_pairs()
    parsed = []
    for d, fe, fz in pairs:
        try:
            parsed.append((d, parse_file(fe), parse_file(fz)))
        except Exception as exc:  # noqa: BLE001 - a page that fails to parse is reported, not fatal
            print(f"  skipped {d}: {exc}", file=sys.stderr)
    t0, c0 = time.perf_counter(), time.process_time()
    same = [align(en, zh).score for _, en, zh in parsed]
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    other = [align(parsed[k][1], parsed[k + 1][2]).score for k in range(len(parsed) - 1)]
    print(f"Corpus: {len(parsed)} EN/ZH pairs of regular press conferences with the same date "
          f"({parsed[0][0]} .. {parsed[-1][0]}): aligned in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
          f"({1000 * elapsed / len(parsed):.1f} ms per pair, parsing excluded)")

    def q(xs: list[float], k: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(k * len(xs)))]

    print(f"  overall score, same date (n={len(same)}): min {min(same):.3f}, 5th percentile {q(same, 0.05):.3f}, "
          f"median {statistics.median(same):.3f}")
    print(f"  overall score, English of one date vs Chinese of the next (n={len(other)}): median "
          f"{statistics.median(other):.3f}, 95th percentile {q(other, 0.95):.3f}, max {max(other):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
