"""Indexes of saved pages: what the corpus knows about a page besides its text (URL, date, title), and on what evidence.

One reader per index kind, one lookup::

    read_index_tsv(path)        an ``index.tsv`` as the MFA corpus and ``podium fetch`` write it (tab-separated, header
                                with at least ``file`` and ``url``; optionally ``date``, ``title``, ``kind``): ``file``
                                is relative to the index's folder or to the folder above it.
    read_table_index(path)      a user's CSV or TSV of ``file,url,date[,title]`` (header row; ``file`` relative to the
                                table's folder, or absolute).
    read_listing_pages(paths)   a publisher's listing pages the pages were downloaded from. The White House Briefing
                                Room mirror's (``whitehouse/2009-2016/lists/0.html`` .. ``169.html``): rows in order
                                across the pages, sorted by the number in the file name; row N (counting from 0) is
                                the page ``N.html`` in the folder above ``lists/``; each row's date ("August 04,
                                2016") and link (``../the-press-office/2016/08/04/...``, resolved against the
                                listing's og:url).
    Indexes(extra=())           the lookup: ``entry(path) -> IndexEntry | None``. ``extra`` are indexes the user named
                                (files or folders, read by kind); they win over the ones found beside the pages: an
                                ``index.tsv`` in the page's folder or up to three above, and a ``lists/`` folder of
                                listing pages in the page's folder. ``is_index_file(path)`` tells the index files
                                themselves (listing pages are not briefings).

Every entry says where it came from (``evidence``: "listing page lists/12.html row 4", "index.tsv row 15",
"index my.csv row 3"), so that a date taken from an index can be traced to it. Dates are never guessed: a row whose
date cannot be read has ``date=None``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from ..errors import SourceError

__all__ = ["IndexEntry", "Indexes", "read_index_tsv", "read_listing_pages", "read_table_index"]


@dataclass(frozen=True)
class IndexEntry:
    """What one index says about one page."""

    #: The page's path, absolute and normalised.
    file: str
    url: str | None = None
    date: dt.date | None = None
    title: str | None = None
    #: Where this was read: "listing page lists/12.html row 4", "index.tsv row 15", "index sources.csv row 3".
    evidence: str = ""
    #: "list" when the index says the page is itself a listing page, not a briefing.
    kind: str | None = None


_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                          "september", "october", "november", "december"), 1)}
_LONG_DATE = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_date(text: str | None) -> dt.date | None:
    """An index's date: ISO ("2016-08-04", with or without a time), "August 04, 2016" or "8/4/2016"; else None."""
    if not text:
        return None
    try:
        m = _ISO.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _LONG_DATE.match(text)
        if m and m.group(1).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        m = _SLASH.match(text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


def _key(path: str | Path) -> str:
    return os.path.normpath(os.path.abspath(path))


def _rows(path: Path, delimiter: str, quoting: int = csv.QUOTE_MINIMAL) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
                    for row in csv.DictReader(fh, delimiter=delimiter, quoting=quoting)]
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise SourceError(str(path), f"cannot read the index: {exc}") from None


def read_index_tsv(path: str | Path) -> list[IndexEntry]:
    """Entries of an ``index.tsv`` (each row under both readings of its relative ``file``)."""
    path = Path(path)
    folder = os.path.dirname(_key(path))
    out: list[IndexEntry] = []
    for n, row in enumerate(_rows(path, "\t", csv.QUOTE_NONE), 1):
        f = row.get("file", "")
        if not f:
            continue
        for base in (folder, os.path.dirname(folder)):
            out.append(IndexEntry(_key(os.path.join(base, f)), row.get("url") or None, parse_date(row.get("date")),
                                  row.get("title") or None, f"{path.name} row {n}", row.get("kind") or None))
    return out


def read_table_index(path: str | Path) -> list[IndexEntry]:
    """Entries of a user's CSV/TSV index (columns file, url, date and optionally title; a header row)."""
    path = Path(path)
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    rows = _rows(path, "\t" if head.count("\t") > head.count(",") else ",")
    if rows and "file" not in rows[0]:
        raise SourceError(str(path), f"an index needs a 'file' column (and url, date[, title]); it has "
                                     f"{', '.join(rows[0]) or 'no header'}")
    folder = os.path.dirname(_key(path))
    out = []
    for n, row in enumerate(rows, 1):
        f = row.get("file", "")
        if not f:
            continue
        if row.get("date") and parse_date(row["date"]) is None:
            raise SourceError(str(path), f"row {n}: date {row['date']!r} is not a date (use YYYY-MM-DD)")
        out.append(IndexEntry(_key(os.path.join(folder, f)), row.get("url") or None, parse_date(row.get("date")),
                              row.get("title") or None, f"index {path.name} row {n}", row.get("kind") or None))
    return out


