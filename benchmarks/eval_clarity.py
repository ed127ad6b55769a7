"""Measure the answer-clarity pass: held-out scores, the cue-only baseline, the seed, training time, throughput.

    .venv/bin/python benchmarks/eval_clarity.py [--corpus ../shared/corpus] [--lang en|zh|all] [--limit N] [--cv]
    .venv/bin/python benchmarks/eval_clarity.py --cv-variants

Prints, on the held-out ``test`` split of ``src/podium/data/clarity/labels.jsonl`` (the model trained on the
``train`` split only): macro-F1 for the 3 classes and the 9 labels, per-class precision/recall/F1 and the confusion
matrices; the same for the cue-phrase-only baseline; the seed briefing's ten exchanges next to the hand labels; how
long training on all labels takes; and how many exchanges per second the pass annotates over the shared corpus
(parsing timed apart). ``--cv`` also prints the grouped 5-fold cross-validation on the train split behind the
model settings (slow: it trains 5 models per setting); ``--cv-variants`` the same for the model variants that
``clarity_variants.py`` keeps (a stacked second stage, a dense-only Ambivalent model). The test split is also
scored in parts: the 253 exchanges of the first label release (with the labels as first released and as
corrected) and the round-5 additions.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import clarity_variants as variants  # noqa: E402  (beside this script)

from podium.analysis import clarity  # noqa: E402
from podium.errors import PodiumError  # noqa: E402
from podium.parse import parse_file  # noqa: E402

SEED = ROOT.parent / "shared" / "seed" / "000_32323ef4823c7adf.txt"

CV_SETTINGS = {
    "en": [
        {},
        {"C": 4.0},
        {"C": 16.0},
        {"amb_C": 1.0},
        {"extra": True},
        {"class_weight": None},
        {"two_stage": False},
        {"dense_weight": 2.0},
    ],
    "zh": [{}, {"C": 4.0}, {"C": 16.0}, {"head_chars": 300}, {"amb_C": 1.0}, {"two_stage": False}],
}


#: the model variants of clarity_variants.py, each a function (rows, settings) -> fitted model
VARIANTS = {
    "stacked second stage (gradient-boosted trees)": lambda rows, s: variants.train_stacked(rows, s, "hgb"),
    "stacked second stage (logistic regression)": lambda rows, s: variants.train_stacked(rows, s, "lr"),
    "dense-only Ambivalent model": variants.train_dense_ambivalent,
}


def cross_validate(lang: str, grid: list[dict] | None = None, fit=None, name: str | None = None) -> None:
    """Grouped (by briefing) 5-fold cross-validation on the train split of ``lang``, per setting (``fit``: how a
    model is fitted, default the shipped method; ``name``: what to call it)."""
    fit = fit or clarity.train
    import dataclasses

    from sklearn.model_selection import GroupKFold

    rows = clarity.labelled(lang, split="train")
    folds = list(GroupKFold(n_splits=5).split(rows, groups=[r["file"] for r in rows]))
    print(f"\n[{lang}] grouped 5-fold cross-validation on the train split (n={len(rows)}): 3-class / 9-label "
          "macro-F1 (all held-out folds; English MFA and White House exchanges apart)")
    for overrides in grid if grid is not None else CV_SETTINGS[lang]:
        settings = dataclasses.replace(clarity.settings_for(lang), **overrides)
        gold, pred, src = [], [], []
        t = time.perf_counter()
        for train_idx, test_idx in folds:
            m = fit([rows[i] for i in train_idx], settings)
            held = [rows[i] for i in test_idx]
            for r, p in zip(held, m.proba([(r["question"], r["answer"]) for r in held]), strict=True):
                gold.append({"fine": r["fine"]})
                pred.append(clarity.decide(dict(zip(m.classes, p, strict=True)))[1])
                src.append(clarity.source_of(r))
        s = clarity.score_predictions(gold, pred)
        extra = ""
        for part, name in (("mfa-en", "MFA"), ("wh", "WH")):
            sel = [i for i, x in enumerate(src) if x == part]
            if lang == "en" and sel:
                sub = clarity.score_predictions([gold[i] for i in sel], [pred[i] for i in sel])
                extra += f"  ({name} {sub['clarity']['macro_f1']:.3f} / {sub['fine']['macro_f1']:.3f})"
        print(f"  {s['clarity']['macro_f1']:.3f}  {s['fine']['macro_f1']:.3f}{extra}  {name or overrides or 'defaults'}"
              f"  [{time.perf_counter() - t:.0f} s]", flush=True)


def subset_report(rows: list[dict], title: str, gold_key: str = "fine") -> dict:
    """Score the model trained on the train split, and the cue baseline, on ``rows`` against ``gold_key``."""
    gold = [{"fine": r.get(gold_key, r["fine"])} for r in rows]
    preds = clarity.classify_pairs([(r["question"], r["answer"]) for r in rows], "en", split="train", evidence=False)
    out = clarity.score_predictions(gold, [p.fine for p in preds])
    out.update({"split": title, "method": "model", "n": len(rows), "version": clarity.VERSION, "trained_on": "train"})
    cue = clarity.score_predictions(gold, [clarity.cue_classify(r["question"], r["answer"])[1] for r in rows])
    print(
        f"{title} (n={len(rows)}): model 3 classes {out['clarity']['macro_f1']:.3f}, 9 labels "
        f"{out['fine']['macro_f1']:.3f}; cue-only {cue['clarity']['macro_f1']:.3f}, {cue['fine']['macro_f1']:.3f}"
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
    ap.add_argument("--corpus", type=Path, default=shared / "corpus")
    ap.add_argument("--lang", choices=["en", "zh", "all"], default="en")
    ap.add_argument("--limit", type=int, default=0, help="annotate only the first N pages of the corpus")
    ap.add_argument("--cv", action="store_true", help="also print the cross-validation behind the settings")
    ap.add_argument("--cv-only", action="store_true", help="print only the cross-validation")
    ap.add_argument("--cv-variants", action="store_true",
                    help="print only the cross-validation of the variants in clarity_variants.py (English)")
    ap.add_argument("--throughput-only", action="store_true", help="print only the pass's speed over the corpus")
    args = ap.parse_args()
    if args.cv_variants:
        for name, fit in VARIANTS.items():
            cross_validate("en", [{}], fit, name)
        return
    if args.cv_only:
        for lang in ("en", "zh"):
            cross_validate(lang)
        return
    if not args.throughput_only:
        report(args)
    throughput(args)
    if args.cv:
        for lang in ("en", "zh"):
            cross_validate(lang)


def report(args: argparse.Namespace) -> None:
    model = clarity.evaluate("test")
    print(clarity.format_report(model))
    print()
    cue = clarity.evaluate("test", method="cue")
    print(clarity.format_report(cue))
    print()
    print(
        f"held-out macro-F1, model vs cue-only: 3 classes {model['clarity']['macro_f1']:.3f} vs "
        f"{cue['clarity']['macro_f1']:.3f}; 9 labels {model['fine']['macro_f1']:.3f} vs {cue['fine']['macro_f1']:.3f}"
    )
    print("reference (SemEval-2026 CLARITY, US interviews, large LLMs): 0.89 (3 classes), 0.68 (9 labels)")
    # the 253 test exchanges of the first label release (rounds 1-4), with the labels they had then ("was" keeps
    # the earlier label of a relabelled row) and with the corrected ones; then the test exchanges added in round 5
    test = clarity.load_labels(split="test")
    first = [r for r in test if r.get("round") != 5]
    print()
    subset_report(first, "test rounds 1-4, labels as first released", gold_key="was")
    corrected = subset_report(first, "test rounds 1-4, corrected labels")
    subset_report([r for r in test if r.get("round") == 5], "test round 5 only (foreign-media, sensitive topics)")
    print()
    print(clarity.format_report(corrected))
    print()
    print(clarity.format_report(clarity.evaluate("zh", method="cue")))

    for lang in ("en", "zh"):
        t = time.perf_counter()
        rows = clarity.labelled(lang)
        clarity.train(rows, clarity.settings_for(lang))
        print(f"\ntraining the {lang} model on all {len(rows)} {lang} labels: {time.perf_counter() - t:.2f} s")

    if SEED.is_file():
        hand = {r["n"]: r for r in clarity.load_labels(clarity.SEED_LABELS)}
        briefing = parse_file(SEED)
        print("\nseed briefing (hand label -> pass):")
        for e, a in zip(briefing.exchanges, clarity.ClarityPass().annotate(briefing), strict=True):
            h = hand.get(e.n, {})
            mark = "ok" if h.get("clarity") == a.label else "--"
            print(
                f"  {mark} {e.n:2d} {e.asker or '':20.20s} {h.get('fine', '?'):20s} -> {a.value['fine']:20s} "
                f"{a.confidence:.2f}  {(a.evidence or '')[:60]}"
            )



def throughput(args: argparse.Namespace) -> None:
    langs = ["en", "zh"] if args.lang == "all" else [args.lang]
    for lang in langs:
        pages = sorted((args.corpus / "mfa" / lang).glob("t*.html"))
        if args.limit:
            pages = pages[: args.limit]
        t = time.perf_counter()
        briefings = []
        for p in pages:
            try:
                briefings.append(parse_file(p))
            except PodiumError:
                continue
        parse_s = time.perf_counter() - t
        clarity_pass = clarity.ClarityPass()
        clarity_pass.annotate(briefings[0])  # train before timing
        t = time.perf_counter()
        counts: dict[str, int] = {}
        n = 0
        for b in briefings:
            for a in clarity_pass.annotate(b):
                n += 1
                counts[a.label or "(no answer)"] = counts.get(a.label or "(no answer)", 0) + 1
        secs = time.perf_counter() - t
        print(
            f"\n{lang}: {len(briefings)} briefings, {n} exchanges annotated in {secs:.1f} s "
            f"({n / secs:.0f} exchanges/s; parsing took {parse_s:.1f} s apart)"
        )
        print("  " + ", ".join(f"{k} {v} ({v / max(1, n):.0%})" for k, v in sorted(counts.items())))



if __name__ == "__main__":
    main()
