"""The outlet registry: an asker's label as printed ("Xinhua News Agency", "新华社记者") -> canonical outlet and type.

The data lives in ``podium/data/outlets*.json`` (every file matching is merged; ``outlets.json`` holds the English
labels, ``outlets_zh.json`` the Chinese ones). Each file maps a canonical outlet name to
``{"type": ..., "country": ISO3, "labels": [...]}``; keys starting with "_" are documentation.
Anonymous askers ("Q", "Journalist", "Follow-up", "问", "记者") are never resolved: lookup returns (None, None).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["ANONYMOUS", "OUTLET_TYPES", "Outlet", "lookup", "normalise", "outlet", "registry"]

OUTLET_TYPES = (
    "Chinese state media",
    "Chinese media",
    "Hong Kong, Macao and Taiwan media",
    "foreign state media",
    "foreign media",
)

#: Labels that name no outlet (after normalise()).
ANONYMOUS = frozenset({
    "q", "question", "journalist", "journalists", "reporter", "reporters", "follow-up", "follow up", "followup",
    "follow-up question", "a", "answer", "", "问", "答", "记者", "追问", "提问",
})


@dataclass(frozen=True, slots=True)
class Outlet:
    name: str
    type: str
    country: str | None
    labels: tuple[str, ...]


_DROP_SUFFIXES = re.compile(
    r"(?:\s*(?:'s)?\s*(?:reporters?|correspondents?|journalists?|记者|驻华记者|驻京记者))+$", re.I)
_AGENCY = re.compile(r"\s+(?:news\s+agency|news\s+service|agency)$", re.I)
_PUNCT = re.compile(r"[\s.,'’‘\"“”()（）《》〈〉「」『』\-–—_/·&]+")


def normalise(label: str) -> str:
    """The lookup key of a label: NFKC, case-folded, without "reporter"/"记者" suffixes and punctuation."""
    s = unicodedata.normalize("NFKC", label).strip().strip(":：").strip()
    s = s.replace("&", " and ")
    s = _DROP_SUFFIXES.sub("", s).strip()
    s = re.sub(r"^the\s+", "", s, flags=re.I)
    return _PUNCT.sub(" ", s).strip().casefold()


def _key_variants(label: str) -> set[str]:
    k = normalise(label)
    out = {k, k.replace(" ", "")}
    stripped = _AGENCY.sub("", k)
    if stripped and stripped != k:
        out |= {stripped, stripped.replace(" ", "")}
    return out


@lru_cache(maxsize=1)
def registry() -> tuple[dict[str, Outlet], dict[str, str]]:
    """(outlets by canonical name, canonical name by normalised label), merged from every data/outlets*.json."""
    by_name: dict[str, Outlet] = {}
    by_key: dict[str, str] = {}
    data_dir = resources.files("podium") / "data"
    files = sorted((p for p in data_dir.iterdir() if p.name.startswith("outlets") and p.name.endswith(".json")),
                   key=lambda p: (p.name != "outlets.json", p.name))
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, entry in data.items():
            if name.startswith("_"):
                continue
            labels = tuple(entry.get("labels", ()))
            old = by_name.get(name)
            if old is not None:  # the same outlet in two files: keep the first type, merge the labels
                entry_type, country = old.type, old.country
                labels = old.labels + tuple(x for x in labels if x not in old.labels)
            else:
                entry_type, country = entry["type"], entry.get("country")
            by_name[name] = Outlet(name, entry_type, country, labels)
            for label in (name, *labels):
                for key in _key_variants(label):
                    if key and key not in ANONYMOUS:
                        by_key.setdefault(key, name)
    return by_name, by_key


@lru_cache(maxsize=4096)
def lookup(label: str | None) -> tuple[str | None, str | None]:
    """(canonical outlet, outlet type) for a label as printed; (None, None) for anonymous or unknown askers."""
    if not label:
        return None, None
    by_name, by_key = registry()
    if normalise(label) in ANONYMOUS:
        return None, None
    for key in _key_variants(label):
        name = by_key.get(key)
        if name is not None:
            return name, by_name[name].type
    return None, None


def outlet(name: str) -> Outlet | None:
    """The registry entry of a canonical outlet name."""
    return registry()[0].get(name)
