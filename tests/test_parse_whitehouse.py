"""White House pages: speaker names, anonymous reporters, stage notes, dates, furniture, bad input."""

from __future__ import annotations

import re

import pytest

from podium.errors import ParseError
from podium.model import OPENING, STAGE
from podium.parse import detect, parse_file
from podium.parse.whitehouse_html import FORMAT, SERIES

from conftest import CORPUS, FIXTURES, SEED

WH = CORPUS / "whitehouse"
COVID = WH / "2020-covid" / "white_house_briefing_March-24-2020.html"


def test_mirror_page_metadata_and_names(shared):
    b = parse_file(WH / "2009-2016" / "694.html")
    assert (b.series, b.lang, b.date.isoformat(), b.spokesperson) == (SERIES, "en", "2013-05-26", "Josh Earnest")
    assert b.format == "whitehouse-html"
    assert {e.spokesperson for e in b.exchanges} == {"Josh Earnest"}  # "MR. EARNEST" as a name
    assert b.openings[0].speaker == "MR. EARNEST" and len(b.openings[0].paragraphs) == 12


def test_bare_q_reporters_are_anonymous(shared):
    b = parse_file(WH / "2009-2016" / "766.html")
    assert b.exchanges and all((e.asker, e.outlet, e.outlet_type) == ("Q", None, None) for e in b.exchanges)
    assert b.exchanges[0].question_text.startswith("Jay, could you talk generally")


def test_header_and_end_lines_are_furniture(shared):
    b = parse_file(WH / "2009-2016" / "1635.html")
    texts = [p for t in b.turns for p in t.paragraphs]
    assert not any(p.startswith(("END", "6:01 P.M.", "6:04 P.M.", "Al Faw Palace", "THE WHITE HOUSE")) for p in texts)
    assert b.exchanges[-1].answer_text.startswith("It’s not likely") and len(b.exchanges[-1].answers[0].paragraphs) == 1


def test_date_from_header_when_title_has_none(shared):
    b = parse_file(WH / "2009-2016" / "1635.html")  # title says "4-7-09", the header "April 7, 2009"
    assert b.date.isoformat() == "2009-04-07"


def test_laughter_is_a_stage_turn(shared):
    b = parse_file(WH / "2009-2016" / "1336.html")
    assert any(t.role == STAGE and t.text == "(Laughter.)" for t in b.turns)
    assert not any(e.answer_text == "(Laughter.)" or "\n(Laughter.)" in e.answer_text for e in b.exchanges)


def test_parting_thanks_opens_no_exchange(shared):
    b = parse_file(WH / "2009-2016" / "1008.html")
    assert b.turns[-1].role == STAGE and b.turns[-1].text == "Thank you."
    assert all(e.answers for e in b.exchanges)


def test_covid_page_officials_and_president(shared):
    b = parse_file(COVID)
    assert (b.date.isoformat(), b.spokesperson) == ("2020-03-24", "President Trump")
    assert [t.speaker for t in b.openings][:3] == ["THE PRESIDENT", "DR. BIRX", "DR. FAUCI"]
    assert all(t.role == OPENING for t in b.openings)
    fauci = b.exchanges[6]
    assert fauci.question_text.startswith("Dr. Fauci, since") and fauci.spokesperson == "Dr. Fauci"
    assert b.exchanges[0].spokesperson == "President Trump"


def test_page_without_date_is_a_parse_error(shared, tmp_path):
    text = (WH / "2009-2016" / "766.html").read_text(encoding="utf-8")
    path = tmp_path / "undated.html"
    path.write_text(text.replace(", 1/28/2013", ""), encoding="utf-8")
    with pytest.raises(ParseError, match="no date") as exc:
        parse_file(path)
    assert str(path) in str(exc.value)


def test_truncated_page_is_a_parse_error(shared, tmp_path):
    data = COVID.read_bytes()
    path = tmp_path / "cut.html"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="truncated"):
        parse_file(path)


def test_page_without_speakers_is_a_parse_error(shared):
    with pytest.raises(ParseError, match="no speaker labels"):
        parse_file(WH / "2009-2016" / "627.html")  # a statement, no transcript


def test_sniffer_claims_only_white_house_pages(shared):
    for path in [WH / "2009-2016" / "0.html", COVID]:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert FORMAT.sniff(text, str(path)) == 1.0
        assert detect(text, str(path)).name == "whitehouse-html"
    others = [*sorted((CORPUS / "mfa" / "en").glob("t*.html"))[:10],
              *sorted((CORPUS / "mfa" / "zh").glob("t*.html"))[:10], *sorted(SEED.glob("*.txt"))]
    for path in others:
        assert FORMAT.sniff(path.read_text(encoding="utf-8", errors="replace"), str(path)) == 0, path
    assert FORMAT.sniff("<h1>Hello</h1><p>MR. SMITH: hi</p>", "x") == 0


