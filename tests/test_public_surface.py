"""The public surface: what `import podium` offers (the command line's documentation: test_docs.py)."""

from __future__ import annotations

import podium
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


def test_the_facade_takes_keywords_after_its_first_argument_and_says_what_it_returns():
    """Every public Podium method takes at most one positional argument (what it acts on: a path, a query, an id)
    and names its return type; ``export(format, output)`` keeps its documented two (README's Python API)."""
    import inspect

    from podium.api import Podium

    for name, method in inspect.getmembers(Podium, inspect.isfunction):
        if name.startswith("_"):
            continue
        sig = inspect.signature(method)
        positional = [p.name for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]
        assert len(positional) <= (2 if name == "export" else 1), f"Podium.{name} takes {positional} by position"
        assert sig.return_annotation is not inspect.Signature.empty, f"Podium.{name} does not name its return type"
