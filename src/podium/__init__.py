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
    Concordance,
    CorpusStats,
    Event,
    EventCounts,
    Exchange,
    ExchangeLink,
    FetchSummary,
    IngestReport,
    IngestResult,
    KwicLine,
    PageHints,
    SearchHit,
    SearchResult,
    Snippet,
    Spokesperson,
    Turn,
    Version,
)
from .parse import parse_bytes, parse_file


def __getattr__(name: str):
    # Every `import podium.x` (worker processes too) runs this file, and the facade adds ~60-100 ms on this machine
    # (`python -X importtime -c "import podium.api"`): it is imported only when asked for.
    if name == "Podium":
        from .api import Podium  # deferred: ~60-100 ms (above)

        return Podium
    raise AttributeError(name)


__all__ = [
    "AnalyseResult",
    "AnalysisError",
    "Annotation",
    "Briefing",
    "Concordance",
    "CorpusStats",
    "Event",
    "EventCounts",
    "Exchange",
    "ExchangeLink",
    "FetchError",
    "FetchSummary",
    "IngestReport",
    "IngestResult",
    "KwicLine",
    "NotABriefing",
    "NotFound",
    "PageHints",
    "ParseError",
    "Podium",
    "PodiumError",
    "QueryError",
    "SearchHit",
    "SearchResult",
    "Snippet",
    "SourceError",
    "Spokesperson",
    "StoreError",
    "Turn",
    "Version",
    "__version__",
    "parse_bytes",
    "parse_file",
]
