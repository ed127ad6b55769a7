"""Parse every page of the shared corpus with format detection; print per-format figures, anomalies and speed.

    .venv/bin/python benchmarks/parse_corpus.py [--corpus ../shared/corpus] [--anomalies]

Pages: mfa/en and mfa/zh articles (the list pages are left out: they are not briefings) and the three White House
subcorpora: 2009-2016 mirror pages (with the URL and date of their row in the listing pages, lists/, as `podium
ingest` reads them; the figure "dated by the listing" counts the pages that have no date of their own), 2020
whitehouse.gov pages, and the 2021-2025 Markdown pages. Speed is wall clock in one process, reading included.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.errors import PodiumError  # noqa: E402
from podium.parse import anomalies, decode, detect, formats  # noqa: E402
from podium.sources.indexes import read_listing_pages  # noqa: E402

Page = tuple[Path, "str | None", "dt.date | None"]


def corpus_pages(corpus: Path) -> list[Page]:
    """(path, publisher URL or None, date an index gives or None) for every briefing page of the corpus."""
    pages: list[Page] = []
    index = corpus / "mfa" / "index.tsv"
    if index.exists():
        with index.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row["kind"] == "article" and row["file"].endswith(".html"):
                    pages.append((corpus / row["file"], row["url"] or None, None))
    wh = corpus / "whitehouse"
    listed = {}
    if (wh / "2009-2016" / "lists").is_dir():
        listed = {Path(e.file).name: e for e in read_listing_pages([wh / "2009-2016" / "lists"])}
    for p in sorted((wh / "2009-2016").glob("*.html"), key=lambda p: (len(p.name), p.name)):
        e = listed.get(p.name)
        pages.append((p, e.url if e else None, e.date if e else None))
    pages += [(p, None, None) for p in sorted((wh / "2020-covid").glob("*.html"))]
    pages += [(p, None, None) for p in sorted((wh / "2021-2024").glob("*.md"))]
    return pages


class Tally:
    def __init__(self) -> None:
        self.pages = self.parsed = self.exchanges = self.named = self.anonymous = 0
        self.failed: Counter[str] = Counter()
        self.failed_files: dict[str, list[str]] = defaultdict(list)
        self.anomalous: dict[str, list[str]] = defaultdict(list)
        self.series: Counter[str] = Counter()
        self.dated_by_index = 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--anomalies", action="store_true", help="list the anomalous and failed files")
    args = ap.parse_args(argv)

    pages = corpus_pages(args.corpus)
    formats()  # import the format modules outside the timed loop
    tallies: dict[str, Tally] = defaultdict(Tally)
    nbytes = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for path, url, date in pages:
        rel = str(path.relative_to(args.corpus))
        data = path.read_bytes()
        nbytes += len(data)
        try:
            text = decode(data, rel)
            fmt = detect(text, rel)
        except PodiumError as exc:
            t = tallies["(undetected)"]
            t.pages += 1
            t.failed[getattr(exc, "reason", str(exc))] += 1
            t.failed_files[getattr(exc, "reason", str(exc))].append(rel)
            continue
        t = tallies[fmt.name]
        t.pages += 1
        try:
            b = fmt.parse(text, rel, url, date=date) if date and fmt.takes_date else fmt.parse(text, rel, url)
            if date and fmt.takes_date and b.date == date:
                try:  # would the page have had a date without its listing row?
                    fmt.parse(text, rel, None)
                except PodiumError as exc:
                    t.dated_by_index += getattr(exc, "reason", "").startswith("no date")
        except PodiumError as exc:
            reason = getattr(exc, "reason", str(exc))
            t.failed[reason] += 1
            t.failed_files[reason].append(rel)
            continue
        t.parsed += 1
        t.series[b.series] += 1
        t.exchanges += len(b.exchanges)
        for e in b.exchanges:
            if e.outlet:
                t.named += 1
            else:
                t.anonymous += 1
        a = anomalies(b.turns, b.exchanges)
        if a.no_exchanges:
            t.anomalous["no exchanges"].append(rel)
        if a.answer_missing:
            last_only = a.answer_missing == 1 and b.exchanges and not b.exchanges[-1].answers
            kind = ("answer missing: only the last question (the page ends on a reporter's remark)" if last_only
                    else "answer missing")
            t.anomalous[kind].append(rel)
        if a.question_empty:
            t.anomalous["empty question"].append(rel)
        if a.unlabelled_after_question:
            # an answer turn with speaker None: the page printed the answer without its label (mfa-zh-html
            # recovers such answers from the question turn they ran into)
            t.anomalous["answer turn the page prints without a label (speaker None)"].append(rel)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0

    for name in sorted(tallies):
        t = tallies[name]
        print(f"== {name}: {t.pages} pages, {t.parsed} parsed, {sum(t.failed.values())} failed, "
              f"{t.exchanges} exchanges ({t.named} named outlet, {t.anonymous} anonymous or unknown)")
        for series, n in t.series.most_common():
            print(f"   series {series!r}: {n}")
        if t.dated_by_index:
            print(f"   dated by the listing pages (no date of their own): {t.dated_by_index} pages")
        for reason, n in t.failed.most_common():
            print(f"   failed x{n}: {reason}")
            if args.anomalies:
                for f in t.failed_files[reason]:
                    print(f"      {f}")
        for kind, files in sorted(t.anomalous.items()):
            print(f"   anomaly {kind}: {len(files)} pages")
            if args.anomalies:
                for f in files:
                    print(f"      {f}")
    print(f"\n{len(pages)} pages, {nbytes / 1e6:.1f} MB in {elapsed:.2f} s: "
          f"{len(pages) / elapsed:.0f} pages/s, {nbytes / 1e6 / elapsed:.1f} MB/s (single process, wall clock); "
          f"CPU {cpu:.2f} s: {len(pages) / cpu:.0f} pages/CPU-s (the machine is shared: wall clock varies with load)")
    print("\nspeed by source, CPU s: podium's parse vs the floor "
          "(read + decode + lexbor DOM + body text, no podium logic)")
    for group in ("mfa/en", "mfa/zh", "whitehouse/2009-2016", "whitehouse/2020-covid", "whitehouse/2021-2024"):
        chosen = [pg for pg in pages if group in pg[0].as_posix()]
        if not chosen:
            continue
        floor, full, mb = speed(chosen)
        print(f"  {group:<20} {len(chosen):5d} pages {mb:6.1f} MB  parse {full:5.2f} s "
              f"({len(chosen) / full:5.0f} pages/s, {mb / full:5.1f} MB/s)  floor {floor:5.2f} s  "
              f"-> {full / floor:4.1f}x the floor")
    return 0


def speed(pages: list[Page]) -> tuple[float, float, float]:
    """(floor CPU s, parse CPU s, MB) for these pages: the floor is what HTML parsing alone costs (for Markdown:
    decoding and splitting the text into paragraphs)."""
    from selectolax.lexbor import LexborHTMLParser

    from podium.parse import parse_bytes

    data = [(path.read_bytes(), str(path), url, date) for path, url, date in pages]
    c0 = time.process_time()
    for raw, source, _url, _date in data:
        text = decode(raw, source)
        if source.endswith(".md"):
            text.split("\n\n")
            continue
        tree = LexborHTMLParser(text)
        if tree.body is not None:
            tree.body.text(separator="\n")
    floor = time.process_time() - c0
    c0 = time.process_time()
    for raw, source, url, date in data:
        try:
            parse_bytes(raw, source, url=url, date=date)
        except PodiumError:
            pass
    return floor, time.process_time() - c0, sum(len(r) for r, _, _, _ in data) / 1e6


if __name__ == "__main__":
    sys.exit(main())
