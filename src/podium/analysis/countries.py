"""Country mentions: which countries (ISO 3166-1 alpha-3) and which organisations or regions a question and its
answer name, found with a curated gazetteer (``data/countries.json``) and one Aho-Corasick automaton.

What counts as a mention (the labelling rules of ``data/countries_labels.jsonl`` follow the same ones):
- a country's name, short or official name ("the US", "U.S.", "the DPRK", "ROK"), its demonym ("the Chinese side",
  "Japanese") or its capital standing for it ("Washington", "Tokyo"); other cities do not count;
- Taiwan, Hong Kong and Macao are kept apart from China (TWN, HKG, MAC); "China's Taiwan region" names both;
- organisations (EU, NATO, UN, ...) and regions (Middle East, Korean Peninsula, ...) go to ``orgs_*``, never to the
  country lists; "Brussels" is taken as the EU, not Belgium;
- phrases that contain a name without meaning the country are exceptions and win over the name inside them:
  "Washington Post", "Washington Treaty", "Paris Agreement", "Tokyo Olympics", outlet names such as "China Daily"
  or "Voice of America", "Indian Ocean";
- Chinese: names (美国), "side" forms (美方, 日方), capitals (华盛顿), and compounds of one-character abbreviations
  (中美 = CHN + USA, 朝韩 = PRK + KOR, 访华 = CHN). 美元 (the US dollar) is a currency, not a mention of the US.
  Chinese has no word boundaries, so on overlaps a longer match wins, and between equally long ones a full name beats a
  compound ("其中美国" is 美国, not 中美).
- a bare "Congo" is the Republic of the Congo (COG, its ISO short name); "Korea"/"Korean" alone is the ROK;
  "the mainland" / 大陆 is China; 两岸 (cross-Strait) names China and Taiwan; the Taiwan Strait (台海) is a sea,
  recorded as a region, not as Taiwan; people ("the Trump administration") and cities other than capitals
  ("Wuhan", "Osaka") name no country.

Known gaps (from the blind test labels): one-character abbreviations outside the listed compounds
("美、欧、日、印", "向台", "在京", "驻澳");
中新 is left out on purpose (Singapore or New Zealand: only the context says).
"""

from __future__ import annotations

import functools
import json
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick

from ..model import Annotation, Briefing
from .metrics import scores

__all__ = ["CountriesPass", "Gazetteer", "Mention", "find_mentions", "gazetteer", "mentions"]

DATA = Path(__file__).resolve().parents[1] / "data" / "countries.json"
METHOD = "gazetteer+aho-corasick"
VERSION = "1"

# on overlapping matches of equal length, the higher priority wins
_EXCEPTION, _NAME, _COMPOUND = 3, 2, 1


@dataclass(frozen=True, slots=True)
class Mention:
    """One matched surface form and what it stands for."""

    start: int
    end: int
    text: str
    countries: tuple[str, ...]
    orgs: tuple[str, ...]


