"""Full-text search over the whole shared MFA corpus: exact phrases are exact, Chinese words are found,
the query language and filters behave, hits carry the spans of their matches (no markup), and kwic finds what
search finds."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from podium import Podium, QueryError
from podium.parse import parse_file
from podium.sources.files import pages

from conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def pod(mfa_db):
    with Podium(mfa_db, create=False) as p:
        yield p


@pytest.fixture(scope="module")
def parsed():
    """Every briefing of the corpus, parsed independently of the store: {(url, n): (question, answer, lang)}."""
    out = {}
    for page in pages([CORPUS / "mfa"]):
        if page.skip:
            continue
        try:
            b = parse_file(page.path, url=page.url)
        except Exception:
            continue
        for e in b.exchanges:
            out[(b.key, e.n)] = (e.question_text, e.answer_text, b.lang)
    return out


# a letter/digit that is not a Han character (each Han character is a word of its own)
_W = r"[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def _regex(words: list[str]) -> re.Pattern:
    """Independent rule: the words in sequence, case-insensitive, whole words, anything else between."""
    return re.compile(rf"(?<!{_W})" + r"(?:[\W_]+)".join(map(re.escape, words)) + rf"(?!{_W})", re.I)


def _regex_matches(parsed, words: list[str]) -> set[tuple[str, int]]:
    rx = _regex(words)
    return {k for k, (q, a, _) in parsed.items() if rx.search(q) or rx.search(a)}


def _hits(pod, query, **kw) -> list:
    res = pod.search(query, limit=100_000, **kw)
    assert res.total == len(res.hits)
    return res.hits


def _marked(hit) -> list[str]:
    """The text of every match a hit's spans mark, question then answer (a SearchHit or its JSON)."""
    return [hit[field][s:e] for field in ("question", "answer") for s, e in hit[f"{field}_spans"]]


@pytest.mark.parametrize("phrase", ["shared future", "one China", "internal affairs", "South China Sea"])
def test_phrase_search_returns_exactly_the_exchanges_containing_the_phrase(pod, parsed, phrase):
    expected = _regex_matches(parsed, phrase.split())
    hits = _hits(pod, f'"{phrase}"')
    got = {(h["url"], h["n"]) for h in hits}
    assert len(expected) > 20
    assert got == expected
    for h in hits:  # every hit marks the phrase, in question or answer
        assert any(re.sub(r"[\W_]+", " ", m).lower() == phrase.lower() for m in _marked(h))


def test_exact_phrase_never_matches_stems(pod, parsed):
    # Porter stems one -> on and international -> internat; a stemmed phrase would find these too
    one_china = {(h["url"], h["n"]) for h in _hits(pod, '"one China"')}
    on_china = _regex_matches(parsed, ["on", "China"]) - _regex_matches(parsed, ["one", "China"])
    assert on_china and not (one_china & on_china)
    internal = {(h["url"], h["n"]) for h in _hits(pod, '"internal affairs"')}
    international = _regex_matches(parsed, ["international", "affairs"]) - _regex_matches(parsed, ["internal",
                                                                                                   "affairs"])
    assert international and not (internal & international)


def test_unquoted_words_match_inflections_unless_exact(pod, parsed):
    stemmed = {(h["url"], h["n"]) for h in _hits(pod, "tariffs")}
    exact = {(h["url"], h["n"]) for h in _hits(pod, "tariffs", exact=True)}
    assert exact == _regex_matches(parsed, ["tariffs"])
    assert stemmed == _regex_matches(parsed, ["tariffs"]) | _regex_matches(parsed, ["tariff"])
    assert len(stemmed) > len(exact)


def test_an_unquoted_word_finds_every_word_of_its_stem(pod, parsed):
    """The index holds words as written; an unquoted word is looked up as every word of the index with its stem
    (read from the term dictionary). Against the corpus parsed apart: each exchange with a word of that stem."""
    from podium.store.text import stem

    stems_of = {k: {stem(w) for w in {w.lower() for w in re.findall(rf"{_W}+", q + " " + a)}}
                for k, (q, a, _) in parsed.items()}
    # common and rare words, words whose stem is no prefix of every form (dying -> die) and a one-letter stem
    for query in ["relations", "tariffs", "hoping", "die", "lie", "happily", "organizations", "possibility",
                  "criticized", "a", "5g"]:
        target = stem(query)
        expected = {k for k, stems in stems_of.items() if target in stems}
        assert expected, query
        assert {(h["url"], h["n"]) for h in _hits(pod, query)} == expected, query


