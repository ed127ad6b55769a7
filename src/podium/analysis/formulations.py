"""Official formulations (tifa): mining the fixed phrases that recur across briefings, without a hand-made list,
and tagging exchanges with the mined phrases they use.

Mining (``mine``), per series and language (one government's English is not another's), over what the spokesperson
says (answers and opening announcements — questions
are left out, so reporters' formulas such as "Do you have any comment" never count):

1. text is cut into segments at punctuation (a phrase never crosses a comma or a full stop) and into tokens:
   lower-cased words for English, CJK characters for Chinese;
2. n-grams are counted by *document frequency over briefings* level by level (Apriori: an n-gram is counted only
   where both its (n-1)-gram prefix and suffix are frequent), English 2..10 words, Chinese 4..12 characters
   (``MiningOptions``), a chunk of briefings at a time (``ngrams.frequent_ngrams``: memory bounded by the chunk);
3. a candidate holds together and says something of its own (no list of formulations anywhere):
   - cohesion: the lowest pointwise mutual information over its split points (``log c(ab) N / c(a) c(b)``) is above
     a threshold;
   - edges: it starts and ends on a content word (English: not a function word of the extended stop list; Chinese:
     not a particle) and is a closed unit: the branching entropy of its neighbours on each side is high (a phrase
     whose neighbour is predictable was cut out of a longer one: "国领导人", "comprehensive strategic"), and for
     Chinese a few frequent right neighbours do not account for nearly all its uses ("保持密切" + 沟通/合作);
   - content: it has a marked word - not a function word, not a country/place name (from the countries gazetteer),
     and for English not a generic word of general political English (one used in over ``generic_share`` of the
     White House briefings of the shipped background table ``data/formulations_background_en.tsv.gz``, and not
     rarer here than there); for Chinese, at least two characters are left once the string is cut into general
     function words, generic words and place names ("有关报道", "中国政府" fail);
   - contrast (English): its briefing share here over its share in the White House briefings (log-odds) is above
     ``min_keyness``, so that phrases every government says ("around the world", "as soon as possible") drop out;
   - not a spokesperson formula (mostly preceded, within three words, by I/you/we: "[I have] noted relevant
     reports"), not a person's or institution's title and name ("President Xi Jinping", "Ministry of Commerce",
     "习近平主席"), not a name and one word ("China firmly") nor an argument frame ("relations between China");
   - the spokesperson's own words: markedly more frequent in answers than in the reporters' questions (log ratio of
     rates per character, ``min_answer_keyness``): topics, names and generic words reporters use as much
     ("trade talks", "media reports", 中国公民, 国家安全) drop out; Chinese phrases with an open end (维护国际,
     国际社会应) are pieces of longer ones;
4. maximal phrases: candidates are accepted longest first, and a sub-phrase is absorbed (dropped) when an accepted
   phrase containing it accounts for half of its occurrences (Chinese: three quarters, so that 构建人类命运共同体
   does not absorb 人类命运共同体). Precision@100 by reading: docs/formulations-top100.md;
5. for each accepted phrase, one pass of an Aho-Corasick automaton over every briefing gives its first and last use,
   the briefings using it per month next to the briefings held that month (explicit zeros), the spokespersons using
   it, and its left/right branching entropy (how freely it combines at its edges, recorded for auditing).

The miner reads a group's briefings three times (steps 1-2, the answers-against-questions test, step 5) and holds
none of them (``mine_groups``; ``podium analyse`` reads them from the store), so that its memory is the chunk, the
frequent n-grams and the candidates, whatever the size of the corpus.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from ..model import Annotation, Briefing
from .ngrams import frequent_ngrams

__all__ = ["BriefingGroup", "Formulation", "FormulationsPass", "MiningOptions", "mine", "mine_groups", "normalise"]

#: The languages mined (other languages' briefings are left out).
LANGS = ("en", "zh")

METHOD = "ngram-df+min-pmi+edge-entropy+generic-filter+keyness-vs-whitehouse+maximal"
VERSION = "4"

_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_EN_SEGMENT = re.compile(r"[^\s\w'’-]+|\s[-–—]+\s|\n")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

EN_STOP = frozenset("""
a an the and or but nor of to in on at by for with from as into onto about over under than then that this these
those which who whom whose what when where why how is are was were be been being am has have had do does did will
would shall should can could may might must it its it's they them their there here he she his her we our us so
such not no any all also just very more most other some each both if while because since after before up down out
off again further once only own same too s t
between among amongst through throughout within without against across around toward towards via per upon during
despite including regarding concerning along amid beyond behind beside besides near onto unto till until whether
though although however therefore thus yet still even ever already always never often also else rather quite
one two three four five six seven eight nine ten first second third last next many much few several every either
neither another whatever whichever whoever i'm i'd i've i'll you're we'll we'd they'll itself themselves ourselves
our ours yours mine whom hereby thereby said says say saying like
going get got lot lots want wanted think thing things something anything kind sort yeah okay ok know let well really
actually that's there's it's what's here's let's he's she's we're they're we've don't doesn't didn't isn't aren't
""".split())
# first/second person and reporter-talk: spokesperson formulas ("I'm not aware of", "refer you to"), not tifa
_EN_PERSONAL = frozenset("i i'm i'd i've i'll me my you you're your yours mentioned asked question questions".split())
# a person's title and name ("President Xi Jinping", "习近平主席") recurs but is not a formulation
_EN_TITLES = frozenset("president premier minister councilor councillor secretary chairman ambassador spokesperson "
                       "spokesman king queen emperor prince chancellor mr ms mrs ministers".split())
# an institution's name ("Ministry of Commerce", "CPC Central Committee", "Foreign Affairs") is not a formulation
_EN_INSTITUTIONS = frozenset("ministry ministries committee embassy embassies consulate council department office "
                             "commission bureau agency assembly congress parliament affairs".split())
_ZH_PARTICLES = frozenset("的了是在也都就")
# endings that need a head after them: "维护国际" (和平), "促进地区" (稳定), "体现了中" (方), "国际社会应" (...)
_ZH_OPEN_END = ("国际", "地区", "应", "中", "的普遍")
_ZH_TITLES = ("主席", "总理", "外长", "部长", "总统", "首相", "国务委员", "大使", "发言人", "国务卿", "委员长", "先生",
              "女士")
_ZH_EDGE = frozenset("的了和与及是在我你他她它这那也都就把被而并但还又着地得吗呢吧们"
                     "之其所为对将以等向从于给让要会能可说问答")


@dataclass(frozen=True)
class LanguageThresholds:
    """The thresholds that differ between English (tokens are words) and Chinese (tokens are characters)."""

    #: shortest and longest phrase, in tokens
    lengths: tuple[int, int]
    #: a sub-phrase is absorbed when an accepted super-phrase covers at least this share of its occurrences.
    #: English 0.5 (0.75 left fragments such as "regional peace" of "regional peace and stability"); Chinese 0.75:
    #: a governing verb often recurs before a whole phrase (构建 + 人类命运共同体), which must not absorb the phrase
    absorb: float
    #: lowest log ratio of a phrase's rate in answers over its rate in questions (per character of text): a
    #: formulation is the spokesperson's own wording; what reporters say as often is the topic, a name or generic
    #: language ("trade talks", "media reports", 中国公民, 国家安全, 基础设施). Higher for Chinese, where no
    #: background corpus removes generic words first (双边关系, 世界经济, 经济发展)
    min_answer_keyness: float
    #: lowest share of uses at the right edge followed by punctuation, a particle or a rare neighbour (English:
    #: content-word neighbours only)
    min_free_edge: float


@dataclass(frozen=True)
class MiningOptions:
    """The miner's thresholds (module docstring, steps 2-4)."""

    min_briefings: int = 5
    #: also at least this share of the language's briefings (whichever is larger)
    min_share: float = 0.01
    #: lowest PMI (natural log) allowed at any split point
    min_pmi: float = 2.0
    #: English phrases need at least this many content words
    min_content_words: int = 2
    #: English: a word used in at least this share of the background (White House) briefings is generic
    generic_share: float = 0.35
    #: English: a phrase needs a word at least this much more frequent here than in the background (log ratio)
    min_word_keyness: float = 0.0
    #: English: lowest log-odds of a phrase's briefing share at the MFA over its share in the background corpus
    min_keyness: float = 1.5
    #: lowest branching entropy (nats) at either edge: a phrase whose neighbour is predictable is a cut-out piece
    min_edge_entropy: float = 1.5
    en: LanguageThresholds = LanguageThresholds(lengths=(2, 10), absorb=0.5, min_answer_keyness=0.5,
                                                min_free_edge=0.0)
    zh: LanguageThresholds = LanguageThresholds(lengths=(4, 12), absorb=0.75, min_answer_keyness=1.25,
                                                min_free_edge=0.2)

    def of(self, lang: str) -> LanguageThresholds:
        return self.zh if lang == "zh" else self.en


