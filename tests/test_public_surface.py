"""The public surface: what `import podium` offers (the command line's documentation: test_docs.py)."""

from __future__ import annotations

import podium
from podium.errors import PodiumError


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
