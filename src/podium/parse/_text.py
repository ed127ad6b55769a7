"""Bytes -> text for every format: charset detection, and the checks that reject what is not a page."""

from __future__ import annotations

import codecs
import re

from ..errors import ParseError

#: How deeply block elements may nest in a page. An HTML parser looks down the stack of open elements at each
#: block tag, so nesting costs the square of its depth (100,000 nested <div> took minutes); real pages nest a few
#: dozen levels. A deeper page is refused with a message instead.
MAX_NESTING = 1000
# block elements that stay open until their end tag (not <p>, <li>, <dd>, headings: those close themselves)
_BLOCK_TAG = re.compile(r"<(/?)(?:div|ul|ol|dl|blockquote|section|article|aside|nav|header|footer|main|figure|"
                        r"fieldset|form|center|details|address|menu|dir|hgroup|figcaption|dialog|summary|search)"
                        r"(?=[\s>/])", re.I)
_BLOCK_START = re.compile(_BLOCK_TAG.pattern.replace("(/?)", ""), re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _legacy_guess(data: bytes) -> str:
    """GB18030 or Windows-1252 for undeclared non-UTF-8 bytes.

    GB18030 decodes nearly any byte string, so it cannot be tried blindly: Chinese text comes as pairs of
    high bytes, while Western text in cp1252 has isolated ones (a curly quote or an accent between ASCII).
    """
    high = paired = 0
    data = data[:65536]
    i, n = 0, len(data)
    while i < n:
        if data[i] >= 0x80:
            high += 1
            if i + 1 < n and data[i + 1] >= 0x80:  # a two-byte character (GB18030's second byte is high for Han)
                paired += 2
                high += 1
                i += 2
                continue
        i += 1
    return "gb18030" if high and paired / high > 0.5 else "cp1252"


def _charset(label: str | None) -> str | None:
    """Python's codec name for a declared charset label; None for an unknown label."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("'\"").lower()).name
    except LookupError:
        return None
    if name in ("gb2312", "gbk"):
        return "gb18030"  # superset: pages labelled gb2312 routinely contain GBK characters
    if name == "utf-16":
        return "utf-16-le"  # without a BOM, "utf-16" means little-endian (WHATWG Encoding)
    return name


def decode(data: bytes, source: str, charset: str | None = None) -> str:
    """Decode a page: BOM, then the charset the server sent (``charset``, from the HTTP Content-Type), then the
    charset the page declares, then UTF-8, then GB18030 or cp1252 by the byte pattern.

    Raises ParseError for an empty or binary file, or an HTML page nested deeper than ``MAX_NESTING``, naming
    the file.
    """
    text = _decode(data, source, _charset(charset))
    check_nesting(text, source)
    return text


def check_nesting(text: str, source: str) -> None:
    """ParseError when an HTML page nests block elements deeper than ``MAX_NESTING``."""
    if "<" not in text[:1000] or len(_BLOCK_START.findall(text)) <= MAX_NESTING:
        return  # not HTML, or too few block tags to nest that deep: the common case costs one scan in C
    depth = deepest = 0
    for m in _BLOCK_TAG.finditer(text):
        if m.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    raise ParseError(source, f"HTML nested more than {MAX_NESTING:,} block elements deep (<div>, "
                                             "<ul>, ...): not a transcript page podium reads (real pages nest "
                                             "a few dozen)")


def _decode(data: bytes, source: str, declared_http: str | None) -> str:
    if not data.strip():
        raise ParseError(source, "empty file")
    head = data[:4096]
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    if declared_http is not None:  # the server's word comes before the page's own (as in browsers)
        try:
            text = data.decode(declared_http)
        except UnicodeDecodeError:
            pass
        else:
            if "\x00" not in text[:4096]:
                return text
    if b"\x00" in head:
        raise ParseError(source, "binary file, not an HTML page or text transcript"
                         + (f" (the server said charset={declared_http}, which does not decode it)"
                            if declared_http else ""))
    candidates: list[str] = []
    m = _META_CHARSET.search(head)
    if m:
        declared = _charset(m.group(1).decode("ascii", "ignore"))
        if declared:
            candidates.append(declared)
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    try:  # only now: guessing walks the bytes in Python
        return data.decode(_legacy_guess(data))
    except UnicodeDecodeError:
        pass
    # a wrong charset declaration with undecodable bytes: keep what can be read, mark the rest
    return data.decode("utf-8", errors="replace")