@dataclass
class Formulation:
    """One mined phrase with its use over time."""

    text: str
    lang: str
    n_tokens: int
    briefings: int
    occurrences: int
    cohesion: float
    first_date: str
    first_briefing: str
    last_date: str
    last_briefing: str
    #: spokesperson -> briefings in which they used it (the briefing's main spokesperson for openings)
    spokespersons: dict[str, int] = field(default_factory=dict)
    #: "YYYY-MM" -> [briefings using it, briefings held], every month with a briefing in this language
    months: dict[str, list[int]] = field(default_factory=dict)
    #: the series it was mined from ("China MFA regular press conference", ...)
    series: str = ""
    left_entropy: float = 0.0
    right_entropy: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text, "lang": self.lang, "series": self.series, "n_tokens": self.n_tokens,
            "briefings": self.briefings,
            "occurrences": self.occurrences, "cohesion": round(self.cohesion, 3),
            "first_date": self.first_date, "first_briefing": self.first_briefing,
            "last_date": self.last_date, "last_briefing": self.last_briefing,
            "spokespersons": self.spokespersons, "months": self.months,
            "left_entropy": round(self.left_entropy, 3), "right_entropy": round(self.right_entropy, 3),
        }


# ---- text -> token strings ------------------------------------------------------------------------------------