def test_an_unquoted_word_finds_the_inflections_a_later_ingest_brings(tmp_path):
    """The words of a stem are read from the index and kept until it changes: a form that only a later ingest
    brings is found by the writer and by a reader opened before that ingest, which had looked the stem up."""
    from podium.store.text import stem

    def stems(page) -> dict[str, set[str]]:  # stem -> the forms a page's exchanges use
        out: dict[str, set[str]] = {}
        for e in parse_file(page).exchanges:
            for w in re.findall(rf"{_W}+", f"{e.question_text} {e.answer_text}".lower()):
                if w.isascii():
                    out.setdefault(stem(w), set()).add(w)
        return out

    pages = sorted((CORPUS / "mfa" / "en").glob("t*.html"))[-20:]
    first = stems(pages[0])
    later, target, new_form = next((p, st, sorted(forms - first[st])[0]) for p in pages[1:]
                                   for st, forms in sorted(stems(p).items()) if st in first and forms - first[st])
    query = sorted(first[target])[0]

    def expected(*ps) -> int:
        return sum(1 for p in ps for e in parse_file(p).exchanges
                   if target in {stem(w) for w in re.findall(rf"{_W}+", f"{e.question_text} {e.answer_text}".lower())})

    db = tmp_path / "grow.db"
    with Podium(db) as writer:
        writer.ingest([pages[0]], analyse=False)
        with Podium(db, create=False) as reader:
            for pod in (writer, reader):
                assert pod.search(query, limit=0)["total"] == expected(pages[0])
            writer.ingest([later], analyse=False)
            for pod in (writer, reader):
                res = pod.search(new_form, limit=1000)
                assert res["total"] == expected(pages[0], later) > expected(pages[0]), (query, new_form)


@pytest.mark.parametrize("query, word", [
    ("美方", "美方"), ("台湾", "台湾"), ("香港", "香港"), ("一带一路", "一带一路"), ("中美关系", "中美关系"),
    ('"中美 关系"', "中美关系"), ("蓬", "蓬"), ("蓬*", "蓬")])
def test_chinese_words_of_any_length_are_found_exactly(pod, parsed, query, word):
    """Two characters (one bigram), one character (a regex over the bigrams holding it), three and more (a phrase
    of bigrams), a phrase whose characters the user spaced: every exchange holding the characters together, and
    only those."""
    expected = {k for k, (q, a, _) in parsed.items() if word in q or word in a}
    hits = _hits(pod, query)
    assert len(expected) > 20
    assert {(h["url"], h["n"]) for h in hits} == expected
    assert all(word in _marked(h) for h in hits)


@pytest.mark.parametrize("query, rx", [
    ("2019年", rf"(?<!{_W})2019[\W_]*年"),  # a word, then a run starting with 年
    ("年12", rf"年[\W_]*12(?!{_W})"),  # a run ending with 年, then a word
    ("G20峰会", rf"(?<!{_W})G20[\W_]*峰会"),  # a word, then a run starting with 峰会
    ('"习近平 主席"', "习近平主席"),  # Han characters next to each other stand together
])
def test_chinese_mixed_with_other_words_is_found_exactly(pod, parsed, query, rx):
    """Han characters beside Latin words and digits: the words in sequence as the text has them, any
    punctuation between a word and a Han character, none between two Han characters."""
    pattern = re.compile(rx, re.I)
    expected = {k for k, (q, a, _) in parsed.items() if pattern.search(q) or pattern.search(a)}
    hits = _hits(pod, query)
    assert len(expected) > 5
    assert {(h["url"], h["n"]) for h in hits} == expected
    for h in hits:
        assert any(pattern.fullmatch(m) for m in _marked(h)), _marked(h)


