"""The domain model: briefings, their turns and exchanges, and the annotations analysis adds (stdlib only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
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


# ---- filters and sort orders: the one definition the store, the facade, the CLI and the web read ----------------

@dataclass(frozen=True, slots=True)
class FilterSpec:
    """A filter every listing of exchanges takes (search, kwic, exchanges, export, trend)."""

    #: The facade's keyword and the store's filter name ("date_from").
    name: str
    #: The URL parameter; the CLI option is ``--`` + it with ``-`` for ``_`` ("from", "outlet_type").
    param: str
    #: What a page calls it ("language").
    label: str


FILTER_SPECS: tuple[FilterSpec, ...] = (
    FilterSpec("date_from", "from", "from"),
    FilterSpec("date_to", "to", "to"),
    FilterSpec("spokesperson", "spokesperson", "spokesperson"),
    FilterSpec("outlet", "outlet", "outlet"),
    FilterSpec("outlet_type", "outlet_type", "outlet type"),
    FilterSpec("lang", "lang", "language"),
    FilterSpec("country", "country", "country"),
    FilterSpec("clarity", "clarity", "clarity"),
    FilterSpec("evasion", "evasion", "clarity label"),
)
#: The filter names, in FILTER_SPECS order.
FILTERS: tuple[str, ...] = tuple(f.name for f in FILTER_SPECS)
#: Orders of search hits: "relevance" (BM25), "date" (newest first), "date_asc".
SORTS: tuple[str, ...] = ("relevance", "date", "date_asc")


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


# ---- search results: text and the character spans of its matches (no markup: each surface renders them) ----

#: (start, end) character offsets of one match in the text it was found in (``text[start:end]`` is the match).
Span = tuple[int, int]


def excerpt(text: str, spans: Sequence[Span], *, width: int = 240, before: int | None = None) -> tuple[int, int]:
    """(start, end) of about ``width`` characters of ``text`` around its first match, starting ``before``
    characters ahead of it (default a third of the width) and cut at spaces where one is near; the text's start
    when nothing matched."""
    if not spans:
        return 0, min(len(text), width)
    start = max(0, spans[0][0] - (width // 3 if before is None else before))
    if start:
        sp = text.rfind(" ", 0, start)
        start = sp + 1 if sp >= 0 and start - sp < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.find(" ", end)
        end = sp if 0 <= sp - end < 30 else end
    return start, end


def pieces(text: str, spans: Sequence[Span], start: int = 0, end: int | None = None) -> list[tuple[str, bool]]:
    """``text[start:end]`` cut into (piece, is a match) in order, for a renderer to mark the matches its way
    (``spans`` in order; those reaching past the cut are clipped to it). A cut inside the text is shown by an
    ellipsis piece ("…") at that end."""
    end = len(text) if end is None else end
    out: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if end > pos:
        out.append((text[pos:end], False))
    if end < len(text):
        out.append(("…", False))
    return out


class _Fields:
    """Results read as attributes (``hit.date``, ``s.briefings``) or, as from the dicts they used to be, by name
    (``hit["date"]``, ``s.get("events")``, ``dict(line)``); a name that is not a field is looked up in
    ``to_dict()`` (the JSON-ready mapping, which a result may flatten or extend)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def keys(self) -> list[str]:
        return list(self.to_dict())

    def items(self) -> list[tuple[str, Any]]:
        return list(self.to_dict().items())

    def __getitem__(self, name: str) -> Any:
        if name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            return getattr(self, name)
        d = self.to_dict()
        if name not in d:
            raise KeyError(name)
        return d[name]

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise KeyError(name)
        setattr(self, name, value)

    def __contains__(self, name: object) -> bool:
        return name in self.__dataclass_fields__ or name in self.to_dict()  # type: ignore[attr-defined]

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default


