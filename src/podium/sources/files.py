"""Pages on disk: expand files and folders into the pages to ingest, with their URLs from an ``index.tsv``.

A folder is walked recursively in sorted order. Inside folders, only page-like files are taken (``.html``,
``.htm``, ``.shtml``, ``.xhtml``, ``.txt``, and ``.md`` files that open with front matter); hidden files,
``robots.txt`` and ``index.tsv`` are passed over silently. A file named on the command line is always tried,
whatever its name.

``index.tsv`` (as the MFA corpus and ``podium fetch`` write it: tab-separated with a header holding at least
``file`` and ``url``, optionally ``kind``) in the page's folder or up to three folders above gives each page its
publisher URL; its ``file`` column is relative to the folder of the index.tsv or to the folder above it. A page
whose row says ``kind`` = ``list`` is a section's listing page, not a briefing: it is reported as skipped. Indexes
(that one, a ``lists/`` folder of listing pages beside the pages, or one the user names) are read by
``sources.indexes``; each Page carries its entry (URL, date, title, evidence).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from .indexes import IndexEntry, Indexes

PAGE_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".txt", ".md"})
IGNORED_NAMES = frozenset({"robots.txt", "index.tsv"})


@dataclass(frozen=True)
class Page:
    """One file to ingest."""

    path: Path
    url: str | None = None
    #: Why the page is not a briefing (then it is reported as skipped, not parsed).
    skip: str | None = None
    #: What an index says about the page (URL, date, title, and where it says so).
    index: IndexEntry | None = None

    @property
    def source(self) -> str:
        return str(self.path)


def _front_matter(path: Path) -> bool:
    """A Markdown file is a page when it opens with front matter (a README is not)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in (b"---\n", b"---\r")
    except OSError:
        return False


def _page(path: Path, tsv: Indexes) -> Page:
    if tsv.is_index_file(path):
        return Page(path, skip="listing page read as the index of the pages beside it, not a briefing")
    entry = tsv.entry(path)
    if entry is None:
        return Page(path)
    kind = (entry.kind or "").lower()
    return Page(path, entry.url, "listing page (index.tsv kind=list), not a briefing" if kind == "list" else None,
                entry)


def pages(paths: Iterable[str | Path], indexes: Indexes | None = None) -> Iterator[Page]:
    """Every page under the given files and folders, in a stable order; SourceError for a path that does
    not exist is raised only when that path is reached, as a Page cannot stand for it. ``indexes``: the user's
    indexes (``sources.indexes``); those beside the pages are found either way."""
    tsv = indexes if indexes is not None else Indexes()
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
                    suffix = os.path.splitext(name)[1].lower()
                    if suffix in PAGE_SUFFIXES and (suffix != ".md" or _front_matter(Path(root) / name)):
                        found.append(Path(root) / name)
            for f in found:
                yield _page(f, tsv)
        elif path.exists():
            yield _page(path, tsv)
        else:
            raise SourceError(str(path), "no such file or folder")


def expand(paths: Iterable[str | Path], indexes: Indexes | None = None) -> tuple[list[Page], list[SourceError]]:
    """All pages, and an error for each path that does not exist (the rest are still returned)."""
    out: list[Page] = []
    errors: list[SourceError] = []
    indexes = indexes if indexes is not None else Indexes()
    for p in paths:
        try:
            out.extend(pages([p], indexes))
        except SourceError as exc:
            errors.append(exc)
    return out, errors
