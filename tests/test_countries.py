"""Country mentions: the gazetteer, the matcher's rules on real sentences, the pass on the seed briefing, and the
figures against the hand labels (floors, not exact values)."""

from __future__ import annotations

import json

import pytest

from podium.analysis.countries import (
    LABELS,
    CountriesPass,
    evaluate,
    exchange_countries,
    gazetteer,
    mentions,
    resolve_country,
)
from podium.parse import parse_file

from conftest import SEED


def test_gazetteer_covers_un_members_observers_and_the_three_regions():
    data = json.loads((LABELS.parent / "countries.json").read_text(encoding="utf-8"))
    codes = [c["iso3"] for c in data["countries"]]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 3 and c.isupper() for c in codes)
    # 193 UN members + 2 observers (VAT, PSE) + TWN, HKG, MAC
    assert len(codes) >= 198
    for code in ("USA", "CHN", "PRK", "KOR", "TWN", "HKG", "MAC", "VAT", "PSE", "SSD", "TLS", "CIV"):
        assert code in codes
    org_ids = {o["id"] for o in data["organisations"]}
    assert {"EU", "NATO", "ASEAN", "UN", "AU", "SCO", "BRICS", "G20", "WHO"} <= org_ids
    assert not org_ids & set(codes)  # organisations and regions are never countries


@pytest.mark.parametrize("text, countries, orgs", [
    # short, official and demonym forms
    ("The US needs to give an explanation for its own cyber attacks", ["USA"], []),
    ("the U.S. side and the DPRK and the ROK", ["USA", "PRK", "KOR"], []),
    ("What are the Chinese side's main goals?", ["CHN"], []),
    ("a 60-year-old Japanese man", ["JPN"], []),
    # capitals standing for governments, and the exceptions that are not the government
    ("Washington should stop, and Tokyo too.", ["USA", "JPN"], []),
    ("invoke Article 5 of the Washington Treaty", [], []),
    ("The Washington Post reported", [], []),
    ("the Paris Agreement on climate change", [], []),
    # Taiwan, Hong Kong and Macao kept apart from China
    ("Taiwan is an inalienable part of China's territory", ["TWN", "CHN"], []),
    ("the Hong Kong SAR and Macao", ["HKG", "MAC"], []),
    # organisations and regions are recorded apart
    ("NATO Summit and the EU and ASEAN", [], ["NATO", "EU", "ASEAN"]),
    ("the Korean Peninsula and the Middle East", [], ["Korean Peninsula", "Middle East"]),
    # word boundaries: Niger is not in Nigeria, Oman not in Romania, Guinea-Bissau is one country
    ("Nigeria and Romania", ["NGA", "ROU"], []),
    ("Guinea-Bissau and Papua New Guinea", ["GNB", "PNG"], []),
    ("Sino-US relations", ["CHN", "USA"], []),
    # a pronoun is not a country
    ("Let us work together", [], []),
])
def test_english_rules(text, countries, orgs):
    assert mentions(text) == (countries, orgs)


@pytest.mark.parametrize("text, countries, orgs", [
    ("中美关系", ["CHN", "USA"], []),
    ("美方应当停止", ["USA"], []),
    ("日方和朝鲜", ["JPN", "PRK"], []),
    ("台湾是中国领土不可分割的一部分", ["TWN", "CHN"], []),
    ("香港特区政府", ["HKG"], []),
    # 美元 is a currency, not a mention of the US
    ("2670亿美元中国商品", ["CHN"], []),
    # a full name beats an overlapping compound of one-character abbreviations: 其中美国 is not 中美
    ("其中美国代表", ["USA"], []),
    # 华为 is a company, 华盛顿邮报 a newspaper
    ("在华为公司", [], []),
    ("华盛顿邮报报道", [], []),
    ("朝鲜半岛局势和欧盟", [], ["Korean Peninsula", "EU"]),
    ("俄乌冲突", ["RUS", "UKR"], []),
])
def test_chinese_rules(text, countries, orgs):
    assert mentions(text) == (countries, orgs)


def test_question_and_answer_are_kept_apart():
    v = exchange_countries("Did Japan and NATO discuss it?", "China firmly opposes it.")
    assert v == {"question": ["JPN"], "answer": ["CHN"], "orgs_question": ["NATO"], "orgs_answer": []}


