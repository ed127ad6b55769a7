"""Every filter value is checked against what the database holds: an unknown value is an error naming the
closest known values (library QueryError, CLI exit 2, JSON 400 with the same message, the web page says it),
and a known value in any accepted form matches the same exchanges. On real pages (the seed and two corpus
pages, fully analysed) and the whole MFA corpus."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from click.testing import CliRunner

from podium import Podium, QueryError
from podium.cli import main
from podium.model import FILTER_SPECS, FilterSpec
from podium.web import create_app

from conftest import CORPUS

#: filter -> (a value that matches nothing and what the error must suggest). Suggestions are checked against
#: what the database holds, not hard-coded: see test_unknown_value_errors_with_suggestions.
UNKNOWN = {"outlet": "Reuter", "spokesperson": "Hua", "clarity": "evasive", "evasion": "Declining",
           "lang": "english-uk", "outlet_type": "foreign", "country": "Taiwann"}


class AppClient:
    def __init__(self, app) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://podium.test")

    def get(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(url, **kw))


@pytest.fixture(scope="module")
def pod(seed_analysed_db):
    with Podium(seed_analysed_db, create=False) as p:
        yield p


@pytest.fixture(scope="module")
def web(seed_analysed_db) -> AppClient:
    return AppClient(create_app(seed_analysed_db))


def _ids(pod: Podium, **filters) -> set[int]:
    return set(pod.exchanges(**filters)["exchange_id"])


def _search_ids(pod: Podium, **filters) -> set[int]:
    return {h["exchange_id"] for h in pod.search("*", limit=10_000, **filters)["hits"]}


def _held(pod: Podium) -> dict[str, list[str]]:
    """What the database holds, per filter, read through the facade's frames (no SQL here)."""
    df = pod.exchanges()
    fine = [v for v in df["clarity_fine"].dropna().unique()] if "clarity_fine" in df else []
    return {"outlet": sorted(df["outlet"].dropna().unique()),
            "outlet_type": sorted(df["outlet_type"].dropna().unique()),
            "lang": sorted(df["lang"].unique()), "clarity": sorted(df["clarity"].dropna().unique()),
            "evasion": sorted(fine)}


@pytest.mark.parametrize("kind", sorted(UNKNOWN))
def test_unknown_value_errors_with_suggestions(pod, web, kind):
    value = UNKNOWN[kind]
    with pytest.raises(QueryError) as err:
        pod.exchanges(**{kind: value})
    message = str(err.value)
    assert repr(value) in message and ("did you mean" in message or "known:" in message), message
    # the suggestions are values the database holds (or the country names podium knows)
    held = _held(pod).get(kind)
    if held and "did you mean" in message:
        assert any(repr(h) in message for h in held), (message, held)
    # search (the index path) says the same
    with pytest.raises(QueryError) as err2:
        pod.search("*", **{kind: value})
    assert str(err2.value) == message
    # CLI: exit status 2, the same message on stderr
    spec = next(f for f in FILTER_SPECS if f.name == kind)
    result = CliRunner().invoke(main, ["search", "*", "--db", str(pod.path), _option(spec), value])
    assert result.exit_code == 2, result.output
    assert message in result.output
    # JSON API: 400 with the same message; the HTML page shows it too
    param = spec.param
    r = web.get("/search.json", params={"q": "China", param: value})
    assert r.status_code == 400 and r.json()["message"] == message
    page = web.get("/search", params={"q": "China", param: value})
    assert page.status_code == 400
    assert "did you mean" in page.text or "known:" in page.text


def _option(spec: FilterSpec) -> str:
    """The CLI option of a filter, as podium.model.FilterSpec says it is spelt."""
    return "--" + spec.param.replace("_", "-")


