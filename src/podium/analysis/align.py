"""Aligning the language versions of one press conference: which exchanges (and openings) of one version are the
same as which of the other, how alike the two versions are, and what they do not share.

Pure functions on ``Briefing`` (no database): the corpus pass that links the versions of an event calls ``align``
and ``differences`` on the briefings the store hands it.

Method ("dp-anchors"): every exchange and opening is reduced to language-neutral anchors: the canonical outlet of
its asker (the outlet registry maps "路透社记者" and "Reuters" to one name), the numbers it contains (dates written
"June 12" and "6月12日" both give 6 and 12; "1.3 billion" and "13亿" both give 1300000000), the countries and
organisations it names (the bilingual gazetteer of ``podium.analysis.countries``), names and topics from a small
bilingual lexicon (``_LEXICON``), Latin-script words a Chinese text keeps as printed ("NHK", "ASPI"), and its length
in English words (a Chinese text counts its Han characters / 1.47, the median ratio over the shared corpus). Two
units are compared anchor by anchor (Dice overlap of each anchor set, closeness of lengths, equality of outlets)
and the comparisons are averaged with fixed weights into a similarity in 0..1. A dynamic programme over the two
sequences then picks, in order, 1:1 links, 2:1 and 1:2 links (a question split into two turns in one version, a
journalist's interjection kept in one version only) and units left unlinked, maximising the summed similarity
above a threshold; a second pass links leftover units out of order when they are clearly alike (replies given
after the press conference, reordered exchanges). How well this does is measured on the hand-aligned set in
``tests/fixtures/alignment`` (``benchmarks/eval_alignment.py``); the guide is ``docs/alignment-guide.md``.

``differences`` reports what the versions do not share, each with its evidence; the kinds (``DIFFERENCE_KINDS``)
are described in ``docs/alignment-guide.md``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from ..model import Briefing, Exchange, Turn
from .countries import find_mentions

__all__ = [
    "DIFFERENCE_KINDS",
    "METHOD",
    "VERSION",
    "ZH_CHARS_PER_WORD",
    "Alignment",
    "Difference",
    "Link",
    "align",
    "differences",
    "length",
    "names",
    "numbers",
    "spelt_numbers",
]

METHOD = "dp-anchors"
VERSION = "1"


@dataclass(frozen=True, slots=True)
class Link:
    """One alignment link between exchanges (or openings) of version a and version b."""

    #: Exchange numbers (Exchange.n) in version a (several when version b merges them).
    a: tuple[int, ...]
    #: Exchange numbers in version b.
    b: tuple[int, ...]
    #: 0..1 confidence (the similarity of the linked units).
    score: float


@dataclass(frozen=True, slots=True)
class Alignment:
    """How the exchanges and openings of two versions of one press conference correspond."""

    #: Exchanges present in both versions, in the order of version a.
    links: tuple[Link, ...]
    #: Exchange n's in a with no counterpart in b.
    only_a: tuple[int, ...]
    only_b: tuple[int, ...]
    #: (index in a.openings, index in b.openings), 0-based.
    openings: tuple[tuple[int, int], ...]
    openings_only_a: tuple[int, ...]
    openings_only_b: tuple[int, ...]
    #: Overall similarity of the two versions (0..1): the share of their exchanges and openings (by number) that
    #: found a counterpart, weighted by how far each link's score rises above chance. benchmarks/eval_alignment.py
    #: prints the distribution for versions of one press conference and for press conferences of two days.
    score: float
    method: str = METHOD
    version: str = VERSION


@dataclass(frozen=True, slots=True)
class Difference:
    """One thing a version has that the other lacks, with its evidence."""

    #: One of DIFFERENCE_KINDS, with the language filled in ("exchange only in en", "number only in zh", ...).
    kind: str
    #: The version that has the extra material ("en", "zh"); "" for "asker differs", where neither has more.
    lang: str
    #: Exchange n's involved, in version a and version b (empty for openings; see ``detail``).
    a: tuple[int, ...]
    b: tuple[int, ...]
    #: Human-readable: what differs, with the evidence (the number, the name, the paragraph).
    detail: str
    #: 0..1, for ranking (longer missing material ranks higher).
    severity: float


#: The kinds of difference (``{lang}`` is the version that has the extra material); see docs/alignment-guide.md.
DIFFERENCE_KINDS = (
    "exchange only in {lang}",
    "opening only in {lang}",
    "paragraph only in {lang}",
    "number only in {lang}",
    "name only in {lang}",
    "length ratio",
    "asker differs",
    "split in {lang}",
)

# ---------------------------------------------------------------------------------------------------------------
# Anchors

#: Han characters per English word (median over the 1:1 exchanges of the shared corpus: 1.44 in questions, 1.48
#: in answers).
ZH_CHARS_PER_WORD = 1.47

#: Names and topics the gazetteer does not cover: "concept | English forms | Chinese forms" (people, companies,
#: groupings and places in _LEXICON_NAMES, topics in _LEXICON_TOPICS). English forms match
#: case-insensitively at a word start ("sanction" matches "sanctions"), and at a word end too when they end in "="
#: ("abe=" is not "abeyance"); Chinese forms match anywhere.
_LEXICON_NAMES = """
Trump | trump | 特朗普
Pompeo | pompeo | 蓬佩奥
Pence | pence= | 彭斯
Bolton | bolton | 博尔顿
Kim Jong Un | kim jong, kim jung | 金正恩
Moon Jae-in | moon jae | 文在寅
Abe | abe=, abe's, shinzo | 安倍
Putin | putin | 普京
Modi | modi= | 莫迪
Imran Khan | imran | 伊姆兰
Morrison | morrison | 莫里森
Trudeau | trudeau | 特鲁多
Meng Wanzhou | meng wanzhou, ms. meng | 孟晚舟
Kovrig | kovrig | 康明凯
Spavor | spavor | 斯帕弗, 迈克尔
Schellenberg | schellenberg | 谢伦伯格
Xi Jinping | xi jinping, president xi | 习近平, 习主席
Li Keqiang | li keqiang | 李克强
Wang Yi | wang yi | 王毅
Dalai Lama | dalai | 达赖
Tsai Ing-wen | tsai ing, tsai= | 蔡英文
Carrie Lam | carrie lam | 林郑月娥
Maduro | maduro | 马杜罗
Guaido | guaido, guaidó | 瓜伊多
Erdogan | erdogan, erdoğan | 埃尔多安
Macron | macron | 马克龙
Merkel | merkel | 默克尔
Boris Johnson | boris johnson | 约翰逊
Bolsonaro | bolsonaro | 博索纳罗
Duterte | duterte | 杜特尔特
Mahathir | mahathir | 马哈蒂尔
Netanyahu | netanyahu | 内塔尼亚胡
Rouhani | rouhani | 鲁哈尼
Zarif | zarif | 扎里夫
Guterres | guterres | 古特雷斯
Tedros | tedros | 谭德塞
Lighthizer | lighthizer | 莱特希泽
Mnuchin | mnuchin | 姆努钦
Navarro | navarro | 纳瓦罗
Liu He | liu he | 刘鹤
Biden | biden | 拜登
Bachelet | bachelet | 巴切莱特
Lavrov | lavrov | 拉夫罗夫
Kono | kono= | 河野
Prayut | prayut | 巴育
Hun Sen | hun sen | 洪森
Aung San Suu Kyi | aung san, suu kyi | 昂山素季
Ramaphosa | ramaphosa | 拉马福萨
Pelosi | pelosi | 佩洛西
Rubio | rubio= | 卢比奥
Esper | esper= | 埃斯珀
Joshua Wong | joshua wong | 黄之锋
Jimmy Lai | jimmy lai | 黎智英
Gui Minhai | gui minhai | 桂民海
Zhao Lijian | zhao lijian | 赵立坚
Li Wenliang | li wenliang | 李文亮
Ghani | ghani= | 加尼
Soleimani | soleimani | 苏莱曼尼
Khashoggi | khashoggi | 卡舒吉
Skripal | skripal | 斯克里帕尔
Navalny | navalny | 纳瓦尔尼
Huawei | huawei | 华为
ZTE | zte | 中兴
TikTok | tiktok | 抖音, TikTok
Boeing | boeing | 波音
NBA | nba | NBA, 美职篮
5G | 5g | 5G
G20 | g20, group of 20 | 二十国集团, G20
BRICS | brics | 金砖
SCO | sco=, shanghai cooperation | 上合
APEC | apec | 亚太经合
Belt and Road | belt and road, bri= | 一带一路
CPEC | cpec, economic corridor | 经济走廊
Confucius Institute | confucius institute | 孔子学院
AIIB | aiib, infrastructure investment bank | 亚投行, 亚洲基础设施投资银行
Olympics | olympic | 奥运, 冬奥
Expo | expo= | 博览会, 进博会
Xinjiang | xinjiang | 新疆
Tibet | tibet | 西藏, 涉藏
Uygur | uygur, uighur, uyghur | 维吾尔
Wuhan | wuhan | 武汉
South China Sea | south china sea | 南海
Diaoyu | diaoyu, senkaku | 钓鱼岛
Kashmir | kashmir | 克什米尔
Ladakh | ladakh | 拉达克
Galwan | galwan | 加勒万
Idlib | idlib | 伊德利卜
Golan | golan | 戈兰
Crimea | crimea | 克里米亚
Arctic | arctic | 北极
Gulf | gulf | 海湾
Hormuz | hormuz | 霍尔木兹
Yemen war | houthi | 胡塞
"""
_LEXICON_TOPICS = """
trade | trade, economic and trade | 经贸, 贸易
tariff | tariff | 关税, 加征
sanction | sanction | 制裁
visa | visa | 签证
epidemic | covid, coronavirus, epidemic, pandemic, outbreak, novel | 疫情, 新冠, 病毒, 肺炎
vaccine | vaccine | 疫苗
mask | mask | 口罩
nuclear | nuclear | 核
missile | missile | 导弹
denuclearization | denuclear | 无核化
human rights | human rights | 人权
religion | religio | 宗教
terrorism | terror | 恐怖, 暴恐
election | election, elect | 选举, 大选, 当选
extradition | extradit, fugitive | 引渡, 修例, 逃犯
protest | protest, demonstrat, riot | 示威, 抗议, 暴力, 游行
student | student | 学生, 留学
embassy | embassy | 使馆
consulate | consulate | 领馆, 领事馆, 总领事馆
ambassador | ambassador | 大使
summit | summit | 峰会, 首脑会晤, 领导人会晤
military | military, troops, army | 军, 部队
drill | drill, exercise | 演习, 演练
warship | warship, destroyer, navy, naval | 军舰, 舰, 海军
aircraft | aircraft, plane, flight, airline | 飞机, 航班, 航空, 客机
navigation | navigation | 航行
fishing | fish | 渔
rare earth | rare earth | 稀土
soybean | soybean | 大豆
fentanyl | fentanyl | 芬太尼
drug | drug | 毒品, 贩毒
cyber | cyber, hacker, hacking | 网络攻击, 黑客, 网络安全
satellite | satellite | 卫星
space | space, lunar, moon | 太空, 航天, 月球, 外空
climate | climate | 气候
panda | panda | 熊猫
journalist | journalist, reporter, correspondent | 记者
death penalty | death sentence, death penalty, sentenced to death | 死刑
detained | detain, detention, arrest | 拘押, 拘留, 逮捕, 羁押
refugee | refugee, migrant | 难民, 移民
earthquake | earthquake | 地震
flood | flood | 洪水, 洪灾
typhoon | typhoon, hurricane | 台风, 飓风
fire | fire | 火灾, 大火, 山火
attack | attack, explosion, shooting, bomb | 袭击, 爆炸, 枪击
killed | killed, died, dead, death, casualt | 死亡, 遇难, 身亡, 丧生, 伤亡
anniversary | anniversary | 周年
condolence | condolence | 慰问, 哀悼
congratulat | congratulat | 祝贺, 贺电
WTO | wto, world trade organization | 世贸, 入世
investment | invest | 投资
technology | technolog | 技术, 科技
oil | oil | 石油, 原油, 油轮
debt | debt | 债务
loan | loan | 贷款
port | port= | 港口
railway | railway, rail | 铁路
dam | dam= | 水坝, 大坝
spy | spy, espionage, spying | 间谍
Interpol | interpol | 国际刑警
World Cup | world cup | 世界杯
legislation | bill, legislation, act | 法案, 立法
national security law | national security | 国家安全, 国安
ban | ban | 禁止, 禁令
consular | consular | 领事
panchen | panchen | 班禅
Falun Gong | falun | 法轮
Tiananmen | tiananmen, june 4 | 天安门, 六四
WeChat | wechat | 微信
Twitter | twitter, tweet | 推特
Facebook | facebook | 脸书
Google | google | 谷歌
Apple | apple= | 苹果公司
"""


def _read_lexicon(text: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    return tuple((concept.strip(), tuple(f.strip() for f in en.split(",") if f.strip()),
                  tuple(f.strip() for f in zh.split(",") if f.strip()))
                 for concept, en, zh in (line.split("|") for line in text.strip().splitlines()))


_LEXICON = _read_lexicon(_LEXICON_NAMES) + _read_lexicon(_LEXICON_TOPICS)
#: The lexicon's people, companies, groupings and places: what "name only in" reports (topics are for aligning).
_LEXICON_NAME_CONCEPTS = frozenset(c for c, _, _ in _read_lexicon(_LEXICON_NAMES))


@functools.cache
def _lexicon_automata() -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
    """(English, Chinese) Aho-Corasick automata over the lexicon's forms -> (form, concept)."""
    en, zh = ahocorasick.Automaton(), ahocorasick.Automaton()
    for concept, ens, zhs in _LEXICON:
        for form in ens:
            whole = form.endswith("=")
            form = form.rstrip("=").lower()
            en.add_word(form, (form, concept, whole))
        for form in zhs:
            zh.add_word(form, (form, concept, False))
    en.make_automaton()
    zh.make_automaton()
    return en, zh


