"""The store of record written once, in the SQL that SQLite and PostgreSQL both speak: ``SqlStore``, which the
SQLite store (``podium.store.sqlite``) and the PostgreSQL store (``podium.store.postgres``) extend with a
connection, transactions and their ``SqlDialect``. The SQL of events is in ``podium.store.events``.

The SQL here uses ``?`` placeholders and reads rows by column name (SQLite's ``Row``, psycopg's dict rows); what
the two databases spell differently (JSON functions, case-insensitive equality, ``IN`` lists, the index queue's
sequence) comes from the dialect. A backend supplies:

    dialect            its SqlDialect
    _connect()         a new connection: ``execute(sql, params)`` -> rows, ``executemany(sql, rows)``, ``close()``
    _transaction()     a context manager: one write transaction, yielding a connection
    _reading()         a context manager: a connection for a long read (the index feed)
    _writer_lock(c, name)  serialise writers of the same thing within a transaction (a no-op where the database
                       serialises all writers)
    _ids_clause(c, column, ids)  SQL and parameters for "column is one of these (many) ids"
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from ..errors import NotFound
from ..model import ASKER, OPENING, SPOKESPERSON, Annotation, Briefing, Exchange, Turn
from ..text import answer_length
from .base import (
    SPOKESPERSON_KEY,
    SqlDialect,
    annotation_record,
    content_hash,
    countries_of,
    filter_sql,
    json_value,
    no_analysis,
    now,
    turn_exchanges,
)
from .events import EventTables
from .index import IndexDoc

#: An exchange with its briefing's fields, as search hits, briefings and events show it.
HIT_SQL = ("SELECT e.id AS exchange_id, e.briefing_id, b.event_id, e.n, b.date, b.lang, b.title, b.series, "
           "COALESCE(e.spokesperson, b.spokesperson) AS spokesperson, "
           f"{SPOKESPERSON_KEY} AS spokesperson_id, e.asker, e.outlet, e.outlet_type, "
           "e.follow_up, e.question, e.answer, e.source, b.url "
           "FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")

#: The briefing columns a stored parse writes, in the order ``write_briefing`` binds them.
_BRIEFING_FIELDS = ("series", "lang", "date", "title", "spokesperson", "spokesperson_id", "url", "source", "format",
                    "n_exchanges", "page_sha256", "content_sha256")
_EXCHANGE_FIELDS = ("asker", "outlet", "outlet_type", "follow_up", "spokesperson", "spokesperson_id", "question",
                    "answer", "source", "answer_words", "answer_chars")
_ANNOTATION_FIELDS = ("label", "value", "confidence", "evidence", "method", "version", "created_at")


def _insert(table: str, columns: Iterable[str], *, returning_id: bool = False) -> str:
    """``INSERT INTO table(a, b) VALUES (?, ?)``, with ``RETURNING id`` when asked."""
    columns = list(columns)
    return (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            + (" RETURNING id" if returning_id else ""))


def _set(columns: Iterable[str]) -> str:
    """``a = ?, b = ?`` for an UPDATE."""
    return ", ".join(f"{c} = ?" for c in columns)


def _set_excluded(columns: Iterable[str]) -> str:
    """``a = excluded.a, b = excluded.b`` for an upsert."""
    return ", ".join(f"{c} = excluded.{c}" for c in columns)


def hit_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``HIT_SQL`` row as a dict, follow_up as a bool."""
    d = dict(row)
    d["follow_up"] = bool(d["follow_up"])
    return d