class _Vocab:
    """English words as single characters, so that n-grams are plain string slices (fast to hash)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}  # lower-cased word -> its character, in order of first use
        self._of: dict[str, str] = {}  # each form as written -> its word's character
        self._seen: Counter = Counter()  # each form as written, counted, in order of first use
        self._surface: list[Counter] | None = None

    def encode(self, words: list[str]) -> str:
        chars = list(map(self._of.get, words))
        if None in chars:
            for i, w in enumerate(words):
                if chars[i] is None:
                    ch = self._of.get(w)
                    if ch is None:
                        low = w.lower().replace("’", "'")
                        ch = self.ids.get(low)
                        if ch is None:
                            ch = self.ids[low] = chr(0x10000 + len(self.ids))
                        self._of[w] = ch
                    chars[i] = ch
        self._seen.update(words)
        self._surface = None
        return "".join(chars)  # type: ignore[arg-type]

    @property
    def surface(self) -> list[Counter]:
        """Per word, its forms as written (curly apostrophes made straight) with their counts, in order of first
        use."""
        if self._surface is None:
            self._surface = [Counter() for _ in self.ids]
            for w, c in self._seen.items():
                self._surface[ord(self._of[w]) - 0x10000][w.replace("’", "'")] += c
        return self._surface

    def lower(self, ch: str) -> str:
        return next(iter(self.surface[ord(ch) - 0x10000])).lower()

    def display(self, gram: str) -> str:
        return " ".join(self.surface[ord(c) - 0x10000].most_common(1)[0][0] for c in gram)


def _en_parts(text: str) -> list[list[str]]:
    """English text cut at punctuation into segments of words (segments without a word left out)."""
    return [words for part in _EN_SEGMENT.split(text) if (words := _WORD.findall(part))]


def _parts(text: str, lang: str) -> list[Any]:
    """The text cut at punctuation: its CJK runs (Chinese) or its segments of words (``_en_parts``)."""
    return _CJK_RUN.findall(text) if lang == "zh" else _en_parts(text)


def _tokens(parts: list[Any], lang: str, vocab: _Vocab | None) -> list[str]:
    """``_parts`` as token strings: Chinese runs as they are, English words one character each (``vocab``)."""
    if lang == "zh":
        return parts
    return [vocab.encode(words) for words in parts] if vocab is not None else []


def _segments(text: str, lang: str, vocab: _Vocab | None) -> list[str]:
    return _tokens(_parts(text, lang), lang, vocab)


def normalise(text: str, lang: str) -> str:
    """Text in the form formulations are matched in: lower-case words separated by single spaces, segments
    (cut at punctuation) separated by ' | ' (Chinese: CJK runs separated by '|')."""
    if lang == "zh":
        return "|" + "|".join(_CJK_RUN.findall(text)) + "|"
    # the words are ASCII letters, digits, hyphens and apostrophes: lower-casing the whole is lower-casing each
    return (" | " + " | ".join(" ".join(words) for words in _en_parts(text)) + " | ").lower().replace("’", "'")


def _normalised_length(parts: list[Any], lang: str) -> int:
    """``len(normalise(text, lang))`` from the text's ``_parts``."""
    if lang == "zh":
        return 1 + sum(len(run) + 1 for run in parts) if parts else 2
    seps = 3 * (len(parts) + 1)  # " | " before, between and after the segments
    return seps + sum(sum(map(len, words)) + len(words) - 1 for words in parts) if parts else 6


def _spoken(b: Briefing) -> list[tuple[str | None, str]]:
    """(speaker, text) of what the spokesperson side says: openings and answers."""
    out: list[tuple[str | None, str]] = [(b.spokesperson, t.text) for t in b.openings]
    for ex in b.exchanges:
        out.append((ex.spokesperson or b.spokesperson, ex.answer_text))
    return out


# ---- general-language knowledge (no formulations in here: what is generic, what is a name) ----------------------

_DATA = Path(__file__).resolve().parents[1] / "data"
BACKGROUND_EN = _DATA / "formulations_background_en.tsv.gz"

# Chinese function words, reporter/spokesperson talk and generic nouns/verbs: a string made only of these (and place
# names) is not a formulation. General vocabulary, not a list of phrases.
_ZH_GENERIC = frozenset("""
的 了 是 在 和 与 及 或 也 都 就 还 又 再 很 更 最 把 被 对 向 从 于 给 让
使 为 以 将 要 会 能 可 可以 应 应该 应当 该 就是 我 你 他 她 它 我们 你们 他们
她们 它们 咱们 自己 大家 这 那 这个 那个 这些 那些 这样 那样 这种 此 其 其他 其它
各 各个 每 有 有关 相关 没有 不 没 并 并且 而 而且 但 但是 如果 因为 所以 因此
由于 关于 至于 对于 根据 按照 通过 进行 开展 作出 做出 已经 已 曾 曾经 正在 正 刚才
刚刚 目前 现在 近期 近日 日前 今天 昨天 明天 今年 去年 此前 此后 之前 之后 以来 期间
当天 同时 非常 十分 特别 一直 一贯 始终 仍然 继续 一定 一些 一下 一个 一道 一起 一样
一方面 有些 所有 任何 多次 再次 反复 第 个 次 项 位 名 种 些 点 方 方面
双方 各方 两 两国 二 三 一 几 多 等 等等 里 上 下 中 内 外 前 后 间 问题 情况
报道 消息 提问 记者 问 答 回答 介绍 了解 表示 指出 强调 认为 希望 注意到
看到 提到 说 讲 谈 告诉 发布 具体 部门 方面 国家 政府 人民 关系
发展 工作 事情 事 时候 时间 地方 东西 这里 那里 领导人 外交部 发言人 重要 重大 主要
积极 进一步 共同 一道 努力 推动 推进 促进 加强 保持 愿 愿意 愿同 支持 欢迎 感谢 高度
重视 清楚 明确 立场
""".split())