_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), 1)}
# "June 12", "12 June": the month's number is an anchor too (Chinese writes 6月12日)
_EN_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                       r"December)\s+\d{1,2}\b|\b\d{1,2}\s+(January|February|March|April|May|June|July|August|"
                       r"September|October|November|December)\b")
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)(?<!\d,)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![0-9])")
_EN_SCALE = re.compile(r"[\s-]*(thousand|million|billion|trillion)\b", re.I)
_ZH_SCALE = re.compile(r"\s*[多余]?(万亿|万[多余]亿|亿|万)")  # "640多亿": over 64 billion; "2万多亿": over 2 trillion
_PERCENT = re.compile(r"\s*(?:%|percent\b|per\s+cent\b)", re.I)
_PERCENT_RANGE = re.compile(r"\s*(?:to|-|–|至|到)\s*\d+(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b)", re.I)
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "万": 1e4, "亿": 1e8, "万亿": 1e12, "万多亿": 1e12, "万余亿": 1e12}
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_EN_WORD = re.compile(r"\S+")


def _is_zh(text: str) -> bool:
    return len(_HAN.findall(text[:400])) > 20 or (bool(_HAN.search(text)) and not re.search(r"[a-z]{4}", text))


_ZH_NUMERAL = re.compile(r"[零一二三四五六七八九十百千两]*[十百千][零一二三四五六七八九十百千两]*")
_ZH_TENTHS = re.compile(r"([一二三四五六七八九])成")
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_EN_WORD_NUMBER = re.compile(r"\b(a|one|two|three|four|five|six|seven|eight|nine|ten|hundreds? of|thousands? of|"
                             r"several|dozens? of)\s+(hundred|thousand|million|billion|trillion)\b", re.I)
