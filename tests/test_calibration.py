"""How far to trust clarity figures: calibration of the model's probabilities on the held-out labels, and class
shares corrected for the classifier's measured confusion (in the outlet table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from podium.analysis import calibration, clarity
from podium.analysis.clarity import CLARITY_LABELS, FINE_TO_CLARITY
from podium.analysis.stats import outlet_table


@pytest.fixture(scope="module")
def held_out() -> tuple[list[dict], list]:
    rows = clarity.labelled("en", split="test")
    return rows, clarity.predict_rows(rows, "en", "train")


def test_reliability_table_of_the_held_out_split(held_out):
    rows, results = held_out
    probs = clarity.class_probs(results)
    gold = [FINE_TO_CLARITY[r["fine"]] for r in rows]
    rel = calibration.reliability(probs, gold, CLARITY_LABELS)
    assert rel["n"] == len(rows)
    for c in CLARITY_LABELS:
        table = rel["per_class"][c]["table"]
        assert sum(b["n"] for b in table) == len(rows)
        # the ECE is the bin-weighted gap, recomputed here from the table
        ece = sum(b["n"] / len(rows) * abs(b["mean_predicted"] - b["observed"]) for b in table)
        assert rel["per_class"][c]["ece"] == pytest.approx(ece)
        assert 0 <= rel["per_class"][c]["ece"] < 0.25
        # observed frequencies follow the predicted probability: the top bins hold the class far more often
        low = [b for b in table if b["hi"] <= 0.3]
        high = [b for b in table if b["lo"] >= 0.7]
        assert sum(b["observed"] * b["n"] for b in high) / sum(b["n"] for b in high) > 0.5
        assert sum(b["observed"] * b["n"] for b in low) / sum(b["n"] for b in low) < 0.25
    # the evaluation carries the same calibration and the report prints it
    scores = clarity.evaluate("test")
    assert scores["calibration"]["per_class"]["Ambivalent"]["ece"] == pytest.approx(
        rel["per_class"]["Ambivalent"]["ece"])
    assert "expected calibration error" in clarity.format_report(scores)


def test_a_perfectly_calibrated_forecast_has_no_calibration_error():
    probs = np.array([[1.0, 0.0, 0.0]] * 5 + [[0.0, 0.0, 1.0]] * 3)
    gold = ["Clear Reply"] * 5 + ["Clear Non-Reply"] * 3
    rel = calibration.reliability(probs, gold, CLARITY_LABELS)
    assert rel["macro_ece"] == 0 and rel["top_label"]["ece"] == 0


def test_non_negative_least_squares_equals_scipys_nnls():
    """The batched solver (every support tried, the best non-negative one kept) gives scipy's ``nnls`` solution:
    on the bootstrap systems of the shipped confusion matrices, for shares where the plain least-squares solution
    goes negative (a class the group barely has) and where it does not, and on random systems of 2-4 classes."""
    from scipy.optimize import nnls

    rng = np.random.default_rng(7)
    systems, targets = [], []
    for d in clarity.load_test_predictions().values():
        corr = calibration.Correction(d["gold"], d["pred"], 3, bootstrap=100)
        for _ in range(400):
            counts = rng.integers(0, 60, 3)
            counts[rng.integers(0, 3)] = rng.integers(0, 2)  # one class nearly absent
            observed = counts / max(1, counts.sum())
            systems.append(corr.boot_system[rng.integers(0, 100)])
            targets.append(np.concatenate([observed, [100.0]]))
    a, b = np.array(systems), np.array(targets)
    got = calibration.nonnegative_lstsq(a, b)
    want = np.array([nnls(x, y)[0] for x, y in zip(a, b, strict=True)])
    assert np.abs(got - want).max() < 1e-9
    negative = np.einsum("mkr,mr->mk", np.linalg.pinv(a), b).min(axis=1) < -1e-12
    assert 100 < negative.sum() < len(a)  # both kinds of case were tried
    for k in (2, 3, 4):
        a = rng.random((300, k + 2, k))
        b = rng.normal(size=(300, k + 2))
        want = np.array([nnls(x, y)[0] for x, y in zip(a, b, strict=True)])
        assert np.abs(calibration.nonnegative_lstsq(a, b) - want).max() < 1e-9, k
    # and solve_shares is the normalised solution of its weighted system
    rates = calibration.confusion_rates([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2], 3)
    observed = np.array([0.7, 0.3, 0.0])
    x = nnls(np.vstack([rates.T, 100.0 * np.ones((1, 3))]), np.concatenate([observed, [100.0]]))[0]
    assert calibration.solve_shares(observed, rates) == pytest.approx(x / x.sum(), abs=1e-12)


def test_corrected_shares_of_the_test_split_recover_its_gold_shares():
    """Adjusted classify-and-count, given the test split's own predictions, gives back the gold distribution
    (the confusion matrix maps the one onto the other exactly), while the raw shares differ from it."""
    shipped = clarity.load_test_predictions()
    for lang, d in shipped.items():
        corr = calibration.Correction(d["gold"], d["pred"], 3, bootstrap=200)
        adj = calibration.adjusted_shares(d["pred"], corr, classes=CLARITY_LABELS)
        gold = np.bincount(d["gold"], minlength=3) / len(d["gold"])
        assert np.allclose(adj.corrected, gold, atol=1e-6), lang
        assert not np.allclose(adj.raw, gold, atol=1e-3), lang
        assert all(lo <= c + 1e-9 and c <= hi + 1e-9 for lo, c, hi in zip(adj.lo, adj.corrected, adj.hi, strict=True))
        assert sum(adj.corrected) == pytest.approx(1.0)


def test_intervals_widen_when_fewer_test_labels_measure_the_confusion():
    d = clarity.load_test_predictions()["en"]
    group = d["pred"][:150]
    full = calibration.adjusted_shares(group, calibration.Correction(d["gold"], d["pred"], 3), classes=CLARITY_LABELS)
    few = calibration.adjusted_shares(group, calibration.Correction(d["gold"][:80], d["pred"][:80], 3),
                                      classes=CLARITY_LABELS)
    width = [h - lo for lo, h in zip(full.lo, full.hi, strict=True)]
    width_few = [h - lo for lo, h in zip(few.lo, few.hi, strict=True)]
    assert sum(width_few) > sum(width)


def test_outlet_table_shows_corrected_shares_beside_the_raw_ones(held_out):
    rows, results = held_out
    zh = clarity.labelled("zh", split="test")
    zh_results = clarity.predict_rows(zh, "zh", "train")
    df = pd.DataFrame(
        [{"outlet": r.get("outlet") or None, "outlet_type": "test", "lang": "en", "answer": r["answer"],
          "clarity": p.clarity, "countries_question": None} for r, p in zip(rows, results, strict=True)]
        + [{"outlet": r.get("outlet") or None, "outlet_type": "test", "lang": "zh", "answer": r["answer"],
            "clarity": p.clarity, "countries_question": None} for r, p in zip(zh, zh_results, strict=True)]
    )
    table = outlet_table(df)
    assert "test labels" in table.attrs["clarity_trust"]
    # the calibration of each language's probabilities on its test split travels with the table: what evaluate
    # measures on the same rows, and the trust paragraph says it
    for lang, lang_rows, lang_results in (("en", rows, results), ("zh", zh, zh_results)):
        rel = calibration.reliability(clarity.class_probs(lang_results),
                                      [FINE_TO_CLARITY[r["fine"]] for r in lang_rows], CLARITY_LABELS)
        cal = table.attrs["clarity_calibration"][lang]
        assert cal["n"] == len(lang_rows)
        assert cal["ece"] == {c: pytest.approx(rel["per_class"][c]["ece"], abs=1e-4) for c in CLARITY_LABELS}
    assert "expected calibration error Clear Reply" in table.attrs["clarity_trust"]
    everything = table[table["level"] == "outlet_type"].iloc[0]
    assert everything["questions"] == len(rows) + len(zh)
    # over the whole test split, each language corrected with its own confusion gives the gold shares back
    gold = [FINE_TO_CLARITY[r["fine"]] for r in rows + zh]
    for c in CLARITY_LABELS:
        slug = c.lower().replace(" ", "_").replace("-", "_")
        assert everything[f"{slug}_corrected"] == pytest.approx(gold.count(c) / len(gold), abs=1e-6)
        assert everything[f"{slug}_corrected_lo"] <= everything[f"{slug}_corrected"] <= everything[
            f"{slug}_corrected_hi"]
        assert everything[f"{slug}_share"] == pytest.approx(
            sum(p.clarity == c for p in results + zh_results) / len(gold))
    raw_only = outlet_table(df, correct=False)
    assert "clear_reply_corrected" not in raw_only.columns
