"""The Podium facade: ingest, search, read, measure and export — what the CLI and the web call.

A thin surface: it checks what the user gave (ids, filter values, options) and hands the work to ``pipeline``
(ingest, fetch, analyse, link events: everything that writes) or to the store's reads (``podium.store``). Every
method takes keyword arguments after the first, returns a dataclass from ``podium.model`` (``IngestReport``,
``CorpusStats``, ``AnalyseResult``, ``EventCounts``, ``FetchSummary``), plain records or a pandas DataFrame,
raises only PodiumError subclasses for user-caused problems, and never exposes SQL.

Deferred imports: the CLI imports this module for every command, and ``podium --help`` must not load tantivy (the
store and so the pipeline), pandas (frames, ``store.tables``, ``analysis.stats``) or numpy
(tests/test_public_surface.py checks; benchmarks/bench_cli.py measures), and the clarity module alone costs ~50 ms
to import (measured with ``python -X importtime -c "import podium.api"``). Those are imported in the methods that
use them, each marked "deferred".
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .analysis import countries
from .analysis.events import COUNTED_KINDS
from .errors import NotFound, QueryError
from .model import (
    CLARITY_LABELS,
    FILTERS,
    FINE_LABELS,
    AnalyseResult,
    Concordance,
    CorpusStats,
    EventCounts,
    FetchSummary,
    IngestReport,
    KwicLine,
    SearchResult,
)
from .parse import spokespersons
from .parse.outlets import lookup as lookup_outlet

if TYPE_CHECKING:  # pandas costs a third of a second to import: only the commands that build frames pay it
    import pandas as pd

    from .pipeline import Progress
    from .store import Database


def default_db_path() -> str:
    return os.environ.get("PODIUM_DB", "podium.db")


_ID_KINDS = {"b": "briefing", "e": "exchange", "v": "event"}


def parse_id(value: str | int, kind: str) -> int:
    """An id as the user wrote it: 123, "123" or with its prefix ("b123" for a briefing, "e123" for an exchange,
    "v123" for an event).

    QueryError for anything else; NotFound for a number no stored id can have (over SQLite's 2**63 - 1)."""
    what = _ID_KINDS.get(kind, kind)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip().lower()
        if text[:1] == kind:
            text = text[1:]
        if not (text.isascii() and text.isdigit()) or len(text) > 40:
            shown = repr(value) if len(str(value)) <= 60 else repr(str(value)[:60]) + "..."
            raise QueryError(f"{shown} is not a{'n' if what[0] in 'ae' else ''} {what} id; write {kind}123 or 123")
        number = int(text)
    if not 0 <= number < 2**63:
        raise NotFound(f"no {what} {kind}{number}" if number < 10**30 else f"no {what} with an id that large")
    return number


def _unknown(what: str, value: Any, known: Iterable[str]) -> str:
    """The message for a filter value that matches nothing: the closest known values, or all of a short list."""
    known = [k for k in known if k]
    by_lower = {k.casefold(): k for k in known}
    close = [by_lower[k] for k in difflib.get_close_matches(str(value).casefold(), list(by_lower), n=5, cutoff=0.5)]
    close += [k for k in known if str(value).casefold() in k.casefold() and k not in close][:5]
    if close:
        hint = "did you mean " + ", ".join(repr(k) for k in close[:5]) + "?"
    elif len(known) <= 12:
        hint = "known: " + ", ".join(repr(k) for k in sorted(known))
    else:
        hint = f"{len(known)} are known; list them with `podium stats`"
    return f"no {what} {value!r} in this database; {hint}"


_LANG_NAMES = {"english": "en", "eng": "en", "英文": "en", "英语": "en", "chinese": "zh", "zho": "zh", "chi": "zh",
               "中文": "zh", "汉语": "zh"}


def _needs_analysis(known: list[str]) -> str:
    return "" if known else " (no exchange is labelled yet: run `podium analyse`)"


def query_languages(query: str) -> list[str]:
    """The languages a search query's words are written in: ["en"], ["zh"] or ["en", "zh"]."""
    words = re.sub(r"\b(?:AND|OR|NOT)\b", " ", query)
    langs = []
    if re.search(r"[A-Za-z]", words):
        langs.append("en")
    if re.search(r"[\u3400-\u9fff]", words):
        langs.append("zh")
    return langs or ["en"]


def _one_per_pair(cols: dict[str, list[Any]]) -> tuple[dict[str, list[Any]], int]:
    """Exchanges with an English counterpart are dropped (the pair counts once, as its English exchange); an
    English exchange printed as a bare "Q" takes the outlet its counterpart names. ``cols``: ``outlet_rows``'
    columns, counterparts included; returns them without the dropped rows and without the counterparts."""
    has_en = [lang != "en" and "en" in langs for lang, langs in zip(cols["lang"], cols["counterpart_langs"],
                                                                     strict=True)]
    named: dict[int, tuple[str, str | None]] = {}
    for dropped, cps, outlet, otype in zip(has_en, cols["counterparts"], cols["outlet"], cols["outlet_type"],
                                           strict=True):
        if dropped and outlet:
            for cp in cps:
                named.setdefault(cp, (outlet, otype))
    keep = [i for i, dropped in enumerate(has_en) if not dropped]
    kept = {name: [col[i] for i in keep] for name, col in cols.items()
            if name not in ("counterparts", "counterpart_langs")}
    outlets, types = kept["outlet"], kept["outlet_type"]
    for i, eid in enumerate(kept["exchange_id"]):
        if outlets[i] is None and eid in named:
            outlets[i], types[i] = named[eid]
    return kept, len(cols["exchange_id"]) - len(keep)


def evaluate(split: str = "test") -> tuple[dict[str, Any], str]:
    """Score the analysis passes against the hand labels shipped with podium (no database needed).

    Returns the figures (clarity on ``split`` of its labels, countries on their test split) and a printable
    report.
    """
    from .analysis import clarity  # deferred: ~50 ms (module docstring)

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
    from .analysis import clarity  # deferred: ~50 ms (module docstring)

    return clarity.classify_exchanges(items)


class Podium:
    """One podium database.

    >>> pod = Podium("podium.db")
    >>> pod.ingest(["../shared/corpus/mfa/en"])
    >>> pod.search('"shared future"', limit=5)
    >>> df = pod.exchanges(outlet="AFP", date_from="2019-01-01")
    """

    def __init__(self, db: str | Path | None = None, *, create: bool = True, read_only: bool = False) -> None:
        from .store import Database  # deferred: tantivy (module docstring)

        self.path = str(db if db is not None else default_db_path())
        self._db = Database(self.path, create=create, read_only=read_only)
        #: what filter values are checked against (distinct column values, spokesperson names), per data version
        self._known: dict[str, tuple[tuple[int, ...], Any]] = {}

    @property
    def db(self) -> Database:
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
               progress: bool = False, link: bool = True, indexes: Iterable[str | Path] = (),
               columns: dict[str, str] | None = None) -> IngestReport:
        """Parse and store files or folders (recursively). Each file is its own transaction; a bad file is
        reported in the IngestReport and the batch goes on. Afterwards (unless ``link=False``) the language
        versions of each press conference are linked into events and aligned (``report.events`` counts).
        ``indexes``: index files (CSV/TSV of file, url, date[, title]) or listing pages that give pages their URL
        and date; Q&A tables among ``paths`` (.csv, .tsv, .xlsx, .jsonl, .parquet) are read with ``columns``
        (field -> column name; see ``podium.sources.tables``)."""
        from .pipeline import ingest  # deferred: tantivy (module docstring)

        return ingest(self._db, [paths] if isinstance(paths, (str, Path)) else paths, format=format,
                      analyse=analyse, progress=progress, link=link, indexes=indexes, columns=columns)

    def search(self, query: str, *, exact: bool = False, date_from: str | None = None,
               date_to: str | None = None, spokesperson: str | None = None, outlet: str | None = None,
               outlet_type: str | None = None, lang: str | None = None, country: str | None = None,
               clarity: str | None = None, evasion: str | None = None, sort: str = "relevance", limit: int = 20,
               offset: int = 0, facets: bool = False) -> SearchResult:
        """Full-text search over exchanges: a SearchResult (``podium.model``) with ``total``, ``hits`` and, with
        facets=True, ``facets`` {"spokesperson": {name: count}, "outlet", "outlet_type", "lang", "year",
        "clarity", "country"}.

        Each SearchHit carries the exchange's fields (exchange_id, briefing_id, n, date, lang, title,
        spokesperson, asker, outlet, outlet_type, follow_up, source, url), its question and answer text, and
        ``question_spans``/``answer_spans``: (start, end) character offsets of the matches in that text (no
        markup: mark them your way, e.g. ``hit.pieces("answer")`` gives (text, is match) pairs); ``snippet``
        says which stretch of which field a one-line listing shows; ``score`` is BM25 (None when sorted by
        date). Its analysis: "clarity" is "Clear Reply", "Ambivalent" or "Clear Non-Reply", "clarity_fine" the
        finer label (e.g. "Declining to answer") and "clarity_evidence" the answer text it rests on (all three
        None before the clarity pass has run); "countries" the ISO3 codes mentioned in question or answer,
        sorted (() when none or not analysed). ``clarity`` takes a class or one of the 9 fine labels,
        ``evasion`` a fine label (``_filters`` lists the accepted forms). sort: "relevance" (BM25), "date"
        (newest first) or "date_asc". Unquoted words match inflections (stemmed) unless exact=True; "quoted
        phrases" never do. The query "*" alone matches every exchange (browse by filters, with facets and paging
        from the index). Hits and results also read as mappings (``hit["date"]``); ``to_dict()`` gives JSON.
        """
        filters = self._filters({"date_from": date_from, "date_to": date_to, "spokesperson": spokesperson,
                                 "outlet": outlet, "outlet_type": outlet_type, "lang": lang, "country": country,
                                 "clarity": clarity, "evasion": evasion})
        out = self._db.search(query, exact=exact, sort=sort, limit=limit, offset=offset, facets=facets, **filters)
        if out.facets and "spokesperson" in out.facets:
            # one row per person: the index holds the person key (registry id)
            merged: dict[str, int] = {}
            for key, n in out.facets["spokesperson"].items():
                name = self._person_name(key) or key
                merged[name] = merged.get(name, 0) + n
            out = replace(out, facets={**out.facets,
                                       "spokesperson": dict(sorted(merged.items(), key=lambda kv: -kv[1]))})
        return out

    def kwic(self, term: str, *, window: int = 8, sentence: bool = False, limit: int = 100, offset: int = 0,
             exact: bool = False, **filters: Any) -> list[KwicLine]:
        """Keyword-in-context lines, oldest first: KwicLine (exchange_id, briefing_id, date, lang, field
        ("question"|"answer"), left, keyword, right); window = words each side, or the whole sentence with
        sentence=True. ``left + keyword + right`` is the original text. ``concordance`` says how many there are."""
        return list(self.concordance(term, window=window, sentence=sentence, limit=limit, offset=offset,
                                     exact=exact, **filters).lines)

    def concordance(self, term: str, *, window: int = 8, sentence: bool = False, limit: int = 100,
                    offset: int = 0, exact: bool = False, **filters: Any) -> Concordance:
        """One page of keyword-in-context lines and the size of the whole: a Concordance with ``lines`` (as
        ``kwic``), ``offset``, ``total_lines`` (None when too many exchanges match to count them all;
        ``lines_counted`` is then a lower bound), ``lines_counted``, ``total_exchanges`` (exchanges matching)."""
        return self._db.kwic(term, window=window, sentence=sentence, limit=limit, offset=offset, exact=exact,
                             **self._filters(filters))

    def exchanges(self, **filters: Any) -> pd.DataFrame:
        """One row per exchange with briefing fields and every annotation (same filters as search, plus
        query= to keep only exchanges matching a search query, and exact=)."""
        from .store.tables import exchanges_frame  # deferred: pandas (module docstring)

        return exchanges_frame(self._db.store, *self._selection(filters))

    def _selection(self, filters: dict[str, Any]) -> tuple[dict[str, Any], list[int] | None]:
        """The filters of ``exchanges`` and ``export`` checked, and the ids a ``query=`` keeps (None: no query)."""
        filters = dict(filters)
        query = filters.pop("query", None)
        exact = bool(filters.pop("exact", False))
        filters = self._filters(filters)
        return filters, self._db.matching_ids(query, exact=exact, **filters) if query else None

    def briefing(self, briefing_id: int) -> dict[str, Any]:
        """A briefing with its turns and exchanges (and their annotations), and prev/next briefing ids."""
        return self._db.store.briefing(parse_id(briefing_id, "b"))

    def exchange(self, exchange_id: int) -> dict[str, Any]:
        """One exchange with its briefing fields and annotations."""
        return self._db.store.exchange(parse_id(exchange_id, "e"))

    def data_version(self) -> tuple[int, ...]:
        """A token that changes whenever the database may have changed (for caches of aggregate results)."""
        return self._db.data_version()

    def stats(self) -> CorpusStats:
        """Briefings (published versions), exchanges, date range, counts by language, outlet; events (press
        conferences, whatever their versions) by kind and by the languages published; spokespersons one row per
        person ({"name": {"events", "versions"}})."""
        from .store import event_stats  # deferred: tantivy (module docstring)

        d = self._db.store.stats()
        ev = event_stats(self._db.store)
        d["by_spokesperson"] = {self._person_name(k) or k: v for k, v in ev.pop("by_spokesperson").items()}
        return CorpusStats(**d, events=ev)

    def export(self, format: str, output: str | Path | TextIO | None = None, **filters: Any) -> str | int:
        """Write exchanges as csv, jsonl or parquet, one row per exchange, tidy (lists as lists, typed dates, one
        column per class probability; ``export_schema()`` describes every column). With ``output`` (a file, or
        for csv and jsonl an open text stream such as standard output): writes it a part at a time and returns
        the rows written; without: returns the csv/jsonl text."""
        from .store.tables import export_exchanges  # deferred: pandas (module docstring)

        text, rows = export_exchanges(self._db.store, *self._selection(filters), format, output)
        return text if text is not None else rows

    @staticmethod
    def export_schema(format: str = "markdown") -> str:
        """The data dictionary of ``export``: every column, its type and what it holds (markdown or json)."""
        from .store.tables import schema_text  # deferred: pandas (module docstring)

        return schema_text(format)

    def reindex(self) -> int:
        """Rebuild the full-text index from the store; returns exchanges indexed."""
        return self._db.reindex()

    # ---- analysis area ------------------------------------------------------------------------------------

    def analyse(self, *, redo: bool = False, passes: Iterable[str] | None = None,
                progress: Progress | None = None, workers: int | None = None) -> AnalyseResult:
        """Run analysis passes over stored exchanges (``podium.pipeline.analyse``); returns annotations written per
        pass, phrases in the re-mined formulation list and clarity labels carried across language versions.

        ``progress(pass name, briefings done, briefings to do)`` is called as each pass starts and after each
        briefing (the CLI draws its progress bar with it). Mining the formulations reports as
        ``progress("mine LANG K/N", briefings read, 3 x the group's briefings)`` per series and language, every 32
        briefings read and at the end of each of its three reads.

        Each pass runs on the briefings that lack its annotations at its current version (all with redo=True);
        "formulations" first re-mines the formulation list (when the stored briefings changed, or with redo) and
        then tags exchanges with it. The search index is brought up to date with what changed.

        ``workers``: processes for a pass over many briefings (default: the CPU count, at most 4; 1 runs every pass
        in this process). Results are the same either way."""
        from .pipeline import analyse  # deferred: tantivy (module docstring)

        return analyse(self._db, redo=redo, passes=passes, progress=progress, workers=workers)

    def formulations(self, *, new_since: str | None = None, limit: int = 100, lang: str | None = None,
                     min_briefings: int = 1, exclude: Iterable[str] | None = None) -> pd.DataFrame:
        """The mined formulations, most widely used first: id, text, lang, series (phrases are mined per series and
        language), briefings using it, occurrences, first and last use (date and briefing URL/key), spokespersons
        using it ({name: briefings}), months ({"YYYY-MM": [briefings using, briefings held]}, every month with a
        briefing of its series and language, zeros included) and peak_share (the highest monthly share of
        briefings using it). ``coverage_from`` is the first month the corpus holds for the phrase's series and
        language, and ``first_use`` says "before coverage" when the phrase is used in that first month (its
        first use may lie before the corpus starts), else its first date. new_since keeps phrases first used on
        or after that date; a curated list: ``min_briefings`` (used in at least that many briefings) and
        ``exclude`` (phrases to leave out, any case). Empty until `analyse` has mined them."""
        import pandas as pd  # deferred: pandas (module docstring)

        from .store import check_date, read_formulations  # deferred: tantivy (module docstring)

        since = check_date(new_since, "new_since")
        if min_briefings < 1 or limit < 0:
            raise QueryError("min_briefings must be at least 1 and limit not negative")
        dropped = {str(x).strip().casefold() for x in exclude or () if str(x).strip()}
        curated = dropped or min_briefings > 1
        rows = read_formulations(self._db.store, new_since=since, lang=lang, limit=None if curated else limit)
        if curated:
            rows = [r for r in rows if r["briefings"] >= min_briefings
                    and str(r["text"]).casefold() not in dropped][:limit]
        cols = ["id", "text", "lang", "series", "briefings", "occurrences", "first_use", "coverage_from",
                "first_date", "first_briefing", "last_date", "last_briefing", "spokespersons", "months",
                "peak_share", "cohesion"]
        for r in rows:
            r["peak_share"] = max((u / h for u, h in r["months"].values() if h), default=0.0)
            start = min(r["months"]) if r["months"] else None
            r["coverage_from"] = start
            r["first_use"] = ("before coverage" if start and str(r["first_date"])[:7] <= start
                              else r["first_date"])
        return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)

    def formulations_stale(self) -> bool:
        """Whether the stored briefings changed since the formulations were last mined (`podium analyse` mines
        them; ingest does not: mining takes ~17 s of CPU on the shared MFA corpus)."""
        from .pipeline import formulations_stale  # deferred: tantivy (module docstring)

        return formulations_stale(self._db)

    def trend(self, term: str | None = None, *, country: str | None = None, formulation: str | None = None,
              by: str = "month", per: str | None = None, kinds: Iterable[str] | str | None = None,
              **filters: Any) -> pd.DataFrame:
        """Press conferences per period mentioning it, normalised by press conferences held, with explicit zeros.

        The unit is the event: a press conference published in English and in Chinese counts once, and matches
        when any of its versions in the languages counted matches. Exactly one of: ``term`` (a search query,
        matched through the full-text index, ``exact=`` as in search), ``country`` (ISO3 code or a name:
        matched in the countries annotations of question or answer) or ``formulation`` (id or text of a mined
        formulation: matched in the formulations annotations, i.e. in answers).
        Languages counted: ``lang`` when given (then the unit is that language's versions); otherwise for a term
        the languages its words are written in ('Taiwan' English, '台湾' Chinese, 'Taiwan OR 台湾' both), for a
        formulation its language, for a country every language. Held = events of the counted kinds with a
        version in those languages. ``kinds``: event kinds to count (default the press conferences:
        ``podium.analysis.events.COUNTED_KINDS``; "all" for every kind, remarks included).
        ``by``: month, quarter or year; ``per``: None, "spokesperson" (one row per person) or "outlet_type".
        Returns columns period, [spokesperson|outlet_type], briefings_held, briefings_matching, share, partial
        (the corpus starts or ends inside the period); ``df.attrs`` says what was counted: unit, languages,
        kinds, date_from, date_to, events."""
        import pandas as pd  # deferred: pandas (module docstring)

        from .analysis.stats import PERIODS, trend_table  # deferred: pandas (module docstring)
        from .store import (  # deferred: tantivy (module docstring)
            event_units,
            exchanges_with_country,
            exchanges_with_formulation,
            find_formulation,
        )

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
        filters = self._filters(filters)
        lang = filters.pop("lang", None)
        kind_list = self._kinds(kinds)
        store = self._db.store
        if term:
            langs = [lang] if lang else query_languages(term)
            ids = self._db.matching_ids(term, exact=exact, **filters)
        elif country:
            code = countries.resolve_country(country)
            if code is None:
                raise QueryError(f"{country!r} is not a country podium knows; give an ISO 3166 alpha-3 code "
                                 "(USA, JPN, TWN) or a name")
            langs = [lang] if lang else None
            ids = exchanges_with_country(store, code)
        else:
            f = find_formulation(store, str(formulation))
            if f is None:
                raise NotFound(f"no mined formulation {formulation!r}; list them with `podium formulations` "
                               "(run `podium analyse` first if the list is empty)")
            if lang and lang != f["lang"]:
                raise QueryError(f"formulation {formulation!r} is {f['lang']}; it cannot occur in {lang} versions")
            langs = [f["lang"]]
            ids = exchanges_with_formulation(store, f["text"])
        units = pd.DataFrame(event_units(store, filters, langs=langs, kinds=kind_list))
        df = trend_table(units, ids, by=by, group=group)
        if group == "spokesperson" and not df.empty:
            df["spokesperson"] = df["spokesperson"].map(self._person_name)
        all_langs = sorted(units["lang"].unique()) if not units.empty else []
        df.attrs.update({
            "unit": ("press conferences" if lang is None else f"{lang} versions of press conferences"),
            "languages": langs or all_langs, "kinds": kind_list,
            "date_from": None if units.empty else str(units["date"].min()),
            "date_to": None if units.empty else str(units["date"].max()),
            "events": 0 if units.empty else int(units["event_id"].nunique())})
        return df

    def outlets(self, *, lang: str | None = None, date_from: str | None = None, date_to: str | None = None,
                min_questions: int = 1) -> pd.DataFrame:
        """Per outlet type and per outlet (``level``): questions, answers labelled for clarity, share of each
        clarity class with its 95% Wilson interval (``clear_reply_share``, ``clear_reply_lo``, ``_hi``, same for
        ambivalent and clear_non_reply), median answer length (``median_answer_words_en``: words of English
        answers; ``median_answer_chars_zh``: characters of Chinese answers) and the countries asked about most.

        Without ``lang`` an exchange and its translation count once (the English version: its clarity is the
        better-measured one; its outlet is taken from the other version when the English page prints only "Q");
        with ``lang`` only that language's versions count. ``df.attrs`` says what was counted."""

        from .analysis.stats import outlet_table  # deferred: pandas (module docstring)

        rows, attrs = self._exchange_rows(lang=lang, date_from=date_from, date_to=date_to, outlet_table=True)
        df = outlet_table(rows, min_questions=min_questions)
        df.attrs.update(attrs, anonymous=0 if rows.empty else int(rows["outlet"].isna().sum()))
        return df

    def _exchange_rows(self, *, lang: str | None, date_from: str | None, date_to: str | None,
                       outlet_table: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The exchanges the clarity and outlet tables count (an exchange and its translation once, as the English
        version, unless ``lang`` picks one language) and the attrs that say so: unit, languages, dates, n. The
        spokesperson is the display name; with ``outlet_table`` the answers' lengths and the countries asked about
        come too.

        The last rows read are kept until the data changes (one set: the web's outlets page draws three tables
        from them); callers must not change them."""
        filters = self._filters({"lang": lang, "date_from": date_from, "date_to": date_to})
        version = self._db.data_version()
        hit = self._known.get("exchange_rows")
        if hit is not None and hit[0] == version:
            key, complete, rows, attrs = hit[1]
            if key == filters and (complete or not outlet_table):
                return rows, dict(attrs)
        rows, attrs = self._read_exchange_rows(filters, outlet_table)
        self._known["exchange_rows"] = (version, (filters, outlet_table, rows, attrs))
        return rows, dict(attrs)

    def _read_exchange_rows(self, filters: dict[str, Any], outlet_table: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
        import pandas as pd  # deferred: pandas (module docstring)

        from .store import outlet_rows  # deferred: tantivy (module docstring)

        lang = filters.get("lang")
        cols = outlet_rows(self._db.store, filters, answer_lengths=outlet_table, countries=outlet_table,
                           counterparts=lang is None)
        pairs = 0
        if lang is None:
            cols, pairs = _one_per_pair(cols)
        names: dict[str | None, str | None] = {}  # one lookup per person, not per exchange
        cols["spokesperson"] = [names[k] if k in names else names.setdefault(k, self._person_name(k))
                                for k in cols["spokesperson"]]
        rows = pd.DataFrame(cols)
        return rows, {
            "unit": "exchanges" + ("" if lang else " (an exchange and its translation counted once)"),
            "languages": [filters["lang"]] if lang else sorted(rows["lang"].unique()) if not rows.empty else [],
            "date_from": None if rows.empty else str(rows["date"].min()),
            "date_to": None if rows.empty else str(rows["date"].max()),
            "exchanges": len(rows), "pairs_counted_once": pairs}

    def clarity(self, *, by: str = "spokesperson", per: str = "year", lang: str | None = None,
                date_from: str | None = None, date_to: str | None = None, min_answers: int = 1) -> pd.DataFrame:
        """The clarity of the answers per spokesperson, outlet type or period (``by``; ``per``: month, quarter,
        year for periods): answers, answers labelled, each class's share with its 95% Wilson interval and the
        same shares corrected for the classifier's measured confusion with 95% bootstrap intervals
        (``{class}_corrected``, ``_corrected_lo``, ``_corrected_hi``). An exchange and its translation count once
        (the English version) unless ``lang`` picks one language. ``df.attrs`` says what was counted and
        ``df.attrs["clarity_trust"]`` how far to trust the corrected shares."""

        from .analysis.stats import CLARITY_GROUPS, PERIODS, clarity_table  # deferred: pandas (module docstring)

        by = by.replace("-", "_")
        if by not in CLARITY_GROUPS:
            raise QueryError(f"cannot group clarity by {by!r}; use one of spokesperson, outlet-type, period")
        if per not in PERIODS:
            raise QueryError(f"unknown period {per!r}; use one of {', '.join(PERIODS)}")
        rows, attrs = self._exchange_rows(lang=lang, date_from=date_from, date_to=date_to)
        df = clarity_table(rows, by=by, per=per, min_answers=min_answers)
        df.attrs.update(attrs, by=by, per=per if by == "period" else None,
                        labelled=0 if rows.empty else int(rows["clarity"].notna().sum()))
        return df

    # ---- events: the language versions of one press conference ------------------------------------------

    def link_events(self, *, redo: bool = False) -> EventCounts:
        """Put the stored briefings into events, align their versions' exchanges and carry clarity across
        (runs after every ingest; only what changed unless ``redo``)."""
        from .pipeline import link_events  # deferred: tantivy (module docstring)

        counts = link_events(self._db, redo=redo)
        self._db.flush()
        return counts

    def events(self, *, date_from: str | None = None, date_to: str | None = None,
               kind: str | None = None) -> pd.DataFrame:
        """One row per event: event_id, kind, date, spokesperson, langs, versions (briefing ids), linked_by,
        exchanges per version, links and differences."""
        import pandas as pd  # deferred: pandas (module docstring)

        filters = self._filters({"date_from": date_from, "date_to": date_to})
        df = pd.DataFrame(self._db.store.event_rows(date_from=filters.get("date_from"),
                                                    date_to=filters.get("date_to"), kinds=self._kinds(kind or "all")))
        if not df.empty:
            df["spokesperson"] = df["spokesperson_id"].map(self._person_name)
        return df

    def versions(self, event: str | int) -> dict[str, Any]:
        """One event side by side: its versions (briefing id, lang, title, url), the openings and exchanges of
        each, aligned (rows: {"a": [exchange...], "b": [exchange...], "score"}; an exchange in one version only
        has an empty side), and the differences found between the versions."""
        data = self._db.store.event(parse_id(event, "v"))
        data["spokesperson"] = self._person_name(data["spokesperson_id"])
        return data

    def differences(self, *, date_from: str | None = None, date_to: str | None = None,
                    kind: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """What the versions of events do not share, one row per difference: event_id, date, kind (e.g.
        "exchange only in zh", "number only in en"), lang (the version with the extra material), exchanges,
        detail, severity; most severe first."""
        import pandas as pd  # deferred: pandas (module docstring)

        from .store import difference_rows  # deferred: tantivy (module docstring)

        filters = self._filters({"date_from": date_from, "date_to": date_to})
        rows = difference_rows(self._db.store, date_from=filters.get("date_from"), date_to=filters.get("date_to"),
                               kind=kind, limit=limit)
        cols = ["event_id", "date", "kind", "lang", "exchanges", "detail", "severity"]
        return pd.DataFrame(rows, columns=cols)

    # ---- filter values ------------------------------------------------------------------------------------

    def _person_name(self, key: str | None) -> str | None:
        p = spokespersons.person(key)
        return p.display if p else key

    def _kinds(self, kinds: Iterable[str] | str | None) -> list[str] | None:
        """Event kinds to count: None -> the press conferences; "all" -> None (every kind); else validated."""
        from .store import event_kinds  # deferred: tantivy (module docstring)

        if kinds is None:
            return list(COUNTED_KINDS)
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        if any(k == "all" for k in wanted):
            return None
        known = list(event_kinds(self._db.store)) or list(COUNTED_KINDS)
        out = []
        for k in wanted:
            match = next((x for x in known if x.casefold() == k.casefold()), None)
            if match is None:
                raise QueryError(_unknown("event kind", k, known))
            out.append(match)
        return out

    def _filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Filter values checked against what the database holds and put in their stored form: a spokesperson
        by any registered name, alias or id (-> person key); an outlet by its name in any case or any label the
        outlet registry knows ("路透社" -> Reuters); outlet types in any case; a language as code or name
        ("en", "English", "英文"); a clarity class, or one of the 9 fine labels given as clarity or as
        ``evasion``; a country by ISO3 code or name in English or Chinese. Unknown values (and unknown filter
        names) raise QueryError with the closest known values."""
        out = {k: v for k, v in filters.items() if v not in (None, "")}
        unknown = [k for k in out if k not in FILTERS]
        if unknown:
            raise QueryError(f"unknown filter(s) {', '.join(map(repr, sorted(unknown)))}; accepted: "
                             f"{', '.join(FILTERS)}")
        store = self._db.store
        if "spokesperson" in out:
            from .store import spokesperson_names  # deferred: tantivy (module docstring)

            names = self._once("spokesperson_names", lambda: spokesperson_names(store))
            flat = [n for ns in names.values() for n in ns]
            value = str(out["spokesperson"]).strip()
            key = spokespersons.find(value, flat)
            if key is None and value.endswith(")") and " (" in value:  # the display form "Hua Chunying (华春莹)"
                key = spokespersons.find(value.split(" (", 1)[0], flat)
            if key is None or key not in names:
                known = sorted({self._person_name(k) or k for k in names})
                raise QueryError(_unknown("spokesperson", out["spokesperson"], known))
            out["spokesperson"] = key
        if "lang" in out:
            value = _LANG_NAMES.get(str(out["lang"]).strip().casefold(), str(out["lang"]).strip())
            out["lang"] = self._known_value("lang", "language", value)
        if "outlet" in out:
            value = str(out["outlet"]).strip()
            known = self._distinct("outlet")
            if not any(k.casefold() == value.casefold() for k in known):
                value = lookup_outlet(value)[0] or value
            out["outlet"] = self._known_value("outlet", "outlet", value, known)
        if "outlet_type" in out:
            out["outlet_type"] = self._known_value("outlet_type", "outlet type", str(out["outlet_type"]).strip())
        if "clarity" in out:
            value = str(out["clarity"]).strip()
            if any(value.casefold() == f.casefold() for f in FINE_LABELS):
                if out.get("evasion") and str(out["evasion"]).strip().casefold() != value.casefold():
                    raise QueryError(f"clarity {value!r} and evasion {out['evasion']!r} cannot both hold")
                out["evasion"] = out.pop("clarity")
            else:
                known = self._distinct("clarity") or list(CLARITY_LABELS)
                held = self._distinct("evasion")
                if not any(k.casefold() == value.casefold() for k in known):
                    raise QueryError(_unknown("clarity class or label", value, list(known) + held)
                                     + _needs_analysis(known))
                out["clarity"] = next(k for k in known if k.casefold() == value.casefold())
        if "evasion" in out:
            known = self._distinct("evasion")
            value = str(out["evasion"]).strip()
            match = next((k for k in known if k.casefold() == value.casefold()), None)
            if match is None:
                raise QueryError(_unknown("evasion label", value, known or list(FINE_LABELS))
                                 + _needs_analysis(known))
            out["evasion"] = match
        if "country" in out:
            code = countries.resolve_country(str(out["country"]))
            if code is None:
                gaz = countries.gazetteer()
                raise QueryError(_unknown("country", out["country"], sorted(gaz.names.values())).replace(
                    "in this database", "podium knows") + " (give an ISO 3166 alpha-3 code such as USA, JPN, "
                    "TWN or a name such as Japan, 日本)")
            out["country"] = code
        return out

    def _distinct(self, column: str) -> list[str]:
        """``store.distinct(column)``, computed once per data version: a filtered search would otherwise scan
        the column on every request (3.5 ms on the MFA corpus for outlet types, growing with the database)."""
        return self._once(f"distinct:{column}", lambda: self._db.store.distinct(column))

    def _once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` cached until the data version changes (a commit by this or another process)."""
        version = self._db.data_version()
        hit = self._known.get(key)
        if hit is None or hit[0] != version:
            hit = (version, compute())
            self._known[key] = hit
        return hit[1]

    def _known_value(self, column: str, what: str, value: str, known: list[str] | None = None) -> str:
        """The stored spelling of a filter value given in any case; QueryError naming the closest ones."""
        known = self._distinct(column) if known is None else known
        match = next((k for k in known if k.casefold() == value.casefold()), None)
        if match is None:
            raise QueryError(_unknown(what, value, known))
        return match

    # ---- fetch area ---------------------------------------------------------------------------------------

    def fetch(self, site: str = "mfa", **options: Any) -> FetchSummary:
        """Bring the database up to date from a publisher's site (``podium.pipeline.fetch``); returns the run's
        summary.

        Options: lang ("en" | "zh"), layout ("today" | "site2020"; default: detected from the site), since / until
        (YYYY-MM-DD), base_url (a mirror or a test server; default the real site), rate (requests a second, default
        1; 0 = no limit), max_requests (cap for the run; default ``DEFAULT_MAX_REQUESTS``, 2,000), archive (folder;
        default ``<db>.archive``), analyse (default True), timeout, retries, backoff (seconds), deadline (seconds
        one request may take in all), max_wait (longest Retry-After waited for, seconds), max_run_time (seconds
        for the whole run), on_event (callback(kind, data) for progress). QueryError for any other option."""
        from .pipeline import FETCH_OPTIONS, fetch  # deferred: tantivy (module docstring)

        unknown = set(options) - set(FETCH_OPTIONS)
        if unknown:
            raise QueryError(f"unknown fetch option(s): {', '.join(sorted(unknown))}")
        archive = options.pop("archive", None) or f"{self.path}.archive"
        return fetch(self._db, site=site, archive=archive, **options)
