"""Analysis passes: the protocol every pass follows and the list of passes podium runs by default.

A pass reads one parsed ``Briefing`` and returns ``Annotation`` objects for its exchanges; it never touches the
database (``podium.pipeline`` runs it and stores what it returns). Each pass carries a ``name`` (the annotation kind
it writes) and a ``version``: ``pipeline.analyse`` re-runs a pass on briefings whose stored annotations carry another
version. A new pass: a module with a class following ``AnalysisPass`` and one factory in ``_FACTORIES`` below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from ..errors import AnalysisError
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


# Each factory imports its pass when asked for one: the registry is imported by the facade (and so by every CLI
# command), and the clarity module costs ~50 ms to import (`python -X importtime -c "import podium.analysis.clarity"`)
# while the formulations module loads numpy, which `podium --help` must not (tests/test_public_surface.py).

def _clarity(**options: Any) -> AnalysisPass:
    from .clarity import ClarityPass  # deferred: ~50 ms (see above)

    return ClarityPass()


def _countries(**options: Any) -> AnalysisPass:
    from .countries import CountriesPass  # deferred with the others (see above)

    return CountriesPass()


def _formulations(*, formulations: Any = None, **options: Any) -> AnalysisPass:
    from .formulations import FormulationsPass  # deferred: numpy (see above)

    return FormulationsPass(formulations) if formulations is not None else FormulationsPass()


# in the order they run; a later pass may not rely on an earlier one's output (each sees only the briefing)
_FACTORIES: dict[str, Callable[..., AnalysisPass]] = {"clarity": _clarity, "countries": _countries,
                                                      "formulations": _formulations}


def pass_names() -> tuple[str, ...]:
    """Names of every pass podium knows, whether or not it can run here."""
    return tuple(_FACTORIES)


def default_passes(names: list[str] | tuple[str, ...] | None = None, **options: Any) -> list[AnalysisPass]:
    """Instances of every pass that can run here (or of the named ones), skipping with a warning any pass
    that cannot be constructed (module missing, model file absent, ...).

    ``options`` are handed to passes that accept them by name: ``formulations=[...]`` gives FormulationsPass the
    mined formulation list to tag exchanges with.
    """
    wanted = list(names) if names is not None else list(_FACTORIES)
    unknown = [n for n in wanted if n not in _FACTORIES]
    if unknown:
        raise AnalysisError(f"unknown analysis pass(es): {', '.join(unknown)}; known: {', '.join(_FACTORIES)}")
    passes: list[AnalysisPass] = []
    for name in wanted:
        try:
            p = _FACTORIES[name](**options)
        except Exception as exc:  # a pass that cannot run must not stop the others
            log.warning("analysis pass %r skipped: %s: %s", name, type(exc).__name__, exc)
            continue
        passes.append(p)
    return passes
