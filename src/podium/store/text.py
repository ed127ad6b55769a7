"""How podium cuts transcript text into words: the tokeniser shared by the index, match spans and kwic.

One rule, used everywhere so that what the index finds is what the spans mark:

* a word is a run of letters/digits (Unicode ``\\w`` minus ``_``), except that every Han character is a word
  of its own;
* words are compared lowercased and accent-folded (``Café`` = ``cafe``); an unquoted word also finds the other
  words of its Porter/Snowball stem (``relations`` finds ``relation``, ``relations``: the index's words with
  that stem, looked up in its term dictionary at query time).

Chinese is not segmented into words: a query such as 美方 or 一带一路 finds every place where those characters
stand in sequence (inside one run of Han characters) — never missed because a segmenter cut a sentence
differently from the query (segmenters disagree on 美方表示 vs 中美方面, and none ships offline with podium's
dependencies). The cost is the occasional match across a word boundary (美方 inside 欧美方面), which a reader of
the marked hit sees at once. The index holds each run of Han characters as its overlapping bigrams (美方表示 ->
美方 方表 表示; a run of one character as itself), in the same field and position sequence as the other words:
a two-character word is ONE term lookup, a longer one a phrase of bigrams, one character a lookup of the
bigrams holding it, and G20峰会 the word g20 followed by the run that starts 峰会. Measured at 1M resampled
exchanges (two thirds Chinese), 10 common words (美方 台湾 香港 美国 疫情 一带一路 南海 主权 贸易 日方): as phrases
of single characters p50 43 ms / p95 179 ms (load ~7), because characters such as 美 and 国 occur in nearly
every Chinese exchange; with bigrams p50 3.2 ms / p95 15 ms under the same load, 0.9 / 5.3 ms on a quieter
machine (benchmarks/bench_search.py). Holding the characters once more one by one (as index version 5 did)
doubled the index's work for Chinese and served only one-character queries.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import tantivy

from ..text import sentence_spans as sentences  # the one splitter (kwic --sentence)

_HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF)]
_HAN_PY = "".join(f"{chr(a)}-{chr(b)}" for a, b in _HAN_RANGES)

#: The tokeniser (match spans, kwic, query words): what tantivy's simple tokenizer cuts, every Han character apart.
TOKEN_RE = re.compile(rf"[{_HAN_PY}]|[^\W_{_HAN_PY}]+")
HAN_RE = re.compile(rf"[{_HAN_PY}]")
HAN_RUN_RE = re.compile(rf"[{_HAN_PY}]+")
_WORD_OR_RUN = re.compile(rf"[{_HAN_PY}]+|[^\W_{_HAN_PY}]+")  # a run of Han characters, or a word


def index_texts(texts: Sequence[str]) -> list[str]:
    """Each question's or answer's text as podium hands it to tantivy, which tokenises (simple tokenizer, ASCII
    folding): NFC, lowercased (``lower``), and every run of Han characters replaced by its overlapping bigrams, spaced
    (美方表示 -> " 美方 方表 表示 "; a run of one character stands as itself). Words of other scripts are left
    to tantivy.

    One call for many texts: the texts with Han characters are rewritten together, as arrays of code points
    (numpy), instead of a Python loop over each run of each text — the Python cost of a rebuild was half its
    time when the index held Han characters one by one and as bigrams besides."""
    out = [lower(normalize(t)) for t in texts]
    han = [i for i, t in enumerate(out) if not t.isascii() and HAN_RE.search(t) is not None]
    if not han:
        return out
    import numpy as np  # only writers get here: a search never imports numpy

    # "\x00" ends each text (no word character: replacing one inside a text changes no token)
    joined = "\x00".join(out[i].replace("\x00", " ") for i in han)
    c = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    h = np.zeros(len(c), dtype=bool)
    for a, b in _HAN_RANGES:
        h |= (c >= a) & (c <= b)
    prev = np.zeros_like(h)
    prev[1:] = h[:-1]
    nxt = np.zeros_like(h)
    nxt[:-1] = h[1:]
    # up to four code points per input character: [space at a run's start] the character [the next one, when both
    # are Han: a bigram] [space after a bigram or a lone character]; a run's last character was said by its bigram
    none = np.uint32(0xFFFFFFFF)
    grid = np.full((len(c), 4), none, dtype="<u4")
    grid[h & ~prev, 0] = 32
    says = ~h | nxt | ~prev
    grid[says, 1] = c[says]
    pair = h & nxt
    grid[pair, 2] = c[1:][pair[:-1]]
    grid[h & (nxt | ~prev), 3] = 32
    flat = grid.ravel()
    text = flat[flat != none].tobytes().decode("utf-32-le", "surrogatepass")
    for i, t in zip(han, text.split("\x00"), strict=True):
        out[i] = t
    return out


def index_words(text: str) -> list[str]:
    """The words the exact field holds for a text, in order (a Python statement of ``index_texts`` followed by
    tantivy's tokenizer: words folded, each run of Han characters as its bigrams)."""
    out: list[str] = []
    for m in _WORD_OR_RUN.finditer(normalize(text)):
        w = m.group()
        if HAN_RE.match(w):
            out.extend(bigrams(w) if len(w) > 1 else [w])
        else:
            out.append(fold(w))
    return out


def bigrams(word: str) -> list[str]:
    return [word[i:i + 2] for i in range(len(word) - 1)]

EXACT_ANALYZER = "podium_exact"


def _builder() -> tantivy.TextAnalyzerBuilder:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.ascii_fold())


