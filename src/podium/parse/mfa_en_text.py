"""MFA English transcripts in the 2023 site's layout ("mfa-en-text"): the page's text as copied (breadcrumb, title,
date-time line, ``AFP:``/``Wang Wenbin:`` paragraphs, "[ Suggest To A Friend ]"/"[ Print ]" furniture), and the
same layout served as HTML (the current fmprc.gov.cn pages: one ``<p>`` per paragraph).

``parse_text_layout(paragraphs, title, date, source, url)`` is the entry point for callers that already hold the
paragraphs (the fetcher).

Copies of the page vary (the seed is the only real example we hold; tests/fixtures/parse/text_constructed_* cover
the rest): the title may follow a site header, menu lines or a language bar, or be broken over two lines; the date
line may read "2024-03-15 15:30" or "Updated: May 20, 2024 19:05"; everything from the page's tools ("[ Suggest To A
Friend ]", "[ Print ]"), "Related News" or the copyright line on is footer; CRLF, single or double newlines, and (in
plain text) hard-wrapped paragraphs are all accepted.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser

from ..errors import ParseError
from ..model import Briefing
from . import Format
from ._common import clean, ymd_date
from .mfa_en_html import REMARKS_SERIES, SERIES, normalise_title, parse_date, parse_paragraphs, parse_title

__all__ = ["FORMAT", "is_footer", "is_furniture", "parse", "parse_text_layout", "sniff"]

NAME = "mfa-en-text"

_DATE_WORDS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
               r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_TIME = r"(?:\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
#: A line of page furniture: breadcrumb, date-time line, "Updated: ...", tool links, site header lines.
_FURNITURE = re.compile(
    r"^(?:(?:current\s+location\s*:?\s*|you\s+are\s+here\s*:?\s*|location\s*:\s*)?home\s*(?:[>»›/|]|&gt;).*"
    r"|(?:[\[【]\s*(?:suggest\s+to\s+a\s+friend|print|close|top|back|share)\s*[\]】]\s*)+"
    r"|(?:updated|published|release\s+time|date|time|source|editor|author)\s*[:：].{0,60}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}" + _TIME +
    r"|" + _DATE_WORDS + r"\s*\d{1,2}\s*,?\s*\d{4}" + _TIME +
    r"|\d{1,2}\s+" + _DATE_WORDS + r"\s*,?\s*\d{4}" + _TIME +
    r"|(?:print|close|share(?:\s+to)?|font\s*size\s*:?.*|\(?\s*source\s*:.*\)?|[aA]\s*[aA]\s*[aA]|menu|search)"
    r"|(?:the\s+)?ministry\s+of\s+foreign\s+affairs(?:\s+of)?(?:\s+the)?(?:\s+people['’]s\s+republic\s+of\s+china)?"
    r"|(?:the\s+)?people['’]s\s+republic\s+of\s+china)$",
    re.I,
)
#: Lines after which nothing is transcript: the page's tools, related links and footer.
_FOOTER = re.compile(
    r"^(?:(?:[\[【]\s*(?:suggest\s+to\s+a\s+friend|print|close)\s*[\]】]\s*)+"
    r"|related\s+(?:news|links|articles|stories)\s*:?|copyright\s*(?:©|\(c\)|\d).*|©.*"
    # today's site footer, right after the transcript: "Links: State Council ... Copyright© www.fmprc.gov.cn"
    r"|links\s*[:：]\s*(?:the\s+)?state\s+council\b.*"
    r"|print\s+close|suggest\s+to\s+a\s+friend)$",
    re.I,
)
_DATETIME = re.compile(r"^(?:(?:updated|published|release\s+time|date|time)\s*[:：]\s*)?"
                       r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + r"$", re.I)
_DATE_LINE = re.compile(r"^(?:(?:updated|published|release\s+time|date|time)\s*[:：]\s*)?(?:" + _DATE_WORDS +
                        r"\s*\d{1,2}\s*,?\s*\d{4}|\d{1,2}\s+" + _DATE_WORDS + r"\s*,?\s*\d{4})" + _TIME + r"$",
                        re.I)
#: a line of language links ("عربي Español Русский Français 简体中文", "中文 العربي Contact Us Links")
_LANG_BAR = re.compile(r"(?:简体中文|中文|Español|Русский|Français|عربي|Deutsch|Português|日本語)")
#: How far into the page the title may sit (after site headers, language bars, breadcrumbs).
_TITLE_WINDOW = 60


def is_footer(line: str) -> bool:
    """A line from which nothing is transcript: the page's tools, related links, the site footer."""
    return bool(_FOOTER.match(line.strip()))


