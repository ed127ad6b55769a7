"""Raw page or text -> Briefing: the registry of publisher formats and automatic format detection.

Each format lives in its own module and exposes a ``FORMAT`` object (see ``Format``): a name, a
``sniff(text, source)`` that scores how likely the text is in that format (0 = not at all), and a
``parse(text, source, url)`` that returns a ``Briefing`` or raises ``ParseError``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError, SourceError
from ..model import Briefing
from ._text import decode

__all__ = ["FORMAT_NAMES", "Format", "detect", "formats", "parse_bytes", "parse_file"]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    sniff: Callable[[str, str], float]
    parse: Callable[..., Briefing]
    #: True when ``parse`` also takes ``date=``: a date from an index, used when the page gives none.
    takes_date: bool = False


# module names under podium.parse, in the order ties are broken
_MODULES = ("mfa_en_html", "mfa_en_text", "mfa_zh_html", "whitehouse_html", "mfa_en_site2022", "mfa_zh_site2022",
            "mfa_zh_text", "whitehouse_md")

_formats: dict[str, Format] | None = None


def formats() -> dict[str, Format]:
    """Every registered format, by name."""
    global _formats
    if _formats is None:
        found: dict[str, Format] = {}
        for mod in _MODULES:
            try:
                module = importlib.import_module(f"{__name__}.{mod}")
            except ModuleNotFoundError as exc:  # a format not written yet
                if exc.name != f"{__name__}.{mod}":
                    raise
                continue
            fmt: Format = module.FORMAT
            found[fmt.name] = fmt
        _formats = found
    return _formats


def __getattr__(name: str):
    if name == "FORMAT_NAMES":
        return tuple(formats())
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


def parse_bytes(data: bytes, source: str = "<input>", *, format: str | None = None,
                url: str | None = None, charset: str | None = None, date: dt.date | None = None) -> Briefing:
    """Parse raw bytes (HTML or text, any declared charset) into a Briefing. ``charset``: what the server that
    sent the page declared (HTTP Content-Type); it wins over the page's own declaration. ``date``: what an index
    says the date is, for formats that take it (used only when the page itself gives none)."""
    text = decode(data, source, charset)
    if format is None:
        fmt = detect(text, source)
    else:
        try:
            fmt = formats()[format]
        except KeyError:
            raise ParseError(source, f"unknown format {format!r}; known: {', '.join(formats())}") from None
    if date is not None and fmt.takes_date:
        return fmt.parse(text, source, url, date=date)
    return fmt.parse(text, source, url)


def parse_file(path: str | Path, *, format: str | None = None, url: str | None = None) -> Briefing:
    """Read and parse one file."""
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
    if url is None:  # a saved page: its URL may be listed in an index.tsv beside it (as in the shared corpus)
        from ._common import index_url
        url = index_url(path)
    return parse_bytes(data, str(path), format=format, url=url)
