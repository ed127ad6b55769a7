"""MFA English parsers (mfa-en-html, mfa-en-text) on real pages: hand-checked fixtures, the seed, the whole
English corpus, detection and bad input. The fixture test also checks every other parser's fixtures
(tests/fixtures/parse/*.json, whatever the prefix)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from podium.cli import main
from podium.errors import ParseError
from podium.model import ASKER, OPENING, SPOKESPERSON, STAGE, PageHints
from podium.parse import anomalies, decode, detect, format_names, formats, parse_bytes, parse_file, parse_page
from podium.parse.mfa_en_html import KNOWN_SPOKESPERSONS, REMARKS_SERIES, SERIES
from podium.parse.mfa_en_text import parse_text_layout
from podium.parse.outlets import lookup
from podium.sources.files import page as page_of
from podium.sources.indexes import Indexes

from conftest import CORPUS, FIXTURES, SEED, SHARED

SEED_TXT = SEED / "000_32323ef4823c7adf.txt"
SEED_EXPECTED = SEED / "000_32323ef4823c7adf.expected.json"
EN = CORPUS / "mfa" / "en"
FIXTURE_FILES = sorted((FIXTURES / "parse").glob("*.json"))
#: the two "Remarks" pages whose title and page carry no date at all
UNDATED_REMARKS = {"t1686638.html", "t1687014.html"}


def _fixture_path(rel: str) -> Path:
    if rel.startswith("fixtures/"):  # a transcript constructed for the tests (tests/fixtures/parse/README.md)
        return FIXTURES.parent / rel
    return SHARED / rel if rel.startswith("seed/") else CORPUS / rel


def _a_paras(exchange) -> int:
    return sum(len(t.paragraphs) for t in exchange.answers)


def _compare(briefing, expected: dict) -> list[str]:
    """Differences between a parse and a hand-checked fixture (only the keys the fixture gives)."""
    diffs = []
    got = briefing.to_dict()
    for key in ("series", "lang", "date", "title", "spokesperson", "url"):
        if key in expected and got[key] != expected[key]:
            diffs.append(f"{key}: got {got[key]!r}, expected {expected[key]!r}")
    if "openings" in expected:
        want = expected["openings"]
        have = len(briefing.openings) if isinstance(want, int) else got["openings"]
        if have != want:
            diffs.append(f"openings: got {have!r}, expected {want!r}")
    want_ex = expected.get("exchanges", [])
    if len(briefing.exchanges) != len(want_ex):
        diffs.append(f"exchanges: got {len(briefing.exchanges)}, expected {len(want_ex)}")
    for e, w in zip(briefing.exchanges, want_ex, strict=False):
        have = {"n": e.n, "asker": e.asker, "outlet": e.outlet, "outlet_type": e.outlet_type,
                "follow_up": e.follow_up, "spokesperson": e.spokesperson, "q_head": e.question_text[:60],
                "a_head": e.answer_text[:60], "a_paras": _a_paras(e)}
        # a head is the first 60 characters of the turn's first paragraph (or, equally, of its text)
        first_q = e.question.paragraphs[0][:60] if e.question.paragraphs else ""
        first_a = e.answers[0].paragraphs[0][:60] if e.answers and e.answers[0].paragraphs else None
        for key, alt in (("q_head", first_q), ("a_head", first_a)):
            if w.get(key) == alt:
                have[key] = alt
        for key, value in w.items():
            if key in have and have[key] != value:
                diffs.append(f"exchange {w.get('n')}: {key}: got {have[key]!r}, expected {value!r}")
    return diffs


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_hand_checked_fixture(fixture: Path, shared: Path) -> None:
    expected = json.loads(fixture.read_text(encoding="utf-8"))
    path = _fixture_path(expected["file"])
    briefing = parse_file(path, hints=page_of(path).hints)  # with what the corpus index says (its URL)
    diffs = _compare(briefing, expected)
    assert not diffs, f"{expected['file']}:\n  " + "\n  ".join(diffs)


def test_there_are_enough_english_fixtures() -> None:
    en = [p for p in FIXTURE_FILES if p.name.startswith("en_")]
    assert len(en) >= 30
    years = {json.loads(p.read_text())["date"][:4] for p in en}
    assert {"2018", "2019", "2020"} <= years


def test_seed_parses_exactly_to_expected(shared: Path) -> None:
    expected = json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))
    briefing = parse_file(SEED_TXT)
    assert briefing.format == "mfa-en-text"
    assert _compare(briefing, expected) == []
    # the title's apostrophe is straightened; the transcript's own ’ are kept
    assert "’" in briefing.exchanges[5].answer_text


def test_seed_outlets_and_roles(shared: Path) -> None:
    briefing = parse_file(SEED_TXT)
    outlets = [(e.asker, e.outlet, e.outlet_type) for e in briefing.exchanges]
    assert outlets[0] == ("AFP", "AFP", "foreign media")
    assert outlets[3] == ("Xinhua News Agency", "Xinhua", "Chinese state media")
    assert outlets[4] == ("Shenzhen TV", "Shenzhen TV", "Chinese media")
    assert {e.spokesperson for e in briefing.exchanges} == {"Wang Wenbin"}
    assert not any(e.follow_up for e in briefing.exchanges)
    texts = " ".join(p for t in briefing.turns for p in t.paragraphs)
    for furniture in ("Suggest To A Friend", "[ Print ]", "Home >", "2023-07-13 20:36"):
        assert furniture not in texts


def _seed_as_html(seed_text: str) -> str:
    lines = [ln.strip() for ln in seed_text.splitlines() if ln.strip()]
    title = lines[1]
    body = "".join(f"<p>{ln}</p>\n" for ln in lines[3:])
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_Ministry of Foreign Affairs of the "
            f"People's Republic of China</title></head><body><div class='wrapper'>"
            f"<div class='nav'><a href='/'>Home</a> &gt; Spokesperson's Remarks</div>"
            f"<div class='news-title'><h1>{title}</h1><p class='time'>2023-07-13 20:36</p></div>"
            f"<div class='news-main'><div class='trs_editor_view'>\n{body}</div></div>"
            f"<div class='footer'><p>Copyright © Ministry of Foreign Affairs</p><p>Address: No. 2</p></div>"
            f"</div></body></html>")


def test_seed_layout_as_todays_html_page(shared: Path, tmp_path: Path) -> None:
    page = tmp_path / "t20230713_11112468.html"
    page.write_text(_seed_as_html(SEED_TXT.read_text(encoding="utf-8")), encoding="utf-8")
    expected = json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))
    briefing = parse_file(page)
    assert briefing.format == "mfa-en-text"
    assert _compare(briefing, expected) == []


def test_parse_text_layout_for_callers_holding_paragraphs(shared: Path) -> None:
    lines = SEED_TXT.read_text(encoding="utf-8").splitlines()
    briefing = parse_text_layout(lines[3:], "Foreign Ministry Spokesperson Wang Wenbin’s Regular Press Conference "
                                 "on July 13, 2023", None, "fetched", "https://www.fmprc.gov.cn/eng/x.html")
    assert briefing.url == "https://www.fmprc.gov.cn/eng/x.html"
    assert briefing.date.isoformat() == "2023-07-13"
    assert len(briefing.exchanges) == 10


@pytest.fixture(scope="session")
def english_corpus(shared: Path) -> dict[str, object]:
    """Every English transcript page parsed once: {file name: Briefing or ParseError}."""
    out: dict[str, object] = {}
    indexes = Indexes()  # one reader of the corpus index.tsv for all the pages
    for path in sorted(EN.glob("t*.html")):
        try:
            out[path.name] = parse_file(path, hints=page_of(path, indexes).hints)  # its URL from the index.tsv
        except ParseError as exc:
            out[path.name] = exc
    return out


def test_every_english_page_parses(english_corpus) -> None:
    failed = {name: str(v) for name, v in english_corpus.items() if isinstance(v, ParseError)}
    assert set(failed) == UNDATED_REMARKS, failed
    assert all("no date" in msg for msg in failed.values())
    assert len(english_corpus) == 460


def test_english_corpus_has_no_anomalies(english_corpus) -> None:
    briefings = [b for b in english_corpus.values() if not isinstance(b, ParseError)]
    bad = {}
    for b in briefings:
        a = anomalies(b.turns, b.exchanges)
        # answers the page printed without "A:" are repaired into unlabelled answer turns; anything else is wrong
        if a.no_exchanges or a.answer_missing or a.question_empty:
            bad[b.source] = a
    assert not bad
    repaired = sum(anomalies(b.turns, b.exchanges).unlabelled_after_question for b in briefings)
    assert repaired <= 10


def test_english_corpus_metadata(english_corpus, shared: Path) -> None:
    index = {}
    for line in (CORPUS / "mfa" / "index.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        index[cols[0].rsplit("/", 1)[-1]] = cols
    for name, b in english_corpus.items():
        if isinstance(b, ParseError):
            continue
        cols = index[name]
        assert b.url == cols[1]
        if cols[5]:
            assert b.date.isoformat() == cols[5], name
        assert b.spokesperson in KNOWN_SPOKESPERSONS, (name, b.spokesperson)
        assert b.series == (REMARKS_SERIES if cols[4] == "remarks" else SERIES)
        assert b.format == "mfa-en-html" and b.lang == "en"
        assert all(e.spokesperson in KNOWN_SPOKESPERSONS for e in b.exchanges), name
        assert [e.n for e in b.exchanges] == list(range(1, len(b.exchanges) + 1))


def test_english_corpus_roles(english_corpus) -> None:
    briefings = [b for b in english_corpus.values() if not isinstance(b, ParseError)]
    askers = Counter()
    for b in briefings:
        for t in b.turns:
            assert t.role in (ASKER, SPOKESPERSON, OPENING, STAGE)
            assert all(p and p == p.strip() for p in t.paragraphs)
            # a prose sentence ending in a colon must never be taken for a speaker label
            if t.speaker:
                assert len(t.speaker.split()) <= 8, t.speaker
        for e in b.exchanges:
            if not e.follow_up and e.asker:
                askers[e.asker] += 1
            if e.follow_up and e.n > 1:
                prev = b.exchanges[e.n - 2]
                assert (e.asker, e.outlet) == (prev.asker, prev.outlet)
    # every named asker in the 2020 layout resolves to an outlet; "Q"/"Journalist" stay anonymous
    unresolved = {a: n for a, n in askers.items() if lookup(a) == (None, None)}
    assert set(unresolved) <= {"Q", "Journalist", "Reporter", "Foreign Journalist"}, unresolved
    assert askers["Q"] > 3000 and askers["Reuters"] > 20


def test_follow_ups_and_raised_after(english_corpus) -> None:
    b = english_corpus["t1776657.html"]
    sky = b.exchanges[2]
    fu = b.exchanges[3]
    assert (sky.asker, sky.outlet, sky.follow_up) == ("Sky News", "Sky News", False)
    assert (fu.asker, fu.outlet, fu.outlet_type, fu.follow_up) == ("Sky News", "Sky News", "foreign media", True)
    assert fu.question.speaker == "Follow-up"
    raised = english_corpus["t1769241.html"]
    stages = [t for t in raised.turns if t.role == STAGE]
    assert stages and "raised after the press conference" in stages[0].text
    assert raised.exchanges[-1].asker == "Q" and raised.exchanges[-1].spokesperson == "Zhao Lijian"
    inline = english_corpus["t1630327.html"]  # "The following question was raised ...: <question>"
    last = inline.exchanges[-1]
    assert last.asker is None and last.question_text.startswith("In the afternoon of January 15")
    assert "adjourned" in inline.openings[-1].text  # the closing schedule notice is not part of the answer


def test_spokesperson_change_mid_briefing(english_corpus) -> None:
    b = english_corpus["t1748946.html"]
    assert [t.speaker for t in b.openings[:2]] == ["Hua Chunying", "Zhao Lijian"]
    assert b.spokesperson == "Zhao Lijian"


def test_detection_picks_the_right_format(shared: Path) -> None:
    seen = Counter()
    for path in sorted(EN.glob("t*.html")):
        fmt = detect(decode(path.read_bytes(), str(path)), str(path))
        seen[fmt.name] += 1
    assert seen == Counter({"mfa-en-html": 460})
    assert detect(SEED_TXT.read_text(encoding="utf-8")).name == "mfa-en-text"


def test_english_sniffers_ignore_other_publishers(shared: Path) -> None:
    from podium.parse import mfa_en_html, mfa_en_text
    others = (sorted((CORPUS / "mfa" / "zh").glob("t*.html"))[::20]
              + sorted((CORPUS / "whitehouse").rglob("*.html"))[::40]
              + sorted(EN.glob("lists/*.html")))
    assert len(others) > 50
    for path in others:
        text = decode(path.read_bytes(), str(path))
        assert mfa_en_html.FORMAT.sniff(text, str(path)) == 0, path
        assert mfa_en_text.FORMAT.sniff(text, str(path)) == 0, path
    random_html = "<html><head><title>Weather in Paris</title></head><body><p>Q: sunny?</p></body></html>"
    assert mfa_en_html.FORMAT.sniff(random_html, "x") == 0 and mfa_en_text.FORMAT.sniff(random_html, "x") == 0


# --- bad input -------------------------------------------------------------------------------------------

def _page() -> Path:
    return EN / "t1760477.html"


@pytest.mark.parametrize("fmt", [None, "mfa-en-html", "mfa-en-text"])
def test_empty_file(tmp_path: Path, fmt) -> None:
    p = tmp_path / "empty.html"
    p.write_bytes(b"  \n")
    with pytest.raises(ParseError, match=r"empty\.html.*empty"):
        parse_file(p, format=fmt)


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "picture.html"
    p.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ParseError, match=r"picture\.html.*binary"):
        parse_file(p, format="mfa-en-html")


def test_non_briefing_html(shared: Path) -> None:
    listing = EN / "lists" / "default.html"
    with pytest.raises(ParseError, match=r"default\.html"):
        parse_file(listing)
    with pytest.raises(ParseError, match=r"default\.html.*(not a spokesperson|no transcript body)"):
        parse_file(listing, format="mfa-en-html")


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.8])
def test_truncated_page(shared: Path, tmp_path: Path, cut: float) -> None:
    data = _page().read_bytes()
    p = tmp_path / "cut.html"
    p.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ParseError, match=r"cut\.html.*truncated"):
        parse_file(p, format="mfa-en-html")
    with pytest.raises(ParseError, match=r"cut\.html"):
        parse_file(p)


def test_remarks_page_without_date(shared: Path) -> None:
    with pytest.raises(ParseError, match=r"t1686638\.html.*no date"):
        parse_file(EN / "t1686638.html")


def test_url_passed_in_wins_over_index(shared: Path) -> None:
    b = parse_bytes(_page().read_bytes(), "page.html", url="https://example.org/x")
    assert b.url == "https://example.org/x"
    assert parse_file(_page(), hints=page_of(_page()).hints).url.endswith("/t1760477.shtml")
    assert parse_file(_page()).url is None  # no index is read by the parser: hints come from sources


def test_wrong_declared_charset_still_parses(shared: Path, tmp_path: Path) -> None:
    text = _page().read_text(encoding="utf-8").replace("charset=utf-8", "charset=iso-8859-1")
    p = tmp_path / "latin.html"
    p.write_text(text, encoding="utf-8")
    b = parse_file(p)
    assert len(b.exchanges) == len(parse_file(_page()).exchanges)


# --- CLI -------------------------------------------------------------------------------------------------

def test_cli_parse_json_seed(shared: Path) -> None:
    result = CliRunner().invoke(main, ["parse", "--json", str(SEED_TXT)])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output)
    assert set(obj) == {"series", "lang", "date", "title", "spokesperson", "url", "openings", "exchanges"}
    assert obj["date"] == "2023-07-13" and obj["spokesperson"] == "Wang Wenbin"
    assert len(obj["exchanges"]) == 10
    ex = obj["exchanges"][1]
    assert set(ex) == {"n", "asker", "outlet", "outlet_type", "follow_up", "question", "answer"}
    assert ex["answer"].count("\n") == 2 and not ex["question"].startswith("China Daily:")


def test_cli_parse_text_output(shared: Path) -> None:
    result = CliRunner().invoke(main, ["parse", str(_page())])
    assert result.exit_code == 0, result.output
    assert "Geng Shuang" in result.output and re.search(r"#1 CCTV", result.output)
    assert "/t1760477.shtml" in result.output  # its URL, from the corpus index.tsv (read by sources, not parse)


def test_cli_parse_bad_file_exits_non_zero(tmp_path: Path, shared: Path) -> None:
    bad = tmp_path / "nothing.html"
    bad.write_bytes(b"")
    result = CliRunner().invoke(main, ["parse", "--json", str(bad), str(SEED_TXT)])
    assert result.exit_code != 0
    assert "nothing.html" in result.output  # the error names the file (stderr is mixed in by CliRunner)
    assert '"Wang Wenbin"' in result.output  # the good file is still printed


# --- layout variants a real page may take ------------------------------------------------------------------

def _body_variant(path: Path, transform) -> bytes:
    raw = path.read_text(encoding="utf-8")
    a = raw.index('<div class="content">')
    b = raw.index('<div class="tool"', a)
    return (raw[:a] + transform(raw[a:b]) + raw[b:]).encode("utf-8")


@pytest.mark.parametrize("name,transform", [
    ("paragraphs as divs", lambda body: re.sub(r"<(/?)P\b", r"<\1div", body, flags=re.I)),
    ("full-width colons and odd spacing", lambda body: body.replace("Q: ", "Q ： ").replace("A: ", "A :")),
    ("labels in strong, colon outside", lambda body: re.sub(r">(Q|A): ?", r"><strong>\1</strong>: ", body)),
    ("NBSP and zero-width spaces", lambda body: body.replace(". ", ".&nbsp; ").replace("Q:", "\u200bQ:")),
    ("paragraphs separated by br", lambda body: re.sub(r"</P>\s*<P[^>]*>", "<BR><BR>", body, flags=re.I)),
])
def test_layout_variants_parse_the_same(shared: Path, name: str, transform) -> None:
    for page in (EN / "t1558711.html", EN / "t1776657.html"):
        original = parse_file(page)
        variant = parse_bytes(_body_variant(page, transform), f"{page.name} ({name})")
        assert [(e.asker, e.follow_up, e.question_text, e.answer_text) for e in variant.exchanges] == \
               [(e.asker, e.follow_up, e.question_text, e.answer_text) for e in original.exchanges], name
        assert [t.text for t in variant.openings] == [t.text for t in original.openings]


# --- the 2023+ text layout: page furniture and copy variants (the seed is the only real example) ------------------

CONSTRUCTED = sorted((FIXTURES / "parse").glob("text_constructed_*.txt"))


def _seed_lines() -> list[str]:
    return SEED_TXT.read_text(encoding="utf-8").splitlines()


def _swap_header(lines: list[str], *header: str) -> list[str]:
    return list(header) + lines[3:]


_SEED_VARIANTS = {
    "windows line endings": lambda t: t.replace("\n", "\r\n"),
    "single newlines": lambda t: re.sub(r"\n\s*\n", "\n", t),
    "straight quotes": lambda t: t.replace("’", "'").replace("“", '"').replace("”", '"'),
    "non-breaking spaces": lambda t: t.replace(". ", ".\u00a0").replace(": ", ":\u00a0", 30),
    "no breadcrumb": lambda t: "\n".join(_seed_lines()[1:]),
    "site header and Updated line": lambda t: "\n".join(_swap_header(
        _seed_lines(), "Ministry of Foreign Affairs", "The People’s Republic of China", _seed_lines()[1],
        "Updated: July 13, 2023 20:36")),
    "language bar": lambda t: "عربي Español Русский Français 简体中文\n\n" + "\n".join(_seed_lines()[1:]),
    "title broken over two lines": lambda t: t.replace("Wang Wenbin’s Regular", "Wang Wenbin’s\nRegular", 1),
    "date line before the title": lambda t: "\n".join(_swap_header(_seed_lines(), _seed_lines()[0], _seed_lines()[2],
                                                                   _seed_lines()[1])),
    "site footer": lambda t: t + "\n\nRelated News\nForeign Ministry Spokesperson Wang Wenbin’s Regular Press "
                                 "Conference on July 12, 2023\nCopyright © 1998-2023 Ministry of Foreign Affairs, "
                                 "the People’s Republic of China\nAddress: No. 2, Chaoyangmen Nandajie, Beijing\n"
                                 "Tel: 86-10-65961114\n",
    "tools on one line": lambda t: t.replace("]\n  [ Print ]", "] [ Print ]"),
    "hard-wrapped paragraphs": lambda t: re.sub(r"(.{70,90}?) (?=[a-z])", "\\1\n", t),
}


@pytest.mark.parametrize("name", sorted(_SEED_VARIANTS))
def test_seed_copy_variants_parse_the_same(shared: Path, name: str) -> None:
    original = parse_file(SEED_TXT)
    text = _SEED_VARIANTS[name](SEED_TXT.read_text(encoding="utf-8"))
    variant = parse_bytes(text.encode("utf-8"), f"seed ({name})")
    assert variant.format == "mfa-en-text"
    assert (variant.date, variant.spokesperson) == (original.date, original.spokesperson)

    def norm(s: str) -> str:  # quotes and spaces may differ by construction, nothing else
        return " ".join(s.replace("’", "'").replace("“", '"').replace("”", '"').split())

    assert [(e.asker, e.outlet, e.follow_up, norm(e.question_text), norm(e.answer_text), _a_paras(e))
            for e in variant.exchanges] == \
           [(e.asker, e.outlet, e.follow_up, norm(e.question_text), norm(e.answer_text), _a_paras(e))
            for e in original.exchanges]
    assert not variant.openings


def test_constructed_transcripts_are_documented_and_detected() -> None:
    readme = (FIXTURES / "parse" / "README.md").read_text(encoding="utf-8")
    assert len(CONSTRUCTED) >= 4
    for path in CONSTRUCTED:
        assert path.name in readme and "CONSTRUCTED" in readme
        assert json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["constructed"] is True
        assert detect(decode(path.read_bytes(), str(path))).name == "mfa-en-text"


def _text_page(*body: str, spokesperson: str = "Mao Ning") -> bytes:
    head = [f"Foreign Ministry Spokesperson {spokesperson}’s Regular Press Conference on March 15, 2024",
            "2024-03-15 15:30", ""]
    return "\n\n".join(head + list(body) + ["[ Print ]"]).encode("utf-8")


def test_unregistered_outlet_is_an_asker_without_outlet() -> None:
    b = parse_bytes(_text_page("Tolo News: Will China host another meeting on Afghanistan this year?",
                               "Mao Ning: We will release information in due course.",
                               "Reuters: Any comment on the election?", "Mao Ning: No."), "t")
    assert [(e.asker, e.outlet, e.outlet_type) for e in b.exchanges] == [
        ("Tolo News", None, None), ("Reuters", "Reuters", "foreign media")]


def test_prose_ending_in_a_colon_is_not_a_speaker() -> None:
    b = parse_bytes(_text_page(
        "CCTV: What is China’s position?",
        "Mao Ning: Let me stress three points:",
        "Mutual Respect and Win-Win Cooperation: these principles guide our relations.",
        "Up to now: 46 countries have joined.",
        "The Global Development Initiative: this is a public good.",
        "AFP: Thank you. Another question?", "Mao Ning: Sure."), "t")
    assert [e.asker for e in b.exchanges] == ["CCTV", "AFP"]
    assert len(b.exchanges[0].answers[0].paragraphs) == 4
    assert b.exchanges[0].answers[0].paragraphs[1].startswith("Mutual Respect and Win-Win Cooperation: these")


def test_misprinted_spokesperson_label_still_answers() -> None:
    b = parse_bytes(_text_page("CCTV: Any comment?", "Mao Nign: We noted the reports.",
                               "Bloomberg: And on tariffs?", "Spokesperson Mao Ning: No comment."), "t")
    assert [(e.asker, len(e.answers), e.spokesperson) for e in b.exchanges] == [
        ("CCTV", 1, "Mao Ning"), ("Bloomberg", 1, "Mao Ning")]


def test_text_without_a_title_is_rejected() -> None:
    with pytest.raises(ParseError, match=r"notes\.txt.*no title"):
        parse_bytes(b"Reuters: Any comment?\n\nMao Ning: No.\n", "notes.txt", format="mfa-en-text")


@pytest.mark.parametrize("path", CONSTRUCTED, ids=lambda p: p.stem)
def test_constructed_transcripts_as_todays_html_pages(path: Path) -> None:
    text_parse = parse_file(path)
    lines = [" ".join(ln.split()) for ln in path.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, ln in enumerate(lines) if "Regular Press Conference" in ln or ln.endswith("’s"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith(("[", "Related")))  # the page's tools and footer
    body = "".join(f"<p>{ln}</p>\n" for ln in lines[start + 1:end] if ln)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{text_parse.title}</title></head><body>"
            f"<div class='nav'>Home &gt; Spokesperson's Remarks</div><h1>{text_parse.title}</h1>"
            f"<div class='news-main'><div class='trs_editor_view'>{body}</div></div>"
            f"<div class='footer'><p>Copyright © Ministry of Foreign Affairs</p></div></body></html>")
    html_parse = parse_bytes(page.encode("utf-8"), path.stem + ".html")
    assert html_parse.format == "mfa-en-text"
    assert [(e.asker, e.follow_up, e.question_text, e.answer_text) for e in html_parse.exchanges] == \
           [(e.asker, e.follow_up, e.question_text, e.answer_text) for e in text_parse.exchanges]


def test_follow_up_labels_that_name_the_asker() -> None:
    b = parse_bytes(_text_page("Reuters: Any comment on the election?", "Mao Ning: No.",
                               "Reuters (follow-up): Really none?", "Mao Ning: None.",
                               "Follow-up from Reuters: And tomorrow?", "Mao Ning: Stay tuned."), "t")
    assert [(e.asker, e.outlet, e.follow_up) for e in b.exchanges] == [
        ("Reuters", "Reuters", False), ("Reuters", "Reuters", True), ("Reuters", "Reuters", True)]


@pytest.mark.parametrize("note", [
    "The following questions were posed after the regular press conference:",
    "The following is a question raised after the press conference:",
    "Following the press conference, a journalist asked the following question:",
    "The following question was raised after the press conference by Reuters:",
])
def test_notes_on_questions_after_the_press_conference(note: str) -> None:
    b = parse_bytes(_text_page("CCTV: Any comment?", "Mao Ning: We noted the reports.", note,
                               "Q: Will China attend the summit?", "Mao Ning: Please stay tuned."), "t")
    assert [(e.asker, e.answer_text) for e in b.exchanges] == [
        ("CCTV", "We noted the reports."), ("Q", "Please stay tuned.")]
    assert [t.text for t in b.turns if t.role == STAGE] == [note]


def test_menu_lines_before_the_title_and_labels_on_their_own_lines() -> None:
    text = ("Home\nNews\nSpokesperson's Remarks\nPress and Media Service\n"
            "Foreign Ministry Spokesperson Mao Ning’s Regular Press Conference on March 15, 2024\n2024-03-15 15:30\n\n"
            "Mao Ning:\nAt the invitation of X, Y will visit China.\n\nAFP:\nAny comment?\n\nMao Ning:\nNo comment.\n\n"
            "[ Print ]\n")
    b = parse_bytes(text.encode("utf-8"), "menu.txt")
    assert (b.series, b.date.isoformat(), b.spokesperson) == (SERIES, "2024-03-15", "Mao Ning")
    assert [t.text for t in b.openings] == ["At the invitation of X, Y will visit China."]
    assert [(e.asker, e.question_text, e.answer_text) for e in b.exchanges] == [("AFP", "Any comment?", "No comment.")]


def test_closing_words_after_a_full_width_separator_are_announcements(shared: Path) -> None:
    """2020-06-16: a full-width "＊＊＊" row, then clarifications about earlier questions; the Chinese page
    (t1789191) files them as announcements after its "***********" row, and so does the English one now."""
    b = parse_file(CORPUS / "mfa" / "en" / "t1789220.html")
    assert [len(a.paragraphs) for a in b.exchanges[-1].answers] == [1]
    assert b.openings[-1].text.startswith("I have some clarifications to make regarding yesterday")
    assert not any(p.startswith(("*", "＊")) for t in b.turns for p in t.paragraphs)


def test_a_layout_hint_holds_the_page_to_that_layouts_check(shared: Path) -> None:
    """A page a source says it fetched from a listing of regular press conferences (``PageHints.layout``) is refused
    when it is not one; the same page without the hint parses (remarks are briefings of their own series)."""
    data = (EN / "t1686226.html").read_bytes()  # the index.tsv says: remarks, 2019-08-05
    remarks = parse_page(data, source="t1686226.html")
    assert remarks.series == REMARKS_SERIES and remarks.date.isoformat() == "2019-08-05"
    with pytest.raises(ParseError, match=r"t1686226\.html.*not a regular press conference"):
        parse_page(data, source="t1686226.html", hints=PageHints(layout="mfa-en-html"))
    regular = parse_page(_page().read_bytes(), source="p", hints=PageHints(url="u", layout="mfa-en-html"))
    assert regular.series == SERIES and regular.url == "u" and regular.exchanges


def test_parse_help_lists_every_registered_format() -> None:
    out = re.sub(r"-\s+", "-", " ".join(CliRunner().invoke(main, ["parse", "--help"]).output.split()))
    assert format_names() == tuple(formats()) and len(format_names()) == 8
    assert all(name in out for name in formats()), out