def test_reporter_q_glued_to_the_question(shared):
    b = parse_file(WH / "2009-2016" / "375.html")  # "QI have a question ...", "QThanks, Josh.", "Q-- on the video"
    qs = [e.question_text for e in b.exchanges]
    assert qs[0].startswith("I have a question for each of you") and qs[4].startswith("Thanks, Josh.")
    assert any(q.startswith("-- on the video") for q in qs)
    assert not any(t.text.startswith(("QI ", "QThanks")) for t in b.turns)


def test_second_official_is_named_from_the_title(shared):
    b = parse_file(WH / "2009-2016" / "375.html")
    assert b.spokesperson == "Josh Earnest"
    assert {e.spokesperson for e in b.exchanges} == {"Josh Earnest", "Ben Rhodes"}


def test_misspelled_press_secretary_label_still_names_him(shared):
    b = parse_file(WH / "2009-2016" / "312.html")
    labels = {a.speaker for e in b.exchanges for a in e.answers}
    assert "MR. EARENST" in labels
    assert {e.spokesperson for e in b.exchanges if e.answers and e.answers[0].speaker == "MR. EARENST"} == {
        "Josh Earnest"}


def test_body_cut_off_by_site_footer_is_a_parse_error(shared):
    with pytest.raises(ParseError, match="truncated transcript"):
        parse_file(WH / "2009-2016" / "1499.html")


def test_transcript_cut_mid_sentence_is_a_parse_error(shared):
    # the mirror stored this page cut off: no END line, the last paragraph stops in "... jurisdictions hav"
    with pytest.raises(ParseError, match="truncated transcript.*mid-sentence"):
        parse_file(WH / "2009-2016" / "1500.html")


def test_appendix_after_end_is_not_speech(shared):
    b = parse_file(WH / "2009-2016" / "334.html")  # "END2:04 P.M. EST", then a list of meeting participants
    last = b.exchanges[-1]
    assert last.answer_text.endswith("Have a good day.")
    assert not any("Muslim" in p and "Founder" in p for t in b.turns for p in t.paragraphs)


def test_two_turns_run_into_one_paragraph_are_split(shared):
    b = parse_file(WH / "2009-2016" / "1647.html")  # "Q Okay. DIRECTOR ORSZAG: Okay, thank you very much, ..."
    last = b.exchanges[-1]
    assert (last.question_text, last.spokesperson) == ("Okay.", "Director Orszag")
    assert last.answer_text.startswith("Okay, thank you very much")
    assert not any("ORSZAG:" in p for t in b.turns for p in t.paragraphs)


def test_undated_page_takes_the_date_from_its_url(shared):
    page = WH / "2009-2016" / "1018.html"  # "Press Briefing by Press Secretary Jay Carney": no date on the page
    with pytest.raises(ParseError, match="no date"):
        parse_file(page)
    url = "https://obamawhitehouse.archives.gov/the-press-office/2011/12/02/press-briefing-press-secretary-jay-carney"
    b = parse_file(page, url=url)
    assert (b.date.isoformat(), b.url, b.spokesperson) == ("2011-12-02", url, "Jay Carney")


# --- review 2026-11: dates, later whitehouse.gov layouts, stage speakers, misspelt offices ---

CONSTRUCTED = FIXTURES / "parse"


@pytest.mark.parametrize("name,date", [("April-19-2020", "2020-04-19"), ("March-31-2020", "2020-03-31"),
                                       ("March-30-2020", "2020-03-29")])
def test_covid_date_is_the_transcripts_dateline_not_the_issued_on_date(shared, name, date):
    # an evening briefing was "issued" the next day (<time>); the body's own dateline is the briefing's date
    # (the file named March-30 holds the Rose Garden briefing of Sunday, March 29)
    b = parse_file(WH / "2020-covid" / f"white_house_briefing_{name}.html")
    assert b.date.isoformat() == date


def test_later_whitehouse_gov_layout_is_detected_and_found_by_structure(shared):
    # CONSTRUCTED page (tests/fixtures/parse/README.md): 2021 design, body in section.body-content
    path = CONSTRUCTED / "wh_constructed_psaki_2021.html"
    text = path.read_text(encoding="utf-8")
    assert detect(text, str(path)).name == "whitehouse-html"
    b = parse_file(path)
    assert (b.date.isoformat(), b.spokesperson) == ("2021-05-11", "Jen Psaki")  # date from <time datetime>
    assert b.url.endswith("/2021/05/11/press-briefing-by-press-secretary-jen-psaki-and-national-economic-council"
                          "-director-brian-deese/")
    texts = [p for t in b.turns for p in t.paragraphs]
    assert not any(("Pennsylvania Ave" in p or "Share this" in p or "Privacy" in p) for p in texts)
    # "Q:" and "Q    " reporters alike, anonymous
    assert all(e.asker == "Q" and e.outlet is None for e in b.exchanges)
    assert b.exchanges[2].question_text.startswith("Brian, on inflation")  # the "Q:" variant
    assert b.exchanges[0].spokesperson == "Brian Deese"
    assert b.turns[-1].role == STAGE and b.turns[-1].text == "Thank you."


