"""The spokesperson registry: a name as printed ("Hua Chunying", "华春莹", "MR. EARNEST") -> one person.

The data lives in ``podium/data/spokespersons.json``: one record per person with a stable, language-neutral id,
the English and Chinese names and documented aliases. Lookup ignores case, spaces, dots and hyphens, so
"HUA CHUNYING", "Huachunying" and "华春莹" are one person.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from ..model import Spokesperson

__all__ = ["find", "key_of", "lookup", "person", "registry"]

_PUNCT = re.compile(r"[\s.\-–—_'’·•]+")


def _key(name: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name)).casefold()


@lru_cache(maxsize=1)
def registry() -> tuple[dict[str, Spokesperson], dict[str, str]]:
    """(people by id, person id by normalised name or alias)."""
    data = json.loads((resources.files("podium") / "data" / "spokespersons.json").read_text(encoding="utf-8"))
    people: dict[str, Spokesperson] = {}
    by_key: dict[str, str] = {}
    for rec in data["people"]:
        p = Spokesperson(id=rec["id"], publisher=rec["publisher"], name_en=rec.get("name_en"),
                         name_zh=rec.get("name_zh"), aliases=tuple(rec.get("aliases", ())))
        people[p.id] = p
        for name in (p.id, p.name_en, p.name_zh, p.display, *p.aliases):
            if name:
                by_key.setdefault(_key(name), p.id)
    return people, by_key


@lru_cache(maxsize=4096)
def lookup(name: str | None) -> str | None:
    """The registry id of a spokesperson's name as printed, or None when the registry does not know them."""
    if not name:
        return None
    return registry()[1].get(_key(name))


def person(pid: str | None) -> Spokesperson | None:
    return registry()[0].get(pid) if pid else None


def key_of(name: str | None) -> str | None:
    """What podium groups and filters spokespersons by: the registry id when the person is known, else the
    name as printed (an official the registry does not list still gets one row per spelling)."""
    if not name:
        return None
    return lookup(name) or name


def find(value: str, known_names: list[str]) -> str | None:
    """The key (see ``key_of``) of a user's filter value: a registry name, alias or id, or a name as stored."""
    pid = lookup(value)
    if pid:
        return pid
    k = _key(value)
    for name in known_names:
        if _key(name) == k:
            return key_of(name)
    return None
