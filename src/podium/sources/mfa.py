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

``parse_listing`` reads one listing page into ``Link`` items, newest first; the caller (``podium.sources.fetch``)
walks the pages, detects the layout, decides what is held, downloads, archives and ingests. Transcript pages are
checked here (``read_transcript``) so that a page the parsers cannot fully read is refused with a ParseError naming
its URL, never stored in half.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..errors import ParseError
from ..model import Briefing
from ..parse import parse_bytes
from ..parse._common import ymd_date
from ..parse._text import decode
from ..parse.mfa_en_html import SERIES, parse_date, parse_title
from ..parse.mfa_zh_text import zh_date

__all__ = ["DEFAULT_BASE_URL", "LAYOUTS", "Layout", "Link", "Listing", "check_briefing", "parse_listing",
           "publisher_url", "read_transcript"]

DEFAULT_BASE_URL = "https://www.fmprc.gov.cn"

_URL_DATE = re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.s?html?$")
_PAGE_COUNT = re.compile(r"(?:countPage\s*=\s*|createPageHTML\(\s*['\"]?)(\d+)")


def _en_regular(title: str) -> bool:
    # regular press conferences, and the written "Daily Briefing Online" that replaced them in Feb-Mar 2020;
    # not the spokesperson's Remarks the same section lists
    return parse_title(title)[1] in ("regular", "online")


def _zh_regular(title: str) -> bool:
    return "例行记者会" in title


def _title_date(title: str, lang: str) -> dt.date | None:
    if lang == "zh":  # "2026年7月28日…" or "…主持例行记者会（2026-07-28）"
        return zh_date(title)
    return parse_date(title)


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

    def listing_url(self, base_url: str, n: int) -> str:
        return base_url.rstrip("/") + (self.first if n == 0 else self.nth.format(n=n))

    def is_listing(self, url: str) -> bool:
        path = urlsplit(url).path
        head = self.first.rsplit("/", 1)[0] + "/"
        return path.startswith(head) and bool(re.search(r"/(?:default|index)(?:_\d+)?\.s?html?$", path))


LAYOUTS: dict[tuple[str, str], Layout] = {
    ("site2020", "en"): Layout("site2020", "en", "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml",
                               "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default_{n}.shtml",
                               re.compile(r"/2511_665403/t\d+\.shtml$"), _en_regular),
    ("site2020", "zh"): Layout("site2020", "zh", "/web/wjdt_674879/fyrbt_674889/default.shtml",
                               "/web/wjdt_674879/fyrbt_674889/default_{n}.shtml",
                               re.compile(r"/fyrbt_674889/t\d+\.shtml$"), _zh_regular),
    ("today", "en"): Layout("today", "en", "/eng/xw/fyrbt/lxjzh/index.html", "/eng/xw/fyrbt/lxjzh/index_{n}.html",
                            re.compile(r"(?:/eng/xw/fyrbt/lxjzh|/(?:mfa_)?eng/xwfw_665399/s2510_665401/2511_665403)"
                                       r"/\d{6}/t\d+(?:_\d+)?\.s?html$"), _en_regular),
    ("today", "zh"): Layout("today", "zh", "/fyrbt_673021/jzhsl_673025/index.shtml",
                            "/fyrbt_673021/jzhsl_673025/index_{n}.shtml",
                            re.compile(r"/fyrbt_673021/jzhsl_673025/\d{6}/t\d{8}_\d+\.s?html$"), _zh_regular),
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
    text = decode(data, url, charset)
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


# ---- transcripts -------------------------------------------------------------------------------------------------

def check_briefing(b: Briefing, url: str) -> Briefing:
    """Refuse a parse that is not a whole regular press conference: ParseError naming the URL."""
    if b.series != SERIES and "例行记者会" not in b.title:
        raise ParseError(url, f"not a regular press conference (title {b.title!r}, series {b.series!r}); not stored")
    if not b.exchanges:
        raise ParseError(url, "no question and answer found in the transcript; not stored (the page may be cut off "
                              "or in a layout podium cannot read)")
    if not any(e.answers and e.answer_text.strip() for e in b.exchanges):
        raise ParseError(url, "no answered question in the transcript; not stored")
    return b


def publisher_url(url: str) -> str:
    """The page's URL on the publisher's site (``DEFAULT_BASE_URL``) for a URL fetched from any host: briefings
    keep it whatever mirror or test server served them, so the database knows a page however it got it."""
    parts = urlsplit(url)
    return DEFAULT_BASE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


def read_transcript(data: bytes, url: str, layout: Layout, source: str | None = None,
                    charset: str | None = None) -> Briefing:
    """Parse a downloaded transcript page and check it is a whole regular press conference; ParseError naming
    the source otherwise. ``url``: the publisher's URL the briefing keeps; ``source``: where it was fetched from.

    The format is detected as ``podium ingest`` would detect it, so re-ingesting the archive gives the same parse.
    Today's English pages are read by ``mfa-en-site2022``; one detected as another format is still held to that
    module's structural check (title, date, body container, the last labelled paragraph an answer). ``charset``:
    the one the server declared (HTTP Content-Type)."""
    source = source or url
    b = parse_bytes(data, source, url=url, charset=charset)
    if layout.name == "today" and layout.lang == "en" and b.format != "mfa-en-site2022":
        from ..parse.mfa_en_site2022 import check_page, cross_check

        cross_check(b, check_page(decode(data, source, charset), source), source)
    elif layout.name == "today" and layout.lang == "zh" and b.format != "mfa-zh-site2022":
        ref = parse_bytes(data, source, url=url, format="mfa-zh-site2022", charset=charset)  # refuses a partial page
        if (b.date, len(b.exchanges)) != (ref.date, len(ref.exchanges)):
            raise ParseError(source, f"read as {b.format}: {len(b.exchanges)} exchanges dated {b.date}, where the "
                                     f"page in today's layout has {len(ref.exchanges)} dated {ref.date}; not stored")
    return check_briefing(b, source)
