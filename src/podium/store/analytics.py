"""The SQLite queries the analysis area needs (not yet in the shared SQL of ``podium.store.sql``): which briefings
a pass has not yet annotated at its current version, exchange metadata for trends and outlet tables, and the
``formulations`` table of mined phrases (created by the miner's write, idempotently; reads of a database never
mined find no formulations). ``load_briefings`` is the store's method, kept here as a function for its callers.

    formulations   one row per mined phrase: text, lang, first/last use, briefings using it, spokespersons,
                   per-month use next to briefings held (JSON), how it was mined (method, version, mined_at)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Briefing
from ..text import answer_length
from .base import SPOKESPERSON_KEY, now, where_clause
from .sqlite import Store

FORMULATIONS_DDL = """
CREATE TABLE IF NOT EXISTS formulations (
    id             INTEGER PRIMARY KEY,
    series         TEXT NOT NULL,         -- mined per series and language
    lang           TEXT NOT NULL,
    text           TEXT NOT NULL,
    n_tokens       INTEGER NOT NULL,
    briefings      INTEGER NOT NULL,      -- briefings using it
    occurrences    INTEGER NOT NULL,
    cohesion       REAL,                  -- lowest PMI over its split points
    left_entropy   REAL,
    right_entropy  REAL,
    first_date     TEXT NOT NULL,
    first_briefing TEXT NOT NULL,         -- briefing key (URL)
    last_date      TEXT NOT NULL,
    last_briefing  TEXT NOT NULL,
    spokespersons  TEXT NOT NULL,         -- JSON {name: briefings}
    months         TEXT NOT NULL,         -- JSON {"YYYY-MM": [briefings using, briefings held]}
    method         TEXT NOT NULL,
    version        TEXT NOT NULL,
    mined_at       TEXT NOT NULL,
    UNIQUE (series, lang, text)
);
CREATE INDEX IF NOT EXISTS formulations_first ON formulations(first_date);
"""


def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create the analysis tables if missing. The formulations table holds derived data (re-mined by
    `podium analyse`), so a table of an older shape is dropped and recreated rather than migrated."""
    cols = {r[1] for r in conn.execute("PRAGMA table_info(formulations)")}
    if cols and "series" not in cols:
        conn.execute("DROP TABLE formulations")
    conn.executescript(FORMULATIONS_DDL)


def _mined(store: Store) -> bool:
    """Whether the formulations table is there, in its current shape (reads do not create it: a read-only store
    cannot, and a table that is missing or of an older shape holds nothing current)."""
    return "series" in {r[1] for r in store.conn.execute("PRAGMA table_info(formulations)")}


def corpus_state(store: Store) -> str:
    """A fingerprint of the stored briefings that changes whenever one is added, revised or deleted."""
    row = store.conn.execute("SELECT count(*), max(updated_at), max(id) FROM briefings").fetchone()
    return f"{row[0]}|{row[1]}|{row[2]}"


def formulation_count(store: Store) -> int:
    if not _mined(store):
        return 0
    return store.conn.execute("SELECT count(*) FROM formulations").fetchone()[0]


def briefing_ids(store: Store, *, lang: str | None = None) -> list[int]:
    sql = "SELECT id FROM briefings" + (" WHERE lang = ?" if lang else "") + " ORDER BY date, id"
    return [r[0] for r in store.conn.execute(sql, (lang,) if lang else ())]


def briefing_groups(store: Store) -> dict[tuple[str, str], list[int]]:
    """Briefing ids per (series, language), each list in (date, key) order: the formulation miner's groups."""
    out: dict[tuple[str, str], list[int]] = {}
    for bid, series, lang in store.conn.execute("SELECT id, series, lang FROM briefings ORDER BY date, key"):
        out.setdefault((series, lang), []).append(bid)
    return out


def stale_briefings(store: Store, kind: str, version: str) -> list[int]:
    """Briefings with an exchange that has no annotation of this kind at this version."""
    sql = ("SELECT DISTINCT e.briefing_id FROM exchanges e LEFT JOIN annotations a "
           "ON a.exchange_id = e.id AND a.kind = ? WHERE a.version IS NULL OR a.version != ? ORDER BY 1")
    return [r[0] for r in store.conn.execute(sql, (kind, version))]


def load_briefings(store: Store, ids: Iterable[int]) -> Iterator[tuple[int, Briefing]]:
    """Stored briefings as ``Briefing`` objects (``Store.load_briefings``)."""
    return store.load_briefings(ids)


