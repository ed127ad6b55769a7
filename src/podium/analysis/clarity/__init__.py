"""Answer clarity and evasion: each exchange labelled with the QEvasion / SemEval-2026 CLARITY taxonomy.

Three classes and nine fine labels (Thomas et al. 2024)::

    Clear Reply      Explicit
    Ambivalent       Implicit, Dodging, Deflection, Partial, General
    Clear Non-Reply  Declining to answer, Claims ignorance, Clarification

How labels are decided is written down in ``docs/annotation-guide.md``. The hand labels are in ``data/clarity/``
(``LABEL_FILES``): English (``labels.jsonl``, ``labels_en_r3*.jsonl``: China MFA; ``labels_wh.jsonl``: White
House) and Chinese (``labels_zh*.jsonl``), each row with a fixed ``split`` (``train`` or ``test``, a seeded hash of
the briefing, so no briefing is in both); ``labels_en_second.jsonl`` is a second, independent labelling of English
test exchanges that gives the agreement between people (``agreement()``), the ceiling for any model.

Meaning, not layout: every text is read in its canonical form (``canonical``: whitespace runs, paragraph breaks
included, become one space), and no feature counts length, sentences or paragraphs, so an answer printed as one
paragraph or one paragraph per sentence gets the same label (v2.0; v1.1 moved two thirds of its test answers to
Clear Reply when their paragraph breaks were restored).

Method (one model per language, chosen by grouped cross-validation on the train split; ``benchmarks/
compare_clarity.py`` compares it with sentence embeddings on the same split): a logistic regression over TF-IDF
n-grams of the answer (English: words and character n-grams of the opening; Chinese: character n-grams) plus
curated cue features (non-reply formulas such as "I'm not aware", "I'd refer you to the competent authorities",
"follow our updates", 我不了解, 请向主管部门询问; standing-position formulas; counter-questions), question-answer
overlap and the kind of question asked (confirm / yes-no / comment). It has two stages: that model gives the 3-way
class (the class with the most probability mass), and a second, more strongly regularised model of the same kind,
trained on the Ambivalent answers only (English: given also ``extra_features``: another actor brought in by the
answer, counter-accusation cues, formula density, how many of the question's asks the answer takes up), splits the
Ambivalent mass among Implicit, Dodging, Deflection, Partial and General. Training is seeded and deterministic.

The pass uses the models trained on every label; their fitted parameters are shipped as plain arrays (no pickle)
in ``data/clarity/model.npz`` (English) and ``model_zh.npz`` (Chinese): vocabularies, document frequencies (the idf
is recomputed from them), the scaler's ``scale_`` and the logistic regressions' weights, with a fingerprint (sha256
of the language's label files, its settings and ``VERSION``). At first use a model is rebuilt from them when the
fingerprint matches (about a second), otherwise it is trained from the labels (several seconds, logged as a
warning). After relabelling or changing the settings, regenerate the files with ``python -m podium.analysis.clarity
--export-model`` (``export_all()``), which also writes ``test_predictions.json``: the held-out test split's gold and
predicted classes (model trained on the train split), the confusion that ``calibration.adjusted_shares`` undoes in
corrected shares; a test fails until then. ``evaluate()`` trains on the ``train`` split only, at run time, and scores
the ``test`` split, with the calibration of the 3-class probabilities (``calibration.reliability``).

The evidence of each annotation is the answer sentence that decided it: the first sentence carrying a cue for the
predicted class, else the sentence the model scores highest for the predicted label.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import AnalysisError
from ...model import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY, Annotation, Briefing
from ...text import sentences as split_sentences

__all__ = [
    "CLARITY_LABELS",
    "FINE_LABELS",
    "FINE_TO_CLARITY",
    "ClarityPass",
    "ClarityResult",
    "classify",
    "classify_exchanges",
    "cue_classify",
    "evaluate",
    "format_report",
    "load_labels",
    "split_of",
]

VERSION = "2.0"
DATA = Path(__file__).resolve().parents[2] / "data" / "clarity"
LABELS = DATA / "labels.jsonl"
SEED_LABELS = DATA / "labels_seed.jsonl"
ZH_LABELS = DATA / "labels_zh.jsonl"
#: every file of hand labels a model is trained and tested on, by the language of its answers; ``labels.jsonl``
#: (English MFA, rounds 1-5) comes first and wins when another file labels the same exchange again
LABEL_FILES: dict[str, tuple[str, ...]] = {
    "en": ("labels.jsonl", "labels_en_r3.jsonl", "labels_en_r3_targeted.jsonl", "labels_wh.jsonl"),
    "zh": ("labels_zh.jsonl", "labels_zh_r2.jsonl"),
}
#: an independent second labelling of English MFA test exchanges (same ids): the agreement between people
SECOND_LABELS = DATA / "labels_en_second.jsonl"

# Regularisation, n-gram and stage choices were picked by 5-fold grouped cross-validation on the train split
# (benchmarks/eval_clarity.py --cv reproduces the comparison); the test split played no part. At v1.1 (640 train
# rows) the extra features, a stacked second stage and a dense-only Ambivalent model did not beat this in CV.
_C = 8.0
_SEED = 20240613


# ---------------------------------------------------------------------------------------------------------------
# Cue phrases. Each group is a list of regular expressions (English) and plain substrings (Chinese). Groups are
# features for the model and the whole of the Chinese fallback and of the cue-only baseline.
# ---------------------------------------------------------------------------------------------------------------

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

_CLARIFY_EN = re.compile(
    r"^(what do you mean|are you (referring|talking|asking)|do you mean|which|who (said|did|told)|when was|where did|"
    r"is (this|that) your|could you (repeat|clarify|be more specific)|what (exactly|kind)|please raise one|"
    r"in what way|why do you think)",
    re.I,
)
_CLARIFY_ZH = ("你是说", "你指的是", "你是指", "请你再说", "你问的是", "哪个", "谁说")

_GROUPS = tuple(_EN_CUES)
_EN_RX = {g: re.compile("|".join(f"(?:{p})" for p in pats), re.I) for g, pats in _EN_CUES.items()}
_NON_REPLY_GROUPS = ("ignorance", "refer", "follow", "decline", "answered")

_SENT_EN = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(‘]?[A-Z0-9])|\n+")
_SENT_ZH = re.compile(r"(?<=[。！？])|\n+")
_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset(
    "the a an and or of to in on for with at by from as is are was were be been this that these those it its do does "
    "did have has had will would can could should may might you your we our i me my he she they them their what "
    "which who whom when where why how any some about into over after before than then there here not no yes also "
    "just more most such very so if but whether said says say comment comments china chinese side question "
    "report reports reported according".split()
)


def _norm(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_SPACE = re.compile(r"\s+")
# in Chinese text a space carries meaning only between two Latin letters or digits ("Donald Trump", "5 G")
_ZH_GAP = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")


def canonical(text: str, lang: str = "en") -> str:
    """The text as the classifier reads it: every run of whitespace (paragraph breaks included) one space, and in
    Chinese none except between two Latin letters or digits. Layout carries no meaning here: an answer printed as
    one paragraph or as one paragraph per sentence is the same answer, and gets the same label."""
    out = _SPACE.sub(" ", text).strip()
    return _ZH_GAP.sub("", out) if lang == "zh" else out


# the segmentation the shipped models' features were trained with (podium.text's splitter, which keeps "Mr. Wang"
# and "U.S. President" whole, splits 221 of 2,816 English labelled answers otherwise: retrain and re-export first)
def sentences(text: str, lang: str = "en") -> list[str]:
    """The answer's sentences, in order (paragraph breaks always end a sentence)."""
    rx = _SENT_ZH if lang == "zh" else _SENT_EN
    return [s.strip() for s in rx.split(text) if s and s.strip()]


