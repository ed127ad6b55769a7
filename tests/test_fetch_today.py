"""podium fetch on today's MFA site, English and Chinese, against a loopback server of CONSTRUCTED pages
(tests/fixtures/fetch/today, built from real transcripts of the shared corpus and seed), the 2020 site's mirror
without --layout, and a fault server whose listing pages repeat or never end (issue 15).

Every test runs with test_fetch's guard that refuses any connection outside 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from podium import ParseError, Podium
from podium.cli import main
from podium.parse import parse_bytes, parse_file
from test_fetch import FAST, ROUTES, Site, _briefings, _serve, no_internet  # noqa: F401 - the guard is autouse

from conftest import CORPUS, FIXTURES, SEED

TODAY = FIXTURES / "fetch" / "today"
PUBLISHER = "https://www.fmprc.gov.cn"


def _rows(name: str) -> list[dict[str, str]]:
    with open(TODAY / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


INDEX = _rows("index.tsv")
SOURCES = {r["file"]: r for r in _rows("sources.tsv")}
TODAY_ROUTES = {urlsplit(r["url"]).path: TODAY / r["file"] for r in INDEX}
CORPUS_ROUTES = {p: f for p, f in ROUTES.items() if str(f).startswith(str(CORPUS))}


def _transcripts(lang: str) -> dict[str, str]:
    """Publisher URL -> fixture file of every transcript page of one language the server holds."""
    return {r["url"]: r["file"] for r in INDEX if r["file"].startswith(f"{lang}/t")}


def _serving(routes: dict[str, object]):
    site = Site()
    site.routes = dict(routes)
    site.redirects = {}
    server, url = _serve(site)
    site.url = url
    return site, server


@pytest.fixture
def today_site():
    site, server = _serving(TODAY_ROUTES)
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def mirror_2020(shared):
    site, server = _serving(CORPUS_ROUTES)
    yield site
    server.shutdown()
    server.server_close()


def _fetch_cli(site: Site, db: Path, *args: str):
    result = CliRunner().invoke(main, ["fetch", "mfa", "--base-url", site.url, "--rate", "0", "--no-analyse",
                                       "--json", "--db", str(db), *args])
    return result, (json.loads(result.output) if result.output.strip().startswith("{") else None)


def _source_briefing(fixture: str):
    src = SOURCES[fixture]["built_from"]
    return parse_file(SEED.parent / src) if src.startswith("seed/") else parse_file(CORPUS.parent / src)


# ---- both languages: every transcript stored, a second run stores nothing ----------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_todays_site_stores_every_transcript_then_nothing(today_site, tmp_path, lang) -> None:
    db = tmp_path / f"{lang}.db"
    result, first = _fetch_cli(today_site, db, "--lang", lang)
    assert result.exit_code == 0, result.output
    expected = _transcripts(lang)
    assert len(expected) >= 4
    stored = {row[0]: row for row in _briefings(db)}
    assert set(stored) == set(expected)
    assert first["added"] == len(expected) and not first["failed"]
    assert first["layout"] == "today" and first["layout_detected"] and first["complete"]
    # each briefing dated as its URL says (tYYYYMMDD_N)
    for url, row in stored.items():
        y, m, d = re.search(r"/t(\d{4})(\d\d)(\d\d)_", url).groups()
        assert row[1] == f"{y}-{m}-{d}", url
    # the listing's other items (a Remarks / 答记者问 link) are not requested
    requested = {urlsplit(r[1]).path for r in today_site.log}
    assert not any(p.endswith(("t20260727_11900026.html", "t20260727_11900126.shtml")) for p in requested)

    start = len(today_site.log)
    result, second = _fetch_cli(today_site, db, "--lang", lang)
    assert result.exit_code == 0, result.output
    assert second["added"] == second["updated"] == 0 and not second["failed"]
    assert second["stopped"].startswith("caught up")
    first_page = "index.shtml" if lang == "zh" else "index.html"
    assert [(r[1].rsplit("/", 1)[1], r[2]) for r in today_site.log[start:]] == [("robots.txt", 200),
                                                                                 (first_page, 304)]
    assert {row[0]: row for row in _briefings(db)} == stored


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fetched_transcripts_read_like_the_real_pages_they_were_built_from(today_site, tmp_path, lang) -> None:
    with Podium(tmp_path / "t.db") as pod:
        pod.fetch(lang=lang, base_url=today_site.url, **FAST)
        df = pod.exchanges()
    urls = _transcripts(lang)
    for url, fixture in urls.items():
        got = df[df["url"] == url].sort_values("n")
        ref = _source_briefing(fixture)
        assert [e.question_text for e in ref.exchanges] == list(got["question"]), fixture
        assert [e.answer_text for e in ref.exchanges] == list(got["answer"]), fixture
        # the site's footer and navigation list are not part of the last answer
        last = got["answer"].iloc[-1]
        for furniture in ("Links:", "State Council", "Copyright", "版权所有", "国务院", "外交部领导", "领事服务"):
            assert furniture not in last, (fixture, furniture)
    # today's labels: the spokesperson's name (郭嘉昆：, "Lin Jian:") answers; 总台央视记者 asks for CCTV
    names = set(df["spokesperson"])
    assert names >= ({"郭嘉昆", "林剑", "毛宁"} if lang == "zh" else {"Lin Jian", "Mao Ning", "Wang Wenbin"})
    if lang == "zh":
        cctv = df[df["asker"] == "总台央视记者"]
        assert len(cctv) >= 2 and set(cctv["outlet"]) == {"CCTV"}
    else:
        titles = set(df["title"])
        assert "Lin Jian's Regular Press Conference on July 28, 2026" in titles


def test_english_listing_links_of_2021_2024_and_today_are_all_fetched(today_site, tmp_path) -> None:
    with Podium(tmp_path / "t.db") as pod:
        s = pod.fetch(lang="en", base_url=today_site.url, **FAST)
    paths = {urlsplit(row[0]).path for row in _briefings(tmp_path / "t.db")}
    assert any(p.startswith("/eng/xw/fyrbt/lxjzh/2026") for p in paths)
    assert any(p.startswith("/eng/xwfw_665399/s2510_665401/2511_665403/2024") for p in paths)
    assert any(p.startswith("/mfa_eng/xwfw_665399/s2510_665401/2511_665403/2022") for p in paths)
    assert s["stopped"] == "end of the listing" and s["listing_pages"] == 2


# ---- text copies of today's pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", sorted(SOURCES))
def test_plain_text_copy_parses_like_the_page(fixture) -> None:
    page = parse_file(TODAY / fixture)
    copy = parse_file(TODAY / fixture.replace(".html", ".txt"))
    assert copy.format == ("mfa-zh-text" if fixture.startswith("zh/") else "mfa-en-text")
    assert page.format == ("mfa-zh-site2022" if fixture.startswith("zh/") else "mfa-en-site2022")
    assert (copy.title, copy.date, copy.spokesperson) == (page.title, page.date, page.spokesperson)
    assert [(e.asker, e.outlet, e.question_text, e.answer_text) for e in copy.exchanges] == \
        [(e.asker, e.outlet, e.question_text, e.answer_text) for e in page.exchanges]
    assert [o.text for o in copy.openings] == [o.text for o in page.openings]
    ref = _source_briefing(fixture)
    assert copy.exchanges[-1].answer_text == ref.exchanges[-1].answer_text


def test_english_copy_of_the_seed_in_todays_layout_parses_like_the_seed() -> None:
    expected = json.loads((SEED / "000_32323ef4823c7adf.expected.json").read_text(encoding="utf-8"))
    b = parse_file(TODAY / "en" / "t20230713.txt")
    assert b.title == expected["title"] and b.date.isoformat() == expected["date"]
    assert [e.asker for e in b.exchanges] == [e["asker"] for e in expected["exchanges"]]
    assert [e.answer_text[:60] for e in b.exchanges] == [e["a_head"] for e in expected["exchanges"]]
    assert [len(e.answers[0].paragraphs) for e in b.exchanges] == [e["a_paras"] for e in expected["exchanges"]]


def test_chinese_copy_without_the_title_date_takes_the_date_line() -> None:
    text = (TODAY / "zh" / "t20260728.txt").read_text(encoding="utf-8")
    text = text.replace("2026年7月28日外交部发言人", "外交部发言人", 1)
    b = parse_bytes(text.encode(), "copy.txt")
    assert b.format == "mfa-zh-text" and b.date.isoformat() == "2026-07-28" and b.spokesperson == "郭嘉昆"
    # the title as the listing prints it, "（2026-07-28）" after it, and no date-time line
    title = "外交部发言人郭嘉昆主持例行记者会"
    text = text.replace(f"{title}\n2026-07-28 15:40", f"{title}（2026-07-28）", 1)
    assert "15:40" not in text
    b = parse_bytes(text.encode(), "copy.txt")
    assert b.date.isoformat() == "2026-07-28" and b.title == "外交部发言人郭嘉昆主持例行记者会"


# ---- what today's Chinese reader refuses ---------------------------------------------------------------------------

def _zh_page() -> str:
    return (TODAY / "zh" / "t20260728.html").read_text(encoding="utf-8")


def test_chinese_reader_refuses_what_it_cannot_read_whole() -> None:
    page = _zh_page()
    cut = page[: int(len(page) * 0.6)]
    with pytest.raises(ParseError, match=r"^cut\.html: truncated page"):
        parse_bytes(cut.encode(), "cut.html")
    # a complete document whose transcript stops after a question
    paras = re.findall(r'<p style="text-indent: 2em;">.*?</p>', page)
    last_question = max(i for i, p in enumerate(paras) if "记者：" in p)
    ends_asking = page.replace("\n".join(paras), "\n".join(paras[: last_question + 1]))
    with pytest.raises(ParseError, match=r"^q\.html: the transcript ends with a question .* looks cut off"):
        parse_bytes(ends_asking.encode(), "q.html")
    no_answers = page.replace("郭嘉昆：", "某某：")
    with pytest.raises(ParseError, match=r"^a\.html: no answer labelled '郭嘉昆：'"):
        parse_bytes(no_answers.encode(), "a.html", format="mfa-zh-site2022")


# ---- the 2020 site's mirror without --layout ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mirror_of_the_2020_site_works_without_layout(mirror_2020, tmp_path, lang) -> None:
    db = tmp_path / "m.db"
    result, s = _fetch_cli(mirror_2020, db, "--lang", lang, "--since", "2020-06-01")
    expected = set()
    with open(CORPUS / "mfa" / "index.tsv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["lang"] == lang and r["subtype"] == "regular-press-conference" and r["date"] >= "2020-06-01":
                expected.add(r["url"])
    assert expected and {row[0] for row in _briefings(db)} == expected
    assert s["layout"] == "site2020" and s["layout_detected"] and s["complete"]
    assert s["stopped"].startswith("reached --since 2020-06-01")
    # today's first listing page was tried first and answered 404; the 2020 one was used
    assert [r[2] for r in mirror_2020.log[1:3]] == [404, 200]
    # the next run tries the layout found last time first: no wasted request
    start = len(mirror_2020.log)
    result, again = _fetch_cli(mirror_2020, db, "--lang", lang)
    assert again["added"] == 0 and again["layout"] == "site2020"
    assert all("/default" in r[1] or r[1] == "/robots.txt" for r in mirror_2020.log[start:])


def test_a_layout_robots_txt_forbids_is_passed_over(mirror_2020, tmp_path) -> None:
    mirror_2020.robots = "User-agent: *\nDisallow: /fyrbt_673021/\n"
    result, s = _fetch_cli(mirror_2020, tmp_path / "m.db", "--lang", "zh", "--since", "2020-07-01")
    assert s["layout"] == "site2020" and s["added"] > 0 and not s["error"]
    assert not mirror_2020.requests("/fyrbt_673021/")


def test_a_site_in_no_known_layout_is_named_with_every_url_tried(tmp_path) -> None:
    site, server = _serving({})
    try:
        result, s = _fetch_cli(site, tmp_path / "t.db", "--lang", "zh")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert "could not tell the site's layout" in s["error"]
    assert "today: " in s["error"] and "/fyrbt_673021/jzhsl_673025/index.shtml answers HTTP 404" in s["error"]
    assert "site2020: " in s["error"] and "/fyrbt_674889/default.shtml answers HTTP 404" in s["error"]
    assert "--layout" in s["error"]


# ---- listing pages that repeat or never end (issue 15) ---------------------------------------------------------

class _Page:
    """A served body made on the spot (the test server reads ``routes[path].read_bytes()``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def read_bytes(self) -> bytes:
        return self.body


def _no_page_count(path: Path) -> bytes:
    return re.sub(rb"<script>createPageHTML\([^)]*\);</script>", b"", path.read_bytes())


class _RepeatingRoutes(dict):
    """Today's Chinese pages, but listing page N >= 2 is served as ``repeat(N)`` (the site has no end)."""

    def __init__(self, repeat) -> None:  # noqa: ANN001 - a callable N -> body
        super().__init__(TODAY_ROUTES)
        self.repeat = repeat
        for n, name in ((0, "index.shtml"), (1, "index_1.shtml")):
            self[f"/fyrbt_673021/jzhsl_673025/{'index' if n == 0 else 'index_1'}.shtml"] = _Page(
                _no_page_count(TODAY / "zh" / name))

    def get(self, path, default=None):  # noqa: ANN001, ANN201 - dict's own signature
        m = re.fullmatch(r"/fyrbt_673021/jzhsl_673025/index_(\d+)\.shtml", path)
        if m and int(m.group(1)) >= 2:
            return _Page(self.repeat(int(m.group(1))))
        return super().get(path, default)


@pytest.mark.parametrize("pattern, message", [
    ("same as page 0", r"listing page 2 \(.*index_2\.shtml\) lists the same 3 transcript link\(s\) as listing page 0"),
    ("pages 0 and 1 in turn", r"listing page 2 \(.*\) lists the same 3 transcript link\(s\) as listing page 0"),
    ("mixed from both", r"listing page 2 \(.*\) lists only transcript links already seen on earlier listing pages "
                        r"\(3 link\(s\), from pages 0, 1\)"),
])
def test_listing_pages_that_repeat_stop_the_walk_with_a_message(tmp_path, pattern, message) -> None:
    zero, one = _no_page_count(TODAY / "zh" / "index.shtml"), _no_page_count(TODAY / "zh" / "index_1.shtml")
    if pattern == "same as page 0":
        routes = _RepeatingRoutes(lambda n: zero)
    elif pattern == "pages 0 and 1 in turn":
        routes = _RepeatingRoutes(lambda n: zero if n % 2 == 0 else one)
    else:  # the first link of page 1 with the last two of page 0
        links0 = re.findall(rb"<li>.*?</li>", zero)
        links1 = re.findall(rb"<li>.*?</li>", one)
        mixed = zero.replace(b"\n".join(links0), b"\n".join([links1[0], *links0[1:]]))
        routes = _RepeatingRoutes(lambda n: mixed)
    site, server = _serving({})
    site.routes = routes
    try:
        # --since far back: without loop detection the walk would never reach it and never stop
        result, s = _fetch_cli(site, tmp_path / "t.db", "--lang", "zh", "--since", "2000-01-01")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert re.search(message, s["stopped"]), s["stopped"]
    assert s["listing_pages"] == 3 and s["complete"]
    assert s["added"] == len(_transcripts("zh"))


def test_a_default_request_cap_bounds_a_listing_that_never_ends(tmp_path, monkeypatch) -> None:
    import podium.sources.fetch as fetch_module

    def endless(n: int) -> bytes:  # a new transcript link on every page, for ever (the server has none of them)
        return (f'<html><body><ul><li><a href="./202001/t2020010{n % 9 + 1}_{n}.shtml">外交部发言人主持例行记者会'
                f"</a><span>（2026-07-01）</span></li></ul></body></html>").encode()

    site, server = _serving({})
    site.routes = _RepeatingRoutes(endless)
    monkeypatch.setattr(fetch_module, "DEFAULT_MAX_REQUESTS", 40)
    try:
        with Podium(tmp_path / "t.db") as pod:
            s = pod.fetch(lang="zh", base_url=site.url, since="2000-01-01", **FAST)
        assert not s["complete"] and s["stopped"].startswith("request cap reached (40 requests this run)")
        assert s["requests"] == 40 == len(site.log)
        # --max-requests overrides the default
        start = len(site.log)
        result, capped = _fetch_cli(site, tmp_path / "t2.db", "--lang", "zh", "--since", "2000-01-01",
                                    "--max-requests", "12")
        assert capped["requests"] == 12 == len(site.log) - start
        assert "request cap reached (12 requests this run)" in capped["stopped"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_default_request_cap_is_documented() -> None:
    from podium.sources.fetch import DEFAULT_MAX_REQUESTS

    result = CliRunner().invoke(main, ["fetch", "mfa", "--help"])
    assert "--max-requests" in result.output and f"default: {DEFAULT_MAX_REQUESTS}" in result.output
    assert "detected from the site" in " ".join(result.output.split())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ingesting_the_archive_of_todays_site_gives_the_same_briefings(today_site, tmp_path, lang) -> None:
    with Podium(tmp_path / "t.db") as pod:
        pod.fetch(lang=lang, base_url=today_site.url, **FAST)
    result = CliRunner().invoke(main, ["ingest", f"{tmp_path / 't.db'}.archive", "--db", str(tmp_path / "again.db"),
                                       "--no-analyse", "-q"])
    assert result.exit_code == 0, result.output
    assert _briefings(tmp_path / "again.db") == _briefings(tmp_path / "t.db")
