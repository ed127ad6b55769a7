"""The exceptions podium raises; this module imports nothing.

    PodiumError                 anything podium raises on purpose
    ├── SourceError             a file or URL could not be read (missing, unreadable, HTTP failure)
    │   └── FetchError          a publisher's site answered badly (status, redirect loop, truncated body)
    ├── ParseError              a page was read but is not a briefing podium can parse
    │   └── NotABriefing        a well-formed page that holds no briefing (a statement with no question)
    ├── StoreError              the database could not be opened, migrated or written
    ├── QueryError              a search query, filter or date the user wrote is malformed
    ├── NotFound                a briefing, exchange or other record does not exist
    └── AnalysisError           an analysis pass could not run (missing labels, bad model file)

Every error carries a message meant for the user: it says what was wrong and, where it can, what to do.
"""

from __future__ import annotations


class PodiumError(Exception):
    """Base class of every error podium raises on purpose."""

    #: HTTP status the web layer answers with for this error.
    status: int = 500


class _AboutSource(PodiumError):
    """An error about one named file or URL: ``source`` and ``reason``, shown as "source: reason"."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class SourceError(_AboutSource):
    """A file or URL could not be read."""

    status = 400


class FetchError(SourceError):
    """A publisher's site answered in a way podium cannot use."""

    status = 502


class ParseError(_AboutSource):
    """A page was read but could not be parsed into a briefing."""

    status = 422


class NotABriefing(ParseError):
    """A well-formed publisher page that is not a briefing: ingest skips it rather than failing."""


class StoreError(PodiumError):
    """The database could not be opened, migrated or written."""


class QueryError(PodiumError):
    """A query, filter or date given by the user is malformed."""

    status = 400


class NotFound(PodiumError):
    """A requested record does not exist."""

    status = 404


class AnalysisError(PodiumError):
    """An analysis pass could not run."""
