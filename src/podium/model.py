"""The domain model: briefings, their turns and exchanges, and the annotations analysis adds (stdlib only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: Roles a turn can have.
ASKER = "asker"
SPOKESPERSON = "spokesperson"
OPENING = "opening"  # announcement the spokesperson makes before taking questions
STAGE = "stage"  # stage note standing alone ("(Laughter.)", "（记者会结束）")
ROLES = (ASKER, SPOKESPERSON, OPENING, STAGE)


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted contribution, as printed on the page."""

    role: str
    #: Speaker label as printed, without its colon ("AFP", "Q", "Wang Wenbin", "问", "MR. EARNEST");
    #: None when the page prints no label (unlabelled opening announcements).
    speaker: str | None
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A question turn and the answer that follows it."""

    #: 1-based position in the briefing.
    n: int
    question: Turn
    #: The turns answering it (usually one; several when the spokesperson is interrupted by a stage note
    #: or a second official answers too).
    answers: tuple[Turn, ...]
    #: The asker's label as printed ("AFP", "Xinhua News Agency", "Q", "路透社记者"). For a follow-up
    #: labelled only "Follow-up"/"追问", the asker of the exchange being followed up.
    asker: str | None
    #: Canonical outlet ("Xinhua", "AFP") or None when the asker is anonymous or unknown — never guessed.
    outlet: str | None = None
    #: Outlet type from the registry ("Chinese state media", "foreign media", ...) or None.
    outlet_type: str | None = None
    follow_up: bool = False
    #: Who answered (label as printed, normalised to a name where the page allows: "Wang Wenbin").
    spokesperson: str | None = None

    @property
    def question_text(self) -> str:
        return self.question.text

    @property
    def answer_text(self) -> str:
        return "\n".join(t.text for t in self.answers)


@dataclass(frozen=True, slots=True)
class Briefing:
    """One press briefing as published: its metadata, its turns in page order and its exchanges."""

    #: "China MFA regular press conference", "White House press briefing", ...
    series: str
    #: ISO 639-1 ("en", "zh").
    lang: str
    date: dt.date
    title: str
    #: The main spokesperson (the one who opened, or answered most); None when the page does not say.
    spokesperson: str | None
    #: The publisher's URL of the page, when known.
    url: str | None
    #: Where podium read it from: a path or a URL.
    source: str
    #: Name of the parser that produced it ("mfa-en-html", "mfa-en-text", "mfa-zh-html", "whitehouse-html").
    format: str
    #: Opening announcements, in order.
    openings: tuple[Turn, ...] = ()
    exchanges: tuple[Exchange, ...] = ()
    #: Every turn in page order (openings, questions, answers, stage notes).
    turns: tuple[Turn, ...] = ()

    @property
    def key(self) -> str:
        """Natural identity of the briefing: its URL when known, else series, language, date and title."""
        if self.url:
            return self.url
        return f"{self.series}|{self.lang}|{self.date.isoformat()}|{self.title}"

    def to_dict(self) -> dict[str, Any]:
        """The parse as the JSON object `podium parse --json` prints."""
        return {
            "series": self.series,
            "lang": self.lang,
            "date": self.date.isoformat(),
            "title": self.title,
            "spokesperson": self.spokesperson,
            "url": self.url,
            "openings": [t.text for t in self.openings],
            "exchanges": [
                {
                    "n": e.n,
                    "asker": e.asker,
                    "outlet": e.outlet,
                    "outlet_type": e.outlet_type,
                    "follow_up": e.follow_up,
                    "question": e.question_text,
                    "answer": e.answer_text,
                }
                for e in self.exchanges
            ],
        }


@dataclass(frozen=True, slots=True)
class Annotation:
    """What one analysis pass says about one exchange."""

    #: Position of the exchange in its briefing (Exchange.n).
    exchange_n: int
    #: The pass's name: "clarity", "countries", "formulations", ...
    kind: str
    #: The headline label ("Clear Reply", "Ambivalent", ...), or None when the value says it all.
    label: str | None
    #: JSON-serialisable details (fine label, per-field country codes, ...).
    value: Any = None
    confidence: float | None = None
    #: The text that decided it, for auditing.
    evidence: str | None = None
    method: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one input during ingest."""

    source: str
    #: "added", "updated", "unchanged", "skipped" (not a briefing: a listing page, a statement) or "failed".
    status: str
    briefing_key: str | None = None
    error: str | None = None


@dataclass(slots=True)
class IngestReport:
    """Summary of an ingest batch."""

    results: list[IngestResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed
