"""The White House HTML format: 2009-2016 briefing pages (mirror layout) and 2020 whitehouse.gov pages -> Briefing.

Later whitehouse.gov designs (2021-: ``section.body-content``, ``div.entry-content``) are read too: their container is
found by structure, as the element holding most paragraphs that open with a speaker label.

Speakers are printed in capitals before a colon (``MR. EARNEST:``, ``THE PRESIDENT:``, ``DR. FAUCI:``, ``MR.
McDONOUGH:``); reporters are a bare ``Q`` followed by spaces, or ``Q:`` (on some mirror pages glued to the question: "QI
have a question") and stay anonymous (asker "Q", outlet None). Location and time lines before the first speaker ("James
S. Brady Press Briefing Room", "11:44 A.M. EDT") and the closing "END 12:55 P.M. EDT" are page furniture, not content;
unlabelled lines after END are an appendix (attendee lists, the mailing list's footer) and are dropped. ``(Laughter.)``
is a stage turn; so are ``OPERATOR:``/``MODERATOR:`` lines on press calls (they introduce reporters, they neither ask
nor answer), a staffer's ``AIDE: Last question.``, the press corps in chorus, and editorial labels (``NOTE:``,
``CORRECTED:``). A reporter's parting "Thank you." after the last answer is a stage turn too, not a question.
Consecutive ``Q`` paragraphs with no answer between them make one question turn: a bare ``Q`` cannot tell reporters
apart, and most such runs are interjections ("Q Okay." / "Q I'm sorry, I couldn't hear that part.") before the question
that gets the answer.

Names: ``Exchange.spokesperson`` is who answered, from the label: honorifics MR./MS./MRS. are dropped; a press secretary
is named in full ("MR. EARNEST" -> "Josh Earnest", also when the mirror misspells him: "MR. EARENST"); another
official's first name is taken from the title or the header lines when they have it ("MR. RHODES" -> "Ben Rhodes", "MR.
BADER" -> "Jeffrey Bader"), else the label is title-cased ("SECRETARY KERRY" -> "Secretary Kerry", "DR. FAUCI" -> "Dr.
Fauci"; a misspelt office corrected: "AMBASSSADOR RICE" -> "Ambassador Rice"); "THE PRESIDENT" / "THE VICE PRESIDENT"
become the office holder of the briefing's date ("President Obama", "Vice President Pence"). ``Briefing.spokesperson``
is the briefer the title names, else who answered most.

Dates: from the title ("8/3/2016", "8/1/16"), else a "Month D, YYYY" in the header lines ("For Immediate Release April
7, 2009"; the 2020 pages' "April 19, 2020" under the briefing room), else the page's ``<time>`` (its ISO ``datetime`` or
its text: whitehouse.gov's "Issued on" date, the next day for an evening briefing), else the URL the caller passes
("/the-press-office/2011/12/02/..."). A page with no date anywhere raises ParseError: about 400 of the 1,697 mirror
pages carry none, and a date mentioned in the transcript is not the briefing's. Pages with no question (remarks) are
kept as briefings with openings and no exchanges: they are press events of the same series. A page with no speaker label
at all (statements, fact sheets, advisories) raises NotABriefing (ingest skips it); a truncated page raises ParseError.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from ..errors import NotABriefing, ParseError
from ..model import ASKER, SPOKESPERSON, STAGE, Briefing, Turn
from . import Format
from ._common import assemble, build_turns, clean, main_spokesperson

NAME = "whitehouse-html"
SERIES = "White House press briefing"

# paragraph breaks: <br> and the edges of block elements (the mirror pages use <p>, <div> and <br><br> alike)
# (two patterns that start with a literal "<": a lookahead alternative would be tried at every position of the page)
_BR = re.compile(r"<[bB][rR]\s*/?>")  # not re.I: the ignore-case scan is slower; "b" and "r" fold to nothing else
_BLOCK = re.compile(r"<(?=/?(?:p|div|li|h[1-6]|blockquote|tr|table)\b)", re.I)
_SEP = "\ue000"  # paragraph break marker inserted before the HTML is parsed
_BLANK_NL = re.compile(r"\n[ \t\u00a0]*\n")
_INLINE_LABEL = re.compile(r"(?<=[.?!])\s+(?=(?:(?:MR|MS|MRS|DR)\. [A-Z][A-Za-z]+|THE PRESIDENT|THE VICE PRESIDENT|"
                           r"(?:SECRETARY|DIRECTOR|AMBASSADOR|ADMIRAL|GENERAL) [A-Z]{3,}):\s)")
# what any match of _INLINE_LABEL contains (after clean()), found without a lookbehind at every position
_INLINE_LABEL_HINT = re.compile(r"[.?!] (?:(?:MR|MS|MRS|DR)\. [A-Z]|THE (?:VICE )?PRESIDENT:|"
                                r"(?:SECRETARY|DIRECTOR|AMBASSADOR|ADMIRAL|GENERAL) [A-Z])")

_INLINE_Q = re.compile(r"(?<=[.?!)])[ \t\n\u00a0]+(?=Q[ \t\u00a0]{2,}[A-Z“\"])")

_LABEL = re.compile(r"^((?:[A-Z][A-Za-z.'’\-]*\s+){0,5}"
                    r"(?:(?:Mc|Mac|O'|O’|De|Le|La|Di|Du)?[A-Z][A-Z.'’\-]+|Mc[A-Z][a-z]+))\s*:\s*(.*)$", re.S)
# what may be in lower case in a label: a name's particle ("SECRETARY LaHOOD", "MR. McDONOUGH") and, on a few mirror
# pages, the honorific ("Mr. CARNEY:")
_LABEL_LOWER = re.compile(r"^(?:Mr|Ms|Mrs|Dr)\.|\b(?:Mc|Mac|La|De|Le|Di|Du)(?=[A-Z])")
_MC_TITLE_CASE = re.compile(r"(?:MR|MS|MRS|DR)\. Mc[A-Z][a-z]+")  # "MR. McDonough:" (7 turns on one page)
# "Q    text"; some mirror pages lost the spaces ("QI have a question", "QThanks, Josh.", "Q-- on the video")
_Q = re.compile(r"^Q(?:\s*:\s*|\s+|$|(?=[A-Z](?:[a-z’']|\s))|(?=[-—–(“\"]))(.*)$", re.S)
_FURNITURE = re.compile(
    r"^(?:(?-i:END)(?![A-Za-z]).*|#+|[*_=\-\s]+|"
    r"\d{1,2}:\d\d\s*[AP]\.?\s*M\.?(?:\s*[A-Z]{2,4}|\s*\([A-Za-z ]{1,20}\))?\.?|"
    r"THE WHITE HOUSE|"
    r"Office of the (?:Press Secretary|Vice President|First Lady)|For Immediate Release.*)$", re.I)
_END = re.compile(r"^END(?![A-Za-z])")  # "END 2:04 P.M. EST", also glued: "END2:04 P.M. EST"
_CUT_OFF = re.compile(r"[a-z,]$")
#: Speakers who neither ask nor answer: call moderators, a staffer cutting the briefing short ("AIDE: Last
#: question."), the press corps in chorus ("THE PRESS: Thank you.").
_STAGE_SPEAKERS = {"OPERATOR", "MODERATOR", "THE OPERATOR", "THE MODERATOR", "AIDE", "STAFF", "STAFFER", "PRESS CORPS",
                   "THE PRESS", "PRESS", "REPORTERS", "AUDIENCE", "AUDIENCE MEMBER", "AUDIENCE MEMBERS"}
_HONORIFIC = re.compile(r"^(?:MR|MS|MRS|MISS|R)\.\s*|^(?:MR|MS|MRS|MISS)\s+", re.I)
#: Editorial labels printed like speakers ("NOTE:", "CORRECTED:"; an advisory's "WHEN:"/"WHERE:"): stage turns.
_EDITORIAL = {"NOTE", "CORRECTED", "CORRECTION", "UPDATE", "UPDATED", "EDITOR'S NOTE", "WHEN", "WHERE", "WHO", "WHAT",
              "TODAY", "ADVISORY", "EMBARGOED", "PARTICIPANTS", "PRESS CONTACT", "BACKGROUND", "CLARIFICATION"}

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                          "september", "october", "november", "december"), 1)}
_URL_DATE = re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})/(\d{1,2})/")
_SITE_NAMES = {"the white house", "white house", "briefing room", "whitehouse.gov", "president barack obama"}
_SITE_SUFFIX = re.compile(r"\s*\|\s*(?:The White House|whitehouse\.gov)\s*$", re.I)
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
_LONG_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                        r"\s+(\d{1,2}),?\s+(\d{4})\b")
_TITLE_BRIEFER = re.compile(
    r"\b(?:Press Secretary|Deputy Press Secretary|Press Secretary to the Vice President)\s+"
    r"((?:[A-Z][a-zA-Z.'’\-]+\s?){1,3})")
_NOT_NAME = {"Aboard", "En", "Enroute", "In", "On", "At", "To", "And", "The", "Via", "From"}
#: Press secretaries and their deputies (2009-2025), by the surname their label prints; not every deputy: a fuzzy
#: match must not turn another official into one ("MR. DEESE" is not Judd Deere, "MR. GATES" not Andrew Bates).
PRESS_SECRETARIES = {"GIBBS": "Robert Gibbs", "CARNEY": "Jay Carney", "EARNEST": "Josh Earnest",
                     "SCHULTZ": "Eric Schultz", "BURTON": "Bill Burton", "PSAKI": "Jen Psaki",
                     "MCENANY": "Kayleigh McEnany", "GRISHAM": "Stephanie Grisham", "SANDERS": "Sarah Sanders",
                     "SPICER": "Sean Spicer", "INOUYE": "Josh Inouye", "JEAN-PIERRE": "Karine Jean-Pierre",
                     "GIDLEY": "Hogan Gidley", "DALTON": "Olivia Dalton", "LEAVITT": "Karoline Leavitt"}

#: (first day, President, Vice President)
_OFFICE_HOLDERS = (
    (dt.date(2009, 1, 20), "President Obama", "Vice President Biden"),
    (dt.date(2017, 1, 20), "President Trump", "Vice President Pence"),
    (dt.date(2021, 1, 20), "President Biden", "Vice President Harris"),
    (dt.date(2025, 1, 20), "President Trump", "Vice President Vance"),
)


def _paragraphs(node) -> list[str]:  # noqa: ANN001 - selectolax node
    """Paragraph texts of a body node, split at the markers inserted at <br> and block tags."""
    pieces: list[str] = []
    # str.split at the markers first (fast), the blank-line regex only where there are newlines: a page has
    # thousands of markers, and an alternation tried at every position of the page text costs more than the parse
    for chunk in node.text(deep=True, separator="").split(_SEP):
        if not chunk or chunk.isspace():
            continue
        # a few mirror pages hold the transcript as bare text with blank lines between paragraphs
        for raw in _BLANK_NL.split(chunk) if "\n" in chunk else (chunk,):
            # ... and a reporter's turn into the answer before it: "... economic ideas.   Q   Why didn't he ...?"
            # (the spaces around the Q, still there before clean(), tell it from a Q in prose)
            if " Q " in raw or "\u00a0Q" in raw or "Q\u00a0" in raw:
                pieces.extend(_INLINE_Q.split(raw))
            else:
                pieces.append(raw)
    # one clean() of the whole page instead of one per paragraph: the marker is no space, so no run of spaces
    # crosses it, and each piece comes back with at most a space at either end
    out: list[str] = []
    for piece in clean(_SEP.join(pieces)).split(_SEP):
        piece = piece.strip()
        if not piece:
            continue
        # a few mirror pages ran two turns into one paragraph: "... about that? MR. GIBBS: Well, ..." (the cheap
        # tests spare most paragraphs the lookbehind regex, which is tried at every position)
        if ": " in piece and _INLINE_LABEL_HINT.search(piece):
            out.extend(_INLINE_LABEL.split(piece))
        else:
            out.append(piece)
    return out


def _body(doc: LexborHTMLParser):  # noqa: ANN202 - selectolax node or None
    """The transcript's container: the known bodies, else the element holding most speaker-labelled <p>s."""
    body = doc.css_first("div.field-name-field-forall-body") or doc.css_first("div.page-content__content.editor")
    if body is not None:
        return body
    # later whitehouse.gov designs (2021-: section.body-content, div.entry-content ...) rename the container with each
    # redesign; the transcript is where the labelled paragraphs are ("MS. PSAKI:", "Q    Thank you, Jen.")
    best: dict[int, list] = {}
    for p in doc.css("p"):
        parent = p.parent
        if parent is None:
            continue
        if _split(clean(p.text(deep=True).replace(_SEP, " ")))[0] is not None:
            best.setdefault(parent.mem_id, [parent, 0])[1] += 1
    if not best:
        return None
    node, count = max(best.values(), key=lambda v: v[1])
    return node if count >= 3 else None


