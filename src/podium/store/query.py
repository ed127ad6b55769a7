"""podium's search query language, parsed here (not by tantivy) so that podium decides fields and errors.

    tariffs                 a word; matches its inflections (tariff, tariffs) unless exact=True
    "one China"             an exact phrase: those word forms in that order (case- and accent-insensitive)
    美方                    Chinese: the characters in sequence (always exact)
    trade AND war           both (also: trade war — juxtaposition means AND)
    Taiwan OR Taipei        either
    NOT Hong, -Hong         without
    sanction*               words starting with "sanction"
    (Huawei OR ZTE) AND "5G"  grouping
    *                       every exchange (to browse by filters alone)

Operators are upper-case; lower-case and/or/not are ordinary words. A malformed query raises QueryError
with a message saying what is wrong and where.

Limits (each cost a search can run up is bounded; beyond them the query is refused with QueryError, which the
web answers with 400): ``MAX_QUERY_CHARS`` characters, ``MAX_TERMS`` words/phrases/prefixes, ``MAX_PREFIXES``
prefix* terms (each expands over the index's vocabulary), and ``MAX_DEPTH`` levels of parentheses and NOT.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import tantivy

from ..errors import QueryError
from .index import EXACT_FIELD
from .text import HAN_RE, TOKEN_RE, Pattern, bigrams, fold, normalize, stem, stemmable

#: Longest query accepted, in characters.
MAX_QUERY_CHARS = 2000
#: Most words, phrases and prefixes in one query.
MAX_TERMS = 100
#: Most prefix* terms in one query.
MAX_PREFIXES = 10
#: Deepest nesting of parentheses and NOT.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Term:
    """A leaf: kind "word", "phrase" or "prefix"; ``text`` as the user wrote it."""

    kind: str
    text: str


@dataclass(frozen=True)
class All:
    """Every exchange: the query ``*`` alone."""


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | All | And | Or | Not

_LEX = re.compile(r'\s*(?:(?P<phrase>"[^"]*"?)|(?P<lp>\()|(?P<rp>\))|(?P<word>[^\s()"]+))')


def _lex(query: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    query = query.replace("“", '"').replace("”", '"').replace("（", "(").replace("）", ")")
    while pos < len(query):
        m = _LEX.match(query, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            break
        val = m.group(kind)
        at = m.start(kind)
        if kind == "phrase":
            if len(val) < 2 or not val.endswith('"'):
                raise QueryError(f'unbalanced quote at character {at + 1}: close the phrase with "')
            tokens.append(("phrase", val[1:-1], at))
        elif kind == "word":
            if val in ("AND", "OR", "NOT"):
                tokens.append((val, val, at))
            elif val.startswith("-") and len(val) > 1:
                tokens.append(("NOT", "-", at))
                tokens.append(("word", val[1:], at + 1))
            else:
                tokens.append(("word", val, at))
        else:
            tokens.append((kind, val, at))
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.depth = 0
        terms = [t for t in self.toks if t[0] in ("word", "phrase")]
        if len(terms) > MAX_TERMS:
            raise QueryError(f"the query has {len(terms)} terms; podium searches at most {MAX_TERMS} at once: "
                             "split it into several searches")
        prefixes = sum(1 for t in terms if t[0] == "word" and t[1].endswith("*"))
        if prefixes > MAX_PREFIXES:
            raise QueryError(f"the query has {prefixes} prefix* terms; podium allows at most {MAX_PREFIXES} in one "
                             "search (each expands to every word starting so)")

    def deeper(self, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"the query nests parentheses and NOT more than {MAX_DEPTH} levels deep (at "
                             f"character {at + 1}); write it flatter")

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError("empty query: give a word, a \"phrase\" or a prefix*")
        node = self.or_expr()
        if self.peek() is not None:
            kind, val, at = self.peek()  # type: ignore[misc]
            if kind == "rp":
                raise QueryError(f"unbalanced parenthesis: ')' at character {at + 1} closes nothing")
            raise QueryError(f"unexpected {val!r} at character {at + 1}")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while (t := self.peek()) is not None and t[0] == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while (t := self.peek()) is not None and t[0] not in ("OR", "rp"):
            if t[0] == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        t = self.peek()
        if t is None:
            raise QueryError(f"the query ends with an operator: {self.query.strip()!r} needs a term after it")
        if t[0] == "NOT":
            self.take()
            self.deeper(t[2])
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        kind, val, at = self.take()
        if kind == "lp":
            if (t := self.peek()) is not None and t[0] == "rp":
                raise QueryError(f"empty parentheses at character {at + 1}")
            self.deeper(at)
            node = self.or_expr()
            self.depth -= 1
            t = self.peek()
            if t is None or t[0] != "rp":
                raise QueryError(f"unbalanced parenthesis: '(' at character {at + 1} is never closed")
            self.take()
            return node
        if kind == "phrase":
            if not TOKEN_RE.search(val):
                raise QueryError(f'empty phrase at character {at + 1}: put words between the quotes')
            return Term("phrase", val)
        if kind == "word":
            if val.endswith("*"):
                stem_ = val.rstrip("*")
                if "*" in stem_ or not stem_:
                    raise QueryError(f"bad prefix {val!r} at character {at + 1}: write letters then one *, "
                                     "e.g. sanction*")
                if len(TOKEN_RE.findall(stem_)) != 1 or TOKEN_RE.fullmatch(normalize(stem_)) is None:
                    raise QueryError(f"bad prefix {val!r} at character {at + 1}: a prefix is one word "
                                     "(letters or digits) followed by *")
                if len(stem_) < 2 and not HAN_RE.fullmatch(stem_):
                    raise QueryError(f"prefix {val!r} at character {at + 1} is too short: give at least two "
                                     "letters before the *")
                return Term("prefix", stem_)
            if not TOKEN_RE.search(val):
                raise QueryError(f"{val!r} at character {at + 1} has no letters or digits to search for")
            return Term("word", val)
        if kind == "rp":
            raise QueryError(f"unexpected ')' at character {at + 1}")
        raise QueryError(f"{val} at character {at + 1} needs a term before and after it")


def parse(query: str) -> Node:
    """Parse a query string into a tree; QueryError when malformed."""
    if query is None or not str(query).strip():
        raise QueryError("empty query: give a word, a \"phrase\" or a prefix* (or * for every exchange)")
    if str(query).strip() == "*":
        return All()
    if len(str(query)) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(str(query)):,} characters long; podium accepts at most "
                         f"{MAX_QUERY_CHARS:,}")
    return _Parser(str(query)).parse()


# ---- tree -> tantivy --------------------------------------------------------------------------------------------

def _leaf_spec(term: Term, exact: bool) -> tuple[str, tuple[str, ...]]:
    """(kind, terms) of a leaf: "seq" (folded words in sequence over the exact field), "stem", "prefix", or "han"
    (Han characters standing together in one run)."""
    text = normalize(term.text)
    if term.kind == "prefix":
        if HAN_RE.fullmatch(text):
            return "han", (text,)  # 中*: every run holding 中 (a run is not cut into words)
        return "prefix", (fold(text),)
    raw = TOKEN_RE.findall(text)
    if raw and all(HAN_RE.fullmatch(w) for w in raw):
        return "han", ("".join(raw),)  # a Chinese word: its characters in sequence
    if term.kind == "word" and not exact and len(raw) == 1 and stemmable(fold(raw[0])):
        return "stem", (stem(raw[0]),)
    # phrases, exact words, words of scripts the stemmer does not know and words that split (one-China, G20峰会)
    # are exact word sequences: a stemmed phrase would let "one China" match "on China"
    return "seq", tuple(fold(w) for w in raw)


def _han_one(char: str) -> str:
    """A regex for the exact field's terms holding one Han character: a run of it alone, or a bigram."""
    c = re.escape(char)
    return f"{c}|{c}.|.{c}"


