"""MFA English transcript pages of today's fmprc.gov.cn site ("mfa-en-site2022": ``/eng/xw/fyrbt/lxjzh/YYYYMM/
tYYYYMMDD_N.html``, mid-2022 on), read by structure rather than class names: podium holds no saved page of this
layout, so a page this module cannot fully recognise fails loudly (ParseError naming it), never half-parsed.

What it looks for: a complete HTML document; a title naming a spokesperson's regular press conference (``<h1>``,
``<h2>``, the ``ArticleTitle``/``og:title`` meta or ``<title>``); the date in that title (else the ``PubDate``
meta); the body container, i.e. the innermost element holding (nearly) every ``Label: text`` paragraph of the
page (the seed's layout: ``AFP: ...`` / ``Wang Wenbin: ...``), so a sidebar full of paragraphs cannot pass for
it, read up to the site footer ("Links: State Council ... Copyright© www.fmprc.gov.cn"), which may share it; at
least one answer labelled with a spokesperson's name; and a last labelled paragraph that is an answer, not a
question left hanging by a cut-off page. Titles come as "Foreign Ministry Spokesperson Wang Wenbin’s Regular Press
Conference on July 13, 2023" or, today, "Lin Jian’s Regular Press Conference on July 28, 2026". The paragraphs
then go through ``mfa_en_text.parse_text_layout``.

Sniffing: pages carrying the current site's ``PubDate`` meta and a spokesperson's press-conference title; other
HTML pages in the 2023 layout stay with ``mfa-en-text``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from ..errors import ParseError
from ..model import Briefing
from . import Format
from ._common import clean
from .mfa_en_html import KNOWN_SPOKESPERSONS, check_regular, normalise_title, parse_date, parse_title
from .mfa_en_text import is_footer, is_furniture, parse_text_layout

__all__ = ["FORMAT", "PageCheck", "check_page", "parse", "sniff"]

NAME = "mfa-en-site2022"

_LABEL = re.compile(r"^([A-Z][A-Za-z.'’&()\- ]{0,60}?)\s*:\s*\S")
_CONTAINERS = "div, article, section, main, td"
_KNOWN = {n.casefold() for n in KNOWN_SPOKESPERSONS}
#: Share of the page's labelled paragraphs the body container must hold (a stray "Headline: ..." in a
#: sidebar must not push the choice out to the page-wide wrapper).
_HOLD = 0.8


@dataclass(frozen=True)
class PageCheck:
    """What the page shows, for cross-checking a parse."""

    title: str
    date: dt.date
    spokesperson: str | None
    #: The transcript paragraphs of the body container (furniture and the repeated title left out).
    paragraphs: tuple[str, ...]
    #: Spokesperson answers that follow a question (each should become an answered exchange).
    answers: int


def _title(tree: LexborHTMLParser) -> tuple[str | None, str | None]:
    """(title, kind) from the first title-like element naming a spokesperson's regular press conference (else
    the first naming any spokesperson's page)."""
    candidates: list[str] = []
    for sel in ("h1", "h2"):
        candidates += [n.text() for n in tree.css(sel)]
    for sel in ('meta[name="ArticleTitle"]', 'meta[property="og:title"]'):
        node = tree.css_first(sel)
        if node is not None:
            candidates.append(node.attributes.get("content") or "")
    node = tree.css_first("title")
    if node is not None:
        candidates.append(node.text())
    fallback: tuple[str | None, str | None] = (None, None)
    for raw in candidates:
        t = normalise_title(raw)
        kind = parse_title(t)[1]
        if kind in ("regular", "online"):
            return t, kind
        if kind is not None and fallback[0] is None:
            fallback = (t, kind)
    return fallback