def _parse_date(text: str) -> dt.date | None:
    m = _SLASH_DATE.search(text)
    if m:
        year = int(m.group(3))
        year += 2000 if year < 100 else 0
        try:
            return dt.date(year, int(m.group(1)), int(m.group(2)))
        except ValueError:
            pass
    m = _LONG_DATE.search(text)
    if m:
        try:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        except ValueError:
            pass
    return None


def _page_url(doc: LexborHTMLParser) -> str | None:
    """The URL a saved page gives itself: og:url, else the canonical link."""
    og = doc.css_first('meta[property="og:url"]')
    url = (og.attributes.get("content") or None) if og is not None else None
    if url is None:
        canonical = doc.css_first('link[rel="canonical"]')
        url = (canonical.attributes.get("href") or None) if canonical is not None else None
    return url


def _url_date(url: str | None) -> dt.date | None:
    m = _URL_DATE.search(url) if url else None
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    return None


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d\d)-(\d\d)")


def _time_date(doc: LexborHTMLParser) -> dt.date | None:
    """The page's publication date: the first <time> with a datetime attribute (ISO) or a date in its text."""
    for node in doc.css("time"):
        m = _ISO_DATE.match(node.attributes.get("datetime") or "")
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        d = _parse_date(clean(node.text().replace(_SEP, " ")))
        if d:
            return d
    return None