def test_boolean_operators_prefix_and_grouping(pod, parsed):
    huawei = _regex_matches(parsed, ["huawei"])
    meng = _regex_matches(parsed, ["meng"])
    assert {(h["url"], h["n"]) for h in _hits(pod, "Huawei AND Meng")} == huawei & meng
    assert {(h["url"], h["n"]) for h in _hits(pod, "Huawei Meng")} == huawei & meng
    assert {(h["url"], h["n"]) for h in _hits(pod, "Huawei OR Meng")} == huawei | meng
    assert {(h["url"], h["n"]) for h in _hits(pod, "Huawei -Meng")} == huawei - meng
    assert {(h["url"], h["n"]) for h in _hits(pod, "Huawei NOT Meng")} == huawei - meng
    assert {(h["url"], h["n"]) for h in _hits(pod, '(Huawei OR ZTE) AND "5G"')} == \
        (huawei | _regex_matches(parsed, ["zte"])) & _regex_matches(parsed, ["5g"])
    rx = re.compile(rf"(?<!{_W})sanction", re.I)
    prefix = {k for k, (q, a, _) in parsed.items() if rx.search(q) or rx.search(a)}
    assert {(h["url"], h["n"]) for h in _hits(pod, "sanction*")} == prefix


@pytest.mark.parametrize("query, fragment", [
    ('"one China', "quote"),
    ("(Taiwan OR Hong", "parenthesis"),
    ("Taiwan)", "parenthesis"),
    ("Taiwan OR", "ends with an operator"),
    ("AND Taiwan", "term before and after"),
    ("", "empty query"),
    ('""', "empty phrase"),
    ("x AND *", "prefix"),
    ("a*b*", "prefix"),
    ("a*", "too short"),
])
def test_malformed_queries_raise_query_error_with_a_clear_message(pod, query, fragment):
    with pytest.raises(QueryError, match=re.escape(fragment)):
        pod.search(query)


def test_filters(pod):
    all_ = _hits(pod, "Taiwan")
    afp = _hits(pod, "Taiwan", outlet="afp")
    assert afp and all(h["outlet"] == "AFP" for h in afp) and len(afp) < len(all_)
    window = _hits(pod, "Taiwan", date_from="2019-01-01", date_to="2019-06-30")
    assert window and all("2019-01-01" <= h["date"] <= "2019-06-30" for h in window)
    assert {h["exchange_id"] for h in window} == {h["exchange_id"] for h in all_
                                                  if "2019-01-01" <= h["date"] <= "2019-06-30"}
    zh = _hits(pod, "美方", lang="zh")
    assert zh and len(_hits(pod, "美方", lang="en")) == 0
    hua = _hits(pod, '"trade war"', spokesperson="hua chunying")
    assert hua and all(h["spokesperson"] == "Hua Chunying" for h in hua)
    foreign = _hits(pod, "Taiwan", outlet_type="foreign media")
    assert foreign and all(h["outlet_type"] == "foreign media" for h in foreign)


@pytest.mark.parametrize("bad", ["2019-13-01", "yesterday", "2019/01/01"])
def test_bad_dates_raise_query_error(pod, bad):
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        pod.search("Taiwan", date_from=bad)


def test_star_alone_browses_every_exchange_by_filters(pod):
    res = pod.search("*", lang="zh", date_from="2019-01-01", date_to="2019-12-31", sort="date", facets=True)
    df = pod.exchanges(lang="zh", date_from="2019-01-01", date_to="2019-12-31")
    assert res["total"] == len(df) > 0
    assert sum(res["facets"]["year"].values()) == len(df) and set(res["facets"]["year"]) == {"2019"}
    assert res["hits"][0]["date"] == df["date"].max()
    assert _marked(res.hits[0]) == []


