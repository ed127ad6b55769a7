"""The hand-made features of an exchange that the trained model reads beside its n-grams: where the cues sit, how
much of the question the answer takes up, what kind of question was asked, what the cue rules alone would say,
and (English) the features aimed at the weak Ambivalent labels.

No feature counts length, sentences or paragraphs: they reward layout and verbosity, not clarity (v2.0); shares
are of sentences or of the question's words.
"""

from __future__ import annotations

import functools
import re

from ...model import FINE_LABELS
from .cues import CUE_GROUPS, NON_REPLY_GROUPS, Folded, answer_sentences, cue_classify, cues_of, is_clarification, norm

__all__ = ["dense_features", "dense_features_zh", "exchange_features", "extra_features"]

_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset(
    "the a an and or of to in on for with at by from as is are was were be been this that these those it its do does "
    "did have has had will would can could should may might you your we our i me my he she they them their what "
    "which who whom when where why how any some about into over after before than then there here not no yes also "
    "just more most such very so if but whether said says say comment comments china chinese side question "
    "report reports reported according".split()
)

_Q_CONFIRM = Folded(r"\b(confirm|is (it|that|this) true|can you verify)\b")
_Q_COMMENT = Folded(
    r"\b(comment|response|respond|reaction|react|view|think of|take on|position|make of|your opinion|what does china"
    r" think)\b")
_Q_YESNO = Folded(r"(^|[.?]\s+)(will|did|does|do|is|are|has|have|was|were|can|could|would)\s")
_Q_SEVERAL = Folded(r"\b(first|second)(ly)?\b|two questions|another question")
_Q_DETAIL = Folded(r"\b(when|where|who|which|how many|how much|details|more information|specific|why)\b")


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(norm(text).lower()) if w not in _STOP and len(w) > 2}


def _names(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Z][a-zA-Z-]{2,}\b", text)) - {"The", "What", "China", "Chinese", "Do", "Does", "Can"}


def _cue_features(per: list[frozenset[str]]) -> list[float]:
    """Where the cues sit: for each group, in the first sentence, in the first two, anywhere; then the share of
    sentences carrying a non-reply cue."""
    first, head, anywhere = per[0], set().union(*per[:2]), set().union(*per)
    feats: list[float] = []
    for g in CUE_GROUPS:
        feats.extend((1.0 if g in first else 0.0, 1.0 if g in head else 0.0, 1.0 if g in anywhere else 0.0))
    feats.append(sum(1 for p in per if p & set(NON_REPLY_GROUPS)) / len(per))
    return feats


def _rule_features(question: str, answer: str, lang: str) -> list[float]:
    """What the cue rules alone would say, one-hot over the fine labels: the model learns how far to trust each."""
    rule = cue_classify(question, answer, lang)[1]
    return [1.0 if rule == f else 0.0 for f in FINE_LABELS]


def _question_kind(question: str) -> list[float]:
    """What kind of question was asked: confirm, comment, yes/no, details; how many question marks; several asks."""
    q = norm(question)
    return [
        1.0 if _Q_CONFIRM.search(q) else 0.0,
        1.0 if _Q_COMMENT.search(q) else 0.0,
        1.0 if _Q_YESNO.search(q) else 0.0,
        1.0 if _Q_DETAIL.search(q) else 0.0,
        min(4, q.count("?")) / 4,
        1.0 if _Q_SEVERAL.search(q) else 0.0,
    ]


def dense_features(question: str, answer: str) -> list[float]:
    """Hand-made features of one English exchange: cue positions, whether it is a counter-question, how much of
    the question's words and names the answer and its opening take up, the kind of question, the share of digits,
    the cue rules' verdict."""
    sents = answer_sentences(answer) or [answer]
    feats = _cue_features([cues_of(s) for s in sents])
    feats.append(1.0 if is_clarification(answer, "en") else 0.0)
    qw, aw = _content_words(question), _content_words(answer)
    feats.append(len(qw & aw) / max(1, len(qw)))  # share of the question's words the answer takes up
    qn, an = _names(question), _names(answer)
    feats.append(len(qn & an) / max(1, len(qn)))
    feats.append(len(_content_words(sents[0]) & qw) / max(1, len(qw)))
    feats.extend(_question_kind(question))
    # no length, sentence or paragraph counts: they reward layout and verbosity, not clarity (v2.0)
    feats.append(len(re.findall(r"\d", answer)) / max(1, len(answer)) * 20)
    feats.extend(_rule_features(question, answer, "en"))
    return feats


