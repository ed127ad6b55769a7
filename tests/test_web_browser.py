"""The web application in real Chromium (Debian's build driven by Playwright) against `podium`'s app served by
uvicorn on loopback: search and land on the exchange, draw and export a trend chart, inert transcript markup.
Screenshots of every page go to test-output/screenshots/."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from podium import Podium
from podium.web import create_app

from conftest import CORPUS, ROOT

CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "screenshots"
EN = sorted((CORPUS / "mfa" / "en").glob("t*.html"))
XSS_SOURCE = CORPUS / "mfa" / "en" / "t1594517.html"


def _need_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set PODIUM_CHROMIUM)"
    if os.environ.get("PODIUM_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; PODIUM_REQUIRE_BROWSER=1 says the browser tests must run")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    """A database of 25 English 2020 briefings plus a real page carrying markup in a question, analysed, served
    by uvicorn in a thread; yields the base URL."""
    _need_browser()
    import uvicorn

    folder = tmp_path_factory.mktemp("web_browser")
    raw = XSS_SOURCE.read_text("utf-8")
    anchor = "What is your comment? </STRONG>"
    xss = folder / XSS_SOURCE.name
    xss.write_text(raw.replace(anchor, "What is your comment? &lt;script&gt;alert(1)&lt;/script&gt; "
                                       "&lt;img src=x onerror=alert(2)&gt; </STRONG>", 1), "utf-8")
    db = folder / "b.db"
    with Podium(db) as pod:
        assert pod.ingest([*EN[-25:], xss], analyse=True).ok
        pod.analyse(passes=["formulations"])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser, site):
    """A fresh page that records console errors, failed requests and dialogs; none may happen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, base_url=site)
    pg = context.new_page()
    pg.problems = []
    pg.dialogs = []
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"request failed: {r.url}"))

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


def shot(pg, name: str, full: bool = False) -> None:
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_search_open_a_hit_and_land_on_the_exchange(page):
    page.goto("/search")
    page.fill("input[name=q].q", '"shared future"')
    page.press("input[name=q].q", "Enter")
    page.wait_for_selector("li.hit")
    count = page.inner_text(".count")
    assert "match" in count and int(count.split()[0].replace(",", "")) >= 1
    marks = page.locator("li.hit mark")
    assert marks.count() > 0 and marks.first.inner_text().lower() == "shared future"
    shot(page, "search")
    second = page.locator("li.hit").nth(1) if page.locator("li.hit").count() > 1 else page.locator("li.hit").first
    href = second.locator(".hit-foot a").get_attribute("href")
    anchor = href.split("#")[1]
    second.locator(".hit-foot a").click()
    page.wait_for_url(f"**/briefings/*#{anchor}")
    target = page.locator(f"#{anchor}")
    target.wait_for()
    assert "targeted" in target.get_attribute("class")
    box, viewport = target.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] < viewport["height"] - 40, "the exchange is scrolled into view"
    assert "shared future" in target.inner_text().lower()
    # the highlight fades in (a CSS transition): wait for its end colour, the accent blue
    page.wait_for_function("id => getComputedStyle(document.getElementById(id)).borderTopColor === 'rgb(31, 95, 168)'",
                           arg=anchor, timeout=3000)
    shot(page, "briefing")
    assert not page.problems, page.problems


def test_trend_chart_draws_and_exports(page, tmp_path):
    page.goto("/trends")
    shot(page, "trends-empty")
    page.fill("textarea[name=term]", '"shared future"\nTaiwan')
    page.fill("textarea[name=country]", "USA")
    page.click("form.trendform button[type=submit]")
    page.wait_for_selector("canvas#trend-chart[data-rendered='1']", timeout=15_000)
    # the canvas has ink: count pixels that are not white
    inked = page.evaluate("""() => {
        const c = document.getElementById('trend-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0, blue = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
            if (Math.abs(d[i] - 31) < 30 && Math.abs(d[i + 1] - 95) < 30 && Math.abs(d[i + 2] - 168) < 30) blue++;
        }
        return {ink, blue, w: c.width, h: c.height};
    }""")
    assert inked["w"] > 300 and inked["ink"] > 2000 and inked["blue"] > 100, inked
    shot(page, "trends", full=True)

    api_url = page.url.replace("/trends?", "/trends.json?")
    api = json.loads(page.evaluate("async (u) => (await fetch(u)).text()", api_url))
    assert [s["label"] for s in api["series"]] == ['"shared future"', "Taiwan", "United States"]
    # the table on the page shows the API's numbers
    cells = page.eval_on_selector_all("#trend-table tbody tr", """rows => rows.map(r => Array.from(r.cells).map(
        c => c.dataset.share === undefined ? c.textContent.trim() : Number(c.dataset.share)))""")
    assert [row[0] for row in cells] == api["periods"]
    for k, s in enumerate(api["series"]):
        at = {p["period"]: p["share"] for p in s["points"]}
        assert [row[k + 1] if not isinstance(row[k + 1], str) else None for row in cells] == \
            [at.get(period) for period in api["periods"]]

    with page.expect_download() as dl:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text("utf-8"))))
    assert len(rows) == sum(len(s["points"]) for s in api["series"])
    with page.expect_download() as dl:
        page.click("#download-png")
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert dl.value.suggested_filename == "podium-trend.png"
    assert not page.problems, page.problems


