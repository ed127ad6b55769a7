"""Exchanges as a table: one row per exchange with briefing fields and every annotation as columns, and the
tidy csv / jsonl / parquet exports built from it.

Annotation columns of the frame, for a pass of kind K: ``K`` (the label), ``K_confidence``, ``K_evidence``,
``K_method``, ``K_version``, and the value: a dict value gives one column per key (``clarity_fine``,
``countries_question``), any other value one ``K_value`` column. The export (``tidy``) turns that into the columns
of SCHEMA: typed, lists as lists (Parquet list types, JSON arrays, ``;``-joined in CSV), one column per class
probability, no column that is empty by construction.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..errors import QueryError, StoreError
from ..model import FINE_LABELS
from .sqlite import Store

EXPORT_FORMATS = ("csv", "jsonl", "parquet")

BASE_COLUMNS = ["exchange_id", "briefing_id", "date", "lang", "series", "title", "spokesperson", "n", "asker",
                "outlet", "outlet_type", "follow_up", "question", "answer", "url", "source",
                # the event (one press conference, whatever its versions), the same exchange in the other language
                # version(s), and the spokesperson as one person in both languages
                "event_id", "counterparts", "spokesperson_id"]


def _flat(kind: str, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {kind: row["label"], f"{kind}_confidence": row["confidence"]}
    value = json.loads(row["value"]) if row["value"] else None
    if isinstance(value, dict):
        for k, v in value.items():
            out[f"{kind}_{k}"] = v
    elif value is not None:
        out[f"{kind}_value"] = value
    out[f"{kind}_evidence"] = row["evidence"]
    out[f"{kind}_method"] = row["method"]
    out[f"{kind}_version"] = row["version"]
    return out


def exchanges_frame(store: Store, filters: dict[str, Any], ids: list[int] | None = None) -> pd.DataFrame:
    rows = store.exchange_rows(filters, ids=ids)
    ann: dict[int, dict[str, Any]] = {}
    if rows:  # the annotations of the same selection (filters and ids) as the rows
        for a in store.all_annotations(filters, ids=ids):
            ann.setdefault(a["exchange_id"], {}).update(_flat(a["kind"], a))
    for r in rows:
        r["follow_up"] = bool(r["follow_up"])
        r.update(ann.get(r["exchange_id"], {}))
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=BASE_COLUMNS)
    extra = sorted(c for c in df.columns if c not in BASE_COLUMNS)
    return df[BASE_COLUMNS + extra]


# ---- the tidy export -------------------------------------------------------------------------------------------

#: How a list is written in a CSV cell (Parquet and JSONL keep lists as lists).
CSV_LIST_SEPARATOR = ";"


def _snake(label: str) -> str:
    return label.lower().replace(" ", "_").replace("-", "_")


#: Every column of the export, in order: (name, type, what it holds and how it was made). Types: int, float,
#: bool, date, string, list<int>, list<string>.
SCHEMA: list[tuple[str, str, str]] = [
    ("exchange_id", "int", "id of the exchange (question and answer) in this database; `podium show e<id>`"),
    ("briefing_id", "int", "id of the published version (page) the exchange is in; `podium show b<id>`"),
    ("date", "date", "date of the briefing as the page gives it (YYYY-MM-DD)"),
    ("lang", "string", "language of this version: en or zh"),
    ("series", "string", "kind of briefing, e.g. 'China MFA regular press conference'"),
    ("title", "string", "title of the page"),
    ("spokesperson", "string", "who answered, as the page prints the name"),
    ("n", "int", "position of the exchange in its briefing, from 1"),
    ("asker", "string", "who asked, as printed ('Q', '问', 'Reuters', 'AFP记者'...)"),
    ("outlet", "string", "the asker's outlet, normalised through the outlet registry; empty: no named outlet"),
    ("outlet_type", "string", "type of the outlet (e.g. 'foreign media', 'Chinese state media'); empty: no named "
                              "outlet"),
    ("follow_up", "bool", "the question follows up the previous one by the same asker"),
    ("question", "string", "the question's text"),
    ("answer", "string", "the answer's text"),
    ("url", "string", "the page on the publisher's site"),
    ("source", "string", "where the page was read from: an absolute file path, else the publisher URL"),
    ("event_id", "int", "id of the event: one press conference, the same for all its language versions "
                        "(linked by date, series and spokesperson, then by content); `podium versions v<id>`"),
    ("counterparts", "list<int>", "exchange_ids of the same exchange in the other language version(s) of the "
                                  "event (aligned by anchors and order); empty: in this version only"),
    ("spokesperson_id", "string", "the spokesperson in the registry (data/spokespersons.json): the same for one "
                                  "person in both languages"),
    ("clarity", "string", "how clearly the question was answered: Clear Reply, Ambivalent, Clear Non-Reply "
                          "(podium.analysis.clarity; empty before `podium analyse`)"),
    ("clarity_fine", "string", "the finer of the 9 labels (Explicit ... Clarification); its class is `clarity`"),
    ("clarity_confidence", "float", "probability of the label given by the method (halved for cue-zh)"),
    *[(f"clarity_p_{_snake(f)}", "float", f"probability of the label {f!r} (English model; empty for the "
                                           "cue method)") for f in FINE_LABELS],
    ("clarity_evidence", "string", "the sentence of the answer the label rests on"),
    ("clarity_method", "string", "tfidf-cues-logreg (English model), cue-zh (Chinese cue phrases) or the method "
                                 "carried over from the counterpart"),
    ("clarity_version", "string", "version of the clarity pass"),
    ("clarity_carried_from", "list<int>", "exchange_ids of the counterpart(s) whose label this exchange carries "
                                          "(one label per pair; empty: labelled on its own text)"),
    ("clarity_own_label", "string", "for a carried label: the class the exchange's own text got"),
    ("clarity_own_fine", "string", "for a carried label: the fine label the exchange's own text got"),
    ("clarity_own_confidence", "float", "for a carried label: the confidence of its own label"),
    ("clarity_own_method", "string", "for a carried label: the method of its own label"),
    ("countries", "list<string>", "ISO 3166 alpha-3 codes of the countries named in question or answer "
                                  "(podium.analysis.countries, a curated gazetteer), sorted"),
    ("countries_question", "list<string>", "codes of the countries named in the question, in order"),
    ("countries_answer", "list<string>", "codes of the countries named in the answer, in order"),
    ("countries_orgs_question", "list<string>", "organisations and regions named in the question (UN, EU...)"),
    ("countries_orgs_answer", "list<string>", "organisations and regions named in the answer"),
    ("countries_evidence", "string", "the names found and what they stand for ('US=USA; Venezuela=VEN')"),
    ("countries_method", "string", "method of the countries pass"),
    ("countries_version", "string", "version of the countries pass (gazetteer)"),
    ("formulations", "list<string>", "mined official formulations the answer uses, in order of first use "
                                     "(podium.analysis.formulations; `podium formulations`)"),
    ("formulations_method", "string", "method of the formulation miner"),
    ("formulations_version", "string", "version of the formulation miner"),
]
SCHEMA_COLUMNS = [c for c, _, _ in SCHEMA]
_TYPES = dict((c, t) for c, t, _ in SCHEMA)


def schema_text(fmt: str = "markdown") -> str:
    """The data dictionary of the export: every column, its type and what it holds (markdown or json)."""
    if fmt == "json":
        return json.dumps([{"column": c, "type": t, "description": d} for c, t, d in SCHEMA], ensure_ascii=False,
                          indent=2) + "\n"
    lines = ["| column | type | what it holds |", "|---|---|---|"]
    lines += [f"| `{c}` | {t} | {d.replace('|', '/')} |" for c, t, d in SCHEMA]
    lines += ["", f"Lists are lists in Parquet (list types) and JSONL (arrays); in CSV they are joined with "
                  f"`{CSV_LIST_SEPARATOR}` (no code, id or name contains it). Dates are timestamps (at midnight) in "
                  "Parquet, YYYY-MM-DD text in CSV and JSONL. An empty cell is a missing value."]
    return "\n".join(lines) + "\n"


def _as_list(v: Any) -> list:
    if isinstance(v, (list, tuple)):
        return list(v)
    if v is None or (isinstance(v, float) and v != v):
        return []
    return [v]


def _source(source: Any, url: Any) -> Any:
    if isinstance(source, str) and source and not source.startswith(("http://", "https://")):
        p = Path(source)
        if p.is_absolute():
            return source
        if p.exists():
            return str(p.resolve())
    return url if isinstance(url, str) and url else source


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """The exchanges frame as the export writes it: the columns of SCHEMA, typed (dates as dates, lists as
    lists, one column per class probability), none empty by construction; columns of analysis passes that
    SCHEMA does not know yet follow at the end."""
    out = pd.DataFrame(index=df.index)
    get = lambda c: df[c] if c in df else pd.Series([None] * len(df), index=df.index, dtype=object)  # noqa: E731
    probs = get("clarity_probs")
    own = get("clarity_own")
    for col, typ, _ in SCHEMA:
        if col.startswith("clarity_p_"):
            label = next(f for f in FINE_LABELS if f"clarity_p_{_snake(f)}" == col)
            series = probs.map(lambda d, k=label: d.get(k) if isinstance(d, dict) else None)
        elif col.startswith("clarity_own_"):
            key = col.removeprefix("clarity_own_")
            series = own.map(lambda d, k=key: d.get(k) if isinstance(d, dict) else None)
        elif col == "countries":
            series = get("countries").map(lambda v: sorted(v.split()) if isinstance(v, str) else _as_list(v))
        elif col == "formulations":
            series = get("formulations_value")
        elif col == "source":
            series = pd.Series([_source(s, u) for s, u in zip(get("source"), get("url"), strict=True)],
                               index=df.index, dtype=object)
        else:
            series = get(col)
        if typ.startswith("list"):
            series = series.map(_as_list)
        elif typ == "date":
            series = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
        elif typ == "int":
            series = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif typ == "float":
            series = pd.to_numeric(series, errors="coerce").astype("float64")
        elif typ == "bool":
            series = series.astype("boolean")
        else:
            series = series.map(lambda v: v if isinstance(v, str) else None).astype(object)
        out[col] = series
    covered = set(SCHEMA_COLUMNS) | {"clarity_probs", "clarity_own", "formulations_value", "formulations_label",
                                     "formulations_confidence", "formulations_evidence", "countries_confidence"}
    covered |= {"formulations"} | {c for c in df if c.startswith("clarity_own_")}
    for col in df.columns:
        if col not in covered and df[col].notna().any():
            out[col] = df[col]
    return out


def _text_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Lists joined with CSV_LIST_SEPARATOR and dicts as JSON text, for CSV's flat cells."""
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            if df[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
                df[col] = df[col].map(lambda v: CSV_LIST_SEPARATOR.join(map(str, v)) if isinstance(v, (list, tuple))
                                      else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
        elif str(df[col].dtype).startswith("datetime64"):
            df[col] = df[col].dt.strftime("%Y-%m-%d")
    return df


#: Exchanges read, tidied and written at a time by ``export_exchanges`` (memory: about 50 MB a part).
EXPORT_PART = 10_000


def export_exchanges(store: Store, filters: dict[str, Any], ids: list[int] | None, format: str,
                     output: str | Path | TextIO | None) -> tuple[str | None, int]:
    """Export the exchanges the filters (and ``ids``) keep, as ``export`` writes a frame of them, reading, tidying
    and writing ``EXPORT_PART`` exchanges at a time, so that memory does not grow with the database: returns
    (the csv/jsonl text when there is no ``output``, rows written). ``output``: a file, written beside its
    path and renamed into place at the end (an export that fails leaves no half-written file), or an open text
    stream (csv and jsonl: standard output), written once every part is (spooled in a temporary file).

    A part whose columns go beyond SCHEMA (an analysis pass SCHEMA does not know yet, whose columns and types
    only the whole export can settle) sends the export back to one frame in memory, as before."""
    _check_format(format, output)
    order = store.exchange_order(filters, ids=ids)
    parts = [order[i:i + EXPORT_PART] for i in range(0, len(order), EXPORT_PART)]
    if len(parts) > 1:
        try:
            return _write_parts(store, parts, format, output), len(order)
        except _Unforeseen:
            pass
    df = exchanges_frame(store, filters, ids)
    return export(df, format, output), len(df)


class _Unforeseen(Exception):
    """A part of a streamed export has a column SCHEMA does not name."""


def _write_parts(store: Store, parts: list[list[int]], format: str,
                 output: str | Path | TextIO | None) -> str | None:
    stream = _is_stream(output)
    target = None if output is None or stream else Path(output)  # type: ignore[arg-type]
    part_path = None if target is None else target.with_name(target.name + ".part")
    sink: Any = None
    try:
        if format == "parquet":
            import pyarrow.parquet as pq  # parquet only (see ``export``)
        elif stream:
            # spooled on disk first: a part that sends the export back to one frame must find the stream unwritten
            sink = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        else:
            sink = io.StringIO() if part_path is None else part_path.open("w", encoding="utf-8", newline="")
        for i, part in enumerate(parts):
            df = tidy(exchanges_frame(store, {}, part))
            if list(df.columns) != SCHEMA_COLUMNS:
                raise _Unforeseen(part[0])
            if format == "parquet":
                table = _arrow_table(df)
                if sink is None:
                    sink = pq.ParquetWriter(part_path, table.schema)
                sink.write_table(table)
            elif format == "csv":
                sink.write(_text_cells(df).to_csv(index=False, header=i == 0))
            else:
                _write_jsonl(df, sink)
        if stream:
            sink.seek(0)
            shutil.copyfileobj(sink, output, 1 << 20)
            return None
        if part_path is None:
            return sink.getvalue()
        sink.close()
        sink = None
        part_path.replace(target)  # type: ignore[arg-type]
        return None
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc}") from None
    finally:
        if sink is not None:
            sink.close()
        if part_path is not None and part_path.exists():
            part_path.unlink()


def _is_stream(output: object) -> bool:
    return hasattr(output, "write")


def _check_format(format: str, output: str | Path | TextIO | None) -> None:
    if format not in EXPORT_FORMATS:
        raise QueryError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if format == "parquet" and (output is None or _is_stream(output)):
        raise QueryError("parquet is binary: give an output file (-o FILE.parquet)")


def _arrow_table(df: pd.DataFrame) -> Any:
    """The tidy frame as an Arrow table with SCHEMA's types (inferred for columns SCHEMA does not name)."""
    # pyarrow only for parquet: it adds ~0.2 s to every export (measured: pandas vs pandas + pyarrow.parquet)
    import pyarrow as pa

    fields = []
    for col in df.columns:
        typ = _TYPES.get(col)
        # dates as timestamps: pandas reads them back as datetime64 (date32 comes back as Python objects)
        arrow = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.timestamp("s"),
                 "string": pa.string(), "list<int>": pa.list_(pa.int64()),
                 "list<string>": pa.list_(pa.string())}.get(typ or "")
        fields.append(pa.field(col, arrow) if arrow is not None else None)
    if all(f is not None for f in fields):
        return pa.Table.from_pandas(df, schema=pa.schema(fields), preserve_index=False)
    return pa.Table.from_pandas(df, preserve_index=False)


