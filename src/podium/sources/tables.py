"""Q&A tables: research datasets of question-answer pairs (CSV, TSV, XLSX, JSONL, Parquet), read into rows.

One row is one exchange. ``--columns date=…,question=…,answer=…,spokesperson=…,url=…`` names the columns (also
``lang``, ``outlet``, ``title``, ``series``); a field not named is looked for under common names, case-insensitive
(``DEFAULT_COLUMNS``). The defaults are meant for CMFA PressCon (the ministry's Q&A pairs 2002-2023: date,
spokesperson, question, answer); its exact column names could not be checked from here, so the defaults accept the
plain English names and a few variants — pass ``--columns`` when a table uses others.

``read_rows`` gives each usable row (``TableRow``: its number, counted from 1 after the header; its date; its fields
by name) and an error naming the file and row for each row that cannot be used (no date, no question). Turning rows
into briefings (grouping, outlets read from the question text) is parsing: ``podium.parse.qa_table``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SourceError
from .indexes import parse_date

__all__ = ["DEFAULT_COLUMNS", "TABLE_SUFFIXES", "TableRow", "is_table", "parse_columns", "read_rows"]

TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".jsonl", ".parquet"})

#: field -> column names tried in order (case-insensitive) when ``--columns`` does not name one
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "pub_date", "conference_date", "日期"),
    "question": ("question", "q", "question_text", "问题", "问"),
    "answer": ("answer", "a", "answer_text", "response", "回答", "答"),
    "spokesperson": ("spokesperson", "spokesman", "speaker", "发言人"),
    "url": ("url", "link", "source_url"),
    "lang": ("lang", "language"),
    "outlet": ("outlet", "media", "asker"),
    "title": ("title",),
    "series": ("series",),
}
REQUIRED = ("date", "question", "answer")


def is_table(path: str | Path) -> bool:
    """A file named on the command line that holds a Q&A table (by its suffix)."""
    p = Path(path)
    return p.suffix.lower() in TABLE_SUFFIXES and p.is_file()


def parse_columns(spec: str | None) -> dict[str, str]:
    """``"date=Date,question=Q"`` -> {"date": "Date", "question": "Q"}; ValueError naming a bad part."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        fld, sep, col = part.partition("=")
        fld = fld.strip().lower()
        if not sep or not col.strip():
            raise ValueError(f"{part.strip()!r}: say FIELD=COLUMN, e.g. question=Question")
        if fld not in DEFAULT_COLUMNS:
            raise ValueError(f"unknown field {fld!r}; fields: {', '.join(DEFAULT_COLUMNS)}")
        out[fld] = col.strip()
    return out


@dataclass(frozen=True)
class TableRow:
    """One usable row of a table."""

    #: Row number, counted from 1 after the header.
    n: int
    date: dt.date
    #: Field name (question, answer, spokesperson, url, lang, outlet, title, series) -> the cell's text.
    fields: dict[str, str]


def _read_frame(path: Path):  # noqa: ANN202 - a pandas DataFrame
    # start-up cost: pandas takes ~0.5 s to import and the CLI must start without it; only a table needs it
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".xlsx":
            try:  # an optional dependency: whether it is installed is the question
                import openpyxl  # noqa: F401
            except ImportError:
                raise SourceError(str(path), "reading .xlsx needs the openpyxl package (pip install openpyxl); or "
                                             "save the sheet as CSV") from None
            return pd.read_excel(path, dtype=str)
    except SourceError:
        raise
    except Exception as exc:  # pandas raises many kinds for a malformed file
        raise SourceError(str(path), f"cannot read the table: {type(exc).__name__}: {exc}") from None
    raise SourceError(str(path), f"not a table format podium reads ({', '.join(sorted(TABLE_SUFFIXES))})")


def _resolve(columns: list[str], given: dict[str, str], path: Path) -> dict[str, str]:
    by_lower = {c.lower().strip(): c for c in columns}
    out: dict[str, str] = {}
    for fld, names in DEFAULT_COLUMNS.items():
        if fld in given:
            if given[fld] not in columns and given[fld].lower() not in by_lower:
                raise SourceError(str(path), f"--columns {fld}={given[fld]}: no such column; the table has "
                                             f"{', '.join(map(str, columns))}")
            out[fld] = given[fld] if given[fld] in columns else by_lower[given[fld].lower()]
            continue
        for name in names:
            if name in by_lower:
                out[fld] = by_lower[name]
                break
    missing = [f for f in REQUIRED if f not in out]
    if missing:
        raise SourceError(str(path), f"no {', '.join(missing)} column (the table has {', '.join(map(str, columns))});"
                                     f" name them with --columns {missing[0]}=COLUMN")
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return " ".join(str(value).split())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        try:
            return value.to_pydatetime().date()
        except ValueError:
            return None
    return parse_date(_text(value))


def read_rows(path: str | Path, columns: dict[str, str] | None = None) -> tuple[list[TableRow], list[SourceError]]:
    """The usable rows of a Q&A table, and an error for each row that cannot be used (no date, no question);
    SourceError when the file cannot be read or lacks a required column."""
    path = Path(path)
    frame = _read_frame(path)
    cols = _resolve([str(c) for c in frame.columns], columns or {}, path)
    rows: list[TableRow] = []
    errors: list[SourceError] = []
    for n, rec in enumerate(frame.to_dict("records"), 1):
        fields = {f: _text(rec.get(c)) for f, c in cols.items()}
        date = _date(rec.get(cols["date"]))
        if date is None:
            errors.append(SourceError(str(path), f"{path.name} row {n}: date {fields['date']!r} is not a date "
                                                 "(YYYY-MM-DD)"))
        elif not fields["question"]:
            errors.append(SourceError(str(path), f"{path.name} row {n}: empty question"))
        else:
            rows.append(TableRow(n, date, fields))
    return rows, errors