def _office_holders(date: dt.date) -> tuple[str, str]:
    president, vice = "The President", "The Vice President"
    for start, p, v in _OFFICE_HOLDERS:
        if date >= start:
            president, vice = p, v
    return president, vice


def _name_of(label: str, briefer: str | None, date: dt.date, title: str = "", header: str = "") -> str:
    """A speaker label as a name (see the module docstring)."""
    up = label.upper()
    president, vice = _office_holders(date)
    if up in ("THE PRESIDENT", "PRESIDENT", "HE PRESIDENT"):  # "HE PRESIDENT": a typo on one 2020 page
        return president
    if up in ("THE VICE PRESIDENT", "VICE PRESIDENT"):
        return vice
    bare = _HONORIFIC.sub("", label).strip()
    first, _, rest = bare.partition(" ")
    if rest and first.upper() not in _OFFICES:
        # the mirror misspells titles now and then ("AMBASSSADOR RICE", "SECRTARY CLINTON", "ADMIRAR ALLEN"):
        # one official must keep one name within and across pages
        close = difflib.get_close_matches(first.upper(), _OFFICES, n=1, cutoff=0.8)
        if close:
            bare = f"{close[0]} {rest}"
    if briefer and bare.upper() == briefer.split()[-1].upper():
        return briefer
    if bare.upper() != label.upper():  # "MR. GIBBS", not "GIBBS" alone
        # the mirror misspells the press secretary now and then: "MR. EARENST", "MR. GIBS", "MS. PASKI"
        close = difflib.get_close_matches(bare.upper(), PRESS_SECRETARIES, n=1, cutoff=0.8)
        if close:
            return PRESS_SECRETARIES[close[0]]
    name = " ".join(_capitalise(w) for w in bare.split())
    if " " not in name and bare.upper() != label.upper():
        # "MR. RHODES" on "... Deputy National Security Advisor Ben Rhodes": the title gives the first name
        # (else from the header lines, in capitals on press calls: "... SENIOR DIRECTOR ..., JEFFREY BADER;")
        for text in (title, header):
            m = re.search(r"\b([A-Z][a-z]+\.?(?: [A-Z]\.)?) " + re.escape(name) + r"\b", text, re.I)
            if m and m.group(1).lower() not in _TITLE_WORDS:
                return f"{_capitalise(m.group(1))} {name}"
    return name


