"""Mine the official formulations of the whole shared MFA corpus and print timings and the top phrases.

    .venv/bin/python benchmarks/bench_formulations.py [--corpus ../shared/corpus] [--top 25]
    .venv/bin/python benchmarks/bench_formulations.py --db DB   # a podium database's briefings: time and memory
    PODIUM_SRC=../old/src .venv/bin/python benchmarks/bench_formulations.py --db DB   # another checkout's code
    .venv/bin/python benchmarks/bench_formulations.py --build-background   # rebuild the shipped White House table

With --db (e.g. the resampled databases that ``bench_search.py --workdir`` keeps) it mines every stored briefing
as ``podium analyse`` does and prints the time, the Chinese characters counted and the process's peak resident
memory (Linux), time and memory including the reading of the briefings.

Parsing is timed apart from mining; mining is the whole of ``podium.analysis.formulations.mine`` (n-gram
counting, cohesion, maximal-phrase merging and the per-briefing scan for first/last use and monthly use).
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("PODIUM_SRC", str(ROOT / "src")))  # PODIUM_SRC: another checkout

from podium.analysis.formulations import BACKGROUND_EN, build_background, mine  # noqa: E402
from podium.errors import PodiumError  # noqa: E402
from podium.parse import parse_file  # noqa: E402

EVALUATION = ROOT / "tests" / "fixtures" / "formulations" / "evaluation.json"
PROBES = ["community with a shared future for mankind", "inalienable part of China's territory", "bullying",
          "人类命运共同体", "不可分割的一部分", "霸凌"]


def write_background(corpus: Path) -> None:
    """Count the White House briefings' words and n-grams (all their text: questions too, it is general political
    English) and write the compact table the English miner contrasts MFA phrases with."""
    import gzip

    from selectolax.lexbor import LexborHTMLParser

    t = time.perf_counter()
    pages = sorted((corpus / "whitehouse").glob("*/*.html"))
    texts = []
    for path in pages:
        tree = LexborHTMLParser(path.read_bytes().decode("utf-8", "replace"))
        paras = [p.text() for p in tree.css("p")]
        texts.append("\n".join(paras) if paras else (tree.body.text() if tree.body else ""))
    docs, table = build_background(texts)
    header = [
        "# Briefing frequencies (number of briefings using it) of lower-cased English words and 2..4-word n-grams",
        "# (n-grams never cross punctuation) in White House press briefings, the background of general political",
        "# English that podium.analysis.formulations contrasts MFA phrases with. Rebuild with",
        "#   .venv/bin/python benchmarks/bench_formulations.py --build-background",
        "# Source: ../shared/corpus/whitehouse (2009-2016 briefings, gaggles and press calls of whitehouse.gov, from",
        "# repository RIstiaque/Country-Counting-from-Press-Briefings commit a6d2e60; 2020 coronavirus task-force",
        "# briefings from repository jjgoings/trump-covid-briefings commit c33114c). US federal government works.",
        "# Only counts are kept, no text beyond single n-grams.",
        f"# documents: {docs}",
        "# min_df_words: 5",
        "# min_df_ngrams: 25",
        "# max_n: 4",
    ]
    with gzip.open(BACKGROUND_EN, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("\n".join(header) + "\n")
        for gram, d in sorted(table.items()):
            fh.write(f"{gram}\t{d}\n")
    print(f"{len(pages)} pages, {len(table)} entries -> {BACKGROUND_EN} ({BACKGROUND_EN.stat().st_size} bytes) "
          f"in {time.perf_counter() - t:.1f} s")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def mine_database(db: Path) -> None:
    """Mine a podium database's briefings as ``podium analyse`` does (each group read from the store when the miner
    needs it; a checkout without ``mine_groups`` loads them all first, as it did); print time and peak memory."""
    from podium.analysis import formulations
    from podium.analysis.formulations import _segments, _spoken
    from podium.store import Database, analytics

    store = Database(db, create=False)
    loaded = _peak_mb()
    t = time.perf_counter()
    chars = 0
    for _, b in store.store.load_briefings(analytics.briefing_ids(store.store, lang="zh")):
        chars += sum(len(seg) + 1 for _, text in _spoken(b) for seg in _segments(text, "zh", None))
    print(f"{db.name}: {chars / 1e6:.1f}M Chinese characters of answers and openings to count "
          f"(read in {time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    if hasattr(formulations, "mine_groups"):
        def read(ids: list[int]):
            return (b for _, b in store.store.load_briefings(ids))

        groups = [formulations.BriefingGroup(series, lang, functools.partial(read, ids))
                  for (series, lang), ids in analytics.briefing_groups(store.store).items()]
        found = formulations.mine_groups(groups)
        how = "read from the store per pass"
    else:
        briefings = [b for _, b in store.store.load_briefings(analytics.briefing_ids(store.store))]
        found = mine(briefings)
        how = "all loaded first"
    store.close()
    print(f"mined {len(found):,} formulations in {time.perf_counter() - t:.1f} s (briefings {how}); peak resident "
          f"memory {_peak_mb():,.0f} MB (+{_peak_mb() - loaded:,.0f} MB over the opened database)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--db", type=Path, help="mine this podium database's briefings (time and memory)")
    ap.add_argument("--build-background", action="store_true",
                    help="rebuild src/podium/data/formulations_background_en.tsv.gz from the White House pages")
    args = ap.parse_args()
    if args.build_background:
        write_background(args.corpus)
        return
    if args.db:
        mine_database(args.db)
        return
    t0 = time.perf_counter()
    briefings = []
    for path in sorted((args.corpus / "mfa").glob("*/t*.html")):
        try:
            briefings.append(parse_file(path))
        except PodiumError:
            continue
    t1 = time.perf_counter()
    print(f"parsed {len(briefings)} briefings in {t1 - t0:.1f} s")
    import json

    evaluation = json.loads(EVALUATION.read_text(encoding="utf-8"))
    for lang in ("en", "zh"):
        group = [b for b in briefings if b.lang == lang]
        t = time.perf_counter()
        found = mine(group)
        dt = time.perf_counter() - t
        print(f"\n[{lang}] {len(group)} briefings: {len(found)} formulations mined in {dt:.1f} s")
        for f in found[:args.top]:
            print(f"  {f.briefings:>4}  {f.first_date}..{f.last_date}  {f.text}")
        known = [k["text"].lower() for k in evaluation["known"] if k["lang"] == lang]
        missed = [k for k in known if not any(k in f.text.lower() for f in found)]
        top = {f.text.lower() for f in found[:100]}
        generic = [g["text"].lower() for g in evaluation["generic"] if g["lang"] == lang]
        print(f"  recall of the known set: {len(known) - len(missed)}/{len(known)}; missed: {missed}")
        print(f"  generic collocations in the top 100: {[g for g in generic if g in top]} (of {len(generic)})")
        for probe in PROBES:
            hits = [f for f in found if probe.lower() in f.text.lower()]
            if hits:
                best = max(hits, key=lambda f: f.briefings)
                print(f"  probe {probe!r}: {len(hits)} phrases, e.g. {best.text!r} ({best.briefings} briefings)")


if __name__ == "__main__":
    main()
