"""Shared test fixtures: where the shared corpus and seed are, the databases built once per test run (also under
pytest-xdist), and a record of what the HTTP client waits."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed"
FIXTURES = Path(__file__).parent / "fixtures"


# Under xdist the files start costliest first (by the seconds they took in a serial run's --durations), so that
# no long file starts last and runs alone at the end; the others follow with the most tests first (xdist's order).
# pyproject's addopts keep this order (--no-loadscope-reorder).
XDIST_COSTLY_FIRST = ("test_formulations.py", "test_clarity.py", "test_calibration.py", "test_store.py",
                      "test_events.py", "test_export.py", "test_web_browser.py", "test_fetch.py", "test_indexes.py",
                      "test_store_interop.py")


def pytest_collection_modifyitems(config, items) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: the files in their usual order
        return
    count = Counter(item.path.name for item in items)
    rank = {name: i for i, name in enumerate(XDIST_COSTLY_FIRST)}
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -count[item.path.name], item.path.name))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}; set PODIUM_SHARED")
    return SHARED


# ---- databases built once per test run -------------------------------------------------------------------------

def fold_wal(path: Path) -> None:
    """Write what the database's WAL holds into the file itself."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_db(src: Path, dst: Path, *, fold: bool = True) -> Path:
    """Copy a podium database (the file and its FILE.index/ beside it) to dst, which must not exist: the WAL is
    folded into the file first, so the copy holds everything. Cheap (a second or less): a test that changes a
    session database works on a copy."""
    if fold:
        fold_wal(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    if Path(f"{src}.index").is_dir():
        shutil.copytree(f"{src}.index", f"{dst}.index")
    return dst


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """Path to a database that build(path) makes, made once per test run. Under pytest-xdist the first worker that
    needs it builds it (the others wait on a lock) and each worker gets its own copy: opening a database may
    repair its index, so two processes never share one."""
    mine = tmp_path_factory.mktemp(name) / f"{name}.db"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        build(mine)
        return mine
    shared = tmp_path_factory.getbasetemp().parent / "built-once"  # the run's folder, above each worker's own
    shared.mkdir(parents=True, exist_ok=True)
    built, done = shared / name / f"{name}.db", shared / name / "done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also when build() fails
        if not done.exists():
            if built.parent.exists():  # what a failed build left
                shutil.rmtree(built.parent)
            built.parent.mkdir()
            build(built)
            fold_wal(built)  # now, under the lock: copies made later only read the file
            done.touch()
    return copy_db(built, mine, fold=False)


# ---- the database (store area) ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mfa_db(tmp_path_factory, shared) -> Path:
    """Path to a podium database holding ALL of ../shared/corpus/mfa (English and Chinese), ingested once per
    test run WITHOUT analysis (about 6 s). Treat it as read-only: copy it (copy_db) to change it."""
    from podium import Podium

    def build(path: Path) -> None:
        with Podium(path) as pod:
            report = pod.ingest([CORPUS / "mfa"], analyse=False)
        if report.count("added") < 1000:
            pytest.fail(f"ingest of the MFA corpus stored only {report.count('added')} briefings")

    return built_once(tmp_path_factory, "mfa", build)


# ---- an analysed copy of the database (analysis area) ----------------------------------------------------------

@pytest.fixture(scope="session")
def analysed_db(tmp_path_factory, mfa_db) -> Path:
    """Path to a COPY of mfa_db after `Podium.analyse(passes=["countries", "formulations"])` (formulations mined
    and tagged; clarity left out: it is the slow pass), made once per test run. Treat it as read-only too."""
    from podium import Podium

    def build(path: Path) -> None:
        copy_db(mfa_db, path)
        with Podium(path) as pod:
            counts = pod.analyse(passes=["countries", "formulations"])
        if counts.get("countries", 0) < 10000:
            pytest.fail(f"analysis of the MFA corpus wrote too few country annotations: {counts}")

    return built_once(tmp_path_factory, "analysed", build)


# ---- a small fully analysed database (search hits with clarity and countries) ------------------------------------

@pytest.fixture(scope="session")
def seed_analysed_db(tmp_path_factory, shared) -> Path:
    """Path to a small database of real MFA pages ingested with analyse=True (every default pass, clarity
    included): the seed page (clear-cut non-replies such as "I'm not aware of what you mentioned") and two
    English corpus pages. Read-only."""
    from podium import Podium

    pages = [SEED / "000_32323ef4823c7adf.txt", *sorted((CORPUS / "mfa" / "en").glob("t*.html"))[-2:]]

    def build(path: Path) -> None:
        with Podium(path) as pod:
            report = pod.ingest(pages, analyse=True)
        if report.count("added") != len(pages):
            pytest.fail(f"ingest with analysis of {[p.name for p in pages]} failed: {report.failed}")

    return built_once(tmp_path_factory, "seed_analysed", build)


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