#: Offices printed before a surname in speaker labels ("SECRETARY KERRY", "ADMIRAL MULLEN").
_OFFICES = ("SECRETARY", "ADMIRAL", "AMBASSADOR", "DIRECTOR", "GENERAL", "ADMINISTRATOR", "SENATOR", "GOVERNOR",
            "CHAIRMAN", "CAPTAIN", "MAYOR", "CHANCELLOR", "COLONEL", "COMMISSIONER", "LEADER", "SPEAKER", "SURGEON")


#: Words that precede a surname in titles without being a first name.
_TITLE_WORDS = {"secretary", "director", "advisor", "adviser", "administrator", "ambassador", "general", "admiral",
                "senator", "governor", "mayor", "chairman", "chair", "counselor", "dr.", "mr.", "ms.", "mrs.", "by",
                "and", "with", "president", "official", "officials", "leader", "deputy", "assistant", "chief", "press",
                "of", "the", "on", "for", "to", "commissioner", "surgeon", "representative", "speaker", "attorney"}


def _capitalise(word: str) -> str:
    if word.startswith(("Mc", "MC")) and len(word) > 3:
        return "Mc" + word[2:].capitalize()  # "McDONOUGH", "MCDONOUGH" and "McDonough" alike
    if len(word) > 3 and word[:2] in ("La", "De", "Di", "Du", "Le") and word[2:].isupper():
        return word[:2] + word[2:].capitalize()  # "LaHOOD" -> "LaHood"
    if word.startswith("Mac") and len(word) > 4 and word[3:].isupper():
        return "Mac" + word[3:].capitalize()
    return word.capitalize()


