"""The Podium facade: ingest, search, read, measure and export — what the CLI and the web call.

CONTRACT (agreed between areas; change a signature only together with every caller):
every method returns plain Python data (dataclasses / dicts / lists) or a pandas DataFrame, raises only
PodiumError subclasses for user-caused problems, and never exposes SQL.

Owners: the store area implements ingest .. reindex; the analysis area implements analyse .. evaluate;
the fetch area implements fetch.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import QueryError
from .model import IngestReport


def default_db_path() -> str:
    return os.environ.get("PODIUM_DB", "podium.db")


def parse_id(value: str | int, kind: str) -> int:
    """An id as the user wrote it: 123, "123" or with its prefix ("b123" for a briefing, "e123" for an exchange)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text[:1] == kind:
        text = text[1:]
    if not text.isdigit():
        raise QueryError(f"{value!r} is not a {'briefing' if kind == 'b' else 'exchange'} id; "
                         f"write {kind}123 or 123")
    return int(text)


def evaluate(split: str = "test") -> tuple[dict[str, Any], str]:
    """Score the analysis passes against the hand labels shipped with podium (no database needed).

    Returns the figures (clarity on ``split`` of its labels, countries on their test split) and a printable
    report.
    """
    from .analysis import clarity, countries

    res = clarity.evaluate(split=split)
    results: dict[str, Any] = {"clarity": res}
    texts = [clarity.format_report(res)]
    res = countries.evaluate()
    results["countries"] = {k: v for k, v in res.items() if k != "errors"}
    texts.append(countries.format_report(res))
    return results, "\n\n".join(texts)


