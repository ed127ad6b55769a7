"""Cue phrases: the formulas of a non-reply, a standing position, a deflection or a direct answer (English regular
expressions, Chinese substrings), the canonical text and sentences every part of the classifier reads, and the
cue-only classifier (the Chinese fallback of v1 and the baseline the trained model must beat).

Meaning, not layout: every text is read in its canonical form (``canonical``: whitespace runs, paragraph breaks
included, become one space), so an answer printed as one paragraph or one paragraph per sentence reads the same.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ...text import sentences as split_sentences

__all__ = ["CUE_GROUPS", "NON_REPLY_GROUPS", "Folded", "answer_sentences", "canonical", "cue_classify",
           "cue_evidence", "cues_of", "is_clarification", "norm", "sentences"]

class Folded:
    """A case-insensitive regular expression, searched faster: on ASCII text, written without IGNORECASE over the
    lowercased text (the same matches at the same places, as the patterns hold no capital letter: ``re``'s
    case-insensitive matching costs almost twice as much); on other text, with IGNORECASE as written."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        if any(c.isupper() for c in re.sub(r"\\.", "", pattern)):
            raise ValueError(f"a case-folded pattern must be written in lower case: {pattern!r}")
        self.pattern = pattern
        self._lower = re.compile(pattern, flags)
        self._any = re.compile(pattern, flags | re.IGNORECASE)

    def search(self, text: str) -> re.Match[str] | None:
        return self._lower.search(text.lower()) if text.isascii() else self._any.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self._lower.match(text.lower()) if text.isascii() else self._any.match(text)

    def findall(self, text: str) -> list[Any]:
        """The matches (their count and places are those of the case-insensitive pattern; their text is lowercased
        on ASCII text)."""
        return self._lower.findall(text.lower()) if text.isascii() else self._any.findall(text)


# Each group is a list of regular expressions (English) and plain substrings (Chinese). Groups are features for the
# model, and the whole of the cue-only classifier.

