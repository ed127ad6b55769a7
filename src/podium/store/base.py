"""The store interface: what the pipeline, the facade and the index need from a store of record, whatever the
database behind it (``StoreBackend``), and the backend-neutral pieces: the SQL dialect the shared SQL is written
against (``SqlDialect``), the filter SQL every read takes (``filter_sql``), and the records built the same way
whatever the backend (content hashes, link and difference rows, an event's side-by-side rows).

Two backends implement it, both on ``podium.store.sql.SqlStore`` (the SQL written once):
``podium.store.sqlite.Store`` (the one podium runs on: a file, WAL) and ``podium.store.postgres.PostgresStore`` (a
PostgreSQL schema, for a deployment that outgrows one machine; see docs/scaling.md). ``tests/test_store_contract.py``
runs one suite of behaviour against both. Rows come back as plain dicts (or mappings read by column name) with the
same keys and Python types in both backends: ISO dates as text, JSON values decoded, booleans as bool where the
SQLite store gives bool.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import QueryError
from ..model import FILTERS, Annotation, Briefing, Event, ExchangeLink, Spokesperson, Turn, Version
from .index import IndexDoc


@runtime_checkable
class StoreBackend(Protocol):
    """A store of record. Writes are one transaction each; ids are integers the store assigns."""

    path: str

    def close(self) -> None: ...

    # -- facts about the database (index generation, mining state)
    def meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...

    # -- writing what ingest parsed and analysis found
    def lookup(self, b: Briefing) -> Mapping[str, Any] | None:
        """The stored version of this briefing (same key, or the identity rules of the SQLite store), or None."""
    def held_urls(self, urls: Iterable[str]) -> set[str]: ...
    def provenance(self, briefing_key: str) -> dict[str, Any] | None: ...
    def set_provenance(self, briefing_key: str, evidence: dict[str, Any]) -> None: ...
    def sync_outlets(self, outlets: Iterable[tuple[str, str | None, str | None]]) -> None: ...
    def write_briefing(self, b: Briefing, *, page_sha256: str, annotations: Iterable[Annotation] = (),
                       content_sha256: str | None = None,
                       spokesperson_key: Callable[[str | None], str | None] | None = None) -> tuple[str, int]:
        """("added" | "updated" | "unchanged", briefing id); a change records a revision and keeps the ids."""
    def write_annotations(self, briefing_id: int, annotations: Iterable[Annotation], *,
                          replace_kinds: Iterable[str] | None = None, reindex: bool = True) -> int: ...

    # -- the queue that keeps a search index in step (any engine: tantivy here, a cluster elsewhere)
    def pending(self) -> dict[int, int]: ...
    def clear_pending(self, pending: dict[int, int]) -> None: ...
    def queue_all(self) -> None: ...
    def index_docs(self, briefing_ids: Iterable[int] | None = None) -> Iterator[IndexDoc]: ...
    def exchange_count(self) -> int: ...
    def exchange_ids(self) -> set[int]: ...

    # -- reading
    def exchanges_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]: ...
    def hit_annotations(self, exchange_ids: list[int]) -> dict[int, dict[str, Any]]: ...
    def annotations_for(self, exchange_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]: ...
    def briefing(self, briefing_id: int) -> dict[str, Any]: ...
    def exchange(self, exchange_id: int) -> dict[str, Any]: ...
    def distinct(self, column: str) -> list[str]: ...
    def exchange_rows(self, filters: dict[str, Any], *, ids: list[int] | None = None) -> list[dict[str, Any]]: ...
    def exchange_order(self, filters: dict[str, Any], *, ids: list[int] | None = None) -> list[int]: ...
    def load_briefings(self, ids: Iterable[int]) -> Iterator[tuple[int, Briefing]]:
        """Stored briefings as model objects, for the analysis passes and the aligner."""
    def briefing_exchange_ids(self, briefing_id: int) -> dict[int, int]: ...
    def fine_label_ids(self, label: str) -> list[int]: ...
    def all_annotations(self, filters: dict[str, Any], *,
                        ids: list[int] | None = None) -> list[Mapping[str, Any]]: ...
    def stats(self) -> dict[str, Any]: ...

    # -- events: one press conference, whatever its language versions
    def versions(self) -> tuple[list[Version], dict[int, str]]: ...
    def event_fingerprints(self) -> dict[str, str]: ...
    def write_events(self, events: list[tuple[Event, str]], links: Mapping[str, list[ExchangeLink]],
                     differences: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]: ...
    def event(self, event_id: int) -> dict[str, Any]: ...
    def event_rows(self, *, date_from: str | None = None, date_to: str | None = None,
                   kinds: list[str] | None = None) -> list[dict[str, Any]]: ...
    def difference_rows(self, *, date_from: str | None = None, date_to: str | None = None, kind: str | None = None,
                        limit: int | None = None) -> list[dict[str, Any]]: ...
    def carry_clarity(self, *, source_lang: str = "en") -> int: ...

    # -- the spokesperson registry
    def sync_spokespersons(self, people: Iterable[Spokesperson], key_of: Callable[[str | None], str | None]) -> int: ...
    def spokesperson_names(self) -> dict[str, list[str]]: ...


# ---- the SQL both backends share --------------------------------------------------------------------------------

#: The person an exchange's answer is from: the registry id (or the name as printed), exchange level first.
SPOKESPERSON_KEY = "COALESCE(e.spokesperson_id, b.spokesperson_id, e.spokesperson, b.spokesperson)"


@dataclass(frozen=True, slots=True)
class SqlDialect:
    """What differs between the SQL of SQLite and of PostgreSQL. All SQL here and in ``podium.store.sql`` is written
    with ``?`` placeholders (a backend whose driver wants another style translates them). The defaults are SQLite's
    spelling, the database podium runs on; ``podium.store.postgres`` gives PostgreSQL's."""

    #: SQL for "expr equals the parameter, ignoring case"
    equals_ci: Callable[[str], str] = lambda expr: f"{expr} = ? COLLATE NOCASE"
    #: SQL for "the text column contains the parameter"
    contains: Callable[[str], str] = lambda col: f"instr({col}, ?) > 0"
    #: SQL for the fine label in a clarity annotation's JSON value held in the given column (an object)
    fine_of: Callable[[str], str] = lambda col: f"json_extract({col}, '$.fine')"
    #: SQL for the next number of the index queue (each queuing gets a larger one)
    next_seq: str = "(SELECT coalesce(max(seq), 0) + 1 FROM index_pending)"
    #: SQL aggregating values into a JSON array, and building one
    json_agg: str = "json_group_array"
    json_array: str = "json_array"
    #: the most values one ``IN`` list may bind (well under SQLite's limit on bound parameters)
    max_in: int = 500
    #: (SQL, parameters) for "column is one of these values"
    in_list: Callable[[str, list[Any]], tuple[str, list[Any]]] = (
        lambda col, values: (f"{col} IN ({','.join('?' * len(values))})", list(values)))