class Gazetteer:
    """The curated names, loaded once, with one automaton for English (case-sensitive, word-bounded) and one for
    Chinese (no boundaries)."""

    def __init__(self, path: Path = DATA) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = str(data.get("version", "1"))
        self.names: dict[str, str] = {c["iso3"]: c["name"] for c in data["countries"]}
        en: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {}
        zh: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {}

        def add(table: dict, key: str, countries: tuple[str, ...], orgs: tuple[str, ...], prio: int) -> None:
            old = table.get(key)
            if old is not None and old[2] == prio:  # the same form under two entries names both ("港澳")
                countries = tuple(dict.fromkeys(old[0] + countries))
                orgs = tuple(dict.fromkeys(old[1] + orgs))
            elif old is not None and old[2] > prio:
                return
            table[key] = (countries, orgs, prio)

        for c in data["countries"]:
            code = (c["iso3"],)
            for form in c["names"] + c["demonyms"] + c["capitals"]:
                for variant in _english_variants(form):
                    add(en, variant, code, (), _NAME)
            for form in c["zh"]:
                add(zh, form, code, (), _NAME)
        for form, v in data["compounds_zh"].items():
            add(zh, form, tuple(v["countries"]), tuple(v["orgs"]), _COMPOUND)
        for o in data["organisations"]:
            for form in o["names"]:
                for variant in _english_variants(form):
                    add(en, variant, (), (o["id"],), _NAME)
            for form in o["zh"]:
                add(zh, form, (), (o["id"],), _NAME)
        for form in data["exceptions"]["en"]:
            add(en, form, (), (), _EXCEPTION)
        for form in data["exceptions"]["zh"]:
            add(zh, form, (), (), _EXCEPTION)
        self._en = _automaton(en)
        self._zh = _automaton(zh)

    def find(self, text: str) -> list[Mention]:
        """Every mention in the text, in order, exceptions already removed."""
        if not text:
            return []
        cands: list[tuple[int, int, int, int, tuple, tuple]] = []
        n = len(text)
        for end, (key, countries, orgs, prio) in self._en.iter(text):
            start = end - len(key) + 1
            if start > 0 and text[start - 1] in _WORDCHARS:
                continue
            if end + 1 < n and text[end + 1] in _WORDCHARS and key[-1] in _WORDCHARS:
                continue
            # sorted below: longest first, then the higher priority, then the leftmost
            cands.append((start - end - 1, -prio, start, end + 1, countries, orgs))
        if _HAN.search(text):
            for end, (key, countries, orgs, prio) in self._zh.iter(text):
                start = end - len(key) + 1
                cands.append((start - end - 1, -prio, start, end + 1, countries, orgs))
        if not cands:
            return []
        # a position is taken once
        cands.sort(key=_RANK)
        taken = bytearray(n)
        chosen: list[Mention] = []
        for _, neg_prio, start, end, countries, orgs in cands:
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            if neg_prio != -_EXCEPTION:
                chosen.append(Mention(start, end, text[start:end], countries, orgs))
        chosen.sort(key=_START)
        return chosen


def _english_variants(form: str) -> list[str]:
    out = [form]
    if form.startswith("the "):
        out.append("The " + form[4:])
    if "’" in form:
        out.append(form.replace("’", "'"))
    if "'" in form:
        out.append(form.replace("'", "’"))
    return out


_HAN = re.compile("[\u4e00-\u9fff]")


#: the characters that continue an English word (ASCII letters, digits, underscore): a name inside a word is none
_WORDCHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_RANK = operator.itemgetter(0, 1, 2)
_START = operator.attrgetter("start")


