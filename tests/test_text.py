"""The one sentence splitter (podium.text) on real MFA answers, English and Chinese, and its two users: the clarity
evidence and keyword in context in sentence mode."""

from __future__ import annotations

import re

import pytest

from podium.analysis.clarity import ClarityPass
from podium.errors import PodiumError
from podium.parse import parse_file
from podium.text import sentence_spans, sentences

from conftest import CORPUS, SEED

_TITLE_END = re.compile(r"(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof)\.$")
_ABBREVIATION_ONLY = re.compile(r"(?:[A-Z]\.){1,3}|Mr\.|Mrs\.|Ms\.|Dr\.")  # "No." alone is an answer
_CLOSERS = "\"'”’)]」』）》"


def _answers(lang: str, every: int) -> list[str]:
    out = []
    for path in sorted((CORPUS / "mfa" / lang).glob("t*.html"))[::every]:
        try:
            out.extend(e.answer_text for e in parse_file(path).exchanges)
        except PodiumError:
            continue
    return out


@pytest.fixture(scope="module")
def english(shared) -> list[str]:
    return _answers("en", 4)


@pytest.fixture(scope="module")
def chinese(shared) -> list[str]:
    return _answers("zh", 8)


def test_english_answers_keep_titles_and_abbreviations_with_what_follows(english):
    titled = sum(len(re.findall(r"\b(?:Mr|Dr|Ms|Mrs)\. [A-Z]", a)) for a in english)
    initials = sum(len(re.findall(r"\b(?:[A-Z]\.)+ [A-Z]", a)) for a in english)  # "K.P. Sharma Oli", "Helen Y. Chu"
    assert len(english) > 1000 and titled > 20 and initials > 0, (len(english), titled, initials)
    for answer in english:
        for s in sentences(answer):
            assert not _TITLE_END.search(s), s
            assert not _ABBREVIATION_ONLY.fullmatch(s), (s, answer[:200])
            # a decimal point is never a cut: a sentence does not end on "3." before "5 percent"
            assert not re.search(r"\d\.$", s) or not re.match(r"\d", answer[answer.find(s) + len(s):].lstrip()), s


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sentences_cover_the_text_and_end_where_a_sentence_ends(lang, english, chinese):
    answers = english if lang == "en" else chinese
    ends = ".!?" + _CLOSERS if lang == "en" else "。！？!?" + _CLOSERS
    cut_inside = 0
    for answer in answers:
        spans = sentence_spans(answer)
        # nothing lost, nothing doubled: the sentences are the text less its white space
        assert "".join(answer[a:b] for a, b in spans).replace(" ", "") == re.sub(r"\s", "", answer)
        assert all(a < b for a, b in spans)
        assert all(b0 <= a1 for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False))
        for (_, b), (a_next, _) in zip(spans, spans[1:], strict=False):
            if "\n" not in answer[b:a_next]:  # a sentence cut inside a paragraph ends on its punctuation
                assert answer[b - 1] in ends, (answer[:b][-60:], answer[a_next:][:40])
                cut_inside += 1
        if lang == "zh":
            for a, b in spans:  # no 。！？ inside a sentence (only at its end, before closing quotes)
                assert not re.search(r"[。！？][^。！？" + _CLOSERS + "]", answer[a:b]), answer[a:b]
    assert cut_inside > len(answers)  # most answers have sentences to cut


@pytest.mark.parametrize("text,expected", [
    ("Mr. Wang Yi met U.S. President Trump. The talks went well.",
     ["Mr. Wang Yi met U.S. President Trump.", "The talks went well."]),
    ("Growth was 6.1 percent in No. 1 province. We welcome it!",
     ["Growth was 6.1 percent in No. 1 province.", "We welcome it!"]),
    ("It was imposed by the U.S. The Chinese side opposes it.",
     ["It was imposed by the U.S.", "The Chinese side opposes it."]),
    ("“We oppose it.” He said so? No. It is not true.", ["“We oppose it.”", "He said so?", "No.", "It is not true."]),
    ("中方坚决反对。美方应当停止！你说呢？好的；可以。",
     ["中方坚决反对。", "美方应当停止！", "你说呢？", "好的；可以。"]),
    ("First paragraph\nsecond one.", ["First paragraph", "second one."]),
])
def test_rules(text, expected):
    assert sentences(text) == expected


def test_clarity_evidence_is_a_whole_sentence(shared):
    """The evidence of a clarity annotation is never cut at "Mr." or "U.S." (the seed briefing and two pages whose
    answers name people by title)."""
    pages = [SEED / "000_32323ef4823c7adf.txt", CORPUS / "mfa/en/t1558711.html", CORPUS / "mfa/en/t1784867.html"]
    seen = 0
    for page in pages:
        for a in ClarityPass().annotate(parse_file(page)):
            seen += 1
            assert a.evidence and not _TITLE_END.search(a.evidence), a.evidence
            assert not _ABBREVIATION_ONLY.fullmatch(a.evidence), a.evidence
    assert seen > 20
