"""The public surface: what `import podium` offers, and that every CLI command is documented."""

from __future__ import annotations

import re

import podium
from podium.cli import main
from podium.errors import PodiumError

from conftest import ROOT


def test_all_is_sorted_and_importable():
    assert podium.__all__ == sorted(podium.__all__)
    for name in podium.__all__:
        assert getattr(podium, name) is not None, name


def test_every_error_is_a_podium_error_with_a_status():
    for name in podium.__all__:
        obj = getattr(podium, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, PodiumError), name
            assert 400 <= obj.status < 600


def test_every_cli_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`podium ([a-z-]+)", readme))
    assert main.commands, "no commands registered"
    for name, command in main.commands.items():
        assert (command.help or "").strip(), f"podium {name} has no help text"
        assert name in documented, f"podium {name} is not documented in README.md"


def test_the_command_line_starts_without_the_heavy_libraries():
    """`podium --help` answers at once: the CLI imports pandas, sklearn, tantivy, the web stack only in the
    commands that need them (timings are in benchmarks/bench_cli.py; this checks the cause)."""
    import subprocess
    import sys

    code = ("import sys, podium.cli; heavy = [m for m in ('pandas', 'sklearn', 'numpy', 'tantivy', 'starlette', "
            "'uvicorn', 'pyarrow', 'selectolax') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing podium.cli loads {out}"


def test_the_version_is_the_installed_distribution_s_and_comes_from_a_leaf():
    """``podium.__version__`` (and the fetcher's User-Agent) say the version pip installed; it lives in
    ``podium/_version.py``, which imports nothing, so that sources need not import the package root."""
    import ast
    from importlib.metadata import version

    from podium.sources.http import USER_AGENT

    assert podium.__version__ == version("podium") and f"podium/{podium.__version__} " in USER_AGENT
    leaf = ast.parse((ROOT / "src" / "podium" / "_version.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(leaf) if isinstance(n, (ast.Import, ast.ImportFrom))]
