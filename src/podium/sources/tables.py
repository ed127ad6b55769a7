"""Q&A tables: research datasets of question-answer pairs (CSV, TSV, XLSX, JSONL, Parquet) read as briefings.

One row is one exchange. ``--columns date=…,question=…,answer=…,spokesperson=…,url=…`` names the columns (also
``lang``, ``outlet``, ``title``, ``series``); a field not named is looked for under common names, case-insensitive
(``DEFAULT_COLUMNS``). The defaults are meant for CMFA PressCon (the ministry's Q&A pairs 2002-2023: date,
spokesperson, question, answer); its exact column names could not be checked from here, so the defaults accept the
plain English names and a few variants — pass ``--columns`` when a table uses others.

Rows are grouped into briefings by date, language and URL (rows with no URL on one date are one briefing), in the
table's row order. Each exchange keeps its row (``TableBriefing.rows``: "presscon.csv row 12", rows counted from 1
after the header). Where the table has no outlet column, the outlet is inferred from the question text, with a
confidence and the text it rests on (``infer_outlet``): a leading label ("Reuters: ...", "路透社记者：..."), or "an AFP
reporter asked ..." / "路透社记者问". Nothing else is guessed: an unknown or absent outlet stays None.

The language of a row with no ``lang`` column is "zh" when its question is mostly Chinese characters, else "en". The
series is the ministry's regular press conference unless a ``series`` column says otherwise. Format name: ``qa-table``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..model import ASKER, SPOKESPERSON, Briefing, Exchange, Turn
from .indexes import parse_date

__all__ = ["DEFAULT_COLUMNS", "FORMAT_NAME", "TABLE_SUFFIXES", "OutletGuess", "TableBriefing", "infer_outlet",
           "is_table", "parse_columns", "read_table"]

FORMAT_NAME = "qa-table"
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".jsonl", ".parquet"})
MFA_SERIES = "China MFA regular press conference"

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
class OutletGuess:
    """An outlet read from a question's text: how sure, and the words it rests on."""

    outlet: str
    outlet_type: str | None
    label: str
    confidence: float
    evidence: str


@dataclass
class TableBriefing:
    """A briefing built from table rows, with each exchange's row and outlet guess (index = exchange n - 1)."""

    briefing: Briefing
    rows: list[int]
    guesses: list[OutletGuess | None] = field(default_factory=list)


def _read_frame(path: Path):  # noqa: ANN202 - a pandas DataFrame
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
            try:
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


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _lang(text: str) -> str:
    han = len(_CJK.findall(text[:400]))
    return "zh" if han * 3 > len(text[:400].replace(" ", "")) else "en"


# "Reuters: ...", "路透社记者：..." (a label before a colon, as the pages print them)
_PREFIX = re.compile(r"^([^:：。，,?？!！\"“”]{2,40}?)\s*[:：]\s*(?=\S)")
# "An AFP reporter asked ...", "A journalist from Reuters asked ...", "路透社记者问……"
_ASKED_EN = re.compile(r"^(?:(?:[Aa]n?|[Tt]he)\s+)?([A-Z][\w.&'’ -]{1,40}?)\s+"
                       r"(?:reporter|journalist|correspondent)s?\s+(?:asked|raised|wanted|inquired|posed)\b")
_ASKED_FROM = re.compile(r"^(?:[Aa]n?|[Tt]he)\s+(?:reporter|journalist|correspondent)\s+(?:from|with|of)\s+"
                         r"(?:the\s+)?([A-Z][\w.&'’ -]{1,40}?)\s+(?:asked|raised|wanted|inquired|posed)\b")
_ASKED_ZH = re.compile(r"^([\u4e00-\u9fff·（）()A-Za-z]{2,20}?记者)(?:提?问|追问|询问)")


