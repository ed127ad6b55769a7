"""Keyword in context shows its limits: how many lines of how many there are, pages that join up, the text
around the hit as printed (no spaces added), the hit marked in window and sentence modes, CSV/JSONL output.
On the whole MFA corpus."""

from __future__ import annotations

import asyncio
import io
import json
import re

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.web import create_app


@pytest.fixture(scope="module")
def pod(mfa_db):
    with Podium(mfa_db, create=False) as p:
        yield p


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_total_counts_every_occurrence(pod):
    conc = pod.concordance('"shared future"', limit=5)
    df = pod.exchanges(query='"shared future"')
    rx = re.compile(r"\bshared\s+future\b", re.I)
    expected = sum(len(rx.findall(q)) + len(rx.findall(a)) for q, a in zip(df["question"], df["answer"],
                                                                             strict=True))
    assert conc["total_lines"] == expected > 5
    assert conc["total_exchanges"] == len(df)
    assert len(conc["lines"]) == 5


@pytest.mark.parametrize("term,sentence", [("Taiwan", False), ("香港", True)])
def test_pages_join_up(pod, term, sentence):
    whole = pod.kwic(term, sentence=sentence, limit=300)
    pages = []
    for offset in range(0, 300, 70):
        pages += pod.kwic(term, sentence=sentence, limit=min(70, 300 - offset), offset=offset)
    assert pages == whole and len(whole) == 300


@pytest.mark.parametrize("term", ['"Hong Kong"', "香港", '"Taiwan"'])
@pytest.mark.parametrize("sentence", [False, True])
def test_context_is_the_text_as_printed(pod, term, sentence):
    lines = pod.kwic(term, sentence=sentence, limit=200)
    assert lines
    texts = {}
    for ln in lines:
        key = (ln["exchange_id"], ln["field"])
        if key not in texts:
            texts[key] = _ws(pod.exchange(ln["exchange_id"])[ln["field"]])
        whole = ln["left"] + ln["keyword"] + ln["right"]
        assert whole in texts[key], (whole, ln)
    # (the test above fails for any space added around the hit); and a hit followed by punctuation keeps it
    assert any(ln["right"][:1] in ",.;:'’)”，。、" for ln in lines)


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("mode", [[], ["--sentence"]])
def test_cli_marks_the_hit_and_says_how_many(mfa_db, pod, mode):
    r = _cli("kwic", "Huawei", "--db", mfa_db, "--limit", 7, "--offset", 3, *mode)
    assert r.exit_code == 0
    rows = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert len(rows) == 7 and all("[Huawei]" in ln for ln in rows), rows
    total = pod.concordance("Huawei", limit=1)["total_lines"]
    assert f"showing lines 4-10 of {total:,} in " in r.stderr and "--offset 10 for more" in r.stderr


def test_cli_csv_and_jsonl_read_back(mfa_db, pod, tmp_path):
    want = pod.kwic('"one China"', sentence=True, limit=40)
    r = _cli("kwic", '"one China"', "--db", mfa_db, "--sentence", "--limit", 40, "--format", "csv")
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert list(df["keyword"]) == [w["keyword"] for w in want]
    assert list(df["left"]) == [w["left"] for w in want] and list(df["right"]) == [w["right"] for w in want]
    out = tmp_path / "k.jsonl"
    r = _cli("kwic", '"one China"', "--db", mfa_db, "--sentence", "--limit", 40, "--format", "jsonl", "-o", out)
    assert f"written to {out}" in r.stderr
    assert [json.loads(x) for x in out.read_text("utf-8").splitlines()] == [w.to_dict() for w in want]


def test_web_pages_through_the_lines(mfa_db, pod):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(mfa_db)), base_url="http://t")
    loop = asyncio.new_event_loop()
    get = lambda **p: loop.run_until_complete(client.get("/search.json", params=p))  # noqa: E731
    total = pod.concordance("Taiwan", limit=1)["total_lines"]
    p2 = get(q="Taiwan", view="kwic", page="2").json()
    assert p2["kwic_counts"]["total_lines"] == total and p2["kwic_counts"]["offset"] == 100
    assert p2["kwic"] == [dict(ln, link=f"/exchanges/{ln['exchange_id']}")
                          for ln in pod.kwic("Taiwan", limit=100, offset=100)]
    assert p2["pages"] == -(-total // 100)
    html = loop.run_until_complete(client.get("/search", params={"q": "Taiwan", "view": "kwic", "page": "2"})).text
    assert f"Showing lines 101–200 of {total:,}" in html
    assert 'rel="next"' in html and 'rel="prev"' in html