def test_sort_by_date_and_paging(pod):
    newest = pod.search("Taiwan", sort="date", limit=20)["hits"]
    dates = [h["date"] for h in newest]
    assert dates == sorted(dates, reverse=True)
    oldest = pod.search("Taiwan", sort="date_asc", limit=5)["hits"]
    assert oldest[0]["date"] <= newest[-1]["date"]
    page1 = pod.search("Taiwan", limit=10)["hits"]
    page2 = pod.search("Taiwan", limit=10, offset=10)["hits"]
    assert not {h["exchange_id"] for h in page1} & {h["exchange_id"] for h in page2}
    scores = [h["score"] for h in page1]
    assert scores == sorted(scores, reverse=True)


def test_facets_count_the_hits(pod):
    res = pod.search("Taiwan", facets=True, limit=100_000)
    assert sum(res["facets"]["lang"].values()) == res["total"]
    by_year: dict[str, int] = {}
    for h in res["hits"]:
        by_year[h["date"][:4]] = by_year.get(h["date"][:4], 0) + 1
    assert res["facets"]["year"] == by_year
    assert res["facets"]["outlet"]["AFP"] == sum(1 for h in res["hits"] if h["outlet"] == "AFP")
    assert pod.search('"trade war"').facets is None


def test_spans_are_offsets_into_the_text_as_stored(pod):
    """The facade returns no markup: the text as stored (in NFC) and where the matches are in it."""
    hits = [h for h in _hits(pod, '"Taiwan"') if any(c in h.answer for c in "&<>\"'")]
    assert hits
    for hit in hits[:20]:
        stored = pod.exchange(hit.exchange_id)
        for field in ("question", "answer"):
            assert hit[field] == unicodedata.normalize("NFC", stored[field])
        assert _marked(hit) and all(m.lower() == "taiwan" for m in _marked(hit))
        spans = hit.question_spans + hit.answer_spans
        assert all(0 <= s < e for s, e in spans)
        assert list(hit.question_spans) == sorted(hit.question_spans)


@pytest.mark.parametrize("query", ['"shared future"', "美方", "Huawei OR 华为"])
def test_snippet_is_a_stretch_around_the_first_match_and_its_pieces_mark_the_spans(pod, query):
    hits = _hits(pod, query)
    assert len(hits) > 20
    for h in hits:
        sn = h.snippet
        assert sn.field == ("answer" if h.answer_spans and not h.question_spans else "question")
        text, spans = h.text(sn.field), h.spans(sn.field)
        assert spans and sn.start <= spans[0][0] < sn.end <= len(text)
        pieces = h.snippet_pieces()
        inner = pieces[1 if sn.start else 0:len(pieces) - (sn.end < len(text))]
        assert [p for p in pieces if p not in inner] == [("…", False)] * (bool(sn.start) + (sn.end < len(text)))
        assert "".join(t for t, _ in inner) == text[sn.start:sn.end]
        assert [t for t, match in inner if match] == [text[max(s, sn.start):min(e, sn.end)] for s, e in spans
                                                       if s < sn.end and e > sn.start]


def test_kwic_window_and_sentence(pod, parsed):
    lines = pod.kwic('"shared future"', window=5, limit=10_000)
    rx = _regex(["shared", "future"])
    expected = sum(len(rx.findall(q)) + len(rx.findall(a)) for q, a, _ in parsed.values())
    assert len(lines) == expected
    for ln in lines[:50]:
        assert ln["keyword"].lower().split() == ["shared", "future"]
        assert len(re.findall(r"[^\W_]+", ln["left"])) == 5  # no exchange starts with "shared future"
        assert len(re.findall(r"[^\W_]+", ln["right"])) <= 5
    sent = pod.kwic('"shared future"', sentence=True, limit=20)
    for ln in sent:
        whole = f"{ln['left']} {ln['keyword']} {ln['right']}"
        assert whole.rstrip()[-1] in '.?!"”)' or ln["right"] == ""
        assert "\n" not in whole
    zh = pod.kwic("美方", sentence=True, limit=20, lang="zh")
    assert zh and all(ln["keyword"] == "美方" for ln in zh)
    assert all("。" not in ln["left"] for ln in zh)