_EN_CUES: dict[str, list[str]] = {
    # the spokesperson says they do not know
    "ignorance": [
        r"\b(i'?m|i am|we are|we're) not aware\b",
        r"\bnot aware of (that|this|it|the|what|such|any|anything)\b",
        r"\bi (have not|haven'?t|didn'?t|did not|do not|don'?t) (heard|hear|seen|see|read|know)\b",
        r"\b(have|had) not (heard|seen|read)\b",
        r"\bi (have|had) no (specific |relevant |further )?(information|details|idea)\b",
        r"\b(i )?(don'?t|do not) have (any |the |specific |relevant |more )?(information|details|specifics|it here)\b",
        r"\b(i )?(need|have) to (check|verify|get more information)\b",
        r"\b(will|i'?ll|let me) (check|get back to you|look into)\b",
        r"\bnot sure\b",
        r"\bnone that i'?m aware of\b",
    ],
    # sends the journalist elsewhere: another department, another government, a document
    "refer": [
        r"\brefer (you|this question|your question)\b",
        r"\b(would|will|'d) refer you\b",
        r"\bcompetent (authority|authorities|department|departments)\b",
        r"\b(you|i'?d suggest you|i suggest you) (may|might|should|need to|can|could)? ?"
        r"(ask|go and ask|check with|consult|turn to|read)\b",
        r"\bwhy not (go and )?ask\b",
        r"\bask (the|those|relevant|your) ",
        r"\bleave (that|this|it|the specifics|the details) to\b",
        r"\byou(?:'d| would) have to ask\b",
        r"\b(that'?s|those are|these are)( all)?( pretty much)? (a )?questions? for\b",
        r"\b(read|check|see|refer to) (it |the |our )?(readout|press release|statement|transcript|white paper)\b",
        r"\b(please|you may) refer to (my|our|the) (earlier |previous )?(answer|reply|response|release|statement)\b",
    ],
    # promises information later
    "follow": [
        r"\bfollow (our|the|up on) (updates|release|news|that)\b",
        r"\b(keep|please keep) (following|an eye)\b",
        r"\bstay tuned\b",
        r"\brelease (relevant |the relevant |more |further )?(information|details|updates?)\b",
        r"\b(in a timely manner|in due course|at an appropriate time|when we have it|if we have further)\b",
        r"\bkeep you (updated|posted|informed)\b",
        r"\bplease be patient\b",
        r"\b(we'?ll|we will|i'?ll|i will) (get you|follow up|have more|let you know|keep you posted)\b",
        r"\btake (that|the) question\b",
        r"\bwait and see\b",
    ],
    # says there is nothing to give, or will not comment
    "decline": [
        r"\bno (further |more |specific |relevant )?information to (offer|release|share|provide)\b",
        r"\bnothing (further |more |new )?(to (update|add|share|offer)|at hand)\b",
        r"\b(no|not make any|won'?t|will not|not going to|cannot make any|can'?t) comments?\b",
        r"\bnot (going|in a position) to (comment|disclose|elaborate|talk)\b",
        r"\b(cannot|can'?t|won'?t|will not) (talk about|discuss|disclose|respond|elaborate)\b",
        r"\bhypothetical\b",
        r"\b(internal|domestic) affairs? of\b",
        r"\bnot a diplomatic (matter|question|issue)\b",
        r"\bnot going to elaborate\b",
        # White House formulas (v2.0, read off White House train exchanges)
        r"\bi (don'?t|do not) have (an? |any )?(update|updates|announcements?|read-?out|more to share|anything (more"
        r"|further|new) (to|for)|a specific|specific)\b",
        r"\bno (personnel |scheduling )?(announcements?|updates?) to (make|share|offer)\b",
        r"\b(can'?t|cannot|won'?t|will not|not going to|don'?t want to) (speculate|preview|prejudge|characteri[sz]e"
        r"|get ahead of|put a (date|timeline|number) on|go beyond|get into)\b",
        r"\bnot (able|in a position) to (confirm|comment|discuss|talk|say|get into|characteri[sz]e)\b",
        r"\bi'?m not (talking|going to talk) about\b",
    ],
    # points back to what was said before
    "answered": [
        r"\b(i|we) (have |had )?(already |just )?"
        r"(answered|responded to|took|taken|stated|made clear|expounded|talked about|elaborated)\b",
        r"\b(like|as) (i|we) (just |have )?(said|stated|mentioned|noted)\b",
        r"\bmy colleague (has |have )?(answered|stated|responded)\b",
        r"\bhas (already )?responded\b",
        r"\bmade (my|our|china'?s|the chinese government'?s) (answer|position) (very )?clear\b",
    ],
    # the standing position, stated instead of an answer
    "position": [
        r"\bposition (on [^.]{0,80})?(is|remains|has been) (consistent|clear|firm|very clear|clear-cut|unchanged)",
        r"\bconsistent and clear\b",
        r"\b(china'?s|our) (position|stance) [^.]{0,40}(consistent|clear)\b",
        r"\bclear about (china'?s|our) position\b",
    ],
    # generic wishes that fit any question
    "general": [
        r"\bwe hope (that )?(the )?(relevant|all) (parties|sides|countries)\b",
        r"\b(relevant|all) parties\b",
        r"\bdialogue and (consultation|negotiation)\b",
        r"\bpeace and stability\b",
        r"\bmutual respect\b",
        r"\bwin-win\b",
        r"\bin (close )?(communication|contact)\b",
        r"\bstand(s)? ready to\b",
        r"\bmaintain(s)? (normal|close|friendly) (exchanges|communication|contact)\b",
    ],
    # turns to another party's failings
    "deflect": [
        r"\b(the us|the united states|washington|certain (country|countries|people|politicians)"
        r"|some (people|politicians))"
        r" (should|needs? to|had better|must) (first|explain|give|look|put|stop|reflect|focus)",
        r"\bits own (house|cyber|problems|affairs)\b",
        r"\bdouble standards?\b",
        r"\bprism\b",
        r"\bpoint(ing)? fingers?\b",
        r"\bwhat (do|does) (you|they) (really )?want\b",
        r"\bi wonder (if|whether|what|why)\b",
    ],
    # a direct yes / no / confirmation
    "direct": [
        r"^(yes|no|right|correct)\b",
        r"\bi can (confirm|tell you (clearly|unequivocally))\b",
        r"\b(groundless|baseless|not true|untrue|no truth|not accurate|fabricat\w+|nothing to do with)\b",
        r"\bat the invitation of\b",
        r"\bwill (pay|visit|attend|hold|meet|travel|deliver|sign)\b",
    ],
}