def infer_outlet(question: str) -> OutletGuess | None:
    """The outlet a question's text names, or None when it names none the outlet registry knows.

    A leading label that the registry resolves ("Reuters: ...") is near certain (0.95); a sentence saying who asked
    ("an AFP reporter asked", "路透社记者问") is likely (0.8): the words could, rarely, be reported speech.
    """
    from ..parse.outlets import lookup

    head = question.lstrip()[:200]
    m = _PREFIX.match(head)
    if m:
        label = m.group(1).strip()
        outlet, kind = lookup(label)
        if outlet:
            return OutletGuess(outlet, kind, label, 0.95, m.group(0).strip())
    for pat in (_ASKED_EN, _ASKED_FROM, _ASKED_ZH):
        m = pat.match(head)
        if m:
            label = m.group(1).strip()
            outlet, kind = lookup(label)
            if outlet:
                return OutletGuess(outlet, kind, label, 0.8, m.group(0).strip())
    return None


def read_table(path: str | Path, columns: dict[str, str] | None = None) -> tuple[list[TableBriefing],
                                                                                   list[SourceError]]:
    """Briefings built from a Q&A table, and an error for each row that cannot be used (no date, no question);
    SourceError when the file cannot be read or lacks a required column."""
    path = Path(path)
    frame = _read_frame(path)
    cols = _resolve([str(c) for c in frame.columns], columns or {}, path)
    groups: dict[tuple[dt.date, str, str | None], list[tuple[int, dict[str, str]]]] = {}
    errors: list[SourceError] = []
    records = frame.to_dict("records")
    for n, rec in enumerate(records, 1):
        row = {f: _text(rec.get(c)) for f, c in cols.items()}
        date = _date(rec.get(cols["date"]))
        where = f"{path.name} row {n}"
        if date is None:
            errors.append(SourceError(str(path), f"{where}: date {row['date']!r} is not a date (YYYY-MM-DD)"))
            continue
        if not row["question"]:
            errors.append(SourceError(str(path), f"{where}: empty question"))
            continue
        lang = (row.get("lang") or "").lower()[:2] or _lang(row["question"] + row["answer"])
        groups.setdefault((date, lang, row.get("url") or None), []).append((n, row))
    out = [_briefing(path, date, lang, url, rows) for (date, lang, url), rows in groups.items()]
    out.sort(key=lambda tb: (tb.briefing.date, tb.briefing.lang, tb.rows[0]))
    return out, errors


def _briefing(path: Path, date: dt.date, lang: str, url: str | None,
              rows: list[tuple[int, dict[str, str]]]) -> TableBriefing:
    from ..parse.outlets import lookup

    series = rows[0][1].get("series") or MFA_SERIES
    exchanges: list[Exchange] = []
    turns: list[Turn] = []
    guesses: list[OutletGuess | None] = []
    for i, (_, row) in enumerate(rows, 1):
        question = row["question"]
        guess: OutletGuess | None = None
        asker: str | None = None
        outlet = outlet_type = None
        if row.get("outlet"):
            asker = row["outlet"]
            outlet, outlet_type = lookup(asker)
        else:
            guess = infer_outlet(question)
            if guess is not None:
                asker, outlet, outlet_type = guess.label, guess.outlet, guess.outlet_type
                if question.startswith(guess.evidence) and guess.evidence.endswith((":", "：")):
                    question = question[len(guess.evidence):].strip()  # the label, as pages print it apart
        speaker = row.get("spokesperson") or None
        q = Turn(ASKER, asker, (question,))
        a = Turn(SPOKESPERSON, speaker, (row["answer"],)) if row["answer"] else None
        turns.extend([q] if a is None else [q, a])
        exchanges.append(Exchange(n=i, question=q, answers=(a,) if a else (), asker=asker, outlet=outlet,
                                  outlet_type=outlet_type, spokesperson=speaker))
        guesses.append(guess)
    named = Counter(e.spokesperson for e in exchanges if e.spokesperson)
    spokesperson = named.most_common(1)[0][0] if named else None
    title = rows[0][1].get("title") or (f"Regular Press Conference, {date.isoformat()}" if lang != "zh"
                                        else f"例行记者会（{date.isoformat()}）")
    briefing = Briefing(series=series, lang=lang, date=date, title=title, spokesperson=spokesperson, url=url,
                        source=str(path), format=FORMAT_NAME, openings=(), exchanges=tuple(exchanges),
                        turns=tuple(turns))
    return TableBriefing(briefing, [n for n, _ in rows], guesses)