def parse(text: str, source: str, url: str | None = None, date: dt.date | None = None) -> Briefing:
    """Parse one White House page; ParseError when it has no body, no speaker or no date.

    ``date``: what an index says (the listing page the page was downloaded from): used when the page itself (title,
    header lines, ``<time>``, its own og:url) gives no date, before the date in the caller's URL.
    """
    index_date = date
    doc = LexborHTMLParser(_BLOCK.sub(_SEP + "<", _BR.sub(_SEP, text)))
    body = _body(doc)
    if body is None:
        raise ParseError(source, "not a White House briefing page (no field-name-field-forall-body or "
                                 "page-content__content body, and no element holding speaker-labelled paragraphs)")
    tail = text[-3000:].rstrip().lower()
    if not (tail.endswith("</div>") or "</html>" in tail):
        # mirror pages end with the body's </div>, whitehouse.gov pages with </html>
        raise ParseError(source, "truncated page: it stops inside the transcript body; fetch it again")
    if body.css_first("footer, nav") is not None:
        raise ParseError(source, "truncated transcript: the body breaks off and the site's footer follows inside it")
    title = _title(doc)
    if not title:
        raise ParseError(source, "no title (<h1> missing or empty)")
    paras = _paragraphs(body)
    if not paras:
        raise ParseError(source, "the page body is empty (truncated page?)")
    # a statement, a fact sheet or a schedule filed with the briefings: no speaker at all, skipped rather than failed
    script = read_script(paras, source, no_speaker=NotABriefing)
    date = _parse_date(title)
    if date is None:
        # the transcript's own dateline ("April 19, 2020" under the briefing room) before the page's <time>: that is
        # the "Issued on" date, the next day for an evening briefing (11 of the 33 covid pages)
        date = next((d for d in map(_parse_date, script.header[:15]) if d), None) or _time_date(doc)
    page_url = _page_url(doc)
    # the page's own URL (og:url, canonical link), then the index's date, then the URL the caller passes:
    # whitehouse.gov URLs carry the date (/2016/08/03/)
    date = date or _url_date(page_url) or index_date or _url_date(url)
    if date is None:
        raise ParseError(source, "no date: neither the title, the <time> element, the header lines nor the URL "
                                 "give one; `podium ingest` takes it from the listing pages the page came from "
                                 "(a lists/ folder beside it, or --index) or from an index table (--index)")
    return build_briefing(script, title=title, date=date, url=url or page_url, source=source, format_name=NAME)


