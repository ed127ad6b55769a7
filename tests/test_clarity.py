"""Answer clarity: the hand labels, the held-out evaluation, and the pass on real briefings."""

from __future__ import annotations

import collections
import datetime as dt
import re

import pytest

from podium.analysis import clarity
from podium.analysis.clarity import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY, ClarityPass, classify
from podium.model import Briefing, Exchange, Turn
from podium.parse import parse_file

from conftest import CORPUS, SEED

SEED_FILE = SEED / "000_32323ef4823c7adf.txt"


@pytest.fixture(scope="session")
def labels() -> list[dict]:
    return clarity.load_labels()


@pytest.fixture(scope="session")
def model_scores() -> dict:
    return clarity.evaluate("test")


@pytest.fixture(scope="session")
def cue_scores() -> dict:
    return clarity.evaluate("test", method="cue")


@pytest.fixture(scope="session")
def seed_briefing(shared) -> Briefing:
    return parse_file(SEED_FILE)


@pytest.fixture(scope="session")
def seed_annotations(seed_briefing) -> dict[int, object]:
    return {a.exchange_n: a for a in ClarityPass().annotate(seed_briefing)}


# --- the label file -------------------------------------------------------------------------------------------


def test_label_file_is_large_enough_and_uses_the_taxonomy(labels):
    assert len(labels) >= 400
    assert len({r["id"] for r in labels}) == len(labels), "label ids must be unique"
    for r in labels:
        assert r["fine"] in FINE_LABELS, r["id"]
        assert r["clarity"] == FINE_TO_CLARITY[r["fine"]], r["id"]
        assert r["question"].strip() and r["answer"].strip(), r["id"]
    counts = collections.Counter(r["fine"] for r in labels)
    # every fine label is represented, so 9-label figures mean something
    assert all(counts[f] >= 9 for f in FINE_LABELS), counts


def test_labels_cover_both_page_formats_years_and_spokespersons(labels):
    switch = dt.date(2020, 3, 24)
    dates = [dt.date.fromisoformat(r["date"]) for r in labels]
    assert sum(d < switch for d in dates) >= 100 and sum(d >= switch for d in dates) >= 60
    assert {d.year for d in dates} >= {2018, 2019, 2020}
    speakers = collections.Counter(r["spokesperson"] for r in labels)
    assert {"Lu Kang", "Geng Shuang", "Hua Chunying", "Zhao Lijian"} <= {s for s, n in speakers.items() if n >= 20}


def test_test_split_is_held_out_by_briefing(labels):
    test = [r for r in labels if r["split"] == "test"]
    train = [r for r in labels if r["split"] == "train"]
    assert len(test) >= 120 and len(train) + len(test) == len(labels)
    assert not {r["file"] for r in test} & {r["file"] for r in train}
    # the corpus holds one briefing twice under two file names: no date may straddle the splits either
    assert not {r["date"] for r in test} & {r["date"] for r in train}
    # the split is the documented seeded hash of the briefing, not a hand choice
    assert all(r["split"] == clarity.split_of(r["file"]) for r in labels)


def test_relabelled_rows_keep_their_first_label_and_the_first_test_split_is_intact(labels):
    """Corrections are auditable (the earlier label is kept in "was", the reason in "note"), and the 253 test
    exchanges of the first release are still there, so figures on them stay comparable across versions."""
    relabelled = [r for r in labels if "was" in r]
    assert relabelled, "the corrected rows carry their first label"
    for r in relabelled:
        assert r["was"] in FINE_LABELS and r["was"] != r["fine"], r["id"]
        assert "relabelled" in r.get("note", ""), r["id"]
    first_test = [r for r in labels if r["split"] == "test" and r.get("round") != 5]
    assert len(first_test) == 253
    assert sum(r.get("round") == 5 for r in labels) >= 150


def test_labelled_exchanges_are_in_the_corpus(labels):
    """Each label names the page it came from, and the question is on that page."""
    from selectolax.lexbor import LexborHTMLParser

    by_file = collections.defaultdict(list)
    for r in labels:
        by_file[r["file"]].append(r)
    for file in sorted(by_file)[::25]:
        path = CORPUS / file
        assert path.is_file(), file
        text = " ".join(LexborHTMLParser(path.read_bytes().decode("utf-8", "replace")).text().split())
        for r in by_file[file]:
            assert " ".join(r["question"].split())[:80] in text, r["id"]


# --- the held-out evaluation ----------------------------------------------------------------------------------