@functools.lru_cache(maxsize=4096)
def _cues_en(sentence: str) -> frozenset[str]:
    # cached: the features, the cue rules and the evidence all look at the same sentences
    s = _norm(sentence)
    return frozenset(g for g, rx in _EN_RX.items() if rx.search(s))


def _cues_zh(sentence: str) -> frozenset[str]:
    return frozenset(g for g, subs in _ZH_CUES.items() if any(x in sentence for x in subs))


def _is_clarification(answer: str, lang: str) -> bool:
    """A short answer that is itself a question back to the journalist."""
    a = answer.strip()
    if lang == "zh":
        return len(a) < 60 and (a.endswith(("？", "?")) or any(a.startswith(x) for x in _CLARIFY_ZH))
    if len(a) > 260:
        return False
    return a.endswith("?") or bool(_CLARIFY_EN.match(_norm(a)))


# ---------------------------------------------------------------------------------------------------------------
# Cue-only classifier: the Chinese fallback and the baseline the model must beat.
# ---------------------------------------------------------------------------------------------------------------


def cue_classify(question: str, answer: str, lang: str = "en") -> tuple[str, str, float, str | None]:
    """(clarity, fine label, confidence, evidence) from cue phrases alone, in a fixed order of precedence.

    The order mirrors the annotation guide: a counter-question is Clarification; a professed lack of knowledge
    early in the answer is Claims ignorance; a referral, a promise of later information, a refusal or a pointer
    to an earlier answer is Declining to answer; a short answer made of the standing position is General;
    otherwise Explicit.
    """
    answer = canonical(answer, lang)
    sents = sentences(answer, lang) or [answer]
    cues = _cues_zh if lang == "zh" else _cues_en
    if _is_clarification(answer, lang):
        return "Clear Non-Reply", "Clarification", 0.7, sents[0]
    per = [cues(s) for s in sents]
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


# ---------------------------------------------------------------------------------------------------------------
# Features for the trained model.
# ---------------------------------------------------------------------------------------------------------------

_Q_CONFIRM = re.compile(r"\b(confirm|is (it|that|this) true|can you verify)\b", re.I)
_Q_COMMENT = re.compile(
    r"\b(comment|response|respond|reaction|react|view|think of|take on|position|make of|your opinion|what does china"
    r" think)\b",
    re.I,
)
_Q_YESNO = re.compile(r"(^|[.?]\s+)(will|did|does|do|is|are|has|have|was|were|can|could|would)\s", re.I)
_Q_DETAIL = re.compile(r"\b(when|where|who|which|how many|how much|details|more information|specific|why)\b", re.I)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(_norm(text).lower()) if w not in _STOP and len(w) > 2}


def _names(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Z][a-zA-Z-]{2,}\b", text)) - {"The", "What", "China", "Chinese", "Do", "Does", "Can"}


def dense_features(question: str, answer: str) -> list[float]:
    """Hand-made features of one exchange: cue positions, overlap, question kind, lengths."""
    sents = sentences(answer) or [answer]
    per = [_cues_en(s) for s in sents]
    first = per[0] if per else set()
    head = set().union(*per[:2]) if per else set()
    anywhere = set().union(*per) if per else set()
    feats: list[float] = []
    for g in _GROUPS:
        feats.append(1.0 if g in first else 0.0)
        feats.append(1.0 if g in head else 0.0)
        feats.append(1.0 if g in anywhere else 0.0)
    n_cue_sents = sum(1 for p in per if p & set(_NON_REPLY_GROUPS))
    feats.append(n_cue_sents / max(1, len(sents)))
    feats.append(1.0 if _is_clarification(answer, "en") else 0.0)
    qw, aw = _content_words(question), _content_words(answer)
    feats.append(len(qw & aw) / max(1, len(qw)))  # share of the question's words the answer takes up
    qn, an = _names(question), _names(answer)
    feats.append(len(qn & an) / max(1, len(qn)))
    feats.append(len(_content_words(sents[0]) & qw) / max(1, len(qw)))
    q = _norm(question)
    feats.append(1.0 if _Q_CONFIRM.search(q) else 0.0)
    feats.append(1.0 if _Q_COMMENT.search(q) else 0.0)
    feats.append(1.0 if _Q_YESNO.search(q) else 0.0)
    feats.append(1.0 if _Q_DETAIL.search(q) else 0.0)
    feats.append(min(4, q.count("?")) / 4)
    feats.append(1.0 if re.search(r"\b(first|second)(ly)?\b|two questions|another question", q, re.I) else 0.0)
    # no length, sentence or paragraph counts: they reward layout and verbosity, not clarity (v2.0)
    feats.append(len(re.findall(r"\d", answer)) / max(1, len(answer)) * 20)
    # what the cue rules alone would say: the model learns how far to trust each rule
    rule = cue_classify(question, answer)[1]
    feats.extend(1.0 if rule == f else 0.0 for f in FINE_LABELS)
    return feats


def _zh_chars(text: str) -> set[str]:
    han = [("\u4e00" <= ch <= "\u9fff") for ch in text]
    return {text[i : i + 2] for i in range(len(text) - 1) if han[i] and han[i + 1]}


def dense_features_zh(question: str, answer: str) -> list[float]:
    """Hand-made features of one Chinese exchange: cue positions, the cue rules' verdict, how much of the
    question's wording (character bigrams) the answer and its opening take up, the kind of question."""
    sents = sentences(answer, "zh") or [answer]
    per = [_cues_zh(s) for s in sents]
    first, head, anywhere = per[0], set().union(*per[:2]), set().union(*per)
    feats: list[float] = []
    for g in _GROUPS:
        feats.extend((1.0 if g in first else 0.0, 1.0 if g in head else 0.0, 1.0 if g in anywhere else 0.0))
    feats.append(sum(1 for p in per if p & set(_NON_REPLY_GROUPS)) / len(per))
    feats.append(1.0 if _is_clarification(answer, "zh") else 0.0)
    qb = _zh_chars(question)
    feats.append(len(qb & _zh_chars(answer)) / max(1, len(qb)))
    feats.append(len(qb & _zh_chars(sents[0])) / max(1, len(qb)))
    feats.append(1.0 if any(x in question for x in ("证实", "确认", "是否属实", "是否")) else 0.0)
    feats.append(1.0 if any(x in question for x in ("评论", "回应", "看法", "怎么看", "立场")) else 0.0)
    feats.append(1.0 if any(x in question for x in ("何时", "什么时候", "哪些", "多少", "具体", "为什么")) else 0.0)
    feats.append(min(4, question.count("？") + question.count("?")) / 4)
    rule = cue_classify(question, answer, "zh")[1]
    feats.extend(1.0 if rule == f else 0.0 for f in FINE_LABELS)
    return feats


