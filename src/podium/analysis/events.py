"""Events: which stored briefings are versions of one press conference (a corpus pass, no database).

The ministry publishes each press conference in English and in Chinese; podium stores each page as a briefing
and puts the versions of one occasion into one event, so that a press conference counts once.

Rules (documented in the README and ``docs/alignment-guide.md``):
- An event's kind comes from the series and the title: a regular press conference, the online press conference
  of February-March 2020 ("Daily Briefing Online", 网上例行记者会), a spokesperson's remarks (statements and
  written answers), a White House briefing. Versions of different kinds are never linked; two events of the same
  kind on one day stay two (each language contributes at most one version to an event).
- Two versions in different languages are linked when they are of the same kind, their dates are at most
  ``MAX_DAYS`` apart and their spokespersons are the same person (or one is unknown). A version on the same day
  as its only candidate is linked outright; any other link — a version dated days later, several candidates on
  one day, remarks (several a day) — needs the alignment of their exchanges to score at least ``MIN_SIMILARITY``.
- Closest dates first, then the best alignment.
- The same version published twice under two URLs (same language, date and title; for remarks, whose titles
  repeat, the same text too) is one version: both copies belong to the event, and only the first is aligned.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from ..model import Event, Version

__all__ = ["COUNTED_KINDS", "MAX_DAYS", "MIN_SIMILARITY", "event_kind", "group", "is_counted"]

MAX_DAYS = 3
MIN_SIMILARITY = 0.35

#: Event kinds counted as "press conferences held" unless the user asks for others.
COUNTED_KINDS = ("MFA press conference", "MFA online press conference", "White House press briefing")


def event_kind(series: str, title: str) -> str:
    """The kind of occasion a briefing is a version of."""
    s = series.lower()
    if "china mfa" in s:
        if "remarks" in s:
            return "MFA remarks"
        if "daily briefing online" in title.lower() or "网上例行记者会" in title:
            return "MFA online press conference"
        return "MFA press conference"
    if "white house" in s:
        return "White House press briefing"
    return series


def is_counted(kind: str) -> bool:
    return kind in COUNTED_KINDS or not any(w in kind.lower() for w in ("remarks", "statement", "written"))


def _compatible(a: Version, b: Version) -> bool:
    return a.spokesperson_id is None or b.spokesperson_id is None or a.spokesperson_id == b.spokesperson_id


def _distinct_versions(vs: list[Version], strict: bool) -> tuple[dict[str, list[Version]], dict[int, list[Version]]]:
    """(versions by language, {first copy: later copies}): a page published twice is one version."""
    by_lang: dict[str, list[Version]] = defaultdict(list)
    copies: dict[int, list[Version]] = defaultdict(list)
    first_copy: dict[tuple[str, dt.date, str, str | None], Version] = {}
    for v in sorted(vs, key=lambda v: v.briefing_id):
        # a regular press conference is held once a day: the same title is the same occasion (a corrected
        # page republished under a new URL); remarks share generic titles, so they must also share the text
        same = (v.lang, v.date, " ".join(v.title.split()).casefold(), v.content_sha256 if strict else None)
        if same in first_copy:
            copies[first_copy[same].briefing_id].append(v)
            continue
        first_copy[same] = v
        by_lang[v.lang].append(v)
    return by_lang, copies


def _pairs(pivots: list[Version], others: list[Version], *, strict: bool,
           similarity: Callable[[int, int], float] | None, max_days: int,
           min_similarity: float) -> list[tuple[Version, Version, str]]:
    """Links between two languages' versions of one kind: (pivot, other, why)."""
    pivot_by_day: dict[dt.date, list[Version]] = defaultdict(list)
    for p in pivots:
        pivot_by_day[p.date].append(p)
    other_by_day: dict[dt.date, list[Version]] = defaultdict(list)
    for o in others:
        other_by_day[o.date].append(o)
    candidates = [(abs(delta), p, o) for o in others for delta in range(-max_days, max_days + 1)
                  for p in pivot_by_day.get(o.date + dt.timedelta(days=delta), ()) if _compatible(p, o)]
    taken: set[int] = set()
    out: list[tuple[Version, Version, str]] = []

    def take(days: int, p: Version, o: Version, sim: float | None) -> None:
        taken.update((p.briefing_id, o.briefing_id))
        when = "same date" if days == 0 else f"{o.lang} dated {(o.date - p.date).days:+d} days"
        out.append((p, o, when + ("" if sim is None else f", alignment {sim:.2f}")))

    # first the unambiguous: one version of this kind each on the same day (no content check needed)
    if not strict:
        for days, p, o in candidates:
            if days == 0 and len(pivot_by_day[p.date]) == 1 and len(other_by_day[o.date]) == 1:
                take(days, p, o, None)
    # then what is left, by content: closest dates first, then the best alignment
    scored = []
    if similarity is not None:
        for days, p, o in candidates:
            if p.briefing_id not in taken and o.briefing_id not in taken:
                sim = similarity(p.briefing_id, o.briefing_id)
                if sim >= min_similarity:
                    scored.append((days, -sim, p, o, sim))
    scored.sort(key=lambda t: (t[0], t[1], t[2].briefing_id, t[3].briefing_id))
    for days, _, p, o, sim in scored:
        if p.briefing_id not in taken and o.briefing_id not in taken:
            take(days, p, o, sim)
    return out


def group(versions: Iterable[Version], *, similarity: Callable[[int, int], float] | None = None,
          max_days: int = MAX_DAYS, min_similarity: float = MIN_SIMILARITY) -> list[Event]:
    """Put versions into events (every version in exactly one). ``similarity(briefing_id, briefing_id)`` scores
    two versions' content (0..1, e.g. the exchange alignment's score); without it only same-day, unambiguous
    versions are linked."""
    by_kind: dict[str, list[Version]] = defaultdict(list)
    for v in versions:
        by_kind[event_kind(v.series, v.title)].append(v)
    events: list[Event] = []
    for kind, vs in sorted(by_kind.items()):
        strict = "remarks" in kind.lower()
        by_lang, copies = _distinct_versions(vs, strict)
        # the language with most versions is the pivot the others are linked to
        langs = sorted(by_lang, key=lambda lang: (-len(by_lang[lang]), lang))
        clusters: dict[int, list[Version]] = {v.briefing_id: [v] for v in by_lang[langs[0]]}
        why: dict[int, list[str]] = defaultdict(list)
        for other in langs[1:]:
            linked = _pairs(by_lang[langs[0]], by_lang[other], strict=strict, similarity=similarity,
                            max_days=max_days, min_similarity=min_similarity)
            for p, o, reason in linked:
                clusters[p.briefing_id].append(o)
                why[p.briefing_id].append(reason)
            done = {o.briefing_id for _, o, _ in linked}
            for o in by_lang[other]:
                if o.briefing_id not in done:
                    clusters[o.briefing_id] = [o]
        for first, members in clusters.items():
            dupes = [c for m in members for c in copies.get(m.briefing_id, ())]
            if dupes:
                why[first].append(f"{len(dupes)} duplicate cop{'y' if len(dupes) == 1 else 'ies'} of a version")
            members = members + dupes
            people = {m.spokesperson_id for m in members if m.spokesperson_id}
            events.append(Event(kind=kind, date=min(m.date for m in members),
                                versions=tuple(sorted(m.briefing_id for m in members)),
                                spokesperson_id=sorted(people)[0] if len(people) == 1 else None,
                                linked_by="; ".join(why[first]) or "single version"))
    events.sort(key=lambda e: (e.date, e.kind, e.versions))
    return events