def event_units(store: Store, filters: dict[str, Any], *, langs: list[str] | None = None,
                kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """The counting units of trends: one row per exchange (and one per version without exchanges, when no
    exchange-level filter is given) with event_id, the event's date and kind, the version's briefing_id and
    lang, exchange_id (None for such a version), the person key (``spokesperson``) and outlet_type. ``langs``
    and ``kinds`` keep versions in those languages and events of those kinds (None: all)."""
    filters = dict(filters)
    where, params = Store._where(filters)
    if langs:
        where.append(f"b.lang IN ({','.join('?' * len(langs))})")
        params += list(langs)
    if kinds:
        where.append(f"ev.kind IN ({','.join('?' * len(kinds))})")
        params += list(kinds)
    exchange_level = any(filters.get(k) for k in ("outlet", "outlet_type", "clarity", "country"))
    sql = ("SELECT ev.id AS event_id, ev.date, ev.kind, b.id AS briefing_id, b.lang, e.id AS exchange_id, "
           f"{SPOKESPERSON_KEY} AS spokesperson, e.outlet_type FROM briefings b "
           "JOIN events ev ON ev.id = b.event_id "
           + ("JOIN" if exchange_level else "LEFT JOIN") + " exchanges e ON e.briefing_id = b.id")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [dict(r) for r in store.conn.execute(sql, params)]


def event_kinds(store: Store) -> dict[str, int]:
    """{event kind: events}."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT kind, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC")}


def event_stats(store: Store) -> dict[str, Any]:
    """Events by kind and by the languages of their versions, and by spokesperson (person key)."""
    c = store.conn
    out: dict[str, Any] = {"events": c.execute("SELECT count(*) FROM events").fetchone()[0]}
    row = c.execute("SELECT min(date), max(date) FROM events").fetchone()
    out["date_from"], out["date_to"] = row[0], row[1]
    out["by_kind"] = {}
    for kind, langs, n in c.execute("SELECT kind, langs, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2"):
        out["by_kind"].setdefault(kind, {})[langs] = n
    out["by_spokesperson"] = {r[0]: {"events": r[1], "versions": r[2]} for r in c.execute(
        "SELECT COALESCE(b.spokesperson_id, b.spokesperson), count(DISTINCT b.event_id), count(*) FROM briefings b "
        "WHERE b.spokesperson IS NOT NULL GROUP BY 1 ORDER BY 2 DESC")}
    out["linked_exchanges"] = c.execute("SELECT count(DISTINCT exchange_id) FROM exchange_links").fetchone()[0]
    return out


def exchange_units(store: Store, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per exchange (filtered; ``series`` too): exchange_id, briefing_id, date, lang, series, spokesperson,
    outlet, outlet_type."""
    filters = dict(filters)
    series = filters.pop("series", None)
    where, params = Store._where(filters)
    if series:
        where.append("b.series = ?")
        params.append(series)
    sql = ("SELECT e.id AS exchange_id, e.briefing_id, b.date, b.lang, b.series, "
           "COALESCE(e.spokesperson, b.spokesperson) AS spokesperson, e.outlet, e.outlet_type "
           "FROM exchanges e JOIN briefings b ON b.id = e.briefing_id")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [dict(r) for r in store.conn.execute(sql, params)]


def exchanges_with_country(store: Store, code: str) -> list[int]:
    """Exchanges whose question or answer names the country (per the countries annotations)."""
    rows = store.conn.execute("SELECT exchange_id, value FROM annotations WHERE kind = 'countries' "
                              "AND instr(value, ?) > 0", (f'"{code}"',))
    out = []
    for eid, value in rows:
        v = json.loads(value)
        if code in v.get("question", []) or code in v.get("answer", []):
            out.append(eid)
    return out


def exchanges_with_formulation(store: Store, text: str) -> list[int]:
    """Exchanges tagged with the formulation (per the formulations annotations)."""
    needle = json.dumps(text, ensure_ascii=False)
    rows = store.conn.execute("SELECT exchange_id, value FROM annotations WHERE kind = 'formulations' "
                              "AND instr(value, ?) > 0", (needle,))
    return [eid for eid, value in rows if text in json.loads(value)]


def outlet_rows(store: Store, filters: dict[str, Any] | None = None, *, answer_lengths: bool = True,
                countries: bool = True, counterparts: bool = True) -> dict[str, list[Any]]:
    """The exchanges the outlet and clarity tables count, as columns (a list each, one item per exchange, ready
    for ``pandas.DataFrame``): exchange_id, event_id, date, outlet, outlet_type, lang, spokesperson (person key)
    and clarity (label or None); with ``countries`` countries_question (the ISO3 codes its question names, a
    tuple; None when not annotated); with ``answer_lengths`` answer_words and answer_chars
    (``podium.text.answer_length``, as stored with the exchange; computed from the answer for a row written
    without them, e.g. by hand: the answer itself is not read, which is most of the time and memory at scale); with
    ``counterparts`` the ids of its counterparts in other language versions (``counterparts``, a tuple) and
    their langs (``counterpart_langs``, sorted)."""
    where, params = Store._where(dict(filters or {}))
    names = ["exchange_id", "event_id", "date", "outlet", "outlet_type", "lang", "spokesperson", "clarity"]
    sql = ("SELECT e.id, b.event_id, b.date, e.outlet, e.outlet_type, b.lang, "
           f"{SPOKESPERSON_KEY}, "
           "(SELECT label FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity')")
    if countries:
        names.append("countries_question")
        sql += (", (SELECT json_extract(value, '$.question') FROM annotations a "
                "WHERE a.exchange_id = e.id AND a.kind = 'countries')")
    if answer_lengths:  # stored with the exchange; the text only where a row was written without them
        sql += (", e.answer_words, e.answer_chars, "
                "CASE WHEN e.answer_words IS NULL AND e.answer_chars IS NULL THEN e.answer END")
    sql += " FROM exchanges e JOIN briefings b ON b.id = e.briefing_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    cols: dict[str, list[Any]] = {name: [] for name in names}
    same: dict[Any, Any] = {}  # one object per repeated value (dates, outlets, labels): a million rows stay small
    codes: dict[str | None, tuple[str, ...] | None] = {None: None}
    if answer_lengths:
        cols["answer_words"], cols["answer_chars"] = [], []
    cur = store.conn.execute(sql, params)
    while batch := cur.fetchmany(20_000):
        columns = list(zip(*batch, strict=True))
        cols["exchange_id"].extend(columns[0])
        for name, col in zip(names[1:8], columns[1:8], strict=True):
            cols[name].extend(map(same.setdefault, col, col))
        if countries:
            for q in columns[8]:
                if q not in codes:
                    value = json.loads(q)
                    codes[q] = tuple(value) if isinstance(value, list) else None
            cols["countries_question"].extend(map(codes.__getitem__, columns[8]))
        if answer_lengths:
            stored_words, stored_chars, texts = columns[-3:]
            if any(t is not None for t in texts):
                pairs = [answer_length(t, lang) if t is not None else (w, c)
                         for w, c, t, lang in zip(stored_words, stored_chars, texts, columns[5], strict=True)]
                stored_words, stored_chars = [p[0] for p in pairs], [p[1] for p in pairs]
            cols["answer_words"].extend(stored_words)
            cols["answer_chars"].extend(stored_chars)
    if counterparts:
        links: dict[int, list[tuple[int, str]]] = {}
        sql = ("SELECT l.exchange_id, l.counterpart_id, cb.lang FROM exchange_links l "
               "JOIN exchanges e ON e.id = l.exchange_id JOIN briefings b ON b.id = e.briefing_id "
               "JOIN exchanges c ON c.id = l.counterpart_id JOIN briefings cb ON cb.id = c.briefing_id")
        if where:  # the links of the exchanges read above only
            sql += " WHERE " + " AND ".join(where)
        for eid, cp, lang in store.conn.execute(sql + " ORDER BY l.exchange_id, l.counterpart_id", params):
            links.setdefault(eid, []).append((cp, lang))
        none: tuple[Any, ...] = ()
        found = [links.get(eid) for eid in cols["exchange_id"]]
        cols["counterparts"] = [tuple(x[0] for x in f) if f else none for f in found]
        langs: dict[tuple[str, ...], tuple[str, ...]] = {}
        cols["counterpart_langs"] = [langs.setdefault(k := tuple(sorted({x[1] for x in f})), k) if f else none
                                     for f in found]
    return cols


def replace_formulations(store: Store, rows: list[dict[str, Any]], *, method: str, version: str) -> int:
    """Replace the mined list with a new one in one transaction; returns rows written."""
    ensure_tables(store.conn)
    at = now()
    with store._transaction() as c:
        c.execute("DELETE FROM formulations")
        c.executemany(
            "INSERT INTO formulations(series, lang, text, n_tokens, briefings, occurrences, cohesion, left_entropy, "
            "right_entropy, first_date, first_briefing, last_date, last_briefing, spokespersons, months, method, "
            "version, mined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r["series"], r["lang"], r["text"], r["n_tokens"], r["briefings"], r["occurrences"], r["cohesion"],
              r["left_entropy"], r["right_entropy"], r["first_date"], r["first_briefing"], r["last_date"],
              r["last_briefing"], json.dumps(r["spokespersons"], ensure_ascii=False), json.dumps(r["months"]),
              method, version, at) for r in rows])
    return len(rows)


