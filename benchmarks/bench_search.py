"""Search latency at scale: podium's own ranked top-10 search vs a bare index of the same text, same run.

Real MFA exchanges (from ../shared/corpus/mfa, ingested first) are resampled to --scale exchanges (default 1M),
grouped into synthetic briefings of 10 of one language with real dates, written to a podium database and
indexed by podium. 200 real queries are drawn from the text (seeded): 70 quoted 2-3 word phrases, 70 single
words, 60 ANDs of two words. Every query runs once to warm up, then once timed, through

  podium    Database.search(query, limit=10): parse, BM25 top 10 with total count, rows from SQLite,
            the spans of the matches in question and answer, the snippet's bounds
  tantivy   a bare tantivy index (default tokenizer, one text field) of the same question+answer text:
            index.parse_query + searcher.search(limit=10), count included
  fts5      (with --fts5) a bare SQLite FTS5 table of the same text, ORDER BY bm25 LIMIT 10

Index build, printed side by side (each from the same resampled database, each with the writer threads and heap
of podium's rebuild: one thread per core, at most 8, 100 MB of heap each):

  podium    Database.reindex(): read the exchanges from SQLite, prepare their text (index_texts), add, commit
  tantivy   the bare index above, fed from SQLite (one field, tantivy's default tokenizer: a run of Han
            characters between two punctuation marks is ONE term, so Chinese words inside it cannot be found)
  ngrams    a bare tantivy index in which Chinese words can be found, made with tantivy's own analyzers as the
            issue of this benchmark asks ("its own analyzers ... n-grams, configured per field"): English
            exchanges in a field with the default tokenizer, Chinese ones in a field cut by
            Tokenizer.ngram(2, 2) (every pair of characters one term). Its n-grams of a text all stand at one
            position, so a word of three characters or more is found as the AND of its pairs (too many hits
            where the pairs occur apart); podium's index finds it exactly. The lines after the build times
            count what each index finds for four Chinese words, beside the exchanges that contain them
            (SQLite instr)
  engine    tantivy alone on podium's prepared documents (made before the clock starts; with --engine, at most
            300k exchanges: they are held in memory): tantivy's own share of podium's build

Run:  nice -n 10 .venv/bin/python benchmarks/bench_search.py --scale 1000000 [--fts5] [--no-bare] [--engine]
      [--lang en|zh] [--workdir DIR]
(--lang resamples the exchanges of one language only; --workdir keeps the built databases: a second run reuses
the resampled database and rebuilds podium's index.)
Prints build times and p50/p95/max per engine and query kind; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium import Podium  # noqa: E402
from podium.store import Database  # noqa: E402
from podium.store.index import BUILD_HEAP_PER_THREAD, build_threads  # noqa: E402

CORPUS = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared")) / "corpus" / "mfa"
STOP = set("""a an the of to in and or for on at by with from as is are was were be been it its this that these those
we you he she they i our your their his her not no but if so do does did has have had will would can could
should may might must there here what which who whom how when where why also than then all any some such into
about over after before between under again further once more most other same own only very just""".split())


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def make_queries(texts: list[str], n: int = 200, seed: int = 7) -> list[tuple[str, str, list[str]]]:
    """(kind, podium query, words) drawn from real English text."""
    rnd = random.Random(seed)
    out: list[tuple[str, str, list[str]]] = []
    want = {"phrase": int(n * 0.35), "word": int(n * 0.35)}
    want["and"] = n - want["phrase"] - want["word"]
    while any(want.values()):
        words = re.findall(r"[A-Za-z]+", rnd.choice(texts))
        if len(words) < 20:
            continue
        kind = rnd.choice([k for k, v in want.items() if v])
        i = rnd.randrange(0, len(words) - 3)
        if kind == "phrase":
            k = rnd.choice((2, 2, 3))
            ws = [w.lower() for w in words[i:i + k]]
            if all(w in STOP for w in ws) or any(len(w) < 2 for w in ws):
                continue
            q = '"' + " ".join(ws) + '"'
        elif kind == "word":
            ws = [words[i].lower()]
            if ws[0] in STOP or len(ws[0]) < 4:
                continue
            q = ws[0]
        else:
            ws = [w.lower() for w in rnd.sample(words, 2)]
            if any(w in STOP or len(w) < 4 for w in ws) or ws[0] == ws[1]:
                continue
            q = f"{ws[0]} AND {ws[1]}"
        out.append((kind, q, ws))
        want[kind] -= 1
    return out


def build_podium(base: Path, path: Path, scale: int, lang: str | None = None, seed: int = 11) -> tuple[float, float]:
    """Resampled database at ``path``; returns (seconds to write SQLite, seconds to build the index)."""
    src = sqlite3.connect(base)
    rows = src.execute("SELECT b.date, b.lang, b.series, COALESCE(e.spokesperson, b.spokesperson), e.asker, "
                       "e.outlet, e.outlet_type, e.follow_up, e.question, e.answer FROM exchanges e "
                       "JOIN briefings b ON b.id = e.briefing_id WHERE ? IS NULL OR b.lang = ?",
                       (lang, lang)).fetchall()
    src.close()
    rnd = random.Random(seed)
    by_lang: dict[str, list[tuple]] = {}
    for r in rows:
        by_lang.setdefault(r[1], []).append(r)
    t0 = time.perf_counter()
    with Podium(path):  # creates the schema
        pass
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=OFF")
    c.execute("BEGIN")
    per = 10
    for bi in range(0, scale, per):
        first = rows[rnd.randrange(len(rows))]  # a briefing's language as often as its exchanges', then its others
        same = by_lang[first[1]]
        picks = [first] + [same[rnd.randrange(len(same))] for _ in range(min(per, scale - bi) - 1)]
        d, lang, series, sp = picks[0][0], picks[0][1], picks[0][2], picks[0][3]
        bid = c.execute("INSERT INTO briefings(key, series, lang, date, title, spokesperson, url, source, format, "
                        "n_exchanges, page_sha256, content_sha256, ingested_at, updated_at) VALUES "
                        "(?, ?, ?, ?, ?, ?, NULL, 'resampled', 'resampled', ?, '', '', '', '')",
                        (f"resampled-{bi}", series, lang, d, f"resampled briefing {bi // per}", sp,
                         len(picks))).lastrowid
        c.executemany("INSERT INTO exchanges(briefing_id, n, asker, outlet, outlet_type, follow_up, spokesperson, "
                      "question, answer, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'resampled')",
                      [(bid, n, p[4], p[5], p[6], p[7], p[3], p[8], p[9]) for n, p in enumerate(picks, 1)])
    c.execute("DELETE FROM meta WHERE key = 'index_version'")
    c.commit()
    c.close()
    t1 = time.perf_counter()
    db = Database(path)  # finds no index of this version: rebuilds it from the store
    t2 = time.perf_counter()
    db.close()
    return t1 - t0, t2 - t1


def build_bare_tantivy(path: Path, dbpath: Path, *, zh_bigrams: bool = False):
    """A bare tantivy index of the exchanges' text: one field, tantivy's default tokenizer; with ``zh_bigrams`` the
    Chinese exchanges go to a second field cut by tantivy's own n-gram tokenizer (every pair of characters)."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False)
    if zh_bigrams:
        sb.add_text_field("body_zh", stored=False, tokenizer_name="zh_bigrams")
    sb.add_integer_field("id", stored=True)
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(sb.build(), path=str(path))
    if zh_bigrams:
        index.register_tokenizer("zh_bigrams", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(2, 2, False))
                                 .filter(tantivy.Filter.lowercase()).build())
    w = index.writer(heap_size=BUILD_HEAP_PER_THREAD * build_threads(), num_threads=build_threads())  # as podium's
    c = sqlite3.connect(dbpath)
    sql = ("SELECT e.id, b.lang, e.question, e.answer FROM exchanges e JOIN briefings b ON b.id = e.briefing_id"
           if zh_bigrams else "SELECT id, NULL, question, answer FROM exchanges")
    for eid, lang, q, a in c.execute(sql):
        if lang == "zh":
            w.add_document(tantivy.Document(body_zh=[q, a], id=eid))
        else:
            w.add_document(tantivy.Document(body=[q, a], id=eid))
    w.commit()
    w.wait_merging_threads()
    c.close()
    index.reload()
    return index


