"""Indexes (sources.indexes): the White House listing pages, index.tsv, a user's table; dates with their evidence."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.errors import ParseError, SourceError
from podium.parse import parse_bytes, parse_file
from podium.sources.files import expand
from podium.sources.files import page as page_of
from podium.sources.indexes import Indexes, read_index_tsv, read_listing_pages, read_table_index

from conftest import CORPUS

WH = CORPUS / "whitehouse" / "2009-2016"
LISTS = WH / "lists"
#: pages whose title, header and body carry no date (the parser says "no date" without the listing)
UNDATED = ("239.html", "1363.html", "1438.html")


@pytest.fixture(scope="module")
def listing(shared):
    return read_listing_pages([LISTS])


def _norm(title: str) -> str:
    return re.sub(r"\W+", "", html.unescape(title).lower())


def test_listing_rows_map_to_the_pages_by_their_number(listing):
    assert len(listing) == 1697 == len(list(WH.glob("*.html")))
    assert [e.file.rsplit("/", 1)[1] for e in listing] == [f"{n}.html" for n in range(1697)]
    for e in listing:  # row N is N.html: every page's <h1> is its row's title
        h1 = re.match(r"<h1>(.*?)</h1>", open(e.file, encoding="utf-8", errors="replace").readline())
        assert h1 and _norm(h1.group(1)) == _norm(e.title), e.evidence


def test_listing_dates_links_and_evidence(listing):
    first, last = listing[0], listing[-1]
    assert first.date.isoformat() == "2016-08-04" and first.evidence == "listing page lists/0.html row 1"
    assert first.url == ("https://www.whitehouse.gov/the-press-office/2016/08/04/"
                         "press-conference-president-after-meeting-national-security-officials")
    assert last.date.isoformat() == "2009-01-22" and last.evidence == "listing page lists/169.html row 7"
    assert all(e.date is not None for e in listing)


def test_a_link_shared_by_briefings_of_different_dates_is_marked(listing):
    by_file = {e.file.rsplit("/", 1)[1]: e for e in listing}
    a, b = by_file["1363.html"], by_file["1593.html"]  # two Gibbs gaggles "aboard Air Force One", one link
    assert a.url != b.url and a.url.endswith("#2010-05-02") and b.url.endswith("#2009-05-14")
    assert "of another date" in a.evidence
    same = by_file["189.html"], by_file["190.html"]  # one briefing listed twice (the listing shifted)
    assert same[0].url == same[1].url and "#" not in same[0].url


def test_every_2009_2016_page_is_dated(shared):
    pages, missing = expand([WH])
    briefings = [p for p in pages if not p.skip]
    assert not missing and len(briefings) == 1697
    assert len([p for p in pages if p.skip]) == 170  # the listing pages themselves
    reasons = []
    for page in briefings:
        assert page.index is not None and page.index.date is not None, page.source
        try:
            b = parse_bytes(page.path.read_bytes(), page.source, url=page.url, date=page.index.date)
        except ParseError as exc:
            reasons.append(exc.reason)
            continue
        assert b.date is not None
    assert not [r for r in reasons if r.startswith("no date")]
    assert len(reasons) <= 15  # statements with no speaker, truncated pages


def test_ingest_records_where_the_date_came_from(shared, tmp_path):
    for name in UNDATED:
        with pytest.raises(ParseError, match="no date"):
            parse_file(WH / name)
    with Podium(tmp_path / "wh.db") as pod:
        report = pod.ingest([WH / n for n in (*UNDATED, "1.html")], analyse=False)
        assert report.count("added") == 4 and report.ok
        store = pod.db.store
        rows = {r["source"].rsplit("/", 1)[1]: r for r in store.conn.execute("SELECT * FROM briefings")}
        for name in UNDATED:
            row = rows[name]
            evidence = store.provenance(row["key"])
            assert json.loads(row["provenance"]) == evidence
            assert evidence["dated_by"] == "index" and evidence["index"].startswith("listing page lists/")
            assert row["date"] == evidence["date"]
        dated = store.provenance(rows["1.html"]["key"])
        assert dated["dated_by"] == "page" and dated["index"] == "listing page lists/0.html row 2"


def test_a_page_with_no_evidence_fails_and_gets_no_date(shared, tmp_path):
    page = tmp_path / "1438.html"
    shutil.copy(WH / "1438.html", page)
    with Podium(tmp_path / "x.db") as pod:
        report = pod.ingest([page], analyse=False)
    assert report.count("failed") == 1 and report.failed[0].error.startswith("no date")
    assert "--index" in report.failed[0].error


def test_user_index_table_dates_a_page(shared, tmp_path):
    page = tmp_path / "pages" / "gaggle.html"
    page.parent.mkdir()
    shutil.copy(WH / "1438.html", page)
    index = tmp_path / "my_index.csv"
    with index.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "url", "date", "title"])
        w.writerow(["pages/gaggle.html", "https://example.org/gaggle", "2010-01-04", "A gaggle"])
    entries = read_table_index(index)
    assert entries[0].evidence == "index my_index.csv row 1" and entries[0].date.isoformat() == "2010-01-04"
    with Podium(tmp_path / "x.db") as pod:
        report = pod.ingest([page], analyse=False, indexes=[index])
        assert report.count("added") == 1
        row = pod.db.store.conn.execute("SELECT * FROM briefings").fetchone()
        assert (row["date"], row["url"]) == ("2010-01-04", "https://example.org/gaggle")
        assert pod.db.store.provenance(row["key"])["index"] == "index my_index.csv row 1"
        assert pod.briefing(row["id"])["provenance"]["index"] == "index my_index.csv row 1"


def test_bad_index_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("file,url,date\na.html,http://x,yesterday\n", encoding="utf-8")
    with pytest.raises(SourceError, match="row 1: date 'yesterday' is not a date") as exc:
        Indexes([bad])
    assert "bad.csv" in str(exc.value)
    nofile = tmp_path / "nofile.csv"
    nofile.write_text("page,url,date\na.html,http://x,2020-01-01\n", encoding="utf-8")
    with pytest.raises(SourceError, match="'file' column"):
        read_table_index(nofile)
    with pytest.raises(SourceError, match="not a listing page"):
        read_listing_pages([WH / "1.html"])


def test_cli_index_option_and_quiet_summary(shared, tmp_path):
    page = tmp_path / "gaggle.html"
    shutil.copy(WH / "1438.html", page)
    index = tmp_path / "index.csv"
    index.write_text("file,url,date\ngaggle.html,https://example.org/g,2010-01-04\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["ingest", str(page), "--db", str(tmp_path / "c.db"), "--no-analyse", "--quiet",
                               "--index", str(index)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("1 added, 0 updated, 0 unchanged, 0 skipped, 0 failed")
    assert len(res.output.strip().splitlines()) == 1
    res = runner.invoke(main, ["ingest", str(tmp_path / "nothere.html"), "--db", str(tmp_path / "c.db"), "--quiet"])
    assert res.exit_code == 1 and "1 failed: no such file or folder" in res.output


def test_index_tsv_is_read_the_same_way(shared):
    mfa = CORPUS / "mfa"
    entries = read_index_tsv(mfa / "index.tsv")
    page = next(p for p in sorted((mfa / "en").glob("t*.html")))
    entry = Indexes().entry(page)
    assert entry is not None and entry.evidence.startswith("index.tsv row ")
    row = next(line.split("\t") for line in (mfa / "index.tsv").read_text(encoding="utf-8").splitlines()
               if line.split("\t")[0].endswith(f"/{page.name}"))
    assert entry.url == row[1]
    assert parse_file(page, hints=page_of(page).hints).url == row[1]  # what `podium parse` and ingest give the parser
    assert entry.date is not None and any(e.file == entry.file for e in entries)
