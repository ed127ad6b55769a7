"""Pages on disk: expand files and folders into the pages to ingest, with their URLs from an ``index.tsv``.

A folder is walked recursively in sorted order. Inside folders, only page-like files are taken (``.html``,
``.htm``, ``.shtml``, ``.xhtml``, ``.txt``); hidden files, ``robots.txt`` and ``index.tsv`` are passed over
silently. A file named on the command line is always tried, whatever its name.

``index.tsv`` (as the MFA corpus and ``podium fetch`` write it: tab-separated with a header holding at least
``file`` and ``url``, optionally ``kind``) in the page's folder or up to three folders above gives each page its
publisher URL; its ``file`` column is relative to the folder of the index.tsv or to the folder above it. A page
whose row says ``kind`` = ``list`` is a section's listing page, not a briefing: it is reported as skipped.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError

PAGE_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".txt"})
IGNORED_NAMES = frozenset({"robots.txt", "index.tsv"})


@dataclass(frozen=True)
class Page:
    """One file to ingest."""

    path: Path
    url: str | None = None
    #: Why the page is not a briefing (then it is reported as skipped, not parsed).
    skip: str | None = None

    @property
    def source(self) -> str:
        return str(self.path)


class _IndexTsv:
    """URLs and kinds of pages listed in index.tsv files, loaded once per folder."""

    def __init__(self) -> None:
        self._by_dir: dict[str, dict[str, dict[str, str]] | None] = {}
        self._near: dict[str, dict[str, dict[str, str]]] = {}

    def _load(self, folder: str) -> dict[str, dict[str, str]] | None:
        if folder not in self._by_dir:
            tsv = os.path.join(folder, "index.tsv")
            rows: dict[str, dict[str, str]] | None = None
            if os.path.isfile(tsv):
                rows = {}
                try:
                    with open(tsv, encoding="utf-8", newline="") as fh:
                        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                            f = (row.get("file") or "").strip()
                            if not f:
                                continue
                            for base in (folder, os.path.dirname(folder)):
                                rows[os.path.normpath(os.path.join(base, f))] = row
                except (OSError, csv.Error, UnicodeDecodeError):
                    rows = None  # an unreadable index only costs the URLs
            self._by_dir[folder] = rows
        return self._by_dir[folder]

    def row(self, path: Path) -> dict[str, str] | None:
        key = os.path.normpath(os.path.abspath(path))
        folder = os.path.dirname(key)
        for _ in range(4):
            rows = self._load(folder)
            if rows is not None and key in rows:
                return rows[key]
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return None


def _page(path: Path, tsv: _IndexTsv) -> Page:
    row = tsv.row(path)
    if row is None:
        return Page(path)
    url = (row.get("url") or "").strip() or None
    kind = (row.get("kind") or "").strip().lower()
    return Page(path, url, "listing page (index.tsv kind=list), not a briefing" if kind == "list" else None)


def pages(paths: Iterable[str | Path]) -> Iterator[Page]:
    """Every page under the given files and folders, in a stable order; SourceError for a path that does
    not exist is raised only when that path is reached, as a Page cannot stand for it."""
    tsv = _IndexTsv()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            from .archive import archive_pages, is_archive

            if is_archive(path):  # a `podium fetch` archive: its transcripts, newest version of each URL
                yield from archive_pages(path)
                continue
            found: list[Path] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.lower() in IGNORED_NAMES:
                        continue
                    if os.path.splitext(name)[1].lower() in PAGE_SUFFIXES:
                        found.append(Path(root) / name)
            for f in found:
                yield _page(f, tsv)
        elif path.exists():
            yield _page(path, tsv)
        else:
            raise SourceError(str(path), "no such file or folder")


def expand(paths: Iterable[str | Path]) -> tuple[list[Page], list[SourceError]]:
    """All pages, and an error for each path that does not exist (the rest are still returned)."""
    out: list[Page] = []
    errors: list[SourceError] = []
    for p in paths:
        try:
            out.extend(pages([p]))
        except SourceError as exc:
            errors.append(exc)
    return out, errors
