"""The fetch archive: every raw page podium fetched, content-addressed, with its URL, time and headers.

Layout of an archive folder (by default ``<db>.archive/`` beside the database)::

    PODIUM-ARCHIVE            marker: this folder is a podium fetch archive
    objects/ab/abcdef....html one file per distinct body, named by the sha256 of the body (``.html`` for pages,
                              no suffix for robots.txt and other non-pages)
    manifest.jsonl            one JSON object per fetch, appended as it happens: url, final_url, status, sha256,
                              object, kind ("list" | "transcript" | "robots"), fetched_at, headers
    index.tsv                 file, url, kind, fetched_unix, sha256 of the newest version of each page, rewritten
                              at the end of each run (the shape other tools and ``sources.files`` read)
    state.json                the fetch state per section: walk progress and transcripts that failed for good

Objects and ``state.json`` are written to a temporary name and renamed, and the manifest is appended line by
line, so a run killed at any point leaves a readable archive (a torn last manifest line is ignored; no fsync: a
killed process loses nothing the OS holds, and a page lost to a power cut is simply fetched again).
``iter_archive(path)`` yields ``(bytes, url, source)`` for each archived transcript, newest version per URL, in
the order they were fetched; ``podium ingest ARCHIVE_DIR`` reads the archive through ``sources.files``
(``newest_transcripts``, and each record's ``record_charset``).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import SourceError

__all__ = ["MARKER", "Archive", "charset_of", "is_archive", "iter_archive", "newest_transcripts", "record_charset"]

MARKER = "PODIUM-ARCHIVE"
#: Response headers worth keeping (the rest are transport detail).
KEPT_HEADERS = ("content-type", "content-length", "etag", "last-modified", "date", "server", "content-encoding",
                "cache-control", "expires", "location")


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header ("text/html; charset=UTF-16LE" -> "utf-16-le"), when
    Python knows it; None otherwise."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("'\"").strip()
            try:
                return codecs.lookup(value).name if value else None
            except LookupError:
                return None
    return None


def record_charset(rec: dict[str, Any]) -> str | None:
    """The charset the server declared for an archived page (its recorded Content-Type), if any."""
    return charset_of((rec.get("headers") or {}).get("content-type"))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def is_archive(path: str | Path) -> bool:
    return (Path(path) / MARKER).is_file()


class Archive:
    """A fetch archive folder (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise SourceError(str(self.path), "is a file, not an archive folder")
        if self.path.is_dir() and any(self.path.iterdir()) and not is_archive(self.path):
            raise SourceError(str(self.path), f"is a folder but not a podium fetch archive (no {MARKER} file); "
                                              "choose another --archive folder")
        (self.path / "objects").mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if not marker.exists():
            marker.write_text("podium fetch archive: raw pages as fetched; see manifest.jsonl\n", encoding="utf-8")
        self.manifest = self.path / "manifest.jsonl"
        self._records: list[dict[str, Any]] | None = None

    # ---- records -----------------------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every manifest record, oldest first (a torn last line from a killed run is skipped)."""
        if self._records is None:
            self._records = list(read_manifest(self.path))
        return self._records

    def latest(self, url: str, *, with_body: bool = True) -> dict[str, Any] | None:
        """The newest 200 record for a URL (whose object is present when with_body)."""
        for rec in reversed(self.records()):
            if rec.get("url") == url and rec.get("status") == 200:
                if not with_body or (self.path / rec["object"]).is_file():
                    return rec
        return None

    def body(self, rec: dict[str, Any]) -> bytes:
        return (self.path / rec["object"]).read_bytes()

    def store(self, *, url: str, final_url: str, status: int, body: bytes, headers: dict[str, str],
              fetched_at: str, kind: str, publisher_url: str | None = None) -> dict[str, Any]:
        """Archive one fetched body (written once per distinct content) and append its manifest record.
        ``publisher_url``: the page's URL on the publisher's site when it was fetched from a mirror."""
        digest = hashlib.sha256(body).hexdigest()
        suffix = ".html" if kind in ("list", "transcript") else ""
        rel = f"objects/{digest[:2]}/{digest}{suffix}"
        target = self.path / rel
        if not target.exists():
            _atomic_write(target, body)
        rec = {"url": url, "final_url": final_url, "status": status, "sha256": digest, "object": rel,
               "size": len(body), "kind": kind, "fetched_at": fetched_at,
               "headers": {k: v for k, v in headers.items() if k in KEPT_HEADERS}}
        if publisher_url and publisher_url != url:
            rec["publisher_url"] = publisher_url
        with open(self.manifest, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.records().append(rec)
        return rec

    def write_index(self) -> None:
        """index.tsv: the newest version of each archived page with its URL and kind."""
        newest: dict[str, dict[str, Any]] = {}
        for rec in self.records():
            if rec.get("status") == 200 and rec.get("kind") in ("list", "transcript"):
                newest.pop(rec["url"], None)
                newest[rec["url"]] = rec
        lines = ["file\turl\tkind\tfetched_unix\tsha256"]
        for rec in newest.values():
            lines.append("\t".join((rec["object"], rec.get("publisher_url") or rec["url"], rec["kind"],
                                    str(_unix(rec["fetched_at"])), rec["sha256"])))
        _atomic_write(self.path / "index.tsv", ("\n".join(lines) + "\n").encode("utf-8"))

    # ---- fetch state ----------------------------------------------------------------------------------------------

    def load_state(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / "state.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged state only costs re-checking listing pages

    def save_state(self, state: dict[str, Any]) -> None:
        _atomic_write(self.path / "state.json", json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"))


def _unix(stamp: str) -> int:
    try:
        return int(datetime.fromisoformat(stamp).timestamp())
    except (TypeError, ValueError):
        return 0


def read_manifest(path: str | Path) -> Iterator[dict[str, Any]]:
    manifest = Path(path) / "manifest.jsonl"
    try:
        fh = open(manifest, encoding="utf-8")
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # torn write of a killed run
            if isinstance(rec, dict) and "url" in rec and "object" in rec:
                yield rec


def newest_transcripts(path: str | Path) -> list[dict[str, Any]]:
    """The manifest records of the archived transcripts whose object is present: the newest version of each URL, in
    the order they were fetched."""
    path = Path(path)
    newest: dict[str, dict[str, Any]] = {}
    for rec in read_manifest(path):
        if rec.get("status") == 200 and rec.get("kind") == "transcript" and (path / rec["object"]).is_file():
            newest.pop(rec["url"], None)
            newest[rec["url"]] = rec
    return list(newest.values())


def iter_archive(path: str | Path) -> Iterator[tuple[bytes, str, str]]:
    """``(body, url, source)`` for each archived transcript: the newest version of each URL, in fetch order;
    ``source`` is the object's path. SourceError when the folder is not an archive."""
    path = Path(path)
    if not is_archive(path):
        raise SourceError(str(path), f"not a podium fetch archive (no {MARKER} file)")
    for rec in newest_transcripts(path):
        obj = path / rec["object"]
        yield obj.read_bytes(), rec.get("publisher_url") or rec["url"], str(obj)