def _automaton(table: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]]) -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for key, (countries, orgs, prio) in table.items():
        auto.add_word(key, (key, countries, orgs, prio))
    auto.make_automaton()
    return auto


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once per process."""
    return Gazetteer()


def find_mentions(text: str) -> list[Mention]:
    return gazetteer().find(text)


def mentions(text: str) -> tuple[list[str], list[str]]:
    """(countries, organisations and regions) named in the text, each in order of first mention, without repeats."""
    countries: dict[str, None] = {}
    orgs: dict[str, None] = {}
    for m in find_mentions(text):
        countries.update(dict.fromkeys(m.countries))
        orgs.update(dict.fromkeys(m.orgs))
    return list(countries), list(orgs)


def exchange_countries(question: str, answer: str) -> dict[str, Any]:
    """The annotation value for one exchange: countries and organisations, question and answer apart."""
    qc, qo = mentions(question)
    ac, ao = mentions(answer)
    return {"question": qc, "answer": ac, "orgs_question": qo, "orgs_answer": ao}


class CountriesPass:
    """Annotates every exchange with the countries (and organisations, regions) its question and answer name."""

    name = "countries"
    version = VERSION

    def __init__(self) -> None:
        self.gazetteer = gazetteer()
        self.version = f"{VERSION}.{self.gazetteer.version}"

    def annotate(self, briefing: Briefing) -> list[Annotation]:
        out: list[Annotation] = []
        for ex in briefing.exchanges:
            qm = self.gazetteer.find(ex.question_text)
            am = self.gazetteer.find(ex.answer_text)
            value = {
                "question": _codes(qm, "countries"),
                "answer": _codes(am, "countries"),
                "orgs_question": _codes(qm, "orgs"),
                "orgs_answer": _codes(am, "orgs"),
            }
            everything = sorted(set(value["question"]) | set(value["answer"]))
            evidence = "; ".join(dict.fromkeys(
                f"{m.text}={'+'.join(m.countries + m.orgs)}" for m in qm + am))
            out.append(Annotation(
                exchange_n=ex.n, kind=self.name, label=" ".join(everything) or None, value=value,
                confidence=None, evidence=evidence[:1000] or None, method=METHOD, version=self.version))
        return out


def _codes(found: list[Mention], attr: str) -> list[str]:
    seen: dict[str, None] = {}
    for m in found:
        seen.update(dict.fromkeys(getattr(m, attr)))
    return list(seen)


def resolve_country(ref: str) -> str | None:
    """An ISO3 code from what a user typed: a code ("usa", "TWN") or a name the gazetteer knows ("Japan",
    "the US", "美国"); None when it names no country."""
    ref = ref.strip()
    gaz = gazetteer()
    if ref.upper() in gaz.names:
        return ref.upper()
    for candidate in (ref, ref.title()):
        found, _ = mentions(candidate)
        if len(found) == 1:
            return found[0]
    return None


# ---- evaluation against hand labels ------------------------------------------------------------------------------

LABELS = Path(__file__).resolve().parents[1] / "data" / "countries_labels.jsonl"


def evaluate(path: Path = LABELS, *, split: str | None = "test",
             fields: tuple[str, ...] = ("question", "answer")) -> dict[str, Any]:
    """Micro precision/recall/F1 of the matcher against the hand labels (per language and per common country),
    with the disagreements listed for auditing (``metrics.scores``: an empty denominator gives 0.0).

    ``split``: "test" (labelled blind, after the gazetteer was last changed: the honest figure), "dev" (labelled
    with the matcher's output in view and used to fix the gazetteer) or None for both. ``fields``: which labelled
    fields to score, from "question", "answer" (countries), "orgs_question", "orgs_answer" (organisations)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split is not None:
        rows = [r for r in rows if r.get("split") == split]
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    by_lang: dict[str, list[int]] = {}
    errors = []
    for r in rows:
        pred = exchange_countries(r["question"], r["answer"])
        lang = r.get("lang", "en")
        counts = by_lang.setdefault(lang, [0, 0, 0])
        for f in fields:
            gold, got = set(r["gold"][f]), set(pred[f])
            for code in gold & got:
                tp[code] = tp.get(code, 0) + 1
            for code in got - gold:
                fp[code] = fp.get(code, 0) + 1
            for code in gold - got:
                fn[code] = fn.get(code, 0) + 1
            counts[0] += len(gold & got)
            counts[1] += len(got - gold)
            counts[2] += len(gold - got)
            if gold != got:
                errors.append({"id": r.get("id"), "field": f, "missed": sorted(gold - got),
                               "spurious": sorted(got - gold)})

    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    codes = set(tp) | set(fp) | set(fn)
    support = {c: tp.get(c, 0) + fn.get(c, 0) for c in codes}
    common = sorted((c for c in codes if support[c] >= 5), key=lambda c: (-support[c], c))  # ties by code
    return {
        "split": split or "all", "exchanges": len(rows), "fields": list(fields),
        "micro": scores(T, P, N).as_dict(),
        "by_lang": {lang: scores(*c).as_dict() | {"exchanges": sum(1 for r in rows if r.get("lang", "en") == lang)}
                    for lang, c in sorted(by_lang.items())},
        "by_country": {c: scores(tp.get(c, 0), fp.get(c, 0), fn.get(c, 0)).as_dict() for c in common},
        "errors": errors,
    }


def format_report(result: dict[str, Any]) -> str:
    """The evaluation as text a person reads."""
    m = result["micro"]
    lines = [f"Country mentions, split {result['split']}: {result['exchanges']} hand-labelled exchanges, "
             f"fields {', '.join(result['fields'])}",
             f"  micro  P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
             f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"]
    for lang, v in result["by_lang"].items():
        lines.append(f"  {lang:<6} P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}  "
                     f"({v['exchanges']} exchanges)")
    lines.append("  per country (support >= 5):")
    for code, v in result["by_country"].items():
        lines.append(f"    {code}  P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}  "
                     f"(support {v['tp'] + v['fn']})")
    if result["errors"]:
        lines.append(f"  disagreements ({len(result['errors'])}):")
        for e in result["errors"][:40]:
            lines.append(f"    {e['id']} {e['field']}: missed {e['missed'] or '-'} spurious {e['spurious'] or '-'}")
    return "\n".join(lines)
