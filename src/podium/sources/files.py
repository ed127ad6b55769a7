"""Pages on disk: expand files and folders into the pages to ingest, with their URLs from an ``index.tsv``.

A folder is walked recursively in sorted order. Inside folders, only page-like files are taken (``.html``,
``.htm``, ``.shtml``, ``.xhtml``, ``.txt``); hidden files, ``robots.txt`` and ``index.tsv`` are passed over
silently. A file named on the command line is always tried, whatever its name.

``index.tsv`` (as the MFA corpus and ``podium fetch`` write it: tab-separated with a header holding at least
``file`` and ``url``, optionally ``kind``) in the page's folder or up to three folders above gives each page its
publisher URL; its ``file`` column is relative to the folder of the index.tsv or to the folder above it. A page
whose row says ``kind`` = ``list`` is a section's listing page, not a briefing: it is reported as skipped. Indexes
(that one, a ``lists/`` folder of listing pages beside the pages, or one the user names) are read by
``sources.indexes``; each Page carries its entry (URL, date, title, evidence). ``.md`` files are pages when they
open with front matter (a README is passed over).

Only regular files are read (a link to one is followed). What cannot be read is named, never waited on: a named
pipe, a device (a link to ``/dev/zero``), a socket or a dangling link is reported as skipped whatever its name; a
page-like file over the size limit (``MAX_PAGE_BYTES``, 20 MB; ``$PODIUM_MAX_PAGE_MB`` or ``max_bytes=`` changes
it) is skipped with its size; a folder that cannot be listed is an error naming it, and the walk goes on. File
names that are not UTF-8 are reported with the undecodable bytes shown as U+FFFD.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from ..model import PageHints
from .archive import is_archive, newest_transcripts, record_charset
from .indexes import IndexEntry, Indexes
from .tables import TABLE_SUFFIXES

PAGE_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".txt", ".md"})
IGNORED_NAMES = frozenset({"robots.txt", "index.tsv"})
#: Largest page read by default, in bytes (real transcripts weigh under 1 MB; the largest saved page is 0.4 MB).
MAX_PAGE_BYTES = 20_000_000


def max_page_bytes() -> int:
    """The page size limit: ``$PODIUM_MAX_PAGE_MB`` (megabytes, may be fractional) or ``MAX_PAGE_BYTES``."""
    value = os.environ.get("PODIUM_MAX_PAGE_MB", "").strip()
    if value:
        try:
            mb = float(value)
        except ValueError:
            raise SourceError("$PODIUM_MAX_PAGE_MB", f"{value!r} is not a number of megabytes") from None
        if mb > 0:
            return int(mb * 1_000_000)
    return MAX_PAGE_BYTES


def printable(path: str | Path) -> str:
    """A path as text that can be printed and stored: bytes of a non-UTF-8 name become U+FFFD."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Page:
    """One file to ingest."""

    path: Path
    url: str | None = None
    #: Why the page is not a briefing (then it is reported as skipped, not parsed).
    skip: str | None = None
    #: The charset the server declared when the page was fetched (from the archive's record), if any.
    charset: str | None = None
    #: What an index says about the page (URL, date, title, and where it says so).
    index: IndexEntry | None = None

    @property
    def source(self) -> str:
        return printable(self.path)

    @property
    def hints(self) -> PageHints:
        """What is known about the page besides its bytes, for the parser (``podium.parse.parse_page``)."""
        e = self.index
        if e is None:
            return PageHints(url=self.url, charset=self.charset)
        return PageHints(url=self.url, date=e.date, title=e.title, kind=e.kind, charset=self.charset,
                         evidence=e.evidence)


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
                index=entry)


def _not_regular(path: Path, max_bytes: int | None) -> str | None:
    """Why a path cannot be read as a page (not a regular file, too large, gone), or None."""
    try:
        st = os.stat(path)  # follows links: a link to a regular file is fine, one to /dev/zero is not
    except FileNotFoundError:
        return "a link to nothing (dangling symbolic link)" if os.path.islink(path) else "no such file"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    mode = st.st_mode
    if not stat.S_ISREG(mode):
        what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a folder" if stat.S_ISDIR(mode) else "not a regular file")
        via = f" (a link to {printable(os.path.realpath(path))})" if os.path.islink(path) else ""
        return f"{what}{via}, not a regular file: not read"
    if max_bytes is not None and st.st_size > max_bytes:
        return (f"{st.st_size / 1e6:,.1f} MB, over the page size limit of {max_bytes / 1e6:,.1f} MB: not read "
                "(set $PODIUM_MAX_PAGE_MB to raise it)")
    return None