def _zh_uncovered(gram: str, known: frozenset[str]) -> int:
    """How many characters of the string are left over when it is cut into known words (fewest left over)."""
    n = len(gram)
    best = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = best[i + 1] + 1
        for j in range(i + 1, min(n, i + 6) + 1):
            if gram[i:j] in known:
                best[i] = min(best[i], best[j])
    return best[0]


@functools.lru_cache(maxsize=1)
def _place_words() -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case English words and Chinese strings naming countries, places and organisations (from the
    countries gazetteer): a phrase of names and generic words ("China and Russia", "中美关系") is not a formulation."""
    try:
        data = json.loads((_DATA / "countries.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset(), frozenset()
    en: set[str] = set()
    zh: set[str] = set(data.get("compounds_zh", {}))
    for entry in data.get("countries", []):
        # countries only: the words of organisations' names ("Shanghai Cooperation Organisation") are common words
        for key in ("names", "demonyms", "capitals"):
            for name in entry.get(key, []):
                en.update(w.lower().replace("’", "'") for w in _WORD.findall(name))
        zh.update(entry.get("zh", []))
    for entry in data.get("organisations", []):
        zh.update(entry.get("zh", []))
    for base in list(en):
        en.add(base + "'s")
    return frozenset(en - EN_STOP), frozenset(zh)


@dataclass(frozen=True)
class Background:
    """Briefing frequencies of English words and n-grams in a background corpus of general political English."""

    documents: int
    df: dict[str, int]
    #: n-grams longer than one word are listed only from this briefing frequency up (rarer ones are absent)
    min_df: int
    max_n: int

    def phrase_df(self, words: list[str]) -> float:
        """The phrase's briefing frequency in the background; a phrase absent from the table (rarer there than the
        listing threshold, or longer than the longest listed n-gram) counts as used once."""
        return float(self.df.get(" ".join(words), 1))

    def share(self, word: str) -> float:
        return self.df.get(word, 0) / self.documents if self.documents else 0.0


@functools.lru_cache(maxsize=2)
def load_background(path: Path = BACKGROUND_EN) -> Background | None:
    """The shipped background table (None if missing: English mining then runs without the contrast)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            meta: dict[str, str] = {}
            df: dict[str, int] = {}
            for line in fh:
                if line.startswith("#"):
                    if ":" in line:
                        k, v = line[1:].split(":", 1)
                        meta[k.strip()] = v.strip()
                    continue
                gram, _, count = line.rstrip("\n").partition("\t")
                df[gram] = int(count)
    except OSError:
        return None
    return Background(int(meta.get("documents", "0")), df, int(meta.get("min_df_ngrams", "1")),
                      int(meta.get("max_n", "1")))


def build_background(texts: Iterable[str], *, max_n: int = 4, min_df_words: int = 5,
                     min_df_ngrams: int = 25) -> tuple[int, dict[str, int]]:
    """Briefing frequencies of the words (from min_df_words) and 2..max_n-grams (from min_df_ngrams) of a corpus of
    general political English, one text per briefing, tokenised as mining tokenises: (documents, table)."""
    vocab = _Vocab()
    docs = [_segments(t, "en", vocab) for t in texts]
    df, _, _ = frequent_ngrams(docs, max_n, min(min_df_words, min_df_ngrams))
    table = {}
    for gram, d in df.items():
        if d >= (min_df_words if len(gram) == 1 else min_df_ngrams):
            table[" ".join(vocab.lower(c) for c in gram)] = d
    return len(docs), table


def _branching_entropy(counts: list[int], total: int) -> float:
    """Entropy of the neighbours of a phrase of ``total`` occurrences whose frequent neighbours occur ``counts``
    times; the rest are taken as distinct (rare neighbours and punctuation are free boundaries)."""
    if total <= 0:
        return 0.0
    rest = max(total - sum(counts), 0)
    h = -sum(c / total * math.log(c / total) for c in counts if c)
    return h + rest / total * math.log(total)


# ---- mining ---------------------------------------------------------------------------------------------------

