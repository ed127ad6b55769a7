"""The MFA Chinese HTML format: fmprc.gov.cn 例行记者会 transcripts and 答记者问 items (2016-2020 site) -> Briefing.

Page layout: title in ``#News_Body_Title``, date in ``#News_Body_Time``, one ``<p>`` per paragraph in
``#News_Body_Txt_A`` (indented with U+3000). The site since 2021 (``.news-title h1``, ``div.news-main``) is read the
same way; the shared corpus holds no page of it, so that path is only checked on a 2020 page re-wrapped. Turn labels:

- before 2020-03-24: ``问：`` / ``答：`` / ``追问：``; opening announcements are unlabelled paragraphs before the first
  question;
- from 2020-03-24: the outlet (``路透社记者：``, ``《环球时报》记者：``, ``彭博社记者追问：``) and the spokesperson's
  name (``赵立坚：``), which also labels opening announcements;
- questions raised after the press conference: ``会后，有记者问及：…`` answered by ``耿爽表示，…`` (asker "记者",
  anonymous, or "俄罗斯记者" when the page says more);
- an answer the page prints without "答：" runs into the question turn; it is split back off (speaker None) when a
  question turn of several paragraphs gets no answer before the next question;
- schedule notices and closing words after the last answer ("外交部例行记者会将于…休会", "如无其他问题，今天记者会到此
  结束"), and whatever follows a "*****" row, are announcements (role OPENING), not part of the answer;
- "会后，就《南华早报》记者所提问题，赵立坚表示：" is a stage note; the reply after it joins the exchange of the outlet
  it names (an announcement when the outlet is unknown), not the exchange it happens to follow on the page;
- "彭博社记者追问：" is a follow-up asked by the outlet it names (which may differ from the previous asker);
- questions numbered "记者：一、……？" (put after the conference): an unlabelled "二、……？" after the answer is the same
  journalist's next question, not more of the answer (the English pages print each one as its own question);
- the journalist talking back inside an answer (``记者：是的。``, ``记者回答：``, ``记者澄清：``) opens a
  follow-up exchange (follow_up=True, the asker and outlet of the exchange it interrupts); the spokesperson's words
  after it answer that follow-up. English pages split at ``Journalist:`` the same way (docs/alignment-guide.md).
  A parenthesised ``（记者：……）`` is a stage note and stays out of the exchanges.

Decision on the 发言人表态 items (index subtype "remarks-or-qa"): a page with at least one question (答记者问, usually
one or two questions) is parsed as series "China MFA spokesperson's remarks"; a statement with no question at all
(发表谈话, 宣布) raises ParseError — it is not a question-and-answer page and would only add empty briefings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from selectolax.lexbor import LexborHTMLParser

from ..errors import NotABriefing, ParseError
from ..model import ASKER, OPENING, SPOKESPERSON, STAGE, Briefing, Turn
from . import Format
from ._common import assemble, build_turns, clean, is_stage_note, main_spokesperson, ymd_date
from .mfa_en_html import check_regular
from .outlets import lookup

NAME = "mfa-zh-html"
SERIES = "China MFA regular press conference"
REMARKS_SERIES = "China MFA spokesperson's remarks"

#: Spokespersons of the period; the title's name is added per page, so a new one is still recognised.
KNOWN_SPOKESPERSONS = frozenset({"耿爽", "华春莹", "陆慷", "赵立坚", "汪文斌", "毛宁", "林剑", "郭嘉昆"})

_TITLE_SPOKESPERSON = re.compile(r"发言人([\u4e00-\u9fff·]{2,4}?)(?:主持|答|就|宣布|表示|发表|：|:)")
_TITLE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SITE_SUFFIX = re.compile(r"\s*[—–-]+\s*中华人民共和国外交部\s*$")

# Labels end at the first colon; everything before it must look like a speaker, never like prose.
_COLON = re.compile(r"[：:]")
_POST_CONFERENCE = re.compile(
    r"^(会后[，,]?\s*有?([^，,。：:]{0,12}?)记者(?:问及|问|提问)[^：:，,。]{0,4})[：:，,]\s*(.*)$", re.S)
_NAME_SAYS = re.compile(r"^(?:外交部发言人)?([\u4e00-\u9fff]{2,4}?)(?:表示|宣布|说)[：:，,]\s*(.*)$", re.S)
_FOLLOW_UP = re.compile(r"^(?:追问[一二三四五六七八九十\d]*|(?:.{1,30})?记者追问)$")
#: The journalist talking back inside an answer ("记者：是的。", "记者澄清："): after the first question such a turn
#: opens a follow-up exchange of the journalist being answered (the rule of docs/alignment-guide.md, the same as
#: "Journalist:" on English pages); before it, "记者：" is an anonymous asker.
_INTERJECTION = {"记者", "记者解释", "记者澄清", "记者回答", "记者笑", "记者补充", "记者插话"}
_ASKER_LABEL = re.compile(r"^(?:[^，,。？?！!；;“”]{1,30}?)?记者(?:提问)?$")
_ANON_ASKERS = {"问", "有记者问", "记者问"}
# the spokesperson addressing a journalist ("我想告诉这位记者：") is prose, not a label
_ADDRESSED = re.compile(r"^(?:我|你|您|这|那|请|关于|对于?|向|给|至于)|这位|那位|该")
#: Stands in for the missing label of an answer the page prints unlabelled (becomes speaker None).
_UNLABELLED_ANSWER = ""
_HAS_WORDS = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


def _text_of(node) -> str:  # noqa: ANN001 - selectolax node
    return clean(node.text(deep=True, separator=""))


class _Labeller:
    """Splits a paragraph into (label, text) when it starts with a speaker label, and gives the label's role.

    Stateful: a bare "记者：" before any question is an asker, after one the journalist talking back.
    """

    def __init__(self, spokespersons: set[str]) -> None:
        self.spokespersons = spokespersons
        self.roles: dict[str, str] = {}
        self.seen_question = False
        self.post_conference: dict[str, str] = {}  # printed label -> asker

    def split(self, para: str) -> tuple[str | None, str]:
        if is_stage_note(para):
            return None, para
        m = _POST_CONFERENCE.match(para)
        if m:
            label = m.group(1)
            self.post_conference[label] = (m.group(2).strip() + "记者")
            self.roles[label] = ASKER
            self.seen_question = True
            return label, m.group(3).strip()
        m = _NAME_SAYS.match(para)
        if m and m.group(1) in self.spokespersons:
            self.roles[m.group(1)] = SPOKESPERSON
            return m.group(1), m.group(2).strip()
        c = _COLON.search(para, 0, 40)
        if not c:
            return None, para
        label = para[: c.start()].strip()
        rest = para[c.end():].strip()
        if label.startswith("外交部发言人") and label[6:] in self.spokespersons:
            label = label[6:]
        role = self._role(label)
        if role is None:
            return None, para
        self.roles[label] = role
        return label, rest

    def _role(self, label: str) -> str | None:
        if label in ("答",) or label in self.spokespersons:
            return SPOKESPERSON
        if label in _ANON_ASKERS or _FOLLOW_UP.match(label):
            self.seen_question = True
            return ASKER
        if label in _INTERJECTION:
            # after the first question: the journalist talking back mid-answer, a follow-up (see _INTERJECTION)
            self.seen_question = True
            return ASKER
        if _ASKER_LABEL.match(label) and not _ADDRESSED.match(label):
            self.seen_question = True
            return ASKER
        return None

    def classify(self, label: str) -> str | None:
        if label == _UNLABELLED_ANSWER:
            return SPOKESPERSON
        return self.roles.get(label)


def _title(doc: LexborHTMLParser) -> str:
    node = doc.css_first("#News_Body_Title") or doc.css_first(".news-title h1")
    title = _text_of(node) if node is not None else ""
    if not title:
        node = doc.css_first("title")
        title = _SITE_SUFFIX.sub("", _text_of(node)) if node is not None else ""
    return title


def _date(doc: LexborHTMLParser, title: str, source: str) -> dt.date:
    node = doc.css_first("#News_Body_Time") or doc.css_first(".news-title .time") or doc.css_first(".news-title")
    for text, pat in ((_text_of(node) if node is not None else "", _ISO_DATE), (title, _TITLE_DATE)):
        date = ymd_date(pat.search(text))
        if date is not None:
            return date
    raise ParseError(source, "no date: neither #News_Body_Time nor the title holds a date")


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse one MFA Chinese page; ParseError when it is not a press conference or Q&A page."""
    doc = LexborHTMLParser(text)
    # 2016-2020 site: #News_Body_Txt_A; the site since 2021 (mfa.gov.cn/web/...): div.news-main
    body = doc.css_first("#News_Body_Txt_A") or doc.css_first("div.news-main")
    if body is None:
        raise ParseError(source, "not an MFA Chinese article page (no #News_Body_Txt_A or news-main body)")
    if "</html>" not in text[-3000:].lower():
        # every page the site serves ends with </html>; without it the transcript may have lost its last answers
        raise ParseError(source, "truncated page: it stops before </html>; fetch it again")
    title = _title(doc)
    if not title:
        raise ParseError(source, "no title (#News_Body_Title is empty)")
    date = _date(doc, title, source)
    m = _TITLE_SPOKESPERSON.search(title)
    title_spokesperson = m.group(1) if m else None
    spokespersons = set(KNOWN_SPOKESPERSONS)
    if title_spokesperson:
        spokespersons.add(title_spokesperson)

    labeller = _Labeller(spokespersons)
    inline_answer = re.compile(r"(?<=[？?。！!”）)])\s*(答|" + "|".join(sorted(spokespersons)) + r")[：:]\s*")
    paragraphs: list[tuple[str | None, str]] = []
    speaking: str | None = None  # role of the last labelled speaker
    after_interjection = False
    talked_back: set[str] = set()  # interjection labels used after the first question
    numbered_asker: str | None = None  # the label of a question numbered "一、" (several questions put in writing)
    for p in body.css("p"):
        para = _text_of(p)
        if para and _SEPARATOR.match(para) and labeller.seen_question:
            # kept as a marker: what follows a "*****" row is closing words, not part of the last answer
            paragraphs.append((None, _SEPARATOR_MARK))
            continue
        if not para or not _HAS_WORDS.search(para):  # empty or a "****" separator
            continue
        seen_question = labeller.seen_question
        label, rest = labeller.split(para)
        role = labeller.classify(label) if label is not None else None
        interjection = seen_question and role == ASKER and label in _INTERJECTION
        if (role == STAGE or interjection
                or (label is None and para.startswith("（记者") and is_stage_note(para))):
            after_interjection = True
            if speaking == ASKER and paragraphs and paragraphs[-1][0] is None:
                # the journalist answers someone: the unlabelled paragraph before was the spokesperson asking back
                paragraphs[-1] = (_UNLABELLED_ANSWER, paragraphs[-1][1])
                speaking = SPOKESPERSON
            if interjection:
                talked_back.add(label)
                speaking = ASKER
        elif label is None and after_interjection and speaking == ASKER:
            # the journalist answered the spokesperson's question back; who speaks on unlabelled is the spokesperson
            label, after_interjection = _UNLABELLED_ANSWER, False
            speaking = SPOKESPERSON
        else:
            after_interjection = False
            if role is not None:
                speaking = role
        if label is None and numbered_asker and speaking == SPOKESPERSON and _NEXT_NUMBERED.match(para):
            # "记者：一、……？" answered, then "二、……？" unlabelled: the same journalist's next question
            label, rest, role, speaking = numbered_asker, para, ASKER, ASKER
        elif role == ASKER:
            numbered_asker = label if rest.startswith("一、") else None
        if role == ASKER:
            m = inline_answer.search(rest)
            if m:
                # the page ran the answer into the question's paragraph ("问：……？答：……")
                answer_label = m.group(1)
                labeller.roles[answer_label] = SPOKESPERSON
                paragraphs.append((label, rest[: m.start()].rstrip()))
                label, rest, speaking = answer_label, rest[m.end():].strip(), SPOKESPERSON
        paragraphs.append((label, rest))
    if not paragraphs:
        raise ParseError(source, "the page body is empty (truncated page or not a transcript)")
    turns = build_turns(paragraphs, labeller.classify)
    turns = _recover_unlabelled_answers([Turn(t.role, None, t.paragraphs) if t.speaker == _UNLABELLED_ANSWER else t
                                         for t in turns])
    # after the recovery: a notice may close an answer the page printed without its label
    turns, later = _split_later_answers(_split_notices(turns), spokespersons)

    follow_ups = {lab for lab, role in labeller.roles.items() if role == ASKER and _FOLLOW_UP.match(lab)}
    follow_ups |= talked_back
    openings, exchanges = assemble([t for t in turns if id(t) not in later], title_spokesperson,
                                   follow_up_labels=follow_ups, lookup=lookup)
    exchanges = tuple(_normalise_asker(e, labeller) for e in exchanges)
    exchanges, openings = _attach_later_answers(turns, later, exchanges, openings)

    regular = "例行记者会" in title
    if not regular and not exchanges:
        raise NotABriefing(source, "a spokesperson statement with no question, not a press conference or Q&A page")
    if regular and not exchanges and not openings:
        raise ParseError(source, "no questions and no announcements found in the page body")
    spokesperson = title_spokesperson or main_spokesperson(openings, exchanges)
    return Briefing(series=SERIES if regular else REMARKS_SERIES, lang="zh", date=date, title=title,
                    spokesperson=spokesperson, url=url, source=source, format=NAME, openings=openings,
                    exchanges=exchanges, turns=tuple(turns))


