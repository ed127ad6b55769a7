"""MFA Chinese pages: labels, follow-ups, stage notes, post-conference questions, outlets, charsets, bad input."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from podium.errors import ParseError
from podium.model import STAGE
from podium.parse import detect, parse_bytes, parse_file
from podium.parse.mfa_zh_html import FORMAT, REMARKS_SERIES, SERIES

from conftest import CORPUS, SEED

ZH = CORPUS / "mfa" / "zh"


@pytest.fixture(scope="session")
def zh_corpus(shared):
    """Every Chinese article page parsed once: {file name: Briefing or ParseError}."""
    out = {}
    for path in sorted(ZH.glob("t*.html")):
        try:
            out[path.name] = parse_file(path)
        except ParseError as exc:
            out[path.name] = exc
    return out


def test_old_style_page_is_anonymous_and_opens_with_announcement(shared):
    b = parse_file(ZH / "t1418796.html")
    assert (b.series, b.lang, b.date.isoformat(), b.spokesperson) == (SERIES, "zh", "2016-11-25", "耿爽")
    assert b.format == "mfa-zh-html"
    assert len(b.openings) == 1 and b.openings[0].text.startswith("应国务院总理李克强邀请")
    assert all(e.asker in ("问", "记者") and e.outlet is None for e in b.exchanges)
    assert all(e.spokesperson == "耿爽" for e in b.exchanges)


def test_post_conference_question_is_an_anonymous_exchange_answered_by_name(shared):
    last = parse_file(ZH / "t1418796.html").exchanges[-1]
    assert last.asker == "记者" and last.outlet is None
    assert last.question.speaker.startswith("会后")
    assert last.answers[0].speaker == "耿爽" and last.answer_text.startswith("我们对哥伦比亚政府")
    # "陆慷：" after "会后有记者问及："
    last = parse_file(ZH / "t1603398.html").exchanges[-1]
    assert last.asker == "记者" and last.spokesperson == "陆慷" and len(last.answers[0].paragraphs) == 5


def test_stage_notes_stay_out_of_the_answer(shared):
    b = parse_file(ZH / "t1472124.html")
    e = b.exchanges[5]
    assert len([p for a in e.answers for p in a.paragraphs]) == 5
    assert "（记者" not in e.answer_text
    notes = [t.text for t in b.turns if t.role == STAGE]
    assert "（记者点头）" in notes and any(n.startswith("（记者：日本媒体") for n in notes)


def test_journalist_talking_back_is_a_follow_up_in_both_languages(shared):
    """"记者：三个。" mid-answer opens a follow-up exchange of the interrupted asker, as "Journalist: Three." does on
    the English page of the same press conference (2019-07-15): one rule, the same exchanges in both versions."""
    zh = parse_file(ZH / "t1681160.html").exchanges
    en = parse_file(CORPUS / "mfa" / "en" / "t1681206.html").exchanges
    assert [(e.question.speaker, e.follow_up) for e in zh[3:6]] == [("问", False), ("记者", True), ("记者", True)]
    assert [(e.question.speaker, e.follow_up) for e in en[3:6]] == [("Q", False), ("Journalist", True),
                                                                     ("Journalist", True)]
    assert zh[3].answer_text == "你这是问了几个问题？" and en[3].answer_text == "How many questions did you ask?"
    assert zh[4].question_text == "三个。" and en[4].question_text == "Three."
    assert zh[5].question_text.startswith("好。") and zh[5].answer_text.startswith("关于第一个问题")
    assert en[5].answer_text.startswith("On your first question")
    assert all(e.asker == "问" for e in zh[3:6]) and all(e.asker == "Q" for e in en[3:6])


def test_journalist_laughing_while_talking_back_is_a_follow_up_too(shared):
    """"记者笑：我希望你的回答也长一些。" is printed "Journalist: I hope your answer is long, too." in English."""
    zh = [e for e in parse_file(ZH / "t1672311.html").exchanges if e.question.speaker == "记者笑"]
    en = [e for e in parse_file(CORPUS / "mfa" / "en" / "t1672341.html").exchanges
          if e.question.speaker == "Journalist"]
    assert [e.question_text for e in zh] == ["我希望你的回答也长一些。"] and zh[0].follow_up
    assert [e.question_text for e in en] == ["I hope your answer is long, too."] and en[0].follow_up


def test_follow_ups_inherit_the_asker(shared):
    b = parse_file(ZH / "t1760304.html")
    e = b.exchanges[8]
    assert (e.question.speaker, e.asker, e.outlet, e.follow_up) == ("追问", "彭博社记者", "Bloomberg", True)
    numbered = parse_file(ZH / "t1726539.html").exchanges
    assert [(e.question.speaker, e.follow_up) for e in numbered[11:13]] == [("追问一", True), ("追问二", True)]


def test_new_style_names_label_openings_and_answers(shared):
    b = parse_file(ZH / "t1760304.html")
    assert b.openings[0].text.startswith("首先向大家通报一组数字：")  # a colon, yet not a speaker label
    assert {e.spokesperson for e in b.exchanges} == {"耿爽"}
    assert [e.outlet for e in b.exchanges[:3]] == ["CCTV", "The Paper", "Reuters"]


def test_asker_label_with_tiwen_suffix_is_normalised(shared):
    b = parse_file(ZH / "t1788865.html")
    assert b.exchanges[0].question.speaker == "总台央视记者提问"
    assert (b.exchanges[0].asker, b.exchanges[0].outlet) == ("总台央视记者", "CCTV")
    assert (b.exchanges[6].asker, b.exchanges[6].outlet) == ("外国记者", None)


def test_unlabelled_answer_is_recovered(shared):
    e = parse_file(ZH / "t1790422.html").exchanges[18]
    assert e.question.text == "中俄印外长会谈是否仍将举行？"
    assert e.answers[0].speaker is None and e.answer_text.startswith("我昨天已经发布了消息")
    assert e.spokesperson == "赵立坚"


def test_every_recurring_outlet_label_is_in_the_registry(zh_corpus):
    unresolved = Counter(e.asker for b in zh_corpus.values() if not isinstance(b, ParseError)
                         for e in b.exchanges if e.outlet is None and not e.follow_up)
    anonymous = {"问", "记者", "外国记者", "俄罗斯记者"}
    assert {a: n for a, n in unresolved.items() if n > 1 and a not in anonymous} == {}


def test_whole_corpus_parses_except_statements(zh_corpus):
    failed = {name: exc for name, exc in zh_corpus.items() if isinstance(exc, ParseError)}
    assert all("statement with no question" in exc.reason for exc in failed.values())
    assert len(failed) < 40
    briefings = [b for b in zh_corpus.values() if not isinstance(b, ParseError)]
    assert sum(b.series == SERIES for b in briefings) == 807
    assert all(b.series == REMARKS_SERIES for b in briefings if "例行记者会" not in b.title)
    # answers go missing only where the page itself drops them
    assert sum(1 for b in briefings for e in b.exchanges if not e.answers) == 0


def test_remarks_item_with_one_question(shared):
    b = parse_file(ZH / "t1416955.html")
    assert (b.series, b.spokesperson, len(b.exchanges)) == (REMARKS_SERIES, "陆慷", 1)
    assert b.exchanges[0].asker == "记者"


def test_statement_without_question_is_rejected(shared):
    with pytest.raises(ParseError, match="statement with no question"):
        parse_file(ZH / "t1767861.html")


@pytest.mark.parametrize("declared", ["gb2312", "gbk", None])
def test_legacy_charsets_parse_the_same(shared, declared):
    text = (ZH / "t1760304.html").read_text(encoding="utf-8")
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
    text = re.sub(r'<meta http-equiv="Content-Type"[^>]*>', meta, text, count=1)
    data = text.encode("gb18030")
    b = parse_bytes(data, "recoded.html")
    ref = parse_file(ZH / "t1760304.html")
    assert b.to_dict() == {**ref.to_dict(), "url": None}


def test_truncated_page_is_a_parse_error(shared, tmp_path):
    data = (ZH / "t1760304.html").read_bytes()
    cut = data[: data.index("彭博社记者".encode()) + 20]
    path = tmp_path / "cut.html"
    path.write_bytes(cut)
    with pytest.raises(ParseError, match="truncated") as exc:
        parse_file(path)
    assert str(path) in str(exc.value)


def test_sniffer_claims_only_chinese_mfa_pages(shared):
    assert FORMAT.sniff((ZH / "t1415586.html").read_text(encoding="utf-8"), "x") == 1.0
    assert detect((ZH / "t1415586.html").read_text(encoding="utf-8")).name == "mfa-zh-html"
    others = [*sorted((CORPUS / "mfa" / "en").glob("t*.html"))[:20], *sorted(SEED.glob("*.txt")),
              *sorted((CORPUS / "whitehouse" / "2009-2016").glob("*.html"))[:5],
              *sorted((CORPUS / "whitehouse" / "2020-covid").glob("*.html"))[:2]]
    assert others
    for path in others:
        assert FORMAT.sniff(path.read_text(encoding="utf-8", errors="replace"), str(path)) == 0, path
    assert FORMAT.sniff("<html><body><p>问：你好？</p></body></html>", "x") == 0


def test_prose_with_a_colon_is_not_a_label(shared, tmp_path):
    text = (ZH / "t1418796.html").read_text(encoding="utf-8")
    assert "答：我目前不掌握有关情况" in text
    text = text.replace("答：我目前不掌握有关情况", "答：我想告诉这位记者：我目前不掌握有关情况", 1)
    path = tmp_path / "colon.html"
    path.write_text(text, encoding="utf-8")
    b = parse_file(path)
    assert len(b.exchanges) == 7
    assert b.exchanges[5].answer_text.startswith("我想告诉这位记者：我目前不掌握有关情况")


def test_site_layout_since_2021_reads_the_same(shared, tmp_path):
    """The 2021 site wraps the same paragraphs in .news-title / div.news-main (no such page in the corpus)."""
    text = (ZH / "t1760304.html").read_text(encoding="utf-8")
    text = text.replace('<div class="title" id="News_Body_Title">', '<div class="news-title"><h1>', 1)
    text = text.replace("主持例行记者会</div>", "主持例行记者会</h1><p class=\"time\">2020-03-24 15:00</p></div>", 1)
    text = text.replace('<span id="News_Body_Time">', "<span>", 1)
    text = text.replace('<div id="News_Body_Txt_A" class="content">', '<div class="news-main">', 1)
    assert 'id="News_Body_Txt_A"' not in text and 'id="News_Body_Time"' not in text
    path = tmp_path / "t20200324.html"
    path.write_text(text, encoding="utf-8")
    assert FORMAT.sniff(text, str(path)) > 0
    b = parse_file(path)
    ref = parse_file(ZH / "t1760304.html")
    assert (b.title, b.date, b.spokesperson) == (ref.title, ref.date, ref.spokesperson)
    assert [e.question_text for e in b.exchanges] == [e.question_text for e in ref.exchanges]


def test_closing_words_and_schedule_notices_are_not_part_of_the_last_answer(shared):
    """"如无其他问题，今天记者会到此结束", "外交部例行记者会将于…休会" and what follows a "*****" row are
    announcements (openings), not more paragraphs of the answer they follow."""
    b = parse_file(ZH / "t1539018.html")
    assert len(b.exchanges[-1].answers[0].paragraphs) == 1
    assert b.openings[-1].text.startswith("如无其他问题，今天记者会到此结束")
    b = parse_file(ZH / "t1735570.html")  # notice, then New Year wishes, after the answer to a talk-back
    assert b.exchanges[-1].follow_up and [len(a.paragraphs) for a in b.exchanges[-1].answers] == [1]
    assert b.openings[-1].text.startswith("根据2020年春节假期放假安排") and len(b.openings[-1].paragraphs) == 5
    # a labelled farewell after "*****" is an announcement, not a second answer to the last question
    b = parse_file(ZH / "t1786225.html")
    assert len(b.exchanges[-1].answers) == 1
    assert b.openings[-1].speaker == "耿爽" and b.openings[-1].text.startswith("由于工作安排原因")
    assert not any(p.startswith("*") for t in b.turns for p in t.paragraphs)
    # "…记者会上…" inside an ordinary answer is left alone
    e = parse_file(ZH / "t1728948.html").exchanges[-1]
    assert len(e.answers[0].paragraphs) == 3 and e.answers[0].paragraphs[-1].startswith("中国政府高度重视")


def test_named_follow_up_is_asked_by_the_outlet_it_names(shared):
    """"彭博社记者追问：" after CCTV's question: a follow-up, asked by Bloomberg (not by CCTV)."""
    e = parse_file(ZH / "t1775247.html").exchanges[1]
    assert (e.question.speaker, e.asker, e.outlet, e.follow_up) == ("彭博社记者追问", "彭博社记者", "Bloomberg", True)