def _folder(path: Path, tsv: Indexes, max_bytes: int | None, errors: list[SourceError] | None) -> Iterator[Page]:
    def unreadable(exc: OSError) -> None:
        err = SourceError(printable(exc.filename or path), f"folder cannot be read: {exc.strerror or exc}")
        if errors is None:
            raise err
        errors.append(err)

    found: list[Page] = []
    passed_over: list[str] = []
    for root, dirs, files in os.walk(path, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.lower() in IGNORED_NAMES:
                continue
            f = Path(root) / name
            suffix = os.path.splitext(name)[1].lower()
            page_like = suffix in PAGE_SUFFIXES and (suffix != ".md" or _front_matter(f))
            try:
                regular = stat.S_ISREG(os.lstat(f).st_mode) or os.path.islink(f)
            except OSError:
                regular = False
            if not page_like and regular and not os.path.islink(f):
                passed_over.append(os.path.relpath(f, path))
                continue  # another kind of file (README.md, a picture): not a page, passed over
            why = _not_regular(f, max_bytes)
            if why is not None:
                found.append(Page(f, None, why))
            elif page_like:
                found.append(_page(f, tsv))
    if not found:  # a folder named for ingest that holds no page is a mistake to name, not a silent zero
        err = SourceError(printable(path), _no_pages(passed_over))
        if errors is None:
            raise err
        errors.append(err)
    yield from found


_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".xz", ".bz2", ".zst", ".7z")


def _no_pages(passed_over: list[str]) -> str:
    """Why a folder gave no page, and what to do about it."""
    kinds = "pages are .html, .htm, .shtml, .xhtml, .txt and .md files that open with front matter"
    if not passed_over:
        return f"no pages in this folder (it holds no files; {kinds})"
    shown = ", ".join(printable(n) for n in passed_over[:5]) + (
        f" and {len(passed_over) - 5} more" if len(passed_over) > 5 else "")
    hint = ""
    if any(n.lower().endswith(_ARCHIVE_SUFFIXES) for n in passed_over):
        hint += "; extract the archive first and ingest the folder it gives"
    if any(os.path.splitext(n)[1].lower() in TABLE_SUFFIXES for n in passed_over):
        hint += "; a table of questions and answers is read when named itself (podium ingest FILE.csv)"
    return (f"no pages in this folder: {len(passed_over)} file(s) passed over ({shown}); {kinds}{hint}")


def _archive_pages(path: Path) -> Iterator[Page]:
    """A fetch archive's transcripts (newest version per URL, in fetch order), with the URL and charset recorded."""
    limit = max_page_bytes()
    for rec in newest_transcripts(path):
        # the same rule as for any folder: an object that is not a regular file or is over the size limit is
        # named and skipped, never read
        obj = path / rec["object"]
        yield Page(obj, rec.get("publisher_url") or rec["url"], _not_regular(obj, limit), charset=record_charset(rec))


def page(path: str | Path, indexes: Indexes | None = None, *, max_bytes: int | None = None) -> Page:
    """One file named by the user, with what the indexes beside it (or ``indexes``) say about it: tried whatever
    its name; a file that is not regular or is over ``max_bytes`` (default: no limit) comes with ``skip`` saying
    why."""
    path = Path(path)
    why = _not_regular(path, max_bytes)
    return Page(path, None, why) if why is not None else _page(path, indexes if indexes is not None else Indexes())


def pages(paths: Iterable[str | Path], indexes: Indexes | None = None, *, max_bytes: int | None = -1,
          errors: list[SourceError] | None = None) -> Iterator[Page]:
    """Every page under the given files and folders, in a stable order; SourceError for a path that does
    not exist is raised only when that path is reached, as a Page cannot stand for it.

    ``max_bytes``: the page size limit (-1: ``max_page_bytes()``; None: no limit). A file that is not regular
    or over the limit comes as a Page with ``skip`` saying why. ``errors``: where folders that cannot be listed
    go (without it, the first one raises SourceError). ``indexes``: the user's indexes (``sources.indexes``); those
    beside the pages are found either way.
    """
    if max_bytes == -1:
        max_bytes = max_page_bytes()
    tsv = indexes if indexes is not None else Indexes()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            if is_archive(path):  # a `podium fetch` archive: its transcripts, newest version of each URL
                yield from _archive_pages(path)
                continue
            yield from _folder(path, tsv, max_bytes, errors)
        elif path.exists() or path.is_symlink():
            yield page(path, tsv, max_bytes=max_bytes)
        else:
            raise SourceError(printable(path), "no such file or folder")


def expand(paths: Iterable[str | Path], indexes: Indexes | None = None, *,
           max_bytes: int | None = -1) -> tuple[list[Page], list[SourceError]]:
    """All pages, and an error for each path that does not exist or folder that cannot be read (the rest are
    still returned). Pages that cannot be read come with ``skip`` saying why (see ``pages``)."""
    if max_bytes == -1:
        max_bytes = max_page_bytes()  # a bad $PODIUM_MAX_PAGE_MB stops here, once, with its message
    out: list[Page] = []
    errors: list[SourceError] = []
    indexes = indexes if indexes is not None else Indexes()
    for p in paths:
        try:
            out.extend(pages([p], indexes, max_bytes=max_bytes, errors=errors))
        except SourceError as exc:
            errors.append(exc)
    return out, errors