#: The second, third ... of numbered questions ("二、据报道，……？"), printed without a label after the answer to "一、".
_NEXT_NUMBERED = re.compile(r"^[二三四五六七八九十]、.{0,400}[？?]")

#: A row of asterisks (or dashes) the page prints before the spokesperson's closing words.
_SEPARATOR = re.compile(r"^[*＊\-－=＝_~·•#※]{3,}$")
_SEPARATOR_MARK = "*****"
#: Schedule notices and closing words printed after the last answer ("外交部例行记者会将于…休会", "如无其他问题，今天
#:记者会到此结束", "谢谢大家出席今天的记者会"): announcements, not part of the answer they follow.
_NOTICE = re.compile(
    r"^(?:如无其他问题|如果没有(?:其他)?问题了?|没有其他问题了?|如果大家没有(?:其他)?问题了?)[，,]"
    r"|^(?:最后，)?我(?:这里)?(?:有|宣布)一则通知"
    r"|(?:外交部例行记者会|(?:今天|明天|下次)的?(?:例行)?记者会).{0,60}?"
    r"(?:休会|暂停|恢复|到此结束|就到这里|提前|推迟|改在|照常)"
    r"|^休会期间|^谢谢大家出席")


def _split_notices(turns: list[Turn]) -> list[Turn]:
    """Move schedule notices and closing words out of the answer they follow, as announcements (role OPENING).

    Cut points: an unlabelled paragraph (not the first of its turn) that is a notice, or a "*****" row; a
    spokesperson turn after a "*****" row (before any further question), or a second spokesperson turn that opens
    with a notice, is an announcement too. The separator rows themselves are dropped.
    """
    out: list[Turn] = []
    after_sep = False
    prev_role: str | None = None
    for t in turns:
        if t.role == ASKER:
            after_sep = False
        paras = t.paragraphs
        if t.role == ASKER and _SEPARATOR_MARK in paras:  # a question the page left unanswered: keep it whole
            paras = tuple(p for p in paras if p != _SEPARATOR_MARK)
            t = Turn(t.role, t.speaker, paras)
        if t.role == SPOKESPERSON and (after_sep or (prev_role == SPOKESPERSON and paras and _NOTICE.search(paras[0]))):
            t = Turn(OPENING, t.speaker, paras)
        cut = next((i for i, p in enumerate(paras) if p == _SEPARATOR_MARK
                    or (i and t.role in (SPOKESPERSON, OPENING) and _NOTICE.search(p))), None)
        if cut is not None:
            after_sep = after_sep or _SEPARATOR_MARK in paras[cut:]
            head = paras[:cut]
            rest = tuple(p for p in paras[cut:] if p != _SEPARATOR_MARK)
            if head:
                out.append(Turn(t.role, t.speaker, head))
            if rest:  # the generic "答" names nobody
                out.append(Turn(OPENING, t.speaker if t.speaker != "答" else None, rest))
        else:
            out.append(t)
        if t.role != STAGE:
            prev_role = t.role
    return out