def is_furniture(line: str) -> bool:
    """A line of page furniture rather than transcript: breadcrumb, [ Print ], the date-time line, ..."""
    line = line.strip()
    if _FURNITURE.match(line) or _FOOTER.match(line):
        return True
    return len(line) < 120 and len(_LANG_BAR.findall(line)) >= 2


def _line_date(line: str) -> dt.date | None:
    m = _DATETIME.match(line)
    if m:
        return ymd_date(m)
    return parse_date(line) if _DATE_LINE.match(line) else None


def _find_title(lines: list[str]) -> tuple[int, int, str] | None:
    """(first, last, title) of the title line(s) among the page's first lines: a line (or two lines, when the
    copy broke the title) naming a spokesperson's press conference, before the transcript begins. A title with
    the spokesperson's name and a date wins over a bare menu entry ("Spokesperson's Remarks")."""
    best: tuple[int, int, int, str] | None = None  # (score, first, last, title)
    for i, line in enumerate(lines[:_TITLE_WINDOW]):
        if len(line) > 250:
            break  # the transcript has begun
        if is_furniture(line) or ":" in line[:40]:
            continue
        found: tuple[int, str] | None = None
        if parse_title(line)[1] is not None:
            found = (i, line)
        if i + 1 < len(lines) and len(line) < 120 and "Spokesperson" in line and parse_date(line) is None:
            joined = f"{line} {lines[i + 1]}"
            if parse_title(joined)[1] is not None and parse_date(joined) is not None:
                found = (i + 1, joined)
        if found is None:
            continue
        last, title = found
        score = (parse_title(title)[0] is not None) + (parse_date(title) is not None)
        if best is None or score > best[0]:
            best = (score, i, last, title)
        if score == 2:
            break
    return None if best is None else best[1:]


