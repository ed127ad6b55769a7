"""The import graph of `podium` against the layers of ../shared/STYLE.md: no cycle, no upward or sideways import,
and an import inside a function only where a comment says why (a measured start-up cost).

Layers, lowest first (a module may import its own package and any lower layer):
  0  errors, model, text, _version (leaves; they may import one another, never in a cycle)
  1  sources | parse | analysis | store (siblings: none imports another)
  2  pipeline
  3  api
  4  cli | web (nothing below imports them, and neither imports the other)
  5  the package root `podium/__init__` and `podium/__main__` (nothing imports them)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src"

LAYERS: dict[str, int] = {
    "errors": 0, "model": 0, "text": 0, "_version": 0,
    "sources": 1, "parse": 1, "analysis": 1, "store": 1,
    "pipeline": 2,
    "api": 3,
    "cli": 4, "web": 4,
    "": 5, "__main__": 5,  # "" is the package root, podium/__init__.py
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported podium module, dotted
    where: str  # file:line, relative to the source root
    type_only: bool  # under `if TYPE_CHECKING:`: never executed, so it cannot close a cycle at run time


@dataclass
class Graph:
    modules: dict[str, Path]
    imports: list[Import] = field(default_factory=list)
    inner: list[tuple[Path, int, str]] = field(default_factory=list)  # imports inside a function or class


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, inside: bool, type_only: bool):
    """Yield (import node, inside a function or class, under TYPE_CHECKING) for every import below node."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, inside, type_only
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            yield from _walk(child, True, type_only)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), inside, True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), inside, type_only)
        else:
            yield from _walk(child, inside, type_only)


def _says_why(lines: list[str], lineno: int) -> bool:
    """The import's line, or the line above it (above the run of imports it belongs to), carries a comment that
    is more than a linter or type directive."""
    above = lineno - 1  # 1-based: the line above
    while above >= 1 and lines[above - 1].strip().startswith(("import ", "from ")) \
            and not _comment(lines[above - 1]):
        above -= 1
    return bool(_comment(lines[lineno - 1]) or (above >= 1 and _comment(lines[above - 1])))


def _comment(text: str) -> str:
    if "#" not in text:
        return ""
    comment = text.split("#", 1)[1].strip()
    if comment.startswith(("noqa", "type:", "pragma")):  # a directive is no reason, unless one follows it
        comment = comment.split(" - ", 1)[1].strip() if " - " in comment else ""
    return comment


def build_graph(src: Path, package: str = "podium") -> Graph:
    """Every import of a `package` module by a `package` module, relative and absolute, at any depth."""
    files = sorted((src / package).rglob("*.py"))
    graph = Graph({module_name(p, src): p for p in files})
    known = graph.modules

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    for name, path in graph.modules.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text, filename=str(path))
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node, inside, type_only in _walk(tree, False, False):
            if inside and not _says_why(lines, node.lineno):
                graph.inner.append((path, node.lineno, ast.unparse(node)))
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == package]
            else:
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module.split(".")[0] != package:
                    continue
                # `from X import y` imports the submodule X.y when there is one, else a name defined in X
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
            for target in targets:
                resolved = resolve(target)
                if resolved and resolved != name:
                    where = f"{path.relative_to(src)}:{node.lineno}"
                    graph.imports.append(Import(name, resolved, where, type_only))
    return graph


def component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layering_violations(graph: Graph) -> list[str]:
    out: dict[str, tuple[str, str]] = {}
    for imp in graph.imports:
        a, b = component(imp.source), component(imp.target)
        if a == b:
            continue
        la, lb = LAYERS.get(a), LAYERS.get(b)
        if la is None or lb is None:
            out[f"no layer: {imp.source} -> {imp.target} (add its part to LAYERS)"] = (imp.source, imp.target)
        elif lb > la or (lb == la and la != 0):
            kind = "upward" if lb > la else "sideways"
            out[f"{kind}: {imp.source} -> {imp.target} ({imp.where})"] = (imp.source, imp.target)
    return sorted(out, key=lambda text: (out[text], text))


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), over the imports run at import time
    or call time (not those under TYPE_CHECKING)."""
    edges: dict[str, set[str]] = {m: set() for m in graph.modules}
    for imp in graph.imports:
        if not imp.type_only:
            edges[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the number of modules (~100)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def _describe_cycle(graph: Graph, comp: list[str]) -> str:
    members = set(comp)
    inside = sorted({f"{i.source} -> {i.target} ({i.where})" for i in graph.imports
                     if i.source in members and i.target in members and not i.type_only})
    return " <-> ".join(comp) + "\n      " + "\n      ".join(inside)


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = build_graph(SRC)
    # the graph is the real one: it sees the layers that every ingest goes through
    assert len(g.modules) > 40
    edges = {(component(i.source), component(i.target)) for i in g.imports}
    assert {("pipeline", "store"), ("pipeline", "parse"), ("api", "pipeline"), ("store", "model")} <= edges, edges
    return g


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n  " + "\n  ".join(_describe_cycle(graph, c) for c in found)


def test_no_upward_or_sideways_imports(graph):
    bad = layering_violations(graph)
    assert not bad, f"{len(bad)} import(s) against the layers:\n  " + "\n  ".join(bad)


def test_imports_inside_functions_say_why(graph):
    bad = [f"{p.relative_to(SRC)}:{line}: {code}" for p, line, code in graph.inner]
    assert not bad, (f"{len(bad)} import(s) inside functions without a comment giving the reason (a measured "
                     "start-up cost) on the line or the line above:\n  " + "\n  ".join(bad))


# ---- the checker itself finds what it must find -------------------------------------------------------------------

def _package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / "podium" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_cycles_upward_and_sideways_imports_and_silent_inner_imports(tmp_path):
    src = _package(tmp_path, {
        "__init__.py": "from .api import Podium\n__version__ = '1'\n",
        "errors.py": "",
        "model.py": "from .errors import *\n",
        "api.py": "from .pipeline import run\nPodium = 1\n",
        "pipeline.py": "from .store import Store\nfrom . import parse\ndef run():\n    pass\n",
        "parse/__init__.py": "from ._common import x\n",
        "parse/_common.py": "from . import outlets\nx = 1\n",  # the sibling submodule, not the package: no cycle
        "parse/outlets.py": "",
        "store/__init__.py": "from .sqlite import Store\n",
        "store/sqlite.py": ("from ..model import *\nStore = 1\n"
                            "def f():\n    from .analytics import g\n"),  # closes a cycle, silently
        "store/analytics.py": "from .sqlite import Store\ndef g():\n    pass\n",
        "sources/http.py": ("from podium import __version__\n"  # upward: the package root
                            "from ..parse._common import x\n"  # sideways: a sibling's private module
                            "def f():\n    # pandas costs a third of a second at start-up\n"
                            "    import pandas\n    import numpy\n"
                            "def g():\n    import json  # noqa: F401\n"),
        "sources/__init__.py": "",
        "analysis/__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..pipeline import run\n",
    })
    g = build_graph(src)
    assert cycles(g) == [["podium.store.analytics", "podium.store.sqlite"]]
    bad = layering_violations(g)
    assert [b.split(" (")[0] for b in bad] == [
        "upward: podium.analysis -> podium.pipeline",  # TYPE_CHECKING imports still count for the layers
        "upward: podium.sources.http -> podium",
        "sideways: podium.sources.http -> podium.parse._common",
    ]
    assert "(podium/sources/http.py:1)" in bad[1]
    assert [(p.name, line) for p, line, _ in g.inner] == [("http.py", 8), ("sqlite.py", 4)]