def check_page(text: str, source: str) -> PageCheck:
    """Check a page of today's layout; ParseError naming ``source`` and what is wrong when it is not a whole
    regular press conference transcript."""
    tail = text[-4000:].lower()
    if "</html" not in tail and "</body" not in tail:
        raise ParseError(source, "truncated page: it ends before the end of the HTML document; not stored")
    tree = LexborHTMLParser(text)
    title, kind = _title(tree)
    if title is None:
        raise ParseError(source, "no title naming a spokesperson's regular press conference (looked at <h1>, <h2>, "
                                 "the ArticleTitle/og:title meta and <title>): not a transcript page podium can read")
    if kind not in ("regular", "online"):
        raise ParseError(source, f"not a regular press conference (title {title!r}); not stored")
    spokesperson = parse_title(title)[0]
    date = parse_date(title)
    if date is None:
        meta = tree.css_first('meta[name="PubDate"]')
        date = parse_date(meta.attributes.get("content") or "") if meta is not None else None
    if date is None:
        raise ParseError(source, f"no date in the title {title!r} nor in a PubDate meta; not stored")

    counted = [(sum(1 for p in node.css("p") if _LABEL.match(clean(p.text()))), node)
               for node in tree.css(_CONTAINERS)]
    most = max((n for n, _ in counted), default=0)
    if not most:
        raise ParseError(source, "no paragraph with a speaker label (\"AFP: ...\", \"Wang Wenbin: ...\") on the "
                                 "page: not a transcript in the layout podium knows; not stored")
    body = min((node for n, node in counted if n >= _HOLD * most), key=lambda node: len(node.html or ""))
    paragraphs: list[str] = []
    for p in body.css("p"):
        t = clean(p.text())
        if paragraphs and is_footer(t):
            break  # the site footer ("Links: State Council ... Copyright©") may share the transcript's container
        if not t or is_furniture(t) or normalise_title(t) == title:
            continue
        paragraphs.append(t)

    def is_spokesperson(label: str) -> bool:
        return label.casefold() in _KNOWN or (spokesperson is not None and label.casefold() == spokesperson.casefold())

    labels = [m.group(1).strip() for m in (_LABEL.match(p) for p in paragraphs) if m]
    if not any(is_spokesperson(lb) for lb in labels):
        who = f"{spokesperson}:" if spokesperson else "with a spokesperson's name"
        raise ParseError(source, f"no answer labelled {who!r} in the body: the page holds questions but no answers "
                                 "podium can recognise; not stored")
    if not is_spokesperson(labels[-1]):
        raise ParseError(source, f"the transcript ends with {labels[-1]!r} asking and no answer after it: the page "
                                 "looks cut off; not stored")
    answers = sum(1 for prev, cur in zip(labels, labels[1:], strict=False)
                  if is_spokesperson(cur) and not is_spokesperson(prev))
    return PageCheck(title, date, spokesperson, tuple(paragraphs), answers)


def cross_check(b: Briefing, expected: PageCheck, source: str) -> Briefing:
    """Refuse a parse that read less than the page holds (ParseError naming ``source``)."""
    got = sum(len(t.paragraphs) for t in b.turns)
    if got < 0.9 * len(expected.paragraphs):
        raise ParseError(source, f"the parser read {got} of the {len(expected.paragraphs)} transcript paragraphs on "
                                 "the page; not stored (the layout may have changed)")
    answered = sum(1 for e in b.exchanges if e.answers)
    if answered < expected.answers:
        raise ParseError(source, f"the parser found {answered} answered questions where the page has "
                                 f"{expected.answers} spokesperson answers after a question; not stored")
    if b.date != expected.date:
        raise ParseError(source, f"the parser dated it {b.date}, the page's title says {expected.date}; not stored")
    return b


def sniff(text: str, source: str) -> float:
    """0.6 for a page with the current site's PubDate meta and a spokesperson's press-conference title."""
    head = text[:8000]
    if "<" not in head or 'name="PubDate"' not in head or 'class="content"' in text:
        return 0.0
    m = re.search(r"<title[^>]*>(.*?)</title\s*>", head, re.I | re.S)
    return 0.6 if m and parse_title(m.group(1))[1] is not None else 0.0


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse a transcript page of today's site after checking it is whole."""
    page = check_page(text, source)
    b = parse_text_layout(list(page.paragraphs), page.title, page.date, source, url, format=NAME)
    return cross_check(b, page, source)


def check(text: str, b: Briefing, source: str) -> None:
    """A page fetched from today's English listing: whatever format read it, it is held to this layout's structural
    check (title, date, body container, the last labelled paragraph an answer) and must be a whole regular press
    conference; ParseError naming ``source`` otherwise."""
    if b.format != NAME:
        cross_check(b, check_page(text, source), source)
    check_regular(text, b, source)


FORMAT = Format(NAME, "MFA English transcript pages of today's fmprc.gov.cn site (mid-2022 on; found by structure)",
                sniff, parse, check=check)