_ROW = re.compile(r'<div class="views-row\b')
_CREATED = re.compile(r'views-field-created"[^>]*>\s*<span[^>]*>([^<]*)<')
_LINK = re.compile(r'views-field-title"[^>]*>.*?<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_OG_URL = re.compile(r'<meta content="([^"]+)" property="og:url"|<meta property="og:url" content="([^"]+)"')
_NUM = re.compile(r"(\d+)")


def _listing_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(p.glob("*.html")) if p.is_dir() else [p])

    def order(f: Path) -> tuple[int, str]:
        m = _NUM.search(f.stem)
        return (int(m.group(1)) if m else -1, f.name)
    return sorted(files, key=order)


def _unescape(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def read_listing_pages(paths: Iterable[str | Path]) -> list[IndexEntry]:
    """Entries of listing pages (a folder of them, or the files), in row order: row N -> ``N.html`` in the folder
    above the listing pages' folder. SourceError for a file that holds no listing rows."""
    out: list[IndexEntry] = []
    for f in _listing_files(paths):
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise SourceError(str(f), f"cannot read the listing page: {exc.strerror or exc}") from None
        m = _OG_URL.search(text)
        base = (m.group(1) or m.group(2)) if m else None
        starts = [r.start() for r in _ROW.finditer(text)]
        if not starts:
            raise SourceError(str(f), "not a listing page: no rows (<div class=\"views-row ...\">)")
        pages_dir = Path(_key(f)).parent.parent
        for i, start in enumerate(starts):
            chunk = text[start:starts[i + 1] if i + 1 < len(starts) else len(text)]
            created = _CREATED.search(chunk)
            link = _LINK.search(chunk)
            href = link.group(1) if link else None
            url = urljoin(base, href) if base and href else href
            n = len(out)
            out.append(IndexEntry(_key(pages_dir / f"{n}.html"), url, parse_date(created.group(1)) if created else None,
                                  _unescape(link.group(2)) if link else None,
                                  f"listing page {f.parent.name}/{f.name} row {i + 1}"))
    return _shared_links_dropped(out)


def _shared_links_dropped(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Links that several rows share. Rows of one date are one briefing listed twice (the mirror's pages shifted
    while it was crawled: the last row of one page is the first of the next; the pages saved are identical): the link
    stays, and the store keeps one briefing. Rows of different dates are different briefings under one link (two
    Gibbs gaggles "aboard Air Force One", 2009 and 2010): the link alone would make the store take them for one
    briefing, so each keeps it with its listing date as a fragment ("...#2010-05-02"), and the evidence says so."""
    rows: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        if e.url:
            rows.setdefault(e.url, []).append(i)
    out = list(entries)
    for url, ids in rows.items():
        if len(ids) > 1 and len({entries[i].date for i in ids}) > 1:
            for i in ids:
                e = entries[i]
                others = ", ".join(entries[j].evidence.removeprefix("listing page ") for j in ids if j != i)
                out[i] = dataclasses.replace(
                    e, url=f"{url}#{e.date.isoformat()}" if e.date else None,
                    evidence=f"{e.evidence} (its link is also that of {others}, of another date: the link is "
                             f"marked with this row's date)")
    return out


def _looks_like_listing(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(300_000)
    except OSError:
        return False
    return bool(_ROW.search(head) and "views-field-created" in head)


def read_index(path: str | Path) -> list[IndexEntry]:
    """Any index a user names: a folder or file of listing pages, an index.tsv, or a CSV/TSV table."""
    path = Path(path)
    if not path.exists():
        raise SourceError(str(path), "no such index file or folder")
    if path.is_dir():
        return read_listing_pages([path])
    if path.suffix.lower() in (".html", ".htm"):
        return read_listing_pages([path])
    if path.name == "index.tsv":
        return read_index_tsv(path)
    return read_table_index(path)


class Indexes:
    """The index entries of pages: the user's indexes first, then those found beside the pages (loaded once)."""

    def __init__(self, extra: Iterable[str | Path] = ()) -> None:
        self._given: dict[str, IndexEntry] = {}
        self._index_files: set[str] = set()
        for p in extra:
            entries = read_index(p)
            if not entries:
                raise SourceError(str(p), "the index lists no page")
            for e in entries:
                self._given.setdefault(e.file, e)
            self._index_files.update(self._files_of(Path(p)))
        self._tsv: dict[str, dict[str, IndexEntry] | None] = {}
        self._lists: dict[str, dict[str, IndexEntry] | None] = {}

    @staticmethod
    def _files_of(p: Path) -> set[str]:
        return {_key(f) for f in p.glob("*.html")} if p.is_dir() else {_key(p)}

    def _tsv_near(self, folder: str) -> dict[str, IndexEntry] | None:
        if folder not in self._tsv:
            tsv = os.path.join(folder, "index.tsv")
            entries = None
            if os.path.isfile(tsv):
                try:
                    entries = {}
                    for e in read_index_tsv(tsv):
                        entries.setdefault(e.file, e)
                except SourceError:
                    entries = None  # an unreadable index only costs the URLs
            self._tsv[folder] = entries
        return self._tsv[folder]

    def _lists_in(self, folder: str) -> dict[str, IndexEntry] | None:
        if folder not in self._lists:
            lists = os.path.join(folder, "lists")
            entries = None
            if os.path.isdir(lists):
                files = sorted(Path(lists).glob("*.html"))
                if files and _looks_like_listing(files[0]):
                    try:
                        entries = {e.file: e for e in read_listing_pages([lists])}
                        self._index_files.update(_key(f) for f in files)
                    except SourceError:
                        entries = None
            self._lists[folder] = entries
        return self._lists[folder]

    def entry(self, path: str | Path) -> IndexEntry | None:
        """What the indexes say about a page; None when none lists it."""
        key = _key(path)
        if key in self._given:
            return self._given[key]
        folder = os.path.dirname(key)
        lists = self._lists_in(folder)
        if lists is not None and key in lists:
            return lists[key]
        for _ in range(4):
            rows = self._tsv_near(folder)
            if rows is not None and key in rows:
                return rows[key]
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return None

    def is_index_file(self, path: str | Path) -> bool:
        """True for a listing page that serves as an index (named by the user or found beside the pages)."""
        key = _key(path)
        if key in self._index_files:
            return True
        parent = os.path.dirname(key)
        if os.path.basename(parent) == "lists":
            self._lists_in(os.path.dirname(parent))
            return key in self._index_files
        return False
