"""Raw page -> Briefing: the public registry of page formats, format detection, and the one entry point
``parse_page(data, source=..., hints=...)``. Parsing is pure: bytes or text, plus what a source knows about the page
(``model.PageHints``: URL, an index's date and title, the HTTP charset, the site layout it came from), in; a
``Briefing`` or a ``ParseError`` naming the page out. Where pages come from and what an index says about them is
``podium.sources``' work; ``podium.pipeline`` joins the two.

Each format lives in its own module (one per page layout) and exposes a ``FORMAT`` (see ``Format``); the registry
below (``_MODULES``: format name -> module) is the one line a new layout adds. Modules are imported when a format is
first needed, so the names (``format_names()``) cost nothing.

Public helpers for parser modules and tools: ``decode`` (bytes -> text with the page's charset), ``anomalies`` (what
looks wrong in a parse, for the corpus report), and the Q&A-table builder in ``podium.parse.qa_table``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ParseError, SourceError
from ..model import Briefing, PageHints
from ._common import Anomalies, anomalies
from ._text import MAX_NESTING, decode

__all__ = ["FORMAT_NAMES", "MAX_NESTING", "Anomalies", "Format", "PageHints", "anomalies", "decode", "detect",
           "format_names", "formats", "parse_bytes", "parse_file", "parse_page"]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    sniff: Callable[[str, str], float]
    parse: Callable[..., Briefing]
    #: True when ``parse`` also takes ``date=``: a date from an index, used when the page gives none.
    takes_date: bool = False
    #: ``check(text, briefing, source)``: the structural check of the site layout this format reads, run on a page a
    #: source says comes from that layout (``PageHints.layout``) whatever format read it; raises ParseError to refuse
    #: the page (a page cut off, a parse that read less than the page holds, not a regular press conference).
    check: Callable[[str, Briefing, str], None] | None = None


#: Format name -> module under podium.parse, in the order ties are broken: the registry.
_MODULES = {
    "mfa-en-html": "mfa_en_html",
    "mfa-en-text": "mfa_en_text",
    "mfa-zh-html": "mfa_zh_html",
    "whitehouse-html": "whitehouse_html",
    "mfa-en-site2022": "mfa_en_site2022",
    "mfa-zh-site2022": "mfa_zh_site2022",
    "mfa-zh-text": "mfa_zh_text",
    "whitehouse-md": "whitehouse_md",
}

_formats: dict[str, Format] | None = None


def format_names() -> tuple[str, ...]:
    """The registered page formats' names, without importing their modules (for help texts)."""
    return tuple(_MODULES)


def formats() -> dict[str, Format]:
    """Every registered format, by name."""
    global _formats
    if _formats is None:
        found: dict[str, Format] = {}
        for name, mod in _MODULES.items():
            fmt: Format = importlib.import_module(f"{__name__}.{mod}").FORMAT
            if fmt.name != name:
                raise RuntimeError(f"podium.parse.{mod} registers format {fmt.name!r}, the registry says {name!r}")
            found[name] = fmt
        _formats = found
    return _formats


def __getattr__(name: str):
    if name == "FORMAT_NAMES":
        return format_names()
    raise AttributeError(name)


def detect(text: str, source: str = "<input>") -> Format:
    """The format whose sniffer scores the text highest; ParseError when none recognises it."""
    best, best_score = None, 0.0
    for fmt in formats().values():
        score = fmt.sniff(text, source)
        if score > best_score:
            best, best_score = fmt, score
    if best is None:
        raise ParseError(source, "not a briefing in any format podium knows ("
                         + ", ".join(formats()) + "); pass --format to force one")
    return best


def _format(name: str, source: str) -> Format:
    try:
        return formats()[name]
    except KeyError:
        raise ParseError(source, f"unknown format {name!r}; known: {', '.join(formats())}") from None


def parse_page(data: bytes | str, *, source: str = "<input>", hints: PageHints | None = None,
               format: str | None = None) -> Briefing:
    """Parse one page (raw bytes in any charset, or text) into a Briefing; ParseError naming ``source`` otherwise.

    ``hints``: what the source knows about the page (``PageHints``): its URL; the server's charset (it wins over the
    page's own declaration); an index's date, for formats that take it (used only where the page gives none); the
    site layout it came from, whose check (``Format.check``) the parse must then pass. ``format``: force a format
    instead of detecting it."""
    hints = hints or PageHints()
    text = data if isinstance(data, str) else decode(data, source, hints.charset)
    fmt = detect(text, source) if format is None else _format(format, source)
    if hints.date is not None and fmt.takes_date:
        briefing = fmt.parse(text, source, hints.url, date=hints.date)
    else:
        briefing = fmt.parse(text, source, hints.url)
    if hints.layout is not None:
        layout = _format(hints.layout, source)
        if layout.check is not None:
            layout.check(text, briefing, source)
    return briefing


def parse_bytes(data: bytes, source: str = "<input>", *, format: str | None = None,
                url: str | None = None, charset: str | None = None, date: dt.date | None = None) -> Briefing:
    """``parse_page`` with the hints as keywords: ``charset`` (the HTTP one), ``url``, ``date`` (an index's)."""
    return parse_page(data, source=source, format=format, hints=PageHints(url=url, charset=charset, date=date))


def parse_file(path: str | Path, *, format: str | None = None, url: str | None = None,
               hints: PageHints | None = None) -> Briefing:
    """Read and parse one file with the hints given (``url=`` is short for ``hints=PageHints(url=...)``). No index is
    read here: what an ``index.tsv`` or listing page says about a saved page comes from ``podium.sources``
    (``sources.files.page(path).hints``), as ``podium ingest`` and ``podium parse`` use it."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not path.is_dir():  # a pipe or a device would never end
            raise SourceError(str(path), "not a regular file (a named pipe, a device or a socket): not read")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), "no such file") from None
    except IsADirectoryError:
        raise SourceError(str(path), "is a directory, not a file") from None
    except OSError as exc:
        raise SourceError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    if url is not None:
        hints = PageHints(url=url) if hints is None else replace(hints, url=url)
    return parse_page(data, source=str(path), hints=hints, format=format)

