"""`podium classify`: clarity for your own questions and answers, from JSON Lines or CSV, in input order."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from podium.analysis import clarity
from podium.analysis.clarity import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY
from podium.cli import main


@pytest.fixture(scope="module")
def labelled_rows() -> list[dict]:
    """Real labelled exchanges, English and Chinese, from the held-out split."""
    en = clarity.labelled("en", split="test")[::20][:25]
    zh = clarity.labelled("zh", split="test")[::10][:10]
    return en + zh


def _run(args, stdin=None):
    return CliRunner().invoke(main, args, input=stdin)


def test_jsonl_in_json_out_in_input_order_with_ids_echoed(tmp_path, labelled_rows):
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps({"id": r["id"], "question": r["question"], "answer": r["answer"]},
                                       ensure_ascii=False) + "\n" for r in labelled_rows), encoding="utf-8")
    result = _run(["classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in labelled_rows]
    for o, r in zip(out, labelled_rows, strict=True):
        assert o["clarity"] in CLARITY_LABELS and o["clarity_fine"] in FINE_LABELS
        assert FINE_TO_CLARITY[o["clarity_fine"]] == o["clarity"]
        assert 0 < o["confidence"] <= 1
        assert o["evidence"] and " ".join(o["evidence"].split()) in " ".join(r["answer"].split())
        assert o["lang"] == ("zh" if r["id"].startswith("mfa-zh-") else "en")  # guessed from the answer
    # the same labels as the pass gives these exchanges
    expected = clarity.classify_pairs([(r["question"], r["answer"]) for r in labelled_rows[:25]], "en")
    assert [o["clarity_fine"] for o in out[:25]] == [e.fine for e in expected]


def test_csv_from_stdin_and_optional_columns(labelled_rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["question", "answer", "lang"])
    w.writeheader()
    for r in labelled_rows[:5]:
        w.writerow({"question": r["question"], "answer": r["answer"], "lang": "en"})
    result = _run(["classify", "-", "--json"], buf.getvalue())
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 5 and all(o["id"] is None and o["lang"] == "en" for o in out)
    # without --json: one line per row
    plain = _run(["classify", "-"], buf.getvalue())
    assert plain.exit_code == 0 and len(plain.output.splitlines()) == 5


def test_bad_rows_are_named_and_the_rest_go_on(tmp_path, labelled_rows):
    good = labelled_rows[0]
    lines = [
        json.dumps({"id": "ok-1", "question": good["question"], "answer": good["answer"]}),
        "{not json",
        json.dumps({"id": "no-answer", "question": "Any comment?"}),
        json.dumps({"id": "empty", "question": "Any comment?", "answer": "   "}),
        json.dumps({"id": "bad-lang", "question": "Q?", "answer": "Yes.", "lang": "fr"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok-2", "question": good["question"], "answer": good["answer"]}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(path), "--json"])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o.get("id") for o in out] == ["ok-1", None, "no-answer", "empty", "bad-lang", None, "ok-2"]
    assert out[0]["clarity"] == out[6]["clarity"] and "error" not in out[0]
    assert [o["row"] for o in out if "error" in o] == [2, 3, 4, 5, 6]
    assert "answer" in out[2]["error"] and "empty" in out[3]["error"] and "fr" in out[4]["error"]
    assert f"{path}: row at line 2" in result.stderr and "5 of 7 rows" in result.stderr


def test_csv_without_the_columns_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("q,a\nWhat?,Nothing.\n", encoding="utf-8")
    result = _run(["classify", str(path)])
    assert result.exit_code != 0
    assert "no question and no answer column" in result.output and str(path) in result.output


def test_unreadable_input_is_named(tmp_path):
    missing = tmp_path / "absent.jsonl"
    result = _run(["classify", str(missing)])
    assert result.exit_code != 0 and str(missing) in result.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("question,answer\nQu\xe9?,Oui.\n".encode("latin-1"))
    result = _run(["classify", str(latin)])
    assert result.exit_code != 0 and "UTF-8" in result.output
