"""Counting frequent n-grams of characters over a stream of documents, in bounded memory.

``frequent_ngrams`` gives the document frequency and the count of every n-gram (n <= max_n) found in at least
``min_df`` documents. A token is one character of the documents' strings (the formulation miner writes an English
word as one character of a private-use plane, a Chinese character as itself); a document is a list of segments,
and no n-gram crosses a segment's end.

Level by level (Apriori): the n-gram at position i is counted only where the (n-1)-grams at i and i+1 were
frequent. Vectorised with numpy: the text is an array of code points (0 after each segment), an n-gram is a 64-bit
rolling hash of its codes (``h_n(i) = h_{n-1}(i) * M + x[i+n-1]``), and counting is sorting: one stable sort of
the hashes, so that each n-gram's occurrences stand together in text order and its documents are counted where
the document changes.

Memory is bounded by the chunk, not by the corpus: documents are taken ``chunk_tokens`` at a time (whole documents
only, so that document frequencies add up across chunks; at most 2**16 documents, numbered within the chunk);
when there is more than one chunk, each chunk's codes, document numbers, and the positions still alive at the
current level with their n-gram numbers wait on disk in a temporary folder. A level's hashes are computed afresh
from the codes (n multiply-adds per position still alive), which is cheaper than keeping them. Each level counts
chunk by chunk and merges the per-chunk counts (hash, documents, occurrences, first position) by hash, every few
chunks, so that what is held at once is one chunk's arrays (about 45 bytes a token) plus the distinct n-grams
alive at that level. What waits on disk is about 15 bytes a token at its peak, in the system's temporary folder
(``TMPDIR``), removed at the end, also on error. The n-gram's text is read back from its first position.
The counts do not depend on the chunk size (``tests/test_formulations.py`` compares them).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

__all__ = ["CHUNK_TOKENS", "frequent_ngrams"]

#: Tokens (characters, segment ends included) counted at once: about 45 MB of arrays at the first levels. Smaller
#: chunks sort faster (they stay in the processor's cache) and cost more merging: on the 28M Chinese characters of
#: the 200k-exchange database a chunk of 0.5M or 1M counted in 15-17 s, 2M in 17 s, 4M in 21 s, 250k in 18 s
#: (measured when the hashes were kept on disk; recomputing them brought 1M to 11-12 s).
CHUNK_TOKENS = 1_000_000

_MULT = np.uint64(0x9E3779B97F4A7C15)
_MAX_DOCS = 2**16  # documents in a chunk: their numbers are 16-bit


class _Chunk:
    """Whole documents as one array of codes; kept in memory, or on disk once there is more than one chunk."""

    def __init__(self, codes: np.ndarray, doc_of: np.ndarray, offset: int, docs_end: int) -> None:
        self.offset = offset  # the position of its first code in the whole text
        self.docs_end = docs_end  # documents in this chunk and those before
        self._arrays: dict[str, np.ndarray] = {"codes": codes, "doc_of": doc_of}
        self._dir: Path | None = None

    def spill(self, folder: Path, name: str) -> None:
        self._dir = folder / name
        self._dir.mkdir()
        for key, arr in self._arrays.items():
            np.save(self._dir / f"{key}.npy", arr)
        self._arrays = {}

    def get(self, key: str) -> np.ndarray:
        if self._dir is None:
            return self._arrays[key]
        return np.load(self._dir / f"{key}.npy")

    def put(self, key: str, arr: np.ndarray) -> None:
        if self._dir is None:
            self._arrays[key] = arr
        else:
            np.save(self._dir / f"{key}.npy", arr)


def _chunks(docs: Iterable[list[str]], chunk_tokens: int) -> Iterator[_Chunk]:
    """The documents as chunks of at least ``chunk_tokens`` codes (the last may be shorter); a document is never
    split."""
    parts: list[str] = []
    lens: list[int] = []
    size = offset = n_docs = 0

    def make() -> _Chunk:
        text = "".join(parts)
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").copy()
        # a document number per code, within the chunk (only equality is asked of it)
        doc_of = np.repeat(np.arange(len(lens), dtype=np.uint16), np.asarray(lens, dtype=np.int64))
        return _Chunk(codes, doc_of, offset, n_docs)

    for doc in docs:
        text = "".join(seg + "\x00" for seg in doc)
        parts.append(text)
        lens.append(len(text))
        size += len(text)
        n_docs += 1
        if size >= chunk_tokens or len(lens) == _MAX_DOCS:
            yield make()
            offset += size
            parts, lens, size = [], [], 0
    if parts:  # the rest, even when it has no text: every document counts
        yield make()


def _changes(sorted_hashes: np.ndarray) -> np.ndarray:
    """True where a sorted (non-empty) array of hashes starts a new value."""
    new = np.empty(len(sorted_hashes), dtype=bool)
    new[0] = True
    np.not_equal(sorted_hashes[1:], sorted_hashes[:-1], out=new[1:])
    return new


def _count(h: np.ndarray, pos: np.ndarray, doc_of: np.ndarray) -> tuple[np.ndarray, ...]:
    """(hash, documents, occurrences, first position) of each distinct hash, ascending, and the index of each
    position's hash among them; ``pos`` ascending."""
    order = np.argsort(h, kind="stable")  # equal hashes together, each group in text order
    sh = h[order]
    at = pos[order]
    new = _changes(sh)
    group = np.flatnonzero(new)
    inv = np.empty(len(sh), dtype=np.int32)
    inv[order] = np.cumsum(new, dtype=np.int32) - 1
    del order
    sd = doc_of[at]
    new[1:] |= sd[1:] != sd[:-1]
    del sd
    docs = np.add.reduceat(new, group, dtype=np.int64)
    counts = np.diff(group, append=len(sh))
    return sh[group], docs, counts, at[group], inv