def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The analyzers to register on every tantivy index podium opens (tantivy does not persist them): tantivy's
    simple tokenizer and ASCII folding over text that ``lower`` has lowercased (tantivy's lowercase filter
    rewrites every token that is not ASCII, each Han bigram among them: a fifth of the engine's work on the MFA
    corpus, against half a second of ``str.lower`` per 200,000 exchanges)."""
    return {EXACT_ANALYZER: _builder().build()}


_EXACT = analyzers()[EXACT_ANALYZER]
_STEM = _builder().filter(tantivy.Filter.stemmer("english")).build()


def lower(text: str) -> str:
    """Lowercased before tantivy cuts words, the index's text and every query word alike: one character for one
    (``str.lower`` alone makes a word-final capital sigma ς, and İ an i with a combining dot, where tantivy's
    tokenizer would cut the word in two)."""
    if text.isascii():
        return text.lower()
    return text.replace("Σ", "σ").replace("İ", "i").lower()


def normalize(text: str) -> str:
    """NFC, so that a decomposed accent is part of its word in both tokenisers."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """A word as the exact field stores it (lowercased, accent-folded), through tantivy's own filters."""
    toks = _EXACT.analyze(lower(word))
    return toks[0] if len(toks) == 1 else "".join(toks)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A word's Snowball stem (what an unquoted word is looked up by)."""
    toks = _STEM.analyze(lower(word))
    return toks[0] if len(toks) == 1 else "".join(toks)


def stemmable(folded: str) -> bool:
    """Whether an unquoted word is looked up by its stem: a folded word of ASCII letters and digits (the English
    stemmer has nothing to do with other scripts, which are looked up as written)."""
    return folded.isascii() and folded.isalnum()