def filter_sql(filters: dict[str, Any], d: SqlDialect) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters of the filters every read takes, over ``exchanges e JOIN briefings b``."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise QueryError(f"unknown filter(s) {', '.join(sorted(unknown))}; known: {', '.join(FILTERS)}")
    where: list[str] = []
    params: list[Any] = []
    if (v := check_date(filters.get("date_from"), "date_from")) is not None:
        where.append("b.date >= ?")
        params.append(v)
    if (v := check_date(filters.get("date_to"), "date_to")) is not None:
        where.append("b.date <= ?")
        params.append(v)
    if filters.get("spokesperson"):
        # a person key (registry id) or a name as printed
        where.append(f"({SPOKESPERSON_KEY} = ? OR {d.equals_ci('COALESCE(e.spokesperson, b.spokesperson)')})")
        params += [filters["spokesperson"], filters["spokesperson"]]
    for name, col in (("outlet", "e.outlet"), ("outlet_type", "e.outlet_type"), ("lang", "b.lang")):
        if filters.get(name):
            where.append(d.equals_ci(col))
            params.append(filters[name])
    clarity = "EXISTS (SELECT 1 FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity' AND {})"
    if filters.get("clarity"):
        where.append(clarity.format(d.equals_ci("a.label")))
        params.append(filters["clarity"])
    if filters.get("evasion"):
        where.append(clarity.format(d.equals_ci(d.fine_of("a.value"))))
        params.append(filters["evasion"])
    if filters.get("country"):
        where.append("EXISTS (SELECT 1 FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'countries' "
                     f"AND {d.contains('a.value')})")
        params.append(f'"{str(filters["country"]).upper()}"')
    return where, params