def _merge(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """Per-chunk counts merged by hash: documents and occurrences added, the first position kept (the parts come
    in text order, and a stable sort keeps it)."""
    if len(parts) == 1:
        return parts[0]
    h, docs, counts, first = (np.concatenate(cols) for cols in zip(*parts, strict=True))
    order = np.argsort(h, kind="stable")
    h, docs, counts, first = h[order], docs[order], counts[order], first[order]
    group = np.flatnonzero(_changes(h))
    return h[group], np.add.reduceat(docs, group), np.add.reduceat(counts, group), first[group]


def frequent_ngrams(docs: Iterable[list[str]], max_n: int, min_df: int | Callable[[int], int], *,
                    chunk_tokens: int | None = None) -> tuple[dict[str, int], dict[str, int], int]:
    """(document frequency, count) of every n-gram (n <= max_n) in at least ``min_df`` documents (or
    ``min_df(number of documents)``), each level in the order of its hashes, and the number of tokens; ``docs``
    is read once, ``chunk_tokens`` (default ``CHUNK_TOKENS``) tokens at a time."""
    chunk_tokens = chunk_tokens or CHUNK_TOKENS
    df: dict[str, int] = {}
    tf: dict[str, int] = {}
    tmp: Path | None = None
    chunks: list[_Chunk] = []
    try:
        for chunk in _chunks(docs, chunk_tokens):
            chunks.append(chunk)
            if len(chunks) > 1:
                if tmp is None:
                    tmp = Path(tempfile.mkdtemp(prefix="podium-ngrams-"))
                    chunks[0].spill(tmp, "0")
                chunk.spill(tmp, str(len(chunks) - 1))
        if callable(min_df):
            min_df = min_df(chunks[-1].docs_end if chunks else 0)
        total = 0
        for c in chunks:
            total += int(np.count_nonzero(c.get("codes")))
        if not total:
            return df, tf, total
        frequent = np.empty(0, dtype=np.uint64)  # the frequent hashes of the level before, ascending
        merge_at = 2 * chunk_tokens
        with np.errstate(over="ignore"):
            for n in range(1, max_n + 1):
                merged: tuple[np.ndarray, ...] | None = None
                pending: list[tuple[np.ndarray, ...]] = []
                waiting = 0
                for c in chunks:
                    codes = c.get("codes")
                    if n == 1:
                        pos = np.flatnonzero(codes).astype(np.int32)
                        h = codes[pos].astype(np.uint64)
                    else:
                        pos = c.get("pos")
                        # the (n-1)-grams that were frequent (looked up once per distinct hash of the chunk); an
                        # n-gram lives where they stand at i and i+1 (both inside one segment, so the n-gram is too)
                        uniq = c.get("uniq")
                        at = np.minimum(np.searchsorted(frequent, uniq), len(frequent) - 1)
                        keep = (frequent[at] == uniq)[c.get("inv")]
                        pos = pos[keep]
                        pos = pos[:-1][pos[1:] == pos[:-1] + 1]
                        # the hash from the codes (cheaper than keeping the last level's hashes on disk)
                        h = codes[pos].astype(np.uint64)
                        for k in range(1, n):
                            h *= _MULT
                            h += codes[pos + k]
                    del codes
                    if len(pos):
                        uniq, d_counts, counts, first, inv = _count(h, pos, c.get("doc_of"))
                        pending.append((uniq, d_counts, counts, first.astype(np.int64) + c.offset))
                        waiting += len(uniq)
                    else:
                        uniq, inv = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)
                    if n < max_n:
                        for key, arr in (("pos", pos), ("uniq", uniq), ("inv", inv)):
                            c.put(key, arr)
                    del pos, h, uniq, inv
                    if waiting >= merge_at:
                        merged = _merge(([merged] if merged is not None else []) + pending)
                        pending, waiting = [], 0
                parts = ([merged] if merged is not None else []) + pending
                if not parts:
                    break
                hashes, d_counts, counts, first = _merge(parts)
                del merged, pending, parts
                keep = d_counts >= min_df
                if not keep.any():
                    break
                frequent = hashes[keep]
                _read_back(chunks, n, first[keep], d_counts[keep], counts[keep], df, tf)
        return df, tf, total
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _read_back(chunks: list[_Chunk], n: int, first: np.ndarray, d_counts: np.ndarray, counts: np.ndarray,
               df: dict[str, int], tf: dict[str, int]) -> None:
    """Each frequent n-gram's text, from the codes at its first position, into ``df`` and ``tf`` (in the given
    order)."""
    texts: list[str | None] = [None] * len(first)
    offsets = np.array([c.offset for c in chunks], dtype=np.int64)
    where = np.searchsorted(offsets, first, side="right") - 1
    for k in np.unique(where).tolist():
        codes = chunks[k].get("codes")
        idx = np.flatnonzero(where == k)
        for i, p in zip(idx.tolist(), (first[idx] - chunks[k].offset).tolist(), strict=True):
            texts[i] = codes[p:p + n].tobytes().decode("utf-32-le", "surrogatepass")
    for text, d, c in zip(texts, d_counts.tolist(), counts.tolist(), strict=True):
        assert text is not None
        df[text] = d
        tf[text] = c
