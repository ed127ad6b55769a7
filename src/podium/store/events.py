"""The SQL of events (one press conference, whatever its language versions), written once for every backend
(``EventTables``, part of ``podium.store.sql.SqlStore``): the versions the linker reads, the events, exchange links
and version differences it writes back (one transaction), the spokesperson registry table, and clarity carried
from one version's exchange to its counterpart.

The module functions (``versions(store)``, ``write_events(store, ...)``, ...) are the same calls as functions, for
the callers that use them so."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..model import Event, ExchangeLink, Spokesperson, Version
from .base import difference_records, json_value, link_rows, no_analysis, now, side_by_side, where_clause


class EventTables:
    """The events part of a SQL store; the host class (``SqlStore``) gives ``conn``, ``_transaction``,
    ``dialect``, ``_in``, ``_queue``, ``_writer_lock``, ``_get``, ``_hits`` and ``hit_annotations``."""

    conn: Any
    path: str

    # ---- the spokesperson registry --------------------------------------------------------------------------

    def sync_spokespersons(self, people: Iterable[Spokesperson], key_of: Callable[[str | None], str | None]) -> int:
        """Record the registry and give every stored briefing and exchange its person key; returns rows changed."""
        changed = 0
        with self._transaction() as c:
            c.executemany(
                "INSERT INTO spokespersons(id, publisher, name_en, name_zh, aliases) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET publisher = excluded.publisher, name_en = excluded.name_en, "
                "name_zh = excluded.name_zh, aliases = excluded.aliases",
                [(p.id, p.publisher, p.name_en, p.name_zh, json.dumps(list(p.aliases), ensure_ascii=False))
                 for p in people])
            for table in ("briefings", "exchanges"):
                pairs = c.execute(f"SELECT DISTINCT spokesperson, spokesperson_id FROM {table} "
                                  "WHERE spokesperson IS NOT NULL").fetchall()
                for r in pairs:
                    name, want = r["spokesperson"], key_of(r["spokesperson"])
                    if want != r["spokesperson_id"]:
                        changed += c.execute(f"UPDATE {table} SET spokesperson_id = ? WHERE spokesperson = ?",
                                             (want, name)).rowcount
                        if table == "exchanges":
                            self._queue(c, "SELECT briefing_id FROM exchanges WHERE spokesperson = ?", (name,))
        return changed

    def spokesperson_names(self) -> dict[str, list[str]]:
        """{person key: [names as printed]} for every spokesperson in the store."""
        out: dict[str, list[str]] = {}
        for r in self.conn.execute(
                "SELECT DISTINCT COALESCE(spokesperson_id, spokesperson) AS k, spokesperson AS name FROM briefings "
                "WHERE spokesperson IS NOT NULL UNION SELECT DISTINCT COALESCE(spokesperson_id, spokesperson), "
                "spokesperson FROM exchanges WHERE spokesperson IS NOT NULL ORDER BY 1, 2"):
            out.setdefault(r["k"], []).append(r["name"])
        return out

    # ---- what the linker reads and writes ---------------------------------------------------------------------

    def versions(self) -> tuple[list[Version], dict[int, str]]:
        """Every stored briefing as a Version, and {briefing_id: content hash}."""
        out, hashes = [], {}
        for r in self.conn.execute("SELECT id, series, lang, date, title, spokesperson_id, n_exchanges, "
                                   "content_sha256 FROM briefings ORDER BY date, id"):
            out.append(Version(briefing_id=r["id"], series=r["series"], lang=r["lang"],
                               date=dt.date.fromisoformat(r["date"]), title=r["title"],
                               spokesperson_id=r["spokesperson_id"], n_exchanges=r["n_exchanges"],
                               content_sha256=r["content_sha256"]))
            hashes[r["id"]] = r["content_sha256"]
        return out, hashes

    def event_fingerprints(self) -> dict[str, str]:
        """{event key: fingerprint} of the stored events."""
        return {r["key"]: r["fingerprint"] for r in self.conn.execute("SELECT key, fingerprint FROM events")}

    def write_events(self, events: list[tuple[Event, str]], links: Mapping[str, list[ExchangeLink]],
                     differences: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
        """Replace the events with ``events`` ([(event, fingerprint)]) in one transaction. Events keep their id
        while their key is unchanged; ``links`` and ``differences`` (by event key) replace those of the events they
        name — an event not named there keeps what it has (it was not re-aligned). Returns counts."""
        at = now()
        counts = {"events": len(events), "realigned": 0, "links": 0, "differences": 0}
        with self._transaction() as c:
            self._writer_lock(c, "podium events")  # one linker at a time; readers go on
            keep = {ev.key for ev, _ in events}
            old = {r["key"]: r["id"] for r in c.execute("SELECT key, id FROM events")}
            gone = [eid for key, eid in old.items() if key not in keep]
            for table, column in (("exchange_links", "event_id"), ("version_differences", "event_id"),
                                  ("events", "id")):
                for where, params in self._in(column, gone):
                    c.execute(f"DELETE FROM {table} WHERE {where}", params)
            c.execute("UPDATE briefings SET event_id = NULL WHERE event_id IS NOT NULL")
            for ev, fingerprint in events:
                where, params = self.dialect.in_list("id", list(ev.versions))
                langs = ",".join(sorted({r["lang"] for r in c.execute(f"SELECT lang FROM briefings WHERE {where}",
                                                                      params)}))
                row = (ev.kind, ev.date.isoformat(), ev.spokesperson_id, langs, len(ev.versions), ev.linked_by,
                       fingerprint, at)
                if ev.key in old:
                    eid = old[ev.key]
                    c.execute("UPDATE events SET kind = ?, date = ?, spokesperson_id = ?, langs = ?, n_versions = ?, "
                              "linked_by = ?, fingerprint = ?, updated_at = ? WHERE id = ?", (*row, eid))
                else:
                    eid = c.execute("INSERT INTO events(key, kind, date, spokesperson_id, langs, n_versions, "
                                    "linked_by, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                    "RETURNING id", (ev.key, *row)).fetchone()["id"]
                c.execute(f"UPDATE briefings SET event_id = ? WHERE {where}", [eid, *params])
                if ev.key in links:
                    counts["realigned"] += 1
                    c.execute("DELETE FROM exchange_links WHERE event_id = ?", (eid,))
                    c.executemany("INSERT INTO exchange_links(exchange_id, counterpart_id, event_id, score, method) "
                                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (exchange_id, counterpart_id) DO UPDATE "
                                  "SET event_id = excluded.event_id, score = excluded.score, "
                                  "method = excluded.method", link_rows(links[ev.key], eid))
                    counts["links"] += len(links[ev.key])
                if ev.key in differences:
                    c.execute("DELETE FROM version_differences WHERE event_id = ?", (eid,))
                    c.executemany("INSERT INTO version_differences(event_id, kind, lang, exchanges, detail, severity) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", difference_records(differences[ev.key], eid))
                    counts["differences"] += len(differences[ev.key])
        return counts

    def carry_clarity(self, *, source_lang: str = "en") -> int:
        """Give each exchange that has a counterpart in the ``source_lang`` version the counterpart's clarity label
        (the better-measured method), recorded as carried over: method "carried from <lang>: <method>", and the
        exchange's own prediction kept in the value under "own". Exchanges linked to several counterparts whose
        labels disagree keep their own label. Returns annotations changed; their briefings are queued for
        re-indexing (clarity is an index field)."""
        rows = self.conn.execute(
            "SELECT l.exchange_id, l.counterpart_id, src.label, src.value, src.confidence, src.evidence, src.method, "
            "src.version FROM exchange_links l "
            "JOIN exchanges ce ON ce.id = l.counterpart_id JOIN briefings cb ON cb.id = ce.briefing_id "
            "JOIN exchanges me ON me.id = l.exchange_id JOIN briefings mb ON mb.id = me.briefing_id "
            "JOIN annotations src ON src.exchange_id = l.counterpart_id AND src.kind = 'clarity' "
            "WHERE cb.lang = ? AND mb.lang != ?", (source_lang, source_lang)).fetchall()
        by_target: dict[int, list[Any]] = {}
        for r in rows:
            by_target.setdefault(r["exchange_id"], []).append(r)
        changed = 0
        at = now()
        with self._transaction() as c:
            for target, srcs in by_target.items():
                if len({s["label"] for s in srcs}) != 1:
                    continue
                src = srcs[0]
                mine = c.execute("SELECT label, value, confidence, method, version FROM annotations "
                                 "WHERE exchange_id = ? AND kind = 'clarity'", (target,)).fetchone()
                value = json.loads(src["value"]) if src["value"] else {}
                if not isinstance(value, dict):
                    value = {"value": value}
                own = None
                if mine is not None:
                    mine_value = json.loads(mine["value"]) if mine["value"] else {}
                    if isinstance(mine_value, dict) and "own" in mine_value:
                        own = mine_value["own"]
                    elif not str(mine["method"]).startswith("carried from"):
                        own = {"label": mine["label"],
                               "fine": mine_value.get("fine") if isinstance(mine_value, dict) else None,
                               "confidence": mine["confidence"], "method": mine["method"], "version": mine["version"]}
                value = {**value, "carried_from": sorted(s["counterpart_id"] for s in srcs), "own": own}
                new = (src["label"], json.dumps(value, ensure_ascii=False), src["confidence"], src["evidence"],
                       f"carried from {source_lang}: {src['method']}", src["version"])
                if mine is not None and (mine["label"], mine["value"], mine["confidence"], mine["method"]) == (
                        new[0], new[1], new[2], new[4]):
                    continue
                c.execute("INSERT INTO annotations(exchange_id, kind, label, value, confidence, evidence, method, "
                          "version, created_at) VALUES (?, 'clarity', ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (exchange_id, kind) DO UPDATE SET label = excluded.label, "
                          "value = excluded.value, confidence = excluded.confidence, evidence = excluded.evidence, "
                          "method = excluded.method, version = excluded.version, created_at = excluded.created_at",
                          (target, *new, at))
                self._queue(c, "SELECT briefing_id FROM exchanges WHERE id = ?", (target,))
                changed += 1
        return changed

    # ---- reading events ---------------------------------------------------------------------------------------

    def event_rows(self, *, date_from: str | None = None, date_to: str | None = None,
                   kinds: list[str] | None = None) -> list[dict[str, Any]]:
        """One row per event with its versions, their exchange counts, links and differences."""
        where, params = where_clause(("ev.date >= ?", date_from), ("ev.date <= ?", date_to))
        if kinds:
            in_kinds, more = self.dialect.in_list("ev.kind", list(kinds))
            where += (" AND " if where else " WHERE ") + in_kinds
            params += more
        d = self.dialect
        sql = ("SELECT ev.id AS event_id, ev.kind, ev.date, ev.spokesperson_id, ev.langs, ev.linked_by, "
               f"(SELECT {d.json_agg}({d.json_array}(b.id, b.lang, b.n_exchanges)) FROM briefings b "
               " WHERE b.event_id = ev.id) AS versions, "
               "(SELECT count(*) FROM exchange_links l WHERE l.event_id = ev.id) / 2 AS links, "
               "(SELECT count(*) FROM version_differences d WHERE d.event_id = ev.id) AS differences "
               f"FROM events ev{where} ORDER BY ev.date, ev.id")
        out = []
        for r in self.conn.execute(sql, params):
            row = dict(r)
            vs = sorted(json_value(row.pop("versions")) or [], key=lambda v: v[1])
            row["versions"] = [v[0] for v in vs]
            row["exchanges"] = {v[1]: v[2] for v in vs}
            out.append(row)
        return out

    def event(self, event_id: int) -> dict[str, Any]:
        """An event with its versions, their openings and exchanges aligned side by side, and its differences."""
        c = self.conn
        ev = self._get(c, "events", event_id, f"v{event_id}")
        d = {k: ev[k] for k in ("id", "key", "kind", "date", "spokesperson_id", "langs", "n_versions", "linked_by")}
        d["event_id"] = d["id"]
        order = {"en": 0, "zh": 1}
        versions = sorted((dict(r) for r in c.execute(
            "SELECT id AS briefing_id, lang, date, title, url, spokesperson, n_exchanges FROM briefings "
            "WHERE event_id = ?", (event_id,))), key=lambda v: (order.get(v["lang"], 9), v["lang"]))
        exchanges: dict[int, dict[str, Any]] = {}
        for v in versions:
            v["openings"] = [r["text"] for r in c.execute(
                "SELECT text FROM turns WHERE briefing_id = ? AND role = 'opening' ORDER BY pos", (v["briefing_id"],))]
            hits = self._hits(c, "e.briefing_id = ? ORDER BY e.n", (v["briefing_id"],))
            exchanges.update((e["exchange_id"], e) for e in hits)
            v["exchange_ids"] = [e["exchange_id"] for e in hits]
        notes = self.hit_annotations(list(exchanges))
        for eid, e in exchanges.items():
            e.update(notes.get(eid) or no_analysis())
        seen_langs: dict[str, int] = {}
        for v in versions:  # a page published twice: the later copy is shown as a copy, not aligned
            v["copy_of"] = seen_langs.get(v["lang"]) if v["lang"] in seen_langs else None
            seen_langs.setdefault(v["lang"], v["briefing_id"])
        d["versions"] = versions
        links: dict[int, set[int]] = {}
        scores: dict[tuple[int, int], float] = {}
        for r in c.execute("SELECT exchange_id, counterpart_id, score FROM exchange_links WHERE event_id = ?",
                           (event_id,)):
            links.setdefault(r["exchange_id"], set()).add(r["counterpart_id"])
            scores[(r["exchange_id"], r["counterpart_id"])] = r["score"]
        d["differences"] = [{"kind": r["kind"], "lang": r["lang"], "exchanges": json.loads(r["exchanges"]),
                             "detail": r["detail"], "severity": r["severity"]} for r in c.execute(
            "SELECT * FROM version_differences WHERE event_id = ? ORDER BY severity DESC, id", (event_id,))]
        d["rows"] = side_by_side([v for v in versions if v["copy_of"] is None], exchanges, links, scores)
        return d

    def difference_rows(self, *, date_from: str | None = None, date_to: str | None = None, kind: str | None = None,
                        limit: int | None = None) -> list[dict[str, Any]]:
        """What the versions of events do not share, most severe first."""
        where, params = where_clause(("ev.date >= ?", date_from), ("ev.date <= ?", date_to), ("d.kind = ?", kind))
        sql = ("SELECT d.event_id, ev.date, d.kind, d.lang, d.exchanges, d.detail, d.severity "
               f"FROM version_differences d JOIN events ev ON ev.id = d.event_id{where} "
               "ORDER BY d.severity DESC, ev.date, d.id")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [{**r, "exchanges": json.loads(r["exchanges"])} for r in map(dict, self.conn.execute(sql, params))]

    def difference_kinds(self) -> list[str]:
        return [r["kind"] for r in self.conn.execute("SELECT DISTINCT kind FROM version_differences ORDER BY 1")]


# ---- the same calls as functions of a store ----------------------------------------------------------------------

def sync_spokespersons(store: EventTables, people: Iterable[Spokesperson],
                       key_of: Callable[[str | None], str | None]) -> int:
    return store.sync_spokespersons(people, key_of)


def spokesperson_names(store: EventTables) -> dict[str, list[str]]:
    return store.spokesperson_names()


def versions(store: EventTables) -> tuple[list[Version], dict[int, str]]:
    return store.versions()


def event_fingerprints(store: EventTables) -> dict[str, str]:
    return store.event_fingerprints()


def exchange_ids(store: Any, briefing_id: int) -> dict[int, int]:
    """{exchange n: exchange id} of one briefing."""
    return store.briefing_exchange_ids(briefing_id)


def write_events(store: EventTables, events: list[tuple[Event, str]], links: Mapping[str, list[ExchangeLink]],
                 differences: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
    return store.write_events(events, links, differences)


def carry_clarity(store: EventTables, *, source_lang: str = "en") -> int:
    return store.carry_clarity(source_lang=source_lang)


def event_rows(store: EventTables, **filters: Any) -> list[dict[str, Any]]:
    return store.event_rows(**filters)


def event(store: EventTables, event_id: int) -> dict[str, Any]:
    return store.event(event_id)


def difference_rows(store: EventTables, **filters: Any) -> list[dict[str, Any]]:
    return store.difference_rows(**filters)


def difference_kinds(store: EventTables) -> list[str]:
    return store.difference_kinds()