def test_answer_run_into_the_question_paragraph_is_split_off(shared, tmp_path):
    """"问：……？答：……" in one paragraph (and "问：……？耿爽：……") parses like the two paragraphs it stands for."""
    text = (ZH / "t1436817.html").read_text(encoding="utf-8")
    joined, n = re.subn(r"</B>\s*</P>\s*<P[^>]*>\u3000\u3000(答：近年来，中英关系)", r"</B>\1", text, count=1)
    assert n == 1
    joined, n = re.subn(r"</B>\s*</P>\s*<P[^>]*>\u3000\u3000答：(二十国集团外长会)", r"</B>陆慷：\1", joined, count=1)
    assert n == 1
    path = tmp_path / "joined.html"
    path.write_text(joined, encoding="utf-8")
    b, ref = parse_file(path), parse_file(ZH / "t1436817.html")
    assert [(e.question_text, e.answer_text) for e in b.exchanges] == [(e.question_text, e.answer_text)
                                                                        for e in ref.exchanges]
    assert b.exchanges[1].answers[0].speaker == "陆慷"


def test_reply_given_after_the_conference_joins_the_exchange_it_answers(shared):
    """"会后，就《南华早报》记者所提问题，赵立坚表示：" follows Xinhua's exchange on the page, but answers SCMP's."""
    b = parse_file(ZH / "t1766913.html")
    scmp, last = b.exchanges[8], b.exchanges[-1]
    assert scmp.outlet == "South China Morning Post"
    assert scmp.answers[-1].speaker == "赵立坚" and scmp.answers[-1].text.startswith("中国是网络大国")
    assert "会后" not in last.answer_text and len(last.answers[0].paragraphs) == 4
    assert any(t.role == STAGE and t.text.startswith("会后，就《南华早报》记者所提问题") for t in b.turns)