_EN_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10}


def _zh_numeral(s: str) -> float:
    """"二十一" -> 21, "三千" -> 3000, "一百零五" -> 105 (a malformed run gives what it can)."""
    total, digit = 0, 0
    for ch in s:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            total += (digit or 1) * _ZH_UNITS[ch]
            digit = 0
    return float(total + digit)


def spelt_numbers(text: str) -> set[str]:
    """Numbers written in words, in the form ``numbers`` gives them: Chinese numerals ("三千多个" -> "3000",
    "两百万" -> "2000000", "六成" -> "60%") and English number words before a scale ("three million" ->
    "3000000"). Used only to check that a number printed in digits in one version is really missing from the
    other."""
    out: set[str] = set()
    for m in _ZH_NUMERAL.finditer(text):
        value = _zh_numeral(m.group(0))
        scale = _ZH_SCALE.match(text, m.end())
        out.add(_fmt(value * (_SCALES[scale.group(1)] if scale else 1)))
    for m in _ZH_TENTHS.finditer(text):  # "近六成" is "nearly 60%"
        out.add(f"{_ZH_DIGITS[m.group(1)] * 10}%")
    for m in _EN_WORD_NUMBER.finditer(text):
        out.add(_fmt(_EN_WORDS.get(m.group(1).lower(), 1) * _SCALES[m.group(2).lower()]))
    return out