def test_pass_on_the_seed_briefing():
    briefing = parse_file(SEED / "000_32323ef4823c7adf.txt")
    anns = {a.exchange_n: a for a in CountriesPass().annotate(briefing)}
    assert set(anns) == {e.n for e in briefing.exchanges}
    assert all(a.kind == "countries" and a.method and a.version for a in anns.values())
    by_question = {e.n: e.question_text for e in briefing.exchanges}
    # the AFP question about Microsoft's report: the answer blames the US
    afp = next(n for n, q in by_question.items() if "Microsoft" in q)
    assert anns[afp].value["answer"] == ["USA"]
    # the NATO communique question cites the Washington Treaty: NATO, China, never the US
    nato = next(n for n, q in by_question.items() if "Washington Treaty" in q)
    assert "USA" not in anns[nato].value["question"]
    assert "NATO" in anns[nato].value["orgs_question"]
    assert "CHN" in anns[nato].value["question"]
    # Cuba question: Cuba and the US on both sides
    cuba = next(n for n, q in by_question.items() if "Guantanamo" in q)
    assert {"CUB", "USA"} <= set(anns[cuba].value["question"])
    assert {"CUB", "USA"} <= set(anns[cuba].value["answer"])
    assert anns[cuba].evidence and "USA" in anns[cuba].evidence


def test_resolve_country():
    assert resolve_country("jpn") == "JPN"
    assert resolve_country("Japan") == "JPN"
    assert resolve_country("the US") == "USA"
    assert resolve_country("美国") == "USA"
    assert resolve_country("Atlantis") is None


def test_labels_are_enough_and_self_contained():
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 100
    assert sum(r["lang"] == "zh" for r in rows) >= 30
    assert sum(r["split"] == "test" for r in rows) >= 60
    codes = set(gazetteer().names)
    for r in rows:
        assert r["question"] and r["answer"] is not None
        assert set(r["gold"]) == {"question", "answer", "orgs_question", "orgs_answer"}
        assert set(r["gold"]["question"]) | set(r["gold"]["answer"]) <= codes


def test_figures_on_blind_labels_clear_a_floor():
    result = evaluate(split="test")
    assert result["exchanges"] >= 60
    micro = result["micro"]
    assert micro["precision"] >= 0.95
    assert micro["recall"] >= 0.93
    assert micro["f1"] >= 0.95
    for lang in ("en", "zh"):
        assert result["by_lang"][lang]["f1"] >= 0.9
    assert result["by_country"]["CHN"]["f1"] >= 0.95
    assert result["by_country"]["USA"]["f1"] >= 0.95


@pytest.mark.parametrize("split", ["test", None])
def test_figures_are_those_of_sklearn_metrics(split):
    """The evaluation's precision/recall/F1 (podium.analysis.metrics) equal sklearn.metrics' on the same hand
    labels, micro and per country, with the same convention for an empty denominator (0.0)."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.preprocessing import MultiLabelBinarizer

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if split is None or r["split"] == split]
    gold, got = [], []
    for r in rows:
        pred = exchange_countries(r["question"], r["answer"])
        for f in ("question", "answer"):
            gold.append(r["gold"][f])
            got.append(pred[f])
    binarizer = MultiLabelBinarizer().fit(gold + got)
    y_true, y_pred = binarizer.transform(gold), binarizer.transform(got)
    result = evaluate(split=split)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    assert (result["micro"]["precision"], result["micro"]["recall"], result["micro"]["f1"]) == pytest.approx((p, r, f))
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    assert len(result["by_country"]) >= 5
    for code, mine in result["by_country"].items():
        i = list(binarizer.classes_).index(code)
        assert (mine["precision"], mine["recall"], mine["f1"]) == pytest.approx((p[i], r[i], f[i])), code


def test_an_empty_denominator_scores_zero_as_sklearn_does():
    from sklearn.metrics import precision_recall_fscore_support

    from podium.analysis.metrics import scores

    nothing_predicted = precision_recall_fscore_support([1, 1], [0, 0], average="binary", zero_division=0)[:3]
    nothing_to_find = precision_recall_fscore_support([0, 0], [1, 1], average="binary", zero_division=0)[:3]
    assert nothing_predicted == (0.0, 0.0, 0.0) == nothing_to_find
    s, t = scores(0, 0, 2), scores(0, 2, 0)
    assert (s.precision, s.recall, s.f1) == nothing_predicted
    assert (t.precision, t.recall, t.f1) == nothing_to_find
