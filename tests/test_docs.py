"""Each command of the command line is documented, one case per command: its -h and --help work and list its
options, the README's table has its row, and docs/commands.md has its section naming every option."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from podium.cli import main

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[str, click.Command]:
    """Every command a user can run, by its full name ("fetch mfa"), groups included."""
    out: dict[str, click.Command] = {}
    for name, cmd in sorted(group.commands.items()):
        out[" ".join((*prefix, name))] = cmd
        if isinstance(cmd, click.Group):
            out.update(_commands(cmd, (*prefix, name)))
    return out


COMMANDS = _commands(main)
TOP_LEVEL = sorted(main.commands)
RUNNABLE = sorted(name for name, cmd in COMMANDS.items() if not isinstance(cmd, click.Group))


def _names(cmd: click.Command) -> list[str]:
    """What the documentation must name: each long option, or the short one where there is no long one, and
    each argument as its usage line shows it (PATH, TERM)."""
    out = []
    for p in cmd.params:
        if isinstance(p, click.Argument):
            out.append(p.make_metavar(click.Context(cmd)).rstrip(".").strip("[]"))
        else:
            longs = [o for o in p.opts + p.secondary_opts if o.startswith("--")]
            out.extend(longs or p.opts)
    return out


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def _section(name: str) -> str | None:
    m = re.search(rf"^## podium {re.escape(name)}\n(.*?)(?=^## |\Z)", REFERENCE, re.M | re.S)
    return m.group(1) if m else None


def test_there_are_commands_to_document():
    assert len(RUNNABLE) >= 20 and "fetch mfa" in RUNNABLE and "search" in RUNNABLE


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_works_and_lists_every_option(name):
    cmd = COMMANDS[name]
    assert (cmd.help or "").strip(), f"podium {name} has no help text"
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(main, [*name.split(), flag], prog_name="podium")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: podium {name} "), result.output[:200]
        missing = [n for n in _names(cmd) if not _mentions(result.output, n)]
        assert not missing, f"podium {name} {flag} does not show {missing}"


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_the_readme_table_has_a_row_for_it(name):
    rows = [line for line in README.splitlines() if line.startswith(f"| `podium {name}")]
    assert len(rows) == 1, f"README.md's command table has {len(rows)} row(s) for podium {name}"
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", rows[0])]  # "\|" inside a cell is a literal bar
    assert len(cells) == 4 and len(cells[2]) > 20, f"README.md's row for podium {name} says nothing: {cells}"


@pytest.mark.parametrize("name", RUNNABLE)
def test_the_reference_names_every_option(name):
    section = _section(name)
    assert section is not None, f"docs/commands.md has no section '## podium {name}'"
    missing = [n for n in _names(COMMANDS[name]) if not _mentions(section, n)]
    assert not missing, f"docs/commands.md's section on podium {name} does not name {missing}"


def test_the_reference_documents_no_command_that_does_not_exist():
    documented = re.findall(r"^## podium (.+)$", REFERENCE, re.M)
    assert documented == sorted(documented), "keep docs/commands.md in alphabetical order"
    assert set(documented) == set(RUNNABLE), set(documented) ^ set(RUNNABLE)
