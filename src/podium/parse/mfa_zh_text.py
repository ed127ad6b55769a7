"""MFA Chinese transcripts as copied from today's pages ("mfa-zh-text"), and the transcript rules every Chinese page
of today's site shares (``mfa_zh_site2022`` hands its paragraphs to ``parse_zh_paragraphs``).

A copy of a page of ``/fyrbt_673021/jzhsl_673025/YYYYMM/tYYYYMMDD_N.shtml`` reads: site header and breadcrumb, the
title ("2026年7月28日外交部发言人郭嘉昆主持例行记者会", on the listing "…主持例行记者会（2026-07-28）"), a date-time
line, the transcript (turns labelled ``总台央视记者：`` / ``郭嘉昆：``, outlet + 记者 and the spokesperson's name), then
the site's navigation list (short menu entries, one a line) and footer ("链接：国务院 …", "Links: State Council …",
"版权所有", "Copyright© www.fmprc.gov.cn"). The navigation list and the footer sit right after the last answer and
are cut off here (``transcript``): they would otherwise become paragraphs of it.

The turn rules are those of ``mfa_zh_html`` (``问：``/``答：``, outlet labels, follow-ups, closing notices, the
journalist talking back): the paragraphs are handed to it in the 2016-2020 page shape, so both read a transcript
alike. Refused with a ParseError naming the source: no title naming a press conference, no date, no answer
labelled with a spokesperson's name, or a transcript whose last labelled turn is a question (a cut-off copy).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import replace

from ..errors import ParseError
from ..model import Briefing
from . import Format
from ._common import clean, ymd_date
from .mfa_zh_html import KNOWN_SPOKESPERSONS
from .mfa_zh_html import parse as _parse_zh_page

__all__ = ["FORMAT", "find_title", "parse", "parse_zh_paragraphs", "sniff", "transcript", "zh_date"]

NAME = "mfa-zh-text"

#: A title naming a spokesperson's press conference or Q&A.
_TITLE = re.compile(r"外交部发言人[\u4e00-\u9fff·]{2,4}?(?:主持例行记者会|答记者问|就.{1,60}?答记者问)")
_TITLE_SPOKESPERSON = re.compile(r"发言人([\u4e00-\u9fff·]{2,4}?)(?:主持|答|就)")
_TITLE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
#: "（2026-07-28）" after a listing title; "2026-07-28 15:30" / "发布时间：2026-07-28" lines.
_BRACKET_DATE = re.compile(r"[（(]\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*[）)]")
_DATE_LINE = re.compile(r"^(?:(?:发布|更新)?(?:时间|日期)\s*[:：]\s*)?(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                        r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
#: Page furniture before the transcript: breadcrumb, font-size and print tools, source lines.
_FURNITURE = re.compile(
    r"^(?:(?:当前位置|您现在的位置|位置)\s*[:：]?\s*)?首页\s*(?:[>»›/|]|&gt;).*"
    r"|^[【\[]?\s*(?:字号|字体)\s*[:：].{0,20}$|^(?:[【\[]\s*(?:打印|关闭|打印本页|关闭窗口|纠错|收藏)\s*[】\]]\s*)+$"
    r"|^(?:来源|作者|编辑|责任编辑)\s*[:：].{0,40}$|^(?:大|中|小)(?:\s+(?:大|中|小)){2}$|^分享到\s*[:：]?.{0,30}$")
#: A line from which nothing is transcript: tools, links, copyright (short lines only: never a sentence of an
#: answer that mentions 版权).
_FOOTER = re.compile(
    r"^(?:[【\[]\s*(?:打印本页|关闭窗口|打印|关闭|纠错)\s*[】\]]\s*)+$|^(?:友情)?链接\s*[:：]|^links\s*[:：]"
    r"|版权所有|copyright|©|ICP备|^分享到|^网站地图|^联系我们|^扫一扫", re.I)
#: A menu entry: short, no sentence punctuation, no label.
_MENU_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·&\-\s]{1,12}$")
#: A menu on one line: "首页 外交部 部长 外交部领导 …".
_MENU_LINE = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{1,8}[\s|｜/·]+){3,}[\u4e00-\u9fffA-Za-z]{1,8}$")
_LABEL = re.compile(r"^([^，,。？?！!；;“”：:（）()]{1,30})[：:]")
_ASKER = re.compile(r"(?:^问|^追问[一二三四五六七八九十\d]*|记者(?:追问|提问)?)$")
#: How far into a copied page the title may sit (after site header, menus and breadcrumb).
_TITLE_WINDOW = 80


def zh_date(text: str) -> dt.date | None:
    """The date of a title or listing row: "2026年7月28日…", "…（2026-07-28）"; None without one."""
    return ymd_date(_TITLE_DATE.search(text)) or ymd_date(_BRACKET_DATE.search(text))


def find_title(lines: list[str]) -> int | None:
    """Index of the title line among a copied page's first lines, or None."""
    for i, line in enumerate(lines[:_TITLE_WINDOW]):
        if len(line) <= 120 and _TITLE.search(line) and not _LABEL.match(line):
            return i
    return None


