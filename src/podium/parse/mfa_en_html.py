"""The MFA English transcript pages of the 2018-2020 fmprc.gov.cn site ("mfa-en-html"), and the label rules every
MFA English layout shares (the 2023 text layout in mfa_en_text reuses ``parse_paragraphs``).

Page shape: title in ``<title>``/``<h2 class="title">``, transcript in ``<div class="content">`` (up to
``<div class="tool"``), one ``<P>`` per paragraph (some pages split paragraphs with ``<BR><BR>`` instead).
Labels: before 2020-03-24 ``Q:``/``A:``/``Follow-up:`` with unlabelled opening announcements; from 2020-03-24
``Reuters:``/``Journalist:`` askers and the spokesperson's name, which also labels the announcements.

Decisions:
- "Regular Press Conference" and "Daily Briefing Online" pages (the written Q&A that replaced the press
  conference in February-March 2020, same Q:/A: shape) are both series ``SERIES``; the title tells them apart.
- "Spokesperson's Remarks" pages with questions and answers (the written Q&A of the August 2019 break) parse as
  series ``REMARKS_SERIES`` so counts of press conferences are not inflated; a remarks page without a question
  or without a date is rejected with a ParseError (it is a statement, not a briefing).
- "Journalist adds:", "The journalist clarified:" (an asker answering the spokesperson's counter-question), and
  "Reuters (follow-up):" / "Follow-up from Reuters:" are follow-ups of the exchange they belong to. So is a plain
  "Journalist:" after an answer (the journalist talking back): a follow-up of the asker it interrupts, the same rule
  as "记者：" on Chinese pages (docs/alignment-guide.md).
- Askers: registered outlets (data/outlets*.json), anonymous labels, and title-case labels that look like an outlet
  we have not registered; the last only when the spokesperson answers next (so "Mutual Respect and Win-Win
  Cooperation: these are ..." inside an answer stays prose). A misprinted spokesperson's name ("Geng Shaung",
  "Spokesperson Mao Ning") still labels the spokesperson.
- Schedule notices after the last answer ("... will be adjourned", "... will start at 2 p.m."), and whatever follows
  a "*****" row (ASCII or full-width "＊＊＊"; the spokesperson's closing words, labelled or not), are announcements
  (role OPENING), as on Chinese pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from selectolax.lexbor import LexborHTMLParser

from ..errors import NotABriefing, ParseError
from ..model import ASKER, OPENING, SPOKESPERSON, STAGE, Briefing, Turn
from . import Format
from . import outlets as _outlets
from ._common import FOLLOW_UP_LABELS, assemble, build_turns, clean, main_spokesperson, split_label, ymd_date

__all__ = ["FORMAT", "KNOWN_SPOKESPERSONS", "REMARKS_SERIES", "SERIES", "classifier", "parse", "parse_date",
           "parse_paragraphs", "parse_title", "sniff", "spokesperson_name"]

SERIES = "China MFA regular press conference"
REMARKS_SERIES = "China MFA spokesperson's remarks"
NAME = "mfa-en-html"

#: MFA spokespersons, 2000s to 2020s: a label equal to one of them is the spokesperson answering.
KNOWN_SPOKESPERSONS = (
    "Zhu Bangzao", "Sun Yuxi", "Zhang Qiyue", "Kong Quan", "Liu Jianchao", "Qin Gang", "Jiang Yu", "Ma Zhaoxu",
    "Hong Lei", "Liu Weimin", "Hua Chunying", "Lu Kang", "Geng Shuang", "Zhao Lijian", "Wang Wenbin", "Mao Ning",
    "Wang Yi", "Lin Jian", "Guo Jiakun",
)
_KNOWN = {n.casefold(): n for n in KNOWN_SPOKESPERSONS}

_ANON_ASKERS = frozenset({"q", "question", "journalist", "journalists", "reporter", "reporters", "foreign journalist",
                          "foreign reporter", "correspondent"})
_SPOKES_GENERIC = frozenset({"a", "answer", "spokesperson"})
#: An asker answering the spokesperson's counter-question: the same exchange goes on.
_JOURNALIST_AGAIN = re.compile(
    r"^(?:the\s+)?(?:journalist|reporter|correspondent)\s+(?:adds|added|explains|explained|clarifies|clarified|"
    r"continues|continued|replies|replied|responds|responded|says|said|answers|answered|follows\s+up)$", re.I)
#: "Reuters (follow-up)", "Follow-up from Reuters", "Follow-up question by AFP": a follow-up naming its asker.
_NAMED_FOLLOW_UP = re.compile(
    r"^(?:.{2,50}?\s*[(（]\s*follow[\s-]?up(?:\s+question)?\s*[)）]|follow[\s-]?up(?:\s+question)?\s+(?:from|by)\s+.{2,50})$",
    re.I)
_SMALL_WORDS = frozenset({"of", "and", "the", "de", "du", "der", "des", "la", "le", "el", "for", "on", "in", "am",
                          "di", "da", "van", "von", "&", "news", "to"})
_PROSE_WORDS = frozenset({"i", "i'd", "i'm", "i'll", "we", "we'd", "our", "my", "you", "your", "this", "that",
                          "these", "those", "it", "it's", "here", "here's", "let", "but", "what", "there", "as",
                          "if", "when", "why", "how", "so", "and", "or"})

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), 1)}
_DATE_RE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                      r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})",
                      re.I)
_ISO_DATE_RE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_TITLE_RE = re.compile(
    r"Spokesperson\s+(?P<name>[A-Z][\w\-]+(?:\s+[A-Z][\w\-]+){0,3}?)\s*['’`]s\s+(?P<kind>Regular\s+Press\s+"
    r"Conference|Daily\s+Briefing\s+Online|Remarks|Press\s+Conference|Online\s+Press\s+Conference)", re.I)
_TITLE_KIND_RE = re.compile(r"(?P<kind>Regular\s+Press\s+Conference|Daily\s+Briefing\s+Online|Remarks|"
                            r"Online\s+Press\s+Conference|Press\s+Conference)", re.I)
_TITLE_NAME_FIRST_RE = re.compile(
    r"(?P<name>[A-Z][a-z]+(?:[\s-][A-Z]?[a-z]+){1,2})\s*['’`]s\s+(?P<kind>Regular\s+Press\s+Conference|"
    r"Daily\s+Briefing\s+Online|Remarks|Online\s+Press\s+Conference)\b")
_TITLE_NAME_AFTER_RE = re.compile(r"Spokesperson\s+(?P<name>[A-Z][a-z]+\s+[A-Z][a-z]+)")
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_PARA_SEP = "\u2029"


def parse_date(text: str) -> dt.date | None:
    """The first "May 11, 2018" / "June11, 2018" / "2018-05-11" date in a string, or None."""
    m = _DATE_RE.search(text)
    if m:
        month = _MONTHS.get(m.group(1).lower()) or next(
            (v for k, v in _MONTHS.items() if k.startswith(m.group(1).lower()[:3])), None)
        try:
            return dt.date(int(m.group(3)), month, int(m.group(2)))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            pass
    return ymd_date(_ISO_DATE_RE.search(text))


_MONTH_DAY_RE = re.compile(r"\bon\s+(January|February|March|April|May|June|July|August|September|October|November|"
                           r"December)\.?\s*(\d{1,2})\b(?!\s*,?\s*\d{4})", re.I)
_STAMP_RE = re.compile(r"W0(20\d\d)(\d\d)(\d\d)\d")


def date_from_stamps(title: str, html: str) -> dt.date | None:
    """The date of a page whose title has month and day but no year ("on September 10"): the year comes from
    the upload stamp of its pictures (``W020180910…jpg``), the publisher's own date; with no title date at all,
    the earliest stamp. None without stamps."""
    stamps = [d for d in map(ymd_date, _STAMP_RE.finditer(html)) if d is not None]
    if not stamps:
        return None
    first = min(stamps)
    m = _MONTH_DAY_RE.search(title)
    if not m:
        return None
    month, day = _MONTHS[m.group(1).lower()], int(m.group(2))
    for year in (first.year, first.year - 1):  # a December briefing whose pictures were stamped in January
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if d <= first + dt.timedelta(days=3):
            return d
    return None


def parse_title(title: str) -> tuple[str | None, str | None]:
    """(spokesperson, kind) from "Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on ...";
    kind is "regular", "online" or "remarks"; (None, None) when the title is not a spokesperson's page."""
    m = _TITLE_RE.search(title)
    if m:
        name: str | None = " ".join(m.group("name").split())
        name = _KNOWN.get(name.casefold(), name)
        kind = m.group("kind").lower()
    elif (m := _TITLE_NAME_FIRST_RE.match(clean(title))) and (
            m.group("name").casefold() in _KNOWN or m.group("kind").lower().startswith("regular")):
        # today's site: "Lin Jian’s Regular Press Conference on July 28, 2026" (no "Spokesperson"); a name not
        # known as a spokesperson's only before "Regular Press Conference" (anyone's "Remarks" are not a briefing)
        name = _KNOWN.get(" ".join(m.group("name").split()).casefold(), " ".join(m.group("name").split()))
        kind = m.group("kind").lower()
    else:  # "Foreign Ministry Spokesperson's Regular Press Conference on ...": no name
        m = _TITLE_KIND_RE.search(title)
        if not m or "spokesperson" not in title.lower():
            return None, None
        name, kind = None, m.group("kind").lower()
        n = _TITLE_NAME_AFTER_RE.search(title)
        if n and n.group("name").casefold() in _KNOWN:
            name = _KNOWN[n.group("name").casefold()]
    kind = "remarks" if kind.startswith("remarks") else "online" if ("online" in kind) else "regular"
    return name, kind


