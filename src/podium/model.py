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

#: What tables and exports call the asker of a question whose page names no outlet ("Q", "问", "Journalist").
NO_OUTLET = "(no named outlet)"

# ---- clarity vocabulary -------------------------------------------------------------------------------------------
# How clearly a question was answered: the three classes and nine fine labels of the clarity/evasion taxonomy
# (docs/annotation-guide.md), in the order every table, chart, filter and export shows them.

#: fine label -> its clarity class
FINE_TO_CLARITY: dict[str, str] = {
    "Explicit": "Clear Reply",
    "Implicit": "Ambivalent",
    "Dodging": "Ambivalent",
    "Deflection": "Ambivalent",
    "Partial": "Ambivalent",
    "General": "Ambivalent",
    "Declining to answer": "Clear Non-Reply",
    "Claims ignorance": "Clear Non-Reply",
    "Clarification": "Clear Non-Reply",
}
FINE_LABELS: tuple[str, ...] = tuple(FINE_TO_CLARITY)
CLARITY_LABELS: tuple[str, ...] = ("Clear Reply", "Ambivalent", "Clear Non-Reply")


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
class Spokesperson:
    """One person who answers for a publisher, whatever language the page is in (see the spokesperson registry)."""

    #: Stable, language-neutral id ("hua-chunying").
    id: str
    publisher: str
    name_en: str | None
    name_zh: str | None
    aliases: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """"Hua Chunying (华春莹)"; the one name a record has otherwise."""
        if self.name_en and self.name_zh:
            return f"{self.name_en} ({self.name_zh})"
        return self.name_en or self.name_zh or self.id


@dataclass(frozen=True, slots=True)
class Version:
    """A stored briefing as the event linker sees it: one published version (language) of an event."""

    briefing_id: int
    series: str
    lang: str
    date: dt.date
    title: str
    #: Registry id (or the name as printed when the registry does not know the person).
    spokesperson_id: str | None
    n_exchanges: int = 0
    #: Hash of what was parsed (podium.store.content_hash): equal for two copies of one page.
    content_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One press conference (or other occasion), whatever the number of versions it was published in."""

    #: "MFA press conference", "MFA online press conference", "MFA remarks", "White House press briefing", ...
    kind: str
    #: The date the event was held: the earliest date its versions print.
    date: dt.date
    #: Briefing ids of its versions (at most one per language).
    versions: tuple[int, ...]
    spokesperson_id: str | None = None
    #: How the versions were linked ("single version", "same date", "date +2 days, alignment 0.64").
    linked_by: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.date.isoformat()}|{min(self.versions)}"


@dataclass(frozen=True, slots=True)
class ExchangeLink:
    """The same exchange in two language versions of one event (several ids where a version merges turns)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    score: float
    method: str = ""


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
    #: What linking the language versions into events did afterwards (counts), when it ran.
    events: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed
