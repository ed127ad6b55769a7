"""Official formulations mined from the whole shared MFA corpus (English and Chinese), checked against what the
texts say, and the pass that tags exchanges with them."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections import Counter

import pytest

from podium.analysis.formulations import BACKGROUND_EN, EN_STOP, Formulation, FormulationsPass, load_background
from podium.errors import PodiumError
from podium.parse import parse_file

from conftest import CORPUS, FIXTURES, SEED

EVALUATION = json.loads((FIXTURES / "formulations" / "evaluation.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def briefings(shared):
    out = []
    for path in sorted((CORPUS / "mfa").glob("*/t*.html")):
        try:
            out.append(parse_file(path))
        except PodiumError:
            continue
    assert len(out) > 1000
    return out


@pytest.fixture(scope="module")
def mined(analysed_db) -> dict[str, list[Formulation]]:
    """The list the formulations pass mined from the stored MFA corpus (analysed_db), as read back from the store:
    what podium serves; the tests hold it to the pages parsed apart (``briefings``)."""
    from podium import Podium
    from podium.store import analytics

    fields = [f.name for f in dataclasses.fields(Formulation)]
    with Podium(analysed_db, create=False) as pod:
        stored = analytics.read_formulations(pod.db.store)
    found = [Formulation(**{k: row[k] for k in fields}) for row in stored]
    return {lang: [f for f in found if f.lang == lang] for lang in ("en", "zh")}


def _texts(found: list[Formulation]) -> set[str]:
    return {f.text.lower() for f in found}


def test_finds_the_known_formulations_without_a_list(mined):
    en = _texts(mined["en"])
    assert "community with a shared future for mankind" in en
    assert any("inalienable part of china's territory" in t for t in en)
    assert any("bullying" in t for t in en)
    zh = _texts(mined["zh"])
    assert "人类命运共同体" in zh
    assert any("中国领土不可分割的一部分" in t for t in zh)
    assert any("霸凌" in t for t in zh)


@pytest.mark.parametrize("item", EVALUATION["known"], ids=lambda k: k["text"])
def test_known_formulations_of_the_evaluation_set_are_found(mined, item):
    # found when a mined phrase of its language contains it (the set is hand-picked and never read by the miner)
    if item["text"] == "一带一路":
        pytest.xfail("reporters name the initiative as often as the spokespersons do: the question contrast "
                     "removes it (docs/formulations-top100.md)")
    assert any(item["text"].lower() in t for t in _texts(mined[item["lang"]])), item["text"]


def test_generic_collocations_stay_out_of_the_top_100(mined):
    for lang in ("en", "zh"):
        top = {f.text.lower() for f in mined[lang][:100]}
        generic = {g["text"].lower() for g in EVALUATION["generic"] if g["lang"] == lang}
        assert not top & generic, lang


def test_background_table_ships_with_provenance_and_removes_common_english(mined):
    with gzip.open(BACKGROUND_EN, "rt", encoding="utf-8") as fh:
        header = [line for _, line in zip(range(12), fh, strict=False) if line.startswith("#")]
    assert any("whitehouse" in line for line in header) and any("documents:" in line for line in header)
    bg = load_background()
    assert bg is not None and bg.documents > 1000
    # US briefings say it as often as the MFA: not a formulation, though it recurs in 100+ MFA briefings
    assert bg.phrase_df("around the world".split()) > 0.2 * bg.documents
    assert not any("around the world" in t for t in _texts(mined["en"]))


def test_chinese_phrases_are_not_cut_mid_word(mined):
    # pieces of longer words recur as often as the words: "国领导人" (两国领导人), "联合国安理" (联合国安理会)
    zh = _texts(mined["zh"][:300])
    assert not {"国领导人", "联合国安理", "区和平稳定", "题上的立场"} & zh


def test_sub_phrases_are_absorbed_by_the_phrase_they_live_in(mined):
    en = _texts(mined["en"])
    # "shared future for mankind" almost never occurs outside "community with a shared future for mankind"
    assert "shared future for mankind" not in en
    zh = _texts(mined["zh"])
    assert "命运共同" not in zh


def test_no_reporter_formulas_or_stop_word_edges(mined):
    for f in mined["en"]:
        words = f.text.lower().split()
        assert words[0] not in EN_STOP and words[-1] not in EN_STOP, f.text
        assert "you" not in words and "i" not in words, f.text
    assert not any("any comment" in t for t in _texts(mined["en"]))


def test_use_over_time_is_counted_against_briefings_held(mined, briefings):
    # mined per series and language: held counts the briefings of the phrase's own series and language
    held: dict[tuple[str, str], Counter] = {}
    for b in briefings:
        held.setdefault((b.series, b.lang), Counter())[b.date.strftime("%Y-%m")] += 1
    for lang, found in mined.items():
        assert len(found) > 100
        assert len({f.series for f in found}) >= 2  # regular press conferences and spokesperson's remarks
        for f in found[:200]:
            months = held[(f.series, lang)]
            assert set(f.months) == set(months)  # every month with a briefing, explicit zeros included
            assert all(h == months[m] and 0 <= u <= h for m, (u, h) in f.months.items())
            assert sum(u for u, _ in f.months.values()) == f.briefings
            assert f.first_date <= f.last_date
            assert f.briefings >= 5 and f.occurrences >= f.briefings
            assert f.spokespersons
        assert any(u == 0 for f in found[:50] for u, _ in f.months.values())


def test_briefing_counts_agree_with_an_independent_count(mined, briefings):
    phrase = "community with a shared future for mankind"
    f = next(f for f in mined["en"] if f.text.lower() == phrase and f.series.endswith("regular press conference"))
    pattern = re.compile(r"\bcommunity\s+with\s+a\s+shared\s+future\s+for\s+mankind\b", re.I)
    using = sorted((b.date, b.key) for b in briefings if b.lang == "en" and b.series == f.series and (
        any(pattern.search(t.text) for t in b.openings) or any(pattern.search(e.answer_text) for e in b.exchanges)))
    assert f.briefings == len(using)
    assert f.first_date == using[0][0].isoformat()
    assert f.last_date == using[-1][0].isoformat()


def test_pass_tags_the_answers_that_use_a_formulation(mined):
    tagger = FormulationsPass(mined["en"])
    briefing = parse_file(SEED / "000_32323ef4823c7adf.txt")
    anns = {a.exchange_n: a for a in tagger.annotate(briefing)}
    assert set(anns) == {e.n for e in briefing.exchanges}
    quran = next(e.n for e in briefing.exchanges if "Quran" in e.question_text)
    assert "community with a shared future for mankind" in [t.lower() for t in anns[quran].value]
    untagged = [n for n, a in anns.items() if not a.value]
    assert untagged  # "I suggest you follow our updates" uses none
    # the version follows the list, so re-mining re-tags
    assert FormulationsPass(mined["en"][:10]).version != tagger.version
    assert FormulationsPass().annotate(briefing) == []


def _rate(norms: list[str], phrase: str, lang: str) -> float:
    """Occurrences of the phrase per character of the normalised texts (smoothed)."""
    key = " " + phrase.lower() + " " if lang == "en" else phrase
    return (sum(n.count(key) for n in norms) + 0.5) / max(1, sum(map(len, norms)))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reporters_words_are_not_formulations(mined, briefings, lang):
    """A formulation is the spokesperson's wording: every phrase of the top 100 is markedly more frequent in the
    answers than in the questions; the topic words reporters use as much stay out."""
    import math

    from podium.analysis.formulations import normalise

    mine_lang = [b for b in briefings if b.lang == lang]
    questions = [normalise(e.question_text, lang) for b in mine_lang for e in b.exchanges]
    answers = [normalise(t, lang) for b in mine_lang
               for t in [o.text for o in b.openings] + [e.answer_text for e in b.exchanges]]
    top = sorted(mined[lang], key=lambda f: -f.briefings)[:100]
    ratios = {f.text: math.log(_rate(answers, f.text, lang) / _rate(questions, f.text, lang)) for f in top[:40]}
    assert min(ratios.values()) > 0.4, sorted(ratios.items(), key=lambda kv: kv[1])[:5]
    texts = {f.text for f in mined[lang]}
    topical = {"en": ["media reports", "trade talks"], "zh": ["中国公民", "国家安全", "基础设施"]}[lang]
    assert not texts & set(topical)


def test_fragments_merge_into_the_full_phrase(mined):
    en, zh = _texts(mined["en"]), _texts(mined["zh"])
    assert "regional peace and stability" in en and "regional peace" not in en
    assert "korean peninsula issue" in en and "peninsula issue" not in en
    # Chinese: a governing verb before a whole phrase does not absorb it (构建 + 人类命运共同体)
    assert "人类命运共同体" in zh
    assert not {"维护国际", "国际社会应", "国际社会的普遍"} & zh


def test_first_use_is_stated_against_coverage_and_a_list_can_be_curated(analysed_db, tmp_path):
    from click.testing import CliRunner

    from podium import Podium
    from podium.cli import main

    with Podium(analysed_db, create=False) as pod:
        df = pod.formulations(limit=5000)
        # coverage: the first month with a briefing of the phrase's series and language
        start = df["months"].map(min)
        at_start = df["first_date"].str[:7] == start
        assert (df.loc[at_start, "first_use"] == "before coverage").all()
        assert (df.loc[~at_start, "first_use"] == df.loc[~at_start, "first_date"]).all()
        assert at_start.any() and (~at_start).any()
        assert set(df.loc[df["lang"] == "en", "coverage_from"]) >= {"2018-05"}
        top = pod.formulations(limit=10)
        curated = pod.formulations(limit=10, exclude=[top["text"].iloc[0].upper()], min_briefings=50)
        assert top["text"].iloc[0] not in set(curated["text"]) and (curated["briefings"] >= 50).all()
    ex = tmp_path / "exclude.txt"
    ex.write_text(f"# generic\n{top['text'].iloc[1]}\n", "utf-8")
    r = CliRunner().invoke(main, ["formulations", "--db", str(analysed_db), "--exclude-file", str(ex),
                                  "--limit", "5"])
    assert r.exit_code == 0 and f"] {top['text'].iloc[1]}\n" not in r.output and "1 phrase(s) excluded" in r.output


# ---- counting in bounded memory ----------------------------------------------------------------------------------

def _zh_docs(briefings, limit=None):
    from podium.analysis.formulations import _segments, _spoken

    group = sorted((b for b in briefings if b.lang == "zh"), key=lambda b: (b.date, b.key))[:limit]
    return [[seg for _, text in _spoken(b) for seg in _segments(text, "zh", None)] for b in group]


def test_ngram_counts_match_a_plain_count_whatever_the_chunk(briefings, tmp_path, monkeypatch):
    """The chunked counter (documents a chunk at a time, chunks waiting on disk) against a plain Counter over the
    same Chinese answers, for chunks far smaller than the corpus and for one chunk holding it all; no temporary
    folder is left behind."""
    import tempfile

    from podium.analysis.ngrams import frequent_ngrams

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    docs = _zh_docs(briefings, 150) + [[], []]  # documents without text still count towards min_df
    plain_df: Counter = Counter()
    plain_tf: Counter = Counter()
    for doc in docs:
        grams = [seg[i:i + n] for seg in doc for n in (1, 2, 3) for i in range(len(seg) - n + 1)]
        plain_tf.update(grams)
        plain_df.update(set(grams))
    seen = []
    min_df = lambda n_docs: seen.append(n_docs) or 8  # noqa: E731
    results = [frequent_ngrams(iter(docs), 3, min_df, chunk_tokens=size) for size in (10**9, 40_000, 1_500)]
    assert seen == [len(docs)] * 3
    one = results[0]
    assert one[2] == sum(len(seg) for doc in docs for seg in doc)
    assert 5_000 < len(one[0]) < len(plain_df)
    # Apriori: an n-gram in 8 documents has both (n-1)-grams in 8 documents, so nothing frequent is missed
    assert one[0] == {g: d for g, d in plain_df.items() if d >= 8}
    assert one[1] == {g: plain_tf[g] for g in one[0]}
    for other in results[1:]:
        assert list(other[0].items()) == list(one[0].items()) and other[1] == one[1] and other[2] == one[2]
    assert list(tmp_path.iterdir()) == []

    # more documents than a chunk numbers (2**16): the first and the last are still two documents
    many = [["甲乙"]] + [["丙"]] * (2**16 - 1) + [["甲乙"]]
    assert frequent_ngrams(iter(many), 2, 2)[0] == {"甲": 2, "乙": 2, "丙": 2**16 - 1, "甲乙": 2}
    assert list(tmp_path.iterdir()) == []

    def broken():
        yield from docs[:100]
        raise OSError("the store went away")

    with pytest.raises(OSError):
        frequent_ngrams(broken(), 3, 8, chunk_tokens=1_500)
    assert list(tmp_path.iterdir()) == []


def test_mining_from_the_store_equals_mining_in_memory(mined, analysed_db):
    """``podium analyse`` reads each group's briefings from the store three times rather than holding them; the
    list it stored is the list ``mine`` gives on the same briefings held in memory."""
    from podium.analysis.formulations import mine
    from podium.store import Database, analytics

    db = Database(analysed_db, create=False)
    try:
        held = [b for _, b in db.store.load_briefings(analytics.briefing_ids(db.store))]
    finally:
        db.close()
    again = mine(held)
    stored = mined["en"] + mined["zh"]
    key = lambda f: (f.series, f.lang, f.text)  # noqa: E731
    assert len(again) == len(stored) > 1000
    assert sorted(map(key, again)) == sorted(map(key, stored))
    by_key = {key(f): f for f in stored}
    for f in again:
        s = by_key[key(f)]
        assert (f.briefings, f.occurrences, f.first_briefing, f.last_briefing, f.months, f.spokespersons) == (
            s.briefings, s.occurrences, s.first_briefing, s.last_briefing, s.months, s.spokespersons), f.text


def test_normalised_length_is_counted_without_normalising(briefings):
    """The first pass counts the characters of the normalised answers (the rate the answers-against-questions
    test divides by) from the segments it cuts anyway; it must equal the length of the normalised text."""
    from podium.analysis.formulations import _CJK_RUN, _en_parts, _normalised_length, _spoken, normalise

    texts = [(b.lang, t) for b in briefings[::5] for _, t in _spoken(b)] + [("en", ""), ("zh", ""), ("en", "—")]
    assert len(texts) > 2000
    for lang, text in texts:
        parts = _CJK_RUN.findall(text) if lang == "zh" else _en_parts(text)
        assert _normalised_length(parts, lang) == len(normalise(text, lang)), text[:80]