@dataclass(frozen=True)
class Script:
    """A White House transcript read into speaker-labelled paragraphs (shared by the HTML and Markdown formats)."""

    #: (label | None, text) in page order, furniture and the appendix after END left out
    labelled: list[tuple[str | None, str]]
    #: role of each label (ASKER for "Q", STAGE for moderators and editorial labels, else SPOKESPERSON)
    roles: dict[str, str]
    #: the lines before the first speaker: place, time, sometimes the date and the participants
    header: list[str]


def read_script(paras: list[str], source: str, *, no_speaker: type[ParseError] = ParseError) -> Script:
    """Label and sort cleaned paragraphs: header lines, speech, furniture ("END", times), the appendix after END.

    ``no_speaker`` (ParseError or NotABriefing) when no paragraph opens with a speaker label (a statement, a fact
    sheet); ParseError when the transcript breaks off mid-sentence with no END line.
    """
    # header lines: everything before the first speaker label; they carry the place, the time, sometimes the date
    labelled: list[tuple[str | None, str]] = []
    roles: dict[str, str] = {}
    header: list[str] = []
    started = ended = False
    for para in paras:
        label, rest = _split(para)
        if label is None and _END.match(para):
            ended = True
            continue
        if label is None and (_FURNITURE.match(para) or not started or ended):
            # after "END", unlabelled lines are an appendix (attendee lists, the mailing list's footer), not speech;
            # a speaker label after it starts a second part of the transcript
            if not started:
                header.append(para)
            continue
        if label is not None:
            ended = False
            if label.upper() in _EDITORIAL:
                roles.setdefault(label, STAGE)
                if not started:
                    header.append(para)
                    continue
            else:
                started = True
                roles.setdefault(label, ASKER if label == "Q" else STAGE if label.upper() in _STAGE_SPEAKERS
                                 else SPOKESPERSON)
        if label is None and labelled and labelled[-1][0] is not None and roles.get(labelled[-1][0]) == STAGE \
                and labelled[-1][0].upper() in _STAGE_SPEAKERS:
            # a moderator's words go on after a paragraph break ("Great. If anyone has any questions ..." / "All
            # right. Let's go to Shannon Pettypiece from NBC"): still the moderator's, not the last official's
            labelled[-1] = (labelled[-1][0], f"{labelled[-1][1]} {rest}".strip())
            continue
        labelled.append((label, rest))
    if not any(role in (ASKER, SPOKESPERSON) for role in roles.values()):
        raise no_speaker(source, "no speaker labels (MR. EARNEST:, THE PRESIDENT:, Q ...) in the page body; "
                                 "not a briefing transcript")
    if _CUT_OFF.search(paras[-1]) and not any(_END.match(p) for p in paras):
        # complete transcripts close with "END <time>"; this one stops mid-word ("... in some jurisdictions hav")
        raise ParseError(source, f"truncated transcript: no END line and it breaks off mid-sentence "
                                 f"(...{paras[-1][-40:]!r})")
    return Script(labelled, roles, header)