# ---- matching: the spans of a query's matches ---------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    """One positive thing a query looks for, in a form that can be matched against tokens.

    kind: "seq" (folded words in sequence: a phrase, a hyphenated word), "han" (a string of two or more Han
    characters, found as a substring within a run of Han characters), "stem" (one stemmed word), "prefix"
    (folded words starting with it).
    """

    kind: str
    terms: tuple[str, ...]


_NON_ASCII_WORD = re.compile(r"[^\W_\x00-\x7f]")


def stem_starts(stemmed: str) -> tuple[str, ...]:
    """How every word with this stem starts: the stem's first three letters (Snowball changes a word's end, never
    its first three letters; a stem of two or three letters: all but its last), and for a stem in -ie also the
    -y form (dying -> die, vying -> vie). Checked on every ASCII word of the MFA and White House corpora."""
    starts = (stemmed[:max(1, min(3, len(stemmed) - 1))],)  # never empty: a one-letter word starts with itself
    if stemmed.endswith("ie") and len(stemmed) > 2:
        starts += (stemmed[:-2] + "y",)
    return starts


@lru_cache(maxsize=4096)
def _ascii_regex(p: Pattern) -> re.Pattern[str] | None:
    """A regex finding ``p``'s matches in the lowercased text of a text whose words are all ASCII, to be checked
    for starting at a word's start; None if nothing can match. It starts with the pattern's letters (no
    look-behind, no IGNORECASE), so that the regex engine scans for them at C speed.

    "stem" finds candidates (words starting as the stem starts, Snowball changing only a stem's last letter),
    which the caller checks with ``stem``."""
    if not all(t.isascii() for t in p.terms) or any(not t for t in p.terms):
        return None
    if p.kind == "seq":
        return re.compile(r"[^a-z0-9]+".join(re.escape(t) for t in p.terms) + r"(?![a-z0-9])")
    word = p.terms[0]
    if p.kind == "prefix":
        return re.compile(re.escape(word) + "[a-z0-9]*")
    if p.kind == "stem":
        return re.compile("(?:" + "|".join(re.escape(x) for x in stem_starts(word)) + ")[a-z0-9]*")
    return None


def _find_ascii(text: str, patterns: list[Pattern], spans: list[tuple[int, int]]) -> None:
    low = text.lower()  # same length: the text's letters are all ASCII
    for p in patterns:
        rx = _ascii_regex(p)
        if rx is None:
            continue
        pos = 0
        while (m := rx.search(low, pos)) is not None:
            s, e = m.span()
            # a seq may overlap the next match ("a a" in "a a a"): go on from the next character; an empty match
            # must not keep the search where it is
            pos = s + 1 if p.kind == "seq" or e == s else e
            if s and low[s - 1].isalnum():  # not at a word's start
                continue
            if p.kind == "stem" and stem(m.group()) != p.terms[0]:
                continue
            spans.append((s, e))


def _find_words(text: str, patterns: list[Pattern], spans: list[tuple[int, int]]) -> None:
    """The general matcher: cut the text into words, fold (and stem) each, compare."""
    toks = [m.span() + (m.group(),) for m in TOKEN_RE.finditer(text)]
    folded = [fold(t[2]) for t in toks]
    stems: list[str] | None = None
    for p in patterns:
        if p.kind == "seq":
            k = len(p.terms)
            first = p.terms[0]
            # Han characters next to each other in the sequence stand together in the text (one run: the index
            # holds a run as its bigrams), not across punctuation as words may
            joined = [j for j in range(1, k) if HAN_RE.match(p.terms[j - 1]) and HAN_RE.match(p.terms[j])]
            for i, f in enumerate(folded):
                if f == first and tuple(folded[i:i + k]) == p.terms and \
                        all(toks[i + j - 1][1] == toks[i + j][0] for j in joined):
                    spans.append((toks[i][0], toks[i + k - 1][1]))
        elif p.kind == "stem":
            if stems is None:
                stems = [stem(t[2]) for t in toks]
            for i, s in enumerate(stems):
                if s == p.terms[0]:
                    spans.append((toks[i][0], toks[i][1]))
        elif p.kind == "prefix":
            for i, f in enumerate(folded):
                if f.startswith(p.terms[0]):
                    spans.append((toks[i][0], toks[i][1]))


def find(text: str, patterns: list[Pattern]) -> list[tuple[int, int]]:
    """Character spans of ``text`` (already NFC) matched by any pattern, merged and in order."""
    if not patterns or not text:
        return []
    spans: list[tuple[int, int]] = []
    for p in patterns:
        if p.kind == "han":
            word = p.terms[0]
            at = text.find(word)
            while at >= 0:
                spans.append((at, at + len(word)))
                at = text.find(word, at + 1)
    patterns = [p for p in patterns if p.kind != "han"]
    if patterns and _NON_ASCII_WORD.search(text) is None:
        # every word of this text is ASCII (its other characters may not be: curly quotes, dashes), so a word
        # folds to its lowercase and one regex per pattern finds its matches without cutting the whole text
        # into words in Python (5x faster on MFA answers)
        _find_ascii(text, patterns, spans)
        patterns = []
    if patterns:
        _find_words(text, patterns, spans)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


# ---- sentences and key words in context ------------------------------------------------------------------------

def _spaces(text: str) -> str:
    """Runs of white space (line breaks included) as one space; nothing added or taken at the ends."""
    return re.sub(r"\s+", " ", text)


def kwic_lines(text: str, patterns: list[Pattern], *, window: int = 8,
               sentence: bool = False) -> list[tuple[str, str, str]]:
    """(left, keyword, right) for every match: ``window`` words each side, or the rest of the sentence.

    Plain text (not escaped). ``left + keyword + right`` is the original text (white space runs shown as one
    space): the space before and after the hit is kept as it stands ("[Hong Kong]," stays "Hong Kong,", and
    香港海关 is not spaced). Chinese context is counted in characters-as-words, like the index.
    """
    text = normalize(text)
    spans = find(text, patterns)
    if not spans:
        return []
    out: list[tuple[str, str, str]] = []
    if sentence:
        sents = sentences(text)
        for s, e in spans:
            a, b = next(((a, b) for a, b in sents if a <= s < b), (0, len(text)))
            out.append((_spaces(text[a:s]).lstrip(), text[s:e], _spaces(text[e:max(b, e)]).rstrip()))
        return out
    toks = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    starts = [t[0] for t in toks]
    for s, e in spans:
        i = bisect.bisect_left(starts, s)
        j = bisect.bisect_left(starts, e)  # first token after the match
        left_start = toks[max(0, i - window)][0] if i > 0 and window else s
        right_end = toks[min(len(toks), j + window) - 1][1] if j < len(toks) and window else e
        left = text[left_start:s]
        right = text[e:right_end] if j < len(toks) else text[e:].rstrip()
        out.append((_spaces(left), text[s:e], _spaces(right)))
    return out
