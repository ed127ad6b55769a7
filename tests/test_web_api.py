"""The web application in-process (httpx over ASGI) over real databases built from the
shared MFA corpus: every page as HTML and JSON, errors, time limits, admin writes, escaping, headers."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from podium import Podium
from podium.web import create_app

from conftest import CORPUS

EN = sorted((CORPUS / "mfa" / "en").glob("t*.html"))
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
XSS_SOURCE = CORPUS / "mfa" / "en" / "t1594517.html"
TOKEN = "test-admin-token-123"


class AppClient:
    """httpx against the ASGI app in-process, called synchronously (one event loop per client)."""

    def __init__(self, app, follow_redirects: bool = False) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://podium.test",
                                         follow_redirects=follow_redirects)

    def get(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(url, **kw))

    def post(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self._client.post(url, **kw))


def xss_page(folder: Path) -> Path:
    """A real MFA page whose first question also contains markup (as text, the way a page would print it)."""
    raw = XSS_SOURCE.read_text("utf-8")
    anchor = "What is your comment? </STRONG>"
    assert anchor in raw
    payload = "What is your comment? &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; </STRONG>"
    path = folder / XSS_SOURCE.name
    path.write_text(raw.replace(anchor, payload, 1), "utf-8")
    return path


@pytest.fixture(scope="module")
def client(mfa_db) -> AppClient:
    """Read-only app over the whole MFA corpus (no analysis)."""
    return AppClient(create_app(mfa_db), follow_redirects=False)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    """25 English briefings of 2020 (askers named by outlet) with every analysis pass run."""
    path = tmp_path_factory.mktemp("web_analysed") / "a.db"
    with Podium(path) as pod:
        assert pod.ingest(EN[-25:], analyse=True).ok
        pod.analyse(passes=["formulations"])
    return path


@pytest.fixture(scope="module")
def aclient(analysed) -> AppClient:
    return AppClient(create_app(analysed), follow_redirects=False)


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("web_xss")
    path = folder / "x.db"
    with Podium(path) as pod:
        report = pod.ingest([xss_page(folder), *EN[:3]], analyse=False)
        assert report.ok, report.failed
    return path


def first_hit(client: AppClient, q: str, **params) -> dict:
    data = client.get("/search.json", params={"q": q, **params}).json()
    assert data["hits"], f"no hit for {q!r}"
    return data["hits"][0]


# ---- every page ---------------------------------------------------------------------------------------------

PAGES = ["/", "/search", "/search?q=Huawei", "/search?q=Taiwan&view=kwic", "/search?outlet=AFP",
         "/search?q=%E7%BE%8E%E6%96%B9", "/trends", "/trends?term=Taiwan", "/outlets", "/formulations", "/api"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_as_html_and_json(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script anywhere: scripts are files
    if path == "/api":
        return
    base, _, query = path.partition("?")
    r = client.get(("/index" if base == "/" else base) + ".json" + ("?" + query if query else ""))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json(), dict)


def test_briefing_and_exchange_pages(client):
    hit = first_hit(client, '"shared future"')
    r = client.get(f"/briefings/{hit['briefing_id']}")
    assert r.status_code == 200
    assert f'id="e{hit["n"]}"' in r.text
    b = client.get(f"/briefings/{hit['briefing_id']}.json").json()
    assert hit["exchange_id"] in [e["exchange_id"] for e in b["exchanges"]]
    if b["url"]:
        assert f'href="{b["url"]}"' in r.text  # the original page
    for key, rel in (("prev_id", "prev"), ("next_id", "next")):
        if b[key]:
            assert f'href="/briefings/{b[key]}" rel="{rel}"' in r.text
            other = client.get(f"/briefings/{b[key]}.json").json()
            assert other["next_id" if rel == "prev" else "prev_id"] == b["id"]
    e = client.get(f"/exchanges/{hit['exchange_id']}.json").json()
    assert (e["briefing_id"], e["n"]) == (hit["briefing_id"], hit["n"])
    r = client.get(f"/exchanges/e{hit['exchange_id']}")
    assert r.status_code == 302 and r.headers["location"] == hit["link"]


# ---- search -------------------------------------------------------------------------------------------------

def test_search_hits_link_to_their_place_and_contain_the_phrase(client):
    data = client.get("/search.json", params={"q": '"shared future"', "per_page": 50}).json()
    assert data["total"] > 50 and len(data["hits"]) == 50
    for h in data["hits"]:
        assert "shared future" in (h["question"] + " " + h["answer"]).lower()
        assert h["link"] == f"/briefings/{h['briefing_id']}#e{h['n']}"
        # the JSON carries text and the spans of the matches, no markup
        marked = [h[f][s:e] for f in ("question", "answer") for s, e in h[f"{f}_spans"]]
        assert marked and all(re.sub(r"\s+", " ", m).lower() == "shared future" for m in marked)
        assert "<mark>" not in h["question"] + h["answer"]
    html = client.get("/search", params={"q": '"shared future"'}).text
    assert f'{data["total"]:,}</strong> exchanges match' in html
    assert html.count('class="hit"') == 20
    assert f'href="{data["hits"][0]["link"]}"' in html
    # the page marks exactly those spans, on escaped text
    for h, block in zip(data["hits"], _hit_blocks(html), strict=False):
        question = re.search(r'<p class="hit-q"><span class="qa">Q</span> (.*?)</p>', block, re.S).group(1)
        assert [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", question, re.S)] == [
            h["question"][s:e] for s, e in h["question_spans"]]
        answer = re.search(r'<div class="answer-text">(.*?)</div>', block, re.S).group(1)
        assert [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", answer, re.S)] == [
            h["answer"][s:e] for s, e in h["answer_spans"]]
        plain = answer.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in plain and ">" not in plain and unescape(plain) == h["answer"]


def test_paging_and_sorting(client):
    p1 = client.get("/search.json", params={"q": "Taiwan", "sort": "date"}).json()
    p2 = client.get("/search.json", params={"q": "Taiwan", "sort": "date", "page": 2}).json()
    assert p1["total"] == p2["total"] > 40 and p1["pages"] == -(-p1["total"] // 20)
    assert not {h["exchange_id"] for h in p1["hits"]} & {h["exchange_id"] for h in p2["hits"]}
    dates = [h["date"] for h in p1["hits"] + p2["hits"]]
    assert dates == sorted(dates, reverse=True)
    html = client.get("/search", params={"q": "Taiwan", "sort": "date", "page": 2}).text
    assert 'rel="prev"' in html and 'rel="next"' in html and 'start="21"' in html


def test_facets_filter_and_their_links(client):
    data = client.get("/search.json", params={"q": "Taiwan"}).json()
    facets = data["facets"]
    assert set(facets["lang"]) == {"en", "zh"} or set(facets["lang"]) == {"en"}
    assert sum(facets["lang"].values()) == data["total"]
    outlet, count = max(facets["outlet"].items(), key=lambda kv: kv[1])
    html = client.get("/search", params={"q": "Taiwan"}).text
    link = re.search(r'<a href="(/search\?[^"]*outlet=[^"]*)"[^>]*><span class="facet-label">'
                     + re.escape(outlet) + "<", html)
    assert link, "facet value is a link"
    narrowed = client.get(link.group(1).replace("&amp;", "&").replace("/search?", "/search.json?")).json()
    assert narrowed["total"] == count
    assert all(h["outlet"] == outlet for h in narrowed["hits"])
    year = client.get("/search.json", params={"q": "Taiwan", "from": "2019-01-01", "to": "2019-12-31"}).json()
    assert year["total"] == facets["year"]["2019"]
    assert all(h["date"].startswith("2019") for h in year["hits"])


def test_browse_by_filters_without_a_query(client, mfa_db):
    data = client.get("/search.json", params={"outlet": "AFP", "per_page": 100}).json()
    assert data["mode"] == "browse"
    with Podium(mfa_db, create=False) as pod:
        assert data["total"] == len(pod.exchanges(outlet="AFP"))
    assert data["total"] > 0 and all(h["outlet"] == "AFP" for h in data["hits"])
    assert data["facets"]["outlet"] == {"AFP": data["total"]}


def test_kwic_view(client):
    data = client.get("/search.json", params={"q": "Huawei", "view": "kwic"}).json()
    assert data["kwic"], "keyword-in-context lines"
    for line in data["kwic"]:
        assert line["keyword"].lower().startswith("huawei")
        assert line["link"] == f"/exchanges/{line['exchange_id']}"
    html = client.get("/search", params={"q": "Huawei", "view": "kwic"}).text
    assert html.count('class="kwic-key"') == len(data["kwic"]) + 1  # + the header cell


def test_bad_query_is_400_with_a_message(client):
    r = client.get("/search.json", params={"q": '"one China'})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "QueryError" and "quote" in body["message"]
    r = client.get("/search", params={"q": '"one China'})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "quote" in r.text and 'value="&#34;one China"' in r.text  # the query is offered back, escaped
    for params in ({"q": "x", "from": "2019-13-01"}, {"q": "x", "per_page": "1000"}, {"q": "x", "page": "two"},
                   {"q": "x", "sort": "sideways"}, {"q": "AND"}):
        r = client.get("/search.json", params=params)
        assert r.status_code == 400, params
        assert r.json()["message"]


def test_not_found_is_404_in_html_and_json(client):
    for path in ("/briefings/99999999", "/nope", "/briefings/99999999.json", "/exchanges/99999999.json",
                 "/exchanges/99999999", "/static/nope.js"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "content-security-policy" in r.headers
        if path.endswith(".json"):
            assert r.json()["status"] == 404 and r.json()["message"]
    r = client.get("/briefings/99999999")
    assert "Not found" in r.text and "b99999999" in r.text
    assert str(Path(client.app.state.web.db_path).parent) not in r.text  # no server paths in messages
    assert client.get("/briefings/banana.json").status_code == 400


def test_answers_carry_an_etag_and_a_repeat_gets_304_until_the_database_changes(tmp_path):
    db = tmp_path / "etag.db"
    with Podium(db) as pod:
        pod.ingest(EN[:2], analyse=False)
    c = AppClient(create_app(db))
    tags = {}
    for path in ("/search.json?q=China", "/search?q=China", "/index.json", "/outlets.json", "/openapi.json"):
        first = c.get(path)
        tags[path] = tag = first.headers["etag"]
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache", path
        again = c.get(path, headers={"if-none-match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag, path
        assert c.get(path).content == first.content
    assert c.get("/search.json?q=China", headers={"if-none-match": '"stale"'}).status_code == 200
    css = c.get("/static/podium.css")
    assert "max-age" in css.headers["cache-control"]
    assert c.get("/static/podium.css", headers={"if-none-match": css.headers["etag"]}).status_code == 304
    total = c.get("/search.json?q=China").json()["total"]
    with Podium(db) as pod:  # another process writes: every cached answer is stale
        pod.ingest(EN[2:6], analyse=False)
    r = c.get("/search.json?q=China", headers={"if-none-match": tags["/search.json?q=China"]})
    assert r.status_code == 200 and r.headers["etag"] != tags["/search.json?q=China"] and r.json()["total"] > total


def test_slow_request_is_cut_off_with_a_message(mfa_db):
    slow = AppClient(create_app(mfa_db, query_timeout=0.2))
    web, released = slow.app.state.web, threading.Event()
    search = web.pod.search

    def search_held(*args, **kwargs):  # the real search, held until the test has its answer: past the limit on any
        released.wait(30)              # machine (a search that finishes first would be answered, as it should)
        return search(*args, **kwargs)

    web.pod.search = search_held
    try:
        r = slow.get("/search.json", params={"q": "th* OR an* OR se*"})
        assert r.status_code == 503
        assert "limit" in r.json()["message"]
        r = slow.get("/search", params={"q": "th* OR an* OR se*"})
        assert r.status_code == 503 and "took longer" in r.text
    finally:
        released.set()


# ---- trends -------------------------------------------------------------------------------------------------

def test_trends_are_normalised_with_explicit_zeros(client):
    stats = client.get("/index.json").json()["stats"]
    data = client.get("/trends.json", params=[("term", "Taiwan"), ("term", '"shared future"')]).json()
    assert [s["label"] for s in data["series"]] == ["Taiwan", '"shared future"']
    assert data["periods"] == sorted(data["periods"])
    held = sum(n for kind in ("MFA press conference", "MFA online press conference")
               for langs, n in stats["events"]["by_kind"][kind].items() if "en" in langs.split(","))
    for s in data["series"]:
        # every press conference with an English version is held in exactly one month: the months add up to all
        assert sum(p["briefings_held"] for p in s["points"]) == held
        assert s["counted"]["unit"] == "press conferences" and s["counted"]["languages"] == ["en"]
        for p in s["points"]:
            assert p["share"] == pytest.approx(p["briefings_matching"] / p["briefings_held"], abs=1e-6)
    shared = data["series"][1]["points"]
    assert any(p["briefings_matching"] == 0 and p["share"] == 0 for p in shared), "explicit zeros"
    rows = list(csv.DictReader(io.StringIO(client.get("/trends.csv", params=[("term", "Taiwan"),
                                                                             ("term", '"shared future"')]).text)))
    assert len(rows) == sum(len(s["points"]) for s in data["series"])
    assert {(r["series"], r["period"], int(r["briefings_matching"])) for r in rows} == {
        (s["label"], p["period"], p["briefings_matching"]) for s in data["series"] for p in s["points"]}
    svg = ET.fromstring(client.get("/trends.svg", params={"term": ["Taiwan", '"shared future"']}).text)
    paths = [el for el in svg.iter() if el.tag.endswith("path")]
    assert len(paths) == 2 and all(p.get("d", "").startswith("M") for p in paths)


def test_trends_split_by_spokesperson(client):
    data = client.get("/trends.json", params={"term": "Huawei", "per": "spokesperson"}).json()
    groups = {s["group"] for s in data["series"]}
    assert {"Hua Chunying (华春莹)", "Geng Shuang (耿爽)"} <= groups  # one series per person, both languages
    assert all(s["label"] == f"Huawei — {s['group']}" for s in data["series"])
    html = client.get("/trends", params={"term": "Huawei", "per": "spokesperson"}).text
    assert 'id="trend-chart"' in html and 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert client.get("/trends.json", params={"term": "x", "per": "weather"}).status_code == 400
    assert client.get("/trends.json", params={"term": "x", "by": "fortnight"}).status_code == 400


def test_country_trend_and_tables_need_analysis(aclient, client):
    usa = aclient.get("/trends.json", params={"country": "USA, JPN"}).json()
    assert [s["label"] for s in usa["series"]] == ["United States", "Japan"]
    assert max(p["share"] for p in usa["series"][0]["points"]) > 0
    # on a database nobody analysed, the tables say what to do instead of showing nothing
    assert "podium analyse" in client.get("/formulations").text


def test_outlets_rows_link_to_their_exchanges(aclient):
    rows = aclient.get("/outlets.json").json()["rows"]
    named = [r for r in rows if r["level"] == "outlet" and not str(r["name"]).startswith("(")]
    assert named
    html = aclient.get("/outlets").text
    for r in sorted(named, key=lambda r: -r["questions"])[:3]:
        link = f'/search?outlet={r["name"].replace(" ", "+")}'
        assert f'href="{link}"' in html
        browse = aclient.get("/search.json", params={"outlet": r["name"]}).json()
        assert browse["total"] == r["questions"]
    assert 'class="claritybar"' in html


def test_outlets_page_shows_clarity_by_spokesperson_and_year_as_the_facade_counts_it(aclient, analysed):
    data = aclient.get("/outlets.json").json()
    with Podium(analysed, create=False) as pod:
        people = pod.clarity(by="spokesperson", min_answers=20)
        years = pod.clarity(by="period", per="year")
    assert [r["group"] for r in data["spokespersons"]] == list(people["group"]) and len(people) >= 1
    assert [r["labelled"] for r in data["years"]] == list(years["labelled"])
    for r in data["spokespersons"] + data["years"]:
        assert r["clear_reply_corrected"] is not None and r["clear_reply_lo"] <= r["clear_reply_share"]
    html = aclient.get("/outlets").text
    assert 'id="spokespersons-table"' in html and 'id="years-table"' in html
    # the calibration of the model's probabilities on its held-out labels, as JSON and in the page's trust line
    from podium.analysis.stats import clarity_calibration

    assert data["counted"]["clarity_calibration"] == clarity_calibration()
    assert set(data["counted"]["clarity_calibration"]["en"]["ece"]) == {"Clear Reply", "Ambivalent", "Clear Non-Reply"}
    assert "expected calibration error" in html
    assert all(r["group"] in html for r in data["spokespersons"])


def test_formulations_rows_link_to_search_and_trend(aclient):
    data = aclient.get("/formulations.json", params={"limit": 5}).json()
    assert len(data["rows"]) == 5
    top = data["rows"][0]
    found = aclient.get("/search.json", params={"q": f'"{top["text"]}"', "lang": top["lang"]}).json()
    assert found["total"] >= top["briefings"]
    trend = aclient.get("/trends.json", params={"formulation": str(top["id"])}).json()
    # briefings whose exchanges use it (the mined count also includes opening remarks)
    assert 0 < sum(p["briefings_matching"] for p in trend["series"][0]["points"]) <= top["briefings"]
    html = aclient.get("/formulations", params={"limit": 5}).text
    assert html.count("trend →") == 5
    assert aclient.get("/formulations.json", params={"new_since": "yesterday"}).status_code == 400


def test_briefing_shows_clarity_with_its_evidence(aclient):
    hit = first_hit(aclient, "Taiwan")
    b = aclient.get(f"/briefings/{hit['briefing_id']}.json").json()
    clarity = [e["annotations"]["clarity"] for e in b["exchanges"] if "clarity" in e["annotations"]]
    assert clarity, "analysed exchanges carry a clarity annotation"
    html = aclient.get(f"/briefings/{hit['briefing_id']}").text
    for c in clarity:
        assert c["label"] in html
        if c["evidence"]:
            assert f'<blockquote class="evidence">{escape(c["evidence"])}</blockquote>' in html


def _hit_blocks(html: str) -> list[str]:
    return re.findall(r'<li class="hit".*?</li>', html, re.S)


def test_search_hits_show_clarity_badge_with_evidence_and_countries(seed_analysed_db):
    c = AppClient(create_app(seed_analysed_db))
    # the seed page's clear-cut non-replies ("I'm not aware of what you mentioned", ...) and whatever else matches
    params = {"q": '"not aware" OR "refer you" OR "follow our updates" OR China'}
    hits = c.get("/search.json", params=params).json()["hits"]
    assert any(h["clarity"] == "Clear Non-Reply" for h in hits)
    assert any(h["countries"] for h in hits)
    page = c.get("/search", params=params).text
    blocks = _hit_blocks(page)
    assert len(blocks) == len(hits)
    for h, block in zip(hits, blocks, strict=True):
        e = c.get(f"/exchanges/{h['exchange_id']}.json").json()["annotations"]["clarity"]
        assert h["clarity"] == e["label"]  # the hit says what the exchange's own record says
        slug = e["label"].lower().replace(" ", "-")
        badge = (f'<span class="clarity clarity-{slug}" title="{escape(e["evidence"])}">'
                 f'{escape(e["label"])} · {escape(e["value"]["fine"])}</span>')
        assert badge in block
        tags = re.search(r'<div class="hit-countries">(.*?)</div>', block, re.S)
        assert (tags is not None) == bool(h["countries"])
        for code in h["countries"]:
            assert f"country={code}" in tags.group(1)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script (CSP)
    # browsing by a filter shows the same badges
    browse = c.get("/search", params={"clarity": "Clear Non-Reply"}).text
    blocks = _hit_blocks(browse)
    assert blocks and all('class="clarity clarity-clear-non-reply" title="' in b for b in blocks)


# ---- security -----------------------------------------------------------------------------------------------

def escape(text: str) -> str:
    from markupsafe import escape as esc

    return str(esc(text))


def test_transcript_markup_is_shown_as_text(xss_db):
    c = AppClient(create_app(xss_db))
    data = c.get("/search.json", params={"q": "onerror"}).json()
    assert data["total"] == 1
    hit = data["hits"][0]
    assert XSS_SCRIPT in hit["question"] and XSS_IMG in hit["question"]
    for page in ("/search?q=onerror", "/search?q=alert&view=kwic", f"/briefings/{hit['briefing_id']}",
                 "/search?q=onerror&view=kwic"):
        html = c.get(page).text
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "alert(1)" in html or page.endswith("kwic"), page
    briefing = c.get(f"/briefings/{hit['briefing_id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in briefing
    assert "&lt;img src=x onerror=alert(2)&gt;" in briefing
    results = c.get("/search", params={"q": "onerror"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in results
    # the match is in the question only: the answer line previews the answer, not the question again
    answer_line = re.search(r'<p class="hit-a">(.*?)</p>', results, re.S).group(1)
    assert "onerror" not in answer_line and hit["answer"][:40] in answer_line
    # a query carrying markup is echoed escaped too
    r = c.get("/search", params={"q": '"<script>alert(3)</script>"'})
    assert "<script>alert(3)" not in r.text


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_builds_the_app_in_each_worker_from_its_factory(mfa_db, workers):
    """`podium serve` imports nothing of the web package: uvicorn builds the application by its factory's name in
    every worker process, from the environment the command sets (the names ``app_from_env`` reads)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "podium", "serve", "--db", str(mfa_db), "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(600):  # until the workers have started (or the command has ended)
            if proc.poll() is not None:
                break
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/search.json", params={"q": '"shared future"'})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, proc.communicate()[1] if proc.poll() is not None else "no answer"
        assert answer.status_code == 200
        with Podium(mfa_db, create=False) as pod:
            assert answer.json()["total"] == pod.search('"shared future"').total > 0
    finally:
        proc.terminate()
        stderr = proc.communicate(timeout=60)[1]
    assert f"({'read-only' + (f', {workers} processes' if workers > 1 else '')})" in stderr


