"""The web pages' data functions (one per page, each a dict served as HTML and JSON) and the write API.

Data functions only call Podium methods (never SQL). The ``*_view`` functions add what only the HTML needs
(grouped turns, chart geometry, labels); the JSON never contains them.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import math
import re
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from ..analysis.stats import period_range
from ..errors import QueryError
from ..model import CLARITY_LABELS, FILTER_SPECS, SORTS, excerpt, pieces
from .base import JSON, TooLarge, Web, redirect, url_for_params
from .openapi import openapi

#: URL parameter -> facade keyword, for the filters every listing takes.
FILTERS = {f.param: f.name for f in FILTER_SPECS}
FILTER_LABELS = {f.param: f.label for f in FILTER_SPECS}
FACET_LABELS = {"year": "Year", "lang": "Language", "spokesperson": "Spokesperson", "outlet_type": "Outlet type",
                "outlet": "Outlet", "clarity": "Answer clarity", "country": "Countries mentioned"}
LANGS = {"en": "English", "zh": "Chinese"}
MAX_PER_PAGE = 100
KWIC_PER_PAGE = 100
#: a share resting on fewer press conferences held than this shows its counts, not a percentage (and is drawn
#: as a hollow point)
MIN_HELD = 5
#: series per chart panel; more are drawn as small multiples
SERIES_PER_PANEL = 5
MAX_OFFSET = 10_000
MAX_SERIES = 12
MAX_UPLOAD = 50 * 1024 * 1024

#: The query language, as the search page documents it (mirrors podium.store.query).
SYNTAX = [
    ("tariffs", "the word and its inflections (tariff, tariffs) — unless “exact words” is ticked"),
    ('"one China"', "an exact phrase: these word forms in this order, never stemmed (case- and accent-insensitive)"),
    ("美方", "Chinese: the characters in sequence (always exact)"),
    ("trade AND war", "both words (writing them side by side also means AND)"),
    ("Taiwan OR Taipei", "either word"),
    ("NOT Hong   -Hong", "without the word"),
    ("sanction*", "words starting with “sanction”"),
    ('(Huawei OR ZTE) AND "5G"', "grouping with parentheses"),
]
EXAMPLES = ['"shared future"', '"one China"', "Huawei OR ZTE", "sanction*", "Xinjiang AND (BBC OR CNN)", "美方"]


# ---- parameters ---------------------------------------------------------------------------------------------

def _accept(request: Request, *names: str) -> None:
    """Refuse URL parameters this page does not take (a misspelt ``limit=`` must not be ignored silently)."""
    unknown = sorted(set(request.query_params) - set(names))
    if unknown:
        raise QueryError(f"unknown parameter(s) {', '.join(map(repr, unknown))} for {request.url.path}; "
                         f"accepted: {', '.join(names)}")


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = _text(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise QueryError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


def _flag(request: Request, name: str) -> bool:
    return (_text(request, name) or "").lower() in ("1", "true", "yes", "on")


def _filters(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """(URL parameters, facade keywords) of the filters present in the request."""
    params = {k: v for k in FILTERS if (v := _text(request, k)) is not None}
    return params, {FILTERS[k]: v for k, v in params.items()}


def _many(request: Request, name: str, split: str = r"[\r\n]+") -> list[str]:
    """A parameter given several times and/or as several lines (textarea)."""
    out: list[str] = []
    for raw in request.query_params.getlist(name):
        out += [p.strip() for p in re.split(split, raw) if p.strip()]
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in df.to_dict("records")]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


@functools.cache
def _place_names() -> dict[str, str]:
    """ISO3 code or organisation id -> display name, from the gazetteer shipped with podium."""
    data = json.loads(resources.files("podium").joinpath("data/countries.json").read_text("utf-8"))
    names = {c["iso3"]: c["name"] for c in data.get("countries", [])}
    for org in data.get("organisations", []):
        names.setdefault(org["id"], (org.get("names") or [org["id"]])[0])
    return names


def place_name(code: str | None) -> str:
    return _place_names().get(code or "", code or "")


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without the server's file system in it: ``source`` (the file a briefing was read from) keeps only
    the file's name."""
    source = row.get("source")
    if isinstance(source, str) and source:
        row["source"] = source.replace("\\", "/").rsplit("/", 1)[-1]
    return row


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_cell(value: Any) -> Any:
    """A CSV cell safe to open in a spreadsheet: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# ---- home ---------------------------------------------------------------------------------------------------

async def home(request: Request, web: Web) -> dict[str, Any]:
    def data() -> dict[str, Any]:
        stats = web.pod.stats().to_dict()
        stats.pop("path", None)  # the server's file system is not the reader's business
        return {"stats": stats, "examples": EXAMPLES}

    return await web.cached("home", data)


#: Rows the home page lists of its longest table (the outlets asking most).
HOME_OUTLETS = 15


def home_view(data: dict[str, Any]) -> dict[str, Any]:
    """The home page's count tables: label, link to the search it counts, number."""
    s = data["stats"]
    outlets = list((s.get("by_outlet") or {}).items())[:HOME_OUTLETS]
    return {"outlet_rows": [{"label": k, "link": url_for_params("/search", {"outlet": k}), "n": n}
                            for k, n in outlets],
            "outlet_type_rows": [{"label": k, "link": url_for_params("/search", {"outlet_type": k}), "n": n}
                                 for k, n in (s.get("by_outlet_type") or {}).items()],
            "year_rows": [{"label": y, "link": url_for_params("/search", {"from": f"{y}-01-01", "to": f"{y}-12-31"}),
                           "n": n} for y, n in (s.get("by_year") or {}).items()]}


