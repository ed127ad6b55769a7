"""White House 2021-2025 Markdown pages (whitehouse-md): front matter, the transcript, held-out exchange counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from podium.errors import NotABriefing, ParseError
from podium.model import ASKER, OPENING, STAGE
from podium.parse import decode, detect, parse_file
from podium.parse.whitehouse_md import front_matter, paragraphs

from conftest import CORPUS, FIXTURES

MD = CORPUS / "whitehouse" / "2021-2024"
FIXTURE_FILES = sorted((FIXTURES / "parse").glob("wh_md_*.json"))
#: pages read while writing the parser and its fixtures; the held-out check leaves them out
SEEN = {json.loads(p.read_text(encoding="utf-8"))["file"].rsplit("/", 1)[1] for p in FIXTURE_FILES} | {
    "2021-01-21-press-briefing-by-press-secretary-jen-psaki-january-21-2021.md",
    "2021-10-13-press-briefing-by-press-secretary-jen-psaki-october-13-2021.md",
    "2022-06-09-press-briefing-by-white-house-covid-19-response-team-and-public-health-officials-85.md",
    "2021-10-30-on-the-record-press-call-by-national-security-advisor-jake-sullivan-commerce-secretary-gina-raimondo"
    "-and-u-s-trade-representative-katherine-tai-on-a-u-s-eu-agreement-on-steel-and-aluminum-tariffs.md",
}


def _page(name_part: str) -> Path:
    found = sorted(MD.glob(f"*{name_part}*.md"))
    assert found, name_part
    return found[0]


def test_fixtures_cover_the_kinds_and_years(shared):
    kinds = {k: 0 for k in ("press-briefing-by-press-secretary", "press-gaggle", "press-call", "covid-19")}
    years = set()
    for p in FIXTURE_FILES:
        fx = json.loads(p.read_text(encoding="utf-8"))
        years.add(fx["date"][:4])
        for k in kinds:
            kinds[k] += k in fx["file"]
    assert len(FIXTURE_FILES) >= 8 and all(kinds.values()), kinds
    assert {"2021", "2022", "2023", "2024", "2025"} <= years


def test_front_matter_is_read_with_yaml_escapes(shared):
    text = _page("2022-06-28-background-press-call").read_text(encoding="utf-8")
    meta, body = front_matter(text)
    # "President\_Biden\u2019\<newline>  s Third Day in\_Europe": NBSP escapes, \u escapes, an escaped line break
    assert meta["title"] == "Background Press Call by a Senior Administration Official on President\u00a0Biden’s " \
                           "Third Day in\u00a0Europe"
    assert meta["date"] == "2022-06-28" and meta["source_url"].startswith("https://bidenwhitehouse.archives.gov/")
    assert body.lstrip().startswith("9:10 A.M. CEST")
    multi = front_matter(_page("2021-01-27-press-briefing-by-press-secretary-jen-psaki").read_text(encoding="utf-8"))
    assert multi[0]["title"].endswith("January 27,\u00a02021") and "\\" not in multi[0]["title"]


def test_date_title_and_url_come_from_the_front_matter(shared):
    b = parse_file(_page("2021-02-09-press-briefing-by-white-house-covid-19-response-team-and-public-health-"
                         "officials-2"))
    assert b.format == "whitehouse-md" and b.lang == "en" and b.series == "White House press briefing"
    assert b.date.isoformat() == "2021-02-09"
    assert b.title == "Press Briefing by White House COVID-19 Response Team and Public Health Officials"  # no U+2060
    assert b.url == ("https://bidenwhitehouse.archives.gov/briefing-room/press-briefings/2021/02/09/"
                     "press-briefing-by-white-house-covid-19-response-team-and-public-health-officials-2/")


def test_speakers_stage_notes_and_furniture(shared):
    b = parse_file(_page("2022-03-11-press-gaggle-by-deputy-press-secretary-andrew-bates"))
    texts = [p for t in b.turns for p in t.paragraphs]
    assert not any(p.startswith(("Aboard Air Force One", "11:37 A.M.", "11:51 A.M.")) for p in texts)
    assert {e.spokesperson for e in b.exchanges} == {"Andrew Bates"} and b.spokesperson == "Andrew Bates"
    assert any(t.role == STAGE and t.text == "(Gaggle interrupted as Air Force One lands.)" for t in b.turns)
    assert all(e.asker == "Q" and e.outlet is None for e in b.exchanges)
    covid = parse_file(_page("2022-06-09-press-briefing-by-white-house-covid-19-response-team"))
    labels = {t.speaker for t in covid.turns}
    assert {"DR. JHA", "SURGEON GENERAL MURTHY"} <= labels
    assert "Dr. Jha" in {e.spokesperson for e in covid.exchanges}
    assert any(t.speaker == "SURGEON GENERAL MURTHY" and t.role == OPENING for t in covid.turns)


def test_moderator_keeps_the_words_after_a_paragraph_break(shared):
    b = parse_file(_page("2023-11-26-background-press-call"))
    calls = [t for t in b.turns if t.speaker == "MODERATOR"]
    assert any("I’ll turn it over now to Jeff Mason from Reuters." in t.text for t in calls)
    assert not any("Jeff Mason from Reuters" in e.answer_text for e in b.exchanges)


def test_markdown_is_undone(shared):
    b = parse_file(_page("2023-11-26-background-press-call"))
    assert "[senior administration official]" in b.exchanges[0].answer_text
    assert "\\[" not in " ".join(p for t in b.turns for p in t.paragraphs)
    # struck corrections (<s>...</s>) are dropped, the [correction] kept
    paras = paragraphs("Q    Is it 18?\n\nMR. X:  It’s <s>18 of 24</s> \\*\\[16 of 21\\] — and **so** on.\n")
    assert paras == ["Q Is it 18?", "MR. X: It’s *[16 of 21] — and so on."]


def test_slides_pointer_after_the_transcript_is_not_a_truncation(shared):
    page = _page("2021-03-01-press-briefing-by-white-house-covid-19-response-team-and-public-health-officials-9")
    assert "To view the COVID Press Briefing slides" in page.read_text(encoding="utf-8")
    b = parse_file(page)
    assert b.exchanges and "slides" not in b.exchanges[-1].answer_text


def test_statement_filed_as_a_briefing_is_skipped_not_failed(shared):
    with pytest.raises(NotABriefing, match="no speaker labels"):
        parse_file(_page("2024-09-20-a-u-s-framework-for-climate-resilience"))


def test_detected_from_front_matter_only_for_white_house_urls(shared, tmp_path):
    page = _page("2024-04-18-press-gaggle")
    text = decode(page.read_bytes(), str(page))
    assert detect(text).name == "whitehouse-md"
    other = tmp_path / "blog.md"
    other.write_text(text.replace("bidenwhitehouse.archives.gov", "example.org"), encoding="utf-8")
    with pytest.raises(ParseError, match="not a briefing in any format"):
        parse_file(other)


def test_bad_front_matter_is_a_clear_error(shared, tmp_path):
    text = _page("2024-04-18-press-gaggle").read_text(encoding="utf-8")
    no_date = tmp_path / "no_date.md"
    no_date.write_text(re.sub(r"^(date|published_time): .*\n", "", text, flags=re.M), encoding="utf-8")
    with pytest.raises(ParseError, match="no date") as exc:
        parse_file(no_date, format="whitehouse-md")
    assert str(no_date) in str(exc.value)
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text(text.replace("\n---\n", "\n", 1), encoding="utf-8")
    with pytest.raises(ParseError, match="front matter"):
        parse_file(unclosed, format="whitehouse-md")


def test_reporter_named_in_a_label_is_an_asker(shared):
    b = parse_file(CORPUS / "whitehouse" / "2009-2016" / "567.html")  # Bill Plante (CBS), printed "MR. PLANTE:"
    plante = [e for e in b.exchanges if e.asker == "MR. PLANTE"]
    assert plante and all(e.spokesperson == "Jay Carney" for e in plante)
    assert "MR. PLANTE" not in {e.spokesperson for e in b.exchanges}


def _reporter_turns(text: str) -> int:
    """Reporter turns counted straight from the Markdown, without the parser: runs of paragraphs opening with a
    bare "Q" that an official's labelled paragraph ends (a moderator's does not); a closing thanks that nobody
    answers, or that the moderator follows, is no turn."""
    body = text.split("\n---", 2)[1] if text.startswith("---") else text
    paras = [" ".join(b.split()) for b in re.split(r"\n[ \t\u00a0]*\n", body) if b.strip()]
    kinds = []
    for p in paras:
        if re.match(r"Q(\s|$)", p):
            kinds.append(("Q", p))
        else:
            m = re.match(r"((?:[A-Z][A-Za-z.'’\-]*\s){0,5}[A-Z][A-Z.'’\-]+):\s", p)
            kinds.append(("MOD" if m and m.group(1) in ("MODERATOR", "OPERATOR", "AIDE") else "OFF" if m else "-", p))
    turns, open_run = [], False
    for i, (k, p) in enumerate(kinds):
        if k == "Q":
            nxt = next((kk for kk, pp in kinds[i + 1:] if kk != "-" or not re.match(r"\(.*\)\.?$", pp)), None)
            thanks = re.search(r"\bthank", p, re.I) and "?" not in p and len(p) < 60
            if thanks and nxt in (None, "MOD") and not open_run:
                continue
            if not open_run:
                turns.append(p)
                open_run = True
        elif k == "OFF" and open_run:
            open_run = False
    if turns and open_run and re.search(r"\bthank", turns[-1], re.I) and "?" not in turns[-1]:
        turns.pop()
    return len(turns)


HELD_OUT = [p for p in sorted(MD.glob("*.md")) if p.name not in SEEN][5::36][:30]


@pytest.mark.parametrize("page", HELD_OUT, ids=lambda p: p.name[:60])
def test_held_out_exchange_count_matches_reporter_turns(page, shared):
    assert len(HELD_OUT) == 30
    text = page.read_text(encoding="utf-8")
    b = parse_file(page)
    assert b.date.isoformat() == re.search(r"^date: '?(\d{4}-\d\d-\d\d)", text, re.M).group(1)
    assert len(b.exchanges) == _reporter_turns(text)
    assert all(t.role != ASKER or t.speaker == "Q" for t in b.turns)
