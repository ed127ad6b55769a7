"""The MFA site adapter: walk the spokesperson section's listing pages, yield regular press conference transcripts.

Two layouts (``LAYOUTS``; ``LAYOUT_NAMES`` is the order ``podium.sources.fetch`` tries them in when none is given):

- ``today``: the current site. English: ``/eng/xw/fyrbt/lxjzh/index.html``, ``index_N.html`` (about 7 transcripts
  a page, newest first), reaching back to about mid-2022 (older index pages redirect away or answer 404, which ends
  the walk); titles "Lin Jian’s Regular Press Conference on July 28, 2026" (earlier "Foreign Ministry Spokesperson
  Wang Wenbin’s ..."); transcript URLs of three eras: ``/eng/xw/fyrbt/lxjzh/YYYYMM/tYYYYMMDD_N.html`` (today),
  ``/eng/xwfw_665399/s2510_665401/2511_665403/YYYYMM/t....html`` (2024) and ``/mfa_eng/xwfw_665399/.../2511_665403/
  YYYYMM/t....html`` (2021). Chinese: ``/fyrbt_673021/jzhsl_673025/index.shtml``, ``index_N.shtml`` linking
  ``./YYYYMM/tYYYYMMDD_N.shtml``, titles "2026年7月28日外交部发言人郭嘉昆主持例行记者会" with "（2026-07-28）" after
  them (or inside the link). Transcripts are read by ``mfa-en-site2022`` / ``mfa-zh-site2022``.
- ``site2020``: the fmprc.gov.cn site of 2018-2020: ``.../2511_665403/default.shtml``, ``default_N.shtml``
  (English) and ``/web/wjdt_674879/fyrbt_674889/default.shtml`` (Chinese), linking ``./tNNNNNNN.shtml``; the page
  count is in the page's script (``countPage = 13``).

No saved page of today's site exists: its readers are tested on pages constructed after the facts we hold
(tests/fixtures/fetch/), and a page they cannot read fails loudly.

``parse_listing`` reads one listing page into ``Link`` items (URL, title, date, regular or not), newest first; the
caller (``podium.sources.fetch``) walks the pages, detects the layout, decides what is held, downloads and archives.
Reading listing pages is this module's work; reading transcripts is ``podium.parse``'s: each layout names the parse
format its transcripts are in (``Layout.format``), and a fetched transcript goes to the parser with that name as its
``PageHints.layout`` (``transcript_hints``), so that a page the parsers cannot fully read is refused with a
ParseError naming its URL, never stored in half. This module imports nothing from ``podium.parse``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..model import PageHints
from ..text import ymd_date

__all__ = ["DEFAULT_BASE_URL", "LAYOUTS", "Layout", "Link", "Listing", "parse_listing", "publisher_url",
           "transcript_hints"]

DEFAULT_BASE_URL = "https://www.fmprc.gov.cn"

_URL_DATE = re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.s?html?$")
_PAGE_COUNT = re.compile(r"(?:countPage\s*=\s*|createPageHTML\(\s*['\"]?)(\d+)")


# Listing titles: "Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on May 11, 2018", "Lin Jian’s
# Regular Press Conference on July 28, 2026", "... Daily Briefing Online ..." (the written briefings of Feb-Mar 2020),
# not the spokesperson's "... Remarks on ..." the same section lists
_EN_KIND = (r"(Regular\s+Press\s+Conference|Daily\s+Briefing\s+Online|Online\s+Press\s+Conference|Press\s+Conference|"
            r"Remarks)")
_EN_OWN_KIND = re.compile(r"['’`]s\s+" + _EN_KIND, re.I)
_EN_ANY_KIND = re.compile(_EN_KIND, re.I)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ZH_BRACKET_DATE = re.compile(r"[（(]\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*[）)]")


def _en_regular(title: str) -> bool:
    m = _EN_OWN_KIND.search(title) or (_EN_ANY_KIND.search(title) if "spokesperson" in title.lower() else None)
    return m is not None and not m.group(1).lower().startswith("remarks")


def _zh_regular(title: str) -> bool:
    return "例行记者会" in title


def _title_date(title: str, lang: str) -> dt.date | None:
    """The date a link's text gives: "2026年7月28日…" or "…（2026-07-28）" (Chinese), "… on July 28, 2026" (English)."""
    if lang == "zh":
        return ymd_date(_ZH_DATE.search(title)) or ymd_date(_ZH_BRACKET_DATE.search(title))
    m = _EN_DATE.search(title)
    if m is None:
        return ymd_date(_ISO_DATE.search(title))
    try:
        return dt.date(int(m.group(3)), _MONTHS.index(m.group(1)[:3].lower()) + 1, int(m.group(2)))
    except ValueError:
        return None