def where_clause(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """(" WHERE a AND b" or "", parameters) of the conditions ``(sql with one placeholder, value)`` whose value is
    given (not None or empty)."""
    given = [(sql, value) for sql, value in conditions if value not in (None, "")]
    return (" WHERE " + " AND ".join(sql for sql, _ in given) if given else ""), [value for _, value in given]


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


def now() -> str:
    """The time a row is written, as stored: ISO, UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def json_value(value: Any) -> Any:
    """A JSON column or aggregate as Python: SQLite hands back text, PostgreSQL decoded values."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


# ---- records built the same way in every backend -----------------------------------------------------------

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


def turn_exchanges(b: Briefing) -> list[tuple[Turn, int | None]]:
    """Each turn with the number of the exchange it belongs to (by identity, then by equality)."""
    by_id: dict[int, int] = {}
    by_eq: dict[Any, int] = {}
    for e in b.exchanges:
        for t in (e.question, *e.answers):
            by_id.setdefault(id(t), e.n)
            by_eq.setdefault(t, e.n)
    return [(t, by_id.get(id(t), by_eq.get(t))) for t in b.turns]


def annotation_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """An annotations row as the reads give it: the value decoded."""
    return {"label": row["label"], "value": json.loads(row["value"]) if row["value"] else None,
            "confidence": row["confidence"], "evidence": row["evidence"], "method": row["method"],
            "version": row["version"]}


def no_analysis() -> dict[str, Any]:
    """What a hit shows of its analysis before the passes have run (a new dict each time)."""
    return {"clarity": None, "clarity_fine": None, "clarity_evidence": None, "countries": []}


def link_rows(links: Iterable[ExchangeLink], event_id: int) -> list[tuple[int, int, int, float, str]]:
    """The exchange_links rows of an event's links: every exchange pair, in both directions."""
    return [row for link in links for a in link.a for b in link.b
            for row in ((a, b, event_id, link.score, link.method), (b, a, event_id, link.score, link.method))]


def difference_records(differences: Iterable[dict[str, Any]], event_id: int) -> list[tuple[Any, ...]]:
    """The version_differences rows of an event's differences."""
    return [(event_id, d["kind"], d.get("lang"), json.dumps(d.get("exchanges", [])), d["detail"], d.get("severity"))
            for d in differences]


def side_by_side(versions: list[dict[str, Any]], exchanges: dict[int, dict[str, Any]],
                 links: dict[int, set[int]], scores: dict[tuple[int, int], float]) -> list[dict[str, Any]]:
    """The rows of an event's page: walk the first version's exchanges in order, each row its exchange(s) and
    their counterparts; an exchange in another version only gets a row of its own after its predecessor's.
    ``versions`` are those aligned (copies left out), each with ``exchange_ids`` in page order."""
    rows: list[dict[str, Any]] = []
    if not versions:
        return rows
    first, others = versions[0], versions[1:]
    placed: set[int] = set()
    other_ids = [eid for v in others for eid in v["exchange_ids"]]
    for eid in first["exchange_ids"]:
        if eid in placed:
            continue
        group_a = {eid}
        group_b = set(links.get(eid, ()))
        for b in list(group_b):  # exchanges merged in the other version
            group_a |= links.get(b, set())
        group_b = {b for a in group_a for b in links.get(a, ())}
        placed |= group_a | group_b
        rows.append({"a": [exchanges[i] for i in sorted(group_a)],
                     "b": [exchanges[i] for i in sorted(group_b) if i in exchanges],
                     "score": max((scores.get((a, b), 0.0) for a in group_a for b in group_b), default=None)})
    for eid in other_ids:
        if eid not in placed:
            prev = next((i for i in reversed(other_ids[:other_ids.index(eid)]) if i in placed), None)
            pos = next((k + 1 for k, row in enumerate(rows) if any(x["exchange_id"] == prev for x in row["b"])),
                       0 if prev is None else len(rows))
            rows.insert(pos, {"a": [], "b": [exchanges[eid]], "score": None})
            placed.add(eid)
    return rows


__all__ = ["SPOKESPERSON_KEY", "SqlDialect", "StoreBackend", "annotation_record", "check_date", "content_hash",
           "countries_of", "difference_records", "filter_sql", "json_value", "link_rows", "no_analysis", "now",
           "side_by_side", "turn_exchanges", "where_clause"]