def title_briefer(title: str) -> str | None:
    """The press secretary the title names ("Press Briefing by Press Secretary Josh Earnest, 8/3/2016")."""
    m = _TITLE_BRIEFER.search(title)
    if not m:
        return None
    words = []
    for w in m.group(1).replace(",", " ").split():
        if w in _NOT_NAME:
            break
        words.append(w)
    briefer = " ".join(words) or None
    if briefer and len(words) == 1:
        briefer = PRESS_SECRETARIES.get(briefer.upper(), briefer)
    return briefer


_SURNAME = re.compile(r"([A-Z][A-Za-z'’\-]+)$")


def reporter_labels(script: Script, title: str) -> set[str]:
    """Labels printed like officials' that are reporters (``MR. PLANTE:``), where the text makes it clear: an
    honorific label (MR./MS./MRS.) whose surname is in neither the title nor the header lines that name the briefers,
    not a press secretary, that first speaks after a reporter has asked, with at least half of its turns ending in a
    question mark and no turn right after a reporter's question (which is what officials do)."""
    named = (title + " " + " ".join(script.header[:30])).lower()
    asks: dict[str, list[int]] = {}
    officials: set[str] = set()
    prev: str | None = None  # the label of the turn before
    seen_q = False
    items = script.labelled
    for i, (label, text) in enumerate(items):
        if label is None:
            continue
        role = script.roles.get(label)
        if role == ASKER:
            seen_q = True
        elif role == SPOKESPERSON:
            if not seen_q or (prev is not None and script.roles.get(prev) == ASKER):
                officials.add(label)  # it briefs before the questions, or answers one
            j = i + 1
            while j < len(items) and items[j][0] is None:  # the turn's last paragraph
                text = items[j][1]
                j += 1
            tally = asks.setdefault(label, [0, 0])
            tally[0] += text.rstrip().endswith("?")
            tally[1] += 1
        prev = label
    out: set[str] = set()
    for label, (questions, turns) in asks.items():
        m = _SURNAME.search(label)
        if (m is not None and questions * 2 >= turns and label not in officials
                and label.upper().startswith(("MR. ", "MS. ", "MRS. "))
                and m.group(1).upper() not in PRESS_SECRETARIES and m.group(1).lower() not in named):
            out.add(label)
    return out


def build_briefing(script: Script, *, title: str, date: dt.date, url: str | None, source: str, format_name: str,
                   roles: dict[str, str] | None = None) -> Briefing:
    """Turns, exchanges and names of a read transcript (``roles`` overrides the script's roles; by default, reporters
    named in labels are askers: ``reporter_labels``)."""
    if roles is None:
        reporters = reporter_labels(script, title)
        roles = {k: (ASKER if k in reporters else v) for k, v in script.roles.items()}
    briefer = title_briefer(title)
    head = " ".join(script.header[:30])
    names = {label: _name_of(label, briefer, date, title, head) for label, role in roles.items()
             if role == SPOKESPERSON}
    turns = _parting_remark(build_turns(script.labelled, roles.get))
    openings, exchanges = assemble(turns, briefer, names=names)
    spokesperson = briefer or main_spokesperson(openings, exchanges)
    if spokesperson in names:
        spokesperson = names[spokesperson]
    if spokesperson is None and openings and openings[0].speaker:
        spokesperson = names.get(openings[0].speaker, openings[0].speaker)
    return Briefing(series=SERIES, lang="en", date=date, title=title, spokesperson=spokesperson, url=url,
                    source=source, format=format_name, openings=openings, exchanges=exchanges, turns=tuple(turns))