_SENTENCE_END = re.compile(r"[.?!:。？！：][”\"’')\]]*$")


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines back into paragraphs: a line that starts in lower case continues the previous
    line when that one does not end a sentence (copies from PDFs and e-mails wrap long paragraphs)."""
    out: list[str] = []
    for line in lines:
        if out and line[:1].islower() and not _SENTENCE_END.search(out[-1]) and not is_furniture(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def parse_text_layout(paragraphs: list[str], title: str | None, date: dt.date | None, source: str,
                      url: str | None = None, *, format: str = NAME) -> Briefing:
    """A Briefing from the paragraphs of a page in the 2023 layout; furniture lines are dropped here.

    ``title``/``date``: when None, taken from the paragraphs (the first line naming a spokesperson's press
    conference; the title's date, else the date-time line). Lines before the title (site header, language links,
    breadcrumb) and from the page's tools or footer on ("[ Suggest To A Friend ]", "Related News", "Copyright")
    are not transcript. Raises ParseError naming ``source``.
    """
    lines = [c for c in (clean(raw) for raw in paragraphs) if c]
    stamp: dt.date | None = None
    if title is None:
        found = _find_title(lines)
        if found is not None:
            first, last, title = found
            stamp = next((d for d in map(_line_date, lines[:first]) if d is not None), None)
            lines = lines[last + 1:]
    body: list[str] = []
    for p in lines:
        if body and _FOOTER.match(p):
            break  # tools, related links and the site footer follow the transcript
        if not body:
            d = _line_date(p)
            if d is not None:
                stamp = stamp or d
                continue
        if is_furniture(p):
            continue
        if title is not None and not body and normalise_title(p) == normalise_title(title):
            continue  # the title repeated in the body
        body.append(p)
    if not title:
        raise ParseError(source, "no title naming a spokesperson's press conference: not an MFA English transcript")
    title = normalise_title(title)
    spokesperson, kind = parse_title(title)
    if kind is None:
        raise ParseError(source, f"not a spokesperson's transcript (title {title!r})")
    date = date or parse_date(title) or stamp
    if date is None:
        raise ParseError(source, f"no date in the title or a date-time line (title {title!r})")
    if not body:
        raise ParseError(source, "the transcript body is empty")
    return parse_paragraphs(body, title=title, date=date, source=source, url=url, format=format,
                            series=REMARKS_SERIES if kind == "remarks" else SERIES, spokesperson=spokesperson)


def _is_html(text: str) -> bool:
    head = text[:1000].lstrip().lower()
    return head.startswith(("<!doctype", "<html", "<?xml", "<head", "<meta")) or "<html" in head


def sniff(text: str, source: str) -> float:
    """High for the 2023 text layout (or that layout as an HTML page without the 2018-2020 body div)."""
    if _is_html(text):
        head = text[:8000]
        m = re.search(r"<title[^>]*>(.*?)</title\s*>", head, re.I | re.S)
        old_template = 'class="content"' in text and ("content_mod" in text or "News_Body_Time" in text)
        if m and parse_title(m.group(1))[1] is not None and not old_template:
            return 0.5
        return 0.0
    lines = [c for c in (clean(x) for x in text[:5000].splitlines()[:60]) if c]
    return 0.9 if _find_title(lines) is not None else 0.0


_CONTAINERS = frozenset({"div", "article", "section", "td"})


def _paragraph_counts(tree: LexborHTMLParser) -> list[tuple[int, object]]:
    """(number of <p> inside, element) for every container element, in document order: one walk over the
    tree, summing each element's count into its parent from the last element back (linear however deep the
    nesting; asking each container for its paragraphs costs the square of the depth)."""
    root = tree.root
    if root is None:
        return []
    nodes = list(root.traverse(include_text=False))
    count: dict[int, int] = {}
    parent_of = [n.parent.mem_id if n.parent is not None else 0 for n in nodes]
    for n, parent in zip(reversed(nodes), reversed(parent_of), strict=True):
        own = count.get(n.mem_id, 0) + (n.tag == "p")
        count[n.mem_id] = own
        count[parent] = count.get(parent, 0) + own
    return [(count[n.mem_id], n) for n in nodes if n.tag in _CONTAINERS]


def _html_paragraphs(text: str, source: str) -> tuple[str | None, list[str]]:
    tree = LexborHTMLParser(text)
    node = tree.css_first("h1") or tree.css_first("title")
    title = clean(node.text()) if node is not None else None
    if title is not None and parse_title(title)[1] is None:
        alt = tree.css_first("title")
        title = clean(alt.text()) if alt is not None else title
    # the transcript is the innermost element holding (nearly) all the paragraphs: not a page-wide wrapper that
    # also holds the footer's
    counted = _paragraph_counts(tree)
    most = max((n for n, _ in counted), default=0)
    if not most:
        raise ParseError(source, "no paragraphs: not an MFA English transcript page")
    # the containers holding >= 80% of the paragraphs are nested in one another (two disjoint ones would hold
    # more than all), so the innermost is the last of them in document order
    best = [c for n, c in counted if n >= 0.8 * most][-1]
    paras: list[str] = []
    for p in best.css("p"):
        t = p.text()
        paras.extend(part for part in t.split("\n") if part.strip()) if "\n" in t.strip() else paras.append(t)
    return title, paras


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse a transcript in the 2023 layout, as text or as an HTML page."""
    if _is_html(text):
        if "</html" not in text[-4000:].lower() and "</body" not in text[-4000:].lower():
            raise ParseError(source, "truncated page: it ends before the end of the HTML document")
        title, paragraphs = _html_paragraphs(text, source)
        if title is not None and parse_title(title)[1] is None:
            title = None
        return parse_text_layout(paragraphs, title, None, source, url)
    return parse_text_layout(_unwrap([c for c in (clean(x) for x in text.splitlines()) if c]), None, None, source, url)


FORMAT = Format(NAME, "MFA English transcripts in the 2023 layout (copied text, or today's fmprc.gov.cn pages)",
                sniff, parse)