_MONTH_BEFORE = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                           r"December)\s+$")


def _is_date(text: str, m: re.Match[str]) -> bool:
    """A day after a month name ("June 12"), a day before one ("12 June") or a year (1500-2099 in either language:
    "fiscal 2020" / "2020财年", "Vision 2030" / "2030愿景"; not "2,000" or "2000亿")."""
    if _MONTH_BEFORE.search(text, max(0, m.start() - 12), m.start()):
        return True
    if _EN_MONTH.match(text, m.start()):
        return True
    digits = m.group(1)
    return (len(digits) == 4 and digits[:2] in ("15", "16", "17", "18", "19", "20") and not m.group(2)
            and not _ZH_SCALE.match(text, m.end()) and not _EN_SCALE.match(text, m.end()))


def _fmt(value: float) -> str:
    if value >= 1000:  # 4 significant digits: "19677.9亿" and "1.96779 trillion" meet, float noise does not count
        value = float(f"{value:.4g}")
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def numbers(text: str, dates: bool = True) -> dict[str, str]:
    """See ``_numbers``; memoised, because alignment and differences read the same texts."""
    return dict(_numbers_cached(text, dates))


@lru_cache(maxsize=65536)
def _numbers_cached(text: str, dates: bool) -> tuple[tuple[str, str], ...]:
    return tuple(_numbers(text, dates).items())


def _numbers(text: str, dates: bool = True) -> dict[str, str]:
    """The numbers a text contains, normalised ("1.3 billion" and "13亿" -> "1300000000"; "June 12" -> "6" and
    "12"; "52 percent" and "52%" -> "52%"), each with the snippet it came from. Numbers glued to letters
    ("COVID-19", "G20", "1990s") are left out; with ``dates`` false, so are years, months and days ("2019年11月3日",
    "November 3, 2019"), which one version often leaves to "today" or "this year"."""
    text = unicodedata.normalize("NFKC", text)
    out: dict[str, str] = {}
    for m in _NUMBER.finditer(text):
        after = text[m.end():m.end() + 1]
        if after.isascii() and after.isalpha() and not _ORDINAL.match(text, m.end()):  # "93rd" is 93, "1990s" no
            continue
        if not dates and (after in "年月日" and after or _is_date(text, m)):
            continue
        value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        scale = _EN_SCALE.match(text, m.end()) or _ZH_SCALE.match(text, m.end())
        if scale:
            value *= _SCALES[scale.group(1).lower()]
        key = _fmt(value) + ("%" if _PERCENT.match(text, m.end()) or _PERCENT_RANGE.match(text, m.end()) else "")
        out.setdefault(key, text[max(0, m.start() - 25):m.end() + 25].replace("\n", " "))
    for m in _EN_MONTH.finditer(text) if dates else ():
        month = str(_MONTHS[(m.group(1) or m.group(2)).lower()])
        out.setdefault(month, m.group(0))
    return out


def names(text: str) -> dict[str, str]:
    """See ``_names``; memoised, because alignment and differences read the same texts."""
    return dict(_names_cached(text))


