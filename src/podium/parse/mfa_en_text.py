"""MFA English transcripts in the 2023 site's layout ("mfa-en-text"): the page's text as copied (breadcrumb, title,
date-time line, ``AFP:``/``Wang Wenbin:`` paragraphs, "[ Suggest To A Friend ]"/"[ Print ]" furniture), and the
same layout served as HTML (the current fmprc.gov.cn pages: one ``<p>`` per paragraph).

``parse_text_layout(paragraphs, title, date, source, url)`` is the entry point for callers that already hold the
paragraphs (the fetcher).
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser

from ..errors import ParseError
from ..model import Briefing
from . import Format
from ._common import clean
from .mfa_en_html import REMARKS_SERIES, SERIES, normalise_title, parse_date, parse_paragraphs, parse_title

__all__ = ["FORMAT", "is_furniture", "parse", "parse_text_layout", "sniff"]

NAME = "mfa-en-text"

_FURNITURE = re.compile(
    r"^(?:home\s*>.*|\[\s*(?:suggest\s+to\s+a\s+friend|print|close|top|back)\s*\]"
    r"|(?:\[\s*(?:suggest\s+to\s+a\s+friend|print|close)\s*\]\s*)+"
    r"|\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:print|close|share(?:\s+to)?|font\s*size\s*:.*|\(?\s*source\s*:.*\)?))$",
    re.I,
)
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


def is_furniture(line: str) -> bool:
    """A line of page furniture rather than transcript: breadcrumb, [ Print ], the date-time line, ..."""
    return bool(_FURNITURE.match(line.strip()))


def parse_text_layout(paragraphs: list[str], title: str | None, date: dt.date | None, source: str,
                      url: str | None = None, *, format: str = NAME) -> Briefing:
    """A Briefing from the paragraphs of a page in the 2023 layout; furniture lines are dropped here.

    ``title``/``date``: when None, taken from the paragraphs (the first line naming a spokesperson's press
    conference; the title's date, else the date-time line). Raises ParseError naming ``source``.
    """
    body: list[str] = []
    stamp: dt.date | None = None
    for raw in paragraphs:
        p = clean(raw)
        if not p:
            continue
        m = _DATETIME.match(p)
        if m:
            if stamp is None:
                try:
                    stamp = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
            continue
        if is_furniture(p):
            continue
        if title is None and not body and parse_title(p)[1] is not None:
            title = p
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
    for line in text[:3000].splitlines()[:12]:
        if parse_title(line)[1] is not None:
            return 0.9
    return 0.0


def _html_paragraphs(text: str, source: str) -> tuple[str | None, list[str]]:
    tree = LexborHTMLParser(text)
    node = tree.css_first("h1") or tree.css_first("title")
    title = clean(node.text()) if node is not None else None
    if title is not None and parse_title(title)[1] is None:
        alt = tree.css_first("title")
        title = clean(alt.text()) if alt is not None else title
    # the transcript is the innermost element holding (nearly) all the paragraphs: not a page-wide wrapper that
    # also holds the footer's
    counted = [(len(c.css("p")), c) for c in tree.css("div, article, section, td")]
    most = max((n for n, _ in counted), default=0)
    if not most:
        raise ParseError(source, "no paragraphs: not an MFA English transcript page")
    best = min((c for n, c in counted if n >= 0.8 * most), key=lambda c: len(c.html or ""))
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
    return parse_text_layout(text.splitlines(), None, None, source, url)


FORMAT = Format(NAME, "MFA English transcripts in the 2023 layout (copied text, or today's fmprc.gov.cn pages)",
                sniff, parse)
