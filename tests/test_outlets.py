"""The outlet registry: every label resolves to its own outlet, anonymous askers stay anonymous, the data ships
with the package, and every asker label the English corpus prints is covered."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import pytest

from podium.parse import parse_file
from podium.parse.outlets import ANONYMOUS, OUTLET_TYPES, lookup, normalise, outlet, registry

from conftest import CORPUS


def _data_files():
    return sorted(p for p in (resources.files("podium") / "data").iterdir()
                  if p.name.startswith("outlets") and p.name.endswith(".json"))


def test_data_files_ship_inside_the_package() -> None:
    names = [p.name for p in _data_files()]
    assert "outlets.json" in names
    doc = json.loads((resources.files("podium") / "data" / "outlets.json").read_text(encoding="utf-8"))["_doc"]
    assert set(doc["types"]) == set(OUTLET_TYPES)


def test_entries_are_well_formed() -> None:
    by_name, _ = registry()
    assert len(by_name) > 100
    for name, o in by_name.items():
        assert o.type in OUTLET_TYPES, name
        assert o.country is None or re.fullmatch(r"[A-Z]{3}", o.country), name
        assert o.labels, name


def test_every_label_resolves_to_its_own_outlet() -> None:
    """No label is shadowed by another outlet's (a collision would silently mislabel askers)."""
    clashes = []
    for path in _data_files():
        for name, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if name.startswith("_"):
                continue
            for label in entry.get("labels", []):
                got = lookup(label)[0]
                if got != name:
                    clashes.append((path.name, label, name, got))
    assert not clashes


@pytest.mark.parametrize("label,expected", [
    ("Xinhua News Agency", ("Xinhua", "Chinese state media")),
    ("Xinhua", ("Xinhua", "Chinese state media")),
    ("新华社记者", ("Xinhua", "Chinese state media")),
    ("AFP", ("AFP", "foreign media")),
    ("Agence France-Presse", ("AFP", "foreign media")),
    ("法新社记者", ("AFP", "foreign media")),
    ("afp reporter", ("AFP", "foreign media")),
    ("Reuters：", ("Reuters", "foreign media")),
    ("TASS News Agency", ("TASS", "foreign state media")),
    ("Tass News Agency", ("TASS", "foreign state media")),
    ("The Global Times", ("Global Times", "Chinese state media")),
    ("《澳大利亚人报》记者", ("The Australian", "foreign media")),
    ("Phoenix TV", ("Phoenix TV", "Hong Kong, Macao and Taiwan media")),
    ("Beijing Youth Daily", ("Beijing Youth Daily", "Chinese media")),
    ("Bloomberg News", ("Bloomberg", "foreign media")),
    ("CCTV4", ("CCTV", "Chinese state media")),
])
def test_lookup_normalises_labels(label, expected) -> None:
    assert lookup(label) == expected


@pytest.mark.parametrize("label", ["Q", "q", "Journalist", "Reporter", "Follow-up", "问", "答", "记者", "追问", "",
                                   None, "Zhao Lijian", "Some Unknown Gazette"])
def test_anonymous_and_unknown_are_never_guessed(label) -> None:
    assert lookup(label) == (None, None)


def test_normalise() -> None:
    assert normalise("Reuters reporter") == normalise("REUTERS") == "reuters"
    assert normalise("路透社记者：") == "路透社"
    assert "journalist" in ANONYMOUS and outlet("Xinhua").country == "CHN"


def test_every_asker_label_in_the_english_corpus_is_covered(shared) -> None:
    """Survey of the 2020 layout's asker labels: all resolve, anonymous ones excepted."""
    labels: Counter[str] = Counter()
    for path in sorted((CORPUS / "mfa" / "en").glob("t17[6-9]*.html")):
        for e in parse_file(path).exchanges:
            if e.asker and not e.follow_up:
                labels[e.asker] += 1
    assert sum(labels.values()) > 400
    missing = {a: n for a, n in labels.items() if lookup(a) == (None, None) and a not in ("Q", "Journalist",
                                                                                         "Foreign Journalist")}
    assert not missing