# Who the answer talks about, for Deflection: the question asks about China and the answer turns to another actor.
_OTHER_ACTOR = re.compile(
    r"\b(the us|the u\.s\.|the united states|us side|washington|american politicians|us politicians|us officials"
    r"|certain (countries|country|politicians|people|media|individuals|forces)"
    r"|some (politicians|people|countries|media)"
    r"|the uk|british side|canada|canadian side|australia|australian side|japan|india|the west|western)\b",
    re.I,
)
_CHINA_TARGET = re.compile(r"\b(china|chinese|beijing|xinjiang|tibet|hong kong|wuhan|huawei|the ministry)\b", re.I)
_COUNTER = re.compile(
    r"\b(should first|first (look|reflect)|look at (its|their|your) own|its own (house|problems|record|cyber|affairs)"
    r"|their own|double standards?|smear\w*|so-called|thief|stop (pointing|finger)|reflect (on|upon) (itself|its)"
    r"|ulterior motives?|political (manipulation|motives?)|hyp(e|ing)|fabricat\w+|lies\b|rumou?rs?|stigmati\w+"
    r"|interfer\w+ in china'?s internal)",
    re.I,
)
_TO_JOURNALIST = re.compile(
    r"\b(your question|you (should|may|might) (ask|first)|i wonder|don'?t you (think|agree)|"
    r"what (do|does) (you|they) (really )?want|why (don'?t|not) you)\b",
    re.I,
)
_FORMULA = re.compile(
    r"\b(consistent|we always|china always|all along|has always|firmly (committed|supports?)|stands? ready"
    r"|we hope|it is our hope|mutual (respect|benefit|trust)|win-win|dialogue and consultation|in close (communication|"
    r"contact)|peace and stability|properly (handle|resolve)|principled position|positive and constructive)\b",
    re.I,
)
_PART_MARK = re.compile(
    r"\b(on|regarding|as (to|for)) (your|the) (first|second|third|last|other)( question| part)?\b", re.I
)
_RHETORICAL = re.compile(r"\?\s*$|\? ", re.M)


def _subquestions(question: str) -> list[str]:
    """The separate asks of a question turn: its interrogative sentences."""
    parts = [p.strip() for p in re.split(r"(?<=\?)\s+|\b(?:first|second|secondly|firstly)[,:]", question, flags=re.I)]
    return [p for p in parts if p.endswith("?") and len(p) > 8] or [question]


def extra_features(question: str, answer: str) -> list[float]:
    """Features aimed at the weak Ambivalent labels: who the answer is about (Deflection), how formulaic it is
    and how much of the question's specifics it takes up (General), how many asks it covers (Partial), and
    answer-side questions (Implicit, Deflection)."""
    a, q = _norm(answer), _norm(question)
    sents = sentences(a) or [a]
    head = " ".join(sents[:2])
    n = max(1, len(sents))
    q_china = bool(_CHINA_TARGET.search(q))
    other_head = len(_OTHER_ACTOR.findall(head))
    other_all = len(_OTHER_ACTOR.findall(a)) / n
    other_in_q = bool(_OTHER_ACTOR.search(q))
    counter = len(_COUNTER.findall(a)) / n
    counter_head = 1.0 if _COUNTER.search(head) else 0.0
    feats = [
        min(other_head, 3) / 3,
        min(other_all, 2) / 2,
        # the answer brings in an actor the question did not
        1.0 if (q_china and not other_in_q and other_head) else 0.0,
        min(counter, 1.0),
        counter_head,
        1.0 if _TO_JOURNALIST.search(a) else 0.0,
        min(len(_FORMULA.findall(a)) / n, 1.5) / 1.5,
        1.0 if _FORMULA.search(sents[0]) else 0.0,
    ]
    # the question's specifics (names, numbers) taken up by the answer
    qn = _names(question) | set(re.findall(r"\d+", question))
    an = _names(answer) | set(re.findall(r"\d+", answer))
    feats.append(len(qn & an) / max(1, len(qn)) if qn else 0.5)
    # asks covered: the share of sub-questions whose content words the answer takes up
    subs = _subquestions(question)
    aw = _content_words(a)
    cover = []
    for sq in subs:
        w = _content_words(sq)
        cover.append(len(w & aw) / max(1, len(w)))
    feats.append(min(len(subs), 4) / 4)
    feats.append(min(cover) if cover else 0.0)
    feats.append((max(cover) - min(cover)) if cover else 0.0)
    feats.append(1.0 if _PART_MARK.search(a) else 0.0)
    # sentences treated differently: some carry a non-reply formula, others do not (sentences, not paragraphs:
    # the same answer laid out in other paragraphs keeps its features)
    flagged = [bool(_cues_en(x) & set(_NON_REPLY_GROUPS)) for x in sents]
    feats.append(1.0 if len(flagged) > 1 and any(flagged) and not all(flagged) else 0.0)
    feats.append(1.0 if any(flagged[1:]) else 0.0)
    # questions inside the answer (rhetorical or aimed at the journalist), not as a whole answer
    feats.append(min(len(_RHETORICAL.findall(a)), 3) / 3)
    return feats


# ---------------------------------------------------------------------------------------------------------------
# Labels and the trained model.
# ---------------------------------------------------------------------------------------------------------------


def split_of(file: str) -> str:
    """The split a labelled briefing belongs to: a seeded hash of its file name, so that every exchange of one
    briefing lands in the same split (about 30% of briefings are "test")."""
    h = int(hashlib.sha256(("podium-clarity-2026:" + file).encode()).hexdigest()[:8], 16)
    return "test" if h % 100 < 30 else "train"


def load_labels(path: Path | None = None, split: str | None = None) -> list[dict[str, Any]]:
    """The hand labels of one file (default ``labels.jsonl``; ``split``: "train", "test" or None for all)."""
    path = path or LABELS
    if not path.is_file():
        raise AnalysisError(f"clarity labels are missing: {path} (reinstall podium or restore the file)")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AnalysisError(f"{path}:{i}: not valid JSON ({exc.msg})") from exc
        if row.get("fine") not in FINE_TO_CLARITY:
            raise AnalysisError(f"{path}:{i}: unknown fine label {row.get('fine')!r}")
        if split is None or row.get("split") == split:
            rows.append(row)
    return rows


def source_of(row: dict[str, Any]) -> str:
    """Where a labelled exchange comes from: "mfa-en", "mfa-zh" or "wh" (White House), from its id."""
    rid = row["id"]
    return "wh" if rid.startswith("wh-") else "mfa-zh" if rid.startswith("mfa-zh-") else "mfa-en"


