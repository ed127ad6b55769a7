"""MFA Chinese transcript pages of today's site ("mfa-zh-site2022": ``/fyrbt_673021/jzhsl_673025/YYYYMM/
tYYYYMMDD_N.shtml``), read by structure rather than class names: podium holds no saved page of this layout, so a
page this module cannot fully recognise fails loudly (ParseError naming it), never half-parsed.

What it looks for: a complete HTML document; a title naming a spokesperson's press conference ("2026年7月28日外交部
发言人郭嘉昆主持例行记者会": ``<h1>``, ``<h2>``, the ``ArticleTitle``/``og:title`` meta or ``<title>``); the date in
that title (else the ``PubDate`` meta); the body container, i.e. the innermost element holding (nearly) every
labelled paragraph (``总台央视记者：…`` / ``郭嘉昆：…``), so a sidebar cannot pass for it. Its paragraphs are read up to
the site footer, without the navigation list that may follow the last answer inside the same container, and go
through ``mfa_zh_text.parse_zh_paragraphs`` (the turn rules of ``mfa_zh_html``; the checks for an answer and for a
page cut off after a question).

Sniffing: Chinese pages in the current site's template (a ``PubDate`` meta or a ``news-main`` body) whose title
names a press conference; 2016-2020 pages (``#News_Body_Txt_A``) stay with ``mfa-zh-html``.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser

from ..errors import ParseError
from ..model import Briefing
from . import Format
from ._common import clean, ymd_date
from .mfa_en_html import check_regular
from .mfa_zh_text import _LABEL, _TITLE, parse_zh_paragraphs, transcript, zh_date

__all__ = ["FORMAT", "page_paragraphs", "parse", "sniff"]

NAME = "mfa-zh-site2022"

_CONTAINERS = "div, article, section, main, td"
_SITE_SUFFIX = re.compile(r"\s*[—–_\-|]+\s*中华人民共和国外交部\s*$")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
#: Share of the page's labelled paragraphs the body container must hold.
_HOLD = 0.8


def _text(node) -> str:  # noqa: ANN001 - selectolax node
    return clean(node.text(deep=True, separator=""))


def _title(tree: LexborHTMLParser) -> str | None:
    candidates = [_text(n) for sel in ("h1", "h2") for n in tree.css(sel)]
    for sel in ('meta[name="ArticleTitle"]', 'meta[property="og:title"]'):
        node = tree.css_first(sel)
        if node is not None:
            candidates.append(clean(node.attributes.get("content") or ""))
    node = tree.css_first("title")
    if node is not None:
        candidates.append(_text(node))
    for raw in candidates:
        if _TITLE.search(raw):
            return _SITE_SUFFIX.sub("", raw).strip()
    return None


def page_paragraphs(text: str, source: str) -> tuple[str, dt.date | None, list[str]]:
    """(title, date, transcript paragraphs) of a page of today's layout; ParseError naming ``source`` when the page
    is cut off or holds no transcript."""
    tail = text[-4000:].lower()
    if "</html" not in tail and "</body" not in tail:
        raise ParseError(source, "truncated page: it ends before the end of the HTML document; not stored")
    tree = LexborHTMLParser(text)
    title = _title(tree)
    if title is None:
        raise ParseError(source, "no title naming a spokesperson's press conference (\"…外交部发言人…主持例行记者会\"; "
                                 "looked at <h1>, <h2>, the ArticleTitle/og:title meta and <title>): not a transcript "
                                 "page podium can read")
    date = zh_date(title)
    if date is None:
        meta = tree.css_first('meta[name="PubDate"]')
        date = ymd_date(_ISO.search(meta.attributes.get("content") or "")) if meta is not None else None
    counted = [(sum(1 for p in node.css("p") if _LABEL.match(_text(p))), node) for node in tree.css(_CONTAINERS)]
    most = max((n for n, _ in counted), default=0)
    if not most:
        raise ParseError(source, "no paragraph with a speaker label (\"总台央视记者：…\", \"郭嘉昆：…\") on the page: "
                                 "not a transcript in the layout podium knows; not stored")
    body = min((node for n, node in counted if n >= _HOLD * most), key=lambda node: len(node.html or ""))
    lines = [t for t in (_text(p) for p in body.css("p")) if t and t != title]
    return title, date, transcript(lines)


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse a Chinese transcript page of today's site after checking it is whole."""
    title, date, paragraphs = page_paragraphs(text, source)
    return parse_zh_paragraphs(paragraphs, title, date, source, url, format=NAME)


def sniff(text: str, source: str) -> float:
    """0.95 for a Chinese press-conference page in the current template (above mfa-zh-html's 0.9 for it)."""
    head = text[:200_000]
    if "<" not in head[:2000] or "News_Body_Txt_A" in head:
        return 0.0
    if 'name="PubDate"' not in head and "news-main" not in head:
        return 0.0
    m = re.search(r"<(?:title|h1)[^>]*>(.*?)</(?:title|h1)\s*>", head, re.I | re.S)
    return 0.95 if m and _TITLE.search(clean(m.group(1))) else 0.0


def check(text: str, b: Briefing, source: str) -> None:
    """A page fetched from today's Chinese listing: read by another format, it must give what this layout's reader
    gives (which refuses a partial page); and it must be a whole regular press conference. ParseError otherwise."""
    if b.format != NAME:
        ref = parse(text, source, b.url)
        if (b.date, len(b.exchanges)) != (ref.date, len(ref.exchanges)):
            raise ParseError(source, f"read as {b.format}: {len(b.exchanges)} exchanges dated {b.date}, where the "
                                     f"page in today's layout has {len(ref.exchanges)} dated {ref.date}; not stored")
    check_regular(text, b, source)


FORMAT = Format(NAME, "MFA Chinese transcript pages of today's site (/fyrbt_673021/jzhsl_673025/; found by structure)",
                sniff, parse, check=check)