def _seq_slots(terms: tuple[str, ...]) -> list[tuple[bool, str]]:
    """The exact field's terms, position by position, that a sequence of words is: (is_regex, term or regex).

    The field holds words, and each run of Han characters as its bigrams, so the Han characters standing
    together in a sequence are one run's bigrams (G20峰会 -> g20 峰会): the run starts right after a word before
    it and ends right before a word after it, which the positions already say. A single Han character between
    two words is a run of its own; at an end of the sequence it is the first character of a run (last place) or
    its last (first place)."""
    groups: list[str | list[str]] = []  # a word, or Han characters in sequence
    for t in terms:
        if HAN_RE.fullmatch(t):
            if groups and isinstance(groups[-1], list):
                groups[-1].append(t)
            else:
                groups.append([t])
        else:
            groups.append(t)
    slots: list[tuple[bool, str]] = []
    for i, g in enumerate(groups):
        if isinstance(g, str):
            slots.append((False, g))
        elif len(g) > 1:
            slots.extend((False, b) for b in bigrams("".join(g)))
        elif 0 < i < len(groups) - 1:
            slots.append((False, g[0]))
        else:
            c = re.escape(g[0])
            slots.append((True, f"{c}|.{c}" if i == 0 else f"{c}|{c}."))
    return slots


