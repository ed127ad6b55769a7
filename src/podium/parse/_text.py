"""Bytes -> text for every format: charset detection, and the checks that reject what is not a page."""

from __future__ import annotations

import codecs
import re

from ..errors import ParseError

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


def decode(data: bytes, source: str) -> str:
    """Decode a page: BOM, then the charset it declares, then UTF-8, then GB18030 or cp1252 by the byte pattern.

    Raises ParseError for an empty or binary file, naming the file.
    """
    if not data.strip():
        raise ParseError(source, "empty file")
    head = data[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError(source, "binary file, not an HTML page or text transcript")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    candidates: list[str] = []
    m = _META_CHARSET.search(head)
    if m:
        declared = m.group(1).decode("ascii", "ignore").lower()
        try:
            declared = codecs.lookup(declared).name
        except LookupError:
            declared = ""
        if declared in ("gb2312", "gbk"):
            declared = "gb18030"  # superset: pages labelled gb2312 routinely contain GBK characters
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
