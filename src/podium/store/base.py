"""The store interface: what the pipeline, the facade and the index need from a store of record, whatever the
database behind it (``StoreBackend``), and the backend-neutral pieces two backends would otherwise both copy.

Two backends implement it: ``podium.store.sqlite.Store`` (the one podium runs on: a file, WAL) and
``podium.store.postgres.PostgresStore`` (a PostgreSQL schema, for a deployment that outgrows one machine; see
docs/scaling.md for what it covers so far). ``tests/test_store_contract.py`` runs one suite of behaviour against
both. Rows come back as plain dicts (or mappings read by column name) with the same keys and Python types in both
backends: ISO dates as text, JSON values decoded, booleans as bool where the SQLite store gives bool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

from ..model import Annotation, Briefing, Event, ExchangeLink, Version
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
    def load_briefings(self, ids: Iterable[int]) -> Iterator[tuple[int, Briefing]]:
        """Stored briefings as model objects, for the analysis passes and the aligner."""

    # -- events: one press conference, whatever its language versions
    def versions(self) -> tuple[list[Version], dict[int, str]]: ...
    def event_fingerprints(self) -> dict[str, str]: ...
    def write_events(self, events: list[tuple[Event, str]], links: Mapping[str, list[ExchangeLink]],
                     differences: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]: ...
    def event(self, event_id: int) -> dict[str, Any]: ...
    def event_rows(self, *, date_from: str | None = None, date_to: str | None = None,
                   kinds: list[str] | None = None) -> list[dict[str, Any]]: ...


def link_rows(links: Iterable[ExchangeLink], event_id: int) -> list[tuple[int, int, int, float, str]]:
    """The exchange_links rows of an event's links: every exchange pair, in both directions."""
    return [row for link in links for a in link.a for b in link.b
            for row in ((a, b, event_id, link.score, link.method), (b, a, event_id, link.score, link.method))]


def difference_records(differences: Iterable[dict[str, Any]], event_id: int) -> list[tuple[Any, ...]]:
    """The version_differences rows of an event's differences."""
    import json

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


__all__ = ["StoreBackend", "difference_records", "link_rows", "side_by_side"]
