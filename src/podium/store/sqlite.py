"""The SQLite store of record: writing briefings (one transaction each) and annotations, and the read queries of
search, reading and stats (the analysis area's queries are in ``analytics``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NotFound, QueryError, StoreError
from ..model import Annotation, Briefing
from .index import IndexDoc
from .migrations import migrate

#: The person an exchange's answer is from: the registry id (or the name as printed), exchange level first.
SPOKESPERSON_KEY = "COALESCE(e.spokesperson_id, b.spokesperson_id, e.spokesperson, b.spokesperson)"

#: Filters every read method accepts (search, exchanges, export, kwic).
FILTERS = ("date_from", "date_to", "spokesperson", "outlet", "outlet_type", "lang", "country", "clarity",
           "evasion")


@dataclass(frozen=True, slots=True)
class SqlDialect:
    """The few pieces of SQL the filters need that differ between SQLite and PostgreSQL."""

    placeholder: str
    #: SQL for "expr equals the parameter, ignoring case"
    equals_ci: Callable[[str], str]
    #: SQL for "the text column contains the parameter"
    contains: Callable[[str], str]
    #: SQL for the fine label in a clarity annotation's JSON value
    fine_label: str


SQLITE_SQL = SqlDialect("?", lambda expr: f"{expr} = ? COLLATE NOCASE", lambda col: f"instr({col}, ?) > 0",
                        "json_extract(a.value, '$.fine')")


def filter_sql(filters: dict[str, Any], d: SqlDialect) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters of the filters every read takes, over ``exchanges e JOIN briefings b``."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise QueryError(f"unknown filter(s) {', '.join(sorted(unknown))}; known: {', '.join(FILTERS)}")
    ph = d.placeholder
    where: list[str] = []
    params: list[Any] = []
    if (v := check_date(filters.get("date_from"), "date_from")) is not None:
        where.append(f"b.date >= {ph}")
        params.append(v)
    if (v := check_date(filters.get("date_to"), "date_to")) is not None:
        where.append(f"b.date <= {ph}")
        params.append(v)
    if filters.get("spokesperson"):
        # a person key (registry id) or a name as printed
        where.append(f"({SPOKESPERSON_KEY} = {ph} OR {d.equals_ci('COALESCE(e.spokesperson, b.spokesperson)')})")
        params += [filters["spokesperson"], filters["spokesperson"]]
    for col in ("outlet", "outlet_type"):
        if filters.get(col):
            where.append(d.equals_ci(f"e.{col}"))
            params.append(filters[col])
    if filters.get("lang"):
        where.append(d.equals_ci("b.lang"))
        params.append(filters["lang"])
    if filters.get("clarity"):
        where.append("EXISTS (SELECT 1 FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity' "
                     f"AND {d.equals_ci('a.label')})")
        params.append(filters["clarity"])
    if filters.get("evasion"):
        where.append("EXISTS (SELECT 1 FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity' "
                     f"AND {d.equals_ci(d.fine_label)})")
        params.append(filters["evasion"])
    if filters.get("country"):
        where.append("EXISTS (SELECT 1 FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'countries' "
                     f"AND {d.contains('a.value')})")
        params.append(f'"{str(filters["country"]).upper()}"')
    return where, params


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_date(value: str | dt.date | None, name: str) -> str | None:
    """A filter date as YYYY-MM-DD; QueryError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a date; write YYYY-MM-DD, e.g. 2019-06-30") from None


def _in_chunks(ids: list[Any]) -> Iterator[tuple[list[Any], str]]:
    """The values in slices of 500 (well under SQLite's limit on bound parameters), each with its "?,?,..." list."""
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        yield chunk, ",".join("?" * len(chunk))


