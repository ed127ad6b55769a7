"""Bytes to text: declared, missing and wrong charsets on real pages."""

from __future__ import annotations

import re

import pytest

from podium.errors import ParseError
from podium.parse import decode, parse_bytes

from conftest import CORPUS, SEED


def test_undeclared_cp1252_text_is_not_read_as_chinese():
    text = (SEED / "000_32323ef4823c7adf.txt").read_text(encoding="utf-8")
    data = text.encode("cp1252", errors="replace")
    briefing = parse_bytes(data, "seed-cp1252.txt")
    assert briefing.spokesperson == "Wang Wenbin"
    assert "Cuba’s sovereignty" in briefing.exchanges[2].answer_text  # the curly apostrophe survives
    assert len(briefing.exchanges) == 10


def test_chinese_page_with_its_charset_declaration_removed_still_decodes():
    raw = (CORPUS / "mfa/zh/t1415586.html").read_bytes()
    text = raw.decode("utf-8")
    stripped = re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.I).encode("gb18030")
    briefing = parse_bytes(stripped, "t1415586-gb.html")
    assert briefing.lang == "zh" and briefing.exchanges
    assert briefing.exchanges[0].question_text == parse_bytes(raw, "t1415586.html").exchanges[0].question_text


def test_wrongly_declared_charset_falls_back():
    raw = (CORPUS / "mfa/en/t1558711.html").read_bytes().replace(b"charset=utf-8", b"charset=no-such-charset")
    assert parse_bytes(raw, "x.html").exchanges


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b"  \n\t", "empty"),
                                          (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")])
def test_empty_and_binary_files_are_rejected_by_name(data, reason):
    with pytest.raises(ParseError, match=rf"^bad\.html: .*{reason}"):
        decode(data, "bad.html")