def read_formulations(store: Store, *, new_since: str | None = None, lang: str | None = None,
                      limit: int | None = None) -> list[dict[str, Any]]:
    """The stored formulations, most widely used first (first used on or after new_since, if given)."""
    if not _mined(store):
        return []
    where, params = where_clause(("first_date >= ?", new_since), ("lang = ?", lang))
    sql = f"SELECT * FROM formulations{where} ORDER BY briefings DESC, text"
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    out = []
    for r in store.conn.execute(sql, params):
        d = dict(r)
        d["spokespersons"] = json.loads(d["spokespersons"])
        d["months"] = json.loads(d["months"])
        out.append(d)
    return out


def find_formulation(store: Store, ref: str) -> dict[str, Any] | None:
    """A stored formulation by id ("12", "f12") or text (case-insensitive)."""
    if not _mined(store):
        return None
    ref = ref.strip()
    bare = ref[1:] if ref[:1].lower() == "f" and ref[1:].isdigit() else ref
    if bare.isascii() and bare.isdigit():
        if int(bare) >= 2**63:  # beyond SQLite's integers: no formulation has that id
            return None
        row = store.conn.execute("SELECT * FROM formulations WHERE id = ?", (int(bare),)).fetchone()
    else:
        row = store.conn.execute("SELECT * FROM formulations WHERE text = ? COLLATE NOCASE "
                                 "ORDER BY briefings DESC LIMIT 1", (ref,)).fetchone()
    return dict(row) if row else None