def _spokespersons(title: str) -> set[str]:
    names = set(KNOWN_SPOKESPERSONS)
    m = _TITLE_SPOKESPERSON.search(title)
    if m:
        names.add(m.group(1))
    return names


def _role(label: str, spokespersons: set[str]) -> str | None:
    label = label.strip()
    if label.startswith("外交部发言人"):
        label = label[6:]
    if label == "答" or label in spokespersons:
        return "spokesperson"
    return "asker" if _ASKER.search(label) else None


def transcript(lines: list[str]) -> list[str]:
    """The transcript's paragraphs: up to the footer, without the navigation list that follows the last answer
    and without furniture lines."""
    body: list[str] = []
    for line in lines:
        if body and len(line) < 160 and _FOOTER.search(line):
            break
        if _FURNITURE.match(line) or (not body and _DATE_LINE.match(line)):
            continue
        body.append(line)
    # the navigation list: a run of menu entries (3 or more, or one line of them) after the last answer
    end = len(body)
    while end and (_MENU_ITEM.match(body[end - 1]) or _MENU_LINE.match(body[end - 1])):
        end -= 1
    run = body[end:]
    if len(run) >= 3 or any(_MENU_LINE.match(x) for x in run):
        body = body[:end]
    return body


def _check(paragraphs: list[str], title: str, source: str) -> None:
    spokespersons = _spokespersons(title)
    roles = [r for r in (_role(m.group(1), spokespersons) for m in map(_LABEL.match, paragraphs) if m) if r]
    if "spokesperson" not in roles:
        m = _TITLE_SPOKESPERSON.search(title)
        who = f"{m.group(1)}：" if m else "答： or a spokesperson's name"
        raise ParseError(source, f"no answer labelled {who!r} in the transcript: the page holds no answer podium can "
                                 "recognise; not stored")
    if roles[-1] != "spokesperson":
        raise ParseError(source, "the transcript ends with a question and no answer after it: the page looks cut off; "
                                 "not stored")


def parse_zh_paragraphs(paragraphs: list[str], title: str, date: dt.date | None, source: str,
                        url: str | None = None, *, format: str = NAME) -> Briefing:
    """A Briefing from a Chinese transcript's paragraphs (footer and navigation already cut, see ``transcript``).

    ``date``: when None, the title's. Raises ParseError naming ``source``."""
    paragraphs = [p for p in (clean(x) for x in paragraphs) if p]
    if not _TITLE.search(title):
        raise ParseError(source, f"not a spokesperson's press conference or Q&A (title {title!r}); not stored")
    date = date or zh_date(title)
    if date is None:
        raise ParseError(source, f"no date in the title {title!r} nor in a date line; not stored")
    if not paragraphs:
        raise ParseError(source, "the transcript body is empty")
    _check(paragraphs, title, source)
    # the 2016-2020 page shape, which mfa_zh_html reads with every Chinese turn rule
    esc = html.escape
    page = (f'<html><head><meta charset="utf-8"><title>{esc(title)}</title></head><body>'
            f'<div id="News_Body_Title">{esc(title)}</div><span id="News_Body_Time">{date.isoformat()}</span>'
            f'<div id="News_Body_Txt_A">' + "".join(f"<p>{esc(p)}</p>" for p in paragraphs) + "</div></body></html>")
    return replace(_parse_zh_page(page, source, url), format=format)


def parse(text: str, source: str, url: str | None = None) -> Briefing:
    """Parse a Chinese transcript copied from a page of today's site as plain text."""
    lines = [c for c in (clean(x) for x in text.splitlines()) if c]
    i = find_title(lines)
    if i is None:
        raise ParseError(source, "no title naming a spokesperson's press conference (\"…外交部发言人…主持例行记者会\") "
                                 "in the first lines: not a Chinese MFA transcript")
    title = lines[i]
    date = zh_date(title)
    if date is None:  # the date-time line under the title
        date = next((ymd_date(m) for m in map(_DATE_LINE.match, lines[i + 1:i + 4]) if m), None)
    title = _BRACKET_DATE.sub("", title).strip()
    return parse_zh_paragraphs(transcript(lines[i + 1:]), title, date, source, url)


def sniff(text: str, source: str) -> float:
    """0.9 for plain text (not HTML) with a Chinese spokesperson's press-conference title in its first lines."""
    head = text[:6000]
    if "<" in head[:1000] and re.search(r"<(?:html|body|div|p|head)\b", head, re.I):
        return 0.0
    lines = [c for c in (clean(x) for x in head.splitlines()[:_TITLE_WINDOW]) if c]
    return 0.9 if find_title(lines) is not None else 0.0


FORMAT = Format(NAME, "MFA Chinese transcripts copied from today's pages as text (总台央视记者：/郭嘉昆： turns)",
                sniff, parse)