def _a_held_value(pod: Podium, name: str) -> str:
    """A value of the filter that exchanges of the database have (read through the facade)."""
    df = pod.exchanges()
    dates = sorted(df["date"].unique())
    if name in ("date_from", "date_to"):
        return dates[len(dates) // 2]
    if name == "spokesperson":
        return df["spokesperson"].dropna().value_counts().index[0]
    if name == "country":
        return "USA"
    return _held(pod)[name][0]


@pytest.mark.parametrize("spec", FILTER_SPECS, ids=lambda f: f.name)
def test_every_surface_takes_every_filter(pod, web, spec):
    """One definition of the filters (podium.model.FILTER_SPECS) is what the store, the facade, the CLI and the
    web read: each filter, with a value the database holds, keeps the same exchanges through every surface."""
    value = _a_held_value(pod, spec.name)
    want = _ids(pod, **{spec.name: value})
    assert want, f"{spec.name}={value!r} matches nothing on the seed database"
    assert spec.name == "lang" or want != _ids(pod), f"{spec.name}={value!r} filters nothing"  # the seed: English
    assert _search_ids(pod, **{spec.name: value}) == want
    result = CliRunner().invoke(main, ["search", "*", "--db", str(pod.path), _option(spec), value, "--json",
                                       "--limit", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == len(want), result.output[:500]
    r = web.get("/search.json", params={spec.param: value, "per_page": "1"})
    assert r.status_code == 200, r.text[:500]
    assert r.json()["total"] == len(want)


def test_suggestions_name_the_right_value(pod):
    """A value held, misspelt by its last letter, gets that value among the suggestions."""
    held = _held(pod)
    for kind in ("outlet_type", "evasion", "clarity"):  # (outlets: a shortened name may be a registry label)
        for value in held[kind]:
            if len(value) > 4:
                with pytest.raises(QueryError, match=f"did you mean.*{re.escape(repr(value))}"):
                    pod.exchanges(**{kind: value[:-1]})
    with pytest.raises(QueryError, match="'Wang Wenbin"):
        pod.exchanges(spokesperson="Wang Wenbi")
    with pytest.raises(QueryError, match="'Taiwan'"):
        pod.exchanges(country="Taiwann")


def _forms(pod: Podium) -> list[tuple[str, list[str]]]:
    """(filter, accepted forms of one value the database holds)."""
    held = _held(pod)
    outlet = held["outlet"][0]
    fine = held["evasion"][0]
    return [("outlet", [outlet, outlet.upper(), outlet.lower()]),
            ("outlet_type", [held["outlet_type"][0], held["outlet_type"][0].upper()]),
            ("lang", ["en", "EN", "English", "english", "英文"]),
            ("clarity", [held["clarity"][0], held["clarity"][0].lower()]),
            ("evasion", [fine, fine.upper(), fine.lower()]),
            ("clarity", [fine, fine.lower()]),  # a fine label given as clarity filters that label
            ("country", ["USA", "usa", "United States", "美国"])]


def test_every_accepted_form_matches_the_same_exchanges(pod):
    for kind, forms in _forms(pod):
        first = _ids(pod, **{kind: forms[0]})
        assert first, f"{kind}={forms[0]!r} matches nothing on the seed database"
        assert kind == "lang" or first != _ids(pod), f"{kind}={forms[0]!r} filters nothing"
        for form in forms[1:]:
            assert _ids(pod, **{kind: form}) == first, (kind, form)
            assert _search_ids(pod, **{kind: form}) == first, (kind, form)


def test_evasion_label_is_the_finer_cut_of_its_class(pod):
    from podium.analysis.clarity import FINE_TO_CLARITY

    df = pod.exchanges()
    for fine in _held(pod)["evasion"]:
        got = _ids(pod, evasion=fine)
        assert got == set(df.loc[df["clarity_fine"] == fine, "exchange_id"])
        assert got <= _ids(pod, clarity=FINE_TO_CLARITY[fine])


def test_spokesperson_in_both_languages(mfa_db):
    with Podium(mfa_db, create=False) as pod:
        forms = ["Hua Chunying", "hua chunying", "华春莹"]
        totals = [pod.search("*", spokesperson=f, limit=0)["total"] for f in forms]
        assert totals[0] > 100 and len(set(totals)) == 1, totals
        langs = pod.search("*", spokesperson="华春莹", facets=True, limit=0)["facets"]["lang"]
        assert set(langs) == {"en", "zh"}
        with pytest.raises(QueryError, match="did you mean"):
            pod.search("*", spokesperson="Hua")


def test_event_kind_is_checked(mfa_db):
    with Podium(mfa_db, create=False) as pod:
        with pytest.raises(QueryError, match="no event kind 'press conferense'.*did you mean"):
            pod.trend("Taiwan", kinds="press conferense")
    result = CliRunner().invoke(main, ["trend", "Taiwan", "--db", str(mfa_db), "--kind", "press conferense"])
    assert result.exit_code == 2 and "did you mean" in result.output


def test_unknown_filter_names_are_refused(pod, web):
    with pytest.raises(QueryError, match="unknown filter.*'speaker'.*accepted"):
        pod.exchanges(speaker="Hua Chunying")
    for path in ("/search.json", "/outlets.json", "/trends.json", "/formulations.json"):
        r = web.get(path, params={"q": "China", "limit": "5"} if path != "/formulations.json" else {"limt": "5"})
        assert r.status_code == 400, path
        body = r.json()
        assert "unknown parameter" in body["message"] and "accepted:" in body["message"], body
    assert web.get("/search.json", params={"q": "China", "per_page": "5"}).status_code == 200


def test_filter_values_follow_what_is_ingested(tmp_path):
    """The values a filter is checked against are cached per data version: an outlet that only a later ingest
    brings is refused before it and found after it, by the writer and by a reader opened before that ingest."""
    from podium.parse import parse_file

    pages = sorted((CORPUS / "mfa" / "en").glob("t*.html"))[-40:]
    first = pages[0]
    known = {e.outlet for e in parse_file(first).exchanges if e.outlet}
    later, outlet = next((p, o) for p in pages[1:] for o in sorted({e.outlet for e in parse_file(p).exchanges
                                                                     if e.outlet}) if o not in known)
    db = tmp_path / "grow.db"
    with Podium(db) as writer:
        writer.ingest([first], analyse=False)
        with Podium(db, create=False) as reader:
            for pod in (writer, reader):
                with pytest.raises(QueryError, match="no outlet"):
                    pod.search("*", outlet=outlet)
            writer.ingest([later], analyse=False)
            n = sum(1 for e in parse_file(later).exchanges if e.outlet == outlet)
            for pod in (writer, reader):
                assert pod.search("*", outlet=outlet, limit=0)["total"] == n > 0