@lru_cache(maxsize=65536)
def _names_cached(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(_names(text).items())


def _names(text: str) -> dict[str, str]:
    """Countries, organisations (gazetteer codes) and lexicon concepts a text names, each with the form printed."""
    out: dict[str, str] = {}
    for m in find_mentions(text):
        for code in m.countries + m.orgs:
            out.setdefault(code, m.text)
    en, zh = _lexicon_automata()
    if _is_zh(text):
        for _, (form, concept, _whole) in zh.iter(text):
            out.setdefault(concept, form)
        # Latin-script words a Chinese text keeps as printed ("NHK", "ASPI", "Badger Sportswear")
        for m in _LATIN_WORD.finditer(text):
            if len(m.group(0)) >= 2:
                out.setdefault("w:" + m.group(0).lower(), m.group(0))
    else:
        low = text.lower()
        for end, (form, concept, whole) in en.iter(low):
            start = end - len(form) + 1
            # at a word start ("sanction" in "sanctions", not "ban" in "urban"); a whole word when marked so
            if (start == 0 or not low[start - 1].isalpha()) and not (
                    whole and end + 1 < len(low) and low[end + 1].isalpha()):
                out.setdefault(concept, text[start:end + 1])
    return out


def length(text: str) -> float:
    """Length in English words: words for English, Han characters / ZH_CHARS_PER_WORD (+ Latin words) for Chinese."""
    han = len(_HAN.findall(text))
    if han > 3:
        return han / ZH_CHARS_PER_WORD + len(_LATIN_WORD.findall(text))
    return float(len(_EN_WORD.findall(text)))


@dataclass(frozen=True, slots=True)
class _Unit:
    """The anchors of one exchange or opening (or of two merged)."""

    ids: tuple[int, ...]
    outlet: str | None
    numbers: frozenset[str]
    names: frozenset[str]
    latin: frozenset[str]  # Latin words of a Chinese text / all lower-cased words of an English one
    qlen: float
    alen: float
    # the question's own anchors: an answer one version runs on into an announcement still has its question
    qnumbers: frozenset[str] = frozenset()
    qnames: frozenset[str] = frozenset()


_EN_WORDS_LOWER = re.compile(r"[a-z][a-z0-9\-]+")


def _unit(ident: int, question: str, answer: str, outlet: str | None, zh: bool) -> _Unit:
    q_found = names(question) if question else {}
    a_found = names(answer)
    found = {**a_found, **q_found}
    latin = frozenset(k for k in found if k.startswith("w:"))
    if not zh:  # the English words a Chinese text could keep as printed ("NHK", "Badger")
        latin = frozenset("w:" + w for w in _EN_WORDS_LOWER.findall((question + "\n" + answer).lower()))
    q_numbers = frozenset(numbers(question)) if question else frozenset()
    return _Unit((ident,), outlet, q_numbers | frozenset(numbers(answer)),
                 frozenset(k for k in found if not k.startswith("w:")), latin, length(question), length(answer),
                 q_numbers, frozenset(k for k in q_found if not k.startswith("w:")))


def _merge(u: _Unit, v: _Unit) -> _Unit:
    return _Unit(u.ids + v.ids, u.outlet or v.outlet, u.numbers | v.numbers, u.names | v.names, u.latin | v.latin,
                 u.qlen + v.qlen, u.alen + v.alen, u.qnumbers | v.qnumbers, u.qnames | v.qnames)


def _dice(x: frozenset[str], y: frozenset[str]) -> float | None:
    if not x and not y:
        return None
    return 2 * len(x & y) / (len(x) + len(y))


def _closeness(x: float, y: float, spread: float) -> float:
    """1 for equal lengths, falling with the log-ratio (spread: the log-ratio at which it is 1/e)."""
    return math.exp(-abs(math.log((x + 3) / (y + 3))) / spread)


# Weights of the anchors in the similarity (fixed by hand on the corpus, not fitted to the gold set).
_W_OUTLET, _W_NUMBERS, _W_NAMES, _W_LATIN, _W_QLEN, _W_ALEN = 3.0, 1.5, 2.5, 1.0, 1.0, 1.5
#: A match of the questions alone counts this much of a match of the whole exchanges.
_Q_ONLY_DISCOUNT = 0.85


def _similarity(u: _Unit, v: _Unit, cross: bool) -> float:
    # the weighted mean of the anchors that both sides have (each (weight, score) added in a fixed order; this runs
    # for every pair of units of two versions, so the sums are kept by hand instead of in lists)
    total = score = 0.0
    same_outlet = -1.0  # no outlet on one side
    if u.outlet and v.outlet:
        same_outlet = 1.0 if u.outlet == v.outlet else 0.0
        total += _W_OUTLET
        score += _W_OUTLET * same_outlet
    x, y = u.numbers, v.numbers
    if x or y:
        w = _W_NUMBERS * (1 if len(x) + len(y) > 2 else 0.5)
        total += w
        score += w * (2 * len(x & y) / (len(x) + len(y)))
    x, y = u.names, v.names
    if x or y:
        w = _W_NAMES * (1 if len(x) + len(y) > 2 else 0.5)
        total += w
        score += w * (2 * len(x & y) / (len(x) + len(y)))
    # Latin words a Chinese text keeps: the share of them found in the English text
    if cross:
        zh_latin, en_words = (u.latin, v.latin) if len(u.latin) <= len(v.latin) else (v.latin, u.latin)
        if zh_latin:
            w = _W_LATIN * min(1.0, len(zh_latin) / 2)
            total += w
            score += w * (len(zh_latin & en_words) / len(zh_latin))
    q_len = _closeness(u.qlen, v.qlen, 0.6)
    total += _W_QLEN
    score += _W_QLEN * q_len
    total += _W_ALEN
    score += _W_ALEN * _closeness(u.alen, v.alen, 0.5)
    full = score / total
    # the questions alone, when they carry anchors: an answer that one version runs on into an announcement (or a
    # reply given after the conference) must not hide that the question is the same
    q_total, q_score, q_parts = _W_QLEN, _W_QLEN * q_len, 1
    for w, x, y in ((_W_NUMBERS, u.qnumbers, v.qnumbers), (_W_NAMES, u.qnames, v.qnames)):
        if x or y:
            q_total += w
            q_score += w * (2 * len(x & y) / (len(x) + len(y)))
            q_parts += 1
    if same_outlet >= 0:
        q_total += _W_OUTLET
        q_score += _W_OUTLET * same_outlet
        q_parts += 1
    if q_parts < 3:
        return full
    return max(full, _Q_ONLY_DISCOUNT * (q_score / q_total))


# ---------------------------------------------------------------------------------------------------------------
# Sequence alignment

#: A link must be worth more than this similarity (below it, leaving both units unlinked is preferred).
_THRESHOLD = 0.35
#: Cost of leaving a unit unlinked (a version rarely lacks an exchange: the other's merges are likelier).
_SKIP = 0.1
#: Extra cost of each unit merged into a k:1 or 1:k link.
_MERGE_COST = 0.04
#: Similarity that exchanges of two different press conferences reach by chance (median of the best match of an
#: exchange in the next day's other-language version: 0.3); the overall score counts only what is above it.
_CHANCE = 0.3
#: Units alone between two links, one on each side, are linked from this similarity on.
_GAP_THRESHOLD = 0.2
#: A k:1 link may be this much less alike than the best of its k units alone (an announcement printed as two
#: turns in one version: the second, short one barely changes the match).
_MERGE_TOLERANCE = 0.05
#: Extra cost of linking two neighbours crosswise (the versions print them in the other order).
_CROSS_COST = 0.2
#: The largest k of a k:1 link.
_MAX_MERGE = 3
#: Out-of-order links (second pass) need at least this similarity.
_REORDER = 0.55


def _runs(units: Sequence[_Unit]) -> list[dict[int, _Unit]]:
    """For each index i, {k: the units i - k + 1 .. i merged} for k = 2.._MAX_MERGE where there are k of them."""
    out: list[dict[int, _Unit]] = []
    for i, unit in enumerate(units):
        merged, ks = unit, {}
        for k in range(2, min(_MAX_MERGE, i + 1) + 1):
            merged = _merge(units[i - k + 1], merged)
            ks[k] = merged
        out.append(ks)
    return out


def _dp(xs: Sequence[_Unit], ys: Sequence[_Unit], cross: bool) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Order-preserving alignment of two unit sequences: [(indices in xs, indices in ys, similarity)]."""
    n, m = len(xs), len(ys)
    sim = [[_similarity(x, y, cross) for y in ys] for x in xs]
    band = 3 + abs(n - m)
    # the unit ending at each index merged with the k - 1 before it (runs[i][k], k = 2.._MAX_MERGE): the same for
    # every cell of the row or column, so merged once
    runs_x, runs_y = _runs(xs), _runs(ys)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            cands: list[tuple[float, tuple[int, int, float]]] = []
            if i:
                cands.append((best[i - 1][j] - _SKIP, (1, 0, 0.0)))
            if j:
                cands.append((best[i][j - 1] - _SKIP, (0, 1, 0.0)))
            if i and j:
                s = sim[i - 1][j - 1]
                cands.append((best[i - 1][j - 1] + s - _THRESHOLD, (1, 1, s)))
                # k:1 and 1:k links: a turn that one version splits (a talk-back, "一、…二、…")
                # merges only near the diagonal (out-of-order material is for the leftover pass)
                near = abs(i * m - j * n) <= band * max(n, m)
                for k in range(2, (_MAX_MERGE if near else 1) + 1):
                    # a merge must leave the pair about as alike as its best member alone: a unit the other
                    # version lacks would only dilute the match
                    if i >= k:
                        s2 = _similarity(runs_x[i - 1][k], ys[j - 1], cross)
                        if s2 > max(sim[i - q][j - 1] for q in range(1, k + 1)) - _MERGE_TOLERANCE:
                            cands.append((best[i - k][j - 1] + s2 - _THRESHOLD - _MERGE_COST * (k - 1),
                                          (k, 1, s2)))
                    if j >= k:
                        s2 = _similarity(xs[i - 1], runs_y[j - 1][k], cross)
                        if s2 > max(sim[i - 1][j - q] for q in range(1, k + 1)) - _MERGE_TOLERANCE:
                            cands.append((best[i - 1][j - k] + s2 - _THRESHOLD - _MERGE_COST * (k - 1),
                                          (1, k, s2)))
                if i > 1 and j > 1:
                    # two neighbours printed in the other order (-1 marks the crossing move)
                    crossed = sim[i - 2][j - 1] + sim[i - 1][j - 2]
                    cands.append((best[i - 2][j - 2] + crossed - 2 * _THRESHOLD - _CROSS_COST, (2, 2, -1.0)))
            best[i][j], back[i][j] = max(cands, key=lambda c: c[0])
    out = []
    i, j = n, m
    while i or j:
        di, dj, s = back[i][j]  # type: ignore[misc]
        if s < 0:
            out.append(((i - 1,), (j - 2,), sim[i - 1][j - 2]))
            out.append(((i - 2,), (j - 1,), sim[i - 2][j - 1]))
        elif di and dj:
            out.append((tuple(range(i - di, i)), tuple(range(j - dj, j)), s))
        i, j = i - di, j - dj
    out.reverse()
    used_x = {k for a, _, _ in out for k in a}
    used_y = {k for _, b, _ in out for k in b}
    # a gap of one or two units on each side between two links (or before the first, after the last): the same
    # exchanges in the same order, linked on weaker evidence than elsewhere
    bounds = [(-1, -1)] + [(max(a), max(b)) for a, b, _ in out] + [(n, m)]
    starts = [(0, 0)] + [(min(a), min(b)) for a, b, _ in out] + [(n, m)]
    for k in range(len(bounds) - 1):
        gap_x = [i for i in range(bounds[k][0] + 1, starts[k + 1][0]) if i not in used_x]
        gap_y = [j for j in range(bounds[k][1] + 1, starts[k + 1][1]) if j not in used_y]
        if not 1 <= len(gap_x) == len(gap_y) <= 2:
            continue
        pairs = list(zip(gap_x, gap_y, strict=True))
        if all(sim[i][j] >= _GAP_THRESHOLD for i, j in pairs):
            for i, j in pairs:
                out.append(((i,), (j,), sim[i][j]))
                used_x.add(i)
                used_y.add(j)
    # leftovers linked out of order when clearly alike (greedy, best first)
    extra = sorted(((sim[i][j], i, j) for i in range(n) if i not in used_x for j in range(m) if j not in used_y),
                   reverse=True)
    for s, i, j in extra:
        if s >= _REORDER and i not in used_x and j not in used_y:
            out.append(((i,), (j,), s))
            used_x.add(i)
            used_y.add(j)
    out.sort(key=lambda link: (link[0][0], link[1][0]))
    return out


def _exchange_units(b: Briefing) -> list[_Unit]:
    zh = b.lang == "zh"
    return [_unit(e.n, e.question_text, e.answer_text, e.outlet, zh) for e in b.exchanges]


def _opening_units(b: Briefing) -> list[_Unit]:
    zh = b.lang == "zh"
    return [_unit(k, "", t.text, None, zh) for k, t in enumerate(b.openings)]


def align(a: Briefing, b: Briefing) -> Alignment:
    """Align the exchanges and openings of two versions (any two languages) of one press conference."""
    ex_a, op_a = _exchange_units(a), _opening_units(a)
    ex_b, op_b = _exchange_units(b), _opening_units(b)
    cross = a.lang != b.lang
    links = _dp(ex_a, ex_b, cross)
    opening_links = _dp(op_a, op_b, cross)
    link_objs = tuple(Link(tuple(ex_a[i].ids[0] for i in ia), tuple(ex_b[j].ids[0] for j in jb), round(s, 3))
                      for ia, jb, s in links)
    linked_a = {n for lk in link_objs for n in lk.a}
    linked_b = {n for lk in link_objs for n in lk.b}
    openings: list[tuple[int, int]] = []
    for ia, jb, _ in opening_links:
        # an announcement printed as two turns in one version and one in the other: every pair is a link
        openings.extend((i, j) for i in ia for j in jb)
    op_linked_a = {i for i, _ in openings}
    op_linked_b = {j for _, j in openings}
    units = len(ex_a) + len(ex_b) + len(op_a) + len(op_b)
    # similarities above the floor that unrelated exchanges reach by chance (similar lengths, China named in both)
    weight = sum(max(0.0, (s - _CHANCE) / (1 - _CHANCE)) * (len(ia) + len(jb)) for ia, jb, s in links + opening_links)
    return Alignment(
        links=link_objs,
        only_a=tuple(e.n for e in a.exchanges if e.n not in linked_a),
        only_b=tuple(e.n for e in b.exchanges if e.n not in linked_b),
        openings=tuple(sorted(set(openings))),
        openings_only_a=tuple(k for k in range(len(a.openings)) if k not in op_linked_a),
        openings_only_b=tuple(k for k in range(len(b.openings)) if k not in op_linked_b),
        score=round(weight / units, 3) if units else 0.0,
    )


# ---------------------------------------------------------------------------------------------------------------
# Differences

#: Numbers below this (percentages apart) are left out of "number only in": counts under 100 are often spelt out
#: in one language ("ten days", "four decades", 二十国集团, 第十五轮) and written in digits in the other.
_MIN_NUMBER = 100
#: Answer length log-ratios beyond this (e ** 0.8 = 2.2 times longer) are reported.
_LENGTH_LOG_RATIO = 0.8
#: Paragraphs shorter than this (in English words) are not reported as left out.
_MIN_PARAGRAPH = 25
#: Names reported by "name only in": a country code other than China's, or a name of the lexicon.
_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")


def _reported_name(key: str) -> bool:
    return (bool(_COUNTRY_CODE.match(key)) and key != "CHN") or key in _LEXICON_NAME_CONCEPTS


def _by_n(b: Briefing) -> dict[int, Exchange]:
    return {e.n: e for e in b.exchanges}


def _head(text: str, k: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= k else text[:k] + "…"


def _paragraphs(turns: Sequence[Turn]) -> list[str]:
    return [p for t in turns for p in t.paragraphs if p.strip()]


def _paragraph_gaps(pa: list[str], pb: list[str]) -> tuple[list[int], list[int]]:
    """Paragraphs of each side with no counterpart, by a length-based alignment (Gale-Church style, with 2:1 and
    1:2 merges and number/name anchors) of the paragraphs of two aligned answers."""
    ua = [_unit(k, "", p, None, _is_zh(p)) for k, p in enumerate(pa)]
    ub = [_unit(k, "", p, None, _is_zh(p)) for k, p in enumerate(pb)]
    cross = bool(pa and pb) and _is_zh(pa[0]) != _is_zh(pb[0])
    links = _dp(ua, ub, cross)
    la = {i for ia, _, _ in links for i in ia}
    lb = {j for _, jb, _ in links for j in jb}
    return [i for i in range(len(pa)) if i not in la], [j for j in range(len(pb)) if j not in lb]


def differences(a: Briefing, b: Briefing, alignment: Alignment | None = None) -> list[Difference]:
    """What versions a and b of one press conference do not share, most severe first (kinds: DIFFERENCE_KINDS)."""
    al = alignment or align(a, b)
    ea, eb = _by_n(a), _by_n(b)
    out: list[Difference] = []
    for side, only, by, lang in ((0, al.only_a, ea, a.lang), (1, al.only_b, eb, b.lang)):
        for n in only:
            e = by[n]
            size = length(e.question_text) + length(e.answer_text)
            out.append(Difference(
                f"exchange only in {lang}", lang, (n,) if side == 0 else (), (n,) if side == 1 else (),
                f"exchange {n} ({e.asker or 'unnamed asker'}{', follow-up' if e.follow_up else ''}): "
                f"Q {_head(e.question_text)!r} A {_head(e.answer_text, 60)!r} ({size:.0f} words)",
                round(min(1.0, 0.5 + size / 400), 3)))
    for only, ops, lang in ((al.openings_only_a, a.openings, a.lang), (al.openings_only_b, b.openings, b.lang)):
        for k in only:
            size = length(ops[k].text)
            out.append(Difference(f"opening only in {lang}", lang, (), (),
                                  f"opening {k + 1}: {_head(ops[k].text, 120)!r} ({size:.0f} words)",
                                  round(min(1.0, 0.4 + size / 400), 3)))
    for link in al.links:
        xa = [ea[n] for n in link.a]
        xb = [eb[n] for n in link.b]
        out.extend(_link_differences(a.lang, b.lang, link, xa, xb))
    out.sort(key=lambda d: -d.severity)
    return out


def _link_differences(la: str, lb: str, link: Link, xa: list[Exchange], xb: list[Exchange]) -> list[Difference]:
    out: list[Difference] = []
    where = f"exchange {'+'.join(map(str, link.a))} ({la}) / {'+'.join(map(str, link.b))} ({lb})"
    ans_a = "\n".join(e.answer_text for e in xa)
    ans_b = "\n".join(e.answer_text for e in xb)
    text_a = "\n".join(e.question_text for e in xa) + "\n" + ans_a
    text_b = "\n".join(e.question_text for e in xb) + "\n" + ans_b
    # one version splits into several exchanges what the other prints as one (talk-back it leaves out or runs on
    # in the answer, two questions under one label)
    if len(xa) != len(xb):
        lang, many = (la, xa) if len(xa) > len(xb) else (lb, xb)
        out.append(Difference(f"split in {lang}", lang, link.a, link.b,
                              f"{where}: {len(many)} exchanges in {lang}, one in the other; the extra: "
                              + "; ".join(repr(_head(e.question_text, 60)) for e in many[1:]), 0.35))
    # the two versions credit the question to different outlets ("RIA Novosti" / 俄罗斯卫星通讯社 = Sputnik)
    oa = sorted({e.outlet for e in xa if e.outlet and not e.follow_up})
    ob = sorted({e.outlet for e in xb if e.outlet and not e.follow_up})
    if oa and ob and not set(oa) & set(ob):
        out.append(Difference("asker differs", "", link.a, link.b,
                              f"{where}: asked by {', '.join(oa)} ({la}; printed {xa[0].asker!r}) but by "
                              f"{', '.join(ob)} ({lb}; printed {xb[0].asker!r})", 0.5))
    # numbers in one version only
    # dates left out: "today" and "12月3日" say the same day
    na, nb = numbers(text_a, dates=False), numbers(text_b, dates=False)
    spelt_a, spelt_b = spelt_numbers(text_a), spelt_numbers(text_b)
    for lang, mine, other, spelt in ((la, na, nb, spelt_b), (lb, nb, na, spelt_a)):
        extra = [k for k in mine if k not in other and k not in spelt
                 and (k.endswith("%") or float(k) >= _MIN_NUMBER)]
        if extra:
            out.append(Difference(f"number only in {lang}", lang, link.a, link.b,
                                  f"{where}: " + "; ".join(f"{k} in {mine[k]!r}" for k in extra[:4]),
                                  round(min(0.8, 0.3 + 0.1 * len(extra)), 3)))
    # names in one version only: countries other than China (which one version often leaves to "we" / 我们) and
    # the lexicon's people, companies and places; organisations, regions and topics vary with the wording
    ma, mb = names(text_a), names(text_b)
    ka, kb = set(ma), set(mb)
    for lang, mine, keys, other in ((la, ma, ka, kb), (lb, mb, kb, ka)):
        extra = sorted(k for k in keys - other if _reported_name(k))
        if extra:
            out.append(Difference(f"name only in {lang}", lang, link.a, link.b,
                                  f"{where}: " + "; ".join(f"{k} ({mine[k]!r})" for k in extra[:5]),
                                  round(min(0.4, 0.2 + 0.05 * len(extra)), 3)))
    # answer lengths far apart
    len_a, len_b = length(ans_a), length(ans_b)
    if len_a + len_b > 40:
        ratio = math.log((len_a + 5) / (len_b + 5))
        if abs(ratio) > _LENGTH_LOG_RATIO:
            longer = la if ratio > 0 else lb
            out.append(Difference("length ratio", longer, link.a, link.b,
                                  f"{where}: answer of {len_a:.0f} words ({la}) vs {len_b:.0f} ({lb}), "
                                  f"{math.exp(abs(ratio)):.1f} times longer in {longer}",
                                  round(min(0.9, 0.3 + abs(ratio) / 4), 3)))
    # paragraphs of one answer with no counterpart in the other
    pa = _paragraphs([t for e in xa for t in e.answers])
    pb = _paragraphs([t for e in xb for t in e.answers])
    if pa and pb and (len(pa) > 1 or len(pb) > 1):
        gaps_a, gaps_b = _paragraph_gaps(pa, pb)
        for lang, paras, gaps in ((la, pa, gaps_a), (lb, pb, gaps_b)):
            for k in gaps:
                size = length(paras[k])
                if size >= _MIN_PARAGRAPH:
                    out.append(Difference(f"paragraph only in {lang}", lang, link.a, link.b,
                                          f"{where}: answer paragraph {k + 1} ({size:.0f} words): "
                                          f"{_head(paras[k], 140)!r}", round(min(0.9, 0.3 + size / 300), 3)))
    return out
