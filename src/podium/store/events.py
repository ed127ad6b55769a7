"""The SQL of events (one press conference, whatever its language versions): the versions the linker reads, the
events, exchange links and version differences it writes back (one transaction), the spokesperson registry
table, and clarity carried from one version's exchange to its counterpart."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..model import Event, ExchangeLink, Spokesperson, Version
from .base import difference_records, link_rows, side_by_side
from .sqlite import Store, _in_chunks, _now


def sync_spokespersons(store: Store, people: Iterable[Spokesperson], key_of: Callable[[str | None], str | None]) -> int:
    """Record the registry and give every stored briefing and exchange its person key; returns rows changed."""
    changed = 0
    with store._transaction() as c:
        c.executemany("INSERT INTO spokespersons(id, publisher, name_en, name_zh, aliases) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET publisher = excluded.publisher, name_en = excluded.name_en, "
                      "name_zh = excluded.name_zh, aliases = excluded.aliases",
                      [(p.id, p.publisher, p.name_en, p.name_zh, json.dumps(list(p.aliases), ensure_ascii=False))
                       for p in people])
        for table in ("briefings", "exchanges"):
            pairs = c.execute(f"SELECT DISTINCT spokesperson, spokesperson_id FROM {table} "
                              "WHERE spokesperson IS NOT NULL").fetchall()
            for name, have in pairs:
                want = key_of(name)
                if want != have:
                    changed += c.execute(f"UPDATE {table} SET spokesperson_id = ? WHERE spokesperson = ?",
                                         (want, name)).rowcount
                    if table == "exchanges":
                        c.execute("INSERT INTO index_pending(briefing_id, seq) SELECT DISTINCT briefing_id, "
                                  f"{Store._QUEUE_SEQ} FROM exchanges WHERE spokesperson = ? "
                                  "ON CONFLICT(briefing_id) DO UPDATE SET seq = excluded.seq", (name,))
    return changed


def spokesperson_names(store: Store) -> dict[str, list[str]]:
    """{person key: [names as printed]} for every spokesperson in the store."""
    out: dict[str, list[str]] = {}
    for key, name in store.conn.execute(
            "SELECT DISTINCT COALESCE(spokesperson_id, spokesperson), spokesperson FROM briefings "
            "WHERE spokesperson IS NOT NULL UNION SELECT DISTINCT COALESCE(spokesperson_id, spokesperson), "
            "spokesperson FROM exchanges WHERE spokesperson IS NOT NULL ORDER BY 1, 2"):
        out.setdefault(key, []).append(name)
    return out


def versions(store: Store) -> tuple[list[Version], dict[int, str]]:
    """Every stored briefing as a Version, and {briefing_id: content hash}."""
    out, hashes = [], {}
    for r in store.conn.execute("SELECT id, series, lang, date, title, spokesperson_id, n_exchanges, content_sha256 "
                                "FROM briefings ORDER BY date, id"):
        out.append(Version(briefing_id=r[0], series=r[1], lang=r[2], date=dt.date.fromisoformat(r[3]), title=r[4],
                           spokesperson_id=r[5], n_exchanges=r[6], content_sha256=r[7]))
        hashes[r[0]] = r[7]
    return out, hashes


def event_fingerprints(store: Store) -> dict[str, str]:
    """{event key: fingerprint} of the stored events."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT key, fingerprint FROM events")}