@dataclass
class BriefingGroup:
    """The briefings of one series in one language, read afresh for each pass of the miner (``read``: an iterable of
    them in (date, key) order), so that a miner over a large store need not hold them all."""

    series: str
    lang: str
    read: Callable[[], Iterable[Briefing]]
    #: how many briefings ``read`` gives, and what to tell of the progress: (briefings read, 3 x count)
    count: int = 0
    progress: Callable[[int, int], None] | None = None


def mine(briefings: Iterable[Briefing], *, lang: str | None = None,
         options: MiningOptions | None = None) -> list[Formulation]:
    """Mine the recurring formulations of the briefings, per series and language (every language present, or only
    ``lang``), most widely used first."""
    groups: dict[tuple[str, str], list[Briefing]] = defaultdict(list)
    for b in briefings:
        if lang is None or b.lang == lang:
            groups[(b.series, b.lang)].append(b)
    return mine_groups([BriefingGroup(series, code, functools.partial(sorted, group, key=lambda b: (b.date, b.key)),
                                      count=len(group))
                        for (series, code), group in groups.items()], options=options)


def mine_groups(groups: Iterable[BriefingGroup], *, options: MiningOptions | None = None) -> list[Formulation]:
    """``mine`` over groups of briefings that are read when needed (``podium analyse`` reads them from the store,
    three times per group: to count n-grams, to compare answers with questions, to find the uses)."""
    opts = options or MiningOptions()
    out: list[Formulation] = []
    for group in sorted(groups, key=lambda g: (g.series, g.lang)):
        if group.lang not in LANGS:
            continue
        miner = _Miner(group, opts)
        for f in miner.formulations(miner.maximal(miner.spokespersons_own(miner.candidates()))):
            f.series = group.series
            out.append(f)
    out.sort(key=lambda f: (-f.briefings, f.text))
    return out


