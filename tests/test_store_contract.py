"""The store contract: one suite of behaviour run against every store backend — the SQLite store podium runs on
and the PostgreSQL store of a deployment beyond one machine (``podium.store.postgres``) — on real pages of the
shared corpus (the English and Chinese versions of the press conference of 2020-07-01), annotated by the real
analysis passes.

PostgreSQL: $PODIUM_PG_DSN names a server to use; otherwise a throwaway cluster is made with the server's own
``initdb`` in a temporary folder (as the ``postgres`` user when run as root) and stopped afterwards. Where no
PostgreSQL is installed its cases skip with the reason — except under CI=true, where they fail.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from podium.errors import NotFound, QueryError
from podium.model import Annotation, Event, ExchangeLink
from podium.parse import spokespersons
from podium.store import Store
from podium.store.base import StoreBackend

from conftest import CORPUS

#: The two versions of one press conference (2020-07-01, Zhao Lijian), as the corpus holds them.
PAIR = ("mfa/en/t1793861.html", "mfa/zh/t1793857.html")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# ---- a PostgreSQL server ------------------------------------------------------------------------------------

def _pg_bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists() and (Path(out) / "pg_ctl").exists():
            return Path(out)
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(d) / "initdb").exists():
            return Path(d)
    return None


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is needed in CI and {reason}")
    pytest.skip(f"PostgreSQL cases skipped: {reason}")


@pytest.fixture(scope="session")
def pg_dsn():
    """A libpq connection string to an empty-enough PostgreSQL database (each test uses its own schema)."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'psycopg[binary]')")
    if os.environ.get("PODIUM_PG_DSN"):
        yield os.environ["PODIUM_PG_DSN"]
        return
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("no PostgreSQL server is installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="podium-pg-"))
    # the server refuses to run as root: as root, the cluster belongs to the postgres user
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _unavailable("running as root and runuser is missing")
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, user="postgres")
    folder.chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    init = subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "podium", "--auth=trust",
                           "-E", "UTF8", "--locale=C.UTF-8", "-N"], capture_output=True, text=True)
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
    start = subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
                            "-t", "60", "-o", f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off", "start"],
                           capture_output=True, text=True)
    if start.returncode != 0:
        log = (folder / "server.log").read_text(errors="replace")[-800:] if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"the server did not start: {start.stderr.strip()[-300:]} {log}")
    dsn = f"host={folder} port={port} user=podium dbname=postgres"
    try:
        psycopg.connect(dsn).close()
        yield dsn
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _open(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if kind == "sqlite":
        return Store(tmp_path / f"contract-{uuid.uuid4().hex[:6]}.db")
    from podium.store.postgres import PostgresStore

    return PostgresStore(request.getfixturevalue("pg_dsn"), schema=f"contract_{uuid.uuid4().hex[:12]}")


def _close(store: Any) -> None:
    if hasattr(store, "drop"):
        store.drop()
    else:
        store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    s = _open(request.param, request, tmp_path)
    yield s
    _close(s)


# ---- real pages, parsed and annotated once ------------------------------------------------------------------

@pytest.fixture(scope="session")
def pair(shared):
    """[(briefing, page bytes, annotations)] for the English and the Chinese version, with every default pass."""
    from podium.analysis import default_passes
    from podium.parse import parse_bytes
    from podium.pipeline import annotate
    from podium.sources.files import expand

    passes = default_passes(["clarity", "countries"])
    out = []
    for rel in PAIR:
        pages, errors = expand([CORPUS / rel])
        assert pages and not errors, (rel, errors)
        data = pages[0].path.read_bytes()
        b = parse_bytes(data, pages[0].source, url=pages[0].url, charset=pages[0].charset)
        out.append((b, data, annotate(b, passes)))
    assert [b.lang for b, _, _ in out] == ["en", "zh"] and out[0][0].date == out[1][0].date
    return out


def _write(store: Any, item: tuple) -> int:
    from podium.parse.spokespersons import key_of

    b, data, anns = item
    status, bid = store.write_briefing(b, page_sha256=hashlib.sha256(data).hexdigest(), annotations=anns,
                                       spokesperson_key=key_of)
    assert status == "added"
    return bid


def _link(store: Any, bids: list[int]) -> int:
    """The events pass over what the store holds, as ``pipeline.link_events`` runs it (real grouping and
    alignment); returns the event id of the pair."""
    from podium.analysis import events as rules
    from podium.analysis.align import align, differences

    versions, hashes = store.versions()
    events = rules.group(versions)
    assert len(events) == 1 and sorted(events[0].versions) == sorted(bids)
    ev = events[0]
    loaded = dict(store.load_briefings(bids))
    a, b = loaded[bids[0]], loaded[bids[1]]
    al = align(a, b)
    ids = {bid: {e["n"]: e["exchange_id"] for e in store.briefing(bid)["exchanges"]} for bid in bids}
    links = [ExchangeLink(tuple(ids[bids[0]][n] for n in k.a), tuple(ids[bids[1]][n] for n in k.b), k.score,
                          al.method) for k in al.links]
    diffs = [{"kind": d.kind, "lang": d.lang, "detail": d.detail, "severity": d.severity,
              "exchanges": [ids[bids[0]][n] for n in d.a] + [ids[bids[1]][n] for n in d.b]}
             for d in differences(a, b, al)]
    counts = store.write_events([(ev, "fp-" + hashes[bids[0]][:8])], {ev.key: links}, {ev.key: diffs})
    assert counts == {"events": 1, "realigned": 1, "links": len(links), "differences": len(diffs)}
    assert links, "the aligner linked no exchange of two versions of one press conference"
    return store.briefing(bids[0])["event_id"]


# ---- the contract ---------------------------------------------------------------------------------------------

def test_every_backend_offers_the_whole_store_interface(store):
    assert isinstance(store, StoreBackend)


def test_a_parsed_briefing_reads_back_as_it_was_parsed(store, pair):
    b, data, _ = pair[0]
    bid = _write(store, pair[0])
    got = store.briefing(bid)
    assert (got["lang"], got["date"], got["title"], got["url"], got["series"], got["format"]) == \
        (b.lang, b.date.isoformat(), b.title, b.url, b.series, b.format)
    assert got["n_exchanges"] == len(got["exchanges"]) == len(b.exchanges)
    assert [(t["role"], t["speaker"], t["text"]) for t in got["turns"]] == \
        [(t.role, t.speaker, t.text) for t in b.turns]
    assert [t["pos"] for t in got["turns"]] == list(range(1, len(b.turns) + 1))
    for e, row in zip(b.exchanges, got["exchanges"], strict=True):
        assert (row["n"], row["asker"], row["outlet"], row["outlet_type"], row["follow_up"], row["question"],
                row["answer"], row["spokesperson"]) == (e.n, e.asker, e.outlet, e.outlet_type, bool(e.follow_up),
                                                         e.question_text, e.answer_text, e.spokesperson)
        assert store.exchange(row["exchange_id"])["question"] == e.question_text
    [(loaded_id, loaded)] = list(store.load_briefings([bid]))
    assert loaded_id == bid and loaded.date == b.date and loaded.url == b.url
    assert [(e.question_text, e.answer_text, e.outlet) for e in loaded.exchanges] == \
        [(e.question_text, e.answer_text, e.outlet) for e in b.exchanges]
    # the same page again writes nothing; it is found by its URL
    assert store.write_briefing(b, page_sha256=hashlib.sha256(data).hexdigest()) == ("unchanged", bid)
    assert store.lookup(b)["id"] == bid
    assert store.held_urls([b.url, "https://example.org/not-held"]) == {b.url}
    assert store.exchange_count() == len(b.exchanges) and len(store.exchange_ids()) == len(b.exchanges)
    with pytest.raises(NotFound):
        store.briefing(bid + 1000)


def _stored_lengths(store: Any, bid: int) -> list[tuple]:
    return [(r["answer_words"], r["answer_chars"]) for r in store.conn.execute(
        "SELECT answer_words, answer_chars FROM exchanges WHERE briefing_id = ? ORDER BY n", (bid,)).fetchall()]


def test_each_exchange_is_stored_with_its_answer_length(store, pair):
    from podium.text import answer_length

    for item in pair:
        b = item[0]
        bid = _write(store, item)
        assert _stored_lengths(store, bid) == [answer_length(e.answer_text, b.lang) for e in b.exchanges]
        assert {w is None for w, _ in _stored_lengths(store, bid)} == {b.lang == "zh"}


def test_a_changed_page_is_a_revision_of_the_same_briefing(store, pair):
    b, data, _ = pair[0]
    bid = _write(store, pair[0])
    before = {e["n"]: e["exchange_id"] for e in store.briefing(bid)["exchanges"]}
    store.clear_pending(store.pending())
    # the publisher corrects the second answer and drops the last exchange
    second = b.exchanges[1]
    answer = dataclasses.replace(second.answers[0], paragraphs=(*second.answers[0].paragraphs, "(Corrected.)"))
    changed = dataclasses.replace(second, answers=(answer, *second.answers[1:]))
    gone = {id(t) for t in (b.exchanges[-1].question, *b.exchanges[-1].answers)}
    revised = dataclasses.replace(b, exchanges=(b.exchanges[0], changed, *b.exchanges[2:-1]),
                                  turns=tuple(answer if t is second.answers[0] else t for t in b.turns
                                              if id(t) not in gone))
    status, same = store.write_briefing(revised, page_sha256=hashlib.sha256(data + b" ").hexdigest())
    assert (status, same) == ("updated", bid)
    got = store.briefing(bid)
    assert got["n_exchanges"] == len(b.exchanges) - 1
    assert got["exchanges"][1]["answer"].endswith("(Corrected.)")
    assert _stored_lengths(store, bid)[1][0] == len(got["exchanges"][1]["answer"].split())  # rewritten with it
    assert {e["n"]: e["exchange_id"] for e in got["exchanges"]} == {n: i for n, i in before.items()
                                                                     if n < len(b.exchanges)}
    with pytest.raises(NotFound):
        store.exchange(before[len(b.exchanges)])
    [rev] = got["revisions"]
    assert (rev["reason"], rev["old_n_exchanges"], rev["new_n_exchanges"]) == \
        ("page changed", len(b.exchanges), len(b.exchanges) - 1)
    assert bid in store.pending()  # queued for the search index


def test_annotations_are_stored_replaced_by_kind_and_fed_to_the_index(store, pair):
    b, _, anns = pair[0]
    bid = _write(store, pair[0])
    ids = {e["n"]: e["exchange_id"] for e in store.briefing(bid)["exchanges"]}
    stored = store.annotations_for(list(ids.values()))
    for a in anns:
        got = stored[ids[a.exchange_n]][a.kind]
        assert (got["label"], got["value"], got["confidence"], got["evidence"], got["method"], got["version"]) == \
            (a.label, a.value, a.confidence, a.evidence, a.method, a.version)
    clarity = {a.exchange_n: a for a in anns if a.kind == "clarity"}
    hits = store.hit_annotations([ids[1]])
    assert hits[ids[1]]["clarity"] == clarity[1].label and hits[ids[1]]["clarity_fine"] == clarity[1].value["fine"]
    # a pass run again replaces its own kind only
    store.write_annotations(bid, [Annotation(1, "clarity", "Clear Non-Reply", {"fine": "Declining to answer"},
                                             0.9, "no comment", "hand", "test")], replace_kinds=["clarity"])
    again = store.annotations_for(list(ids.values()))
    assert again[ids[1]]["clarity"]["label"] == "Clear Non-Reply"
    assert all("clarity" not in again.get(ids[n], {}) for n in ids if n != 1)
    assert all(again[ids[a.exchange_n]]["countries"]["value"] == a.value for a in anns if a.kind == "countries")
    docs = {d.exchange_id: d for d in store.index_docs([bid])}
    assert docs[ids[1]].clarity == "Clear Non-Reply" and docs[ids[1]].question == b.exchanges[0].question_text
    named = {ids[a.exchange_n]: a for a in anns if a.kind == "countries" and a.label}
    assert named and all(set(docs[eid].countries) == set(a.label.split()) for eid, a in named.items())
    with pytest.raises(NotFound):
        store.write_annotations(bid + 1000, [])


def test_events_are_written_and_read_back(store, pair):
    bids = [_write(store, item) for item in pair]
    eid = _link(store, bids)
    ev = store.event(eid)
    assert (ev["date"], ev["langs"], ev["n_versions"]) == (pair[0][0].date.isoformat(), "en,zh", 2)
    assert ev["kind"] and ev["linked_by"]
    assert [v["briefing_id"] for v in ev["versions"]] == bids and [v["lang"] for v in ev["versions"]] == ["en", "zh"]
    assert [len(v["exchange_ids"]) for v in ev["versions"]] == [len(b.exchanges) for b, _, _ in pair]
    placed = [x["exchange_id"] for row in ev["rows"] for side in ("a", "b") for x in row[side]]
    assert sorted(placed) == sorted(i for v in ev["versions"] for i in v["exchange_ids"])  # each shown once
    assert any(row["a"] and row["b"] for row in ev["rows"])
    assert store.briefing(bids[0])["other_versions"] == [{"briefing_id": bids[1], "lang": "zh",
                                                          "title": pair[1][0].title}]
    rows = store.event_rows()
    assert [(r["event_id"], r["versions"], r["exchanges"]) for r in rows] == \
        [(eid, bids, {"en": len(pair[0][0].exchanges), "zh": len(pair[1][0].exchanges)})]
    assert rows[0]["links"] == sum(len(r["a"]) * len(r["b"]) for r in ev["rows"] if r["a"] and r["b"])
    assert store.event_rows(date_from="2021-01-01") == []
    linked = store.exchange_rows({})
    assert all(r["counterparts"] for r in linked if any(r["exchange_id"] in [x["exchange_id"] for x in row["a"]]
                                                        for row in ev["rows"] if row["a"] and row["b"]))
    # linking again with the same key keeps the event's id; an event no longer found is deleted
    event = Event(ev["kind"], pair[0][0].date, tuple(bids))
    assert store.write_events([(event, "fp2")], {}, {})["events"] == 1
    assert store.event(eid)["differences"] == ev["differences"]  # not re-aligned: kept
    assert store.event_fingerprints() == {event.key: "fp2"}
    store.write_events([], {}, {})
    with pytest.raises(NotFound):
        store.event(eid)
    assert store.briefing(bids[0])["event_id"] is None


def test_filters_select_the_exchanges_they_name(store, pair):
    for item in pair:
        _write(store, item)
    everything = store.exchange_rows({})
    assert len(everything) == sum(len(b.exchanges) for b, _, _ in pair)
    assert sorted(store.distinct("lang")) == ["en", "zh"]
    en = pair[0][0]
    assert [r["question"] for r in store.exchange_rows({"lang": "EN"})] == [e.question_text for e in en.exchanges]
    outlet = en.exchanges[0].outlet
    want = [e.question_text for b, _, _ in pair for e in b.exchanges if e.outlet == outlet]
    assert [r["question"] for r in store.exchange_rows({"outlet": outlet.upper()})] == want
    assert store.exchange_rows({"date_from": "2020-07-02"}) == [] and \
        len(store.exchange_rows({"date_to": "2020-07-01"})) == len(everything)
    label = next(a.label for a in pair[0][2] if a.kind == "clarity")
    want = {(a.exchange_n, "en") for a in pair[0][2] if a.kind == "clarity" and a.label == label} | \
        {(a.exchange_n, "zh") for a in pair[1][2] if a.kind == "clarity" and a.label == label}
    assert {(r["n"], r["lang"]) for r in store.exchange_rows({"clarity": label.lower()})} == want
    country = next(c for a in pair[0][2] if a.kind == "countries" and a.label for c in a.label.split())
    want = {(a.exchange_n, b.lang) for b, _, anns in pair for a in anns
            if a.kind == "countries" and f'"{country}"' in str(a.value).replace("'", '"')}
    assert want and {(r["n"], r["lang"]) for r in store.exchange_rows({"country": country.lower()})} == want
    ids = [r["exchange_id"] for r in everything[:3]]
    assert [r["exchange_id"] for r in store.exchange_rows({"lang": "en"}, ids=ids)] == ids
    assert store.exchange_rows({}, ids=[]) == []
    # what an export reads a part at a time: the same exchanges in the same order, and their annotations only
    assert store.exchange_order({}) == [r["exchange_id"] for r in everything]
    assert store.exchange_order({"lang": "en"}, ids=ids[::-1]) == ids and store.exchange_order({}, ids=[]) == []
    assert sorted({a["exchange_id"] for a in store.all_annotations({}, ids=ids)}) == sorted(ids)
    assert store.all_annotations({"lang": "zh"}, ids=ids) == [] and store.all_annotations({}, ids=[]) == []
    with pytest.raises(QueryError, match="unknown filter"):
        store.exchange_rows({"colour": "red"})
    with pytest.raises(QueryError, match="not a date"):
        store.exchange_rows({"date_from": "2020-02-30"})


_MOMENTS = {"ingested_at", "updated_at", "revised_at"}


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in _MOMENTS and k != "source"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_sqlite_and_postgres_answer_identically(pair, request, tmp_path):
    """The same writes give the same ids and the same answers, field for field (timestamps aside)."""
    answers = []
    for kind in ("sqlite", "postgres"):
        s = _open(kind, request, tmp_path)
        try:
            bids = [_write(s, item) for item in pair]
            eid = _link(s, bids)
            s.write_annotations(bids[1], [Annotation(2, "clarity", "Ambivalent", {"fine": "Partial"}, 0.5, "x",
                                                     "hand", "t")], replace_kinds=["clarity"])
            # what the SQLite store did alone before the SQL was shared: the registry, carried labels, statistics
            people, _ = spokespersons.registry()
            synced = s.sync_spokespersons(people.values(), lambda name: f"person:{name}")
            carried = s.carry_clarity()
            assert synced > 0 and carried > 0, (kind, synced, carried)
            stats = {k: v for k, v in s.stats().items() if k != "path"}
            assert (stats["briefings"], stats["exchanges"]) == (2, sum(len(b.exchanges) for b, _, _ in pair)), stats
            answers.append(_timeless({
                "synced": synced, "carried": carried, "stats": stats, "names": s.spokesperson_names(),
                "annotations": s.annotations_for(sorted(s.exchange_ids())),
                "all_annotations": sorted(a["exchange_id"] for a in s.all_annotations({"lang": "zh"})),
                "order": s.exchange_order({"lang": "zh"}),
                "evasion": (sorted(s.distinct("evasion")), sorted(s.fine_label_ids("partial"))),
                "differences": (s.difference_rows(), s.difference_kinds()),
                "briefings": [s.briefing(b) for b in bids], "event": s.event(eid), "events": s.event_rows(),
                "rows": s.exchange_rows({"lang": "zh"}), "docs": [dataclasses.asdict(d) for d in s.index_docs()],
                "pending": sorted(s.pending()), "distinct": {c: sorted(s.distinct(c)) for c in
                                                              ("spokesperson", "outlet", "outlet_type", "clarity")},
                "loaded": [(i, b.to_dict()) for i, b in s.load_briefings(bids)]}))
        finally:
            _close(s)
    sqlite, postgres = answers
    for key in sqlite:
        assert postgres[key] == sqlite[key], key
