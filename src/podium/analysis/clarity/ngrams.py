"""The answer's n-gram features as the shipped model reads them: scikit-learn's ``TfidfVectorizer.transform``
(lowercase; word uni- and bigrams, ``char_wb`` or ``char`` n-grams; sublinear tf, smoothed idf, l2 norm) done again,
bit for bit, from the shipped terms and idf, faster.

Why not scikit-learn's own: both stages of the model read the same answer, and each vectorizer counted its n-grams
again (four passes over every answer, in a Python loop per n-gram: 60% of the clarity pass). Here a field (the
answer's words, or its opening's characters) is counted once over the union of both stages' terms (``NGrams``,
with C-level counting), and each stage takes its own columns and weighs them (``Tfidf``). The output equals
scikit-learn's to the last bit (``tests/test_clarity.py`` compares them on labelled answers), so the labels do too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np

__all__ = ["NGrams", "Tfidf"]

# scikit-learn's default token pattern and white-space normalisation (``_VectorizerMixin``)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")


def _words(doc: str) -> list[str]:
    return _TOKEN.findall(doc.lower())


def _chars(doc: str) -> str:
    return _WHITE_SPACES.sub(" ", doc.lower())


def _chars_wb(doc: str) -> str:
    # each word padded with a space on both sides, laid end to end: the n-grams that straddle two words all hold
    # the two spaces where they meet, which no term holds (checked in NGrams), so they count for nothing
    return " " + "  ".join(doc.lower().split()) + " "


#: the separator between documents laid end to end: no term holds it, so no n-gram across two documents counts
_SEP = "\x00"


class NGrams:
    """One field's n-grams counted over a fixed list of terms.

    A document is read as a sequence of units (words, or characters), each unit a number (0: in no term), and an
    n-gram as the n-digit number in base (units + 1) that its units spell: every n-gram of a batch is then a
    window of one array, found among the terms' numbers by a binary search, with no Python loop per n-gram.
    ``count`` gives, for a batch of documents, the sorted (document * terms + term) keys of the terms they hold
    and how often each holds it. The last batch is kept, so that the model's two stages reading the same answers
    count them once."""

    def __init__(self, analyzer: str, ngram_range: tuple[int, int], terms: Sequence[str]) -> None:
        if analyzer not in ("word", "char", "char_wb"):
            raise ValueError(f"unknown analyzer {analyzer!r}")
        self.analyzer, self.ngram_range = analyzer, ngram_range
        self.index = {t: i for i, t in enumerate(terms)}
        lo, hi = ngram_range
        if analyzer == "word":
            units = sorted({u for t in terms for u in t.split(" ")})
            self._word_id = {u: i + 1 for i, u in enumerate(units)}
            spelled = [[self._word_id[u] for u in t.split(" ")] for t in terms]
        else:
            units = sorted(set("".join(terms)))
            if _SEP in units or (analyzer == "char_wb" and any("  " in t for t in terms)):
                raise ValueError(f"{analyzer} terms hold a character no {analyzer} analyzer makes")
            self._char_id = np.zeros(ord(units[-1]) + 1 if units else 1, dtype=np.int64)
            self._char_id[[ord(u) for u in units]] = np.arange(1, len(units) + 1)
            spelled = [[int(self._char_id[ord(c)]) for c in t] for t in terms]
        self._base = len(units) + 1
        if self._base ** hi >= 2**62:
            raise ValueError(f"{len(units)} units: {hi}-grams do not fit in 62 bits")
        keys = np.array([_number(u, self._base) if lo <= len(u) <= hi else -1 for u in spelled], dtype=np.int64)
        self._order = np.argsort(keys)
        self._sorted = keys[self._order]
        self._last: tuple[list[str], tuple[Any, Any]] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.index)

    def _units(self, docs: list[str]) -> tuple[Any, Any]:
        """The documents' units laid end to end, a 0 after each, and the document of each position."""
        if self.analyzer == "word":
            words: list[str] = []
            lengths = []
            for doc in docs:
                w = _words(doc)
                words += w
                words.append(_SEP)
                lengths.append(len(w) + 1)
            ids = np.fromiter(map(self._word_id.get, words, repeat(0)), dtype=np.int64, count=len(words))
        else:
            texts = [(_chars_wb if self.analyzer == "char_wb" else _chars)(d) for d in docs]
            lengths = [len(t) + 1 for t in texts]
            # surrogatepass: a lone surrogate (from JSON input) is a character like any other, in no term
            laid = (_SEP.join(texts) + _SEP).encode("utf-32-le", "surrogatepass")
            codes = np.frombuffer(laid, dtype=np.uint32).astype(np.int64)
            table = self._char_id
            ids = np.where(codes < len(table), table[np.minimum(codes, len(table) - 1)], 0)
        return ids, np.repeat(np.arange(len(docs), dtype=np.int64), lengths)

    def count(self, docs: Sequence[str]) -> tuple[Any, Any]:
        docs = list(docs)
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        last = self._last
        if last is not None and last[0] == docs:
            return last[1]
        ids, doc_of = self._units(docs)
        lo, hi = self.ngram_range
        found_doc, found_term = [], []
        for n in range(lo, hi + 1):
            m = len(ids) - n + 1
            if m <= 0:
                break
            key = ids[:m].copy()
            known = ids[:m] > 0
            for k in range(1, n):
                key *= self._base
                key += ids[k : k + m]
                known &= ids[k : k + m] > 0
            key = key[known]
            at = np.minimum(np.searchsorted(self._sorted, key), len(self._sorted) - 1)
            hit = self._sorted[at] == key
            found_doc.append(doc_of[:m][known][hit])
            found_term.append(self._order[at[hit]])
        if found_doc:
            keys, counts = np.unique(np.concatenate(found_doc) * len(self.index) + np.concatenate(found_term),
                                     return_counts=True)
        else:
            keys, counts = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        with self._lock:
            self._last = (docs, (keys, counts))
        return keys, counts