def build_engine_share(path: Path, dbpath: Path) -> float:
    """Seconds for tantivy alone to index podium's prepared documents (podium's schema and analyzers)."""
    import tantivy

    from podium.store.index import FullTextIndex, build_schema
    from podium.store.text import EXACT_ANALYZER, analyzers, index_texts

    db = Database(dbpath, create=False)
    docs = list(db.store.index_docs(None))
    db.close()
    prepared = [d for i in range(0, len(docs), FullTextIndex.BATCH)
                for d in FullTextIndex._documents(docs[i:i + FullTextIndex.BATCH])]
    # the terms each index takes in (word occurrences, with positions): podium's from its prepared text, the bare
    # index's from the raw text through tantivy's default tokenizer
    ours = analyzers()[EXACT_ANALYZER]
    default = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
               .filter(tantivy.Filter.lowercase()).build())
    n_ours = n_bare = 0
    for i in range(0, len(docs), FullTextIndex.BATCH):
        texts = [t for d in docs[i:i + FullTextIndex.BATCH] for t in (d.question, d.answer)]
        n_ours += sum(len(ours.analyze(t)) for t in index_texts(texts))
        n_bare += sum(len(default.analyze(t)) for t in texts)
    print(f"terms indexed: podium {n_ours:,}, bare tantivy {n_bare:,} ({n_ours / n_bare:.2f}x)", flush=True)
    del docs
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(build_schema(), path=str(path))
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)
    t0 = time.perf_counter()
    w = index.writer(heap_size=BUILD_HEAP_PER_THREAD * build_threads(), num_threads=build_threads())  # as reindex
    for d in prepared:
        w.add_document(d)
    w.commit()
    w.wait_merging_threads()
    return time.perf_counter() - t0


