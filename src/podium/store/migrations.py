"""The SQLite schema of a podium database, as ordered migration steps (PRAGMA user_version = steps applied).

The database is the store of record; the full-text index beside it (``FILE.index/``) is derived from it and
can always be rebuilt (``podium reindex``). Tables are plain and named for the domain so that the file reads
well in Datasette, sqlite3 or pandas as it is:

    outlets        name, outlet_type, country                (the outlet registry, plus outlets seen in the data)
    briefings      one row per published briefing (key = URL, or series|lang|date|title; provenance: JSON evidence
                   for its date and URL when an index gave them)
    turns          every turn of a briefing in page order (openings, questions, answers, stage notes)
    exchanges      a question and its answer, with asker, outlet, follow_up, spokesperson and source, and the
                   answer's length (answer_words, or answer_chars for Chinese; ``podium.text.answer_length``)
    annotations    what an analysis pass says about an exchange: one row per (exchange_id, kind)
    revisions      a page whose text changed: when, the hashes, and the replaced version as JSON
    index_pending  briefings written to the store but not yet (re)indexed: the crash-repair queue
    spokespersons  the spokesperson registry (one row per person, English and Chinese names)
    events         one press conference whatever its language versions; briefings.event_id points here
    exchange_links the same exchange in another language version of its event (both directions)
    version_differences  what the versions of an event do not share
    meta           key/value facts about the database (index generation, ...)
    exchanges_full (view) exchanges with their briefing fields and annotations

Dates are ISO ``YYYY-MM-DD`` text; annotation values are JSON text.
To change the schema, APPEND a step; never edit a step that has shipped in a way that changes what a database
that ran it holds after the last step (step 1 no longer makes the view step 3 replaces: the end is the same).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..text import answer_length

_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE outlets (
    name        TEXT PRIMARY KEY,     -- canonical outlet name, as exchanges.outlet
    outlet_type TEXT,
    country     TEXT                  -- ISO 3166-1 alpha-3 of the outlet's home, when the registry knows
);

CREATE TABLE briefings (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    series         TEXT NOT NULL,
    lang           TEXT NOT NULL,
    date           TEXT NOT NULL,
    title          TEXT NOT NULL,
    spokesperson   TEXT,
    url            TEXT,
    source         TEXT NOT NULL,
    format         TEXT NOT NULL,
    n_exchanges    INTEGER NOT NULL,
    page_sha256    TEXT NOT NULL,     -- hash of the page's bytes as read
    content_sha256 TEXT NOT NULL,     -- hash of the parse (what podium stored)
    ingested_at    TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX briefings_date ON briefings(date);
CREATE INDEX briefings_lang_date ON briefings(lang, date);

CREATE TABLE turns (
    id          INTEGER PRIMARY KEY,
    briefing_id INTEGER NOT NULL REFERENCES briefings(id) ON DELETE CASCADE,
    pos         INTEGER NOT NULL,     -- 1-based position in the page
    role        TEXT NOT NULL,        -- asker | spokesperson | opening | stage
    speaker     TEXT,                 -- label as printed, NULL when unlabelled
    exchange_n  INTEGER,              -- the exchange this turn belongs to, if any
    text        TEXT NOT NULL,
    UNIQUE (briefing_id, pos)
);

CREATE TABLE exchanges (
    id           INTEGER PRIMARY KEY,
    briefing_id  INTEGER NOT NULL REFERENCES briefings(id) ON DELETE CASCADE,
    n            INTEGER NOT NULL,    -- 1-based position in the briefing
    asker        TEXT,
    outlet       TEXT,
    outlet_type  TEXT,
    follow_up    INTEGER NOT NULL DEFAULT 0,
    spokesperson TEXT,
    question     TEXT NOT NULL,
    answer       TEXT NOT NULL,
    source       TEXT NOT NULL,
    UNIQUE (briefing_id, n)
);
CREATE INDEX exchanges_outlet ON exchanges(outlet);
CREATE INDEX exchanges_spokesperson ON exchanges(spokesperson);

CREATE TABLE annotations (
    exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,        -- the pass: clarity, countries, formulations, ...
    label       TEXT,
    value       TEXT,                 -- JSON
    confidence  REAL,
    evidence    TEXT,
    method      TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (exchange_id, kind)
) WITHOUT ROWID;
CREATE INDEX annotations_kind_label ON annotations(kind, label);

CREATE TABLE revisions (
    id                 INTEGER PRIMARY KEY,
    briefing_id        INTEGER NOT NULL REFERENCES briefings(id) ON DELETE CASCADE,
    revised_at         TEXT NOT NULL,
    reason             TEXT NOT NULL,  -- 'page changed' or 'parse changed' (same page, newer parser)
    source             TEXT NOT NULL,
    old_page_sha256    TEXT,
    new_page_sha256    TEXT,
    old_content_sha256 TEXT,
    new_content_sha256 TEXT,
    old_n_exchanges    INTEGER,
    new_n_exchanges    INTEGER,
    old_parse          TEXT            -- the replaced version, as `podium parse --json` prints it
);

-- no foreign key: a briefing deleted from the store must still be deleted from the index
CREATE TABLE index_pending (
    briefing_id INTEGER PRIMARY KEY
);

-- the exchanges_full view of this step (as step 3 makes it, less events and spokesperson ids) is made by step 3:
-- a database that ran this step before step 3 existed has the older view, which step 3 replaces
"""

