"""The `podium` command line: a thin adapter over the library.

Commands live in modules by area (``parse_cmds``, ``db_cmds``, ``analysis_cmds``, ``web_cmds``, ``fetch_cmds``);
each registers its commands on ``main``. A PodiumError raised by the library becomes a one-line message on
stderr and exit status 1 — never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import PodiumError

_AREAS = ("parse_cmds", "db_cmds", "analysis_cmds", "web_cmds", "fetch_cmds")


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PodiumError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


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


for _area in _AREAS:
    try:
        importlib.import_module(f"{__name__}.{_area}")
    except ModuleNotFoundError as _exc:  # an area not written yet
        if _exc.name != f"{__name__}.{_area}":
            raise
