"""Q&A tables (sources.tables): CMFA-shaped tables built from the shared English corpus, ingested and linked."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.errors import SourceError
from podium.parse import parse_file
from podium.parse.qa_table import infer_outlet, table_briefings
from podium.sources.tables import parse_columns, read_rows

from conftest import CORPUS

#: English pages of April-July 2020: outlets label their questions ("Reuters: ...", "CCTV: ...")
PAGES = [p for p in sorted((CORPUS / "mfa" / "en").glob("t17*.html")) if p.name >= "t1775"][::4][:8]


@pytest.fixture(scope="module")
def parsed(shared):
    out = [b for b in map(parse_file, PAGES) if b.series == "China MFA regular press conference" and b.exchanges]
    assert len(out) >= 5
    return out


def read_table(path, columns=None):
    """The briefings of a table as ingest builds them: rows read by sources, briefings built by parse."""
    rows, bad = read_rows(path, columns)
    return table_briefings(rows, str(path)), bad


def _rows(briefings, *, labels: bool = True, url: bool = False) -> list[dict]:
    """A CMFA-shaped table: one row per exchange (date, spokesperson, question, answer); the asker's label before
    the question where the page names an outlet, as the ministry prints it."""
    rows = []
    for b in briefings:
        for e in b.exchanges:
            q = f"{e.asker}: {e.question_text}" if labels and e.outlet else e.question_text
            row = {"date": b.date.isoformat(), "spokesperson": e.spokesperson or b.spokesperson, "question": q,
                   "answer": e.answer_text}
            if url:
                row["url"] = b.url
            rows.append(row)
    return rows


def _write(rows: list[dict], path) -> None:
    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_table_into_an_empty_db_stores_the_briefings(parsed, tmp_path, suffix):
    table = tmp_path / f"presscon{suffix}"
    _write(_rows(parsed), table)
    with Podium(tmp_path / "t.db") as pod:
        report = pod.ingest([table], analyse=False)
        assert report.ok and report.count("added") == len(parsed)
        stored = pod.db.store.conn.execute("SELECT * FROM briefings ORDER BY date").fetchall()
        assert [(r["date"], r["n_exchanges"], r["format"]) for r in stored] == \
            sorted((b.date.isoformat(), len(b.exchanges), "qa-table") for b in parsed)
        # provenance per row: file and row number (rows counted from 1 after the header)
        prov = pod.db.store.conn.execute("SELECT a.value FROM annotations a WHERE a.kind = 'provenance'").fetchall()
        assert len(prov) == sum(len(b.exchanges) for b in parsed)
        assert sorted(json.loads(v[0])["row"] for v in prov) == list(range(1, len(prov) + 1))


def test_outlets_are_read_from_the_question_with_a_confidence(parsed, tmp_path):
    table = tmp_path / "presscon.csv"
    _write(_rows(parsed), table)
    briefings, bad = read_table(table)
    assert not bad
    pairs = [(tb, e, p) for tb, b in zip(briefings, sorted(parsed, key=lambda b: b.date), strict=True)
             for e, p in zip(tb.briefing.exchanges, b.exchanges, strict=True)]
    named = [(tb, e, p) for tb, e, p in pairs if p.outlet]
    assert named and all(e.outlet == p.outlet for _, e, p in named)
    assert all(e.question_text == p.question_text for _, e, p in pairs)  # the label is taken off the question
    guesses = [g for tb in briefings for g in tb.guesses if g is not None]
    assert guesses and all(g.confidence == 0.95 for g in guesses)
    # questions that name no outlet stay without one: never guessed
    assert all(e.outlet is None for _, e, p in pairs if not p.outlet)


def test_outlet_inference_rules():
    assert infer_outlet("Reuters: Can you confirm ...?").outlet == "Reuters"
    g = infer_outlet("An AFP reporter asked about the visit.")
    assert (g.outlet, g.confidence) == ("AFP", 0.8)
    assert infer_outlet("路透社记者问：中方对此有何评论？").outlet == "Reuters"
    assert infer_outlet("路透社记者：中方对此有何评论？").confidence == 0.95
    assert infer_outlet("Journalist: what about the talks?") is None  # anonymous
    assert infer_outlet("Note: the talks went well, did they?") is None  # not an outlet
    assert infer_outlet("Can you comment on the Reuters report?") is None


def test_table_into_a_db_holding_the_pages_links_and_stores_nothing(parsed, tmp_path):
    pages = [tmp_path / "pages" / p.name for p in PAGES]
    pages[0].parent.mkdir()
    for src, dst in zip(PAGES, pages, strict=True):
        shutil.copy(src, dst)
    table = tmp_path / "presscon.jsonl"
    _write(_rows(parsed), table)
    with Podium(tmp_path / "t.db") as pod:
        pod.ingest(pages, analyse=False)
        before = pod.db.store.conn.execute("SELECT count(*), (SELECT count(*) FROM exchanges) FROM briefings")\
            .fetchone()
        report = pod.ingest([table], analyse=False)
        after = pod.db.store.conn.execute("SELECT count(*), (SELECT count(*) FROM exchanges) FROM briefings")\
            .fetchone()
        assert tuple(before) == tuple(after)
        assert report.count("linked") == len(parsed) and report.count("added") == 0
        n_rows = sum(len(b.exchanges) for b in parsed)
        assert all(r.error.startswith(f"{r.error.split(' ')[0]} of ") for r in report.results)
        matched = sum(int(r.error.split(" ")[0]) for r in report.results)
        assert matched == n_rows
        links = pod.db.store.conn.execute("SELECT count(*) FROM annotations WHERE kind = 'table_row'").fetchone()[0]
        assert links == n_rows
        # a second ingest of the table links again and still stores nothing
        again = pod.ingest([table], analyse=False)
        assert again.count("linked") == len(parsed)


def test_column_mapping_and_bad_rows(parsed, tmp_path):
    rows = [{"Datum": r["date"], "Frage": r["question"], "Antwort": r["answer"], "Sprecher": r["spokesperson"]}
            for r in _rows(parsed[:1])]
    rows.append({"Datum": "someday", "Frage": "What?", "Antwort": "Nothing.", "Sprecher": "X"})
    table = tmp_path / "renamed.csv"
    _write(rows, table)
    with pytest.raises(SourceError, match="no date, question, answer column"):
        read_table(table)
    columns = parse_columns("date=Datum,question=Frage,answer=Antwort,spokesperson=Sprecher")
    briefings, bad = read_table(table, columns)
    assert len(briefings) == 1 and len(briefings[0].briefing.exchanges) == len(parsed[0].exchanges)
    assert len(bad) == 1 and f"row {len(rows)}: date 'someday'" in bad[0].reason
    with pytest.raises(ValueError, match="unknown field 'speaker'"):
        parse_columns("speaker=Sprecher")
    with pytest.raises(SourceError, match="no such column"):
        read_table(table, {"date": "When"})


def test_cli_ingests_a_table_with_columns(parsed, tmp_path):
    rows = [{"Day": r["date"], "Q": r["question"], "A": r["answer"]} for r in _rows(parsed[:2], url=False)]
    table = tmp_path / "qa.parquet"
    _write(rows, table)
    res = CliRunner().invoke(main, ["ingest", str(table), "--db", str(tmp_path / "c.db"), "--no-analyse",
                                    "--columns", "date=Day,question=Q,answer=A"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("2 added")
    res = CliRunner().invoke(main, ["ingest", str(table), "--db", str(tmp_path / "c.db"), "--columns", "when"])
    assert res.exit_code == 2 and "FIELD=COLUMN" in res.output