def test_python_tokeniser_agrees_with_the_index_tokeniser(parsed):
    """Highlighting and kwic find matches with a Python copy of the index's tokeniser: the two must agree
    (the index tokenises the text as ``index_texts`` prepares it, each Han run as its bigrams)."""
    from podium.store.text import EXACT_ANALYZER, analyzers, index_texts, index_words

    index_words_of = analyzers()[EXACT_ANALYZER]
    texts = [q + "\n" + a for q, a, _ in list(parsed.values())[::40]]
    texts.append("Café «Zürich» naïve co-operation U.S.-China 2019年5月 美方表示 Ｆｕｌｌｗｉｄｔｈ x_y ß Путин 中 "
                 "İSTANBUL ΟΔΥΣΣΕΥΣ Ǆ ẞ")
    assert sum(bool(re.search("[\u4e00-\u9fff]", t)) for t in texts) > 50
    for text, prepared in zip(texts, index_texts(texts), strict=True):
        assert index_words_of.analyze(prepared) == index_words(text)
    assert index_words("美方表示，中 G20峰会") == ["美方", "方表", "表示", "中", "g20", "峰会"]
    # one word each, lowercased as a query word is
    assert index_words("İstanbul ΟΔΥΣΣΕΥΣ Café") == ["istanbul", "οδυσσευσ", "cafe"]


@pytest.mark.parametrize("phrase", ["shared future", "one China"])
def test_cli_search_json_returns_exactly_the_exchanges_containing_the_phrase(mfa_db, parsed, phrase):
    import json

    from click.testing import CliRunner

    from podium.cli import main

    result = CliRunner().invoke(main, ["search", f'"{phrase}"', "--json", "--limit", "100000", "--db", str(mfa_db)])
    assert result.exit_code == 0, result.output
    res = json.loads(result.output)
    assert res["total"] == len(res["hits"]) == len(_regex_matches(parsed, phrase.split()))
    assert {(h["url"], h["n"]) for h in res["hits"]} == _regex_matches(parsed, phrase.split())
    for h in res["hits"]:  # the JSON carries text and spans, no markup
        assert any(re.sub(r"[\W_]+", " ", m).lower() == phrase.lower() for m in _marked(h))


# ---- analysis on hits ---------------------------------------------------------------------------------------

NON_REPLIES = '"not aware" OR "refer you" OR "follow our updates"'


@pytest.fixture(scope="module")
def seed_pod(seed_analysed_db):
    with Podium(seed_analysed_db, create=False) as p:
        yield p


def test_hits_carry_the_clarity_and_countries_that_the_exchange_has(seed_pod):
    res = seed_pod.search("*", sort="date_asc", limit=1000)
    assert res["total"] == len(res["hits"]) > 20
    labelled = 0
    for h in res["hits"]:
        anns = seed_pod.exchange(h["exchange_id"])["annotations"]
        clarity = anns.get("clarity")
        assert h["clarity"] == (clarity["label"] if clarity else None)
        assert h["clarity_fine"] == (clarity["value"]["fine"] if clarity else None)
        assert h["clarity_evidence"] == (clarity["evidence"] if clarity else None)
        value = (anns.get("countries") or {}).get("value") or {}
        assert h["countries"] == tuple(sorted({*value.get("question", []), *value.get("answer", [])}))
        labelled += clarity is not None
    assert labelled == len(res["hits"])  # analyse=True labels every exchange
    assert {h["clarity"] for h in res["hits"]} <= {"Clear Reply", "Ambivalent", "Clear Non-Reply"}
    assert any(h["countries"] for h in res["hits"])


def test_clear_cut_non_replies_are_labelled_so_on_their_hits(seed_pod):
    # the seed page's "I'm not aware of what you mentioned", "I'd refer you to competent authorities",
    # "I suggest you follow our updates"
    hits = seed_pod.search(NON_REPLIES, limit=50)["hits"]
    seed = [h for h in hits if h["date"] == "2023-07-13"]
    assert len(seed) >= 3
    assert all(h["clarity"] == "Clear Non-Reply" and h["clarity_evidence"] for h in seed)
    for h in seed:
        assert h["clarity_evidence"] in h["answer"]


