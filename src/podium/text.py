"""Text helpers every layer shares (stdlib only): where a sentence of transcript text ends — the one sentence
splitter of podium, used by keyword in context (``podium.store.text``) and by clarity (``podium.analysis.clarity``)
— and ``ymd_date``, the date a matched year-month-day gives (parsers and site walkers read dates with it).

Rules, applied to each paragraph (a line break always ends a sentence):

* English: a sentence ends at ``.``, ``!`` or ``?`` (and any closing quotes or brackets) followed by white space and
  a capital letter or a digit (or an opening quote or bracket before it). A full stop after an abbreviation does
  not end one: a title ("Mr. Wang", "Dr.", "Prof."), "No." or "Art." or a month before a number ("No. 1",
  "Sept. 11"), and — unless the next word usually starts a sentence ("... sanctions by the U.S. The ...") — an
  initial ("John F. Kennedy"), a dotted abbreviation ("U.S.", "U.N.", "p.m.", "e.g.") or a company suffix
  ("Co.", "Ltd."). A decimal ("3.5 percent") has no space after its point, so it never ends one.
* Chinese: a sentence ends at 。！？ (and any closing quotes or brackets after them), and at ``!`` or ``?`` printed
  after a Han character; ；and ，join clauses of one sentence.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["sentence_spans", "sentences"]

_CLOSERS = "\"'”’)\\]」』）》"
_EN_END = re.compile(rf"(?P<punct>[.!?]+)[{_CLOSERS}]*\s+(?=[\"'“‘(\[]?(?P<next>[A-Z0-9][\w'’-]*))")
_ZH_END = re.compile(rf"(?:[。！？]+|(?<=[\u3400-\u9fff])[!?]+)[{_CLOSERS}]*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_LETTERS_DOTS = re.compile(r"[A-Za-z.]+")
_TAIL = 48

#: titles before a name: the full stop after them never ends a sentence
_TITLES = frozenset("Mr Mrs Ms Messrs Mmes Dr Prof Gen Lt Col Capt Sgt Adm Rev Hon Sen Rep Gov Amb Pres Fr".split())
#: abbreviations before a number ("No. 1", "Sept. 11")
_BEFORE_NUMBER = frozenset("No Nos Art Arts Para Vol Fig Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split())
#: abbreviations that may also close a sentence: they end one only before a word that usually starts a sentence
_ABBREVIATIONS = frozenset("Co Corp Inc Ltd Bros Jr Sr St vs etc".split())
_STARTERS = frozenset("The We It This That These Those There I He She They In On At As For If When While After "
                      "Before However But And So Our Its Their What Why How Thank Thanks Next".split())


def _ends_sentence(before: str, punct: str, following: str) -> bool:
    """Whether ``punct`` (printed after ``before``, and followed by white space and the word ``following``) ends
    the sentence."""
    if punct != ".":
        return True
    # the word before the stop is the run of letters and dots that ends ``before``: read from its last characters
    # (all of it only when they are all such a run), not from the whole paragraph again at every stop
    tail = before[-_TAIL:]
    if len(tail) == _TAIL and _LETTERS_DOTS.fullmatch(tail):
        tail = before
    m = _WORD_BEFORE.search(tail + ".")
    if not m:
        return True
    word = m.group(1)
    if word in _TITLES:
        return False
    if word in _BEFORE_NUMBER and following[:1].isdigit():
        return False
    dotted = "." in word or (len(word) == 1 and word.isupper())
    if dotted or word in _ABBREVIATIONS:
        return following in _STARTERS
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, in order, without the white space around
    them (English and Chinese text alike, mixed too; see the module's rules)."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        p0, ptext = para.start(), para.group()
        cuts = {0}
        for m in _EN_END.finditer(ptext):
            if _ends_sentence(ptext[:m.start()], m.group("punct"), m.group("next")):
                cuts.add(m.end())
        cuts.update(m.end() for m in _ZH_END.finditer(ptext))
        ordered = sorted(c for c in cuts if c < len(ptext))
        for a, b in zip(ordered, ordered[1:] + [len(ptext)], strict=True):
            seg = ptext[a:b]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail > lead:
                spans.append((p0 + a + lead, p0 + a + trail))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, stripped of the white space around them."""
    return [text[a:b] for a, b in sentence_spans(text)]


def ymd_date(match: re.Match[str] | None) -> dt.date | None:
    """The date whose year, month and day are groups 1-3 of a regex match; None for no match or no such day."""
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def answer_length(text: str, lang: str | None) -> tuple[int | None, int | None]:
    """How long an answer is, as the outlet tables measure it: (words, None) for an answer in a language written
    with spaces — the runs of characters that white space separates — and (None, characters) for a Chinese one —
    its characters other than white space."""
    parts = text.split()
    if lang == "zh":
        return None, sum(map(len, parts))
    return len(parts), None