class _Miner:
    """Mining one series in one language: the n-gram counts, the tests a candidate must pass (module docstring,
    step 3), the maximal phrases (step 4) and their uses (step 5)."""

    def __init__(self, group: BriefingGroup, opts: MiningOptions) -> None:
        self.group, self.lang, self.opts, self.limits = group, group.lang, opts, opts.of(group.lang)
        self.vocab = _Vocab() if self.lang == "en" else None
        self.n_briefings = 0
        #: characters of the normalised text of the spokesperson's side (``normalise``), counted in the first pass
        self.spoken_chars = 0
        #: briefings held per month (YYYY-MM)
        self.held: Counter = Counter()
        self.min_df = 0
        self._done, self._total = 0, 3 * group.count
        # one level beyond the longest phrase, so that a phrase cut by the length cap shows as a fragment
        self.df, self.tf, self.total = frequent_ngrams(self._documents(), self.limits.lengths[1] + 1, self._min_df)
        self._passed(1)
        self.en_places, zh_places = _place_words()
        self.zh_known = _ZH_GENERIC | zh_places
        # the background is White House English: contrasting White House briefings with it would remove everything
        self.background = (load_background() if self.lang == "en" and not group.series.startswith("White House")
                           else None)
        # the frequent one-token extensions on each side (from the counts: no second pass over the text)
        self.left_ext: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.right_ext: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for gram, c in self.tf.items():
            if len(gram) > 1:
                self.right_ext[gram[:-1]].append((c, gram[-1]))
                self.left_ext[gram[1:]].append((c, gram[0]))

    def _documents(self) -> Iterator[list[str]]:
        """The first pass: each briefing's segments of spoken text (tokens: Chinese characters, English words as
        one character each), counting the briefings held per month on the way."""
        for b in self._read():
            self.n_briefings += 1
            self.held[b.date.strftime("%Y-%m")] += 1
            doc: list[str] = []
            for _, text in _spoken(b):
                parts = _parts(text, self.lang)
                doc += _tokens(parts, self.lang, self.vocab)
                self.spoken_chars += _normalised_length(parts, self.lang)
            yield doc

    def _read(self) -> Iterator[Briefing]:
        """The group's briefings, read afresh, telling the progress every 32."""
        tell = self.group.progress
        for b in self.group.read():
            yield b
            self._done += 1
            if tell is not None and self._done % 32 == 0:
                tell(min(self._done, self._total), self._total)

    def _passed(self, k: int) -> None:
        """Pass k of 3 is over (whether it read the briefings or had nothing to look for)."""
        self._done = max(self._done, k * self.group.count)
        if self.group.progress is not None:
            self.group.progress(min(self._done, self._total), self._total)

    def _min_df(self, n_briefings: int) -> int:
        self.min_df = max(self.opts.min_briefings, math.ceil(self.opts.min_share * n_briefings))
        return self.min_df

    # ---- the tests of step 3 -------------------------------------------------------------------------------------

    def _words(self, gram: str) -> list[str]:
        assert self.vocab is not None
        return [self.vocab.lower(c) for c in gram]

    def content(self, tok: str) -> bool:
        if self.lang == "zh":
            return tok not in _ZH_EDGE
        return self.vocab is not None and self.vocab.lower(tok) not in EN_STOP

    def edge_ok(self, gram: str) -> bool:
        return self._edge_ok_zh(gram) if self.lang == "zh" else self._edge_ok_en(gram)

    @staticmethod
    def _edge_ok_zh(gram: str) -> bool:
        # an attributive left hanging at the end ("维护国际", "促进地区": of 国际/地区和平) or a clause cut after its
        # subject ("国际社会应", "国际社会一道") is a piece of a longer phrase
        if gram.endswith(_ZH_OPEN_END) or (gram.startswith("国际社会") and len(gram) > 4):
            return False
        return gram[0] not in _ZH_EDGE and gram[-1] not in _ZH_EDGE and not any(t in gram for t in _ZH_TITLES)

    def _edge_ok_en(self, gram: str) -> bool:
        assert self.vocab is not None
        words = self._words(gram)
        if words[0] in EN_STOP or words[-1] in EN_STOP or any(w in _EN_PERSONAL for w in words):
            return False
        shown = self.vocab.display(gram).split()
        if any(w in _EN_TITLES for w in words) and all(
                w[:1].isupper() for w, low in zip(shown, words, strict=True) if low not in EN_STOP):
            return False  # a title and a name: "President Xi Jinping"
        if any(low in _EN_INSTITUTIONS and w[:1].isupper() for w, low in zip(shown, words, strict=True)):
            return False
        return sum(w not in EN_STOP for w in words) >= self.opts.min_content_words

    def marked(self, gram: str) -> bool:
        # a formulation says something in its own words: at least one word that is neither a function word, nor a
        # place name, nor generic (Chinese: left over once the string is cut into generic words and names;
        # English: a word used in under generic_share of the background briefings) - "ready to work", "the two
        # sides", "China will continue", "有关报道", "中国政府" fail
        if self.lang == "zh":
            return _zh_uncovered(gram, self.zh_known) >= 2
        words, places, background = self._words(gram), self.en_places, self.background
        if len(words) > 2 and words[-1] in places and words[-2] in EN_STOP:
            return False  # an argument frame, not a unit: "relations between China", "cooperation with China"
        if len(words) == 2 and any(w in places for w in words):
            return False  # a name and one word: "China firmly", "China supports" (subject and verb, not a phrase)
        return any(w not in EN_STOP and w not in places and w not in _EN_PERSONAL
                   and (background is None or (background.share(w) < self.opts.generic_share
                                               and self.word_keyness(c) >= self.opts.min_word_keyness))
                   for c, w in zip(gram, words, strict=True))

    def _log_ratio(self, here_df: int, there_df: float) -> float:
        # log ratio of a briefing share here over the share in general political English (White House briefings)
        assert self.background is not None
        here = (here_df + 0.5) / (self.n_briefings + 1)
        return math.log(here / ((there_df + 0.5) / (self.background.documents + 1)))

    def word_keyness(self, tok: str) -> float:
        # how much more this government uses the word than general political English
        if self.background is None or not self.background.documents:
            return math.inf
        assert self.vocab is not None
        return self._log_ratio(self.df.get(tok, 0), self.background.df.get(self.vocab.lower(tok), 0))

    def keyness(self, gram: str) -> float:
        # phrases every government says ("around the world", "as soon as possible") score near zero
        if self.background is None or not self.background.documents:
            return math.inf
        return self._log_ratio(self.df[gram], self.background.phrase_df(self._words(gram)))

    def cohesion(self, gram: str) -> float:
        tf = self.tf
        return min(math.log(tf[gram] * self.total / (tf[gram[:k]] * tf[gram[k:]])) for k in range(1, len(gram)))

    def is_fragment(self, gram: str) -> bool:
        tf = self.tf[gram]
        # a neighbour that nearly always sits next to the phrase and is itself a content token means the phrase
        # is a piece of a longer one (cut at the length cap or at the wrong place): "湾是中国领土…" of "台湾是…"
        for ext in (self.left_ext.get(gram), self.right_ext.get(gram)):
            if ext:
                c, tok = max(ext)
                if c >= 0.8 * tf and self.content(tok):
                    return True
        # a closed unit combines freely at both edges: low branching entropy at an edge means the phrase was cut
        # out of a longer word or phrase ("国领导人" of "两国领导人", "cooperation in various" of "... fields")
        for side, ext in (("left", self.left_ext.get(gram)), ("right", self.right_ext.get(gram))):
            # Chinese: every neighbouring character counts except the particles that always sit between words
            counts = [c for c, tok in ext or ()
                      if (tok not in _ZH_PARTICLES if self.lang == "zh" else self.content(tok))]
            if _branching_entropy(counts, tf) < self.opts.min_edge_entropy:
                return True
            # Chinese, right edge: a few frequent neighbours account for nearly all its uses ("保持密切" + 沟通/合作)
            # (not the left edge, where a governing verb legitimately recurs: "构建" + "人类命运共同体")
            if side == "right" and sum(counts) > (1 - self.limits.min_free_edge) * tf:
                return True
        return False

    def is_personal(self, gram: str) -> bool:
        # spokesperson formulas ("[I have] noted relevant reports", "[I'd] like to stress"): the phrase mostly
        # follows a first/second person word, directly or one word further left
        if self.vocab is None:
            return False
        for _ in range(3):
            ext = self.left_ext.get(gram)
            if not ext:
                return False
            c, tok = max(ext)
            if c < 0.5 * self.tf[gram]:
                return False
            if self.vocab.lower(tok) in _EN_PERSONAL or self.vocab.lower(tok) in ("we", "i've", "i'd", "i'm", "we've"):
                return True
            gram = tok + gram
        return False

    # ---- steps 3 to 5 ----------------------------------------------------------------------------------------------

    def candidates(self) -> list[tuple[str, float]]:
        """(n-gram, cohesion) of every frequent n-gram that passes the tests of step 3 but the last."""
        lo, hi = self.limits.lengths
        out = []
        for gram, d in self.df.items():
            if (lo <= len(gram) <= hi and d >= self.min_df and self.edge_ok(gram) and self.marked(gram)
                    and not self.is_fragment(gram) and not self.is_personal(gram)
                    and self.keyness(gram) >= self.opts.min_keyness):
                coh = self.cohesion(gram)
                if coh >= self.opts.min_pmi:
                    out.append((gram, coh))
        return out

    def spokespersons_own(self, cands: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The candidates markedly more frequent in answers than in the reporters' questions."""
        if self.limits.min_answer_keyness == -math.inf:
            return cands
        asked, q_chars = _question_rates(self._read(), self.lang, [g for g, _ in cands], self.vocab)
        self._passed(2)
        q_chars, spoken_chars = q_chars or 1, self.spoken_chars or 1
        keep = []
        for gram, coh in cands:
            here = (self.tf[gram] + 0.5) / spoken_chars
            there = (asked.get(gram, 0) + 0.5) / q_chars
            if math.log(here / there) >= self.limits.min_answer_keyness:
                keep.append((gram, coh))
        return keep

    def maximal(self, cands: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Longest first: a phrase is accepted unless an accepted phrase containing it covers most of its uses."""
        cands = sorted(cands, key=lambda x: (-len(x[0]), -self.df[x[0]], x[0]))
        covered: dict[str, int] = defaultdict(int)
        accepted: list[tuple[str, float]] = []
        for gram, coh in cands:
            if covered.get(gram, 0) >= self.limits.absorb * self.tf[gram]:
                continue
            accepted.append((gram, coh))
            n = len(gram)
            for i in range(n):
                for j in range(i + 1, n + 1):
                    if j - i < n:
                        sub = gram[i:j]
                        covered[sub] = max(covered[sub], self.tf[gram])
        return accepted

    def formulations(self, accepted: list[tuple[str, float]]) -> list[Formulation]:
        """The accepted phrases with their uses over time (one automaton pass over the briefings)."""
        lang = self.lang
        uses = _scan(self._read(), lang, [g for g, _ in accepted], self.vocab)
        self._passed(3)
        held = self.held
        out = []
        for gram, coh in accepted:
            u = uses.get(gram)
            if u is None:  # counted inside segments but never found as a whole in normalised text
                continue
            if lang == "en" and any(w in _EN_INSTITUTIONS and s[:1].isupper()
                                    for s, w in zip(u.text.split(), u.text.lower().split(), strict=True)):
                continue  # printed as a name ("Foreign Affairs" of "Ministry of Foreign Affairs")
            out.append(Formulation(
                text=u.text, lang=lang, n_tokens=len(gram), briefings=u.briefings, occurrences=u.occurrences,
                cohesion=coh, first_date=u.first_date, first_briefing=u.first_key,
                last_date=u.last_date, last_briefing=u.last_key,
                spokespersons=dict(u.speakers.most_common()),
                months={m: [u.months.get(m, 0), held[m]] for m in sorted(held)},
                left_entropy=_entropy(u.left, u.boundaries), right_entropy=_entropy(u.right, u.boundaries)))
        return out


def _surface(text: str, briefing: Briefing) -> str:
    """The phrase as first printed ("UN Security Council"), rather than each word's commonest casing."""
    pattern = re.compile(r"(?<![\w'-])" + r"\s+".join(map(re.escape, text.split())) + r"(?![\w'-])", re.I)
    for _, spoken in _spoken(briefing):
        m = pattern.search(spoken.replace("’", "'"))
        if m:
            words = m.group(0).split()
            words[0] = text.split()[0]  # a sentence may capitalise the first word: keep its commonest casing
            return " ".join(words)
    return text


@dataclass(eq=False)  # one object per phrase, hashed by identity
class _Uses:
    text: str
    #: the briefings using it: how many, the first and last (date and key), how many each month (YYYY-MM)
    briefings: int = 0
    first_date: str = ""
    first_key: str = ""
    last_date: str = ""
    last_key: str = ""
    months: Counter = field(default_factory=Counter)
    occurrences: int = 0
    speakers: Counter = field(default_factory=Counter)
    left: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    #: occurrences at a segment edge (each counts as a distinct neighbour: punctuation is a perfect boundary)
    boundaries: int = 0


def _scan(briefings: Iterable[Briefing], lang: str, grams: list[str], vocab: _Vocab | None) -> dict[str, _Uses]:
    """Every use of the candidate phrases, found with one automaton pass over the briefings (in date order); an
    English phrase's text as first printed."""
    uses: dict[str, _Uses] = {}
    if not grams:
        return uses
    auto = ahocorasick.Automaton()
    for gram in grams:
        text = vocab.display(gram) if vocab else gram
        key = " " + text.lower() + " " if lang == "en" else text
        u = uses[gram] = _Uses(text)
        auto.add_word(key, (u, len(key) - 1))
    auto.make_automaton()
    en = lang == "en"
    for b in briefings:
        found: dict[_Uses, set[str]] = defaultdict(set)
        for speaker, text in _spoken(b):
            norm = normalise(text, lang)
            who = speaker or ""
            for end, (u, span) in auto.iter(norm):
                start = end - span
                u.occurrences += 1
                found[u].add(who)
                if en:  # the words either side (or "|")
                    lw = norm[norm.rfind(" ", 0, start) + 1:start]
                    after = norm.find(" ", end + 1)
                    rw = norm[end + 1:after] if after >= 0 else norm[end + 1:]
                else:
                    lw = norm[start - 1]
                    rw = norm[end + 1]
                if lw == "|" or not lw:
                    u.boundaries += 1
                else:
                    u.left[lw] += 1
                if rw == "|" or not rw:
                    u.boundaries += 1
                else:
                    u.right[rw] += 1
        if not found:
            continue
        key, date, month = b.key, b.date.isoformat(), b.date.strftime("%Y-%m")
        for u, who in found.items():
            if not u.briefings:
                u.first_key, u.first_date = key, date
                if lang == "en":
                    u.text = _surface(u.text, b)
            u.briefings += 1
            u.last_key, u.last_date = key, date
            u.months[month] += 1
            for s in sorted(who):  # sorted: ties keep one order, whatever the hash seed
                if s:
                    u.speakers[s] += 1
    return {g: u for g, u in uses.items() if u.briefings}


def _question_rates(briefings: Iterable[Briefing], lang: str, grams: list[str],
                    vocab: _Vocab | None) -> tuple[dict[str, int], int]:
    """How often each candidate occurs in the reporters' questions (one automaton pass), and the characters of
    normalised question text scanned."""
    counts: dict[str, int] = defaultdict(int)
    if not grams:
        return counts, 0
    auto = ahocorasick.Automaton()
    for gram in grams:
        text = vocab.display(gram) if vocab else gram
        auto.add_word(" " + text.lower() + " " if lang == "en" else text, gram)
    auto.make_automaton()
    q_chars = 0
    for b in briefings:
        for ex in b.exchanges:
            norm = normalise(ex.question_text, lang)
            q_chars += len(norm)
            for _, gram in auto.iter(norm):
                counts[gram] += 1
    return counts, q_chars


def _entropy(counts: Counter, singletons: int = 0) -> float:
    """Branching entropy of a phrase's neighbour ``counts`` plus ``singletons`` distinct one-off boundaries."""
    return _branching_entropy(list(counts.values()), counts.total() + singletons)


# ---- tagging --------------------------------------------------------------------------------------------------

class FormulationsPass:
    """Tags each exchange with the mined formulations its answer uses (value: list of formulation texts).

    Built with the formulation list the store holds (``[{"text", "lang", "series"}, ...]`` or ``Formulation``
    objects); a briefing is tagged only with the phrases mined from its own series and language. With none it
    writes nothing. Its version carries a hash of the list, so re-mining re-tags every briefing.
    """

    name = "formulations"

    def __init__(self, formulations: Iterable[Any] = ()) -> None:
        items: list[tuple[str, str, str]] = []
        for f in formulations:
            if isinstance(f, Formulation):
                items.append((f.series, f.lang, f.text))
            else:
                items.append((f.get("series") or "", f["lang"], f["text"]))
        items = sorted(set(items))
        digest = hashlib.sha1("\n".join("\t".join(i) for i in items).encode()).hexdigest()[:10]
        self.version = f"{VERSION}.{digest}" if items else f"{VERSION}.empty"
        self.count = len(items)
        self._auto: dict[tuple[str, str], ahocorasick.Automaton] = {}
        for series, flang, text in items:
            if flang not in ("en", "zh"):
                continue
            auto = self._auto.get((series, flang))
            if auto is None:
                auto = self._auto[(series, flang)] = ahocorasick.Automaton()
            auto.add_word(" " + text.lower() + " " if flang == "en" else text, text)
        for auto in self._auto.values():
            auto.make_automaton()

    def find(self, text: str, lang: str, series: str = "") -> list[str]:
        """The formulations of that series and language used in the text, in order of first use, no repeats."""
        auto = self._auto.get((series, lang))
        if auto is None or not text:
            return []
        return list(dict.fromkeys(t for _, t in auto.iter(normalise(text, lang))))

    def annotate(self, briefing: Briefing) -> list[Annotation]:
        if (briefing.series, briefing.lang) not in self._auto:
            return []
        out = []
        for ex in briefing.exchanges:
            found = self.find(ex.answer_text, briefing.lang, briefing.series)
            out.append(Annotation(
                exchange_n=ex.n, kind=self.name, label=None, value=found, confidence=None,
                evidence=None, method=METHOD, version=self.version))
        return out