def labelled(lang: str = "en", split: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
    """Every hand label of ``lang`` ("en": English MFA and White House; "zh": Chinese MFA) in the files of
    ``LABEL_FILES`` that are present, one row per exchange (the first file's label wins), in file order;
    ``split`` and ``source`` ("mfa-en", "mfa-zh", "wh") filter."""
    if lang not in LABEL_FILES:
        raise AnalysisError(f"no clarity labels for language {lang!r}; use one of {', '.join(LABEL_FILES)}")
    seen: set[str] = set()
    out = []
    for name in LABEL_FILES[lang]:
        path = DATA / name
        if not path.is_file() and name != LABEL_FILES[lang][0]:
            continue
        for row in load_labels(path):
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            if row.get("split") not in ("train", "test"):
                # the first 70 Chinese labels were an evaluation set for the cue rules ("zh-eval"); they join the
                # briefing-grouped split like every other label
                row["split"] = split_of(row["file"])
            if (split is None or row.get("split") == split) and (source is None or source_of(row) == source):
                out.append(row)
    return out


@dataclass(frozen=True, slots=True)
class Settings:
    """Model choices (the defaults are the ones picked by cross-validation on the train split)."""

    C: float = _C
    #: scale of the hand-made features relative to the n-gram features (larger: regularised less)
    dense_weight: float = 1.0
    #: characters of the answer's opening that the character n-grams see
    head_chars: int = 400
    word_max: int = 20000
    char_max: int = 30000
    #: also give the model the question's words (what kind of question was asked)
    question_words: bool = False
    #: a separate bag of words for the opening sentence, where the non-reply formulas sit
    opening_words: bool = False
    solver: str = "liblinear"
    #: "balanced" reweights labels by inverse frequency; None trusts the label distribution
    class_weight: str | None = "balanced"
    #: the features aimed at Deflection, General, Partial and Implicit (``extra_features``; v2.0: on, by grouped
    #: cross-validation on 1,434 train exchanges: 9-label macro-F1 0.454 against 0.439 without, 3-class equal)
    extra: bool = True
    #: a second stage over the first model's out-of-fold label probabilities and the hand-made features
    #: ("hgb": gradient-boosted trees, "lr": logistic regression, None: the first model alone)
    stack: str | None = None
    stack_folds: int = 5
    #: split the Ambivalent mass among its five labels with a model trained on Ambivalent answers only
    two_stage: bool = True
    amb_C: float = 0.3
    #: the Ambivalent model's own choice of the extra features (None: same as ``extra``)
    amb_extra: bool | None = True
    #: "text": the Ambivalent model is the n-gram model again; "dense": a logistic regression on the hand-made
    #: features alone
    amb_kind: str = "text"
    #: the language the model reads: "en" (word and character n-grams, English cue features) or "zh" (character
    #: n-grams, Chinese cue features)
    lang: str = "en"
    #: sentence embeddings of the question and the answer's opening (``embedding.exchange_vectors``) as a further
    #: block of features, scaled by ``embed_weight`` (0: none)
    embed_weight: float = 0.0


#: the Chinese model's choices (cross-validated on the Chinese train split like the English ones)
ZH_SETTINGS = Settings(lang="zh", head_chars=150)


def settings_for(lang: str) -> Settings:
    """The default model settings for answers in ``lang``."""
    return ZH_SETTINGS if lang == "zh" else Settings()


def _vectorizer_kwargs(s: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword arguments of the answer's two TfidfVectorizers (whole answer, opening), by language."""
    if s.lang == "zh":
        # Chinese has no spaces between words: character uni- to trigrams stand for words
        return ({"analyzer": "char", "ngram_range": (1, 3), "max_features": s.word_max},
                {"analyzer": "char", "ngram_range": (2, 4), "max_features": s.char_max})
    return ({"ngram_range": (1, 2), "max_features": s.word_max},
            {"analyzer": "char_wb", "ngram_range": (2, 5), "max_features": s.char_max})


@dataclass
class _Model:
    settings: Settings
    word: Any
    char: Any
    qword: Any
    oword: Any
    scaler: Any
    clf: Any
    classes: list[str]
    meta: Any = None
    amb: Any = None

    def matrix(self, pairs: Sequence[tuple[str, str]]):
        from scipy.sparse import csr_matrix, hstack

        s = self.settings
        pairs = _canonical_pairs(pairs, s.lang)
        answers = [_norm(a) for _, a in pairs]
        parts = [self.word.transform(answers), self.char.transform([a[: s.head_chars] for a in answers])]
        if self.qword is not None:
            parts.append(self.qword.transform([_norm(q) for q, _ in pairs]))
        if self.oword is not None:
            parts.append(self.oword.transform([_opening(a) for a in answers]))
        dense = self.scaler.transform([_dense(q, a, s) for q, a in pairs]) * s.dense_weight
        parts.append(csr_matrix(dense))
        if s.embed_weight:
            from .embedding import exchange_vectors

            parts.append(csr_matrix(exchange_vectors(pairs, s.lang).astype("float64") * s.embed_weight))
        return hstack(parts).tocsr()

    def base_proba(self, pairs: Sequence[tuple[str, str]]):
        return self.clf.predict_proba(self.matrix(pairs))

    def proba(self, pairs: Sequence[tuple[str, str]]):
        base = self.base_proba(pairs)
        if self.meta is not None:
            base = self.meta.predict_proba(_meta_matrix(base, pairs, self.settings))
        if self.amb is not None:
            base = base.copy()
            cols = [self.classes.index(c) for c in self.amb.classes]
            mass = base[:, cols].sum(axis=1, keepdims=True)
            base[:, cols] = mass * self.amb.proba(pairs)
        return base

    def word_weights(self, label: str):
        """The linear weights of the answer's word n-grams for ``label``."""
        j = self.classes.index(label)
        n = len(self.word.vocabulary_)
        if hasattr(self.clf, "estimators_"):  # one-vs-rest
            return self.clf.estimators_[j].coef_[0][:n]
        return self.clf.coef_[j][:n]


def _canonical_pairs(pairs: Sequence[tuple[str, str]], lang: str = "en") -> list[tuple[str, str]]:
    return [(canonical(q, lang), canonical(a, lang)) for q, a in pairs]


def _dense(question: str, answer: str, s: Settings) -> list[float]:
    return list(_dense_cached(question, answer, bool(s.extra), s.lang))


@functools.lru_cache(maxsize=1024)
def _dense_cached(question: str, answer: str, extra: bool, lang: str) -> tuple[float, ...]:
    # both stages of the model score the same exchange: compute its hand-made features once
    if lang == "zh":
        return tuple(dense_features_zh(question, answer))
    feats = dense_features(question, answer)
    return tuple(feats + extra_features(question, answer) if extra else feats)


def _opening(answer: str) -> str:
    """The first two sentences of an answer."""
    return " ".join(sentences(answer)[:2])


def train(rows: Sequence[dict[str, Any]], settings: Settings | None = None) -> _Model:
    """Fit the model on labelled rows (deterministic for given rows and settings)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import MaxAbsScaler

    s = settings or Settings()
    pairs = _canonical_pairs([(r["question"], r["answer"]) for r in rows], s.lang)
    answers = [_norm(a) for _, a in pairs]
    word_kw, char_kw = _vectorizer_kwargs(s)
    word = TfidfVectorizer(min_df=2, sublinear_tf=True, **word_kw).fit(answers)
    char = TfidfVectorizer(min_df=2, sublinear_tf=True, **char_kw).fit([a[: s.head_chars] for a in answers])
    qword = None
    if s.question_words:
        qword = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=5000)
        qword.fit([_norm(q) for q, _ in pairs])
    oword = None
    if s.opening_words:
        oword = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=8000)
        oword.fit([_opening(a) for a in answers])
    scaler = MaxAbsScaler().fit(np.array([_dense(q, a, s) for q, a in pairs]))
    m = _Model(s, word, char, qword, oword, scaler, None, [])
    x = m.matrix(pairs)
    if s.solver == "liblinear":
        # one binary model per label, solved in the dual (far fewer labels than features): under a second,
        # where the multinomial fit takes ten or more
        from sklearn.multiclass import OneVsRestClassifier

        clf: Any = OneVsRestClassifier(
            LogisticRegression(
                C=s.C, solver="liblinear", dual=True, max_iter=3000, class_weight=s.class_weight, random_state=_SEED
            )
        )
    else:
        clf = LogisticRegression(C=s.C, solver=s.solver, max_iter=3000, class_weight=s.class_weight, random_state=_SEED)
    clf.fit(x, [r["fine"] for r in rows])
    m.clf, m.classes = clf, list(clf.classes_)
    if s.stack:
        m.meta = _train_meta(rows, s, m.classes)
    amb_rows = [r for r in rows if FINE_TO_CLARITY[r["fine"]] == "Ambivalent"]
    if s.two_stage and len({r["fine"] for r in amb_rows}) >= 2 and set(m.classes) >= {r["fine"] for r in amb_rows}:
        if s.amb_kind == "dense":
            m.amb = _DenseModel.fit(amb_rows, s.amb_C, s.class_weight)
            return m
        m.amb = train(amb_rows, _amb_settings(s))
    return m


@dataclass
class _DenseModel:
    """A logistic regression over the hand-made features only (cue, overlap and extra features)."""

    pipe: Any
    classes: list[str]

    @classmethod
    def fit(cls, rows: Sequence[dict[str, Any]], c: float, class_weight: str | None) -> _DenseModel:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        pairs = _canonical_pairs([(r["question"], r["answer"]) for r in rows])
        x = [dense_features(q, a) + extra_features(q, a) for q, a in pairs]
        pipe = make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=3000, class_weight=class_weight, random_state=_SEED)
        )
        pipe.fit(x, [r["fine"] for r in rows])
        return cls(pipe, list(pipe.classes_))

    def proba(self, pairs: Sequence[tuple[str, str]]):
        pairs = _canonical_pairs(pairs)
        return self.pipe.predict_proba([dense_features(q, a) + extra_features(q, a) for q, a in pairs])


def _meta_matrix(base, pairs: Sequence[tuple[str, str]], s: Settings):
    import numpy as np

    return np.hstack([np.asarray(base), np.array([_dense(q, a, s) for q, a in _canonical_pairs(pairs)])])


def _train_meta(rows: Sequence[dict[str, Any]], s: Settings, classes: list[str]):
    """The second stage, fitted on out-of-fold first-stage probabilities (folds grouped by briefing, so that no
    briefing's exchanges score each other) and the hand-made features."""
    import dataclasses

    import numpy as np
    from sklearn.model_selection import GroupKFold

    inner = dataclasses.replace(s, stack=None)
    groups = [r.get("file") or r.get("id") for r in rows]
    oof = np.zeros((len(rows), len(classes)))
    for tr, te in GroupKFold(n_splits=s.stack_folds).split(rows, groups=groups):
        sub = train([rows[i] for i in tr], inner)
        p = sub.base_proba([(rows[i]["question"], rows[i]["answer"]) for i in te])
        for j, label in enumerate(sub.classes):
            oof[te, classes.index(label)] = p[:, j]
    x = _meta_matrix(oof, [(r["question"], r["answer"]) for r in rows], s)
    y = [r["fine"] for r in rows]
    if s.stack == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        meta: Any = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_depth=3,
            min_samples_leaf=10,
            class_weight=s.class_weight,
            early_stopping=False,
            random_state=_SEED,
        )
    else:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        meta = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=0.3, max_iter=3000, class_weight=s.class_weight, random_state=_SEED),
        )
    meta.fit(x, y)
    if list(meta.classes_) != classes:
        raise AnalysisError("clarity second stage learned a different label set from the first")
    return meta