def _han_query(schema: tantivy.Schema, word: str) -> tantivy.Query:
    if len(word) == 1:
        return tantivy.Query.regex_query(schema, EXACT_FIELD, _han_one(word))
    grams = bigrams(word)
    if len(grams) == 1:
        return tantivy.Query.term_query(schema, EXACT_FIELD, grams[0])
    return tantivy.Query.phrase_query(schema, EXACT_FIELD, grams)


def to_tantivy(node: Node, schema: tantivy.Schema, *, exact: bool = False,
               inflections: Callable[[str], list[str]] | None = None) -> tantivy.Query:
    """The tantivy query for a tree (ranked by BM25). ``inflections(stem)``: the index's words with that stem,
    which an unquoted word finds (``FullTextIndex.stem_terms``; without it, the word's own form only)."""
    if isinstance(node, All):
        return tantivy.Query.all_query()
    if isinstance(node, Term):
        kind, terms = _leaf_spec(node, exact)
        if kind == "stem":
            forms = inflections(terms[0]) if inflections is not None else [fold(node.text)]
            if not forms:
                return tantivy.Query.empty_query()
            if len(forms) == 1:
                return tantivy.Query.term_query(schema, EXACT_FIELD, forms[0])
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, EXACT_FIELD, f))
                                                for f in forms])
        if kind == "prefix":
            return tantivy.Query.regex_query(schema, EXACT_FIELD, re.escape(terms[0]) + ".*")
        if kind == "han":
            return _han_query(schema, terms[0])
        slots = _seq_slots(terms)
        if any(is_regex for is_regex, _ in slots):
            return tantivy.Query.regex_phrase_query(schema, EXACT_FIELD, [t if is_regex else re.escape(t)
                                                                          for is_regex, t in slots])
        if len(slots) == 1:
            return tantivy.Query.term_query(schema, EXACT_FIELD, slots[0][1])
        return tantivy.Query.phrase_query(schema, EXACT_FIELD, [t for _, t in slots])

    def sub(part: Node) -> tantivy.Query:
        return to_tantivy(part, schema, exact=exact, inflections=inflections)

    if isinstance(node, Not):
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                            (tantivy.Occur.MustNot, sub(node.part))])
    occur = tantivy.Occur.Must if isinstance(node, And) else tantivy.Occur.Should
    subs: list[tuple[tantivy.Occur, tantivy.Query]] = []
    positives = 0
    for part in node.parts:
        if isinstance(part, Not) and isinstance(node, And):
            subs.append((tantivy.Occur.MustNot, sub(part.part)))
        else:
            subs.append((occur, sub(part)))
            positives += 1
    if not positives:
        subs.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(subs)


def patterns(node: Node, *, exact: bool = False) -> list[Pattern]:
    """What the match spans mark: every leaf not under a NOT."""
    out: list[Pattern] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            kind, terms = _leaf_spec(n, exact)
            out.append(Pattern(kind, terms))
        elif isinstance(n, (And, Or)):
            for p in n.parts:
                walk(p)

    walk(node)
    return out
