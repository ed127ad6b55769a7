"""The `podium` command line: a thin adapter over the library.

Commands live in modules by area (``parse_cmds``, ``db_cmds``, ``analysis_cmds``, ``web_cmds``, ``fetch_cmds``);
each registers its commands on ``main``. A PodiumError raised by the library becomes a one-line message on
stderr — never a traceback — and exit status 2 when the user's query or filter was wrong (QueryError: a value the
database does not hold, a bad date), 1 otherwise.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import PodiumError, QueryError

_AREAS = ("parse_cmds", "db_cmds", "analysis_cmds", "events_cmds", "web_cmds", "fetch_cmds", "classify_cmds")


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PodiumError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2 if isinstance(exc, QueryError) else 1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="podium")
def main() -> None:
    """podium: government press briefings as a database you can search, read and measure."""


def db_option(f):
    """The --db option every database command takes."""
    return click.option(
        "--db",
        "db",
        default=lambda: os.environ.get("PODIUM_DB", "podium.db"),
        show_default="$PODIUM_DB or ./podium.db",
        type=click.Path(dir_okay=False),
        help="The podium database file.",
    )(f)


def briefing_filter_options(f):
    """The filters on briefings and their exchanges that search, kwic, export and trend share."""
    opts = [
        click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only briefings on or after this date."),
        click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only briefings on or before this date."),
        click.option("--spokesperson", help="Only answers by this spokesperson: any registered name or alias, "
                     "English or Chinese, e.g. 'Hua Chunying', 华春莹."),
        click.option("--outlet", help="Only questions from this outlet (any case, or a label the outlet registry "
                     "knows), e.g. AFP, Reuters, 路透社."),
        click.option("--outlet-type", "outlet_type",
                     help="Only questions from this type of outlet, e.g. 'foreign media', 'Chinese state media'."),
        click.option("--lang", help="Only briefings in this language: en or zh (English, Chinese)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


for _area in _AREAS:
    try:
        importlib.import_module(f"{__name__}.{_area}")
    except ModuleNotFoundError as _exc:  # an area not written yet
        if _exc.name != f"{__name__}.{_area}":
            raise