_CACHE: dict[tuple[str, str], _Model] = {}
_LOCK = threading.Lock()


def model(split: str | None = None, lang: str = "en") -> _Model:
    """The ``lang`` model trained on the shipped labels of ``split`` (None: all of them), once per process.

    For all labels the fitted parameters shipped in ``MODEL_FILE`` are used when their fingerprint matches the
    labels and settings; otherwise (labels changed without re-export) the model is trained here."""
    key = (split or "all", lang)
    with _LOCK:
        if key not in _CACHE:
            m = load_model(lang=lang) if split is None else None
            _CACHE[key] = m if m is not None else train(labelled(lang, split=split), settings_for(lang))
        return _CACHE[key]


# ---------------------------------------------------------------------------------------------------------------
# The shipped fitted parameters (plain arrays, not pickles: they load under any numpy / scikit-learn version).
# ---------------------------------------------------------------------------------------------------------------

MODEL_FILE = DATA / "model.npz"


def _amb_settings(s: Settings) -> Settings:
    import dataclasses

    return dataclasses.replace(
        s, two_stage=False, stack=None, C=s.amb_C, extra=s.extra if s.amb_extra is None else s.amb_extra
    )


def model_fingerprint(lang: str = "en") -> str:
    """sha256 of what the shipped ``lang`` model was fitted from: its label files, its settings and VERSION."""
    h = hashlib.sha256(f"{lang}\0{settings_for(lang)!r}\0{VERSION}".encode())
    for name in LABEL_FILES[lang]:
        path = DATA / name
        if path.is_file():
            h.update(f"\0{name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class _Linear:
    """One-vs-rest logistic regressions (liblinear) from their weights: what ``OneVsRestClassifier.predict_proba``
    computes (each label's sigmoid, normalised over labels)."""

    def __init__(self, coef, intercept, classes: list[str]) -> None:
        self.coef_, self.intercept_, self.classes_ = coef, intercept, classes

    def predict_proba(self, x):
        import numpy as np
        from scipy.special import expit

        p = expit(np.asarray(x @ self.coef_.T) + self.intercept_)
        return p / p.sum(axis=1, keepdims=True)


class _Scaler:
    """``MaxAbsScaler.transform`` from its ``scale_``."""

    def __init__(self, scale) -> None:
        self.scale_ = scale

    def transform(self, x):
        import numpy as np

        return np.asarray(x, dtype=np.float64) / self.scale_


def _linear_params(clf: Any):
    import numpy as np

    if hasattr(clf, "estimators_"):
        coef = np.vstack([e.coef_ for e in clf.estimators_])
        intercept = np.concatenate([e.intercept_ for e in clf.estimators_])
    else:
        raise AnalysisError("clarity export: only the one-vs-rest liblinear model (the default) can be exported")
    return coef, intercept


def _text(value: Any):
    # JSON as UTF-8 bytes: compresses better than numpy's 4-byte unicode and loads without pickle
    import numpy as np

    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def _untext(arr: Any) -> Any:
    return json.loads(arr.tobytes().decode())


def _idf(df: Any, n_docs: int):
    # TfidfTransformer.fit with smooth_idf, in the same float64 operations (so bit-identical)
    import numpy as np

    return np.log((n_docs + 1) / (np.asarray(df, dtype=np.float64) + 1.0)) + 1.0


def _model_arrays(m: _Model, prefix: str, n_docs: int, main: _Model | None = None) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {f"{prefix}n_docs": np.array(n_docs)}
    for name in ("word", "char"):
        vec = getattr(m, name)
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        main_vocab = getattr(main, name).vocabulary_ if main is not None else {}
        if main is not None and all(t in main_vocab for t in terms):
            # the Ambivalent model's vocabulary is (usually) a subset of the main one: a bit per main term
            mask = np.zeros(len(main_vocab), dtype=bool)
            mask[[main_vocab[t] for t in terms]] = True
            if [t for t, i in sorted(main_vocab.items(), key=lambda kv: kv[1]) if mask[i]] == terms:
                out[f"{prefix}{name}_in_main"] = np.packbits(mask)
        if f"{prefix}{name}_in_main" not in out:
            out[f"{prefix}{name}_vocab"] = _text(terms)
        idf = np.asarray(vec.idf_, dtype=np.float64)
        # document frequencies are small integers (they compress to almost nothing); the idf is recomputed from them
        df = np.rint((n_docs + 1) / np.exp(idf - 1.0) - 1.0).astype(np.int32)
        if np.array_equal(_idf(df, n_docs), idf):
            out[f"{prefix}{name}_df"] = df
        else:
            out[f"{prefix}{name}_idf"] = idf
    out[f"{prefix}scale"] = np.asarray(m.scaler.scale_, dtype=np.float64)
    out[f"{prefix}coef"], out[f"{prefix}intercept"] = _linear_params(m.clf)
    out[f"{prefix}classes"] = _text(list(m.classes))
    return out


def model_file(lang: str = "en") -> Path:
    """Where the fitted ``lang`` model is shipped."""
    return MODEL_FILE if lang == "en" else DATA / f"model_{lang}.npz"


def export_model(path: Path | None = None, lang: str = "en") -> Path:
    """Train the ``lang`` model on all its labels and write the fitted parameters and their fingerprint to
    ``path`` (``model_file(lang)``)."""
    import numpy as np

    s = settings_for(lang)
    if s.question_words or s.opening_words or s.stack or s.solver != "liblinear" or s.amb_kind != "text":
        raise AnalysisError("clarity export supports the default model shape only; change export_model first")
    rows = labelled(lang)
    m = train(rows, s)
    arrays = _model_arrays(m, "", len(rows))
    if m.amb is not None:
        n_amb = sum(1 for r in rows if FINE_TO_CLARITY[r["fine"]] == "Ambivalent")
        arrays.update(_model_arrays(m.amb, "amb_", n_amb, main=m))
    arrays["fingerprint"] = _text(model_fingerprint(lang))
    path = path or model_file(lang)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


#: the held-out test split's gold and predicted 3-way classes (the model trained on the train split), per language:
#: the confusion that corrected shares undo (``calibration.adjusted_shares``)
TEST_PREDICTIONS = DATA / "test_predictions.json"


def test_predictions(lang: str) -> dict[str, Any]:
    """Gold and predicted class indices (in ``CLARITY_LABELS`` order) of the ``lang`` test split, the model
    trained on the train split, with n and the 3-class macro-F1."""
    rows = labelled(lang, split="test")
    results = predict_rows(rows, lang, "train")
    gold = [CLARITY_LABELS.index(FINE_TO_CLARITY[r["fine"]]) for r in rows]
    pred = [CLARITY_LABELS.index(r.clarity) for r in results]
    scores = _score_predictions(rows, [r.fine for r in results])
    return {"n": len(rows), "gold": gold, "pred": pred, "macro_f1": round(scores["clarity"]["macro_f1"], 4),
            "fingerprint": model_fingerprint(lang)}


def load_test_predictions() -> dict[str, dict[str, Any]]:
    """The shipped ``TEST_PREDICTIONS`` per language ({} when missing); entries whose model fingerprint differs
    from the labels and settings here are left out (re-export)."""
    if not TEST_PREDICTIONS.is_file():
        return {}
    data = json.loads(TEST_PREDICTIONS.read_text(encoding="utf-8"))
    return {lang: d for lang, d in data.items()
            if lang in LABEL_FILES and d.get("fingerprint") == model_fingerprint(lang)}


def export_all() -> list[Path]:
    """Export every language's model and the test-split predictions that corrected shares use."""
    paths = [export_model(lang=lang) for lang in LABEL_FILES]
    preds = {lang: test_predictions(lang) for lang in LABEL_FILES}
    TEST_PREDICTIONS.write_text(json.dumps(preds, separators=(",", ":")) + "\n", encoding="utf-8")
    return [*paths, TEST_PREDICTIONS]


def _vectorizer(z: Any, prefix: str, name: str, main: _Model | None, kw: dict[str, Any]):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if f"{prefix}{name}_in_main" in z.files:
        main_vec = getattr(main, name)
        main_terms = sorted(main_vec.vocabulary_, key=main_vec.vocabulary_.__getitem__)
        mask = np.unpackbits(z[f"{prefix}{name}_in_main"], count=len(main_terms)).astype(bool)
        terms = [t for t, keep in zip(main_terms, mask, strict=True) if keep]
    else:
        terms = _untext(z[f"{prefix}{name}_vocab"])
    if f"{prefix}{name}_df" in z.files:
        idf = _idf(z[f"{prefix}{name}_df"], int(z[f"{prefix}n_docs"]))
    else:
        idf = z[f"{prefix}{name}_idf"]
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, vocabulary={t: i for i, t in enumerate(terms)}, **kw)
    vec.idf_ = idf
    return vec