def test_later_layout_with_bold_labels_and_a_dated_title(shared):
    # CONSTRUCTED page: WordPress block design (div.entry-content), <strong> labels, <time> one day after the title
    b = parse_file(CONSTRUCTED / "wh_constructed_jean_pierre_2023.html")
    assert (b.date.isoformat(), b.spokesperson) == ("2023-06-12", "Karine Jean-Pierre")
    assert {e.spokesperson for e in b.exchanges} == {"John Kirby", "Karine Jean-Pierre"}
    assert b.openings[0].speaker == "MS. JEAN-PIERRE" and len(b.openings[0].paragraphs) == 3
    assert not any("Stay Connected" in p for t in b.turns for p in t.paragraphs)


def test_a_page_without_labelled_paragraphs_is_not_claimed():
    page = ("<html><head><link rel='canonical' href='https://www.whitehouse.gov/briefing-room/statements/x/'></head>"
            "<body><h1>Statement</h1><div class='entry-content'><p>Today the President signed ...</p>"
            "<p>MS. PSAKI: hi</p></div></body></html>")
    assert FORMAT.sniff(page, "x") == 0.0
    with pytest.raises(ParseError, match="not a White House briefing page"):
        FORMAT.parse(page, "x")


def test_aide_cutting_in_is_a_stage_turn_not_an_answer(shared):
    b = parse_file(WH / "2020-covid" / "white_house_briefing_April-08-2020.html")  # "AIDE: Last question."
    assert any(t.role == STAGE and t.speaker == "AIDE" for t in b.turns)
    assert "Aide" not in {e.spokesperson for e in b.exchanges}


def test_misspelt_office_keeps_the_officials_name(shared):
    b = parse_file(WH / "2009-2016" / "1206.html")  # "AMBASSSADOR RICE:" on five answers
    assert {a.speaker for e in b.exchanges for a in e.answers} >= {"AMBASSSADOR RICE", "AMBASSADOR RICE"}
    assert {e.spokesperson for e in b.exchanges} == {"Ambassador Rice", "Jay Carney"}


def test_officials_first_names_from_the_header_lines(shared):
    b = parse_file(WH / "2009-2016" / "1459.html")  # title names no one; the header "... JEFFREY BADER;"
    assert {e.spokesperson for e in b.exchanges} == {"Jeffrey Bader", "Michael Froman", "Ben Rhodes"}


def test_date_from_the_pages_own_url_when_nothing_else_gives_one(shared, tmp_path):
    text = (CONSTRUCTED / "wh_constructed_psaki_2021.html").read_text(encoding="utf-8")
    undated = re.sub(r"<time[^>]*>.*?</time>", "", text)
    assert "<time" not in undated
    path = tmp_path / "page.html"
    path.write_text(undated, encoding="utf-8")
    assert parse_file(path).date.isoformat() == "2021-05-11"  # from og:url /2021/05/11/
    path.write_text(re.sub(r'<(meta property="og:url"|link rel="canonical")[^>]*>', "", undated), encoding="utf-8")
    with pytest.raises(ParseError, match="no date"):
        parse_file(path)


def test_reporter_run_into_the_answer_before_is_split(shared):
    # "... important economic ideas.   Q   Why didn’t he do it a year ago ...?" in one mirror paragraph
    b = parse_file(WH / "2009-2016" / "1289.html")
    assert any(e.question_text.startswith("Why didn’t he do it a year ago") for e in b.exchanges)
    assert not any(" Q Why didn’t" in p for t in b.turns for p in t.paragraphs)


@pytest.mark.parametrize("page,label,name", [("1105.html", "SECRETARY LaHOOD", "Secretary LaHood"),
                                             ("1623.html", "MR. McDonough", "Denis McDonough"),
                                             ("56.html", "Mr. EARNEST", "Josh Earnest")])
def test_labels_with_lower_case_letters(shared, page, label, name):
    b = parse_file(WH / "2009-2016" / page)
    assert {e.spokesperson for e in b.exchanges if e.answers and e.answers[0].speaker == label} == {name}
    assert not any(p.startswith(label + ":") for t in b.turns for p in t.paragraphs)