_HAN_RUN = re.compile("[\u4e00-\u9fff]{2,}")


def _zh_chars(text: str) -> set[str]:
    """The text's bigrams of two Chinese characters."""
    return {run[i : i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)}


def _question_kind_zh(question: str) -> list[float]:
    """What kind of Chinese question was asked: confirm, comment, details; how many question marks."""
    return [
        1.0 if any(x in question for x in ("证实", "确认", "是否属实", "是否")) else 0.0,
        1.0 if any(x in question for x in ("评论", "回应", "看法", "怎么看", "立场")) else 0.0,
        1.0 if any(x in question for x in ("何时", "什么时候", "哪些", "多少", "具体", "为什么")) else 0.0,
        min(4, question.count("？") + question.count("?")) / 4,
    ]


def dense_features_zh(question: str, answer: str) -> list[float]:
    """Hand-made features of one Chinese exchange: cue positions, the cue rules' verdict, how much of the
    question's wording (character bigrams) the answer and its opening take up, the kind of question."""
    sents = answer_sentences(answer) or [answer]
    feats = _cue_features([cues_of(s, "zh") for s in sents])
    feats.append(1.0 if is_clarification(answer, "zh") else 0.0)
    qb = _zh_chars(question)
    feats.append(len(qb & _zh_chars(answer)) / max(1, len(qb)))
    feats.append(len(qb & _zh_chars(sents[0])) / max(1, len(qb)))
    feats.extend(_question_kind_zh(question))
    feats.extend(_rule_features(question, answer, "zh"))
    return feats


# Who the answer talks about, for Deflection: the question asks about China and the answer turns to another actor.
_OTHER_ACTOR = Folded(
    r"\b(the us|the u\.s\.|the united states|us side|washington|american politicians|us politicians|us officials"
    r"|certain (countries|country|politicians|people|media|individuals|forces)"
    r"|some (politicians|people|countries|media)"
    r"|the uk|british side|canada|canadian side|australia|australian side|japan|india|the west|western)\b"
)
_CHINA_TARGET = Folded(r"\b(china|chinese|beijing|xinjiang|tibet|hong kong|wuhan|huawei|the ministry)\b")
_COUNTER = Folded(
    r"\b(should first|first (look|reflect)|look at (its|their|your) own|its own (house|problems|record|cyber|affairs)"
    r"|their own|double standards?|smear\w*|so-called|thief|stop (pointing|finger)|reflect (on|upon) (itself|its)"
    r"|ulterior motives?|political (manipulation|motives?)|hyp(e|ing)|fabricat\w+|lies\b|rumou?rs?|stigmati\w+"
    r"|interfer\w+ in china'?s internal)"
)
_TO_JOURNALIST = Folded(
    r"\b(your question|you (should|may|might) (ask|first)|i wonder|don'?t you (think|agree)|"
    r"what (do|does) (you|they) (really )?want|why (don'?t|not) you)\b"
)
_FORMULA = Folded(
    r"\b(consistent|we always|china always|all along|has always|firmly (committed|supports?)|stands? ready"
    r"|we hope|it is our hope|mutual (respect|benefit|trust)|win-win|dialogue and consultation|in close (communication|"
    r"contact)|peace and stability|properly (handle|resolve)|principled position|positive and constructive)\b"
)
_PART_MARK = Folded(
    r"\b(on|regarding|as (to|for)) (your|the) (first|second|third|last|other)( question| part)?\b")
_RHETORICAL = re.compile(r"\?\s*$|\? ", re.M)


def _subquestions(question: str) -> list[str]:
    """The separate asks of a question turn: its interrogative sentences."""
    parts = [p.strip() for p in re.split(r"(?<=\?)\s+|\b(?:first|second|secondly|firstly)[,:]", question, flags=re.I)]
    return [p for p in parts if p.endswith("?") and len(p) > 8] or [question]