def _model_from_arrays(z: Any, prefix: str, s: Settings, main: _Model | None = None) -> _Model:
    word_kw, char_kw = _vectorizer_kwargs(s)
    word = _vectorizer(z, prefix, "word", main, word_kw)
    char = _vectorizer(z, prefix, "char", main, char_kw)
    classes = _untext(z[f"{prefix}classes"])
    clf = _Linear(z[f"{prefix}coef"], z[f"{prefix}intercept"], classes)
    return _Model(s, word, char, None, None, _Scaler(z[f"{prefix}scale"]), clf, classes)


def load_model(path: Path | None = None, lang: str = "en") -> _Model | None:
    """The shipped ``lang`` model on all labels, or None (with a log line saying why) when it is missing or stale."""
    import logging

    import numpy as np

    log = logging.getLogger(__name__)
    path = path or model_file(lang)
    if not path.is_file():
        log.info("clarity: no shipped model at %s; training from the labels", path)
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if _untext(z["fingerprint"]) != model_fingerprint(lang):
                log.warning(
                    "clarity: %s was exported from other labels or settings (fingerprint differs); training from the"
                    " labels instead. Re-export with `python -m podium.analysis.clarity --export-model`.",
                    path,
                )
                return None
            s = settings_for(lang)
            m = _model_from_arrays(z, "", s)
            if "amb_coef" in z.files:
                m.amb = _model_from_arrays(z, "amb_", _amb_settings(s), main=m)
    except (OSError, KeyError, ValueError, UnicodeDecodeError) as exc:
        log.warning("clarity: cannot read %s (%s); training from the labels instead", path, exc)
        return None
    return m


# ---------------------------------------------------------------------------------------------------------------
# Prediction.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClarityResult:
    """The clarity of one answer."""

    clarity: str
    fine: str
    confidence: float
    evidence: str | None
    probs: dict[str, float]
    method: str


def _decide(probs: dict[str, float]) -> tuple[str, str, float]:
    """The 3-way class is the one with the most probability mass; the fine label the likeliest inside it."""
    mass = {c: 0.0 for c in CLARITY_LABELS}
    for fine, p in probs.items():
        mass[FINE_TO_CLARITY[fine]] += p
    clarity = max(CLARITY_LABELS, key=lambda c: mass[c])
    fine = max((f for f in FINE_LABELS if FINE_TO_CLARITY[f] == clarity), key=lambda f: probs.get(f, 0.0))
    return clarity, fine, mass[clarity]


_SUPPORT = {
    "Claims ignorance": ("ignorance",),
    "Declining to answer": ("refer", "follow", "decline", "answered"),
    "General": ("position", "general"),
    "Deflection": ("deflect",),
    "Explicit": ("direct",),
}


def _cue_evidence(answer: str, fine: str, lang: str) -> tuple[list[str], str | None]:
    """The answer's sentences and, when one carries a cue for ``fine``, that sentence."""
    sents = split_sentences(answer)
    if not sents:
        return sents, None
    if fine == "Clarification":
        return sents, next((s for s in sents if s.rstrip().endswith(("?", "？"))), sents[0])
    groups = set(_SUPPORT.get(fine, ()))
    cues = _cues_zh if lang == "zh" else _cues_en
    for s in sents:
        if cues(s) & groups:
            return sents, s
    if len(sents) == 1:
        return sents, sents[0]
    return sents, None


#: sentences per answer the model scores when no cue decides the evidence (openings carry the decision)
_EVIDENCE_SENTENCES = 12