def _number(units: list[int], base: int) -> int:
    n = 0
    for u in units:
        n = n * base + u
    return n


class Tfidf:
    """``TfidfVectorizer.transform`` (sublinear tf, the given idf, l2 norm) of one stage over its terms, counted by
    a shared ``NGrams`` whose terms include them."""

    def __init__(self, ngrams: NGrams, terms: Sequence[str], idf: Any) -> None:
        self.ngrams = ngrams
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.idf_ = np.asarray(idf, dtype=np.float64)
        if len(self.idf_) != len(terms):
            raise ValueError(f"{len(terms)} terms but {len(self.idf_)} idf values")
        # the stage's column of each of the shared terms (-1: not one of this stage's)
        self._column = np.full(len(ngrams), -1, dtype=np.int64)
        self._column[[ngrams.index[t] for t in terms]] = np.arange(len(terms))
        self._in_order = bool(np.all(np.diff(self._column[self._column >= 0]) > 0))

    def transform(self, docs: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix  # ~0.3 s: imported where a model is applied

        n_docs, n_terms = len(docs), len(self.vocabulary_)
        keys, counts = self.ngrams.count(docs)
        doc, term = np.divmod(keys, len(self.ngrams))
        col = self._column[term]
        mine = col >= 0
        doc, col, data = doc[mine], col[mine], counts[mine].astype(np.float64)
        if not self._in_order:  # keys are sorted by document, then shared term: sort by this stage's column
            order = np.argsort(doc * n_terms + col)
            doc, col, data = doc[order], col[order], data[order]
        # sublinear tf and idf, in scikit-learn's operations and order
        np.log(data, data)
        data += 1.0
        data *= self.idf_[col]
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=n_docs), out=indptr[1:])
        _normalize_rows(data, indptr)
        return csr_matrix((data, col.astype(np.int32), indptr.astype(np.int32)), shape=(n_docs, n_terms))


def _normalize_rows(data: Any, indptr: Any) -> None:
    """Each row divided by its l2 norm, the sum of squares added up in order (scikit-learn's
    ``inplace_csr_row_normalize_l2``: numpy's own sums add pairwise, which rounds differently)."""
    squares = data * data
    for a, b in zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True):
        if b > a:
            total = np.add.accumulate(squares[a:b])[-1]
            if total != 0.0:
                data[a:b] /= np.sqrt(total)