_THANKS = re.compile(r"^[^?]{0,20}\b(?:thanks?|thank you)\b[^?]{0,40}$", re.I | re.S)


def _parting_remark(turns: list[Turn]) -> list[Turn]:
    """A reporter's "Thank you." that no answer follows is a parting remark, not a question: make it a stage turn.

    Around 90 mirror pages end so; on calls the moderator then calls the next reporter ("Q Thank you." / "MODERATOR:
    Next we'll go to ..."), and the remark would otherwise open that reporter's question. The turn stays in
    Briefing.turns but opens no exchange.
    """
    out = list(turns)
    for i in range(len(turns) - 1, -1, -1):  # from the end: "Q Thanks, Karine." / "Q Thank you." are both parting
        t = turns[i]
        if t.role != ASKER or not _THANKS.match(t.text):
            continue
        nxt = next((u for u in out[i + 1:] if u.role != STAGE), None)
        # right before another "Q" the thanks may open that reporter's question ("Q Thanks, Bill." / "Q Bill, did
        # ..."): only a moderator's turn between them says a new reporter is asking
        if nxt is None or (nxt.role == ASKER and i + 1 < len(turns) and turns[i + 1].role == STAGE
                           and (turns[i + 1].speaker or "").upper() in _STAGE_SPEAKERS):
            out[i] = Turn(STAGE, t.speaker, t.paragraphs)
    return out


def _upper(m: re.Match[str]) -> str:
    return m.group(0).upper()


def _split(para: str) -> tuple[str | None, str]:
    m = _Q.match(para)
    if m:
        return "Q", m.group(1).strip()
    m = _LABEL.match(para)
    if m and any(c.isupper() for c in m.group(1)):
        label = m.group(1)
        if (label.isupper() or _LABEL_LOWER.sub(_upper, label).isupper()
                or _MC_TITLE_CASE.fullmatch(label)):
            return label.strip(), m.group(2).strip()
    return None, para


def _title(doc: LexborHTMLParser) -> str:
    """The page's <h1> title (the 2020 site's page header first); the site name in an <h1> is not a title."""
    for node in [*doc.css("h1.page-header__title"), *doc.css("h1#page-title"), *doc.css("h1")]:
        title = clean(node.text().replace(_SEP, " "))
        if title and title.lower() not in _SITE_NAMES:
            return title
    node = doc.css_first("title")
    return _SITE_SUFFIX.sub("", clean(node.text())) if node is not None else ""


def sniff(text: str, source: str = "") -> float:
    """1.0 for a 2009-2016 mirror page or a 2017-2020 whitehouse.gov page, 0.9 for a later whitehouse.gov briefing
    page (paragraphs that open with speaker labels); 0 otherwise."""
    head = text[:400_000]
    if "field-name-field-forall-body" in head and (head.lstrip().startswith("<h1>") or "whitehouse.gov" in head):
        return 1.0  # the mirror's body snippet, or a whole (obama)whitehouse.gov page around the same body
    if "page-content__content editor" in head and "whitehouse.gov" in head:
        return 1.0
    if "whitehouse.gov" in head and len(_SNIFF_LABEL.findall(head, 0, 400_000)) >= 3:
        return 0.9  # a later whitehouse.gov design: paragraphs that open with "Q" or "MS. PSAKI:"
    return 0.0


_SNIFF_LABEL = re.compile(r"<p\b[^>]*>\s*(?:<(?:strong|b)>\s*)?(?:Q(?:&nbsp;|\s|:)|"
                          r"(?:MR|MS|MRS|DR)\.(?:&nbsp;|\s)+[A-Z][A-Za-z'’\-]+:|THE PRESIDENT:)")


FORMAT = Format(NAME, "White House briefings (2009-2016 mirror pages, 2020 whitehouse.gov pages)", sniff, parse,
                takes_date=True)