def test_hits_filtered_by_clarity_or_country_show_it(seed_pod):
    for label in ("Clear Reply", "Clear Non-Reply"):
        hits = seed_pod.search("*", clarity=label, limit=1000)["hits"]
        assert hits and all(h["clarity"] == label for h in hits)
    hits = seed_pod.search("*", country="USA", limit=1000)["hits"]
    assert hits and all("USA" in h["countries"] for h in hits)
    paged = seed_pod.search("*", sort="date_asc", limit=5, offset=5)["hits"]
    everything = {h["exchange_id"]: h for h in seed_pod.search("*", limit=1000)["hits"]}
    for h in paged:  # a later page is annotated like the first
        assert (h["clarity"], h["countries"]) == (everything[h["exchange_id"]]["clarity"],
                                                  everything[h["exchange_id"]]["countries"])


def test_hits_of_an_unanalysed_database_have_empty_annotations(pod):
    hits = pod.search("Taiwan", limit=5)["hits"]
    assert hits
    for h in hits:
        assert (h["clarity"], h["clarity_fine"], h["clarity_evidence"], h["countries"]) == (None, None, None, ())


@pytest.mark.parametrize("exact", [False, True])
def test_fast_highlighter_finds_what_the_word_by_word_matcher_finds(parsed, exact):
    """Texts whose words are all ASCII are highlighted by one regex per pattern; it must find exactly the spans
    that cutting the text into folded/stemmed words finds (stems whose word does not start like them: dying)."""
    from podium.store import query as q
    from podium.store.text import _NON_ASCII_WORD, _find_ascii, _find_words, normalize

    texts = [normalize(t) for qa in list(parsed.values())[::7] for t in qa[:2]]
    texts = [t for t in texts if _NON_ASCII_WORD.search(t) is None]
    assert len(texts) > 500
    texts.append("Dying, lying and tying; the cries of U.S.-China co-operation: a a a 5G 5g x_trade")
    queries = ['"one China"', "relations", "cooperation", "sanction*", '"the U.S."', "co-operation", "die", "lie",
               "cry", "us", '"a a"', "trading", "5G", "countries AND \"South China Sea\""]
    found = 0
    for query in queries:
        pats = q.patterns(q.parse(query), exact=exact)
        for text in texts:
            fast: list[tuple[int, int]] = []
            slow: list[tuple[int, int]] = []
            _find_ascii(text, pats, fast)
            _find_words(text, pats, slow)
            assert sorted(set(fast)) == sorted(set(slow)), (query, text[:80])
            found += len(slow)
    assert found > 1000


@pytest.mark.parametrize("word", ["x", "a", "I", "(((x)))"])
def test_one_letter_words_are_highlighted_and_the_search_ends(pod, parsed, word):
    """A one-letter word stems to itself: its highlighter must not match the empty string (that looped forever)."""
    res = pod.search(word, limit=5)
    letter = word.strip("()").lower()
    assert res["total"] > 0
    for hit in res["hits"]:
        marked = _marked(hit)
        assert marked and all(m.lower() == letter for m in marked)


@pytest.mark.parametrize(("lang", "queries", "ndcg", "p10"), [("en", 35, 0.90, 0.93), ("zh", 30, 0.93, 0.95)])
def test_ranking_keeps_the_judged_relevance_of_its_top_10(pod, lang, queries, ndcg, p10):
    """Topical queries as a researcher types them, each top-10 exchange graded for the query's need
    (benchmarks/data/search_relevance.json, which says how and by whom, and its limits). Measured with this
    ranking (benchmarks/eval_search.py), over the queries with a relevant exchange: English nDCG@10 0.926, P@10
    0.960 (index version 5's stemmed field: 0.930 / 0.957); Chinese 0.959 / 0.980 (version 5: 0.949); every
    top-10 place judged. A ranking that falls below the floors, or brings exchanges nobody judged into the top 10,
    needs judging before it ships."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import eval_search

    s = eval_search.summary(eval_search.score(eval_search.run(pod)), lang)
    assert s["queries"] == queries
    assert s["unjudged"] <= s["places"] // 10, f"{s['unjudged']} of {s['places']} top-10 places unjudged"
    assert s["ndcg"] >= ndcg and s["p10"] >= p10, s