def test_writes_need_the_admin_token(tmp_path, mfa_db):
    readonly = AppClient(create_app(mfa_db))
    page = ("file", ("t1594517.html", xss_page(tmp_path).read_bytes(), "text/html"))
    r = readonly.post("/api/ingest", files=[page])
    assert r.status_code == 403 and "--admin-token" in r.json()["message"]
    assert readonly.post("/api/analyse").status_code == 403

    db = tmp_path / "w.db"
    Podium(db).close()
    admin = AppClient(create_app(db, admin_token=TOKEN))
    r = admin.post("/api/ingest", files=[page])
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = admin.post("/api/ingest", files=[page], headers={"Authorization": "Bearer wrong-token-xyz"})
    assert r.status_code == 401
    r = admin.post("/api/ingest", files=[page], headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401
    assert admin.get("/search.json", params={"q": "onerror"}).json()["total"] == 0

    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad = ("file", ("empty.html", b"", "text/html"))
    r = admin.post("/api/ingest?analyse=0", files=[page, bad], headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["added"], body["failed"]) == (1, 1) and not body["ok"]
    assert [x["file"] for x in body["results"] if x["status"] == "failed"] == ["empty.html"]
    assert admin.get("/search.json", params={"q": "onerror"}).json()["total"] == 1  # searchable at once
    again = admin.post("/api/ingest?analyse=0", files=[page], headers=auth).json()
    assert again["unchanged"] == 1
    assert admin.post("/api/ingest", headers=auth).status_code == 400  # nothing uploaded
    r = admin.post("/api/analyse?passes=countries", headers=auth)
    assert r.status_code == 200 and r.json()["written"]["countries"] > 0
    assert admin.get("/api/ingest").status_code == 405


def test_security_headers_everywhere(client):
    for path in ("/", "/search.json?q=x", "/static/podium.css", "/nope", "/openapi.json", "/trends.csv?term=x"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_describes_every_json_route(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    served = {r.path for r in client.app.routes if isinstance(r, Route)
              and (r.path.endswith((".json", ".csv", ".svg")) or r.path.startswith("/api/"))} - {"/openapi.json"}
    assert served == documented
    assert spec["paths"]["/api/ingest"]["post"]["security"] == [{"bearer": []}]


def test_static_assets_and_vendored_chart_library_ship_in_the_package():
    static = Path(__import__("podium.web", fromlist=["x"]).__file__).parent / "static"
    lib = static / "vendor" / "chartjs" / "chart.umd.min.js"
    assert lib.stat().st_size > 100_000 and "Chart.js v4" in lib.read_text("utf-8")[:200]
    assert "MIT License" in (static / "vendor" / "chartjs" / "LICENSE.md").read_text("utf-8")
    templates = static.parent / "templates"
    for name in ("base.html", "search.html", "briefing.html", "trends.html", "outlets.html", "formulations.html",
                 "error.html"):
        assert (templates / name).is_file()
        text = (templates / name).read_text("utf-8")
        assert "<script>" not in text and " style=" not in text  # CSP: no inline script or style


def test_an_empty_database_says_so(tmp_path):
    db = tmp_path / "empty.db"
    Podium(db).close()
    c = AppClient(create_app(db))
    assert "This database is empty" in c.get("/").text
    assert c.get("/search.json", params={"q": "Taiwan"}).json()["total"] == 0
    assert "No exchange matches" in c.get("/search", params={"q": "Taiwan"}).text
    assert "No outlets yet" in c.get("/outlets").text
    assert "Nothing to draw yet" in c.get("/trends").text


def test_serve_command_refuses_a_missing_database(tmp_path):
    from click.testing import CliRunner

    from podium.cli import main

    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "no database" in result.output
    db = tmp_path / "empty.db"
    Podium(db).close()
    result = CliRunner().invoke(main, ["serve", "--db", str(db), "--admin-token", "short"])
    assert result.exit_code == 2 and "at least 12 characters" in result.output  # refused before serving
    assert "--admin-token" in CliRunner().invoke(main, ["serve", "--help"]).output


# ---- events: versions side by side ------------------------------------------------------------------------------

def test_event_page_shows_both_versions_side_by_side(client):
    from podium import Podium

    with Podium(client.app.state.web.pod.path, create=False) as pod:
        ev = pod.events(date_from="2019-06-03", date_to="2019-06-03").iloc[0]
    data = client.get(f"/events/{ev['event_id']}.json").json()
    assert [v["lang"] for v in data["versions"]] == ["en", "zh"]
    paired = [r for r in data["rows"] if r["a"] and r["b"]]
    assert len(paired) >= 10
    for row in paired:  # each row: the same exchange, English left, Chinese right, same event
        assert {x["lang"] for x in row["a"]} == {"en"} and {x["lang"] for x in row["b"]} == {"zh"}
    page = client.get(f"/events/{ev['event_id']}").text
    assert page.count('class="sbs-row') == len(data["rows"])
    en_id = data["versions"][0]["briefing_id"]
    reader = client.get(f"/briefings/{en_id}").text
    assert f'href="/events/{ev["event_id"]}"' in reader and 'hreflang="zh"' in reader
    assert client.get("/events/99999999.json").status_code == 404
    assert client.get("/events/abc.json").status_code in (400, 404)