#: First words of title-case phrases that open a sentence or a heading, not an outlet's name.
_NOT_OUTLET_FIRST = frozenset({
    "according", "first", "second", "third", "fourth", "fifth", "finally", "firstly", "secondly", "thirdly",
    "lastly", "note", "notes", "ps", "p.s.", "background", "attachment", "source", "sources", "update", "example",
    "fact", "facts", "quote", "reference", "editor's", "also", "besides", "moreover", "meanwhile", "today",
    "yesterday", "now", "then", "please", "dear", "ladies", "friends", "colleagues", "headline", "title",
    "subject", "date", "time", "venue", "location", "question", "questions", "answer", "announcement",
    "announcements", "president", "premier", "minister", "ambassador", "chairman", "secretary", "mr.", "ms.",
    "dr.", "in", "on", "at", "for", "with", "from", "by", "to", "of", "the", "a", "an",
    # page furniture of copied transcripts ("Updated: July 15, 2024", "Address: No. 2 ...", "Editor: ...")
    "updated", "published", "posted", "address", "tel", "tel.", "fax", "email", "e-mail", "editor", "editors",
    "author", "photo", "video", "contact", "keywords", "tags", "share", "print", "related", "copyright", "click",
    "download", "link", "links", "home", "next", "previous", "prev", "website", "url",
})


