"""The OpenAPI 3.1 description of podium's JSON API, written by hand next to the routes it describes."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..model import FINE_LABELS, SORTS


def _p(name: str, description: str, *, kind: str = "string", where: str = "query", required: bool = False,
       many: bool = False, enum: list[str] | None = None, example: Any = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if enum:
        schema["enum"] = enum
    if many:
        schema = {"type": "array", "items": schema}
    out: dict[str, Any] = {"name": name, "in": where, "required": required or where == "path",
                           "description": description, "schema": schema}
    if many:
        out["explode"] = True
    if example is not None:
        out["example"] = example
    return out


FILTER_PARAMS = [
    _p("from", "Only briefings on or after this date (YYYY-MM-DD).", example="2019-01-01"),
    _p("to", "Only briefings on or before this date (YYYY-MM-DD).", example="2019-12-31"),
    _p("spokesperson", "Only answers by this spokesperson (any case).", example="Hua Chunying"),
    _p("outlet", "Only questions from this outlet.", example="AFP"),
    _p("outlet_type", "Only questions from this type of outlet.", example="foreign media"),
    _p("country", "Only exchanges mentioning this country (ISO 3166-1 alpha-3; needs analysis).", example="JPN"),
    _p("clarity", "Only answers with this clarity class, or one of the 9 labels as `evasion` takes them (needs "
       "analysis).", example="Clear Non-Reply"),
    _p("evasion", "Only answers with this fine clarity label (needs analysis).",
       enum=list(FINE_LABELS)),
    _p("lang", "Only briefings in this language (en, zh; English, Chinese).", example="en"),
]

ERRORS = {
    "400": {"description": "Malformed query, filter or date, a filter value the database does not hold (the "
                           "message names the closest known values) or a parameter the route does not take (the "
                           "message lists the accepted ones).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "404": {"description": "No such record.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "503": {"description": "The request ran past the server's time limit and was stopped.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


def _get(summary: str, params: list[dict[str, Any]], schema: str, description: str = "",
         media: str = "application/json") -> dict[str, Any]:
    content = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}} if media == "application/json" \
        else {media: {"schema": {"type": "string"}}}
    return {"get": {"summary": summary, "description": description, "parameters": params,
                    "responses": {"200": {"description": "OK", "content": content}, **ERRORS}}}


def _obj(**props: str) -> dict[str, Any]:
    return {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}


TREND_PARAMS = [
    _p("term", "A search query to trend (repeat for several series, or one per line).", many=True,
       example='"shared future"'),
    _p("country", "A country to trend (ISO3 or name; repeat, or separate with commas).", many=True, example="USA"),
    _p("formulation", "A mined formulation (id or text) to trend (repeatable).", many=True),
    _p("by", "Period.", enum=["month", "quarter", "year"]),
    _p("per", "Split every series by this.", enum=["spokesperson", "outlet_type"]),
    _p("exact", "Terms match exact word forms only (1).", enum=["1"]),
    _p("from", "Only briefings on or after this date."), _p("to", "Only briefings on or before this date."),
    _p("lang", "Only briefings in this language.", enum=["en", "zh"]),
]


def openapi(*, admin: bool = False) -> dict[str, Any]:
    """The description; write endpoints are marked as needing the admin bearer token."""
    try:
        v = version("podium")
    except PackageNotFoundError:
        v = "0"
    paths: dict[str, Any] = {
        "/index.json": _get("Database overview", [], "Stats",
                            "Briefings, exchanges, date range and counts by spokesperson, outlet, language."),
        "/search.json": _get("Search exchanges", [
            _p("q", "Query: words (inflections match), \"exact phrases\", AND/OR/NOT (or -word), prefix*, "
                    "(grouping); Chinese characters match in sequence. Without q the filters alone list exchanges.",
               example='"one China" AND Taiwan'),
            _p("exact", "Unquoted words match exact word forms only (1).", enum=["1"]),
            *FILTER_PARAMS,
            _p("sort", "Order of hits.", enum=list(SORTS)),
            _p("page", "1-based page.", kind="integer"), _p("per_page", "Hits per page (1-100).", kind="integer"),
            _p("view", "kwic adds keyword-in-context lines.", enum=["hits", "kwic"]),
            _p("window", "KWIC: words each side (1-50).", kind="integer"),
            _p("sentence", "KWIC: the whole sentence instead of a window (1).", enum=["1"]),
        ], "Search", "Hits carry question/answer text with `question_spans`/`answer_spans`, the [start, end) "
                     "character offsets of the query's matches in that text (no markup: mark them your way), "
                     "`snippet` ({field, start, end}: the stretch a one-line listing shows), "
                     "their analysis (`clarity`, `clarity_fine`, `clarity_evidence`: null before analysis; "
                     "`countries`: ISO3 codes) and `link`, the exchange's place in its briefing; `facets` count "
                     "hits by field."),
        "/briefings/{briefing_id}.json": _get("A briefing", [_p("briefing_id", "Id (123 or b123).", where="path")],
                                              "Briefing", "Turns in page order, exchanges with annotations, "
                                                          "prev_id/next_id."),
        "/events/{event_id}.json": _get("An event's language versions side by side",
                                        [_p("event_id", "Id (123 or v123).", where="path")], "Event",
                                        "Versions (briefing id, language, title), rows of aligned exchanges (a: first "
                                        "version, b: the other; an empty side = not in that version), differences."),
        "/exchanges/{exchange_id}.json": _get("An exchange", [_p("exchange_id", "Id (123 or e123).", where="path")],
                                              "Exchange"),
        "/trends.json": _get("Trends over time", TREND_PARAMS, "Trends",
                             "Per series and period: briefings held, briefings matching and their share (null "
                             "where no briefing was held; zero is an explicit zero)."),
        "/trends.csv": _get("Trends as CSV (long format)", TREND_PARAMS, "Trends", media="text/csv"),
        "/trends.svg": _get("Trend chart as SVG", TREND_PARAMS, "Trends", media="image/svg+xml"),
        "/outlets.json": _get("Outlet patterns", [
            _p("lang", "Only this language's versions (default both: an exchange and its translation counted once)."),
            _p("from", "Only exchanges on or after this date (YYYY-MM-DD)."),
            _p("to", "Only exchanges on or before this date (YYYY-MM-DD).")], "Outlets",
                              "Per outlet type and outlet: questions, clarity shares with 95% Wilson intervals and "
                              "corrected for the classifier's measured confusion, median answer length, countries "
                              "asked about; the same clarity shares per spokesperson and per year."),
        "/formulations.json": _get("Mined official formulations", [
            _p("new_since", "Only formulations first used on or after this date."),
            _p("lang", "Language.", enum=["en", "zh"]), _p("contains", "Only formulations containing this text."),
            _p("limit", "Rows (1-2000).", kind="integer")], "Formulations"),
        "/api/ingest": {"post": {
            "summary": "Ingest uploaded pages (admin)", "security": [{"bearer": []}],
            "parameters": [_p("analyse", "Run the analysis passes on what was added (default 1).", enum=["0", "1"])],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "array", "items": {
                    "type": "string", "format": "binary"}}}}}}},
            "responses": {"200": {"description": "Ingest report", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/IngestReport"}}}},
                "401": {"description": "Missing or wrong bearer token."},
                "403": {"description": "The server is read-only (started without --admin-token)."},
                "422": {"description": "No uploaded page could be ingested."}}}},
        "/api/analyse": {"post": {
            "summary": "Run analysis passes (admin)", "security": [{"bearer": []}],
            "parameters": [_p("redo", "Re-run on everything (1).", enum=["1"]),
                           _p("passes", "Comma-separated pass names (default: all).")],
            "responses": {"200": {"description": "Annotations written per pass"},
                          "401": {"description": "Missing or wrong bearer token."},
                          "403": {"description": "The server is read-only (started without --admin-token)."}}}},
    }
    exchange = _obj(exchange_id="integer", briefing_id="integer", n="integer", date="string", lang="string",
                    title="string", spokesperson="string", asker="string", outlet="string", outlet_type="string",
                    follow_up="boolean", question="string", answer="string", source="string", url="string")
    spans = {"type": "array", "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2,
                                        "maxItems": 2}}
    hit = {"type": "object", "properties": {
        **exchange["properties"], "question_spans": spans, "answer_spans": spans,
        "snippet": _obj(field="string", start="integer", end="integer"),
        **_obj(score="number", clarity="string", clarity_fine="string", clarity_evidence="string",
               countries="array", link="string")["properties"]}}
    schemas = {
        "Error": _obj(error="string", status="integer", message="string"),
        "Stats": _obj(stats="object", examples="array"),
        "Hit": hit,
        "Search": {"type": "object", "properties": {
            "query": {"type": ["string", "null"]}, "total": {"type": ["integer", "null"]},
            "mode": {"type": "string", "enum": ["search", "browse", "empty"]},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "pages": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {"type": "object", "additionalProperties": {"type": "object",
                                                                  "additionalProperties": {"type": "integer"}}},
            "kwic": {"type": ["array", "null"], "items": _obj(exchange_id="integer", briefing_id="integer",
                                                              date="string", lang="string", field="string",
                                                              left="string", keyword="string", right="string",
                                                              link="string")}}},
        "Event": _obj(event_id="integer", kind="string", date="string", spokesperson="string", langs="string",
                      linked_by="string", versions="array", rows="array", differences="array"),
        "Briefing": _obj(id="integer", series="string", lang="string", date="string", title="string",
                         spokesperson="string", url="string", source="string", turns="array", openings="array",
                         exchanges="array", prev_id="integer", next_id="integer"),
        "Exchange": {"type": "object", "properties": {**exchange["properties"],
                                                      **_obj(annotations="object")["properties"]}},
        "Trends": {"type": "object", "properties": {
            "periods": {"type": "array", "items": {"type": "string"}},
            "series": {"type": "array", "items": {"type": "object", "properties": {
                "label": {"type": "string"}, "kind": {"type": "string"}, "value": {"type": "string"},
                "group": {"type": ["string", "null"]},
                "points": {"type": "array", "items": _obj(period="string", briefings_held="integer",
                                                          briefings_matching="integer", share="number")}}}}}},
        "Outlets": {"type": "object", "properties": {"rows": {"type": "array", "items": _obj(
            level="string", name="string", outlet_type="string", questions="integer", labelled="integer",
            clear_reply_share="number", clear_reply_lo="number", clear_reply_hi="number",
            ambivalent_share="number", clear_non_reply_share="number", median_answer_words_en="number",
            median_answer_chars_zh="number", top_countries="string")},
            **{key: {"type": "array", "description": f"clarity per {what} (as `podium clarity`): raw shares with "
                     "Wilson intervals and ``*_corrected`` shares with bootstrap intervals",
                     "items": _obj(group="string", answers="integer", labelled="integer",
                                   clear_reply_share="number", clear_reply_corrected="number",
                                   clear_reply_corrected_lo="number", clear_reply_corrected_hi="number")}
               for key, what in (("spokespersons", "spokesperson (20+ labelled answers)"), ("years", "year"))}}},
        "Formulations": {"type": "object", "properties": {"rows": {"type": "array", "items": _obj(
            id="integer", text="string", lang="string", briefings="integer", occurrences="integer",
            first_date="string", last_date="string", spokespersons="object", months="object",
            peak_share="number")}}},
        "IngestReport": _obj(ok="boolean", added="integer", updated="integer", unchanged="integer",
                             failed="integer", results="array"),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "podium", "version": v, "description": (
            "Government press briefings as a database: search, read, measure. Every HTML page has a JSON twin at "
            "the same path with .json. Read-only unless the server was started with --admin-token"
            + (" (this one was)." if admin else " (this one was not)."))},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