def _v2(conn: sqlite3.Connection) -> None:
    # seq changes each time a briefing is queued, so that an indexer dequeues only the versions it has indexed
    # (a briefing re-queued by another process meanwhile stays queued). Some development databases got the
    # column in step 1, hence the check.
    cols = {r[1] for r in conn.execute("PRAGMA table_info(index_pending)")}
    if "seq" not in cols:
        conn.execute("ALTER TABLE index_pending ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")


_V3 = """
-- the spokesperson registry (podium/data/spokespersons.json), synchronised on ingest and analyse
CREATE TABLE spokespersons (
    id        TEXT PRIMARY KEY,      -- stable, language-neutral ("hua-chunying")
    publisher TEXT,
    name_en   TEXT,
    name_zh   TEXT,
    aliases   TEXT                   -- JSON list
);

-- one press conference (or other occasion), whatever the number of its language versions
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,  -- kind|date|lowest briefing id of its versions
    kind            TEXT NOT NULL,         -- "MFA press conference", "MFA online press conference", "MFA remarks", ...
    date            TEXT NOT NULL,         -- the earliest date its versions print
    spokesperson_id TEXT,
    langs           TEXT NOT NULL,         -- "en,zh"
    n_versions      INTEGER NOT NULL,
    linked_by       TEXT NOT NULL,         -- why the versions were put together
    fingerprint     TEXT NOT NULL,         -- versions + their content hashes + aligner version (re-align when changed)
    updated_at      TEXT NOT NULL
);
CREATE INDEX events_date ON events(date);

-- spokesperson_id: the registry id of the person (or the name as printed when the registry does not know them)
ALTER TABLE briefings ADD COLUMN spokesperson_id TEXT;
ALTER TABLE briefings ADD COLUMN event_id INTEGER;
ALTER TABLE exchanges ADD COLUMN spokesperson_id TEXT;
CREATE INDEX briefings_event ON briefings(event_id);
CREATE INDEX exchanges_spokesperson_id ON exchanges(spokesperson_id);

-- the same exchange in another language version of the event; stored in both directions
CREATE TABLE exchange_links (
    exchange_id    INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    counterpart_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    event_id       INTEGER NOT NULL,
    score          REAL,
    method         TEXT NOT NULL,
    PRIMARY KEY (exchange_id, counterpart_id)
) WITHOUT ROWID;
CREATE INDEX exchange_links_event ON exchange_links(event_id);

-- what the versions of an event do not share (exchanges or openings in one version only, numbers or names in
-- one translation only, answers much shorter in one version)
CREATE TABLE version_differences (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    lang       TEXT,                   -- the version that has the extra material
    exchanges  TEXT NOT NULL,          -- JSON list of the exchange ids involved
    detail     TEXT NOT NULL,
    severity   REAL
);
CREATE INDEX version_differences_event ON version_differences(event_id);

DROP VIEW IF EXISTS exchanges_full;
CREATE VIEW exchanges_full AS
SELECT
    e.id AS exchange_id,
    e.briefing_id,
    b.event_id,
    b.date,
    b.lang,
    b.series,
    b.title,
    COALESCE(e.spokesperson, b.spokesperson) AS spokesperson,
    COALESCE(e.spokesperson_id, b.spokesperson_id) AS spokesperson_id,
    e.n,
    e.asker,
    e.outlet,
    e.outlet_type,
    e.follow_up,
    e.question,
    e.answer,
    (SELECT a.label FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'clarity') AS clarity,
    (SELECT a.value FROM annotations a WHERE a.exchange_id = e.id AND a.kind = 'countries') AS countries,
    (SELECT json_group_array(l.counterpart_id) FROM exchange_links l WHERE l.exchange_id = e.id) AS counterparts,
    (SELECT json_group_object(a.kind, json_object('label', a.label, 'value', json(a.value),
                                                  'confidence', a.confidence))
       FROM annotations a WHERE a.exchange_id = e.id) AS annotations,
    b.url,
    e.source
FROM exchanges e JOIN briefings b ON b.id = e.briefing_id;
"""