@dataclass(frozen=True, slots=True)
class Snippet(_Fields):
    """Where a hit's short excerpt lies: ``field`` ("question" or "answer")'s text from ``start`` to ``end``."""

    field: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SearchHit(_Fields):
    """One exchange a search found: where it stands, its question and answer text (NFC) with the spans of the
    query's matches in each, a snippet, its relevance score (None when sorted by date) and what analysis says of
    it (None and () before analysis)."""

    exchange_id: int
    briefing_id: int
    event_id: int | None
    n: int
    date: str  # YYYY-MM-DD
    lang: str | None
    title: str | None
    series: str | None
    spokesperson: str | None
    #: the registry key of the spokesperson (one person in both languages), None when not in the registry
    spokesperson_id: str | None
    asker: str | None
    outlet: str | None
    outlet_type: str | None
    follow_up: bool
    question: str
    answer: str
    source: str | None
    url: str | None
    question_spans: tuple[Span, ...] = ()
    answer_spans: tuple[Span, ...] = ()
    #: the excerpt a one-line listing shows: around the first match (in the question, unless only the answer
    #: matches), or the question's start when nothing is marked (a search for "*")
    snippet: Snippet = Snippet("question", 0, 0)
    score: float | None = None
    clarity: str | None = None
    clarity_fine: str | None = None
    clarity_evidence: str | None = None
    countries: tuple[str, ...] = ()  # ISO3 codes named in question or answer, sorted

    def text(self, field: str) -> str:
        """The question's or the answer's text."""
        return self.question if field == "question" else self.answer

    def spans(self, field: str) -> tuple[Span, ...]:
        return self.question_spans if field == "question" else self.answer_spans

    def pieces(self, field: str, start: int = 0, end: int | None = None) -> list[tuple[str, bool]]:
        """The field's text (from ``start`` to ``end``, "…" where cut) as (piece, is a match) pairs."""
        return pieces(self.text(field), self.spans(field), start, end)

    def snippet_pieces(self) -> list[tuple[str, bool]]:
        """The snippet as (piece, is a match) pairs."""
        return self.pieces(self.snippet.field, self.snippet.start, self.snippet.end)


@dataclass(frozen=True, slots=True)
class SearchResult(_Fields):
    """One page of hits, how many exchanges match in all, and (when asked for) the facet counts of all of them:
    {field: {value: exchanges}} over spokesperson, outlet, outlet_type, lang, year, clarity, country."""

    query: str
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, dict[str, int]] | None = None


@dataclass(frozen=True, slots=True)
class KwicLine(_Fields):
    """One match in context: ``left + keyword + right`` is the text as printed (runs of white space as one
    space); ``field`` is "question" or "answer"."""

    exchange_id: int
    briefing_id: int
    date: str
    lang: str | None
    field: str
    left: str
    keyword: str
    right: str


@dataclass(frozen=True, slots=True)
class Concordance(_Fields):
    """One page of keyword-in-context lines (oldest first, from line ``offset``) and the size of the whole:
    ``total_lines`` is None when more exchanges match than are read to count (``lines_counted`` is then a lower
    bound); ``total_exchanges`` is how many exchanges match."""

    lines: tuple[KwicLine, ...]
    offset: int
    total_lines: int | None
    lines_counted: int
    total_exchanges: int


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
    #: What linking the language versions into events did afterwards, when it ran.
    events: EventCounts | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


# ---- pages: what a source knows about a page besides its bytes (sources fill it in, parse reads it) ----------------

@dataclass(frozen=True, slots=True)
class PageHints:
    """What a source knows about a page besides its bytes — from an index row, a listing page or the HTTP headers.
    ``podium.sources`` fills it in, ``podium.parse.parse_page`` reads it; every field is optional."""

    #: The page's URL on the publisher's site.
    url: str | None = None
    #: The date an index or listing page gives; parsers use it only where the page itself has none
    #: (formats with ``takes_date``).
    date: dt.date | None = None
    #: The title an index or listing page gives.
    title: str | None = None
    #: What the index says the page is ("list": a listing page, not a briefing).
    kind: str | None = None
    #: The charset the server declared (HTTP Content-Type); it wins over the page's own declaration.
    charset: str | None = None
    #: The parse format (a ``podium.parse.formats()`` name) of the site layout the page was fetched from: the page
    #: is held to that format's check (``Format.check``) whatever format reads it.
    layout: str | None = None
    #: Where the hints were read: "index.tsv row 15", "listing page lists/12.html row 4", "listing page <url>".
    evidence: str = ""