def exchange_ids(store: Store, briefing_id: int) -> dict[int, int]:
    """{exchange n: exchange id} of one briefing."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT n, id FROM exchanges WHERE briefing_id = ?",
                                                   (briefing_id,))}


def write_events(store: Store, events: list[tuple[Event, str]], links: Mapping[str, list[ExchangeLink]],
                 differences: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Replace the events with ``events`` ([(event, fingerprint)]) in one transaction. Events keep their id while
    their key is unchanged; ``links`` and ``differences`` (by event key) replace those of the events they name —
    an event not named there keeps what it has (it was not re-aligned). Returns counts."""
    now = _now()
    counts = {"events": len(events), "realigned": 0, "links": 0, "differences": 0}
    with store._transaction() as c:
        keep = {ev.key for ev, _ in events}
        old = {r[0]: r[1] for r in c.execute("SELECT key, id FROM events")}
        gone = [eid for key, eid in old.items() if key not in keep]
        for chunk, marks in _in_chunks(gone):
            c.execute(f"DELETE FROM exchange_links WHERE event_id IN ({marks})", chunk)
            c.execute(f"DELETE FROM version_differences WHERE event_id IN ({marks})", chunk)
            c.execute(f"DELETE FROM events WHERE id IN ({marks})", chunk)
        c.execute("UPDATE briefings SET event_id = NULL")
        for ev, fingerprint in events:
            langs = ",".join(sorted({r[0] for r in c.execute(
                f"SELECT lang FROM briefings WHERE id IN ({','.join('?' * len(ev.versions))})", ev.versions)}))
            row = (ev.kind, ev.date.isoformat(), ev.spokesperson_id, langs, len(ev.versions), ev.linked_by,
                   fingerprint, now)
            if ev.key in old:
                eid = old[ev.key]
                c.execute("UPDATE events SET kind=?, date=?, spokesperson_id=?, langs=?, n_versions=?, linked_by=?, "
                          "fingerprint=?, updated_at=? WHERE id=?", (*row, eid))
            else:
                eid = c.execute("INSERT INTO events(key, kind, date, spokesperson_id, langs, n_versions, linked_by, "
                                "fingerprint, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (ev.key, *row)).lastrowid
            c.execute(f"UPDATE briefings SET event_id = ? WHERE id IN ({','.join('?' * len(ev.versions))})",
                      (eid, *ev.versions))
            if ev.key in links:
                counts["realigned"] += 1
                c.execute("DELETE FROM exchange_links WHERE event_id = ?", (eid,))
                c.executemany("INSERT OR REPLACE INTO exchange_links(exchange_id, counterpart_id, event_id, score, "
                              "method) VALUES (?, ?, ?, ?, ?)", link_rows(links[ev.key], eid))
                counts["links"] += len(links[ev.key])
            if ev.key in differences:
                c.execute("DELETE FROM version_differences WHERE event_id = ?", (eid,))
                c.executemany("INSERT INTO version_differences(event_id, kind, lang, exchanges, detail, severity) "
                              "VALUES (?, ?, ?, ?, ?, ?)", difference_records(differences[ev.key], eid))
                counts["differences"] += len(differences[ev.key])
    return counts


def carry_clarity(store: Store, *, source_lang: str = "en") -> int:
    """Give each exchange that has a counterpart in the ``source_lang`` version the counterpart's clarity label
    (the better-measured method), recorded as carried over: method "carried from <lang>: <method>", and the
    exchange's own prediction kept in the value under "own". Exchanges linked to several counterparts whose
    labels disagree keep their own label. Returns annotations changed; their briefings are queued for re-indexing
    (clarity is an index field)."""
    c = store.conn
    rows = c.execute(
        "SELECT l.exchange_id, l.counterpart_id, src.label, src.value, src.confidence, src.evidence, src.method, "
        "src.version FROM exchange_links l "
        "JOIN exchanges ce ON ce.id = l.counterpart_id JOIN briefings cb ON cb.id = ce.briefing_id "
        "JOIN exchanges me ON me.id = l.exchange_id JOIN briefings mb ON mb.id = me.briefing_id "
        "JOIN annotations src ON src.exchange_id = l.counterpart_id AND src.kind = 'clarity' "
        "WHERE cb.lang = ? AND mb.lang != ?", (source_lang, source_lang)).fetchall()
    by_target: dict[int, list[Any]] = {}
    for r in rows:
        by_target.setdefault(r[0], []).append(r)
    changed = 0
    now = _now()
    with store._transaction() as c:
        for target, srcs in by_target.items():
            if len({s[2] for s in srcs}) != 1:
                continue
            src = srcs[0]
            mine = c.execute("SELECT label, value, confidence, method, version FROM annotations "
                             "WHERE exchange_id = ? AND kind = 'clarity'", (target,)).fetchone()
            value = json.loads(src[3]) if src[3] else {}
            if not isinstance(value, dict):
                value = {"value": value}
            own = None
            if mine is not None:
                mine_value = json.loads(mine[1]) if mine[1] else {}
                if isinstance(mine_value, dict) and "own" in mine_value:
                    own = mine_value["own"]
                elif not str(mine[3]).startswith("carried from"):
                    own = {"label": mine[0], "fine": mine_value.get("fine") if isinstance(mine_value, dict) else None,
                           "confidence": mine[2], "method": mine[3], "version": mine[4]}
            value = {**value, "carried_from": sorted(s[1] for s in srcs), "own": own}
            method = f"carried from {source_lang}: {src[6]}"
            new = (src[2], json.dumps(value, ensure_ascii=False), src[4], src[5], method, src[7])
            if mine is not None and (mine[0], mine[1], mine[2], mine[3]) == (new[0], new[1], new[2], new[4]):
                continue
            c.execute("INSERT OR REPLACE INTO annotations(exchange_id, kind, label, value, confidence, evidence, "
                      "method, version, created_at) VALUES (?, 'clarity', ?, ?, ?, ?, ?, ?, ?)", (target, *new, now))
            c.execute(f"INSERT INTO index_pending(briefing_id, seq) SELECT briefing_id, {Store._QUEUE_SEQ} "
                      "FROM exchanges WHERE id = ? ON CONFLICT(briefing_id) DO UPDATE SET seq = excluded.seq",
                      (target,))
            changed += 1
    return changed


def event_rows(store: Store, *, date_from: str | None = None, date_to: str | None = None,
               kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per event with its versions, their exchange counts, links and differences."""
    where, params = [], []
    if date_from:
        where.append("ev.date >= ?")
        params.append(date_from)
    if date_to:
        where.append("ev.date <= ?")
        params.append(date_to)
    if kinds:
        where.append(f"ev.kind IN ({','.join('?' * len(kinds))})")
        params += kinds
    sql = ("SELECT ev.id AS event_id, ev.kind, ev.date, ev.spokesperson_id, ev.langs, ev.linked_by, "
           "(SELECT json_group_array(json_array(b.id, b.lang, b.n_exchanges)) FROM briefings b "
           " WHERE b.event_id = ev.id) AS versions, "
           "(SELECT count(*) FROM exchange_links l WHERE l.event_id = ev.id) / 2 AS links, "
           "(SELECT count(*) FROM version_differences d WHERE d.event_id = ev.id) AS differences FROM events ev")
    if where:
        sql += " WHERE " + " AND ".join(where)
    out = []
    for r in store.conn.execute(sql + " ORDER BY ev.date, ev.id", params):
        d = dict(r)
        vs = sorted(json.loads(d.pop("versions")), key=lambda v: v[1])
        d["versions"] = [v[0] for v in vs]
        d["exchanges"] = {v[1]: v[2] for v in vs}
        out.append(d)
    return out


def event(store: Store, event_id: int) -> dict[str, Any]:
    """An event with its versions, their openings and exchanges aligned side by side, and its differences."""
    from ..errors import NotFound

    c = store.conn
    ev = c.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
    if ev is None:
        raise NotFound(f"no event v{event_id} in {store.path}")
    d = {k: ev[k] for k in ("id", "key", "kind", "date", "spokesperson_id", "langs", "n_versions", "linked_by")}
    d["event_id"] = d["id"]
    order = {"en": 0, "zh": 1}
    versions = sorted((dict(r) for r in c.execute(
        "SELECT id AS briefing_id, lang, date, title, url, spokesperson, n_exchanges FROM briefings "
        "WHERE event_id = ?", (event_id,))), key=lambda v: (order.get(v["lang"], 9), v["lang"]))
    exchanges: dict[int, dict[str, Any]] = {}
    for v in versions:
        v["openings"] = [r[0] for r in c.execute(
            "SELECT text FROM turns WHERE briefing_id = ? AND role = 'opening' ORDER BY pos", (v["briefing_id"],))]
        v["exchange_ids"] = []
        for r in c.execute(store._HIT_SQL + " WHERE e.briefing_id = ? ORDER BY e.n", (v["briefing_id"],)):
            e = store._hit(r)
            exchanges[e["exchange_id"]] = e
            v["exchange_ids"].append(e["exchange_id"])
    notes = store.hit_annotations(list(exchanges))
    for eid, e in exchanges.items():
        e.update(notes.get(eid) or {"clarity": None, "clarity_fine": None, "clarity_evidence": None,
                                    "countries": []})
    seen_langs: dict[str, int] = {}
    for v in versions:  # a page published twice: the later copy is shown as a copy, not aligned
        v["copy_of"] = seen_langs.get(v["lang"]) if v["lang"] in seen_langs else None
        seen_langs.setdefault(v["lang"], v["briefing_id"])
    d["versions"] = versions
    aligned = [v for v in versions if v["copy_of"] is None]
    links: dict[int, set[int]] = {}
    scores: dict[tuple[int, int], float] = {}
    for a, b, score in c.execute("SELECT exchange_id, counterpart_id, score FROM exchange_links WHERE event_id = ?",
                                 (event_id,)):
        links.setdefault(a, set()).add(b)
        scores[(a, b)] = score
    d["differences"] = [{"kind": r["kind"], "lang": r["lang"], "exchanges": json.loads(r["exchanges"]),
                         "detail": r["detail"], "severity": r["severity"]} for r in c.execute(
        "SELECT * FROM version_differences WHERE event_id = ? ORDER BY severity DESC, id", (event_id,))]
    rows = side_by_side(aligned, exchanges, links, scores)
    d["rows"] = rows
    return d


def difference_rows(store: Store, *, date_from: str | None = None, date_to: str | None = None,
                    kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    where, params = [], []
    if date_from:
        where.append("ev.date >= ?")
        params.append(date_from)
    if date_to:
        where.append("ev.date <= ?")
        params.append(date_to)
    if kind:
        where.append("d.kind = ?")
        params.append(kind)
    sql = ("SELECT d.event_id, ev.date, d.kind, d.lang, d.exchanges, d.detail, d.severity FROM version_differences d "
           "JOIN events ev ON ev.id = d.event_id")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY d.severity DESC, ev.date, d.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for r in store.conn.execute(sql, params):
        d = dict(r)
        d["exchanges"] = json.loads(d["exchanges"])
        out.append(d)
    return out


def difference_kinds(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT DISTINCT kind FROM version_differences ORDER BY 1")]