def test_model_beats_the_floor_on_the_held_out_split(model_scores):
    assert model_scores["n"] >= 120 and model_scores["trained_on"] == "train"
    # floors a little under the measured figures (training is deterministic): 0.681 and 0.435 at v1.1 (n=308);
    # the cue-only baseline measures 0.509 and 0.327 on the same rows
    assert model_scores["clarity"]["macro_f1"] >= 0.64
    assert model_scores["fine"]["macro_f1"] >= 0.40


def test_cue_phrases_alone_do_not_reach_the_floor(model_scores, cue_scores):
    assert cue_scores["n"] == model_scores["n"]
    assert cue_scores["clarity"]["macro_f1"] < 0.64
    assert cue_scores["fine"]["macro_f1"] < 0.40
    assert model_scores["clarity"]["macro_f1"] > cue_scores["clarity"]["macro_f1"] + 0.05
    # the model's gain is on the Clear Reply / Ambivalent boundary the cue list cannot draw
    assert (
        model_scores["clarity"]["per_class"]["Ambivalent"]["f1"]
        > cue_scores["clarity"]["per_class"]["Ambivalent"]["f1"]
    )


def test_report_shows_macro_f1_and_confusion_matrices(model_scores):
    report = clarity.format_report(model_scores)
    assert f"{model_scores['clarity']['macro_f1']:.3f}" in report
    assert f"{model_scores['fine']['macro_f1']:.3f}" in report
    for label in (*CLARITY_LABELS, *FINE_LABELS):
        assert label in report
    matrix = model_scores["fine"]["confusion"]
    assert len(matrix) == 9 and all(len(row) == 9 for row in matrix)
    assert sum(map(sum, matrix)) == model_scores["n"]


# --- the seed briefing, as a careful reader labels it ---------------------------------------------------------


def test_seed_clear_cut_exchanges(seed_briefing, seed_annotations):
    asked = {e.n: e for e in seed_briefing.exchanges}
    assert asked[8].answer_text.strip().startswith("I suggest you follow our updates")
    assert seed_annotations[8].label == "Clear Non-Reply"
    assert seed_annotations[8].value["fine"] == "Declining to answer"
    assert seed_annotations[6].label == "Clear Non-Reply"
    assert seed_annotations[6].value["fine"] == "Claims ignorance"
    assert seed_annotations[6].evidence.startswith("I’m not aware of what you mentioned")
    assert seed_annotations[9].label == "Clear Non-Reply"
    # Chinese state media's softball questions get long, on-topic answers (the model calls one of the four,
    # the AI joint statement, General at v1.0)
    assert sum(seed_annotations[n].label == "Clear Reply" for n in (2, 4, 5, 10)) >= 3
    # the counter-accusation about US cyber attacks is not a reply to a question on Chinese hacking
    assert seed_annotations[1].label != "Clear Reply"


def test_seed_agrees_with_the_hand_labels(seed_annotations):
    hand = clarity.load_labels(clarity.SEED_LABELS)
    assert len(hand) == 10
    agree = sum(seed_annotations[r["n"]].label == r["clarity"] for r in hand)
    assert agree >= 8, f"only {agree}/10 seed exchanges agree with the hand labels"


# --- the pass ------------------------------------------------------------------------------------------------


