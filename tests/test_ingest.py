"""Ingest: folders and files, formats detected per file, index.tsv URLs, skipped and failed files reported,
re-ingest idempotent, revised pages recorded, and analysis passes that fail never lose a briefing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from podium import Annotation, Podium
from podium.parse import parse_file
from podium.pipeline import ingest

from conftest import CORPUS

MFA = CORPUS / "mfa"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A small copy of the corpus layout: 4 English and 3 Chinese pages, a listing page, their index.tsv rows,
    and the non-pages a real folder holds."""
    root = tmp_path / "pages" / "mfa"
    rows = (MFA / "index.tsv").read_text(encoding="utf-8").splitlines()
    en = sorted((MFA / "en").glob("t*.html"))[:4]
    zh = sorted((MFA / "zh").glob("t*.html"))[:3]
    lst = MFA / "en" / "lists" / "default.html"
    keep = [rows[0]]
    for p in [*en, *zh, lst]:
        rel = p.relative_to(CORPUS).as_posix()
        dest = tmp_path / "pages" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
        keep += [r for r in rows if r.split("\t")[0] == rel]
    (root / "index.tsv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    (root / "en" / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (root / "en" / "notes.json").write_text("{}")
    return root


def test_folder_ingest_reports_every_file(tmp_path, folder):
    (folder / "zh" / "empty.html").write_bytes(b"")
    (folder / "zh" / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    with Podium(tmp_path / "i.db") as pod:
        report = pod.ingest([folder], analyse=False)
        assert report.count("added") == 7 and report.count("skipped") == 1 and report.count("failed") == 2
        assert not report.ok
        failed = {Path(r.source).name: r.error for r in report.failed}
        assert "empty" in failed["empty.html"] and "binary" in failed["image.html"]
        skipped = next(r for r in report.results if r.status == "skipped")
        assert skipped.source.endswith("lists/default.html") and "listing page" in skipped.error
        # robots.txt and notes.json are not pages: passed over, not reported
        assert not [r for r in report.results if r.source.endswith(("robots.txt", ".json"))]
        df = pod.exchanges()
        # URLs come from index.tsv; each exchange keeps the file it came from
        assert df["url"].str.startswith("https://www.fmprc.gov.cn/").all()
        assert set(df["source"]) == {str(p) for p in folder.rglob("t*.html")}
        assert set(df["lang"]) == {"en", "zh"}
        assert pod.db.check()["ok"]


def test_reingest_changes_nothing(tmp_path, folder):
    with Podium(tmp_path / "i.db") as pod:
        pod.ingest([folder], analyse=False)
        before = pod.exchanges()[["exchange_id", "url", "n", "question", "answer"]]
        report = pod.ingest([folder], analyse=False)
        assert report.count("unchanged") == 7 and report.count("added") == report.count("updated") == 0
        after = pod.exchanges()[["exchange_id", "url", "n", "question", "answer"]]
        assert before.equals(after)
        assert pod.stats()["revisions"] == 0


def test_a_revised_page_replaces_the_old_one_and_the_change_is_recorded(tmp_path, folder):
    page = sorted((folder / "en").glob("t*.html"))[0]
    original = parse_file(page)
    word = original.exchanges[0].answer_text.split()[3]
    with Podium(tmp_path / "i.db") as pod:
        pod.ingest([folder], analyse=False)
        ids = list(pod.exchanges()["exchange_id"])
        data = page.read_bytes()
        page.write_bytes(data.replace(word.encode(), b"Xylophonically", 1))
        report = pod.ingest([folder], analyse=False)
        assert report.count("updated") == 1 and report.count("unchanged") == 6
        assert list(pod.exchanges()["exchange_id"]) == ids
        hits = pod.search("Xylophonically")["hits"]
        assert len(hits) == 1 and hits[0]["date"] == original.date.isoformat()
        b = pod.briefing(hits[0]["briefing_id"])
        assert b["revisions"] and b["revisions"][0]["reason"] == "page changed"


def test_files_named_explicitly_and_missing_paths(tmp_path, folder):
    page = sorted((folder / "zh").glob("t*.html"))[0]
    with Podium(tmp_path / "i.db") as pod:
        report = pod.ingest([page, tmp_path / "nope.html"], analyse=False)
    assert report.count("added") == 1
    assert [(Path(r.source).name, r.error) for r in report.failed] == [("nope.html", "no such file or folder")]


def test_a_folder_without_pages_fails_naming_what_it_passed_over_and_the_rest_goes_on(tmp_path, folder):
    empty = tmp_path / "empty"
    empty.mkdir()
    packed = tmp_path / "packed"  # what a user who has not extracted the demo archive points at
    packed.mkdir()
    (packed / "mfa-demo.tar.xz").write_bytes(b"\xfd7zXZ\x00" + bytes(64))
    (packed / "PROVENANCE.md").write_text("# where the pages came from\n")
    (packed / "qa.csv").write_text("date,question,answer\n")
    page = sorted((folder / "en").glob("t*.html"))[0]
    with Podium(tmp_path / "i.db") as pod:
        report = pod.ingest([empty, packed, page], analyse=False)
        assert report.count("added") == 1 and pod.stats()["briefings"] == 1
    failed = {Path(r.source).name: r.error for r in report.failed}
    assert set(failed) == {"empty", "packed"}
    assert "no pages in this folder (it holds no files" in failed["empty"]
    why = failed["packed"]
    assert "3 file(s) passed over (PROVENANCE.md, mfa-demo.tar.xz, qa.csv)" in why
    assert "extract the archive first" in why and "podium ingest FILE.csv" in why
    # a folder with pages says nothing of the other files it holds (robots.txt, notes.json here)
    with Podium(tmp_path / "j.db") as pod:
        assert pod.ingest([folder], analyse=False).ok


def test_forced_wrong_format_fails_each_file_with_its_reason(tmp_path, folder):
    with Podium(tmp_path / "i.db") as pod:
        report = pod.ingest([folder / "zh"], format="mfa-en-html", analyse=False)
    assert report.count("failed") == 3 and all(r.error for r in report.failed)


class _Countries:
    name, version = "countries", "test-1"

    def annotate(self, briefing):
        return [Annotation(e.n, "countries", None, {"question": ["USA"] if "US" in e.question_text else []},
                           method="test") for e in briefing.exchanges]


class _Broken:
    name, version = "broken", "0"

    def annotate(self, briefing):
        raise RuntimeError("model file missing")


def test_a_failing_analysis_pass_is_skipped_and_the_briefing_kept(tmp_path, folder, caplog):
    with Podium(tmp_path / "i.db") as pod:
        report = ingest(pod.db, [folder / "en"], passes=[_Broken(), _Countries()])
        assert report.count("added") == 4
        assert "model file missing" in caplog.text
        stats = pod.stats()
        assert stats["annotations"] == {"countries": stats["exchanges"]}
        usa = pod.search("NOT zzyzx", country="USA", limit=1000)["total"]
        assert usa == sum("US" in q for q in pod.exchanges()["question"])


def test_ingest_without_analysis_writes_no_annotations(tmp_path, folder):
    with Podium(tmp_path / "i.db") as pod:
        pod.ingest([folder], analyse=False)
        assert pod.stats()["annotations"] == {}


def test_a_statement_with_no_question_is_skipped_not_failed(tmp_path):
    statement = MFA / "zh" / "t1539968.html"  # 发言人表态: a statement, no question asked
    with Podium(tmp_path / "x.db") as pod:
        report = pod.ingest([statement, MFA / "zh" / "t1415586.html"], analyse=False)
        assert report.ok
        assert [r.status for r in report.results] == ["skipped", "added"]
        assert "no question" in report.results[0].error
        assert pod.stats()["briefings"] == 1


def test_passes_over_a_batch_of_briefings_say_what_they_say_one_by_one(caplog):
    """The worker processes annotate briefings a batch at a time (clarity scores all their exchanges in one call):
    the same annotations, in the same order, as one briefing at a time; a pass that fails on the batch goes over
    its briefings one by one, and one that fails on a briefing leaves only that one without it."""
    from podium import pipeline

    pages = sorted((MFA / "en").glob("t*.html"))[:5] + sorted((MFA / "zh").glob("t*.html"))[:4]
    briefings = [parse_file(p) for p in pages[::2] + pages[1::2]]  # the languages interleaved
    assert {b.lang for b in briefings} == {"en", "zh"} and sum(len(b.exchanges) for b in briefings) > 40
    passes = pipeline.analysis_passes()
    assert any(hasattr(p, "annotate_batch") for p in passes)
    one_by_one = [pipeline.annotate(b, passes) for b in briefings]
    assert pipeline.annotate_batch(briefings, passes) == one_by_one
    assert all(one_by_one) and {a.kind for a in one_by_one[0]} >= {"clarity", "countries"}

    class Fussy:
        """Fails on any batch, and on the second briefing alone."""

        name, version = "fussy", "1"

        def annotate_batch(self, batch):
            raise RuntimeError("no batches")

        def annotate(self, b):
            if b is briefings[1]:
                raise RuntimeError("not this one")
            return [Annotation(1, "fussy", "seen")]

    got = pipeline.annotate_batch(briefings, [Fussy()])
    assert [len(x) for x in got] == [1, 0] + [1] * (len(briefings) - 2)
    assert "'fussy' failed on" in caplog.text


def test_worker_batches_store_what_one_process_stores(tmp_path, monkeypatch):
    """Ingest sends briefings to the worker processes ``BATCH`` at a time (a partial batch at the end): the same
    briefings in page order and the same annotations as one process."""
    import sqlite3

    from podium import pipeline

    pages = sorted((MFA / "en").glob("t*.html"))[:6] + sorted((MFA / "zh").glob("t*.html"))[:5]
    monkeypatch.setattr(pipeline, "PARALLEL_ANALYSIS_MIN", 2)
    monkeypatch.setattr(pipeline, "BATCH", 3)  # 4 batches, the last one short; the parent forms them
    monkeypatch.setattr(pipeline, "IN_FLIGHT_PER_WORKER", 3)
    kept = {}
    for workers in (1, 2):
        with Podium(tmp_path / f"w{workers}.db") as pod:
            report = pipeline.ingest(pod._db, pages, workers=workers, link=False)
            assert [r.source for r in report.results] == [str(p) for p in pages]
        c = sqlite3.connect(tmp_path / f"w{workers}.db")
        kept[workers] = c.execute("SELECT b.key, e.n, a.kind, a.label, a.value, a.confidence, a.evidence FROM "
                                  "annotations a JOIN exchanges e ON e.id = a.exchange_id JOIN briefings b ON "
                                  "b.id = e.briefing_id ORDER BY b.id, e.n, a.kind").fetchall()
        c.close()
    assert len(kept[1]) > 80 and kept[1] == kept[2]
    assert {kind for _, _, kind, *_ in kept[1]} >= {"clarity", "countries"}


def test_analyse_in_worker_processes_writes_what_one_process_writes(tmp_path, monkeypatch, caplog):
    """``analyse`` sends the stored briefings through each pass in worker processes (the formulations tagger with
    the list just mined): the same annotations as one process, batch by batch."""
    import shutil
    import sqlite3

    from podium import pipeline

    pages = sorted((MFA / "en").glob("t*.html"))[:6] + sorted((MFA / "zh").glob("t*.html"))[:5]
    with Podium(tmp_path / "w1.db") as pod:
        assert pod.ingest(pages, analyse=False).ok
        n = pod.stats().exchanges
    shutil.copy(tmp_path / "w1.db", tmp_path / "w2.db")
    shutil.copytree(tmp_path / "w1.db.index", tmp_path / "w2.db.index")
    monkeypatch.setattr(pipeline, "PARALLEL_ANALYSIS_MIN", 2)
    monkeypatch.setattr(pipeline, "PARALLEL_PASS_COST", 0.0)  # however cheap the pass
    monkeypatch.setattr(pipeline, "BATCH", 2)  # 2 batches here, then 7 briefings to the workers in 4 batches
    pools = []
    real = pipeline._AnalysisPool
    monkeypatch.setattr(pipeline, "_AnalysisPool", lambda *a, **k: pools.append(a[1]) or real(*a, **k))
    kept = {}
    for workers in (1, 2):
        with Podium(tmp_path / f"w{workers}.db") as pod:
            written = pod.analyse(workers=workers).written
        c = sqlite3.connect(tmp_path / f"w{workers}.db")
        kept[workers] = (written, c.execute(
            "SELECT b.key, e.n, a.kind, a.label, a.value, a.confidence, a.evidence FROM annotations a JOIN "
            "exchanges e ON e.id = a.exchange_id JOIN briefings b ON b.id = e.briefing_id "
            "ORDER BY b.id, e.n, a.kind").fetchall())
        c.close()
    assert kept[1] == kept[2]
    written, rows = kept[1]
    assert written["countries"] == n > 60 and written["clarity"] > 30 and written["formulations"] > 0
    assert pools == [["clarity"], ["countries"], ["formulations"]]  # with 2 workers, each pass
    assert "worker processes failed" not in caplog.text  # the workers did the work: no fallback to this process
    assert {kind for _, _, kind, *_ in rows} == {"clarity", "countries", "formulations"}