# ---- what the facade's commands return (pipeline and api build them) ---------------------------------------------


@dataclass(slots=True)
class EventCounts(_Fields):
    """What linking the stored versions into events did: events, events re-aligned, exchange links and differences
    recorded, exchanges whose clarity was carried from their English counterpart."""

    events: int = 0
    realigned: int = 0
    links: int = 0
    differences: int = 0
    carried: int = 0


@dataclass(slots=True)
class AnalyseResult(_Fields):
    """What ``analyse`` wrote: annotations per pass (``written``, in the order the passes ran), phrases in the
    re-mined formulation list (None when the formulations pass did not run) and clarity labels carried from
    English exchanges to their counterparts. By name it reads as the flat mapping the CLI prints
    ({"clarity": n, ..., "formulations_mined": n, "clarity_carried": n})."""

    written: dict[str, int] = field(default_factory=dict)
    formulations_mined: int | None = None
    clarity_carried: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.written.items() if k != "formulations"}
        if self.formulations_mined is not None:
            out["formulations_mined"] = self.formulations_mined
        if "formulations" in self.written:
            out["formulations"] = self.written["formulations"]
        out["clarity_carried"] = self.clarity_carried
        return out


@dataclass(slots=True)
class CorpusStats(_Fields):
    """What a database holds: briefings (published versions) and exchanges, their date range, counts by language
    ({lang: {"briefings", "exchanges"}}), series, year, outlet and outlet type (exchanges, over all versions),
    questions with no named outlet, annotations by kind, revisions recorded; ``events`` counts press conferences
    (whatever their versions: "events", date range, "by_kind" {kind: {langs: n}}, "linked_exchanges") and
    ``by_spokesperson`` is one row per person ({display name: {"events", "versions"}})."""

    path: str
    briefings: int
    exchanges: int
    date_from: str | None
    date_to: str | None
    by_lang: dict[str, dict[str, int]] = field(default_factory=dict)
    by_series: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, int] = field(default_factory=dict)
    by_spokesperson: dict[str, dict[str, int]] = field(default_factory=dict)
    by_outlet: dict[str, int] = field(default_factory=dict)
    by_outlet_type: dict[str, int] = field(default_factory=dict)
    anonymous_questions: int = 0
    annotations: dict[str, int] = field(default_factory=dict)
    revisions: int = 0
    events: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FetchSummary(_Fields):
    """One fetch run: transcripts added / updated / unchanged / already held, those that failed
    ([{"url", "title", "error"}]), requests made, listing pages read, whether the walk reached its end
    (``complete``) or why it stopped, the error that stopped it, and the event counts when anything was stored.
    ``details``: everything else the fetcher reported (layout, since/until, links, retried, resumed, ...;
    ``podium.sources.fetch``), readable by name like the fields."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    listing_pages: int = 0
    complete: bool = False
    stopped: str | None = None
    error: str | None = None
    events: EventCounts | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_fetcher(cls, summary: dict[str, Any]) -> FetchSummary:
        names = {f.name for f in fields(cls)} - {"details", "events"}
        return cls(**{k: v for k, v in summary.items() if k in names},
                   details={k: v for k, v in summary.items() if k not in names})

    def __setitem__(self, name: str, value: Any) -> None:
        if name in {f.name for f in fields(self)} - {"details"}:
            setattr(self, name, value)
        else:
            self.details[name] = value

    def to_dict(self) -> dict[str, Any]:
        out = {**self.details}
        for f in fields(self):
            if f.name != "details":
                out[f.name] = getattr(self, f.name)
        if self.events is None:
            del out["events"]
        else:
            out["events"] = self.events.to_dict()
        return out