_ZH_CUES: dict[str, list[str]] = {
    "ignorance": [
        "我不了解",
        "不了解有关情况",
        "不了解你说的",
        "没有听说",
        "我没有看到",
        "不掌握",
        "不了解",
        "不清楚",
        "需要核实",
        "我需要了解",
        "了解一下",
    ],
    "refer": ["主管部门", "有关部门询问", "请向", "建议你向", "请你向", "你可以问", "你应该去问", "去问"],
    "follow": ["请保持关注", "保持关注", "适时发布", "及时发布", "会及时", "请你关注", "敬请关注"],
    "decline": [
        "没有可以提供的信息",
        "没有可以发布的信息",
        "没有进一步的信息",
        "不予评论",
        "不作评论",
        "不回答假设性",
        "内部事务",
        "不是外交问题",
    ],
    "answered": ["我已经回答", "已经回答", "已经表明", "刚才已经", "我刚才已经", "已经阐明", "已多次"],
    "position": ["立场是一贯的", "一贯的、明确的", "立场是明确的", "一贯和明确", "立场没有变化"],
    "general": ["希望有关各方", "有关各方", "对话协商", "和平稳定", "相互尊重", "互利共赢"],
    "deflect": ["美方应", "美方应该", "美国应当", "双重标准", "某些国家", "个别国家", "先管好自己"],
    "direct": ["是的", "确认", "纯属捏造", "毫无根据", "不实", "将于"],
}

_CLARIFY_EN = Folded(
    r"^(what do you mean|are you (referring|talking|asking)|do you mean|which|who (said|did|told)|when was|where did|"
    r"is (this|that) your|could you (repeat|clarify|be more specific)|what (exactly|kind)|please raise one|"
    r"in what way|why do you think)"
)
_CLARIFY_ZH = ("你是说", "你指的是", "你是指", "请你再说", "你问的是", "哪个", "谁说")

#: the cue groups, in the order the model's features list them
CUE_GROUPS = tuple(_EN_CUES)
_EN_RX = {g: Folded("|".join(f"(?:{p})" for p in pats)) for g, pats in _EN_CUES.items()}
#: the groups that mark a non-reply
NON_REPLY_GROUPS = ("ignorance", "refer", "follow", "decline", "answered")



def norm(text: str) -> str:
    """Curly quotes made straight, as the cue patterns and the n-grams expect them."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_SPACE = re.compile(r"\s+")
# in Chinese text a space carries meaning only between two Latin letters or digits ("Donald Trump", "5 G")
_ZH_GAP = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")


# cached: the model's two stages, the cue rules and the evidence all canonicalise the same texts
@functools.lru_cache(maxsize=4096)
def canonical(text: str, lang: str = "en") -> str:
    """The text as the classifier reads it: every run of whitespace (paragraph breaks included) one space, and in
    Chinese none except between two Latin letters or digits. Layout carries no meaning here: an answer printed as
    one paragraph or as one paragraph per sentence is the same answer, and gets the same label."""
    out = _SPACE.sub(" ", text).strip()
    return _ZH_GAP.sub("", out) if lang == "zh" else out


#: The answer's sentences, in order: podium's one splitter (a line break always ends a sentence; "Mr. Wang" and
#: "U.S. President" stay whole; English and Chinese alike).
sentences = split_sentences


# 4096: a briefing's answers many times over (the pass classifies one briefing at a time)
@functools.lru_cache(maxsize=4096)
def _split(answer: str) -> tuple[str, ...]:
    return tuple(split_sentences(answer))


def answer_sentences(answer: str) -> list[str]:
    """``sentences`` of an answer, split once: the features, the cue rules and the evidence all read the same
    answer's sentences."""
    return list(_split(answer))


