"""The export is tidy: every format reads back into pandas with the right types and no parsing by the user,
lists are lists, one column per class probability, source an absolute path or URL, no column empty by
construction, and every column is described (``podium export --schema``, docs/data-dictionary.md)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from podium import Podium
from podium.cli import main
from podium.store.tables import CSV_LIST_SEPARATOR, SCHEMA, SCHEMA_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
LISTS = [c for c, t, _ in SCHEMA if t.startswith("list")]


@pytest.fixture(scope="module")
def files(seed_analysed_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    with Podium(seed_analysed_db, create=False) as pod:
        df = pod.exchanges()
        for fmt in ("csv", "jsonl", "parquet"):
            assert pod.export(fmt, out / f"x.{fmt}") == len(df)
    return df, out


def test_parquet_reads_back_typed(files):
    df, out = files
    back = pd.read_parquet(out / "x.parquet")
    assert list(back.columns) == SCHEMA_COLUMNS
    assert len(back) == len(df)
    assert str(back["date"].dtype).startswith("datetime64")
    assert (back["date"].dt.strftime("%Y-%m-%d") == df["date"].to_numpy()).all()
    schema = pq.read_schema(out / "x.parquet")
    for col in LISTS:
        assert str(schema.field(col).type).startswith("list<"), col
    for col in ("exchange_id", "event_id", "n"):
        assert str(back[col].dtype) in ("int64", "Int64"), col
    assert back["follow_up"].dtype == bool or str(back["follow_up"].dtype) == "boolean"
    # lists hold what the frame holds
    assert [list(v) for v in back["countries_question"]] == [list(v) if isinstance(v, list) else []
                                                             for v in df["countries_question"]]
    assert [list(v) for v in back["counterparts"]] == [list(v) for v in df["counterparts"]]


def test_class_probabilities_are_columns(files):
    df, out = files
    back = pd.read_parquet(out / "x.parquet")
    probs = [c for c in back.columns if c.startswith("clarity_p_")]
    assert len(probs) == 9
    labelled = back["clarity_method"] == "tfidf-cues-logreg"
    assert labelled.any()
    sums = back.loc[labelled, probs].sum(axis=1)
    assert ((sums - 1).abs() < 0.01).all()
    best = back.loc[labelled, probs].idxmax(axis=1).str.removeprefix("clarity_p_")
    fine = back.loc[labelled, "clarity_fine"].str.lower().str.replace(" ", "_")
    assert (best == fine).mean() > 0.5  # the label is (mostly) the most probable one; cues can override


def test_jsonl_reads_back_typed(files):
    df, out = files
    back = pd.read_json(out / "x.jsonl", lines=True)
    assert list(back.columns) == SCHEMA_COLUMNS
    assert str(back["date"].dtype).startswith("datetime64")
    for col in LISTS:
        assert back[col].map(lambda v: isinstance(v, list)).all(), col
    rec = json.loads((out / "x.jsonl").read_text("utf-8").splitlines()[0])
    assert isinstance(rec["counterparts"], list) and isinstance(rec["countries"], list)


def test_csv_reads_back_with_the_documented_separator(files):
    df, out = files
    back = pd.read_csv(out / "x.csv", parse_dates=["date"], keep_default_na=False)
    assert list(back.columns) == SCHEMA_COLUMNS
    assert str(back["date"].dtype).startswith("datetime64")
    countries = back["countries_question"].map(lambda v: v.split(CSV_LIST_SEPARATOR) if v else [])
    assert list(countries) == [v if isinstance(v, list) else [] for v in df["countries_question"]]
    # one separator for every list column: no space-joined codes any more
    assert not back["countries"].str.contains(" ").any()


def test_source_is_absolute_or_a_url(files):
    _, out = files
    back = pd.read_parquet(out / "x.parquet")
    for s in back["source"]:
        assert s.startswith(("http://", "https://")) or Path(s).is_absolute(), s


def test_no_column_is_empty_by_construction(analysed_db, tmp_path):
    """On the analysed corpus (countries and formulations), every column of those passes holds values; clarity
    columns are empty there only because clarity did not run."""
    with Podium(analysed_db, create=False) as pod:
        n = pod.export("parquet", tmp_path / "a.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    assert len(back) == n > 1000
    empty = [c for c in back.columns if not c.startswith("clarity")
             and not back[c].map(lambda v: len(v) > 0 if hasattr(v, "__len__") and not isinstance(v, str)
                                 else pd.notna(v) and v != "").any()]
    assert empty == [], empty
    assert back["formulations"].map(len).gt(0).mean() > 0.2


def test_schema_documents_every_column():
    r = CliRunner().invoke(main, ["export", "--schema"])
    assert r.exit_code == 0
    doc = (ROOT / "docs" / "data-dictionary.md").read_text("utf-8")
    for col, typ, _ in SCHEMA:
        assert f"| `{col}` | {typ} |" in r.output
        assert f"`{col}`" in doc, f"docs/data-dictionary.md does not describe {col}"
    as_json = json.loads(CliRunner().invoke(main, ["export", "--schema", "--format", "jsonl"]).output)
    assert [c["column"] for c in as_json] == SCHEMA_COLUMNS


def test_cli_says_where_and_how_many(seed_analysed_db, tmp_path):
    out = tmp_path / "e.csv"
    r = CliRunner().invoke(main, ["export", "--db", str(seed_analysed_db), "-o", str(out), "--lang", "en"])
    assert r.exit_code == 0
    n = len(pd.read_csv(out))
    assert f"wrote {n:,} exchange(s)" in r.stderr and str(out.resolve()) in r.stderr
    r = CliRunner().invoke(main, ["export", "--db", str(seed_analysed_db), "--format", "csv"])
    assert len(pd.read_csv(io.StringIO(r.stdout))) == n


def test_export_in_parts_writes_what_one_frame_writes(analysed_db, tmp_path, monkeypatch):
    """An export is read, tidied and written a part at a time (memory bounded at any size): over the MFA corpus
    in parts of 700 exchanges, each format equals the export made from one frame in memory (csv and jsonl byte for
    byte, parquet frame for frame), with filters and with a query too."""
    from podium.store import tables

    def both(fmt, name, **filters):
        monkeypatch.setattr(tables, "EXPORT_PART", 10**9)  # one part: the frame in memory
        with Podium(analysed_db, create=False) as pod:
            n = pod.export(fmt, tmp_path / f"whole-{name}.{fmt}", **filters)
            text = pod.export(fmt, **filters) if fmt != "parquet" else None
        monkeypatch.setattr(tables, "EXPORT_PART", 700)
        with Podium(analysed_db, create=False) as pod:
            assert pod.export(fmt, tmp_path / f"parts-{name}.{fmt}", **filters) == n
            if text is not None:
                assert pod.export(fmt, **filters) == text
        return n, tmp_path / f"whole-{name}.{fmt}", tmp_path / f"parts-{name}.{fmt}"

    for fmt in ("csv", "jsonl"):
        n, whole, parts = both(fmt, "all")
        assert n > 10_000 and whole.read_bytes() == parts.read_bytes()
    n, whole, parts = both("parquet", "all")
    assert pd.read_parquet(whole).equals(pd.read_parquet(parts)) and pq.ParquetFile(parts).num_row_groups > 10
    n, whole, parts = both("csv", "en-query", lang="en", query="trade OR Taiwan")
    assert n > 700 and whole.read_bytes() == parts.read_bytes()  # two parts at least
    assert not list(tmp_path.glob("*.part"))


def test_a_failed_export_leaves_no_half_written_file(analysed_db, tmp_path, monkeypatch):
    """A write that fails part-way raises a StoreError naming the file; a file already there is left as it was,
    and nothing half-written stays beside it."""
    from podium.errors import StoreError
    from podium.store import tables

    out = tmp_path / "x.csv"
    out.write_text("an earlier export\n")
    monkeypatch.setattr(tables, "EXPORT_PART", 2_000)
    real, calls = tables._text_cells, []

    def fail_on_third(df):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("No space left on device")
        return real(df)

    monkeypatch.setattr(tables, "_text_cells", fail_on_third)
    with Podium(analysed_db, create=False) as pod, pytest.raises(StoreError, match="x.csv.*No space left"):
        pod.export("csv", out)
    assert out.read_text() == "an earlier export\n" and sorted(tmp_path.iterdir()) == [out]


def test_a_pass_the_schema_does_not_know_is_exported_whole(analysed_db, tmp_path, monkeypatch):
    """Annotations of a kind SCHEMA does not name get their columns at the end; an export in parts that meets
    them goes back to the frame in memory, which alone can settle the columns, and writes them (to a stream as
    well: nothing of the parts reaches it)."""
    from podium.model import Annotation
    from podium.store import tables

    from conftest import copy_db

    path = copy_db(analysed_db, tmp_path / "extra.db")
    with Podium(path, create=False) as pod:
        store = pod._db.store
        bid, n, eid = store.conn.execute("SELECT briefing_id, n, id FROM exchanges ORDER BY id DESC LIMIT 1").fetchone()
        store.write_annotations(bid, [Annotation(n, "stance", "hostile", {"target": "USA"}, confidence=0.7,
                                                 method="test", version="1")], reindex=False)
    monkeypatch.setattr(tables, "EXPORT_PART", 3_000)
    stream = io.StringIO()
    with Podium(path, create=False) as pod:
        n = pod.export("csv", tmp_path / "x.csv")
        assert pod.export("csv", stream) == n  # a stream too: written once, not a part and then the whole again
    assert stream.getvalue() == (tmp_path / "x.csv").read_text("utf-8")
    back = pd.read_csv(tmp_path / "x.csv")
    assert len(back) == n and list(back.columns)[:len(SCHEMA_COLUMNS)] == SCHEMA_COLUMNS
    assert back["stance"].notna().sum() == 1 and back.loc[back["exchange_id"] == eid, "stance_target"].item() == "USA"


def test_cli_streams_to_standard_output(analysed_db, tmp_path, monkeypatch):
    """Without -o, csv and jsonl go to standard output a part at a time, the same bytes as the file; the count
    goes to stderr; parquet, being binary, asks for a file."""
    from podium.store import tables

    monkeypatch.setattr(tables, "EXPORT_PART", 1_500)
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"x.{fmt}"
        args = ["export", "--db", str(analysed_db), "--format", fmt, "--lang", "zh"]
        assert CliRunner().invoke(main, [*args, "-o", str(out)]).exit_code == 0
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0 and r.stdout_bytes == out.read_bytes()
        n = len(pd.read_csv(out)) if fmt == "csv" else len(out.read_text("utf-8").splitlines())
        assert n > 3_000 and f"wrote {n:,} exchange(s)" in r.stderr and "to stdout" in r.stderr
    r = CliRunner().invoke(main, ["export", "--db", str(analysed_db), "--format", "parquet"])
    assert r.exit_code != 0 and "parquet is binary" in r.output
