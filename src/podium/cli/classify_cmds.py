"""`podium classify`: answer clarity for your own questions and answers (interviews, parliamentary questions,
other governments), read from JSON Lines or CSV; no database needed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..api import classify
from . import main


def _read(text: str, fmt: str, name: str) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """(row number, record or None, error or None) for each input row: JSONL rows are numbered by line, CSV rows
    by their line in the file (the header is line 1)."""
    rows: list[tuple[int, dict[str, Any] | None, str | None]] = []
    if fmt == "jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append((n, None, f"not valid JSON ({exc.msg} at column {exc.colno})"))
                continue
            if not isinstance(rec, dict):
                rows.append((n, None, f"expected a JSON object, got {type(rec).__name__}"))
                continue
            rows.append((n, rec, None))
        return rows
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    missing = [k for k in ("question", "answer") if k not in fields]
    if missing:
        raise click.ClickException(f"{name}: the CSV header has no {' and no '.join(missing)} column "
                                   f"(found: {', '.join(fields) or 'nothing'}); name the columns question and answer")
    for rec in reader:
        n = reader.line_num
        if None in rec:
            rows.append((n, None, f"more fields than the header names ({len(fields)})"))
            continue
        rows.append((n, {k: v for k, v in rec.items() if v is not None}, None))
    return rows


@main.command("classify")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]),
              help="Input format (default: from the file name's suffix; for - or other names, JSON Lines when the "
                   "first character is '{', else CSV).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per input row, in input order.")
def classify_command(path: str, fmt: str | None, as_json: bool) -> None:
    """Label the clarity of each answer in PATH (- for standard input): JSON Lines or CSV with `question` and
    `answer` (optional `id`, echoed back, and `lang`: en or zh, guessed from the answer when absent).

    Each row gets clarity (Clear Reply, Ambivalent, Clear Non-Reply), clarity_fine (one of the 9 labels),
    confidence and evidence (the answer sentence the label rests on). A bad row gets an error naming its line,
    on standard error (and as {"row", "id", "error"} with --json); the other rows go on, and the exit status is 1.
    The model was trained on press-briefing exchanges (China MFA, White House): see `podium evaluate` for how well
    it does there; on other material expect less.
    """
    name = "<stdin>" if path == "-" else path
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{name}: cannot read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    if fmt is None:
        suffix = Path(path).suffix.lower() if path != "-" else ""
        fmt = ("csv" if suffix == ".csv" else "jsonl" if suffix in (".jsonl", ".json", ".ndjson")
               else "jsonl" if text.lstrip().startswith("{") else "csv")
    rows = _read(text, fmt, name)
    good = [rec for _, rec, err in rows if err is None]
    results = iter(classify(good))  # type: ignore[arg-type]
    failed = 0
    for n, rec, err in rows:
        res = next(results) if err is None else {"id": None, "error": err}
        rid = rec.get("id") if rec else None
        if "error" in res:
            failed += 1
            click.echo(f"{name}: row at line {n}" + (f" (id {rid})" if rid is not None else "")
                       + f": {res['error']}", err=True)
            if as_json:
                click.echo(json.dumps({"row": n, "id": rid, "error": res["error"]}, ensure_ascii=False))
            continue
        if as_json:
            click.echo(json.dumps({"id": rid, **{k: v for k, v in res.items() if k != "id"}}, ensure_ascii=False))
        else:
            label = f"{res['clarity']} / {res['clarity_fine']}"
            ev = (res["evidence"] or "").replace("\n", " ")
            click.echo(f"{rid if rid is not None else n!s:>8}  {label:40s} {res['confidence']:.2f}  {ev[:90]}")
    if failed:
        click.echo(f"{name}: {failed} of {len(rows)} rows could not be classified", err=True)
        sys.exit(1)