class SqlStore(EventTables):
    """The store of record over a SQL connection (see the module docstring for what a backend supplies)."""

    dialect: ClassVar[SqlDialect]
    path: str

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    @property
    def conn(self) -> Any:
        """This thread's connection (each thread gets its own)."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._connect()
            self._local.conn = c
            with self._lock:
                self._all.append(c)
        return c

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for c in self._all:
                try:
                    c.close()
                except Exception:  # closing a broken connection: nothing left to do
                    pass
            self._all.clear()
        self._local = threading.local()

    # ---- supplied by the backend ---------------------------------------------------------------------------

    def _connect(self) -> Any:
        """A new connection, rows readable by column name."""
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _writer_lock(self, c: Any, name: str) -> None:
        """Serialise writers of ``name`` until the transaction ends (nothing to do where all writers queue)."""

    def _ids_clause(self, c: Any, column: str, ids: list[int]) -> tuple[str, list[Any]]:
        return self.dialect.in_list(column, list(ids))

    # ---- helpers --------------------------------------------------------------------------------------------

    def _in(self, column: str, values: Iterable[Any]) -> Iterator[tuple[str, list[Any]]]:
        """``column`` is one of ``values``: (SQL, parameters) for as many statements as the backend's limit on
        bound parameters needs (none for no values)."""
        values = list(dict.fromkeys(values))
        step = self.dialect.max_in
        for i in range(0, len(values), step):
            yield self.dialect.in_list(column, values[i:i + step])

    @classmethod
    def _where(cls, filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
        """The SQL of the filters every read takes (``podium.model.FILTERS``; case-insensitive)."""
        return filter_sql(filters, cls.dialect)

    def _get(self, c: Any, table: str, row_id: int, ref: str) -> Mapping[str, Any]:
        """The row of ``table`` with this id, or NotFound naming it as users write it (``ref``: "b12", "v3")."""
        row = c.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise NotFound(f"no {table.removesuffix('s')} {ref} in {self.path}")
        return row

    def _hits(self, c: Any, where: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        return [hit_record(r) for r in c.execute(f"{HIT_SQL} WHERE {where}", list(params))]

    # ---- facts about the database ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                          "excluded.value", (key, value))

    # ---- writing what ingest parsed ---------------------------------------------------------------------------

    def lookup(self, b: Briefing) -> Mapping[str, Any] | None:
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

    @staticmethod
    def _lookup(c: Any, b: Briefing) -> Mapping[str, Any] | None:
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
        candidates = c.execute(
            "SELECT b.* FROM briefings b JOIN exchanges e ON e.briefing_id = b.id AND e.n = 1 "
            "WHERE b.url IS NULL AND b.series = ? AND b.lang = ? AND b.n_exchanges = ? AND e.question = ?",
            (b.series, b.lang, len(b.exchanges), b.exchanges[0].question_text)).fetchall()
        body = [(t.role, t.speaker, t.text) for t in b.turns]
        same_body = [r for r in candidates if [(t["role"], t["speaker"], t["text"]) for t in c.execute(
            "SELECT role, speaker, text FROM turns WHERE briefing_id = ? ORDER BY pos", (r["id"],))] == body]
        return same_body[0] if len(same_body) == 1 else None

    def held_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these publisher URLs a stored briefing has (the fetcher's "already held" check)."""
        held: set[str] = set()
        for where, params in self._in("url", urls):
            held.update(r["url"] for r in self.conn.execute(f"SELECT url FROM briefings WHERE {where}", params))
        return held

    def provenance(self, briefing_key: str) -> dict[str, Any] | None:
        """Where a briefing's date and URL came from (see ``set_provenance``), or None."""
        row = self.conn.execute("SELECT provenance FROM briefings WHERE key = ?", (briefing_key,)).fetchone()
        return json.loads(row["provenance"]) if row and row["provenance"] else None

    def set_provenance(self, briefing_key: str, evidence: dict[str, Any]) -> None:
        """Record the evidence for a briefing's date and URL (an index row, the page's own date line)."""
        value = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
        self.conn.execute("UPDATE briefings SET provenance = ? WHERE key = ? "
                          "AND (provenance IS NULL OR provenance != ?)", (value, briefing_key, value))

    def sync_outlets(self, outlets: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Record the outlet registry (name, type, country)."""
        with self._transaction() as c:
            c.executemany("INSERT INTO outlets(name, outlet_type, country) VALUES (?, ?, ?) ON CONFLICT (name) DO "
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
        at = now()
        with self._transaction() as c:
            self._writer_lock(c, f"{b.series}|{b.lang}|{b.date}")  # writers of the same briefing queue here
            old = self._lookup(c, b)
            url = b.url or (old["url"] if old is not None else None)
            # a page without a URL keeps the natural key of what it now says (rule 3 may have matched it under a
            # corrected date or title); one with a URL, or matching a stored URL, keeps the URL
            key = b.key if b.url or old is None or old["url"] is None else old["key"]
            if old is not None and old["content_sha256"] == content:
                if old["url"] == url:
                    return "unchanged", old["id"]
                # the same text, now with the URL it was published at
                c.execute("UPDATE briefings SET url = ?, key = ?, updated_at = ? WHERE id = ?",
                          (url, key, at, old["id"]))
                return "updated", old["id"]
            fields = (b.series, b.lang, b.date.isoformat(), b.title, b.spokesperson, person(b.spokesperson), url,
                      b.source, b.format, len(b.exchanges), page_sha256, content)
            existing: dict[int, int] = {}
            if old is None:
                bid = c.execute(_insert("briefings", ("key", *_BRIEFING_FIELDS, "ingested_at", "updated_at"),
                                        returning_id=True),
                                (key, *fields, at, at)).fetchone()["id"]
                status = "added"
            else:
                bid, status = old["id"], "updated"
                self._record_revision(c, old, b, page_sha256=page_sha256, content=content, at=at)
                c.execute(f"UPDATE briefings SET {_set(('key', *_BRIEFING_FIELDS, 'updated_at'))} WHERE id = ?",
                          (key, *fields, at, bid))
                c.execute("DELETE FROM turns WHERE briefing_id = ?", (bid,))
                existing = {r["n"]: r["id"] for r in c.execute("SELECT id, n FROM exchanges WHERE briefing_id = ?",
                                                               (bid,))}
                c.execute("DELETE FROM annotations WHERE exchange_id IN (SELECT id FROM exchanges "
                          "WHERE briefing_id = ?)", (bid,))
                keep = {e.n for e in b.exchanges}
                for where, params in self._in("id", [eid for n, eid in existing.items() if n not in keep]):
                    c.execute(f"DELETE FROM exchanges WHERE {where}", params)
            # outlets first seen in the data (the registry may not know every one); in one order, so that two
            # writers never wait on each other's rows
            seen = sorted({(e.outlet, e.outlet_type) for e in b.exchanges if e.outlet}, key=str)
            if seen:
                c.executemany("INSERT INTO outlets(name, outlet_type) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                              seen)
            ids = self._write_exchanges(c, bid, b, existing, person)
            c.executemany(_insert("turns", ("briefing_id", "pos", "role", "speaker", "exchange_n", "text")),
                          [(bid, pos, t.role, t.speaker, n, t.text) for pos, (t, n) in enumerate(turn_exchanges(b), 1)])
            self._insert_annotations(c, ids, annotations, at)
            self._queue(c, "?", (bid,))
        return status, bid

    def _record_revision(self, c: Any, old: Mapping[str, Any], b: Briefing, *, page_sha256: str, content: str,
                         at: str) -> None:
        """A revision of the stored briefing ``old``, keeping the version ``b`` replaces."""
        c.execute(_insert("revisions", (
            "briefing_id", "revised_at", "reason", "source", "old_page_sha256", "new_page_sha256",
            "old_content_sha256", "new_content_sha256", "old_n_exchanges", "new_n_exchanges", "old_parse")),
            (old["id"], at, "page changed" if old["page_sha256"] != page_sha256 else "parse changed", b.source,
             old["page_sha256"], page_sha256, old["content_sha256"], content, old["n_exchanges"], len(b.exchanges),
             json.dumps(self._old_parse(c, old["id"]), ensure_ascii=False)))

    @staticmethod
    def _write_exchanges(c: Any, bid: int, b: Briefing, existing: dict[int, int],
                         person: Callable[[str | None], str | None]) -> dict[int, int]:
        """Write the briefing's exchanges, updating those still at a position held (``existing``: {n: id});
        returns {n: exchange id}."""
        ids: dict[int, int] = {}
        for e in b.exchanges:
            answer = e.answer_text
            row = (e.asker, e.outlet, e.outlet_type, int(bool(e.follow_up)), e.spokesperson, person(e.spokesperson),
                   e.question_text, answer, b.source, *answer_length(answer, b.lang))
            if e.n in existing:
                c.execute(f"UPDATE exchanges SET {_set(_EXCHANGE_FIELDS)} WHERE id = ?", (*row, existing[e.n]))
                ids[e.n] = existing[e.n]
            else:
                ids[e.n] = c.execute(_insert("exchanges", ("briefing_id", "n", *_EXCHANGE_FIELDS), returning_id=True),
                                     (bid, e.n, *row)).fetchone()["id"]
        return ids

    @staticmethod
    def _old_parse(c: Any, bid: int) -> dict[str, Any]:
        """A stored briefing as ``podium parse --json`` prints it (the replaced version a revision keeps)."""
        b = c.execute("SELECT * FROM briefings WHERE id = ?", (bid,)).fetchone()
        ex = c.execute("SELECT * FROM exchanges WHERE briefing_id = ? ORDER BY n", (bid,)).fetchall()
        openings = [r["text"] for r in c.execute(
            "SELECT text FROM turns WHERE briefing_id = ? AND role = 'opening' ORDER BY pos", (bid,))]
        return {"series": b["series"], "lang": b["lang"], "date": b["date"], "title": b["title"],
                "spokesperson": b["spokesperson"], "url": b["url"], "openings": openings,
                "exchanges": [{"n": r["n"], "asker": r["asker"], "outlet": r["outlet"],
                               "outlet_type": r["outlet_type"], "follow_up": bool(r["follow_up"]),
                               "question": r["question"], "answer": r["answer"]} for r in ex]}

    @staticmethod
    def _insert_annotations(c: Any, ids: dict[int, int], annotations: Iterable[Annotation], at: str) -> int:
        rows = [(ids[a.exchange_n], a.kind, a.label,
                 None if a.value is None else json.dumps(a.value, ensure_ascii=False), a.confidence, a.evidence,
                 a.method or "", a.version or "", at) for a in annotations if a.exchange_n in ids]
        c.executemany(_insert("annotations", ("exchange_id", "kind", *_ANNOTATION_FIELDS))
                      + f" ON CONFLICT (exchange_id, kind) DO UPDATE SET {_set_excluded(_ANNOTATION_FIELDS)}",
                      rows)
        return len(rows)

    def write_annotations(self, briefing_id: int, annotations: Iterable[Annotation], *,
                          replace_kinds: Iterable[str] | None = None, reindex: bool = True) -> int:
        """Store analysis results for one briefing's exchanges in one transaction and queue it for re-indexing
        (clarity and countries are index fields). ``replace_kinds``: kinds whose old rows are deleted first;
        ``reindex=False`` for kinds the index does not carry (formulations)."""
        at = now()
        with self._transaction() as c:
            ids = self.briefing_exchange_ids(briefing_id, c)
            if not ids and not c.execute("SELECT 1 AS found FROM briefings WHERE id = ?", (briefing_id,)).fetchone():
                raise NotFound(f"no briefing b{briefing_id}")
            for kind in replace_kinds or ():
                c.execute("DELETE FROM annotations WHERE kind = ? AND exchange_id IN "
                          "(SELECT id FROM exchanges WHERE briefing_id = ?)", (kind, briefing_id))
            n = self._insert_annotations(c, ids, annotations, at)
            if reindex:
                self._queue(c, "?", (briefing_id,))
        return n

    def briefing_exchange_ids(self, briefing_id: int, c: Any = None) -> dict[int, int]:
        """{exchange n: exchange id} of one briefing."""
        c = self.conn if c is None else c
        return {r["n"]: r["id"] for r in c.execute("SELECT n, id FROM exchanges WHERE briefing_id = ?", (briefing_id,))}

    # ---- the queue that keeps a search index in step -----------------------------------------------------------

    def _queue(self, c: Any, briefing_ids: str, params: Iterable[Any] = ()) -> None:
        """Queue for (re)indexing the briefings that ``briefing_ids`` (SQL: a parameter or a SELECT) names."""
        c.execute(f"INSERT INTO index_pending(briefing_id, seq) SELECT id, {self.dialect.next_seq} FROM briefings "
                  f"WHERE id IN ({briefing_ids}) ON CONFLICT (briefing_id) DO UPDATE SET seq = excluded.seq",
                  list(params))

    def pending(self) -> dict[int, int]:
        """Briefings waiting to be (re)indexed: {briefing_id: seq}."""
        return {r["briefing_id"]: r["seq"] for r in self.conn.execute(
            "SELECT briefing_id, seq FROM index_pending ORDER BY 1")}

    def clear_pending(self, pending: dict[int, int]) -> None:
        """Dequeue what was indexed — unless it was queued again since (then its seq differs)."""
        with self._transaction() as c:
            c.executemany("DELETE FROM index_pending WHERE briefing_id = ? AND seq = ?", list(pending.items()))

    def queue_all(self) -> None:
        self._queue(self.conn, "SELECT id FROM briefings")

    def index_docs(self, briefing_ids: Iterable[int] | None = None) -> Iterator[IndexDoc]:
        """What the index should hold for these briefings (all when None), read from the store."""
        sql = ("SELECT e.id, e.briefing_id, b.date, e.question, e.answer, b.lang, "
               f"{SPOKESPERSON_KEY} AS spokesperson, e.outlet, e.outlet_type, "
               "(SELECT label FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity') AS clarity, "
               "(SELECT value FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'countries') AS countries "
               "FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")
        chunks = [("true", [])] if briefing_ids is None else list(self._in("e.briefing_id", briefing_ids))
        with self._reading() as conn:
            for where, params in chunks:
                for r in conn.execute(f"{sql} WHERE {where} ORDER BY e.id", params):
                    yield IndexDoc(exchange_id=r["id"], briefing_id=r["briefing_id"], date=r["date"],
                                   question=r["question"], answer=r["answer"], lang=r["lang"],
                                   spokesperson=r["spokesperson"], outlet=r["outlet"], outlet_type=r["outlet_type"],
                                   clarity=r["clarity"],
                                   countries=countries_of(json.loads(r["countries"])) if r["countries"] else ())

    def exchange_count(self) -> int:
        return self.conn.execute("SELECT count(*) AS n FROM exchanges").fetchone()["n"]

    def exchange_ids(self) -> set[int]:
        return {r["id"] for r in self.conn.execute("SELECT id FROM exchanges")}

    # ---- reading records ----------------------------------------------------------------------------------------

    def exchanges_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for where, params in self._in("e.id", ids):
            out.update((d["exchange_id"], d) for d in self._hits(self.conn, where, params))
        return out

    def hit_annotations(self, exchange_ids: list[int]) -> dict[int, dict[str, Any]]:
        """What a search hit shows of its analysis, one query per batch of exchanges: {exchange_id: {"clarity",
        "clarity_fine", "clarity_evidence", "countries"}} (exchanges with neither annotation are left out).
        "countries" comes from the countries label: the sorted union of the question's and the answer's codes."""
        out: dict[int, dict[str, Any]] = {}
        for where, params in self._in("exchange_id", exchange_ids):
            # the database picks out the fine label: parsing whole values (class probabilities and all) in Python
            # cost more than the query
            for r in self.conn.execute(
                    "SELECT exchange_id, kind, label, CASE WHEN kind = 'clarity' AND substr(value, 1, 1) = '{' "
                    f"THEN {self.dialect.fine_of('value')} END AS fine, evidence FROM annotations "
                    f"WHERE kind IN ('clarity', 'countries') AND {where}", params):
                d = out.setdefault(r["exchange_id"], no_analysis())
                if r["kind"] == "clarity":
                    d.update(clarity=r["label"], clarity_fine=r["fine"] if isinstance(r["fine"], str) else None,
                             clarity_evidence=r["evidence"])
                else:
                    d["countries"] = r["label"].split() if r["label"] else []
        return out

    def annotations_for(self, exchange_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
        out: dict[int, dict[str, dict[str, Any]]] = {}
        for where, params in self._in("exchange_id", exchange_ids):
            for r in self.conn.execute(f"SELECT * FROM annotations WHERE {where}", params):
                out.setdefault(r["exchange_id"], {})[r["kind"]] = annotation_record(r)
        return out

    def briefing(self, briefing_id: int) -> dict[str, Any]:
        c = self.conn
        b = self._get(c, "briefings", briefing_id, f"b{briefing_id}")
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
        exchanges = self._hits(c, "e.briefing_id = ? ORDER BY e.n", (briefing_id,))
        ann = self.annotations_for([e["exchange_id"] for e in exchanges])
        for e in exchanges:
            e["annotations"] = ann.get(e["exchange_id"], {})
        d["exchanges"] = exchanges
        near = "SELECT id FROM briefings WHERE lang = ? AND series = ? AND (date {0} ? OR (date = ? AND id {0} ?)) "
        around = (b["lang"], b["series"], b["date"], b["date"], b["id"])
        prev = c.execute(near.format("<") + "ORDER BY date DESC, id DESC LIMIT 1", around).fetchone()
        nxt = c.execute(near.format(">") + "ORDER BY date, id LIMIT 1", around).fetchone()
        d["prev_id"] = prev["id"] if prev else None
        d["next_id"] = nxt["id"] if nxt else None
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

    def load_briefings(self, ids: Iterable[int]) -> Iterator[tuple[int, Briefing]]:
        """Stored briefings as ``Briefing`` objects (openings and exchanges; an answer is one turn), for the
        analysis passes and the aligner."""
        c = self.conn
        for bid in ids:
            b = c.execute("SELECT * FROM briefings WHERE id = ?", (bid,)).fetchone()
            if b is None:
                continue
            openings = tuple(Turn(OPENING, r["speaker"], tuple(r["text"].split("\n"))) for r in c.execute(
                "SELECT speaker, text FROM turns WHERE briefing_id = ? AND role = 'opening' ORDER BY pos", (bid,)))
            exchanges = tuple(
                Exchange(n=r["n"], question=Turn(ASKER, r["asker"], tuple(r["question"].split("\n"))),
                         answers=(Turn(SPOKESPERSON, r["spokesperson"], tuple(r["answer"].split("\n"))),),
                         asker=r["asker"], outlet=r["outlet"], outlet_type=r["outlet_type"],
                         follow_up=bool(r["follow_up"]), spokesperson=r["spokesperson"])
                for r in c.execute("SELECT * FROM exchanges WHERE briefing_id = ? ORDER BY n", (bid,)).fetchall())
            yield bid, Briefing(series=b["series"], lang=b["lang"], date=dt.date.fromisoformat(b["date"]),
                                title=b["title"], spokesperson=b["spokesperson"], url=b["url"], source=b["source"],
                                format=b["format"], openings=openings, exchanges=exchanges)

    # ---- reading across the corpus --------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Briefings, exchanges and date range; by language, series, year, spokesperson and outlet (every version
        counted: the event counts are ``podium.store.analytics.event_stats``)."""
        c = self.conn

        def counts(sql: str) -> dict[Any, Any]:
            return {r["k"]: r["n"] for r in c.execute(sql)}

        row = c.execute("SELECT count(*) AS n, min(date) AS lo, max(date) AS hi FROM briefings").fetchone()
        d: dict[str, Any] = {"path": self.path, "briefings": row["n"], "exchanges": self.exchange_count(),
                             "date_from": row["lo"], "date_to": row["hi"]}
        d["by_lang"] = {r["lang"]: {"briefings": r["briefings"], "exchanges": r["exchanges"]} for r in c.execute(
            "SELECT b.lang, count(DISTINCT b.id) AS briefings, count(e.id) AS exchanges FROM briefings b "
            "LEFT JOIN exchanges e ON e.briefing_id = b.id GROUP BY b.lang ORDER BY 2 DESC")}
        d["by_series"] = counts("SELECT series AS k, count(*) AS n FROM briefings GROUP BY series ORDER BY 2 DESC")
        d["by_year"] = counts("SELECT substr(date, 1, 4) AS k, count(*) AS n FROM briefings GROUP BY 1 ORDER BY 1")
        for name, table, column in (("by_spokesperson", "briefings", "spokesperson"),
                                    ("by_outlet", "exchanges", "outlet"),
                                    ("by_outlet_type", "exchanges", "outlet_type")):
            d[name] = counts(f"SELECT {column} AS k, count(*) AS n FROM {table} WHERE {column} IS NOT NULL "
                             "GROUP BY 1 ORDER BY 2 DESC")
        d["anonymous_questions"] = c.execute(
            "SELECT count(*) AS n FROM exchanges WHERE outlet IS NULL").fetchone()["n"]
        d["annotations"] = counts("SELECT kind AS k, count(*) AS n FROM annotations GROUP BY kind ORDER BY kind")
        d["revisions"] = c.execute("SELECT count(*) AS n FROM revisions").fetchone()["n"]
        return d

    def distinct(self, column: str) -> list[str]:
        """Distinct values of a filter column (for case-insensitive filter matching)."""
        sql = {"spokesperson": "SELECT COALESCE(spokesperson_id, spokesperson) AS v FROM exchanges "
                               "UNION SELECT COALESCE(spokesperson_id, spokesperson) FROM briefings",
               "spokesperson_name": "SELECT spokesperson AS v FROM exchanges UNION SELECT spokesperson FROM briefings",
               "outlet": "SELECT DISTINCT outlet AS v FROM exchanges",
               "outlet_type": "SELECT DISTINCT outlet_type AS v FROM exchanges",
               "lang": "SELECT DISTINCT lang AS v FROM briefings",
               "clarity": "SELECT DISTINCT label AS v FROM annotations WHERE kind = 'clarity'",
               "evasion": f"SELECT DISTINCT {self.dialect.fine_of('value')} AS v FROM annotations "
                          "WHERE kind = 'clarity' AND substr(value, 1, 1) = '{'"}[column]
        return [r["v"] for r in self.conn.execute(sql) if r["v"] is not None]

    def fine_label_ids(self, label: str) -> list[int]:
        """Exchanges whose clarity annotation carries this fine (evasion) label, any case."""
        return [r["exchange_id"] for r in self.conn.execute(
            "SELECT exchange_id FROM annotations WHERE kind = 'clarity' AND substr(value, 1, 1) = '{' "
            f"AND {self.dialect.equals_ci(self.dialect.fine_of('value'))}", (label,))]

    def _selected(self, sql: str, filters: dict[str, Any], ids: list[int] | None,
                  column: str = "e.id") -> tuple[str, list[Any]] | None:
        """``sql`` (a SELECT over ``exchanges e JOIN briefings b``) with the filters' WHERE and, given ``ids``, only
        those exchanges (``column``); None when ``ids`` is empty: nothing to read."""
        where, params = self._where(filters)
        if ids is not None:
            if not ids:
                return None
            clause, more = self._ids_clause(self.conn, column, ids)
            where.append(clause)
            params += more
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params

    def exchange_rows(self, filters: dict[str, Any], *, ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Exchanges with briefing fields (no annotations), filtered, in date order."""
        query = self._selected(
            "SELECT e.id AS exchange_id, e.briefing_id, b.event_id, b.date, b.lang, b.series, b.title, "
            "COALESCE(e.spokesperson, b.spokesperson) AS spokesperson, "
            f"{SPOKESPERSON_KEY} AS spokesperson_id, e.n, e.asker, e.outlet, e.outlet_type, "
            "e.follow_up, e.question, e.answer, b.url, e.source, "
            f"(SELECT {self.dialect.json_agg}(l.counterpart_id) FROM exchange_links l "
            "WHERE l.exchange_id = e.id) AS counterparts FROM exchanges e JOIN briefings b ON b.id = e.briefing_id",
            filters, ids)
        if query is None:
            return []
        out = []
        for r in self.conn.execute(query[0] + " ORDER BY b.date, b.id, e.n", query[1]):
            d = dict(r)
            d["counterparts"] = sorted(json_value(d["counterparts"]) or [])
            out.append(d)
        return out

    def exchange_order(self, filters: dict[str, Any], *, ids: list[int] | None = None) -> list[int]:
        """The ids of the exchanges ``exchange_rows`` returns, in its order (for reading them a part at a time)."""
        query = self._selected("SELECT e.id AS exchange_id FROM exchanges e JOIN briefings b ON b.id = e.briefing_id",
                               filters, ids)
        if query is None:
            return []
        return [r["exchange_id"] for r in self.conn.execute(query[0] + " ORDER BY b.date, b.id, e.n", query[1])]

    def all_annotations(self, filters: dict[str, Any], *,
                        ids: list[int] | None = None) -> list[Mapping[str, Any]]:
        """The annotation rows of the exchanges the filters keep (of these exchanges only, given ``ids``)."""
        query = self._selected("SELECT a.* FROM annotations a JOIN exchanges e ON e.id = a.exchange_id "
                               "JOIN briefings b ON b.id = e.briefing_id", filters, ids, "a.exchange_id")
        return [] if query is None else self.conn.execute(*query).fetchall()

__all__ = ["HIT_SQL", "SqlStore", "hit_record"]