@dataclass(frozen=True)
class Layout:
    """Where one section's listing pages are and how their transcript links look."""

    name: str
    lang: str
    #: Path of the first (newest) listing page.
    first: str
    #: Path of listing page N (N >= 1), with {n}.
    nth: str
    #: Transcript hrefs (matched against the resolved URL's path).
    link: re.Pattern[str]
    regular: Callable[[str], bool]
    #: The ``podium.parse`` format its transcripts are in: each fetched transcript is held to that format's check.
    format: str

    def listing_url(self, base_url: str, n: int) -> str:
        return base_url.rstrip("/") + (self.first if n == 0 else self.nth.format(n=n))

    def is_listing(self, url: str) -> bool:
        path = urlsplit(url).path
        head = self.first.rsplit("/", 1)[0] + "/"
        return path.startswith(head) and bool(re.search(r"/(?:default|index)(?:_\d+)?\.s?html?$", path))


LAYOUTS: dict[tuple[str, str], Layout] = {
    ("site2020", "en"): Layout("site2020", "en", "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml",
                               "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default_{n}.shtml",
                               re.compile(r"/2511_665403/t\d+\.shtml$"), _en_regular, "mfa-en-html"),
    ("site2020", "zh"): Layout("site2020", "zh", "/web/wjdt_674879/fyrbt_674889/default.shtml",
                               "/web/wjdt_674879/fyrbt_674889/default_{n}.shtml",
                               re.compile(r"/fyrbt_674889/t\d+\.shtml$"), _zh_regular, "mfa-zh-html"),
    ("today", "en"): Layout("today", "en", "/eng/xw/fyrbt/lxjzh/index.html", "/eng/xw/fyrbt/lxjzh/index_{n}.html",
                            re.compile(r"(?:/eng/xw/fyrbt/lxjzh|/(?:mfa_)?eng/xwfw_665399/s2510_665401/2511_665403)"
                                       r"/\d{6}/t\d+(?:_\d+)?\.s?html$"), _en_regular,
                            "mfa-en-site2022"),
    ("today", "zh"): Layout("today", "zh", "/fyrbt_673021/jzhsl_673025/index.shtml",
                            "/fyrbt_673021/jzhsl_673025/index_{n}.shtml",
                            re.compile(r"/fyrbt_673021/jzhsl_673025/\d{6}/t\d{8}_\d+\.s?html$"), _zh_regular,
                            "mfa-zh-site2022"),
}
LAYOUT_NAMES = ("today", "site2020")


@dataclass(frozen=True)
class Link:
    """A transcript link found on a listing page."""

    url: str
    title: str
    #: The briefing's date from the link text (else from the URL), when it has one.
    date: dt.date | None
    #: A regular press conference (the rest of the section is listed but not fetched).
    regular: bool


@dataclass(frozen=True)
class Listing:
    url: str
    links: tuple[Link, ...]
    #: Number of listing pages the page says the section has, when it says.
    page_count: int | None


def parse_listing(data: bytes, url: str, layout: Layout, charset: str | None = None) -> Listing:
    """The transcript links of one listing page, in page order (newest first); ``charset``: the HTTP one."""
    text = _listing_text(data, charset)
    tree = LexborHTMLParser(text)
    links: list[Link] = []
    seen: set[str] = set()
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        target = urljoin(url, href).split("#", 1)[0]
        if not layout.link.search(urlsplit(target).path) or target in seen:
            continue
        seen.add(target)
        title = " ".join((a.attributes.get("title") or a.text() or "").split())
        date = _title_date(title, layout.lang)
        if date is None and a.parent is not None:  # "（2026-07-28）" printed after the link, in its row
            date = _title_date(a.parent.text(), layout.lang)
        if date is None:
            date = ymd_date(_URL_DATE.search(urlsplit(target).path))
        links.append(Link(target, title, date, layout.regular(title)))
    m = _PAGE_COUNT.search(text)
    return Listing(url, tuple(links), int(m.group(1)) if m else None)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _listing_text(data: bytes, charset: str | None) -> str:
    """A listing page's text: the server's charset, else the page's own, else UTF-8, else GB18030 (the Chinese
    site's legacy pages). Only links and titles are read, so what does not decode is replaced, never refused."""
    m = _META_CHARSET.search(data[:4096])
    for label in (charset, m.group(1).decode("ascii") if m else None, "utf-8-sig", "gb18030"):
        try:
            name = codecs.lookup(label).name if label else None
            if name is not None:  # gb2312 and gbk pages hold GB18030 characters
                return data.decode("gb18030" if name in ("gb2312", "gbk") else name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


# ---- transcripts -------------------------------------------------------------------------------------------------

def publisher_url(url: str) -> str:
    """The page's URL on the publisher's site (``DEFAULT_BASE_URL``) for a URL fetched from any host: briefings
    keep it whatever mirror or test server served them, so the database knows a page however it got it."""
    parts = urlsplit(url)
    return DEFAULT_BASE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


def transcript_hints(link: Link, layout: Layout, charset: str | None = None) -> PageHints:
    """What the listing says about a transcript, for the parser (``podium.parse.parse_page``): its publisher URL,
    the link's title and date, the server's charset, and the layout's format, whose check the parse must pass (a
    whole regular press conference, nothing cut off)."""
    return PageHints(url=publisher_url(link.url), date=link.date, title=link.title or None, charset=charset,
                     layout=layout.format, evidence=f"listing of the {layout.name} layout ({layout.lang})")
