"""Aligning the English and Chinese versions of a press conference (podium.analysis.align) against the hand-aligned
set in tests/fixtures/alignment, on real pages of the shared corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from podium.analysis.align import DIFFERENCE_KINDS, Alignment, align, differences
from podium.analysis.metrics import scores
from podium.parse import parse_file

from conftest import CORPUS, FIXTURES

GOLD_DIR = FIXTURES / "alignment"
GOLD_FILES = sorted(GOLD_DIR.glob("*.json"))


def _gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _pair(date: str):  # noqa: ANN202
    case = _gold(GOLD_DIR / f"{date}.json")
    return parse_file(CORPUS / case["en_file"]), parse_file(CORPUS / case["zh_file"])


def _head(text: str) -> str:
    return " ".join(text.split())[:40]


def _pairs(links) -> set[tuple[int, int]]:  # noqa: ANN001
    return {(a, b) for link in links for a in link["en"] for b in link["zh"]}


# ---- the gold set ------------------------------------------------------------------------------------------------

def test_the_gold_set_is_large_and_spread() -> None:
    cases = [_gold(p) for p in GOLD_FILES]
    dev = [c for c in cases if c["split"] == "development"]
    assert len(dev) >= 30 and len(cases) >= 40
    assert {c["date"][:4] for c in cases} == {"2018", "2019", "2020"}
    assert {c["spokesperson"]["en"] for c in cases} >= {"Lu Kang", "Hua Chunying", "Geng Shuang", "Zhao Lijian"}
    assert {c["layout"] for c in cases} == {"Q/A", "outlet labels"}
    # the tricky kinds are in it: merged turns, openings in one version only, talk-back follow-ups
    assert any(len(link["en"]) > 1 or len(link["zh"]) > 1 for c in cases for link in c["links"])
    assert any(c["openings_only_en"] for c in cases) and any(c["openings_only_zh"] for c in cases)
    assert sum(len(c["links"]) for c in cases) >= 500


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_snippets_match_the_current_parse(path: Path, shared: Path) -> None:
    """A parser change that shifts exchange numbers (or openings) shows up here: the gold set must then be
    re-read, not regenerated."""
    case = _gold(path)
    en, zh = parse_file(CORPUS / case["en_file"]), parse_file(CORPUS / case["zh_file"])
    assert (len(en.exchanges), len(zh.exchanges)) == (case["exchanges"]["en"], case["exchanges"]["zh"])
    assert (len(en.openings), len(zh.openings)) == (case["openings_count"]["en"], case["openings_count"]["zh"])
    qe = {e.n: _head(e.question_text) for e in en.exchanges}
    qz = {e.n: _head(e.question_text) for e in zh.exchanges}
    for link in case["links"]:
        assert [qe[n] for n in link["en"]] == link["en_q"], (case["date"], link)
        assert [qz[n] for n in link["zh"]] == link["zh_q"], (case["date"], link)
    for item in case["only_en"]:
        assert qe[item["n"]] == item["q"]
    for item in case["only_zh"]:
        assert qz[item["n"]] == item["q"]
    for o in case["openings"]:
        assert _head(en.openings[o["en"]].text) == o["en_head"]
        assert _head(zh.openings[o["zh"]].text) == o["zh_head"]
    # every exchange and opening is accounted for exactly once
    linked_en = sorted([n for link in case["links"] for n in link["en"]] + [i["n"] for i in case["only_en"]])
    linked_zh = sorted([n for link in case["links"] for n in link["zh"]] + [i["n"] for i in case["only_zh"]])
    assert linked_en == sorted(qe) and linked_zh == sorted(qz)


# ---- the aligner on the gold set ---------------------------------------------------------------------------------

def _score(cases: list[dict], baseline: bool = False) -> tuple[float, float, float, float]:
    """(exchange precision, exchange recall, opening precision, opening recall) over the cases."""
    tp = n_pred = n_gold = otp = on_pred = on_gold = 0
    for case in cases:
        en, zh = parse_file(CORPUS / case["en_file"]), parse_file(CORPUS / case["zh_file"])
        gold = _pairs(case["links"])
        gold_open = {(o["en"], o["zh"]) for o in case["openings"]}
        if baseline:
            pred = {(x.n, y.n) for x, y in zip(en.exchanges, zh.exchanges, strict=False)}
            pred_open = {(i, i) for i in range(min(len(en.openings), len(zh.openings)))}
        else:
            al = align(en, zh)
            pred = {(a, b) for link in al.links for a in link.a for b in link.b}
            pred_open = set(al.openings)
        tp, n_pred, n_gold = tp + len(pred & gold), n_pred + len(pred), n_gold + len(gold)
        otp, on_pred, on_gold = otp + len(pred_open & gold_open), on_pred + len(pred_open), on_gold + len(gold_open)
    links, openings = scores(tp, n_pred - tp, n_gold - tp), scores(otp, on_pred - otp, on_gold - otp)
    return links.precision, links.recall, openings.precision, openings.recall


def test_aligner_precision_and_recall_on_the_gold_set(shared: Path) -> None:
    """Measured 1.000 / 1.000 for exchange and opening links (benchmarks/eval_alignment.py): a floor of 0.99
    lets one stray link through, not a regression."""
    cases = [_gold(p) for p in GOLD_FILES]
    p, r, op, orr = _score(cases)
    assert p >= 0.99 and r >= 0.99, (p, r)
    assert op >= 0.95 and orr >= 0.95, (op, orr)


def test_aligner_beats_linking_by_position(shared: Path) -> None:
    cases = [_gold(p) for p in GOLD_FILES if _gold(p)["split"] == "development"]
    p, r, _, _ = _score(cases)
    bp, br, _, _ = _score(cases, baseline=True)
    assert bp < 0.98 and br < 0.98  # the position baseline fails on merges and talk-back (0.966 / 0.958)
    assert p > bp and r > br


# ---- edge cases on real pages ------------------------------------------------------------------------------------

def test_exchanges_missing_from_one_version_come_out_in_only_a(shared: Path) -> None:
    en, zh = _pair("2019-05-06")  # 18 exchanges each, one to one
    gone = {5, 12}
    al = align(en, replace(zh, exchanges=tuple(e for e in zh.exchanges if e.n not in gone)))
    assert al.only_a == (5, 12) and al.only_b == ()
    assert {(lk.a, lk.b) for lk in al.links} == {((n,), (n,)) for n in range(1, 19) if n not in gone}


def test_the_last_exchanges_missing_and_an_empty_version(shared: Path) -> None:
    en, zh = _pair("2020-06-19")
    al = align(en, replace(zh, exchanges=zh.exchanges[:-3]))
    assert al.only_a == (18, 19, 20)
    empty = align(en, replace(zh, exchanges=(), openings=()))
    assert empty.links == () and empty.only_a == tuple(range(1, 21)) and empty.openings_only_a == (0,)
    assert empty.score == 0.0


def test_reordered_exchanges_are_still_linked(shared: Path) -> None:
    en, zh = _pair("2020-03-24")
    moved = (zh.exchanges[-1],) + zh.exchanges[:-1]  # the last Chinese exchange printed first
    al = align(en, replace(zh, exchanges=moved))
    assert {(lk.a, lk.b) for lk in al.links} == {((n,), (n,)) for n in range(1, 11)}


def test_talk_back_left_out_of_one_version_is_a_merged_link(shared: Path) -> None:
    en, zh = _pair("2019-03-26")  # English 4 and 5: the journalist's replies, unlabelled inside Chinese answer 3
    al = align(en, zh)
    assert any(lk.a == (3, 4, 5) and lk.b == (3,) for lk in al.links)
    assert al.only_a == () and al.only_b == ()


def test_versions_of_one_event_score_above_two_events(shared: Path) -> None:
    en, zh = _pair("2019-02-11")
    _, zh_other = _pair("2019-02-21")
    same, other = align(en, zh), align(en, zh_other)
    assert isinstance(same, Alignment) and same.method and same.version
    assert same.score > 0.6 and other.score < 0.35, (same.score, other.score)


# ---- differences, checked by reading both versions ---------------------------------------------------------------

def _kinds(diffs) -> set[str]:  # noqa: ANN001
    return {d.kind for d in diffs}


def test_differences_found_on_real_pairs(shared: Path) -> None:
    # 2020-06-24, exchange 10: the English question quotes the Lowy poll's "52 percent in 2018" and "23 percent";
    # the Chinese question says only that the share fell
    en, zh = (parse_file(CORPUS / "mfa" / "en" / "t1792107.html"), parse_file(CORPUS / "mfa" / "zh" / "t1792042.html"))
    found = [d for d in differences(en, zh) if d.kind == "number only in en" and d.a == (10,)]
    assert len(found) == 1 and "52%" in found[0].detail and "23%" in found[0].detail and found[0].lang == "en"
    # 2020-04-13, exchange 7: "RIA Novosti:" on the English page, "今日俄罗斯记者：" (RT) on the Chinese one
    en, zh = _pair("2020-04-13")
    asker = [d for d in differences(en, zh) if d.kind == "asker differs"]
    assert [(d.a, d.b) for d in asker] == [((7,), (7,))] and "RIA Novosti" in asker[0].detail
    # 2019-01-14: the WeChat-account announcement follows "***" on the Chinese page (an opening) and runs on in the
    # last answer on the English page
    en, zh = _pair("2019-01-14")
    diffs = differences(en, zh)
    assert any(d.kind == "opening only in zh" and "微信公众号" in d.detail for d in diffs)
    assert any(d.kind == "paragraph only in en" and d.a == (9,) and "WeChat" in d.detail for d in diffs)
    # 2019-03-06: the journalist's reply "Yes, from an official from the White House ..." is printed in English only
    en, zh = _pair("2019-03-06")
    split = [d for d in differences(en, zh) if d.kind == "split in en"]
    assert [(d.a, d.b) for d in split] == [((13, 14), (13,))] and "White House" in split[0].detail


def test_difference_kinds_are_the_documented_ones(shared: Path) -> None:
    en, zh = _pair("2019-01-14")
    kinds = {k.format(lang=lang) for k in DIFFERENCE_KINDS for lang in ("en", "zh")}
    diffs = differences(en, zh)
    assert diffs and _kinds(diffs) <= kinds
    assert all(0 <= d.severity <= 1 for d in diffs)
    assert [d.severity for d in diffs] == sorted((d.severity for d in diffs), reverse=True)
    guide = (Path(__file__).resolve().parents[1] / "docs" / "alignment-guide.md").read_text(encoding="utf-8")
    for kind in DIFFERENCE_KINDS:
        assert f"`{kind}`" in guide, kind


def test_numbers_meet_across_languages_on_a_real_answer(shared: Path) -> None:
    """2019-05-21, exchange 6: "more than $64 billion" / "640多亿美元"; 2018-07-09, exchange 9: "as many as 3000
    items" / "三千多个税目" (spelt out in Chinese)."""
    from podium.analysis.align import numbers, spelt_numbers

    en = parse_file(CORPUS / "mfa" / "en" / "t1665346.html").exchanges[5]
    zh = parse_file(CORPUS / "mfa" / "zh" / "t1665274.html").exchanges[5]
    assert "64000000000" in numbers(en.answer_text) and "64000000000" in numbers(zh.answer_text)
    en = parse_file(CORPUS / "mfa" / "en" / "t1575371.html").exchanges[8]
    zh = parse_file(CORPUS / "mfa" / "zh" / "t1575317.html").exchanges[8]
    assert "3000" in numbers(en.question_text) and "3000" in spelt_numbers(zh.question_text)
    assert not [d for d in differences(*_versions("t1575371", "t1575317")) if d.kind.startswith("number only")
                and d.a == (9,)]


def _versions(en_id: str, zh_id: str):  # noqa: ANN202
    return parse_file(CORPUS / "mfa" / "en" / f"{en_id}.html"), parse_file(CORPUS / "mfa" / "zh" / f"{zh_id}.html")
