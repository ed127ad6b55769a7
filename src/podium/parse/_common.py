"""Helpers every parser shares: text cleanup, speaker-label splitting, and turning labelled paragraphs into turns
and exchanges.

API (stable; the MFA Chinese and White House parsers use it too)::

    clean(text) -> str
        NBSP, U+3000, thin/zero-width spaces, BOM -> ordinary spaces; runs of whitespace collapsed; stripped.
    split_label(paragraph, max_len=90) -> (label | None, rest)
        "Q: text" -> ("Q", "text"); "路透社记者：text" -> ("路透社记者", "text"); tolerates spaces before the
        colon and a full-width colon. A label is at most ``max_len`` characters, contains no sentence punctuation
        and is not followed by a digit (so "at 10:30" and "Note: ..." in the middle of prose need the caller's
        ``classify`` to reject them). Returns (None, paragraph) when there is no label.
    is_stage_note(text) -> bool
        A paragraph that is only a stage or section note: "(Laughter.)", "（记者会结束）",
        "The following questions were raised after the press conference:" ...
    split_stage(paragraph) -> (note | None, question | None) | None
        "The following question was raised after the press conference: Can you...?" -> (note, question).
    build_turns(paragraphs, classify, continue_after_stage=True, split_unanswered=False) -> list[Turn]
        ``paragraphs``: page-ordered paragraphs, each a cleaned string (split here with split_label, so a label
        the classifier rejects leaves the paragraph exactly as printed) or a (label | None, text) pair from the
        caller's own splitting (a rejected label is joined back with ": " or "："). ``classify(label)`` returns a
        role (model.ASKER, SPOKESPERSON, STAGE) or None when the label is not a speaker (then the paragraph is
        kept whole, label included, as a continuation). Unlabelled paragraphs continue the current turn;
        unlabelled paragraphs before the first turn, and spokesperson turns before the first question, become
        OPENING turns; a stand-alone stage note becomes a STAGE turn.
    assemble(turns, spokesperson=None, generic_answer_labels=..., follow_up_labels=..., lookup=...)
        -> (openings, exchanges)
        Pairs each asker turn with the spokesperson turns that follow it, numbers exchanges from 1, resolves
        follow-ups (asker/outlet of the exchange followed up, follow_up=True), fills outlet/outlet_type through
        the outlet registry, and names the answering spokesperson (``spokesperson`` stands in for generic labels
        such as "A"/"答"). Stage turns are kept out of the exchanges (they stay in Briefing.turns).
    main_spokesperson(openings, exchanges, default=None) -> str | None
        The spokesperson who answered most (ties: the one who spoke first), else ``default``.
    ymd_date(match) -> date | None
        The date whose year, month and day are groups 1-3 of a regex match.
    Anomalies(...) / anomalies(turns, exchanges)
        Counts the corpus report needs: exchanges without answer, unlabelled paragraphs after the first question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..model import ASKER, OPENING, SPOKESPERSON, STAGE, Exchange, Turn
from ..text import ymd_date
from .outlets import lookup as _outlet_lookup

__all__ = [
    "FOLLOW_UP_LABELS",
    "GENERIC_ANSWER_LABELS",
    "Anomalies",
    "anomalies",
    "assemble",
    "build_turns",
    "clean",
    "is_stage_note",
    "main_spokesperson",
    "split_label",
    "split_stage",
    "ymd_date",
]

#: Labels that mean "the same journalist again": the exchange inherits the previous asker.
FOLLOW_UP_LABELS = frozenset({"follow-up", "follow up", "followup", "follow-up question", "追问"})
#: Answer labels that do not name the spokesperson ("A", "答"): the title's spokesperson answered.
GENERIC_ANSWER_LABELS = frozenset({"a", "answer", "答"})

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def clean(text: str) -> str:
    """Normalise whitespace: exotic and invisible spaces become one ordinary space; the ends are stripped."""
    # str.split() knows every Unicode space (NBSP, U+3000, U+2000-U+200A ...) and is much faster than a regex
    if not text.isascii() and _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


# A label: no sentence punctuation, up to the first (half- or full-width) colon. Letters, digits, spaces, and the
# punctuation outlet names use (&, ., ', -, parentheses, /). The colon must not be followed by a digit (times).
_LABEL = re.compile(r"^([^:：。，,;；?？!！\"“”]{1,%d}?)\s*[:：]\s*(?![0-9０-９])(.*)$", re.S)
_LABEL_CACHE: dict[int, re.Pattern[str]] = {}


def split_label(paragraph: str, max_len: int = 90) -> tuple[str | None, str]:
    """Split a leading speaker label off a cleaned paragraph: ("Q", "text") or (None, paragraph)."""
    pat = _LABEL_CACHE.get(max_len)
    if pat is None:
        pat = _LABEL_CACHE[max_len] = re.compile(_LABEL.pattern.replace("%d", str(max_len)), re.S)
    m = pat.match(paragraph)
    if not m:
        return None, paragraph
    label = m.group(1).strip()
    if not label:
        return None, paragraph
    return label, m.group(2).strip()


_STAGE_WHOLE = re.compile(r"^\s*[(（\[【][^()（）\[\]【】]{1,200}[)）\]】]\s*[.。]?\s*$")
# Notes on questions put after the press conference, with or without the question itself after the note.
_AFTER = r"(?:after|following)\s+the\s+(?:regular\s+)?(?:press\s+)?(?:conference|briefing)"
_BY = r"(?:\s+by\s+(?:an?\s+|the\s+)?[\w.&'’-]+(?:\s+[A-Z][\w.&'’-]*){0,3})?"
_RAISED_NOTE = re.compile(
    r"^(?P<note>(?:" + _AFTER + r"\s*,?\s*)?(?:(?:the\s+following(?:\s+is|\s+are)?|this|these|a)\s+)?(?:an?\s+)?"
    r"(?:questions?|q\s*&\s*a)\s+"
    r"(?:(?:is|are|was|were)\s+)?(?:raised|asked|received|put|posed)" + _BY +
    r"(?:\s+" + _AFTER + _BY + r")?"
    r"|(?:" + _AFTER + r"\s*,?\s*)?(?:an?|the)\s+(?:journalist|reporter|correspondent)\s+(?:asked|raised|put|posed)\s+"
    r"the\s+following\s+questions?(?:\s+" + _AFTER + r")?(?:\s+by\s+\w+)?"
    r"|以下(?:问题|问答)?.{0,10}(?:记者会后|会后).{0,10}?(?:提出|提问|询问)?的?(?:问题)?"
    r")\s*(?:[:：.。]\s*(?P<rest>.*))?$", re.I | re.S)
# "After the press conference, a journalist asked if ...": the note is itself the (indirect) question
_AFTER_ONLY = r"after\s+the\s+(?:press\s+)?(?:conference|briefing)"  # "Following the press conference, ..." is prose
_ASKED_AFTER = re.compile(r"^" + _AFTER_ONLY + r"\s*,\s*(?:an?|the)\s+(?:journalist|reporter|correspondent)\s+"
                          r"(?:asked|wanted\s+to\s+know|inquired)\b", re.I)
_AFTER_NOTE = re.compile(r"^" + _AFTER_ONLY + r"\s*,", re.I)
# the first characters those three patterns can match ("after", "following", "the", "this", "a", "question", "q&a",
# "以下"; no other character folds to these under re.I): every other paragraph is rejected without running them
_STAGE_FIRST = frozenset("aAfFtTqQ以")


def split_stage(paragraph: str) -> tuple[str | None, str | None] | None:
    """A paragraph about questions put after the press conference, split into (note, question):

    "The following question was raised after the press conference: Can you ...?" -> (note, "Can you ...?");
    "The following questions were raised after the press conference:" -> (note, None);
    "After the press conference, a journalist asked if ..." -> (None, paragraph): an indirect question;
    "After the press conference, Zhao made further response to ..." -> (paragraph, None).
    None for any other paragraph.
    """
    if len(paragraph) > 2000 or paragraph[:1] not in _STAGE_FIRST:
        return None
    m = _RAISED_NOTE.match(paragraph)
    if m and (re.search(_AFTER, m.group("note"), re.I) or "会后" in m.group("note")):
        rest = (m.group("rest") or "").strip()
        note = m.group("note").strip()
        return (note + (":" if rest or paragraph.rstrip().endswith((":", "：")) else "")), (rest or None)
    if _ASKED_AFTER.match(paragraph):
        return None, paragraph
    if _AFTER_NOTE.match(paragraph) and len(paragraph) < 200 and not paragraph.rstrip().endswith("?"):
        return paragraph, None
    return None


def is_stage_note(text: str) -> bool:
    """True for a paragraph that is only a stage or section note ("(Laughter.)", "The following questions were
    raised after the press conference:"), not speech."""
    if _STAGE_WHOLE.match(text):
        return True
    sp = split_stage(text)
    return sp is not None and sp[1] is None


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _rejoin(label: str, text: str) -> str:
    colon = "：" if _CJK.search(label) else ": "
    return f"{label}{colon}{text}" if text else f"{label}{colon.strip()}"


def build_turns(paragraphs: Iterable[tuple[str | None, str] | str], classify: Callable[[str], str | None],
                continue_after_stage: bool = True, split_unanswered: bool = False) -> list[Turn]:
    """Group page-ordered (label, text) paragraphs into turns with roles.

    ``continue_after_stage``: an unlabelled paragraph after a stage note continues the speaker who was speaking
    before it (as a new turn with the same label and role) — a spokesperson interrupted by "(Laughter.)".
    ``split_unanswered``: for pages where every answer is labelled (MFA), an asker turn of several paragraphs
    that no answer follows lost its answer label ("Journalist: Yes." then the spokesperson's unlabelled reply):
    the paragraphs after its last question mark (or after its first paragraph) become an unlabelled answer turn.
    Leave it off where several reporters may ask in a row (White House).
    """
    turns: list[Turn] = []
    cur_role: str | None = None
    cur_speaker: str | None = None
    cur_paras: list[str] = []
    last_speech: tuple[str, str | None] | None = None  # (role, speaker) of the last non-stage turn
    seen_question = False

    def flush() -> None:
        nonlocal cur_role, cur_speaker, cur_paras
        if cur_role is not None and cur_paras:
            turns.append(Turn(cur_role, cur_speaker, tuple(cur_paras)))
        cur_role, cur_speaker, cur_paras = None, None, []

    for item in paragraphs:
        if isinstance(item, str):  # a whole paragraph: split here, so a rejected label keeps its own colon
            original = item
            label, text = split_label(item)
        else:
            label, text = item
            original = None if label is None else _rejoin(label, text)
        sp = split_stage(original if label is not None else text)
        if sp is not None:
            # a note on questions put after the press conference, possibly followed by the question itself
            # (asked by no named journalist)
            note, question = sp
            flush()
            if note:
                turns.append(Turn(STAGE, None, (note,)))
            if question:
                cur_role, cur_speaker, cur_paras = ASKER, None, [question]
                last_speech = (ASKER, None)
                seen_question = True
            continue
        role = classify(label) if label is not None else None
        if label is not None and role is None:  # not a speaker label: the colon belongs to the prose
            text, label = original, None
        if label is None:
            if not text:
                continue
            if is_stage_note(text):
                flush()
                turns.append(Turn(STAGE, None, (text,)))
                continue
            if cur_role is None:
                if last_speech is not None and continue_after_stage:
                    cur_role, cur_speaker = last_speech
                else:
                    cur_role, cur_speaker = OPENING, None
            cur_paras.append(text)
            continue
        if role == STAGE:
            flush()
            turns.append(Turn(STAGE, label, (text,) if text else ()))
            continue
        flush()
        if role == ASKER:
            seen_question = True
        elif role == SPOKESPERSON and not seen_question:
            role = OPENING
        cur_role, cur_speaker = role, label
        last_speech = (role, label)
        if text:
            cur_paras.append(text)
    flush()
    if split_unanswered:
        turns = _split_unanswered(turns)
    return turns


def _split_unanswered(turns: list[Turn]) -> list[Turn]:
    # one pass from the end, remembering the next non-stage turn: linear in the number of turns (a page of
    # 30,000 questions must cost three times one of 10,000, not nine)
    out: list[Turn] = []
    nxt: Turn | None = None
    for t in reversed(turns):
        if t.role == ASKER and len(t.paragraphs) > 1 and (nxt is None or nxt.role == ASKER):
            asks = [k for k, p in enumerate(t.paragraphs) if p.rstrip().endswith(("?", "？"))]
            cut = asks[-1] + 1 if asks and asks[-1] < len(t.paragraphs) - 1 else 1
            out.append(Turn(SPOKESPERSON, None, t.paragraphs[cut:]))
            out.append(Turn(ASKER, t.speaker, t.paragraphs[:cut]))
        else:
            out.append(t)
        if t.role != STAGE:
            nxt = t
    out.reverse()
    return out


def assemble(turns: Iterable[Turn], spokesperson: str | None = None, *,
             generic_answer_labels: Iterable[str] = GENERIC_ANSWER_LABELS,
             follow_up_labels: Iterable[str] = FOLLOW_UP_LABELS,
             lookup: Callable[[str], tuple[str | None, str | None]] | None = None,
             names: Mapping[str, str] | None = None) -> tuple[tuple[Turn, ...], tuple[Exchange, ...]]:
    """Openings and numbered exchanges from turns (see the module docstring).

    ``names`` maps answer labels as printed to the spokesperson's name when they differ ("MR. EARNEST" ->
    "Josh Earnest"); generic labels ("A") map to ``spokesperson``. Two asker turns in a row by the same label
    are one question (the page split it); by different labels, the first exchange has no answer.
    """
    generic = {g.lower() for g in generic_answer_labels}
    follow = {f.lower() for f in follow_up_labels}
    lookup = lookup or _outlet_lookup
    names = names or {}

    openings: list[Turn] = []
    # each pending entry: [question Turn, [answer Turns]]
    pending: list[tuple[Turn, list[Turn]]] = []
    for turn in turns:
        if turn.role == OPENING:
            openings.append(turn)
        elif turn.role == ASKER:
            if pending and not pending[-1][1] and pending[-1][0].speaker == turn.speaker:
                q = pending[-1][0]
                pending[-1] = (Turn(q.role, q.speaker, q.paragraphs + turn.paragraphs), [])
            else:
                pending.append((turn, []))
        elif turn.role == SPOKESPERSON:
            if pending:
                pending[-1][1].append(turn)
            else:  # an answer with no question before it: the page lost the question label
                openings.append(turn)

    exchanges: list[Exchange] = []
    prev_asker: str | None = None
    prev_outlet: tuple[str | None, str | None] = (None, None)
    for n, (question, answers) in enumerate(pending, 1):
        label = question.speaker
        # a follow-up label on the first exchange follows nothing up: its label is the asker
        is_follow = label is not None and label.lower() in follow and n > 1
        if is_follow:
            asker, (outlet, outlet_type) = prev_asker, prev_outlet
        else:
            asker = label
            outlet, outlet_type = lookup(label) if label else (None, None)
        who = answers[0].speaker if answers else None
        if who is None or who.lower() in generic:
            who = spokesperson
        else:
            who = names.get(who, who)
        exchanges.append(Exchange(n=n, question=question, answers=tuple(answers), asker=asker, outlet=outlet,
                                  outlet_type=outlet_type, follow_up=is_follow, spokesperson=who))
        prev_asker, prev_outlet = asker, (outlet, outlet_type)
    return tuple(openings), tuple(exchanges)


def main_spokesperson(openings: Iterable[Turn], exchanges: Iterable[Exchange], default: str | None = None,
                      generic_answer_labels: Iterable[str] = GENERIC_ANSWER_LABELS) -> str | None:
    """The spokesperson who answered most questions (ties: who spoke first); ``default`` when none is named."""
    generic = {g.lower() for g in generic_answer_labels}
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for t in openings:
        if t.speaker and t.speaker.lower() not in generic:
            order.setdefault(t.speaker, len(order))
    for e in exchanges:
        if e.spokesperson:
            counts[e.spokesperson] += 1
            order.setdefault(e.spokesperson, len(order))
    if not counts:
        return default if default is not None else (min(order, key=order.get) if order else None)
    return max(counts, key=lambda s: (counts[s], -order[s]))


@dataclass(frozen=True, slots=True)
class Anomalies:
    """What looks wrong in one parse (for the corpus report)."""

    no_exchanges: bool
    answer_missing: int  # exchanges with no answer turn
    question_empty: int  # question turns with no text
    #: answer turns whose speaker is None: speech after the first question that the page printed without a label
    #: (announcements placed after the questions on purpose, role OPENING, are not counted)
    unlabelled_after_question: int

    @property
    def any(self) -> bool:
        return self.no_exchanges or bool(self.answer_missing or self.question_empty or self.unlabelled_after_question)


def anomalies(turns: Iterable[Turn], exchanges: Iterable[Exchange]) -> Anomalies:
    """Count the anomalies of one parse."""
    exchanges = tuple(exchanges)
    seen_q = False
    unlabelled = 0
    for t in turns:
        if t.role == ASKER:
            seen_q = True
        elif seen_q and t.role == SPOKESPERSON and t.speaker is None:
            unlabelled += 1
    return Anomalies(
        no_exchanges=not exchanges,
        answer_missing=sum(1 for e in exchanges if not e.answers),
        question_empty=sum(1 for e in exchanges if not e.question.paragraphs),
        unlabelled_after_question=unlabelled,
    )
