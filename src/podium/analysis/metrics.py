"""Precision, recall and F1 from counts of right, spurious and missed items: the one routine the evaluations of the
country matcher and the exchange aligner share (the clarity classifier scores with ``sklearn.metrics``).

Convention for an empty denominator, the one ``sklearn.metrics`` follows with ``zero_division=0``: precision with
nothing predicted, recall with nothing to find and F1 with both zero are 0.0 — never 1.0, which would let a matcher
that finds nothing look perfect. The counts travel with the figures, so a report can say "0 of 0".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Scores", "scores"]


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 with the counts they rest on."""

    precision: float
    recall: float
    f1: float
    #: items predicted and in the gold set
    tp: int
    #: items predicted but not in the gold set
    fp: int
    #: items in the gold set but not predicted
    fn: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def scores(tp: int, fp: int, fn: int) -> Scores:
    """Scores of ``tp`` right, ``fp`` spurious and ``fn`` missed items (an empty denominator gives 0.0)."""
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, fp, fn)
