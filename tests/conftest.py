"""Shared test fixtures: where the shared corpus and seed are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}; set PODIUM_SHARED")
    return SHARED


# ---- the database (store area) ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mfa_db(tmp_path_factory, shared) -> Path:
    """Path to a podium database holding ALL of ../shared/corpus/mfa (English and Chinese), ingested once per
    test session WITHOUT analysis (about 6 s). Treat it as read-only: copy it (file + FILE.index/) to change it."""
    from podium import Podium

    path = tmp_path_factory.mktemp("mfa_db") / "mfa.db"
    with Podium(path) as pod:
        report = pod.ingest([CORPUS / "mfa"], analyse=False)
    if report.count("added") < 1000:
        pytest.fail(f"ingest of the MFA corpus stored only {report.count('added')} briefings")
    return path


# ---- an analysed copy of the database (analysis area) ----------------------------------------------------------

@pytest.fixture(scope="session")
def analysed_db(tmp_path_factory, mfa_db) -> Path:
    """Path to a COPY of mfa_db after `Podium.analyse(passes=["countries", "formulations"])` (formulations mined
    and tagged; clarity left out: it is the slow pass), made once per test session. Treat it as read-only too."""
    import shutil

    from podium import Podium

    path = tmp_path_factory.mktemp("analysed_db") / "mfa.db"
    with Podium(mfa_db) as pod:  # the WAL folded into the file, so that copying the file copies everything
        pod.db.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(mfa_db, path)
    shutil.copytree(f"{mfa_db}.index", f"{path}.index")
    with Podium(path) as pod:
        counts = pod.analyse(passes=["countries", "formulations"])
    if counts.get("countries", 0) < 10000:
        pytest.fail(f"analysis of the MFA corpus wrote too few country annotations: {counts}")
    return path


# ---- a small fully analysed database (search hits with clarity and countries) ------------------------------------

@pytest.fixture(scope="session")
def seed_analysed_db(tmp_path_factory, shared) -> Path:
    """Path to a small database of real MFA pages ingested with analyse=True (every default pass, clarity
    included): the seed page (clear-cut non-replies such as "I'm not aware of what you mentioned") and two
    English corpus pages. Read-only."""
    from podium import Podium

    pages = [SEED / "000_32323ef4823c7adf.txt", *sorted((CORPUS / "mfa" / "en").glob("t*.html"))[-2:]]
    path = tmp_path_factory.mktemp("seed_analysed") / "seed.db"
    with Podium(path) as pod:
        report = pod.ingest(pages, analyse=True)
    if report.count("added") != len(pages):
        pytest.fail(f"ingest with analysis of {[p.name for p in pages]} failed: {report.failed}")
    return path


# ---- what the HTTP client waits (fetch area) ----------------------------------------------------------------------

@pytest.fixture
def client_waits(monkeypatch) -> list[float]:
    """The waits (seconds, in order) that podium's HTTP client asks for — rate limit, backoff, Retry-After — so
    that a test asserts what the client decided rather than how long a loaded machine took. It still waits them."""
    import podium.sources.http as http

    real = http.time
    waits: list[float] = []

    class Clock:
        def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the time module's
            return getattr(real, name)

        def sleep(self, seconds: float) -> None:
            waits.append(seconds)
            real.sleep(seconds)

    monkeypatch.setattr(http, "time", Clock())
    return waits
