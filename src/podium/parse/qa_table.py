"""Q&A table rows -> briefings (format ``qa-table``): one row is one exchange of a research dataset of question-answer
pairs (CMFA PressCon and the like). Reading the table file is ``podium.sources.tables``' work; this module takes its
rows (``TableRow``: row number, date, fields by name) and builds the briefings.

Rows are grouped into briefings by date, language and URL (rows with no URL on one date are one briefing), in the
table's row order. Each exchange keeps its row (``TableBriefing.rows``: "presscon.csv row 12", rows counted from 1
after the header). Where the table has no outlet column, the outlet is inferred from the question text, with a
confidence and the text it rests on (``infer_outlet``): a leading label ("Reuters: ...", "路透社记者：..."), or "an AFP
reporter asked ..." / "路透社记者问". Nothing else is guessed: an unknown or absent outlet stays None.

The language of a row with no ``lang`` field is "zh" when its question is mostly Chinese characters, else "en". The
series is the ministry's regular press conference unless a ``series`` field says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..model import ASKER, SPOKESPERSON, Briefing, Exchange, Turn
from .outlets import lookup

__all__ = ["FORMAT_NAME", "MFA_SERIES", "OutletGuess", "TableBriefing", "TableRow", "infer_outlet",
           "table_briefings"]

FORMAT_NAME = "qa-table"
MFA_SERIES = "China MFA regular press conference"


class TableRow(Protocol):
    """One usable row of a table, as ``podium.sources.tables.read_rows`` gives it."""

    #: Row number, counted from 1 after the header.
    n: int
    date: dt.date
    #: Field name (question, answer, spokesperson, url, lang, outlet, title, series) -> the cell's text.
    fields: Mapping[str, str]


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


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _lang(text: str) -> str:
    han = len(_CJK.findall(text[:400]))
    return "zh" if han * 3 > len(text[:400].replace(" ", "")) else "en"


#: How a question names its outlet, and how sure that reading is: a leading label, as the pages print it ("Reuters:
#: ...", "路透社记者：...") is near certain; a sentence saying who asked ("An AFP reporter asked ...", "A journalist
#: from Reuters asked ...", "路透社记者问……") is likely: the words could, rarely, be reported speech.
_OUTLET_RULES: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"^([^:：。，,?？!！\"“”]{2,40}?)\s*[:：]\s*(?=\S)"), 0.95),
    (re.compile(r"^(?:(?:[Aa]n?|[Tt]he)\s+)?([A-Z][\w.&'’ -]{1,40}?)\s+(?:reporter|journalist|correspondent)s?\s+"
                r"(?:asked|raised|wanted|inquired|posed)\b"), 0.8),
    (re.compile(r"^(?:[Aa]n?|[Tt]he)\s+(?:reporter|journalist|correspondent)\s+(?:from|with|of)\s+(?:the\s+)?"
                r"([A-Z][\w.&'’ -]{1,40}?)\s+(?:asked|raised|wanted|inquired|posed)\b"), 0.8),
    (re.compile(r"^([\u4e00-\u9fff·（）()A-Za-z]{2,20}?记者)(?:提?问|追问|询问)"), 0.8),
)


def infer_outlet(question: str) -> OutletGuess | None:
    """The outlet a question's text names (``_OUTLET_RULES``, in order), or None when it names none the outlet
    registry knows."""
    head = question.lstrip()[:200]
    for pattern, confidence in _OUTLET_RULES:
        m = pattern.match(head)
        if m:
            label = m.group(1).strip()
            outlet, kind = lookup(label)
            if outlet:
                return OutletGuess(outlet, kind, label, confidence, m.group(0).strip())
    return None


def table_briefings(rows: Iterable[TableRow], source: str) -> list[TableBriefing]:
    """The briefings of a table's rows (``source``: the table file, as briefings and errors name it), in date,
    language and first-row order."""
    groups: dict[tuple[dt.date, str, str | None], list[TableRow]] = {}
    for row in rows:
        f = row.fields
        lang = (f.get("lang") or "").lower()[:2] or _lang(f.get("question", "") + f.get("answer", ""))
        groups.setdefault((row.date, lang, f.get("url") or None), []).append(row)
    out = [_briefing(source, date, lang, url, grouped) for (date, lang, url), grouped in groups.items()]
    out.sort(key=lambda tb: (tb.briefing.date, tb.briefing.lang, tb.rows[0]))
    return out


def _briefing(source: str, date: dt.date, lang: str, url: str | None, rows: list[TableRow]) -> TableBriefing:
    series = rows[0].fields.get("series") or MFA_SERIES
    exchanges: list[Exchange] = []
    turns: list[Turn] = []
    guesses: list[OutletGuess | None] = []
    for i, r in enumerate(rows, 1):
        row = r.fields
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
        a = Turn(SPOKESPERSON, speaker, (row["answer"],)) if row.get("answer") else None
        turns.extend([q] if a is None else [q, a])
        exchanges.append(Exchange(n=i, question=q, answers=(a,) if a else (), asker=asker, outlet=outlet,
                                  outlet_type=outlet_type, spokesperson=speaker))
        guesses.append(guess)
    named = Counter(e.spokesperson for e in exchanges if e.spokesperson)
    spokesperson = named.most_common(1)[0][0] if named else None
    title = rows[0].fields.get("title") or (f"Regular Press Conference, {date.isoformat()}" if lang != "zh"
                                            else f"例行记者会（{date.isoformat()}）")
    briefing = Briefing(series=series, lang=lang, date=date, title=title, spokesperson=spokesperson, url=url,
                        source=source, format=FORMAT_NAME, openings=(), exchanges=tuple(exchanges),
                        turns=tuple(turns))
    return TableBriefing(briefing, [r.n for r in rows], guesses)
