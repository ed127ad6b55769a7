"""The White House Markdown format: Briefing Room pages of 2021-2025 saved as Markdown with YAML front matter.

Layout (the shared corpus's ``whitehouse/2021-2024/``, from a daily scraper of whitehouse.gov)::

    ---
    date: '2021-01-21'
    source_url: https://bidenwhitehouse.archives.gov/briefing-room/press-briefings/2021/01/21/...
    title: "Press Briefing by Press Secretary Jen\\_Psaki, January 21,\\_2021"
    ---
    James S. Brady Press Briefing Room

    4:03 P.M. EST

    MS. PSAKI:  Good afternoon. ...
    (hard-wrapped lines; a blank line between paragraphs)

    Q    Thank you, Jen. ...

    END            2:01 P.M. EST

The date, title and URL come from the front matter (a caller's URL wins over ``source_url``); the transcript is read
exactly as the White House HTML pages are (``whitehouse_html.read_script`` and ``build_briefing``: speakers, bare
``Q``, stage notes, place and time lines, ``END``), after the Markdown is undone: paragraphs are runs of lines
between blank lines, backslash escapes (``\\[``, ``\\*``) are unescaped, ``<s>struck</s>`` corrections and
``**bold**``/``*italic*`` marks dropped, ``<figure>`` images skipped.

Reporters named in a label (``MR. PLANTE:``) are askers where the text makes it clear
(``whitehouse_html.reporter_labels``).
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import NotABriefing, ParseError
from ..model import Briefing
from . import Format
from ._common import clean, ymd_date
from .whitehouse_html import build_briefing, read_script

NAME = "whitehouse-md"

_FENCE = re.compile(r"^---[ \t]*\r?\n")
_KEY = re.compile(r"^([A-Za-z_][\w-]*):(?:[ \t]+(.*)|[ \t]*)$")
_YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
                 "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\u0085", "_": "\u00a0", "L": "\u2028",
                 "P": "\u2029"}
_HEX_ESCAPE = {"x": 2, "u": 4, "U": 8}


def front_matter(text: str) -> tuple[dict[str, str], str] | None:
    """The YAML front matter as {key: string} and the text after it; None when the text does not start with one.

    Only what these pages use: top-level ``key: value`` lines with plain, 'single' or "double" quoted scalars,
    continued on indented lines (folded with one space; a double-quoted line ending in ``\\`` joins without one).
    """
    m = _FENCE.match(text)
    if m is None:
        return None
    end = re.compile(r"^---[ \t]*$", re.M).search(text, m.end())
    if end is None:
        return None
    fields: dict[str, list[str]] = {}
    key = None
    for line in text[m.end():end.start()].splitlines():
        km = _KEY.match(line)
        if km and not line[:1].isspace():
            key = km.group(1)
            fields[key] = [km.group(2) or ""]
        elif key is not None and line.strip():
            fields[key].append(line)
    body = text[end.end():]
    return {k: _scalar(v) for k, v in fields.items()}, body.lstrip("\r\n")


def _scalar(lines: list[str]) -> str:
    first = lines[0].strip()
    if first.startswith('"'):
        return _double_quoted([first[1:], *(ln.lstrip() for ln in lines[1:])])
    if first.startswith("'"):
        joined = " ".join([first[1:], *(ln.strip() for ln in lines[1:])])
        return joined[:-1].replace("''", "'") if joined.endswith("'") else joined.replace("''", "'")
    return " ".join(x for x in [first, *(ln.strip() for ln in lines[1:])] if x)


def _double_quoted(lines: list[str]) -> str:
    raw = ""
    for i, line in enumerate(lines):
        if i < len(lines) - 1 and line.endswith("\\") and not line.endswith("\\\\"):
            raw += line[:-1]  # an escaped line break: the lines join with nothing between them
        else:
            raw += line.rstrip() + (" " if i < len(lines) - 1 else "")
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            break
        if c == "\\" and i + 1 < len(raw):
            e = raw[i + 1]
            if e in _HEX_ESCAPE:
                digits = _HEX_ESCAPE[e]
                try:
                    out.append(chr(int(raw[i + 2:i + 2 + digits], 16)))
                    i += 2 + digits
                    continue
                except ValueError:
                    pass
            out.append(_YAML_ESCAPES.get(e, e))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_BLANK = re.compile(r"\n[ \t\u00a0\u2060\u200b]*\n")
_STRUCK = re.compile(r"<s>.*?</s>\s*", re.S)
_TAG = re.compile(r"</?(?:figure|img|figcaption|em|strong|span|sup|sub|u|br)\b[^>]*>", re.I)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_EMPH = re.compile(r"(?<![\w*])\*{1,3}(?=\S)|(?<=\S)\*{1,3}(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_HIDE = 0xF000  # escaped ASCII characters live in the private use area until the markup is gone
_HIDDEN = re.compile("[\uf000-\uf07f]")
_HEADING = re.compile(r"^#{1,6}\s+")
_FIGURE = re.compile(r"^<figure\b", re.I)
#: the COVID-19 team briefings' pointer to their slides, after the transcript's END or closing time
_SLIDES = re.compile(r"^To view the [\w\s-]{0,40}slides?,? visit\b", re.I)


def paragraphs(body: str) -> list[str]:
    """Cleaned paragraphs of a Markdown transcript: runs of lines between blank lines, markup undone."""
    out: list[str] = []
    for block in _BLANK.split(body.replace("\r\n", "\n")):
        if not block.strip() or _FIGURE.match(block.lstrip()):
            continue
        if "<" in block:
            block = _AUTOLINK.sub(r"\1", _TAG.sub("", _STRUCK.sub("", block)))
        escaped = "\\" in block
        if escaped:  # escaped characters are kept apart from the markup while it is undone
            block = _MD_ESCAPE.sub(lambda m: chr(_HIDE + ord(m.group(1))), block)
        if "*" in block:
            block = _EMPH.sub("", block)
        if escaped:
            block = _HIDDEN.sub(lambda m: chr(ord(m.group(0)) - _HIDE), block)
        para = _HEADING.sub("", clean(block))
        if para and not _SLIDES.match(para):
            out.append(para)
    return out


def _date(value: str | None) -> dt.date | None:
    return ymd_date(re.match(r"\s*(\d{4})-(\d\d)-(\d\d)", value or ""))


def parse(text: str, source: str, url: str | None = None, date: dt.date | None = None) -> Briefing:
    """Parse one Markdown page; ParseError when it has no front matter, no date or no speaker label.

    ``date``: a date from an index, used only when the front matter has none.
    """
    fm = front_matter(text)
    if fm is None:
        raise ParseError(source, "no YAML front matter (a '---' line, then date/title/source_url, then '---')")
    meta, body = fm
    title = clean(meta.get("title", ""))
    if not title:
        raise ParseError(source, "no title in the front matter")
    when = _date(meta.get("date")) or _date(meta.get("published_time")) or date
    if when is None:
        raise ParseError(source, "no date: the front matter has no valid 'date' or 'published_time'")
    paras = paragraphs(body)
    if not paras:
        raise ParseError(source, "the transcript after the front matter is empty")
    # a page of the Briefing Room with no speaker at all is a statement or fact sheet filed there: skipped, not failed
    script = read_script(paras, source, no_speaker=NotABriefing)
    return build_briefing(script, title=title, date=when, url=url or meta.get("source_url") or None, source=source,
                          format_name=NAME)


def sniff(text: str, source: str = "") -> float:
    """1.0 for Markdown with front matter whose source_url is on whitehouse.gov or its archives; 0 otherwise."""
    if not text.startswith("---"):
        return 0.0
    fm = front_matter(text[:20_000])
    if fm is None:
        return 0.0
    where = fm[0].get("source_url", "")
    return 1.0 if _WH_URL.match(where) else 0.0


#: whitehouse.gov and its archives (bidenwhitehouse.archives.gov, obamawhitehouse.archives.gov, ...)
_WH_URL = re.compile(r"https?://(?:[\w-]+\.)*[\w-]*whitehouse\.(?:archives\.)?gov/", re.I)


FORMAT = Format(NAME, "White House Briefing Room pages of 2021-2025 saved as Markdown with front matter", sniff,
                parse, takes_date=True)