def _sentences_of(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", ["mfa/en/t1558711.html", "mfa/en/t1784867.html"])
def test_annotate_gives_one_audited_annotation_per_exchange(shared, page):
    briefing = parse_file(CORPUS / page)
    annotations = ClarityPass().annotate(briefing)
    assert [a.exchange_n for a in annotations] == [e.n for e in briefing.exchanges]
    for e, a in zip(briefing.exchanges, annotations, strict=True):
        assert a.kind == "clarity" and a.version == ClarityPass.version and a.method
        assert a.label in CLARITY_LABELS
        assert FINE_TO_CLARITY[a.value["fine"]] == a.label
        probs = a.value["probs"]
        assert set(probs) == set(FINE_LABELS) and abs(sum(probs.values()) - 1) < 0.01
        assert 0 < a.confidence <= 1
        # the evidence is one sentence of this answer, so a researcher can find it
        assert a.evidence and _sentences_of(a.evidence) in _sentences_of(e.answer_text)
        assert len(a.evidence) < len(e.answer_text) or len(re.findall(r"[.?!]", e.answer_text)) <= 1


def test_classify_single_answers():
    assert classify("What are China's goals for the meeting?", "I suggest you follow our updates.")[:2] == (
        "Clear Non-Reply",
        "Declining to answer",
    )
    label, fine, conf, evidence = classify(
        "Can you confirm the report?",
        "I'm not aware of what you mentioned. China always advocates dialogue and consultation.",
    )
    assert (label, fine) == ("Clear Non-Reply", "Claims ignorance")
    assert evidence == "I'm not aware of what you mentioned."


def test_exchange_without_answer_gets_no_label():
    q = Turn("asker", "Q", ("Any comment?",))
    e = Exchange(1, q, (), "Q")
    b = Briefing(
        "China MFA regular press conference", "en", dt.date(2019, 1, 1), "t", None, None, "x", "test", exchanges=(e,)
    )
    (a,) = ClarityPass().annotate(b)
    assert a.label is None and a.evidence is None and a.method == "no-answer"


def test_chinese_answers_use_the_unvalidated_cue_fallback(shared):
    briefing = parse_file(CORPUS / "mfa/zh/t1485451.html")
    annotations = {a.exchange_n: a for a in ClarityPass().annotate(briefing)}
    assert annotations and all(a.method == "cue-zh" for a in annotations.values())
    assert all(a.confidence is None or a.confidence <= 0.5 for a in annotations.values())
    ignorance = [e for e in briefing.exchanges if e.answer_text.startswith("我不了解")]
    assert ignorance, "the page has a 我不了解 answer"
    for e in ignorance:
        assert annotations[e.n].value["fine"] == "Claims ignorance"
        assert annotations[e.n].evidence.startswith("我不了解")


def test_training_is_deterministic(labels):
    rows = [r for r in labels if r["split"] == "train"][:120]
    pairs = [(r["question"], r["answer"]) for r in labels[-20:]]
    a = clarity.train(rows).proba(pairs)
    b = clarity.train(rows).proba(pairs)
    assert (a == b).all()


def test_chinese_labels_measure_the_cue_fallback():
    rows = clarity.load_labels(clarity.ZH_LABELS)
    assert len(rows) >= 60 and all(r["id"].startswith("mfa-zh-") for r in rows)
    assert all((CORPUS / r["file"]).is_file() for r in rows)
    scores = clarity.evaluate("zh")
    assert scores["method"] == "cue" and scores["n"] == len(rows)
    # what the fallback is good for: finding the non-replies
    non_reply = scores["clarity"]["per_class"]["Clear Non-Reply"]
    assert non_reply["precision"] >= 0.7 and non_reply["recall"] >= 0.7


# --- the shipped fitted parameters (data/clarity/model.npz) ------------------------------------------------------


def test_shipped_model_matches_the_labels_and_settings():
    # fails when the labels, the settings or VERSION change without `python -m podium.analysis.clarity --export-model`
    import json

    import numpy as np

    with np.load(clarity.MODEL_FILE, allow_pickle=False) as z:
        shipped = json.loads(bytes(z["fingerprint"]).decode())
    assert shipped == clarity.model_fingerprint(), "re-export: python -m podium.analysis.clarity --export-model"
    assert clarity.load_model() is not None
    assert clarity.MODEL_FILE.stat().st_size < 3_000_000


def test_shipped_model_predicts_what_training_does(labels, seed_briefing):
    import numpy as np

    loaded = clarity.load_model()
    fresh = clarity.train(labels)
    assert loaded is not None and loaded.classes == fresh.classes
    assert loaded.amb is not None and loaded.amb.classes == fresh.amb.classes
    seed_pairs = [(e.question_text, e.answer_text) for e in seed_briefing.exchanges if e.answer_text.strip()]
    assert len(seed_pairs) == 10
    step = max(1, len(labels) // 200)
    label_pairs = [(r["question"], r["answer"]) for r in labels[::step][:200]]
    assert len(label_pairs) == 200
    for pairs in (seed_pairs, label_pairs):
        assert np.allclose(loaded.proba(pairs), fresh.proba(pairs), rtol=0, atol=1e-9)
    # the evidence sentences come from the word weights of the same model
    for label in fresh.classes:
        assert np.array_equal(loaded.word_weights(label), fresh.word_weights(label))
    # and the pass uses the shipped model, not a retrained one
    assert isinstance(clarity.model().clf, type(loaded.clf))


def test_evaluate_command_prints_the_held_out_figures():
    import json

    from click.testing import CliRunner

    from podium.cli import main

    result = CliRunner().invoke(main, ["evaluate", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["clarity"] == json.loads(json.dumps(clarity.evaluate("test"), default=str))
    assert 0 < figures["countries"]["micro"]["f1"] <= 1