def _classify_many(
    pairs: Sequence[tuple[str, str]], lang: str, split: str | None = None, evidence: bool = True
) -> list[ClarityResult]:
    out: list[ClarityResult] = []
    lang = "zh" if lang == "zh" else "en"
    pairs = [(canonical(q, lang), canonical(a, lang)) for q, a in pairs]
    m = model(split, lang)
    todo = [i for i, (_, a) in enumerate(pairs) if a.strip()]
    probs = m.proba([pairs[i] for i in todo]) if todo else []
    decided: dict[int, tuple[str, str, float, dict[str, float]]] = {}
    for i, row in zip(todo, probs, strict=True):
        # every label is named, with 0 for one the model never saw in training (Chinese Clarification)
        p = dict.fromkeys(FINE_LABELS, 0.0) | {c: float(v) for c, v in zip(m.classes, row, strict=True)}
        clarity, fine, conf = _decide(p)
        decided[i] = (clarity, fine, conf, p)
    # evidence: a cue sentence for the predicted label, else the sentence the model scores highest for it;
    # all such sentences of the batch are scored in one call
    evid: dict[int, str | None] = {}
    pending: list[tuple[int, list[str]]] = []
    if evidence:
        for i, (_, fine, _, _) in decided.items():
            sents, ev = _cue_evidence(pairs[i][1], fine, lang)
            if ev is None and sents:
                pending.append((i, sents[:_EVIDENCE_SENTENCES]))
            evid[i] = ev
        flat = [s for _, sents in pending for s in sents]
        if flat:
            # a sentence's score is what its words add to the predicted label in the linear model: cheap, and it
            # points at the words that decided the label
            xs = m.word.transform([_norm(s) for s in flat])
            k = 0
            for i, sents in pending:
                scores = xs[k : k + len(sents)] @ m.word_weights(decided[i][1])
                evid[i] = sents[int(scores.argmax())]
                k += len(sents)
    for i in range(len(pairs)):
        if i not in decided:
            out.append(ClarityResult("", "", 0.0, None, {}, "no-answer"))
            continue
        clarity, fine, conf, p = decided[i]
        out.append(
            ClarityResult(
                clarity, fine, round(conf, 3), evid.get(i), {k: round(v, 4) for k, v in p.items()}, method_name(lang)
            )
        )
    return out


def method_name(lang: str = "en") -> str:
    """The method recorded with each annotation of ``lang`` answers."""
    s = settings_for(lang)
    return ("tfidf-cues-logreg" if lang == "en" else f"tfidf-cues-{lang}-logreg") + ("+use" if s.embed_weight else "")


def classify(question: str, answer: str, lang: str = "en") -> tuple[str, str, float, str | None]:
    """(clarity, fine label, confidence, evidence sentence) for one question and its answer.

    >>> classify("What are the goals of the meeting?", "I suggest you follow our updates.")[:2]
    ('Clear Non-Reply', 'Declining to answer')
    """
    r = _classify_many([(question, answer)], "zh" if lang == "zh" else "en")[0]
    return r.clarity, r.fine, r.confidence, r.evidence


_HAN = re.compile(r"[\u4e00-\u9fff]")


def guess_lang(text: str) -> str:
    """"zh" when at least a fifth of the text's non-space characters are Chinese characters, else "en"."""
    chars = [ch for ch in text if not ch.isspace()]
    return "zh" if chars and len(_HAN.findall(text)) / len(chars) >= 0.2 else "en"