def test_markup_in_a_transcript_stays_inert(page):
    page.goto("/search?q=onerror")
    page.wait_for_selector("li.hit")
    hit = page.locator("li.hit").first
    assert "<script>alert(1)</script>" in hit.locator(".hit-q").inner_text()
    shot(page, "xss-search")
    hit.locator(".hit-foot a").click()
    page.wait_for_selector(".exchange.targeted")
    question = page.locator(".exchange.targeted .turn-asker")
    assert "<script>alert(1)</script>" in question.inner_text()
    assert "<img src=x onerror=alert(2)>" in question.inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert page.locator(".exchange script").count() == 0
    page.wait_for_timeout(300)
    shot(page, "xss-briefing")
    assert page.dialogs == [], "a dialog fired: the payload ran"
    assert not page.problems, page.problems


def test_every_page_looks_complete(page):
    for name, path, selector in [
        ("home", "/", ".cards"),
        ("search-empty", "/search", ".empty"),
        ("search-kwic", "/search?q=Taiwan&view=kwic", "table.kwic"),
        ("search-browse", "/search?outlet=Reuters", "li.hit"),
        ("search-none", "/search?q=zzzqqqxxy", ".empty"),
        ("search-error", '/search?q="unbalanced', ".error-box"),
        ("outlets", "/outlets", "table.outlets-table"),
        ("formulations", "/formulations?lang=en", "table.formulations-table"),
        ("api", "/api", "table.api-table"),
        ("not-found", "/briefings/999999", ".error-box"),
    ]:
        response = page.goto(path)
        page.wait_for_selector(selector)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        shot(page, name, full=name in ("outlets",))
    # sortable tables: clicking a numeric header orders the rows
    page.goto("/outlets")
    header = page.locator("#outlets-table thead th", has_text="Questions")
    header.click()
    values = page.eval_on_selector_all("#outlets-table tbody tr td:nth-child(3)",
                                       "tds => tds.map(td => Number(td.dataset.v))")
    assert values == sorted(values, reverse=True) and len(values) > 3
    header.click()
    values = page.eval_on_selector_all("#outlets-table tbody tr td:nth-child(3)",
                                       "tds => tds.map(td => Number(td.dataset.v))")
    assert values == sorted(values)
    # the error pages answer 400 and 404 on purpose
    bad = [p for p in page.problems if "status of 404" not in p and "status of 400" not in p]
    assert not bad, bad


@pytest.mark.parametrize("width", [420, 1920])
def test_search_outlets_trends_fit_the_screen(browser, site, width):
    """At a phone's width and a wide screen: no page scrolls sideways, the search facets keep their counts, a
    trend of more than five series is drawn as small multiples. Screenshots: test-output/screenshots/."""
    context = browser.new_context(viewport={"width": width, "height": 1000}, base_url=site)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(str(e)))
    terms = ["Taiwan", "Japan", "trade", "Huawei", "Hong Kong", "Xinjiang", "sanctions"]
    pages = [("search", "/search?q=China", "li.hit"),
             ("outlets", "/outlets", "table.outlets-table"),
             ("trends", "/trends?" + "&".join(f"term={t.replace(' ', '+')}" for t in terms),
              "canvas[data-rendered]")]
    for name, path, selector in pages:
        pg.goto(path)
        pg.wait_for_selector(selector)
        pg.wait_for_timeout(200)
        pg.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than a {width} px screen"
        if name == "search":
            for count in pg.locator(".facet-count").all()[:10]:
                box = count.bounding_box()
                if box is not None:  # a collapsed facet list hides its extra rows
                    assert box["width"] > 0 and box["x"] + box["width"] <= width, "a facet count is cut off"
        if name == "trends":
            assert pg.locator("canvas").count() == 2, "7 series: two panels of at most five"
    context.close()
    assert not problems, problems
