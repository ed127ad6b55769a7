"""Exchanges as a table: one row per exchange with briefing fields and every annotation as columns, and the
csv / jsonl / parquet exports built from it.

Annotation columns, for a pass of kind K: ``K`` (the label), ``K_confidence``, ``K_evidence``, ``K_method``,
``K_version``, and the value: a dict value gives one column per key (``clarity_fine``, ``countries_question``),
any other value one ``K_value`` column. Lists stay lists in the DataFrame and jsonl, and become
``;``-joined text in csv and parquet.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import QueryError, StoreError
from .sqlite import Store

EXPORT_FORMATS = ("csv", "jsonl", "parquet")

BASE_COLUMNS = ["exchange_id", "briefing_id", "date", "lang", "series", "title", "spokesperson", "n", "asker",
                "outlet", "outlet_type", "follow_up", "question", "answer", "url", "source",
                # the event (one press conference, whatever its versions), the same exchange in the other language
                # version(s), and the spokesperson as one person in both languages
                "event_id", "counterparts", "spokesperson_id"]


def _flat(kind: str, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {kind: row["label"], f"{kind}_confidence": row["confidence"]}
    value = json.loads(row["value"]) if row["value"] else None
    if isinstance(value, dict):
        for k, v in value.items():
            out[f"{kind}_{k}"] = v
    elif value is not None:
        out[f"{kind}_value"] = value
    out[f"{kind}_evidence"] = row["evidence"]
    out[f"{kind}_method"] = row["method"]
    out[f"{kind}_version"] = row["version"]
    return out


def exchanges_frame(store: Store, filters: dict[str, Any], ids: list[int] | None = None) -> pd.DataFrame:
    rows = store.exchange_rows(filters, ids=ids)
    ann: dict[int, dict[str, Any]] = {}
    if rows:
        wanted = None if ids is None and not filters else {r["exchange_id"] for r in rows}
        for a in store.all_annotations(filters):
            if wanted is not None and a["exchange_id"] not in wanted:
                continue
            ann.setdefault(a["exchange_id"], {}).update(_flat(a["kind"], a))
    for r in rows:
        r["follow_up"] = bool(r["follow_up"])
        r.update(ann.get(r["exchange_id"], {}))
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=BASE_COLUMNS)
    extra = sorted(c for c in df.columns if c not in BASE_COLUMNS)
    return df[BASE_COLUMNS + extra]


def _text_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as text, for formats with flat cells."""
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            if df[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
                df[col] = df[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple))
                                      else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
    return df


def export(df: pd.DataFrame, format: str, output: str | Path | None) -> str | None:
    if format not in EXPORT_FORMATS:
        raise QueryError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if format == "parquet":
        if output is None:
            raise QueryError("parquet is binary: give an output file (-o FILE.parquet)")
        try:
            _text_cells(df).to_parquet(output, index=False)
        except OSError as exc:
            raise StoreError(f"cannot write {output}: {exc}") from None
        return None
    if format == "csv":
        text = _text_cells(df).to_csv(index=False)
    else:
        buf = io.StringIO()
        for rec in df.to_dict(orient="records"):
            clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
            buf.write(json.dumps(clean, ensure_ascii=False, default=str) + "\n")
        text = buf.getvalue()
    if output is None:
        return text
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc}") from None
    return None