def classify_exchanges(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clarity of questions and answers given as dicts with ``question`` and ``answer`` (optional ``id``, echoed
    back, and ``lang``: "en" or "zh", guessed from the answer when absent), in input order. Each result has
    ``id``, ``clarity`` (3 classes), ``clarity_fine`` (9 labels), ``confidence``, ``evidence`` (the answer sentence
    it rests on), ``probs``, ``lang`` and ``method``; an item that cannot be classified gets ``error`` (saying what
    is wrong) instead, and the others go on."""
    out: list[dict[str, Any]] = [{} for _ in items]
    todo: dict[str, list[int]] = {"en": [], "zh": []}
    for i, item in enumerate(items):
        res: dict[str, Any] = {"id": item.get("id")} if isinstance(item, dict) else {"id": None}
        out[i] = res
        if not isinstance(item, dict):
            res["error"] = f"expected an object with question and answer, got {type(item).__name__}"
            continue
        missing = [k for k in ("question", "answer") if not isinstance(item.get(k), str)]
        if missing:
            res["error"] = f"missing or not text: {', '.join(missing)}"
            continue
        if not item["answer"].strip():
            res["error"] = "the answer is empty: nothing to classify"
            continue
        lang = item.get("lang") or guess_lang(item["answer"])
        if lang not in todo:
            res["error"] = f"unknown lang {lang!r}: use en or zh"
            continue
        res["lang"] = lang
        todo[lang].append(i)
    for lang, idx in todo.items():
        if not idx:
            continue
        results = _classify_many([(items[i]["question"], items[i]["answer"]) for i in idx], lang)
        for i, r in zip(idx, results, strict=True):
            out[i].update({"clarity": r.clarity, "clarity_fine": r.fine, "confidence": r.confidence,
                           "evidence": r.evidence, "probs": r.probs, "method": r.method})
    return out


class ClarityPass:
    """The analysis pass: one ``clarity`` annotation per exchange that has an answer."""

    name = "clarity"
    version = VERSION

    def annotate(self, briefing: Briefing) -> list[Annotation]:
        lang = "zh" if briefing.lang == "zh" else "en"
        pairs = [(e.question_text, e.answer_text) for e in briefing.exchanges]
        results = _classify_many(pairs, lang)
        out = []
        for e, r in zip(briefing.exchanges, results, strict=True):
            if not r.clarity:
                # an exchange without an answer has no clarity; still recorded so exports show it was looked at
                out.append(
                    Annotation(e.n, self.name, None, {"fine": None, "probs": {}}, None, None, r.method, self.version)
                )
                continue
            out.append(
                Annotation(
                    e.n,
                    self.name,
                    r.clarity,
                    {"fine": r.fine, "probs": r.probs},
                    r.confidence,
                    r.evidence,
                    r.method,
                    self.version,
                )
            )
        return out


# ---------------------------------------------------------------------------------------------------------------
# Evaluation on the held-out split.
# ---------------------------------------------------------------------------------------------------------------


def _scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    macro = sum(per[lab]["f1"] for lab in present) / max(1, len(present))
    acc = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / max(1, len(gold))
    matrix = [[sum(1 for g, p in zip(gold, pred, strict=True) if g == a and p == b) for b in labels] for a in labels]
    return {"macro_f1": macro, "accuracy": acc, "per_class": per, "labels": list(labels), "confusion": matrix}


def _score_predictions(rows: Sequence[dict[str, Any]], fines: Sequence[str]) -> dict[str, Any]:
    gold_f = [r["fine"] for r in rows]
    gold_c = [FINE_TO_CLARITY[f] for f in gold_f]
    pred_c = [FINE_TO_CLARITY[f] for f in fines]
    return {"clarity": _scores(gold_c, pred_c, CLARITY_LABELS), "fine": _scores(gold_f, fines, FINE_LABELS)}


def predict_rows(rows: Sequence[dict[str, Any]], lang: str, split: str | None) -> list[ClarityResult]:
    """The ``lang`` model trained on ``split`` (None: all labels) applied to labelled rows (no evidence)."""
    return _classify_many([(r["question"], r["answer"]) for r in rows], lang, split=split, evidence=False)


def _class_probs(results: Sequence[ClarityResult]):
    import numpy as np

    out = np.zeros((len(results), len(CLARITY_LABELS)))
    for i, r in enumerate(results):
        for fine, p in r.probs.items():
            out[i, CLARITY_LABELS.index(FINE_TO_CLARITY[fine])] += p
    return out


def _scored(rows: Sequence[dict[str, Any]], results: Sequence[ClarityResult], method: str, split: str,
            trained_on: str | None) -> dict[str, Any]:
    from ..calibration import reliability

    out = _score_predictions(rows, [r.fine for r in results])
    out.update({"split": split, "method": method, "n": len(rows), "version": VERSION, "trained_on": trained_on})
    if method == "model" and rows:
        out["calibration"] = reliability(_class_probs(results), [FINE_TO_CLARITY[r["fine"]] for r in rows],
                                         CLARITY_LABELS)
    return out


def evaluate(split: str = "test", method: str = "model", lang: str = "en", source: str | None = None,
             parts: bool = True) -> dict[str, Any]:
    """Scores on the labelled ``split`` of ``lang`` ("test": the held-out split; the model is trained on "train"
    only), optionally of one ``source`` ("mfa-en", "wh", "mfa-zh").

    ``method="cue"`` scores the cue-only baseline on the same rows. ``split="zh"`` is short for the Chinese test
    split. The result holds macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix (rows: gold,
    columns: predicted) for the 3 classes (``result["clarity"]``) and the 9 labels (``result["fine"]``), ``n``, and
    for the model the calibration of its 3-class probabilities (``result["calibration"]``). For the English test
    split with ``parts`` it also holds ``result["parts"]``: the same figures for English MFA, White House and
    Chinese MFA test exchanges, and ``result["agreement"]``: the agreement between two people labelling the same
    exchanges, the ceiling for any model.
    """
    if split == "zh":
        lang, split = "zh", "test"
    rows = labelled(lang, split=split, source=source)
    if not rows:
        raise AnalysisError(f"no clarity labels in split {split!r} ({lang}{', ' + source if source else ''})")
    if method == "cue":
        fines = [cue_classify(r["question"], r["answer"], lang)[1] for r in rows]
        results = [ClarityResult(FINE_TO_CLARITY[f], f, 0.0, None, {}, "cue") for f in fines]
        trained_on = None
    elif method == "model":
        train_split = "train" if split == "test" else None
        results = predict_rows(rows, lang, train_split)
        trained_on = "train" if split == "test" else "all labels (in-sample)"
    else:
        raise AnalysisError(f"unknown evaluation method {method!r}; use 'model' or 'cue'")
    out = _scored(rows, results, method, split if lang == "en" else f"{split} ({lang})", trained_on)
    out["lang"], out["source"] = lang, source
    if parts and lang == "en" and source is None and split == "test":
        out["parts"] = {}
        for src in ("mfa-en", "wh"):
            sel = [i for i, r in enumerate(rows) if source_of(r) == src]
            if sel:
                sub = _scored([rows[i] for i in sel], [results[i] for i in sel], method, f"test ({src})", trained_on)
                out["parts"][src] = sub
        try:
            out["parts"]["mfa-zh"] = evaluate("test", method, lang="zh", parts=False)
        except AnalysisError:  # no Chinese test labels shipped
            pass
        if SECOND_LABELS.is_file():
            out["agreement"] = agreement()
    return out


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa between two labellings of the same items."""
    n = len(a)
    if n == 0:
        return float("nan")
    po = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    labels = set(a) | set(b)
    pe = sum((sum(1 for x in a if x == lab) / n) * (sum(1 for y in b if y == lab) / n) for lab in labels)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def agreement(path: Path | None = None) -> dict[str, Any]:
    """How far two people labelling the same exchanges independently agree: the second labelling in
    ``path`` (``SECOND_LABELS``) against the first (``labelled("en")``), by id. Cohen's kappa overall (3 classes,
    9 labels) and per class (each class against the rest), macro-F1 of one labelling scored against the other."""
    second = {r["id"]: r for r in load_labels(path or SECOND_LABELS)}
    first = {r["id"]: r for r in labelled("en")}
    ids = [i for i in second if i in first]
    fa, fb = [first[i]["fine"] for i in ids], [second[i]["fine"] for i in ids]
    ca, cb = [FINE_TO_CLARITY[x] for x in fa], [FINE_TO_CLARITY[x] for x in fb]
    per_class = {c: cohen_kappa([x == c for x in ca], [y == c for y in cb]) for c in CLARITY_LABELS}
    per_fine = {f: cohen_kappa([x == f for x in fa], [y == f for y in fb]) for f in FINE_LABELS}
    scored = _score_predictions([{"fine": x} for x in fa], fb)
    return {"n": len(ids), "kappa_clarity": cohen_kappa(ca, cb), "kappa_fine": cohen_kappa(fa, fb),
            "kappa_per_class": per_class, "kappa_per_fine": per_fine,
            "macro_f1_clarity": scored["clarity"]["macro_f1"], "macro_f1_fine": scored["fine"]["macro_f1"],
            "accuracy_clarity": scored["clarity"]["accuracy"], "accuracy_fine": scored["fine"]["accuracy"]}


def format_report(result: dict[str, Any]) -> str:
    """A plain-text report of ``evaluate()``'s result."""
    lines = [
        f"clarity {result.get('method', 'model')} v{result.get('version', VERSION)} on split {result.get('split')!r}"
        f" (n={result['n']}" + (f", trained on {result['trained_on']!r}" if result.get("trained_on") else "") + ")",
    ]
    for key, title in (("clarity", "3 classes"), ("fine", "9 labels")):
        r = result[key]
        lines.append("")
        lines.append(f"{title}: macro-F1 {r['macro_f1']:.3f}  accuracy {r['accuracy']:.3f}")
        width = max(len(lab) for lab in r["labels"])
        lines.append(f"  {'':{width}}  prec   rec    F1     n")
        for lab in r["labels"]:
            pc = r["per_class"][lab]
            lines.append(
                f"  {lab:{width}}  {pc['precision']:.2f}  {pc['recall']:.2f}  {pc['f1']:.2f}  {pc['support']:4d}"
            )
        abbrev = [_abbrev(lab) for lab in r["labels"]]
        lines.append(f"  confusion (rows gold, columns predicted): {' '.join(f'{a:>4}' for a in abbrev)}")
        for lab, row in zip(r["labels"], r["confusion"], strict=True):
            lines.append(f"  {lab:{width}}{'':28}{' '.join(f'{v:4d}' for v in row)}")
    if result.get("calibration"):
        from ..calibration import format_reliability

        lines.append("")
        lines.append(format_reliability(result["calibration"], "calibration of the 3-class probabilities"))
    for name, part in result.get("parts", {}).items():
        lines.append("")
        lines.append(f"--- {_SOURCE_NAMES.get(name, name)} ---")
        lines.append(format_report(part))
    if result.get("agreement"):
        a = result["agreement"]
        lines.append("")
        lines.append(
            f"agreement of two independent labellings (English MFA test exchanges, n={a['n']}): Cohen's kappa "
            f"{a['kappa_clarity']:.3f} (3 classes), {a['kappa_fine']:.3f} (9 labels); per class "
            + ", ".join(f"{c} {k:.2f}" for c, k in a["kappa_per_class"].items())
            + f"; one labelling scored against the other: macro-F1 {a['macro_f1_clarity']:.3f} (3 classes), "
            f"{a['macro_f1_fine']:.3f} (9 labels) -- the ceiling for any model"
        )
    return "\n".join(lines)


_SOURCE_NAMES = {"mfa-en": "English MFA test exchanges", "wh": "White House test exchanges",
                 "mfa-zh": "Chinese MFA test exchanges"}


def _abbrev(label: str) -> str:
    return "".join(w[0] for w in label.split()).upper() if " " in label else label[:3]