# 65536: a training set's sentences (~20,000 in English) all fit; fewer thrash while fitting
@functools.lru_cache(maxsize=65536)
def _cues_en(sentence: str) -> frozenset[str]:
    # cached: the features, the cue rules and the evidence all look at the same sentences
    s = norm(sentence)
    return frozenset(g for g, rx in _EN_RX.items() if rx.search(s))


@functools.lru_cache(maxsize=65536)
def _cues_zh(sentence: str) -> frozenset[str]:
    return frozenset(g for g, subs in _ZH_CUES.items() if any(x in sentence for x in subs))


def cues_of(sentence: str, lang: str = "en") -> frozenset[str]:
    """The cue groups found in one sentence."""
    return _cues_zh(sentence) if lang == "zh" else _cues_en(sentence)


def is_clarification(answer: str, lang: str) -> bool:
    """A short answer that is itself a question back to the journalist."""
    a = answer.strip()
    if lang == "zh":
        return len(a) < 60 and (a.endswith(("？", "?")) or any(a.startswith(x) for x in _CLARIFY_ZH))
    if len(a) > 260:
        return False
    return a.endswith("?") or bool(_CLARIFY_EN.match(norm(a)))


def cue_classify(question: str, answer: str, lang: str = "en") -> tuple[str, str, float, str | None]:
    """(clarity, fine label, confidence, evidence) from cue phrases alone, in a fixed order of precedence.

    The order mirrors the annotation guide: a counter-question is Clarification; a professed lack of knowledge
    early in the answer is Claims ignorance; a referral, a promise of later information, a refusal or a pointer
    to an earlier answer is Declining to answer; a short answer made of the standing position is General;
    otherwise Explicit.
    """
    answer = canonical(answer, lang)
    sents = answer_sentences(answer) or [answer]
    if is_clarification(answer, lang):
        return "Clear Non-Reply", "Clarification", 0.7, sents[0]
    per = [cues_of(s, lang) for s in sents]
    head = per[:2]
    for i, found in enumerate(head):
        if "ignorance" in found:
            return "Clear Non-Reply", "Claims ignorance", 0.75, sents[i]
    for i, found in enumerate(per[:3]):
        if found & {"refer", "follow", "decline", "answered"}:
            return "Clear Non-Reply", "Declining to answer", 0.65, sents[i]
    # an answer made mostly of the standing position (the share of its sentences, not its length)
    formulaic = sum(1 for found in per if found & {"position", "general"}) / len(per) >= 0.34
    for i, found in enumerate(per):
        if "deflect" in found and "direct" not in set().union(*per):
            return "Ambivalent", "Deflection", 0.45, sents[i]
    for i, found in enumerate(per):
        if formulaic and found & {"position", "general"}:
            return "Ambivalent", "General", 0.45, sents[i]
    return "Clear Reply", "Explicit", 0.5, sents[0] if sents else None


#: the cue groups that support each fine label, for its evidence
_SUPPORT = {
    "Claims ignorance": ("ignorance",),
    "Declining to answer": ("refer", "follow", "decline", "answered"),
    "General": ("position", "general"),
    "Deflection": ("deflect",),
    "Explicit": ("direct",),
}


def cue_evidence(answer: str, fine: str, lang: str) -> tuple[list[str], str | None]:
    """The answer's sentences (``podium.text``'s: an evidence sentence is never cut at "Mr." or "U.S.") and, when
    one carries a cue for ``fine``, that sentence."""
    sents = answer_sentences(answer)
    if not sents:
        return sents, None
    if fine == "Clarification":
        return sents, next((s for s in sents if s.rstrip().endswith(("?", "？"))), sents[0])
    groups = set(_SUPPORT.get(fine, ()))
    for s in sents:
        if cues_of(s, lang) & groups:
            return sents, s
    if len(sents) == 1:
        return sents, sents[0]
    return sents, None