def content_hash(b: Briefing) -> str:
    """Hash of everything podium stores from a parse (not where it was read from, nor its URL)."""
    obj = b.to_dict()
    obj.pop("url", None)
    obj["format"] = b.format
    obj["turns"] = [[t.role, t.speaker, list(t.paragraphs)] for t in b.turns]
    obj["spokespersons"] = [e.spokesperson for e in b.exchanges]
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def countries_of(value: Any) -> tuple[str, ...]:
    """Country codes in a 'countries' annotation value: a list of codes, or a dict of such lists
    (question/answer), or a dict with a 'countries' key."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            if len(v) == 3 and v.isalpha() and v.isupper():
                found.append(v)
        elif isinstance(v, dict):
            wanted = [k for k in ("question", "answer", "countries") if k in v]
            for k in wanted or [k for k in v if not k.startswith(("org", "region", "mention", "span"))]:
                walk(v[k])
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(value)
    return tuple(dict.fromkeys(found))


class Store:
    """A podium SQLite database file (WAL). Thread-safe: each thread gets its own connection."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not Path(self.path).exists():
            if not create:
                raise NotFound(f"no podium database at {self.path}; create one with `podium ingest PATH --db "
                               f"{self.path}` or `podium demo`")
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise StoreError(f"cannot create database {self.path}: folder {parent} does not exist")
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self.conn
        try:
            migrate(conn)
        except ValueError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a podium database or is damaged: {exc}") from None

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            try:
                c = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
                c.row_factory = sqlite3.Row
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("PRAGMA synchronous=NORMAL")
                c.execute("PRAGMA foreign_keys=ON")
                c.execute("PRAGMA busy_timeout=30000")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open database {self.path}: {exc}") from None
            self._local.conn = c
            with self._lock:
                self._all.append(c)
        return c

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end unless the body already ended it, rolled back on any error."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        if c.in_transaction:
            c.execute("COMMIT")

    # ---- meta ------------------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                          "excluded.value", (key, value))

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    # ---- writing ---------------------------------------------------------------------------------------------

    def lookup(self, b: Briefing) -> sqlite3.Row | None:
        """The stored version of a briefing, by this rule:

        1. the same key (its URL when known; else series|language|date|title);
        2. else, when one of the two has no URL, the one with the same series, language, date and title (a page
           ingested with and without its index.tsv is one briefing);
        3. else, for a page without a URL, a stored briefing without a URL of the same series and language
           whose turns are identical (speaker, role and text of every turn, in order): the same transcript
           whose date or title was corrected is a revision of it, not a second briefing.
        A page without a URL whose text also changed, beyond its date or title, is a new briefing: nothing
        else says it is the same one."""
        return self._lookup(self.conn, b)

    def held_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these publisher URLs a stored briefing has (the fetcher's "already held" check)."""
        wanted = list(dict.fromkeys(urls))
        held: set[str] = set()
        for chunk, marks in _in_chunks(wanted):
            held.update(r[0] for r in self.conn.execute(f"SELECT url FROM briefings WHERE url IN ({marks})", chunk))
        return held

    @staticmethod
    def _lookup(c: sqlite3.Connection, b: Briefing) -> sqlite3.Row | None:
        row = c.execute("SELECT * FROM briefings WHERE key = ?", (b.key,)).fetchone()
        if row is not None:
            return row
        same = ("SELECT * FROM briefings WHERE series = ? AND lang = ? AND date = ? AND title = ?"
                + (" AND url IS NULL" if b.url else ""))
        rows = c.execute(same, (b.series, b.lang, b.date.isoformat(), b.title)).fetchall()
        if len(rows) == 1:
            return rows[0]
        if b.url or not b.exchanges:
            return None
        # rule 3: candidates share the first question (an indexed lookup per briefing), then all turns must agree
        first = b.exchanges[0].question_text
        candidates = c.execute(
            "SELECT b.* FROM briefings b JOIN exchanges e ON e.briefing_id = b.id AND e.n = 1 "
            "WHERE b.url IS NULL AND b.series = ? AND b.lang = ? AND b.n_exchanges = ? AND e.question = ?",
            (b.series, b.lang, len(b.exchanges), first)).fetchall()
        body = [(t.role, t.speaker, t.text) for t in b.turns]
        same_body = [r for r in candidates if [tuple(t) for t in c.execute(
            "SELECT role, speaker, text FROM turns WHERE briefing_id = ? ORDER BY pos", (r["id"],))] == body]
        return same_body[0] if len(same_body) == 1 else None

    def provenance(self, briefing_key: str) -> dict[str, Any] | None:
        """Where a briefing's date and URL came from (see ``set_provenance``), or None."""
        row = self.conn.execute("SELECT provenance FROM briefings WHERE key = ?", (briefing_key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def set_provenance(self, briefing_key: str, evidence: dict[str, Any]) -> None:
        """Record the evidence for a briefing's date and URL (an index row, the page's own date line)."""
        value = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
        self.conn.execute("UPDATE briefings SET provenance = ? WHERE key = ? AND provenance IS NOT ?",
                          (value, briefing_key, value))

    def sync_outlets(self, outlets: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Record the outlet registry (name, type, country)."""
        with self._transaction() as c:
            c.executemany("INSERT INTO outlets(name, outlet_type, country) VALUES (?, ?, ?) ON CONFLICT(name) DO "
                          "UPDATE SET outlet_type = excluded.outlet_type, country = excluded.country", list(outlets))

    def write_briefing(self, b: Briefing, *, page_sha256: str, annotations: Iterable[Annotation] = (),
                       content_sha256: str | None = None,
                       spokesperson_key: Callable[[str | None], str | None] | None = None) -> tuple[str, int]:
        """Store a parse in one transaction: ("added" | "updated" | "unchanged", briefing id).

        ``spokesperson_key``: the person a spokesperson's name stands for (the registry id; default the name).

        An unchanged parse writes nothing. A changed one keeps the briefing's id and the ids of exchanges
        that still exist (matched by position), records a revision with the replaced version, replaces the
        annotations, and queues the briefing for re-indexing.
        """
        content = content_sha256 or content_hash(b)
        person = spokesperson_key or (lambda name: name)
        now = _now()
        with self._transaction() as c:
            old = self._lookup(c, b)
            url = b.url or (old["url"] if old is not None else None)
            # a page without a URL keeps the natural key of what it now says (rule 3 may have matched it under a
            # corrected date or title); one with a URL, or matching a stored URL, keeps the URL
            key = b.key if b.url or old is None or old["url"] is None else old["key"]
            if old is not None and old["content_sha256"] == content:
                if old["url"] == url:
                    c.execute("ROLLBACK")
                    return "unchanged", old["id"]
                # the same text, now with the URL it was published at
                c.execute("UPDATE briefings SET url = ?, key = ?, updated_at = ? WHERE id = ?",
                          (url, key, now, old["id"]))
                return "updated", old["id"]
            fields = (b.series, b.lang, b.date.isoformat(), b.title, b.spokesperson, person(b.spokesperson), url,
                      b.source, b.format, len(b.exchanges), page_sha256, content)
            if old is None:
                bid = c.execute(
                    "INSERT INTO briefings(key, series, lang, date, title, spokesperson, spokesperson_id, url, source, "
                    "format, n_exchanges, page_sha256, content_sha256, ingested_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (key, *fields, now, now)).lastrowid
                status = "added"
                existing: dict[int, int] = {}
            else:
                bid = old["id"]
                status = "updated"
                c.execute(
                    "INSERT INTO revisions(briefing_id, revised_at, reason, source, old_page_sha256, new_page_sha256,"
                    " old_content_sha256, new_content_sha256, old_n_exchanges, new_n_exchanges, old_parse) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (bid, now, "page changed" if old["page_sha256"] != page_sha256 else "parse changed", b.source,
                     old["page_sha256"], page_sha256, old["content_sha256"], content, old["n_exchanges"],
                     len(b.exchanges), json.dumps(self._old_parse(bid), ensure_ascii=False)))
                c.execute("UPDATE briefings SET key=?, series=?, lang=?, date=?, title=?, spokesperson=?, "
                          "spokesperson_id=?, url=?, source=?, format=?, n_exchanges=?, page_sha256=?, "
                          "content_sha256=?, updated_at=? WHERE id=?", (key, *fields, now, bid))
                c.execute("DELETE FROM turns WHERE briefing_id = ?", (bid,))
                existing = {r["n"]: r["id"] for r in c.execute("SELECT id, n FROM exchanges WHERE briefing_id = ?",
                                                               (bid,))}
                if existing:
                    c.execute(f"DELETE FROM annotations WHERE exchange_id IN ({','.join('?' * len(existing))})",
                              list(existing.values()))
                keep = {e.n for e in b.exchanges}
                gone = [eid for n, eid in existing.items() if n not in keep]
                if gone:
                    c.execute(f"DELETE FROM exchanges WHERE id IN ({','.join('?' * len(gone))})", gone)

            # outlets first seen in the data (the registry may not know every one)
            seen = {(e.outlet, e.outlet_type) for e in b.exchanges if e.outlet}
            if seen:
                c.executemany("INSERT INTO outlets(name, outlet_type) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                              list(seen))
            ids: dict[int, int] = {}
            for e in b.exchanges:
                row = (e.asker, e.outlet, e.outlet_type, int(bool(e.follow_up)), e.spokesperson,
                       person(e.spokesperson), e.question_text, e.answer_text, b.source)
                if e.n in existing:
                    c.execute("UPDATE exchanges SET asker=?, outlet=?, outlet_type=?, follow_up=?, spokesperson=?, "
                              "spokesperson_id=?, question=?, answer=?, source=? WHERE id=?", (*row, existing[e.n]))
                    ids[e.n] = existing[e.n]
                else:
                    ids[e.n] = c.execute(
                        "INSERT INTO exchanges(briefing_id, n, asker, outlet, outlet_type, follow_up, spokesperson, "
                        "spokesperson_id, question, answer, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (bid, e.n, *row)).lastrowid
            c.executemany("INSERT INTO turns(briefing_id, pos, role, speaker, exchange_n, text) VALUES (?,?,?,?,?,?)",
                          [(bid, pos, t.role, t.speaker, n, t.text) for pos, (t, n) in
                           enumerate(self._turn_exchange(b), 1)])
            self._insert_annotations(c, ids, annotations, now)
            self._queue(c, bid)
        return status, bid

    @staticmethod
    def _turn_exchange(b: Briefing) -> list[tuple[Any, int | None]]:
        """Each turn with the number of the exchange it belongs to (by identity, then by equality)."""
        by_id: dict[int, int] = {}
        by_eq: dict[Any, int] = {}
        for e in b.exchanges:
            for t in (e.question, *e.answers):
                by_id.setdefault(id(t), e.n)
                by_eq.setdefault(t, e.n)
        return [(t, by_id.get(id(t), by_eq.get(t))) for t in b.turns]

    @staticmethod
    def _insert_annotations(c: sqlite3.Connection, ids: dict[int, int], annotations: Iterable[Annotation],
                            now: str) -> int:
        rows = []
        for a in annotations:
            eid = ids.get(a.exchange_n)
            if eid is None:
                continue
            rows.append((eid, a.kind, a.label, None if a.value is None else json.dumps(a.value, ensure_ascii=False),
                         a.confidence, a.evidence, a.method or "", a.version or "", now))
        c.executemany("INSERT OR REPLACE INTO annotations(exchange_id, kind, label, value, confidence, evidence, "
                      "method, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def _old_parse(self, bid: int) -> dict[str, Any]:
        b = self.conn.execute("SELECT * FROM briefings WHERE id = ?", (bid,)).fetchone()
        ex = self.conn.execute("SELECT * FROM exchanges WHERE briefing_id = ? ORDER BY n", (bid,)).fetchall()
        openings = [r["text"] for r in self.conn.execute(
            "SELECT text FROM turns WHERE briefing_id = ? AND role = 'opening' ORDER BY pos", (bid,))]
        return {"series": b["series"], "lang": b["lang"], "date": b["date"], "title": b["title"],
                "spokesperson": b["spokesperson"], "url": b["url"], "openings": openings,
                "exchanges": [{"n": r["n"], "asker": r["asker"], "outlet": r["outlet"],
                               "outlet_type": r["outlet_type"], "follow_up": bool(r["follow_up"]),
                               "question": r["question"], "answer": r["answer"]} for r in ex]}

    def write_annotations(self, briefing_id: int, annotations: Iterable[Annotation], *,
                          replace_kinds: Iterable[str] | None = None, reindex: bool = True) -> int:
        """Store analysis results for one briefing's exchanges in one transaction and queue it for re-indexing
        (clarity and countries are index fields). ``replace_kinds``: kinds whose old rows are deleted first;
        ``reindex=False`` for kinds the index does not carry (formulations)."""
        now = _now()
        with self._transaction() as c:
            ids = {r["n"]: r["id"] for r in c.execute("SELECT id, n FROM exchanges WHERE briefing_id = ?",
                                                      (briefing_id,))}
            if not ids and not c.execute("SELECT 1 FROM briefings WHERE id = ?", (briefing_id,)).fetchone():
                raise NotFound(f"no briefing b{briefing_id}")
            for kind in replace_kinds or ():
                c.execute("DELETE FROM annotations WHERE kind = ? AND exchange_id IN "
                          "(SELECT id FROM exchanges WHERE briefing_id = ?)", (kind, briefing_id))
            n = self._insert_annotations(c, ids, annotations, now)
            if reindex:
                self._queue(c, briefing_id)
        return n

    # ---- the index queue -------------------------------------------------------------------------------------

    _QUEUE_SEQ = "(SELECT coalesce(max(seq), 0) + 1 FROM index_pending)"

    @classmethod
    def _queue(cls, c: sqlite3.Connection, briefing_id: int) -> None:
        c.execute(f"INSERT INTO index_pending(briefing_id, seq) VALUES (?, {cls._QUEUE_SEQ}) "
                  "ON CONFLICT(briefing_id) DO UPDATE SET seq = excluded.seq", (briefing_id,))

    def pending(self) -> dict[int, int]:
        """Briefings waiting to be (re)indexed: {briefing_id: seq}."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT briefing_id, seq FROM index_pending ORDER BY 1")}

    def clear_pending(self, pending: dict[int, int]) -> None:
        """Dequeue what was indexed — unless it was queued again since (then its seq differs)."""
        with self._transaction() as c:
            c.executemany("DELETE FROM index_pending WHERE briefing_id = ? AND seq = ?", list(pending.items()))

    def queue_all(self) -> None:
        self.conn.execute(f"INSERT INTO index_pending(briefing_id, seq) SELECT id, {self._QUEUE_SEQ} FROM briefings "
                          "WHERE true ON CONFLICT(briefing_id) DO UPDATE SET seq = excluded.seq")

    def index_docs(self, briefing_ids: Iterable[int] | None = None) -> Iterator[IndexDoc]:
        """What the index should hold for these briefings (all when None), read from the store."""
        sql = ("SELECT e.id, e.briefing_id, b.date, e.question, e.answer, b.lang, "
               f"{SPOKESPERSON_KEY} AS spokesperson, e.outlet, e.outlet_type, "
               "(SELECT label FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity') AS clarity, "
               "(SELECT value FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'countries') AS countries "
               "FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")
        # a separate connection so that a long read does not hold this thread's connection
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            if briefing_ids is None:
                chunks: Iterable[list[int] | None] = [None]
            else:
                ids = list(briefing_ids)
                chunks = [chunk for chunk, _ in _in_chunks(ids)]
            for chunk in chunks:
                if chunk is None:
                    cur = conn.execute(sql)
                else:
                    cur = conn.execute(sql + f" WHERE e.briefing_id IN ({','.join('?' * len(chunk))})", chunk)
                for r in cur:
                    countries = countries_of(json.loads(r[10])) if r[10] else ()
                    yield IndexDoc(exchange_id=r[0], briefing_id=r[1], date=r[2], question=r[3], answer=r[4],
                                   lang=r[5], spokesperson=r[6], outlet=r[7], outlet_type=r[8], clarity=r[9],
                                   countries=countries)
        finally:
            conn.close()

    def exchange_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]

    def exchange_ids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT id FROM exchanges")}

    # ---- reading ---------------------------------------------------------------------------------------------

    _HIT_SQL = ("SELECT e.id AS exchange_id, e.briefing_id, b.event_id, e.n, b.date, b.lang, b.title, b.series, "
                "COALESCE(e.spokesperson, b.spokesperson) AS spokesperson, "
                f"{SPOKESPERSON_KEY} AS spokesperson_id, e.asker, e.outlet, e.outlet_type, "
                "e.follow_up, e.question, e.answer, e.source, b.url "
                "FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")

    @staticmethod
    def _hit(r: sqlite3.Row) -> dict[str, Any]:
        """A ``_HIT_SQL`` row as a dict, follow_up as a bool."""
        d = dict(r)
        d["follow_up"] = bool(d["follow_up"])
        return d

    def exchanges_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for chunk, marks in _in_chunks(ids):
            for r in self.conn.execute(self._HIT_SQL + f" WHERE e.id IN ({marks})", chunk):
                d = self._hit(r)
                out[d["exchange_id"]] = d
        return out

    def hit_annotations(self, exchange_ids: list[int]) -> dict[int, dict[str, Any]]:
        """What a search hit shows of its analysis, one query per 500 exchanges: {exchange_id: {"clarity",
        "clarity_fine", "clarity_evidence", "countries"}} (exchanges with neither annotation are left out).
        "countries" comes from the countries label: the sorted union of the question's and the answer's codes."""
        out: dict[int, dict[str, Any]] = {}
        for chunk, marks in _in_chunks(exchange_ids):
            # SQLite picks out the fine label: parsing whole values (class probabilities and all) in Python
            # cost more than the query
            for eid, kind, label, fine, evidence in self.conn.execute(
                    "SELECT exchange_id, kind, label, CASE WHEN kind = 'clarity' AND json_type(value) = 'object' "
                    "THEN json_extract(value, '$.fine') END, evidence FROM annotations "
                    f"WHERE kind IN ('clarity', 'countries') AND exchange_id IN ({marks})",
                    chunk):
                d = out.setdefault(eid, {"clarity": None, "clarity_fine": None, "clarity_evidence": None,
                                         "countries": []})
                if kind == "clarity":
                    d["clarity"] = label
                    d["clarity_fine"] = fine if isinstance(fine, str) else None
                    d["clarity_evidence"] = evidence
                else:
                    d["countries"] = label.split() if label else []
        return out

    def annotations_for(self, exchange_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
        out: dict[int, dict[str, dict[str, Any]]] = {}
        for chunk, marks in _in_chunks(exchange_ids):
            for r in self.conn.execute(f"SELECT * FROM annotations WHERE exchange_id IN ({marks})", chunk):
                out.setdefault(r["exchange_id"], {})[r["kind"]] = {
                    "label": r["label"], "value": json.loads(r["value"]) if r["value"] else None,
                    "confidence": r["confidence"], "evidence": r["evidence"], "method": r["method"],
                    "version": r["version"]}
        return out

    def briefing(self, briefing_id: int) -> dict[str, Any]:
        c = self.conn
        b = c.execute("SELECT * FROM briefings WHERE id = ?", (briefing_id,)).fetchone()
        if b is None:
            raise NotFound(f"no briefing b{briefing_id} in {self.path}")
        d = {k: b[k] for k in ("id", "series", "lang", "date", "title", "spokesperson", "spokesperson_id", "url",
                               "source", "format", "n_exchanges", "ingested_at", "updated_at", "event_id")}
        d["provenance"] = json.loads(b["provenance"]) if b["provenance"] else None
        d["briefing_id"] = d["id"]
        # the other language versions of the same event
        d["other_versions"] = [dict(r) for r in c.execute(
            "SELECT id AS briefing_id, lang, title FROM briefings WHERE event_id = ? AND id != ? ORDER BY lang, id",
            (b["event_id"], briefing_id))] if b["event_id"] is not None else []
        d["turns"] = [dict(r) for r in c.execute(
            "SELECT pos, role, speaker, exchange_n, text FROM turns WHERE briefing_id = ? ORDER BY pos",
            (briefing_id,))]
        d["openings"] = [t["text"] for t in d["turns"] if t["role"] == "opening"]
        exchanges = [self._hit(r) for r in c.execute(self._HIT_SQL + " WHERE e.briefing_id = ? ORDER BY e.n",
                                                      (briefing_id,))]
        ann = self.annotations_for([e["exchange_id"] for e in exchanges])
        for e in exchanges:
            e["annotations"] = ann.get(e["exchange_id"], {})
        d["exchanges"] = exchanges
        prev = c.execute("SELECT id FROM briefings WHERE lang = ? AND series = ? "
                         "AND (date < ? OR (date = ? AND id < ?)) ORDER BY date DESC, id DESC LIMIT 1",
                         (b["lang"], b["series"], b["date"], b["date"], b["id"])).fetchone()
        nxt = c.execute("SELECT id FROM briefings WHERE lang = ? AND series = ? "
                        "AND (date > ? OR (date = ? AND id > ?)) ORDER BY date, id LIMIT 1",
                        (b["lang"], b["series"], b["date"], b["date"], b["id"])).fetchone()
        d["prev_id"] = prev[0] if prev else None
        d["next_id"] = nxt[0] if nxt else None
        d["revisions"] = [dict(r) for r in c.execute(
            "SELECT id, revised_at, reason, source, old_n_exchanges, new_n_exchanges FROM revisions "
            "WHERE briefing_id = ? ORDER BY id", (briefing_id,))]
        return d

    def exchange(self, exchange_id: int) -> dict[str, Any]:
        rows = self.exchanges_by_id([exchange_id])
        if exchange_id not in rows:
            raise NotFound(f"no exchange e{exchange_id} in {self.path}")
        d = rows[exchange_id]
        d["annotations"] = self.annotations_for([exchange_id]).get(exchange_id, {})
        return d

    def stats(self) -> dict[str, Any]:
        c = self.conn
        row = c.execute("SELECT count(*), min(date), max(date) FROM briefings").fetchone()
        d: dict[str, Any] = {"path": self.path, "briefings": row[0], "exchanges": self.exchange_count(),
                             "date_from": row[1], "date_to": row[2]}
        d["by_lang"] = {r[0]: {"briefings": r[1], "exchanges": r[2]} for r in c.execute(
            "SELECT b.lang, count(DISTINCT b.id), count(e.id) FROM briefings b LEFT JOIN exchanges e "
            "ON e.briefing_id = b.id GROUP BY b.lang ORDER BY 2 DESC")}
        d["by_series"] = {r[0]: r[1] for r in c.execute(
            "SELECT series, count(*) FROM briefings GROUP BY series ORDER BY 2 DESC")}
        d["by_year"] = {r[0]: r[1] for r in c.execute(
            "SELECT substr(date, 1, 4), count(*) FROM briefings GROUP BY 1 ORDER BY 1")}
        d["by_spokesperson"] = {r[0]: r[1] for r in c.execute(
            "SELECT spokesperson, count(*) FROM briefings WHERE spokesperson IS NOT NULL GROUP BY 1 ORDER BY 2 DESC")}
        d["by_outlet"] = {r[0]: r[1] for r in c.execute(
            "SELECT outlet, count(*) FROM exchanges WHERE outlet IS NOT NULL GROUP BY 1 ORDER BY 2 DESC")}
        d["by_outlet_type"] = {r[0]: r[1] for r in c.execute(
            "SELECT outlet_type, count(*) FROM exchanges WHERE outlet_type IS NOT NULL GROUP BY 1 ORDER BY 2 DESC")}
        d["anonymous_questions"] = c.execute("SELECT count(*) FROM exchanges WHERE outlet IS NULL").fetchone()[0]
        d["annotations"] = {r[0]: r[1] for r in c.execute(
            "SELECT kind, count(*) FROM annotations GROUP BY kind ORDER BY kind")}
        d["revisions"] = c.execute("SELECT count(*) FROM revisions").fetchone()[0]
        return d

    # ---- the rest of the store interface (podium.store.base.StoreBackend); the SQL is in analytics and events

    def load_briefings(self, ids: Iterable[int]) -> Iterator[tuple[int, Briefing]]:
        from .analytics import load_briefings

        return load_briefings(self, ids)

    def versions(self) -> tuple[list[Any], dict[int, str]]:
        from . import events

        return events.versions(self)

    def event_fingerprints(self) -> dict[str, str]:
        from . import events

        return events.event_fingerprints(self)

    def write_events(self, events: list[tuple[Any, str]], links: Any, differences: Any) -> dict[str, int]:
        from . import events as store_events

        return store_events.write_events(self, events, links, differences)

    def event(self, event_id: int) -> dict[str, Any]:
        from . import events

        return events.event(self, event_id)

    def event_rows(self, **filters: Any) -> list[dict[str, Any]]:
        from . import events

        return events.event_rows(self, **filters)

    def distinct(self, column: str) -> list[str]:
        """Distinct values of a filter column (for case-insensitive filter matching)."""
        sql = {"spokesperson": "SELECT COALESCE(spokesperson_id, spokesperson) FROM exchanges "
                               "UNION SELECT COALESCE(spokesperson_id, spokesperson) FROM briefings",
               "spokesperson_name": "SELECT spokesperson FROM exchanges UNION SELECT spokesperson FROM briefings",
               "outlet": "SELECT DISTINCT outlet FROM exchanges",
               "outlet_type": "SELECT DISTINCT outlet_type FROM exchanges",
               "lang": "SELECT DISTINCT lang FROM briefings",
               "clarity": "SELECT DISTINCT label FROM annotations WHERE kind = 'clarity'",
               "evasion": "SELECT DISTINCT json_extract(value, '$.fine') FROM annotations WHERE kind = 'clarity' "
                          "AND json_valid(value) AND json_type(value) = 'object'"}[column]
        return [r[0] for r in self.conn.execute(sql) if r[0] is not None]

    def fine_label_ids(self, label: str) -> list[int]:
        """Exchanges whose clarity annotation carries this fine (evasion) label, any case."""
        return [r[0] for r in self.conn.execute(
            "SELECT exchange_id FROM annotations WHERE kind = 'clarity' AND json_valid(value) "
            "AND json_extract(value, '$.fine') = ? COLLATE NOCASE", (label,))]

    def exchange_rows(self, filters: dict[str, Any], *, ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Exchanges with briefing fields (no annotations), filtered, in date order."""
        where, params = self._where(filters)
        if ids is not None:
            if not ids:
                return []
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _ids(id INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM _ids")
            self.conn.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", [(i,) for i in ids])
            where.append("e.id IN (SELECT id FROM _ids)")
        sql = ("SELECT e.id AS exchange_id, e.briefing_id, b.event_id, b.date, b.lang, b.series, b.title, "
               "COALESCE(e.spokesperson, b.spokesperson) AS spokesperson, "
               f"{SPOKESPERSON_KEY} AS spokesperson_id, e.n, e.asker, e.outlet, e.outlet_type, "
               "e.follow_up, e.question, e.answer, b.url, e.source, "
               "(SELECT json_group_array(l.counterpart_id) FROM exchange_links l WHERE l.exchange_id = e.id) "
               "AS counterparts FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY b.date, b.id, e.n"
        out = []
        for r in self.conn.execute(sql, params):
            d = dict(r)
            d["counterparts"] = sorted(json.loads(d["counterparts"])) if d["counterparts"] else []
            out.append(d)
        return out

    def all_annotations(self, filters: dict[str, Any]) -> Iterator[sqlite3.Row]:
        where, params = self._where(filters)
        sql = ("SELECT a.* FROM annotations a JOIN exchanges e ON e.id = a.exchange_id "
               "JOIN briefings b ON b.id = e.briefing_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        return iter(self.conn.execute(sql, params).fetchall())

    @staticmethod
    def _where(filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
        return filter_sql(filters, SQLITE_SQL)