def build_fts5(path: Path, dbpath: Path) -> sqlite3.Connection:
    c = sqlite3.connect(path)
    c.execute("CREATE VIRTUAL TABLE f USING fts5(question, answer, tokenize='porter unicode61')")
    src = sqlite3.connect(dbpath)
    c.executemany("INSERT INTO f(rowid, question, answer) VALUES (?, ?, ?)",
                  src.execute("SELECT id, question, answer FROM exchanges"))
    c.commit()
    src.close()
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1_000_000, help="exchanges in the resampled corpus")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--fts5", action="store_true", help="also measure a bare FTS5 table")
    ap.add_argument("--no-bare", action="store_true", help="measure podium only")
    ap.add_argument("--engine", action="store_true",
                    help="also time tantivy alone on podium's prepared documents (at most 300k exchanges)")
    ap.add_argument("--lang", choices=("en", "zh"), default=None, help="resample the exchanges of one language")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the built databases here (default: temp)")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="podium-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base.db"
    if not base.exists():
        if not CORPUS.is_dir():
            sys.exit(f"{CORPUS}: no MFA corpus there; set PODIUM_SHARED to the shared folder")
        with Podium(base) as pod:
            pod.ingest([CORPUS], analyse=False)
    big = work / (f"scaled-{args.scale}.db" if args.lang is None else f"scaled-{args.scale}-{args.lang}.db")
    if not big.exists():
        for p in (big, Path(f"{big}.index")):
            if p.is_dir():
                shutil.rmtree(p)
        t_sql, t_idx = build_podium(base, big, args.scale, args.lang)
        print(f"built {args.scale:,} exchanges: SQLite {t_sql:.1f} s, podium index {t_idx:.1f} s", flush=True)
    else:
        db = Database(big)  # a writer: it rebuilds an index of another version on open, then again here
        t0 = time.perf_counter()
        db.reindex()
        t_idx = time.perf_counter() - t0
        db.close()
        print(f"rebuilt podium's index of {args.scale:,} exchanges in {t_idx:.1f} s", flush=True)
    with sqlite3.connect(big) as c:
        langs = dict(c.execute("SELECT b.lang, count(*) FROM exchanges e JOIN briefings b ON b.id = e.briefing_id "
                               "GROUP BY b.lang").fetchall())
    print("exchanges by language: " + ", ".join(f"{k} {v:,}" for k, v in sorted(langs.items())), flush=True)
    texts = [r[0] + "\n" + r[1] for r in sqlite3.connect(base).execute(
        "SELECT e.question, e.answer FROM exchanges e JOIN briefings b ON b.id = e.briefing_id WHERE b.lang='en'")]
    queries = make_queries(texts, args.queries)

    t0 = time.perf_counter()
    db = Database(big, create=False)  # rebuilds the index if it is stale (another podium version)
    print(f"podium database opened in {time.perf_counter() - t0:.1f} s", flush=True)
    bare = ngram = None
    t_ngram = 0.0
    if not args.no_bare:
        t0 = time.perf_counter()
        bare_path = work / f"bare-{args.scale}.tantivy"
        if bare_path.exists():
            shutil.rmtree(bare_path)
        bare = build_bare_tantivy(bare_path, big)
        t_bare = time.perf_counter() - t0
        print(f"bare tantivy index built in {t_bare:.1f} s", flush=True)
        if langs.get("zh"):
            t0 = time.perf_counter()
            ngram_path = work / f"bare-ngrams-{args.scale}.tantivy"
            if ngram_path.exists():
                shutil.rmtree(ngram_path)
            ngram = build_bare_tantivy(ngram_path, big, zh_bigrams=True)
            t_ngram = time.perf_counter() - t0
            print(f"bare tantivy index with Chinese bigrams (tantivy's ngram tokenizer) built in {t_ngram:.1f} s",
                  flush=True)
    engine = None
    if args.engine and args.scale <= 300_000:
        epath = work / f"engine-{args.scale}.tantivy"
        if epath.exists():
            shutil.rmtree(epath)
        engine = build_engine_share(epath, big)
        shutil.rmtree(epath)
        print(f"tantivy alone on podium's prepared documents: {engine:.1f} s", flush=True)
    print(f"\nindex build, {args.scale:,} exchanges: podium {t_idx:.1f} s"
          + (f" | bare tantivy {t_bare:.1f} s (podium {t_idx / t_bare:.1f}x)" if bare is not None else "")
          + (f" | bare tantivy, Chinese as bigrams {t_ngram:.1f} s (podium {t_idx / t_ngram:.2f}x)"
             if bare is not None and ngram is not None else "")
          + (f" | tantivy alone on podium's documents {engine:.1f} s (podium {t_idx / engine:.2f}x)"
             if engine else ""), flush=True)
    if bare is not None and ngram is not None:
        found = []
        with sqlite3.connect(big) as c:
            for word in ("美方", "疫情", "一带一路", "人类命运共同体"):
                truth = c.execute("SELECT count(*) FROM exchanges WHERE instr(question, ?) OR instr(answer, ?)",
                                  (word, word)).fetchone()[0]
                n_bare = bare.searcher().search(bare.parse_query(word, ["body"]), 1).count
                n_ngram = ngram.searcher().search(ngram.parse_query(f'"{word}"', ["body_zh"]), 1).count
                found.append(f"{word} {truth:,}: podium {db.search(word, limit=1)['total']:,}, bare {n_bare:,}, "
                             f"bigrams {n_ngram:,}")
        print("exchanges that contain the word: what each index finds\n  " + "\n  ".join(found), flush=True)
    fts = None
    if args.fts5:
        fpath = work / f"fts5-{args.scale}.db"
        if fpath.exists():
            fpath.unlink()
        t0 = time.perf_counter()
        fts = build_fts5(fpath, big)
        print(f"bare FTS5 table built in {time.perf_counter() - t0:.1f} s", flush=True)

    bare_searcher = bare.searcher() if bare is not None else None

    def run_podium(q: str, ws: list[str]) -> int:
        return db.search(q, limit=10)["total"]

    def run_bare(q: str, ws: list[str]) -> int:
        return bare_searcher.search(bare.parse_query(q.replace(" AND ", " AND "), ["body"]), 10).count

    def run_fts(q: str, ws: list[str]) -> int:
        fq = q if q.startswith('"') else " AND ".join(ws)
        return len(fts.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 10", (fq,)).fetchall())

    engines = [("podium", run_podium)] + ([("tantivy", run_bare)] if bare else []) + \
        ([("fts5", run_fts)] if fts else [])
    print(f"\n{args.scale:,} exchanges, {len(queries)} queries "
          f"({sum(k == 'phrase' for k, _, _ in queries)} phrase, {sum(k == 'word' for k, _, _ in queries)} word, "
          f"{sum(k == 'and' for k, _, _ in queries)} AND), ranked top 10, times in ms")
    print(f"{'engine':8} {'kind':7} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, fn in engines:
        for _, q, ws in queries:  # warm up
            fn(q, ws)
        times: dict[str, list[float]] = {"all": []}
        for kind, q, ws in queries:
            t = time.perf_counter()
            fn(q, ws)
            ms = (time.perf_counter() - t) * 1000
            times["all"].append(ms)
            times.setdefault(kind, []).append(ms)
        for kind in ("all", "phrase", "word", "and"):
            xs = times.get(kind, [])
            if xs:
                print(f"{name:8} {kind:7} {statistics.median(xs):8.2f} {pct(xs, 95):8.2f} {max(xs):8.2f}")
    zh = ["美方", "台湾", "香港", "美国", "疫情", "一带一路", "南海", "主权", "贸易", "日方"]
    ts = []
    for q in zh * 2:
        t = time.perf_counter()
        db.search(q, limit=10)
        ts.append((time.perf_counter() - t) * 1000)
    print(f"podium   chinese {statistics.median(ts[10:]):8.2f} {pct(ts[10:], 95):8.2f} {max(ts[10:]):8.2f}"
          f"   ({len(zh)} words: {' '.join(zh)})")
    db.close()
    print(f"\nwork dir: {work}")


if __name__ == "__main__":
    main()
