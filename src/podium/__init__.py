"""podium: government press briefings as a database people can search, read and measure."""

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
    Annotation,
    Briefing,
    Event,
    Exchange,
    ExchangeLink,
    IngestReport,
    IngestResult,
    Spokesperson,
    Turn,
    Version,
)
from .parse import parse_bytes, parse_file

__version__ = "0.1.0"


def __getattr__(name: str):
    # the facade pulls in pandas and the store; import it only when asked for
    if name == "Podium":
        from .api import Podium

        return Podium
    raise AttributeError(name)


__all__ = [
    "AnalysisError",
    "Annotation",
    "Briefing",
    "Event",
    "Exchange",
    "ExchangeLink",
    "FetchError",
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
    "parse_bytes",
    "parse_file",
]