def _looks_like_outlet(label: str) -> bool:
    """A label that names an outlet we have not registered: short, title-case, not the start of a sentence."""
    words = label.split()
    if not words or len(words) > 6 or len(label) > 50 or not (label[0].isupper() or label[0].isdigit()):
        return False
    if words[0].lower() in _NOT_OUTLET_FIRST and not (words[0] == "The" and len(words) > 1):
        return False
    for w in words:
        lw = w.lower()
        if lw in _PROSE_WORDS:
            return False
        if lw in _SMALL_WORDS:
            continue
        if not (w[0].isupper() or w[0].isdigit()):
            return False
    return True


def _edits(a: str, b: str, limit: int) -> int:
    """Edit distance of two short strings (a swap of neighbouring letters counts one), stopping early once it
    exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                d = min(d, before[j - 2] + 1)
            cur.append(d)
        if min(cur) > limit:
            return limit + 1
        before, prev = prev, cur
    return prev[-1]


_SPOKES_PREFIX = re.compile(r"^(?:(?:foreign\s+ministry|mfa)\s+)?spokes(?:person|man|woman)\s+", re.I)


@functools.lru_cache(maxsize=2048)
def spokesperson_name(label: str, own: str | None = None) -> str | None:
    """The spokesperson a label names: "Zhao Lijian", "Spokesperson Zhao Lijian", or a misprint of a known name
    ("Geng Shaung", "ZhaoLijian"); None for any other label."""
    low = _SPOKES_PREFIX.sub("", " ".join(label.split())).casefold()
    if own and low == own.casefold():
        return own
    if low in _KNOWN:
        return _KNOWN[low]
    squeezed = low.replace(" ", "").replace("-", "")
    if not (6 <= len(squeezed) <= 16) or not squeezed.isalpha():
        return None
    for name in ((own,) if own else ()) + KNOWN_SPOKESPERSONS:
        target = name.casefold().replace(" ", "")
        # a typo in the printed name (one or two letters): the page still means its spokesperson
        if _edits(squeezed, target, 2) <= (1 if len(target) < 8 else 2):
            return name
    return None


def classifier(spokesperson: str | None):
    """The label -> role function for MFA English pages whose title names ``spokesperson``."""
    own = spokesperson.casefold() if spokesperson else None

    def classify(label: str) -> str | None:
        low = " ".join(label.split()).casefold()
        if low in _SPOKES_GENERIC or low in _KNOWN or low == own:
            return SPOKESPERSON
        if low in _ANON_ASKERS or low in FOLLOW_UP_LABELS or _JOURNALIST_AGAIN.match(low):
            return ASKER
        if _NAMED_FOLLOW_UP.match(low):
            return ASKER
        if _outlets.lookup(label)[0] is not None:
            return ASKER
        if spokesperson_name(label, spokesperson) is not None:
            return SPOKESPERSON
        if _looks_like_outlet(label):
            return ASKER
        return None

    return classify


#: A schedule notice ("the regular press conference ... will be adjourned on ...", "... will start at 2 p.m.")
#: printed after the questions: an announcement, not part of the answer it follows.
_SCHEDULE_NOTICE = re.compile(
    r"\b(?:press\s+conferences?|(?:online\s+)?briefings?)\b.{0,100}?\bwill\s+(?:be\s+)?"
    r"(?:adjourn|resume|suspend|cancel|postpone|(?:in\s+)?recess|halted"
    r"|(?:held|start|begin)\b.{0,30}?(?:\bat\s+\d|\bearlier\b|\blater\b|\bp\.?m\b|\ba\.?m\b))"
    r"|^(?:According\s+to|In\s+(?:observance|accordance)).{0,120}?\bthere\s+will\s+be\s+no\s+(?:regular\s+)?"
    r"press\s+conference"
    r"|^During\s+the\s+(?:adjournment|recess|break|holiday)", re.I)


#: A row of asterisks the page prints before the spokesperson's closing words.
_SEPARATOR = re.compile(r"^[*＊\-－=＝_~·•#※]{3,}$")


def _is_notice(p: str) -> bool:
    return ("onference" in p or "riefing" in p or p.startswith("During")) and bool(_SCHEDULE_NOTICE.search(p))


def _split_notices(turns: list[Turn]) -> list[Turn]:
    """Move schedule notices that the page printed after an answer (unlabelled), and closing words after a
    "*****" separator, out of the answer as announcements (role OPENING): they belong to no exchange. A
    spokesperson's turn after a separator (and before any further question) is an announcement too; the
    separator rows themselves are dropped."""
    out: list[Turn] = []
    after_sep = False
    for t in turns:
        if t.role == ASKER:
            after_sep = False
        if t.role == SPOKESPERSON and after_sep:
            t = Turn(OPENING, t.speaker, t.paragraphs)
        if t.role == SPOKESPERSON and len(t.paragraphs) > 1:
            cut = next((i for i, p in enumerate(t.paragraphs) if i and (_is_notice(p) or _SEPARATOR.match(p))),
                       None)
            if cut is not None:
                after_sep = after_sep or bool(_SEPARATOR.match(t.paragraphs[cut]))
                out.append(Turn(t.role, t.speaker, t.paragraphs[:cut]))
                rest = tuple(p for p in t.paragraphs[cut:] if not _SEPARATOR.match(p))
                if rest:
                    out.append(Turn(OPENING, None, rest))
                continue
        if any(_SEPARATOR.match(p) for p in t.paragraphs):
            after_sep = after_sep or t.role != ASKER
            kept = tuple(p for p in t.paragraphs if not _SEPARATOR.match(p))
            if not kept:
                continue
            t = Turn(t.role, t.speaker, kept)
        out.append(t)
    return out


def _known_asker(label: str) -> bool:
    """An asker label we can vouch for: anonymous, a follow-up, or a registered outlet (not merely title case)."""
    low = " ".join(label.split()).casefold()
    return (low in _ANON_ASKERS or low in FOLLOW_UP_LABELS or bool(_JOURNALIST_AGAIN.match(low))
            or bool(_NAMED_FOLLOW_UP.match(low))
            or _outlets.lookup(label)[0] is not None)


def _screen_labels(paragraphs: list[str], classify) -> list[str | tuple[None, str]]:
    """The paragraphs for build_turns, with title-case phrases that only look like an unregistered outlet
    ("Mutual Respect and Win-Win Cooperation: these are ...") kept as prose: such a label is an asker only when
    the next speaker is the spokesperson answering (or, at the end of the page, when its turn asks something)."""
    # only a paragraph with a colon near its start can carry a label (most paragraphs have none: skip the regex)
    split = [split_label(p) if (":" in p[:100] or "：" in p[:100]) else (None, p) for p in paragraphs]
    roles = [classify(label) if label is not None else None for label, _ in split]
    out: list[str | tuple[None, str]] = list(paragraphs)
    for i, (label, _) in enumerate(split):
        if roles[i] != ASKER or label is None or _known_asker(label):
            continue
        nxt = next((k for k in range(i + 1, len(split)) if roles[k] is not None), None)
        if nxt is not None:
            ok = roles[nxt] == SPOKESPERSON
        else:
            ok = any("?" in p or "？" in p for p in paragraphs[i:])
        if not ok:
            out[i] = (None, paragraphs[i])
            roles[i] = None
    return out


#: A bare "Journalist:" after an answer is the journalist talking back to the spokesperson (the "Q:" pages name
#: askers "Q", the 2020 pages by outlet): a follow-up of the exchange it interrupts, as "记者：" on Chinese pages.
_TALK_BACK = frozenset({"journalist", "reporter"})


def _follow_up_labels(turns) -> set[str]:
    labels = set(FOLLOW_UP_LABELS)
    prev_role = None
    for t in turns:
        if t.role == ASKER and t.speaker and (_JOURNALIST_AGAIN.match(t.speaker) or _NAMED_FOLLOW_UP.match(t.speaker)):
            labels.add(t.speaker.lower())
        elif (t.role == ASKER and t.speaker and prev_role == SPOKESPERSON
              and " ".join(t.speaker.split()).casefold() in _TALK_BACK):
            labels.add(t.speaker.lower())
        if t.role != STAGE:
            prev_role = t.role
    return labels


def parse_paragraphs(paragraphs: list[str], *, title: str, date: dt.date, source: str, url: str | None,
                     format: str, series: str = SERIES, spokesperson: str | None = None) -> Briefing:
    """A Briefing from the cleaned paragraphs of an MFA English transcript (any layout).

    ``spokesperson``: the name the title gives (answers labelled "A" are his or hers); None to take it from the
    title here. Raises ParseError when no question is found.
    """
    if spokesperson is None:
        spokesperson, _ = parse_title(title)
    classify = classifier(spokesperson)
    paragraphs = [p for p in paragraphs if p]
    turns = _split_notices(build_turns(_screen_labels(paragraphs, classify), classify, split_unanswered=True))
    names = {t.speaker: spokesperson_name(t.speaker, spokesperson) or t.speaker
             for t in turns if t.role in (SPOKESPERSON, OPENING) and t.speaker}
    if spokesperson:
        names.update({k: spokesperson for k in names if k.casefold() == spokesperson.casefold()})
    openings, exchanges = assemble(turns, spokesperson, generic_answer_labels=_SPOKES_GENERIC,
                                   follow_up_labels=_follow_up_labels(turns), names=names)
    if not exchanges:
        raise ParseError(source, "no questions and answers found: not a press-conference transcript "
                                 f"(title {title!r})")
    main = spokesperson or main_spokesperson(openings, exchanges, generic_answer_labels=_SPOKES_GENERIC)
    return Briefing(series=series, lang="en", date=date, title=title, spokesperson=main, url=url, source=source,
                    format=format, openings=openings, exchanges=exchanges, turns=tuple(turns))


def normalise_title(title: str) -> str:
    """Title as printed, whitespace cleaned, curly apostrophes straightened, site suffixes dropped."""
    t = clean(title).replace("’", "'").replace("‘", "'")
    t = re.sub(r"\s*[-|_]\s*(?:Ministry of Foreign Affairs.*|fmprc.*|外交部.*)$", "", t, flags=re.I)
    return t


def sniff(text: str, source: str) -> float:
    """High for an MFA English spokesperson page of the 2018-2020 site, 0 for anything else."""
    head = text[:6000]
    if "<" not in head:
        return 0.0
    m = _TITLE_TAG.search(head)
    title = m.group(1) if m else ""
    spokes = "Spokesperson" in title and parse_title(title)[1] is not None
    has_content = 'class="content"' in text or "class=content" in text
    if spokes and has_content:
        # the 2018-2020 template's own markers; a newer page that merely has some div.content scores lower than
        # mfa-en-text's HTML mode
        return 0.9 if ("content_mod" in text or "News_Body_Time" in text) else 0.45
    if "mfa_eng" in text[:20000] and has_content and "Spokesperson" in text[:20000]:
        return 0.6
    return 0.0


def _truncated(text: str) -> bool:
    tail = text[-4000:].lower()
    return "</html" not in tail and "</body" not in tail


_BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|tr|table|blockquote)\s*>|<(?:p|div|li|h[1-6]|tr)\b", re.I)


def _paragraphs(content) -> list[str]:
    """The cleaned paragraphs of the transcript body: one per <p> (split at <br>s); when most of the text sits
    outside <p> elements (<div> per paragraph, bare text), one per block element instead."""
    for br in content.css("br"):  # "<BR><BR>" separates paragraphs on some pages
        br.replace_with(_PARA_SEP)
    paragraphs: list[str] = []
    in_p = 0
    for p in content.css("p"):
        raw = p.text()
        in_p += len(raw)
        for part in raw.split(_PARA_SEP) if _PARA_SEP in raw else (raw,):
            part = clean(part)
            if part:
                paragraphs.append(part)
    total = len(content.text())
    if total and in_p < 0.5 * total:
        fragment = LexborHTMLParser(_BLOCK_END.sub(lambda m: _PARA_SEP + m.group(0), content.html or ""))
        paragraphs = [c for c in (clean(x) for x in fragment.body.text().split(_PARA_SEP)) if c]
    return paragraphs


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse one 2018-2020 MFA English transcript page; ParseError naming the file when it is not one."""
    if "<" not in text[:2000]:
        raise ParseError(source, "not an HTML page (expected an MFA English transcript page)")
    tree = LexborHTMLParser(text)
    node = tree.css_first("h2.title") or tree.css_first("title")
    title = normalise_title(node.text()) if node is not None else ""
    content = tree.css_first("div.content")
    if content is None:
        if _truncated(text):
            raise ParseError(source, "truncated page: it ends before the transcript body (<div class=\"content\">)")
        raise ParseError(source, "no transcript body (<div class=\"content\">): not an MFA English briefing page")
    start = text.find('class="content"')
    if _truncated(text) or (start >= 0 and text.find('class="tool"', start) < 0 and "</div>" not in text[-3000:]):
        raise ParseError(source, "truncated page: the transcript is cut off (no end of page after the body)")
    spokesperson, kind = parse_title(title)
    if kind is None:
        raise ParseError(source, f"not a spokesperson's transcript (title {title!r})")
    date = parse_date(title)
    if date is None:
        when = tree.css_first("#News_Body_Time")
        date = parse_date(when.text()) if when is not None else None
    if date is None:
        date = date_from_stamps(title, content.html or "")
    if date is None:
        if kind == "remarks":  # a statement, not a press conference: a page without its date is left out
            raise NotABriefing(source, f"spokesperson's remarks with no date in the title or the page's date field "
                                       f"(title {title!r}); not stored, as a briefing needs its date")
        raise ParseError(source, f"no date in the title or the page's date field (title {title!r})")
    paragraphs = _paragraphs(content)
    if not paragraphs:
        raise ParseError(source, "the transcript body is empty")
    series = REMARKS_SERIES if kind == "remarks" else SERIES
    return parse_paragraphs(paragraphs, title=title, date=date, source=source, url=url, format=NAME,
                            series=series, spokesperson=spokesperson)


def check_regular(text: str, b: Briefing, source: str) -> None:
    """The check of a page fetched from the MFA's listing of regular press conferences (``Format.check`` of the MFA
    site layouts): ParseError naming ``source`` unless the parse is a whole regular press conference."""
    if b.series != SERIES and "例行记者会" not in b.title:
        raise ParseError(source, f"not a regular press conference (title {b.title!r}, series {b.series!r}); not "
                                 "stored")
    if not b.exchanges:
        raise ParseError(source, "no question and answer found in the transcript; not stored (the page may be cut "
                                 "off or in a layout podium cannot read)")
    if not any(e.answers and e.answer_text.strip() for e in b.exchanges):
        raise ParseError(source, "no answered question in the transcript; not stored")


FORMAT = Format(NAME, "MFA English transcript pages, fmprc.gov.cn 2018-2020 site (Q:/A: and Outlet:/Name: labels)",
                sniff, parse, check=check_regular)