def _write_jsonl(df: pd.DataFrame, out: Any) -> None:
    for rec in _text_cells_dates(df).to_dict(orient="records"):
        clean = {k: (None if _na(v) else v) for k, v in rec.items()}
        out.write(json.dumps(clean, ensure_ascii=False, default=_jsonable) + "\n")


def export(df: pd.DataFrame, format: str, output: str | Path | TextIO | None) -> str | None:
    """Write the exchanges frame, tidied (see ``tidy`` and SCHEMA), as csv, jsonl or parquet to ``output`` (a
    file or, for csv and jsonl, an open text stream); without ``output`` the csv/jsonl text is returned."""
    _check_format(format, output)
    df = tidy(df)
    if format == "parquet":
        import pyarrow.parquet as pq  # parquet only (see ``_arrow_table``)

        try:
            pq.write_table(_arrow_table(df), output)
        except OSError as exc:
            raise StoreError(f"cannot write {output}: {exc}") from None
        return None
    if format == "csv":
        text = _text_cells(df).to_csv(index=False)
    else:
        buf = io.StringIO()
        _write_jsonl(df, buf)
        text = buf.getvalue()
    if output is None:
        return text
    if _is_stream(output):
        output.write(text)  # type: ignore[union-attr]
        return None
    try:
        Path(output).write_text(text, encoding="utf-8")  # type: ignore[arg-type]
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc}") from None
    return None


def _na(v: Any) -> bool:
    if isinstance(v, (list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    return str(v)


def _text_cells_dates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if str(df[col].dtype).startswith("datetime64"):
            df[col] = df[col].dt.strftime("%Y-%m-%d")
    return df