def _other_actor_features(q: str, a: str, sents: list[str]) -> list[float]:
    """Deflection: the answer turns to another actor, accuses, or talks to the journalist."""
    head = " ".join(sents[:2])
    n = max(1, len(sents))
    other_head = len(_OTHER_ACTOR.findall(head))
    brought_in = bool(_CHINA_TARGET.search(q)) and not _OTHER_ACTOR.search(q) and other_head
    return [
        min(other_head, 3) / 3,
        min(len(_OTHER_ACTOR.findall(a)) / n, 2) / 2,
        # the answer brings in an actor the question did not
        1.0 if brought_in else 0.0,
        min(len(_COUNTER.findall(a)) / n, 1.0),
        1.0 if _COUNTER.search(head) else 0.0,
        1.0 if _TO_JOURNALIST.search(a) else 0.0,
    ]


def _formula_features(a: str, sents: list[str]) -> list[float]:
    """General: how much of the answer, and whether its opening, is standing formula."""
    n = max(1, len(sents))
    return [min(len(_FORMULA.findall(a)) / n, 1.5) / 1.5, 1.0 if _FORMULA.search(sents[0]) else 0.0]


def _specifics_taken_up(question: str, answer: str) -> float:
    """The share of the question's specifics (names, numbers) the answer takes up (0.5 when it names none)."""
    qn = _names(question) | set(re.findall(r"\d+", question))
    an = _names(answer) | set(re.findall(r"\d+", answer))
    return len(qn & an) / max(1, len(qn)) if qn else 0.5


def _asks_covered(question: str, a: str) -> list[float]:
    """Partial: how many asks the question makes, the least and the spread of the share of each ask's content
    words that the answer takes up, and whether the answer marks its parts ("on your second question")."""
    subs = _subquestions(question)
    aw = _content_words(a)
    cover = []
    for sq in subs:
        w = _content_words(sq)
        cover.append(len(w & aw) / max(1, len(w)))
    return [
        min(len(subs), 4) / 4,
        min(cover) if cover else 0.0,
        (max(cover) - min(cover)) if cover else 0.0,
        1.0 if _PART_MARK.search(a) else 0.0,
    ]


def _mixed_sentences(a: str, sents: list[str]) -> list[float]:
    """Sentences treated differently (some carry a non-reply formula, others do not: sentences, not paragraphs,
    so the same answer laid out in other paragraphs keeps its features), and questions inside the answer."""
    flagged = [bool(cues_of(x) & set(NON_REPLY_GROUPS)) for x in sents]
    return [
        1.0 if len(flagged) > 1 and any(flagged) and not all(flagged) else 0.0,
        1.0 if any(flagged[1:]) else 0.0,
        # questions inside the answer (rhetorical or aimed at the journalist), not as a whole answer
        min(len(_RHETORICAL.findall(a)), 3) / 3,
    ]


def extra_features(question: str, answer: str) -> list[float]:
    """Features aimed at the weak Ambivalent labels: who the answer is about (Deflection), how formulaic it is
    and how much of the question's specifics it takes up (General), how many asks it covers (Partial), and
    answer-side questions (Implicit, Deflection)."""
    a, q = norm(answer), norm(question)
    sents = answer_sentences(a) or [a]
    return [
        *_other_actor_features(q, a, sents),
        *_formula_features(a, sents),
        _specifics_taken_up(question, answer),
        *_asks_covered(question, a),
        *_mixed_sentences(a, sents),
    ]


# 8192: more than a training set holds, so fitting (scaler, then the matrix) computes each exchange once
@functools.lru_cache(maxsize=8192)
def exchange_features(question: str, answer: str, lang: str, extra: bool) -> tuple[float, ...]:
    """Every hand-made feature of one (canonical) exchange in ``lang``, with ``extra_features`` when ``extra``
    (English only)."""
    # cached: both stages of the model score the same exchange
    if lang == "zh":
        return tuple(dense_features_zh(question, answer))
    feats = dense_features(question, answer)
    return tuple(feats + extra_features(question, answer) if extra else feats)
