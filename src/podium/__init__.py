"""podium: government press briefings as a database people can search, read and measure."""

from ._version import __version__
from .errors import (
    AnalysisError,
    FetchError,
    NotABriefing,
    NotFound,
    ParseError,
    PodiumError,
    QueryError,
    SourceError,
    StoreError,
)
from .model import (
    AnalyseResult,
    Annotation,
    Briefing,
    CorpusStats,
    Event,
    EventCounts,
    Exchange,
    ExchangeLink,
    FetchSummary,
    IngestReport,
    IngestResult,
    Spokesperson,
    Turn,
    Version,
)
from .parse import parse_bytes, parse_file


def __getattr__(name: str):
    # deferred: every `import podium.x` (worker processes too) runs this file, and the facade adds ~100 ms
    # (`python -X importtime -c "import podium.api"`); import it only when asked for
    if name == "Podium":
        from .api import Podium

        return Podium
    raise AttributeError(name)


__all__ = [
    "AnalyseResult",
    "AnalysisError",
    "Annotation",
    "Briefing",
    "CorpusStats",
    "Event",
    "EventCounts",
    "Exchange",
    "ExchangeLink",
    "FetchError",
    "FetchSummary",
    "IngestReport",
    "IngestResult",
    "NotABriefing",
    "NotFound",
    "ParseError",
    "Podium",
    "PodiumError",
    "QueryError",
    "SourceError",
    "Spokesperson",
    "StoreError",
    "Turn",
    "Version",
    "__version__",
    "parse_bytes",
    "parse_file",
]