def classify(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer clarity of question/answer pairs given by the user (no database needed): one result dict per item,
    in input order (``podium.analysis.clarity.classify_exchanges``)."""
    from .analysis import clarity

    return clarity.classify_exchanges(items)


class Podium:
    """One podium database.

    >>> pod = Podium("podium.db")
    >>> pod.ingest(["../shared/corpus/mfa/en"])
    >>> pod.search('"shared future"', limit=5)
    >>> df = pod.exchanges(outlet="AFP", date_from="2019-01-01")
    """

    def __init__(self, db: str | Path | None = None, *, create: bool = True) -> None:
        from .store import Database

        self.path = str(db if db is not None else default_db_path())
        self._db = Database(self.path, create=create)

    @property
    def db(self):
        """The store and index behind this facade (podium.store.Database), for podium's own areas."""
        return self._db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Podium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- store area ---------------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], *, format: str | None = None, analyse: bool = True,
               progress: bool = False) -> IngestReport:
        """Parse and store files or folders (recursively). Each file is its own transaction; a bad file is
        reported in the IngestReport and the batch goes on."""
        from .pipeline import ingest

        return ingest(self._db, [paths] if isinstance(paths, (str, Path)) else paths, format=format,
                      analyse=analyse, progress=progress)

    def search(self, query: str, *, exact: bool = False, date_from: str | None = None,
               date_to: str | None = None, spokesperson: str | None = None, outlet: str | None = None,
               outlet_type: str | None = None, lang: str | None = None, country: str | None = None,
               clarity: str | None = None, sort: str = "relevance", limit: int = 20,
               offset: int = 0, facets: bool = False) -> dict[str, Any]:
        """Full-text search over exchanges.

        Returns {"query", "total", "hits": [{"exchange_id", "briefing_id", "n", "date", "lang", "title",
        "spokesperson", "asker", "outlet", "outlet_type", "follow_up", "question", "answer",
        "question_highlighted", "answer_highlighted", "snippet", "score", "source", "url", "clarity",
        "clarity_fine", "clarity_evidence", "countries"}],
        "facets": {"spokesperson": {name: count}, "outlet": {...}, "outlet_type": {...}, "lang": {...},
        "year": {...}, "clarity": {...}, "country": {...}}} (facets only with facets=True). Each hit's analysis:
        "clarity" is "Clear Reply", "Ambivalent" or "Clear Non-Reply", "clarity_fine" the finer label (e.g.
        "Declining to answer") and "clarity_evidence" the answer text it rests on (all three None before the
        clarity pass has run); "countries" the ISO3 codes mentioned in question or answer, sorted ([] when none or
        not analysed). Highlights wrap matches in <mark>...</mark> on HTML-escaped text. sort: "relevance" (BM25),
        "date" (newest first) or "date_asc". Unquoted words match inflections (stemmed) unless exact=True;
        "quoted phrases" never do. The query "*" alone matches every exchange (browse by filters, with facets
        and paging from the index).
        """
        return self._db.search(query, exact=exact, sort=sort, limit=limit, offset=offset, facets=facets,
                               date_from=date_from, date_to=date_to, spokesperson=spokesperson, outlet=outlet,
                               outlet_type=outlet_type, lang=lang, country=country, clarity=clarity)

    def kwic(self, term: str, *, window: int = 8, sentence: bool = False, limit: int = 100,
             **filters: Any) -> list[dict[str, Any]]:
        """Keyword-in-context lines: [{"exchange_id", "date", "field" ("question"|"answer"), "left",
        "keyword", "right"}], window = words each side, or the whole sentence with sentence=True."""
        return self._db.kwic(term, window=window, sentence=sentence, limit=limit, **filters)

    def exchanges(self, **filters: Any) -> pd.DataFrame:
        """One row per exchange with briefing fields and every annotation (same filters as search, plus
        query= to keep only exchanges matching a search query, and exact=)."""
        from .store.tables import exchanges_frame

        query = filters.pop("query", None)
        exact = bool(filters.pop("exact", False))
        filters = {k: v for k, v in filters.items() if v not in (None, "")}
        ids = self._db.matching_ids(query, exact=exact, **filters) if query else None
        return exchanges_frame(self._db.store, filters, ids)

    def briefing(self, briefing_id: int) -> dict[str, Any]:
        """A briefing with its turns and exchanges (and their annotations), and prev/next briefing ids."""
        return self._db.store.briefing(parse_id(briefing_id, "b"))

    def exchange(self, exchange_id: int) -> dict[str, Any]:
        """One exchange with its briefing fields and annotations."""
        return self._db.store.exchange(parse_id(exchange_id, "e"))

    def stats(self) -> dict[str, Any]:
        """Briefings, exchanges, date range, counts by spokesperson, outlet, language."""
        return self._db.store.stats()

    def export(self, format: str, output: str | Path | None = None, **filters: Any) -> str | None:
        """Write exchanges as csv, jsonl or parquet to output (or return the text for csv/jsonl)."""
        from .store.tables import export

        return export(self.exchanges(**filters), format, output)

    def reindex(self) -> int:
        """Rebuild the full-text index from the store; returns exchanges indexed."""
        return self._db.reindex()

    # ---- analysis area ------------------------------------------------------------------------------------

    def analyse(self, *, redo: bool = False, passes: Iterable[str] | None = None) -> dict[str, int]:
        """Run analysis passes over stored exchanges; returns annotations written per pass.

        Each pass runs on the briefings that lack its annotations at its current version (all with redo=True);
        "formulations" first re-mines the formulation list (when the stored briefings changed, or with redo) and
        then tags exchanges with it ("formulations_mined" in the result: phrases in the new list). The search
        index is brought up to date with what changed."""
        from .analysis import default_passes, pass_names
        from .analysis.formulations import FormulationsPass
        from .store import analytics

        names = list(passes) if passes is not None else list(pass_names())
        counts: dict[str, int] = {}
        for p in default_passes([n for n in names if n != "formulations"]):
            counts[p.name] = self._run_pass(p, redo=redo)
        if "formulations" in names:
            counts["formulations_mined"] = self._mine(redo=redo)
            tagger = FormulationsPass(analytics.read_formulations(self._db.store))
            counts["formulations"] = self._run_pass(tagger, redo=redo)
        self._db.flush()
        return counts

    def _run_pass(self, p: Any, *, redo: bool) -> int:
        import logging

        # annotation kinds the search index carries as filter fields; other kinds need no re-indexing
        INDEXED_KINDS = ("clarity", "countries")  # noqa: N806

        from .store import analytics

        store = self._db.store
        ids = analytics.briefing_ids(store) if redo else analytics.stale_briefings(store, p.name, p.version)
        written = 0
        for bid, briefing in analytics.load_briefings(store, ids):
            try:
                anns = p.annotate(briefing)
            except Exception as exc:  # one briefing a pass cannot handle must not stop the run
                logging.getLogger(__name__).warning("analysis pass %r failed on b%d (%s: %s)", p.name, bid,
                                                    type(exc).__name__, exc)
                continue
            written += store.write_annotations(bid, anns, replace_kinds=[p.name],
                                               reindex=p.name in INDEXED_KINDS)
        return written

    def _mine(self, *, redo: bool) -> int:
        from .analysis.formulations import METHOD, VERSION, mine
        from .store import analytics

        store = self._db.store
        state = f"{VERSION}|{analytics.corpus_state(store)}"
        have = analytics.formulation_count(store)
        if not redo and have and store.meta("formulations_mined_from") == state:
            return have
        briefings = [b for _, b in analytics.load_briefings(store, analytics.briefing_ids(store))]
        mined = [f.to_dict() for f in mine(briefings)]
        n = analytics.replace_formulations(store, mined, method=METHOD, version=VERSION)
        store.set_meta("formulations_mined_from", state)
        return n

    def formulations(self, *, new_since: str | None = None, limit: int = 100,
                     lang: str | None = None) -> pd.DataFrame:
        """The mined formulations, most widely used first: id, text, lang, series (phrases are mined per series and
        language), briefings using it, occurrences, first and last use (date and briefing URL/key), spokespersons
        using it ({name: briefings}), months ({"YYYY-MM": [briefings using, briefings held]}, every month with a
        briefing of its series and language, zeros included) and peak_share (the highest monthly share of
        briefings using it). new_since keeps phrases first used on or after that date. Empty until `analyse`
        has mined them."""
        from .store import analytics
        from .store.sqlite import check_date

        since = check_date(new_since, "new_since")
        rows = analytics.read_formulations(self._db.store, new_since=since, lang=lang, limit=limit)
        cols = ["id", "text", "lang", "series", "briefings", "occurrences", "first_date", "first_briefing",
                "last_date", "last_briefing", "spokespersons", "months", "peak_share", "cohesion"]
        for r in rows:
            r["peak_share"] = max((u / h for u, h in r["months"].values() if h), default=0.0)
        return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)

    def trend(self, term: str | None = None, *, country: str | None = None, formulation: str | None = None,
              by: str = "month", per: str | None = None, **filters: Any) -> pd.DataFrame:
        """Briefings per period mentioning it, normalised by briefings held, with explicit zeros.

        Exactly one of: ``term`` (a search query, matched through the full-text index, ``exact=`` as in search),
        ``country`` (ISO3 code or a name: matched in the countries annotations of question or answer) or
        ``formulation`` (id or text of a mined formulation: matched in the formulations annotations, i.e. in
        answers; opening announcements are not exchanges, so the formulation's own "briefings" count, which
        includes them, can be a little higher; held counts the briefings of the series it was mined from).
        A term or formulation counts briefings of its own language only (Chinese if it has Chinese characters,
        else English) unless ``lang`` is given.
        ``by``: month, quarter or year; ``per``: None, "spokesperson" or "outlet_type". Returns columns
        period, [spokesperson|outlet_type], briefings_held, briefings_matching, share; a briefing is held in a
        group when it has an exchange there (per outlet_type: a question from that kind of outlet)."""
        from .analysis.countries import resolve_country
        from .analysis.stats import PERIODS, trend_table
        from .errors import NotFound
        from .store import analytics

        given = [x for x in (term, country, formulation) if x]
        if len(given) != 1:
            raise QueryError("give exactly one of a search term, a country or a formulation to trend")
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
        group = {None: None, "": None, "spokesperson": "spokesperson", "outlet_type": "outlet_type",
                 "outlet-type": "outlet_type"}.get(per, "?")
        if group == "?":
            raise QueryError(f"cannot trend per {per!r}; use spokesperson or outlet_type")
        exact = bool(filters.pop("exact", False))
        filters = {k: v for k, v in filters.items() if v not in (None, "")}
        store = self._db.store
        if term:
            # briefings in a language the term cannot occur in would only dilute the share
            filters.setdefault("lang", "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in term) else "en")
            ids = self._db.matching_ids(term, exact=exact, **filters)
        elif country:
            code = resolve_country(country)
            if code is None:
                raise QueryError(f"{country!r} is not a country podium knows; give an ISO 3166 alpha-3 code "
                                 "(USA, JPN, TWN) or a name")
            ids = analytics.exchanges_with_country(store, code)
        else:
            f = analytics.find_formulation(store, str(formulation))
            if f is None:
                raise NotFound(f"no mined formulation {formulation!r}; list them with `podium formulations` "
                               "(run `podium analyse` first if the list is empty)")
            filters.setdefault("lang", f["lang"])
            filters["series"] = f["series"]  # held = briefings of the series it was mined from
            ids = analytics.exchanges_with_formulation(store, f["text"])
        units = pd.DataFrame(analytics.exchange_units(store, filters))
        return trend_table(units, ids, by=by, group=group)

    def outlets(self) -> pd.DataFrame:
        """Per outlet type and per outlet (``level``): questions, answers labelled for clarity, share of each
        clarity class with its 95% Wilson interval (``clear_reply_share``, ``clear_reply_lo``, ``_hi``, same for
        ambivalent and clear_non_reply), median answer length (``median_answer_words_en``: words of English
        answers; ``median_answer_chars_zh``: characters of Chinese answers) and the countries asked about most."""
        from .analysis.stats import outlet_table
        from .store import analytics

        return outlet_table(pd.DataFrame(analytics.outlet_rows(self._db.store)))

    # ---- fetch area ---------------------------------------------------------------------------------------

    def fetch(self, site: str = "mfa", **options: Any) -> dict[str, Any]:
        """Bring the database up to date from a publisher's site; returns the run's summary.

        Options: lang ("en" | "zh"), layout ("today" | "site2020"), since / until (YYYY-MM-DD), base_url (a mirror
        or a test server; default the real site), rate (requests a second, default 1; 0 = no limit),
        max_requests (hard cap for the run), archive (folder; default ``<db>.archive``), analyse (default True),
        timeout, retries, backoff (seconds), on_event (callback(kind, data) for progress).
        Summary: {"added", "updated", "unchanged", "held", "failed": [{"url", "title", "error"}], "requests",
        "listing_pages", "complete", "stopped", ...} (see ``podium.sources.fetch``)."""
        from .pipeline import analysis_passes, ingest_briefing
        from .sources.archive import Archive
        from .sources.fetch import run_fetch
        from .sources.http import DEFAULT_RATE, HttpClient
        from .sources.mfa import DEFAULT_BASE_URL, LAYOUT_NAMES, LAYOUTS
        from .store.sqlite import check_date

        known = {"lang", "layout", "since", "until", "base_url", "rate", "max_requests", "archive", "analyse",
                 "timeout", "retries", "backoff", "on_event"}
        unknown = set(options) - known
        if unknown:
            raise QueryError(f"unknown fetch option(s): {', '.join(sorted(unknown))}")
        if site != "mfa":
            raise QueryError(f"no fetcher for site {site!r}; podium can fetch: mfa")
        lang = options.get("lang") or "en"
        layout_name = options.get("layout") or "today"
        layout = LAYOUTS.get((layout_name, lang))
        if layout is None:
            raise QueryError(f"no MFA layout {layout_name!r} for language {lang!r}; layouts: "
                             f"{', '.join(LAYOUT_NAMES)}; languages: en, zh")
        import datetime as dt

        since = check_date(options.get("since"), "since")
        until = check_date(options.get("until"), "until")
        rate = options.get("rate")
        rate = DEFAULT_RATE if rate is None else float(rate)
        max_requests = options.get("max_requests")
        if rate < 0 or (max_requests is not None and int(max_requests) < 1):
            raise QueryError("rate must be >= 0 (0 = no limit) and max_requests >= 1")
        client = HttpClient(rate=rate, max_requests=None if max_requests is None else int(max_requests),
                            timeout=float(options.get("timeout") or 20.0),
                            retries=int(options.get("retries", 3)), backoff=float(options.get("backoff", 1.0)))
        archive = Archive(options.get("archive") or f"{self.path}.archive")
        passes = analysis_passes() if options.get("analyse", True) else []

        def store(briefing: Any, data: bytes) -> str:
            return ingest_briefing(self._db, briefing, data, passes=passes).status

        try:
            summary = run_fetch(layout=layout, base_url=options.get("base_url") or DEFAULT_BASE_URL, client=client,
                                archive=archive, held=self._db.store.held_urls, store=store,
                                since=dt.date.fromisoformat(since) if since else None,
                                until=dt.date.fromisoformat(until) if until else None,
                                on_event=options.get("on_event"))
        finally:
            client.close()
            self._db.flush()
        return summary