#: "会后，就《南华早报》记者所提问题，赵立坚表示：": a reply given after the press conference to a question asked
#: in it.
_LATER_ANSWER = re.compile(
    r"^会后[，,]?\s*(?P<a>[\u4e00-\u9fff]{2,4})?(?:还|又)?就(?P<who>[^，,。：:]{1,30}?)(?:所提|提出|提)的?"
    r"(?:有关)?问题[，,]?\s*(?P<b>[\u4e00-\u9fff]{2,4}?)?(?:表示|回应|答复|作出回应|作出答复|补充表示)[：:，,]"
    r"\s*(?P<rest>.*)$", re.S)


def _split_later_answers(turns: list[Turn], spokespersons: set[str]) -> tuple[list[Turn], dict[int, str]]:
    """Cut "会后，就X记者所提问题，赵立坚表示：" and what follows out of the answer it was printed after.

    Returns the turns (the note as a STAGE turn, the reply as a SPOKESPERSON turn named by the note) and, by id of
    each reply turn, the asker the note names: the reply belongs to that journalist's exchange, not the last one.
    """
    out: list[Turn] = []
    later: dict[int, str] = {}
    for t in turns:
        k, m = next(((k, m) for k, p in enumerate(t.paragraphs) if t.role in (SPOKESPERSON, OPENING)
                     and (m := _LATER_ANSWER.match(p))), (None, None))
        name = m and (m.group("a") or m.group("b"))
        if m is None or (name and name not in spokespersons):
            out.append(t)
            continue
        if t.paragraphs[:k]:
            out.append(Turn(t.role, t.speaker, t.paragraphs[:k]))
        rest = m.group("rest").strip()
        note = t.paragraphs[k][: len(t.paragraphs[k]) - len(rest)].strip() if rest else t.paragraphs[k]
        out.append(Turn(STAGE, None, (note,)))
        reply = Turn(SPOKESPERSON, name or t.speaker, ((rest,) if rest else ()) + t.paragraphs[k + 1:])
        if reply.paragraphs:
            out.append(reply)
            later[id(reply)] = m.group("who").strip()
    return out, later