def _v4(conn: sqlite3.Connection) -> None:
    # where a briefing's date and URL came from (an index row, the page itself), as JSON; earlier databases kept
    # it in meta under "provenance:<briefing key>"
    conn.execute("ALTER TABLE briefings ADD COLUMN provenance TEXT")
    conn.execute("UPDATE briefings SET provenance = (SELECT value FROM meta WHERE key = 'provenance:' || "
                 "briefings.key) WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'provenance:' || briefings.key)")
    conn.execute("DELETE FROM meta WHERE key LIKE 'provenance:%'")


# each queueing takes max(seq) + 1 (``base.Dialect.next_seq``): without an index that read the whole queue, so a
# pass that queued every briefing of a 200k-exchange database spent a quarter of its time there
_V5 = """
CREATE INDEX IF NOT EXISTS index_pending_seq ON index_pending(seq);
"""

def _v6(conn: sqlite3.Connection) -> None:
    # how long each answer is, as the outlet tables measure it (``podium.text.answer_length``: words of an answer
    # written with spaces, characters other than white space of a Chinese one), written with the exchange: the
    # tables read these two numbers instead of every answer's text (at 1M exchanges, half of the outlets page)
    conn.execute("ALTER TABLE exchanges ADD COLUMN answer_words INTEGER")
    conn.execute("ALTER TABLE exchanges ADD COLUMN answer_chars INTEGER")
    last = 0
    while True:  # in batches of ids: the answers of a large database are never held at once
        rows = conn.execute("SELECT e.id, e.answer, b.lang FROM exchanges e JOIN briefings b ON b.id = e.briefing_id "
                            "WHERE e.id > ? ORDER BY e.id LIMIT 20000", (last,)).fetchall()
        if not rows:
            break
        conn.executemany("UPDATE exchanges SET answer_words = ?, answer_chars = ? WHERE id = ?",
                         [(*answer_length(answer, lang), eid) for eid, answer, lang in rows])
        last = rows[-1][0]


#: Ordered schema steps (SQL scripts or functions run inside the step's transaction);
#: step i brings the database from user_version i to i + 1.
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (_V1, _v2, _V3, _v4, _V5, _v6)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the steps this database lacks, each in its own transaction; returns the version reached.

    Raises ValueError for a database written by a newer podium (the caller turns it into a StoreError).
    """
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise ValueError(f"schema version {current} is newer than this podium understands ({SCHEMA_VERSION}); "
                         "upgrade podium")
    for version in range(current, SCHEMA_VERSION):
        step = MIGRATIONS[version]
        if isinstance(step, str):
            # executescript commits first; BEGIN..COMMIT inside it makes each step atomic
            conn.executescript(f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {version + 1};\nCOMMIT;")
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:  # not done by another process
                step(conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION
