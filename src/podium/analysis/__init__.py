"""Analysis passes: the protocol every pass follows and the list of passes podium runs by default.

A pass reads one parsed ``Briefing`` and returns ``Annotation`` objects for its exchanges; it never touches the
database (the pipeline and the facade store what it returns). Each pass carries a ``name`` (the annotation kind it
writes) and a ``version``: the facade re-runs a pass on briefings whose stored annotations carry another version.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from ..model import Annotation, Briefing

__all__ = ["AnalysisPass", "default_passes", "pass_names"]

log = logging.getLogger(__name__)


@runtime_checkable
class AnalysisPass(Protocol):
    """What the pipeline needs from a pass (duck-typed: any object with these members will do)."""

    #: The annotation kind the pass writes ("clarity", "countries", "formulations").
    name: str
    #: Bumped whenever the pass would label something differently; stored with every annotation.
    version: str

    def annotate(self, briefing: Briefing) -> list[Annotation]:
        """Annotations for the briefing's exchanges (any number per exchange, possibly none)."""
        ...


def _clarity() -> AnalysisPass:
    from .clarity import ClarityPass

    return ClarityPass()


def _countries() -> AnalysisPass:
    from .countries import CountriesPass

    return CountriesPass()


def _formulations() -> AnalysisPass:
    from .formulations import FormulationsPass

    return FormulationsPass()


# in the order they run; a later pass may not rely on an earlier one's output (each sees only the briefing)
_FACTORIES = {"clarity": _clarity, "countries": _countries, "formulations": _formulations}


def pass_names() -> tuple[str, ...]:
    """Names of every pass podium knows, whether or not it can run here."""
    return tuple(_FACTORIES)


def default_passes(names: list[str] | tuple[str, ...] | None = None, **options) -> list[AnalysisPass]:
    """Instances of every pass that can run here (or of the named ones), skipping with a warning any pass
    that cannot be constructed (module missing, model file absent, ...).

    ``options`` are handed to passes that accept them by name: ``formulations=[...]`` gives FormulationsPass the
    mined formulation list to tag exchanges with.
    """
    wanted = list(names) if names is not None else list(_FACTORIES)
    unknown = [n for n in wanted if n not in _FACTORIES]
    if unknown:
        from ..errors import AnalysisError

        raise AnalysisError(f"unknown analysis pass(es): {', '.join(unknown)}; known: {', '.join(_FACTORIES)}")
    passes: list[AnalysisPass] = []
    for name in wanted:
        try:
            if name == "formulations" and options.get("formulations") is not None:
                from .formulations import FormulationsPass

                p: AnalysisPass = FormulationsPass(options["formulations"])
            else:
                p = _FACTORIES[name]()
        except Exception as exc:  # a pass that cannot run must not stop the others
            log.warning("analysis pass %r skipped: %s: %s", name, type(exc).__name__, exc)
            continue
        passes.append(p)
    return passes