def _attach_later_answers(turns, later, exchanges, openings):  # noqa: ANN001, ANN202
    """Each reply given after the press conference joins the last exchange asked by the outlet its note names
    (an outlet the registry knows); a reply to nobody we can name is an announcement."""
    if not later:
        return exchanges, openings
    exchanges, extra = list(exchanges), []
    for t in turns:
        who = later.get(id(t))
        if who is None:
            continue
        outlet, _ = lookup(who)
        i = next((i for i in range(len(exchanges) - 1, -1, -1) if outlet and exchanges[i].outlet == outlet), None)
        if i is None:
            extra.append(Turn(OPENING, t.speaker, t.paragraphs))
        else:
            exchanges[i] = replace(exchanges[i], answers=exchanges[i].answers + (t,))
    return tuple(exchanges), tuple(openings) + tuple(extra)


_QUESTION_END = re.compile(r"[？?][”'’）)]*$")


def _recover_unlabelled_answers(turns: list[Turn]) -> list[Turn]:
    """Split the answer back off a question turn when the page forgot the answer's label.

    On ~20 pages the spokesperson's reply to a follow-up is printed without "答：", so it runs on inside the
    question turn and the next question arrives with no answer. A question turn of several paragraphs followed by
    another question (or the end) is split after its first paragraph ending in a question mark (else its first
    paragraph); the rest becomes an unlabelled spokesperson turn (speaker None: the page names nobody).
    """
    out: list[Turn] = []
    speech = [i for i, t in enumerate(turns) if t.role != STAGE]
    following = {a: b for a, b in zip(speech, speech[1:], strict=False)}
    for i, t in enumerate(turns):
        nxt = following.get(i)
        if (t.role == ASKER and len(t.paragraphs) > 1
                and (nxt is None or turns[nxt].role == ASKER)):
            cut = next((k + 1 for k, p in enumerate(t.paragraphs[:-1]) if _QUESTION_END.search(p)), 1)
            out.append(Turn(ASKER, t.speaker, t.paragraphs[:cut]))
            out.append(Turn(SPOKESPERSON, None, t.paragraphs[cut:]))
        else:
            out.append(t)
    return out