# ---- search -------------------------------------------------------------------------------------------------

async def search(request: Request, web: Web) -> dict[str, Any]:
    _accept(request, "q", *FILTERS, "exact", "sort", "view", "per_page", "page", "window", "sentence")
    q = _text(request, "q")
    params, filters = _filters(request)
    exact = _flag(request, "exact")
    sort = _text(request, "sort") or ("relevance" if q else "date")
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    view = _text(request, "view") or "hits"
    if view not in ("hits", "kwic"):
        raise QueryError(f"unknown view {view!r}; use hits or kwic")
    per_page = _int(request, "per_page", 20, 1, MAX_PER_PAGE)
    page = _int(request, "page", 1, 1, MAX_OFFSET // per_page + 1)
    window = _int(request, "window", 8, 1, 50)
    sentence = _flag(request, "sentence")
    offset = (page - 1) * per_page

    state = {**params}
    if q:
        state["q"] = q
    if exact:
        state["exact"] = "1"
    if sort != ("relevance" if q else "date"):
        state["sort"] = sort
    if view != "hits":
        state["view"] = view
    if per_page != 20:
        state["per_page"] = str(per_page)
    if sentence:
        state["sentence"] = "1"
    if window != 8:
        state["window"] = str(window)

    out: dict[str, Any] = {"query": q, "params": state, "filters": params, "exact": exact, "sort": sort,
                           "view": view, "page": page, "per_page": per_page, "total": None, "hits": [],
                           "facets": {}, "kwic": None, "mode": "empty"}
    if q:
        kwic_view = view == "kwic"
        # in the kwic view the page is a page of lines; the hits stay on their first page (facets, total)
        res = await web.run(web.pod.search, q, exact=exact, sort=sort, limit=per_page,
                            offset=0 if kwic_view else offset, facets=True, **filters)
        out.update(mode="search", total=res.total, hits=res.hits, facets=res.facets or {})
        if kwic_view:
            conc = await web.run(web.pod.concordance, q, window=window, sentence=sentence, exact=exact,
                                 limit=KWIC_PER_PAGE, offset=(page - 1) * KWIC_PER_PAGE, **filters)
            out["kwic"] = conc.lines
            out["kwic_counts"] = {k: getattr(conc, k)
                                  for k in ("offset", "total_lines", "lines_counted", "total_exchanges")}
    elif filters:
        # filters alone: the index's match-all query pages and counts facets like any search, newest first
        res = await web.run(web.pod.search, "*", sort=sort if sort != "relevance" else "date", limit=per_page,
                            offset=offset, facets=True, **filters)
        out.update(mode="browse", total=res.total, hits=res.hits, facets=res.facets or {})
    # plain JSON values: text and the spans of its matches (the HTML view marks them, the JSON never has markup)
    out["hits"] = [dict(public(h.to_dict()), link=f"/briefings/{h.briefing_id}#e{h.n}") for h in out["hits"]]
    if out["kwic"]:
        out["kwic"] = [dict(line.to_dict(), link=f"/exchanges/{line.exchange_id}") for line in out["kwic"]]
    out["pages"] = max(1, math.ceil((out["total"] or 0) / per_page)) if out["total"] is not None else 0
    if out.get("kwic_counts"):
        c = out["kwic_counts"]
        out["pages"] = max(1, math.ceil((c["total_lines"] or c["lines_counted"]) / KWIC_PER_PAGE))
    return out


def marked(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` HTML-escaped, with <mark> around the matches and "…" where it is cut."""
    return Markup("".join(f"<mark>{html.escape(t, quote=False)}</mark>" if match else html.escape(t, quote=False)
                          for t, match in pieces(text, spans, start, end)))


def search_view(data: dict[str, Any]) -> dict[str, Any]:
    params = data["params"]
    for h in data["hits"]:
        h["question_html"] = marked(h["question"], h["question_spans"])
        h["answer_html"] = marked(h["answer"], h["answer_spans"])
        # the answer's line: a window around its first match (its start when only the question matches)
        h["answer_snippet_html"] = marked(h["answer"], h["answer_spans"],
                                          *excerpt(h["answer"], h["answer_spans"], width=320, before=110))
        h["country_tags"] = [{"code": c, "name": place_name(c),
                              "link": url_for_params("/search", params, country=c, page=None)}
                             for c in h.get("countries") or []]
    facets = []
    for field in ("year", "lang", "spokesperson", "outlet_type", "clarity", "outlet", "country"):
        counts = data["facets"].get(field) or {}
        if not counts:
            continue
        items = []
        ordered = sorted(counts.items(), key=lambda kv: kv[0], reverse=True) if field == "year" else \
            sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        for value, count in ordered:
            if field == "year":
                selected = params.get("from") == f"{value}-01-01" and params.get("to") == f"{value}-12-31"
                link = url_for_params("/search", params, **{"from": None if selected else f"{value}-01-01",
                                                            "to": None if selected else f"{value}-12-31",
                                                            "page": None})
            else:
                selected = (params.get(field) or "").casefold() == value.casefold()
                link = url_for_params("/search", params, **{field: None if selected else value, "page": None})
            label = LANGS.get(value, value) if field == "lang" else place_name(value) if field == "country" else value
            title = value if field == "country" else None
            items.append({"value": value, "label": label, "title": title, "count": count, "selected": selected,
                          "link": link})
        facets.append({"field": field, "label": FACET_LABELS[field], "items": items})
    chips = [{"label": FILTER_LABELS[k], "value": place_name(v) if k == "country" else LANGS.get(v, v),
              "remove": url_for_params("/search", params, **{k: None, "page": None})}
             for k, v in data["filters"].items()]
    first = (data["page"] - 1) * data["per_page"] + 1
    last = first + len(data["hits"]) - 1
    per_page = data["per_page"]
    kwic = None
    if data.get("kwic_counts"):
        c = data["kwic_counts"]
        per_page = KWIC_PER_PAGE
        kwic = {"first": c["offset"] + 1, "last": c["offset"] + len(data["kwic"] or []),
                "total": c["total_lines"], "at_least": c["lines_counted"], "exchanges": c["total_exchanges"]}
    pager = []
    if data["pages"] > 1:
        lo, hi = max(1, data["page"] - 3), min(data["pages"], data["page"] + 3)
        pager = [{"n": n, "link": url_for_params("/search", params, page=n if n > 1 else None),
                  "current": n == data["page"]} for n in range(lo, hi + 1)]
    nav = {"prev": url_for_params("/search", params, page=data["page"] - 1 if data["page"] > 2 else None)
           if data["page"] > 1 else None,
           "next": url_for_params("/search", params, page=data["page"] + 1)
           if data["page"] < data["pages"] and data["page"] * per_page < MAX_OFFSET else None}
    views = {v: url_for_params("/search", params, view=None if v == "hits" else v, page=None) for v in ("hits", "kwic")}
    sorts = {s: url_for_params("/search", params, sort=s, page=None) for s in SORTS}
    return {"facets": facets, "chips": chips, "first": first, "last": last, "pager": pager, "nav": nav, "kwic": kwic,
            "views": views, "sorts": sorts, "json_link": url_for_params("/search.json", params),
            "clarity_values": CLARITY_LABELS, "langs": LANGS, "examples": EXAMPLES}


# ---- briefing reader ----------------------------------------------------------------------------------------

async def briefing(request: Request, web: Web) -> dict[str, Any]:
    b = public(await web.run(web.pod.briefing, request.path_params["briefing_id"]))
    for e in b.get("exchanges") or []:
        public(e)
    return b


def briefing_view(data: dict[str, Any]) -> dict[str, Any]:
    """The transcript in page order: opening turns, then one block per exchange with its annotations."""
    by_n = {e["n"]: e for e in data.get("exchanges", [])}
    blocks: list[dict[str, Any]] = []
    for turn in data.get("turns", []):
        n = turn.get("exchange_n")
        paragraphs = [p for p in (turn.get("text") or "").split("\n") if p.strip()]
        item = {"role": turn.get("role"), "speaker": turn.get("speaker"), "paragraphs": paragraphs}
        if n is None or n not in by_n:
            if blocks and blocks[-1]["kind"] == "turns":
                blocks[-1]["turns"].append(item)
            else:
                blocks.append({"kind": "turns", "turns": [item]})
            continue
        if not blocks or blocks[-1]["kind"] != "exchange" or blocks[-1]["n"] != n:
            blocks.append({"kind": "exchange", "n": n, "exchange": by_n[n], "turns": [],
                           "notes": _annotation_notes(by_n[n].get("annotations") or {})})
        blocks[-1]["turns"].append(item)
    seen = {b["n"] for b in blocks if b["kind"] == "exchange"}
    for n, e in by_n.items():  # exchanges the turn list does not place (should not happen): still shown
        if n not in seen:
            blocks.append({"kind": "exchange", "n": n, "exchange": e, "notes": _annotation_notes(e.get("annotations")
                                                                                                or {}),
                           "turns": [{"role": "asker", "speaker": e.get("asker"), "paragraphs":
                                      (e.get("question") or "").split("\n")},
                                     {"role": "spokesperson", "speaker": e.get("spokesperson"), "paragraphs":
                                      (e.get("answer") or "").split("\n")}]})
    clarity_counts: dict[str, int] = {}
    countries: dict[str, int] = {}
    for b in blocks:
        if b["kind"] == "exchange":
            c = b["notes"]["clarity"]
            if c:
                clarity_counts[c["label"]] = clarity_counts.get(c["label"], 0) + 1
            for code in {*b["notes"]["countries_question"], *b["notes"]["countries_answer"]}:
                countries[code] = countries.get(code, 0) + 1
    top = sorted(countries.items(), key=lambda kv: -kv[1])[:12]
    return {"blocks": blocks, "clarity_counts": clarity_counts, "clarity_order": CLARITY_LABELS,
            "countries": [{"code": c, "name": place_name(c), "count": k} for c, k in top], "langs": LANGS}


def _annotation_notes(anns: dict[str, Any]) -> dict[str, Any]:
    clarity = anns.get("clarity")
    notes: dict[str, Any] = {"clarity": None, "countries_question": [], "countries_answer": [], "orgs": [],
                             "formulations": []}
    if clarity and clarity.get("label"):
        value = clarity.get("value") or {}
        notes["clarity"] = {"label": clarity["label"], "fine": value.get("fine") if isinstance(value, dict) else None,
                            "confidence": clarity.get("confidence"), "evidence": clarity.get("evidence"),
                            "method": clarity.get("method"), "version": clarity.get("version"),
                            "slug": clarity["label"].lower().replace(" ", "-")}
    countries = (anns.get("countries") or {}).get("value") or {}
    if isinstance(countries, dict):
        notes["countries_question"] = list(countries.get("question") or [])
        notes["countries_answer"] = list(countries.get("answer") or [])
        notes["orgs"] = sorted({*(countries.get("orgs_question") or []), *(countries.get("orgs_answer") or [])})
    forms = (anns.get("formulations") or {}).get("value") or []
    if isinstance(forms, list):
        notes["formulations"] = [str(f) for f in forms][:12]
    notes["names"] = {c: place_name(c) for c in {*notes["countries_question"], *notes["countries_answer"],
                                                  *notes["orgs"]}}
    return notes


async def exchange_redirect(request: Request) -> Response:
    web: Web = request.app.state.web
    e = await web.run(web.pod.exchange, request.path_params["exchange_id"])
    return redirect(f"/briefings/{e['briefing_id']}#e{e['n']}")


async def exchange_json(request: Request) -> Response:
    web: Web = request.app.state.web
    e = public(await web.run(web.pod.exchange, request.path_params["exchange_id"]))
    e["link"] = f"/briefings/{e['briefing_id']}#e{e['n']}"
    return JSON(e)


# ---- trends -------------------------------------------------------------------------------------------------

def _trend_specs(request: Request) -> list[tuple[str, str]]:
    specs = [("term", t) for t in _many(request, "term") + _many(request, "q")]
    specs += [("country", c) for c in _many(request, "country", r"[\r\n,;]+")]
    specs += [("formulation", f) for f in _many(request, "formulation")]
    if len(specs) > MAX_SERIES:
        raise QueryError(f"at most {MAX_SERIES} series on one chart; you asked for {len(specs)}")
    return specs


async def trends(request: Request, web: Web) -> dict[str, Any]:
    _accept(request, "term", "q", "country", "formulation", "by", "per", "exact", "from", "to", "lang", "min_held")
    specs = _trend_specs(request)
    by = _text(request, "by") or "month"
    per = _text(request, "per")
    exact = _flag(request, "exact")
    filters = {FILTERS[k]: v for k in ("from", "to", "lang") if (v := _text(request, k)) is not None}
    params: dict[str, Any] = {"term": [v for k, v in specs if k == "term"],
                              "country": [v for k, v in specs if k == "country"],
                              "formulation": [v for k, v in specs if k == "formulation"],
                              "by": by if by != "month" else None, "per": per, "exact": "1" if exact else None,
                              **{k: _text(request, k) for k in ("from", "to", "lang")}}
    params = {k: v for k, v in params.items() if v}
    min_held = _int(request, "min_held", MIN_HELD, 1, 10_000)
    if min_held != MIN_HELD:
        params["min_held"] = str(min_held)
    out: dict[str, Any] = {"params": params, "by": by, "per": per, "exact": exact, "series": [], "periods": [],
                           "min_held": min_held}
    if not specs:
        return out
    key = ("trends", tuple(specs), by, per, exact, tuple(sorted(filters.items())))
    frames = await web.cached(key, _trend_frames, web, specs, by, per, exact, filters)
    periods: set[str] = set()
    group_col = {"spokesperson": "spokesperson", "outlet_type": "outlet_type", "outlet-type": "outlet_type"}.get(
        per or "", None)
    for (kind, value), df in zip(specs, frames, strict=True):
        label = value if kind != "country" else place_name(value.upper()) or value
        counted = {k: df.attrs.get(k) for k in ("unit", "languages", "kinds", "date_from", "date_to", "events")}
        groups = [(None, df)] if group_col is None or group_col not in df else \
            [(g, part) for g, part in df.groupby(group_col, sort=True)]
        for g, part in groups:
            points = [{"period": str(r["period"]), "briefings_held": int(r["briefings_held"]),
                       "briefings_matching": int(r["briefings_matching"]),
                       "share": None if _missing(r["share"]) else round(float(r["share"]), 6),
                       "partial": bool(r.get("partial", False))}
                      for r in part.to_dict("records")]
            periods.update(p["period"] for p in points)
            out["series"].append({"kind": kind, "value": value, "group": None if g is None else str(g),
                                  "label": label if g is None else f"{label} — {g}", "points": points,
                                  "counted": counted})
    out["periods"] = period_range(sorted(periods), by)
    return out


def _trend_frames(web: Web, specs: list[tuple[str, str]], by: str, per: str | None, exact: bool,
                  filters: dict[str, str]) -> list[pd.DataFrame]:
    frames = []
    for kind, value in specs:
        kw: dict[str, Any] = {kind: value}
        if kind == "term":
            kw["exact"] = exact
        frames.append(web.pod.trend(by=by, per=per, **kw, **filters))
    return frames


def _wide(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """One row per period, one share column per series (None where no briefing was held)."""
    index = {s["label"]: {p["period"]: p for p in s["points"]} for s in data["series"]}
    rows = []
    for period in data["periods"]:
        rows.append([period] + [index[s["label"]].get(period) for s in data["series"]])
    return [s["label"] for s in data["series"]], rows


def trends_view(data: dict[str, Any]) -> dict[str, Any]:
    labels, rows = _wide(data)
    p = data["params"]
    few = data.get("min_held", MIN_HELD)
    for row in rows:
        for pt in row[1:]:
            if pt:
                pt["few"] = pt["briefings_held"] < few
    return {"labels": labels, "rows": rows, "min_held": few, "series_per_panel": SERIES_PER_PANEL,
            "csv_link": url_for_params("/trends.csv", p), "svg_link": url_for_params("/trends.svg", p),
            "json_link": url_for_params("/trends.json", p),
            "terms_text": "\n".join(p.get("term", [])), "countries_text": ", ".join(p.get("country", [])),
            "formulations_text": "\n".join(p.get("formulation", [])),
            "search_links": {s["label"]: url_for_params("/search", {"q": s["value"]}) for s in data["series"]
                             if s["kind"] == "term"}}


async def trends_csv(request: Request) -> Response:
    web: Web = request.app.state.web
    data = await trends(request, web)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["series", "kind", "value", "group", "period", "briefings_held", "briefings_matching", "share",
                "partial", "unit", "languages"])
    for s in data["series"]:
        counted = s.get("counted") or {}
        for pt in s["points"]:
            w.writerow([csv_cell(v) for v in (s["label"], s["kind"], s["value"], s["group"] or "", pt["period"],
                                              pt["briefings_held"], pt["briefings_matching"],
                                              "" if pt["share"] is None else pt["share"],
                                              "partial" if pt.get("partial") else "", counted.get("unit") or "",
                                              "+".join(counted.get("languages") or []))])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="podium-trend.csv"'})


PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f",
           "#475569", "#9333ea", "#0369a1"]


async def trends_svg(request: Request) -> Response:
    """The chart drawn on the server as a standalone SVG (for papers: scales without loss)."""
    web: Web = request.app.state.web
    data = await trends(request, web)
    return Response(render_svg(data), media_type="image/svg+xml",
                    headers={"content-disposition": 'attachment; filename="podium-trend.svg"'})


def render_svg(data: dict[str, Any], width: int = 960, height: int = 480) -> str:
    e = functools.partial(html.escape, quote=True)
    left, right, top = 56, 16, 24
    h = height + 18 * math.ceil(len(data["series"]) / 2)
    periods = data["periods"]
    plot_w, plot_h = width - left - right, height - top - 64
    top_share = max([pt["share"] or 0 for s in data["series"] for pt in s["points"]] + [0.05])
    ymax = min(1.0, math.ceil(top_share * 10) / 10)
    x = {p: left + (plot_w * i / max(1, len(periods) - 1)) for i, p in enumerate(periods)}

    def y(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="11">',
           f'<rect width="{width}" height="{h}" fill="#ffffff"/>']
    for i in range(6):
        v = ymax * i / 5
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#475569">{100 * v:.0f}%</text>')
    step = max(1, math.ceil(len(periods) / 16))
    for i, p in enumerate(periods):
        if i % step == 0:
            out.append(f'<text x="{x[p]:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#475569">'
                       f'{e(p)}</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14 {top + plot_h / 2:.0f})" '
               'text-anchor="middle" fill="#334155">share of briefings held</text>')
    for k, s in enumerate(data["series"]):
        colour = PALETTE[k % len(PALETTE)]
        path, pen = [], "M"
        for pt in s["points"]:
            if pt["share"] is None or pt["period"] not in x:
                pen = "M"
                continue
            path.append(f"{pen}{x[pt['period']]:.1f},{y(pt['share']):.1f}")
            pen = "L"
        out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lx, ly = left + (k % 2) * (plot_w / 2), height - 24 + 18 * (k // 2)
        out.append(f'<rect x="{lx:.0f}" y="{ly - 9}" width="14" height="4" fill="{colour}"/>')
        out.append(f'<text x="{lx + 20:.0f}" y="{ly - 4}" fill="#1e293b">{e(s["label"])}</text>')
    out.append("</svg>")
    return "\n".join(out)


# ---- events: the language versions of one press conference side by side ---------------------------------------

async def event(request: Request, web: Web) -> dict[str, Any]:
    return await web.run(web.pod.versions, request.path_params["event_id"])


def event_view(data: dict[str, Any]) -> dict[str, Any]:
    """Rows of aligned exchanges, each side with its notes; differences marked on the exchanges they concern."""
    marks: dict[int, list[dict[str, Any]]] = {}
    for d in data.get("differences", []):
        for eid in d.get("exchanges") or []:
            marks.setdefault(eid, []).append(d)
    versions = [v for v in data.get("versions", []) if not v.get("copy_of")]
    rows = []
    for row in data.get("rows", []):
        sides = []
        for side in ("a", "b"):
            sides.append([{**e, "differences": marks.get(e["exchange_id"], []),
                           "answer_paragraphs": [p for p in (e.get("answer") or "").split("\n") if p.strip()]}
                          for e in row[side]])
        rows.append({"a": sides[0], "b": sides[1], "score": row.get("score"),
                     "one_sided": not (row["a"] and row["b"])})
    openings_only = [d for d in data.get("differences", []) if not d.get("exchanges")]
    return {"rows": rows, "shown_versions": versions[:2], "langs": LANGS, "openings_only": openings_only,
            "one_version": len(versions) < 2}


# ---- outlets and formulations ---------------------------------------------------------------------------------

async def outlets(request: Request, web: Web) -> dict[str, Any]:
    _accept(request, "lang", "from", "to")
    kw = {"lang": _text(request, "lang"), "date_from": _text(request, "from"), "date_to": _text(request, "to")}

    def compute() -> dict[str, Any]:
        df = web.pod.outlets(**kw)
        by_person = web.pod.clarity(by="spokesperson", min_answers=OUTLETS_MIN_ANSWERS, **kw)
        by_year = web.pod.clarity(by="period", per="year", **kw)
        return {"rows": _records(df), "counted": dict(df.attrs), "clarity_trust": df.attrs.get("clarity_trust"),
                "spokespersons": _records(by_person), "years": _records(by_year),
                "params": {k: v for k, v in (("lang", kw["lang"]), ("from", kw["date_from"]),
                                             ("to", kw["date_to"])) if v}}

    if any(kw.values()):  # a filtered table is computed for its caller (the cache keeps the few default pages)
        return await web.run(compute)
    # the costliest page (a pass over every exchange): computed once per database version, shared by all
    return await web.cached("outlets", compute)


#: Spokespersons with fewer labelled answers are left out of the outlets page's clarity-by-spokesperson table.
OUTLETS_MIN_ANSWERS = 20


def outlets_view(data: dict[str, Any]) -> dict[str, Any]:
    has = {col: any(r.get(col) is not None for r in data["rows"])
           for col in ("median_answer_words_en", "median_answer_chars_zh")}
    types, named = [], []
    for r in data["rows"]:
        r = dict(r)
        known = not str(r.get("name") or "(").startswith("(")  # "(unknown)", "(anonymous)": no outlet to list
        if r.get("level") == "outlet_type":
            r["link"] = url_for_params("/search", {"outlet_type": r["name"]}) if known else None
            types.append(r)
        else:
            r["link"] = url_for_params("/search", {"outlet": r["name"]}) if known else None
            named.append(r)
        r["bar"] = [(cls, r.get(f"{cls}_share") or 0) for cls in ("clear_reply", "ambivalent", "clear_non_reply")]
        r["countries"] = []
        for part in str(r.get("top_countries") or "").split(",")[:4]:
            code, _, count = part.strip().partition(" ")
            if code:
                scope = {"outlet_type" if r.get("level") == "outlet_type" else "outlet": r["name"]} if known else {}
                r["countries"].append({"code": code, "name": place_name(code), "count": int(count or 0),
                                       "link": url_for_params("/search", {**scope, "country": code})})
    groups = {}
    for key in ("spokespersons", "years"):
        groups[key] = [{**r, "name": r["group"], "questions": r["answers"], "link": None, "countries": [],
                        "bar": [(cls, r.get(f"{cls}_share") or 0) for cls in ("clear_reply", "ambivalent",
                                                                               "clear_non_reply")]}
                       for r in data.get(key) or []]
    return {"types": types, "outlets": named, "has": has, "min_answers": OUTLETS_MIN_ANSWERS, **groups}


async def formulations(request: Request, web: Web) -> dict[str, Any]:
    _accept(request, "new_since", "lang", "limit", "contains")
    new_since = _text(request, "new_since")
    lang = _text(request, "lang")
    limit = _int(request, "limit", 100, 1, 2000)
    contains = _text(request, "contains")
    # filtering by substring happens here: the facade lists by use; ask it for enough rows to filter
    rows = await web.cached(("formulations", new_since, lang, limit if not contains else 20_000),
                            lambda: _records(web.pod.formulations(new_since=new_since,
                                                                  limit=limit if not contains else 20_000,
                                                                  lang=lang)))
    if contains:
        rows = [r for r in rows if contains.casefold() in str(r.get("text", "")).casefold()][:limit]
    params = {k: v for k, v in {"new_since": new_since, "lang": lang, "contains": contains,
                                "limit": str(limit) if limit != 100 else None}.items() if v}
    return {"params": params, "rows": rows}


def formulations_view(data: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for r in data["rows"]:
        text = str(r.get("text") or "")
        months = r.get("months") or {}
        shares = [(m, (u / h) if h else 0.0) for m, (u, h) in sorted(months.items())]
        spark = ""
        if shares:
            top = max(s for _, s in shares) or 1.0
            n = max(1, len(shares) - 1)
            spark = " ".join(f"{100 * i / n:.1f},{20 - 18 * s / top:.1f}" for i, (_, s) in enumerate(shares))
        speakers = r.get("spokespersons") or {}
        rows.append({**r, "spark": spark,
                     "speakers": ", ".join(f"{k} ({v})" for k, v in sorted(speakers.items(), key=lambda kv: -kv[1])),
                     "search_link": url_for_params("/search", {"q": f'"{text}"', "lang": r.get("lang")}),
                     "trend_link": url_for_params("/trends", {"formulation": str(r.get("id"))})})
    return {"rows": rows, "langs": LANGS}


# ---- API documentation page and writes ----------------------------------------------------------------------

async def api_page(request: Request) -> Response:
    web: Web = request.app.state.web
    spec = openapi(admin=web.admin_token is not None)
    return request.app.state.templates.TemplateResponse(
        request, "api.html", {"spec": spec, "page": "api", "admin": web.admin_token is not None, "data": {}})


async def api_ingest(request: Request) -> Response:
    """POST pages (multipart, field ``file``, repeatable); stored under DB.uploads/ so that their source stays."""
    web: Web = request.app.state.web
    web.check_admin(request)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_UPLOAD:
        raise TooLarge(f"upload of {int(length):,} bytes is over the limit of {MAX_UPLOAD:,}")
    form = await _limited(request, MAX_UPLOAD).form(max_files=500, max_part_size=MAX_UPLOAD)
    uploads = [f for f in form.getlist("file") if hasattr(f, "read")]
    if not uploads:
        raise QueryError("send one or more pages as multipart/form-data in the field 'file'")
    folder = Path(f"{web.db_path}.uploads") / time.strftime("%Y%m%dT%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="batch-", dir=folder))
    paths = []
    for i, up in enumerate(uploads):
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(up.filename or f"upload-{i}").name)[:120] or f"upload-{i}"
        path = folder / name
        if path.exists():
            path = folder / f"{i}-{name}"
        path.write_bytes(await up.read())
        paths.append(path)
    analyse = (request.query_params.get("analyse") or "1").lower() not in ("0", "false", "no")

    def run() -> Any:
        with web.write_lock:
            return web.pod.ingest(paths, analyse=analyse)

    report = await web.run(run, timeout=600)
    results = [{"source": Path(r.source).name, "file": Path(r.source).name, "status": r.status,
                "briefing_key": r.briefing_key, "error": r.error} for r in report.results]
    body = {"ok": report.ok, **{s: report.count(s) for s in ("added", "updated", "unchanged", "failed")},
            "results": results}
    return JSON(body, status_code=200 if report.ok or report.count("failed") < len(report.results) else 422)


def _limited(request: Request, limit: int) -> Request:
    """The request with a body that may not exceed ``limit`` bytes as it streams in (a chunked upload sends no
    Content-Length to check first): past it, TooLarge (413) and nothing more is read."""
    seen = 0

    async def receive() -> Any:
        nonlocal seen
        message = await request.receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(f"upload of more than {limit:,} bytes: over the limit of {limit:,}")
        return message

    return Request(request.scope, receive)


async def api_analyse(request: Request) -> Response:
    web: Web = request.app.state.web
    web.check_admin(request)
    redo = (request.query_params.get("redo") or "").lower() in ("1", "true", "yes")
    passes = [p for p in (request.query_params.get("passes") or "").split(",") if p.strip()] or None

    def run() -> Any:
        with web.write_lock:
            return web.pod.analyse(redo=redo, passes=passes).to_dict()

    return JSON({"written": await web.run(run, timeout=3600)})