_NAMED_FOLLOW_UP = re.compile(r"^(.{1,30}记者)追问$")


def _normalise_asker(e, labeller: _Labeller):  # noqa: ANN001, ANN202 - Exchange in, Exchange out
    """Askers as the journalist is named: "会后，有记者问及" -> "记者", "新华社记者提问" -> "新华社记者",
    "彭博社记者追问" -> "彭博社记者" (a follow-up, possibly on another journalist's question)."""
    asker = e.asker
    m = _NAMED_FOLLOW_UP.match(e.question.speaker or "") if e.follow_up else None
    if m:
        # "彭博社记者追问：" follows up someone else's question: the asker is the one the label names
        outlet, outlet_type = lookup(m.group(1))
        return replace(e, asker=m.group(1), outlet=outlet, outlet_type=outlet_type)
    if asker in labeller.post_conference:
        asker = labeller.post_conference[asker]
    elif asker in ("有记者问", "记者问"):
        asker = "记者"
    elif asker and asker.endswith("提问") and asker != "提问":
        asker = asker[:-2]
    if asker == e.asker or e.follow_up:
        return e
    outlet, outlet_type = lookup(asker)
    return replace(e, asker=asker, outlet=outlet, outlet_type=outlet_type)


_CJK_TITLE = re.compile(r"<title>[^<]*[\u4e00-\u9fff]{2}[^<]*(?:记者会|记者问|发言人)", re.I)


def sniff(text: str, source: str = "") -> float:
    """1.0 for an fmprc.gov.cn / mfa.gov.cn Chinese article page; 0 otherwise (the English site shares the layout)."""
    head = text[:200_000]
    if 'id="News_Body_Txt_A"' in head or "id=News_Body_Txt_A" in head:
        return 1.0 if "外交部" in head else 0.5
    if 'class="news-main"' in head and _CJK_TITLE.search(head):
        return 0.9
    return 0.0


FORMAT = Format(NAME, "Chinese MFA pages (fmprc.gov.cn 2016-2020: 问/答/追问 and 路透社记者/赵立坚 labels)",
                sniff, parse, check=check_regular)
