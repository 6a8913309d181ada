"""The shape of the code a newcomer relies on, read from the source (no Django needed).

- No import cycles among the modules of policy/ and indicators/, counting every import,
  function-local ones too (migrations aside; a package's __init__ re-exporting its children is
  not a cycle). ../shared/tools/import_cycles.py counts the same way.
- A function-local import says why it is local: a comment on its line or above it in the
  function (an optional dependency, a heavy library only some processes load).
- The briefing slice (policy/briefings/) depends one way: outside it, only the modules that
  assemble the site, the overview page ("changed since the last briefing"), the system page
  (the last failed briefings) and the benchmark (it times a briefing) import it.
- So does the analytics slice (indicators/analytics/): outside it, only the modules that
  assemble the site and the briefing slice (its compute–power section) import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("policy", "indicators")
SLICE = "policy.briefings"
ALLOWED = {
    "policy.urls",
    "policy.api",
    "policy.views.overview",
    "policy.views.system",
    "policy.benchmark.measure",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules an import statement names (the longest known prefix of each)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")
            keep = len(parts) - node.level + (MODULES[module].name == "__init__.py")
            base = ".".join([*parts[:keep], *([base] if base else [])])
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    hits = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module and not module.startswith(name + "."):
            hits.add(name)
    return hits


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}
GRAPH = {
    name: set().union(*map(lambda n: _imported(name, n), _imports(tree)))
    for name, tree in TREES.items()
}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_there_are_no_import_cycles() -> None:
    assert len(MODULES) > 100
    assert _cycles() == []


def _local_imports_without_a_reason() -> list[str]:
    offenders = []
    for name, tree in TREES.items():
        lines = MODULES[name].read_text(encoding="utf-8").splitlines()
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in _imports(func):
                above = lines[func.lineno : node.lineno]  # the body up to and with the import
                if not any("#" in line for line in above):
                    offenders.append(f"{name}:{node.lineno}")
    return sorted(set(offenders))


def test_every_function_local_import_says_why() -> None:
    assert _local_imports_without_a_reason() == []


def test_the_briefing_slice_depends_one_way() -> None:
    inside = {m for m in MODULES if m == SLICE or m.startswith(SLICE + ".")}
    assert len(inside) > 10
    users = sorted(m for m in MODULES if m not in inside and GRAPH[m] & inside)
    assert set(users) <= ALLOWED, users


ANALYTICS = "indicators.analytics"
ANALYTICS_USERS = {
    "policy.urls",
    "policy.api",
    "policy.briefings.selectors",
    "policy.briefings.content",
    "policy.briefings.render",
}


def test_the_analytics_slice_depends_one_way() -> None:
    inside = {m for m in MODULES if m == ANALYTICS or m.startswith(ANALYTICS + ".")}
    assert len(inside) > 8
    users = sorted(m for m in MODULES if m not in inside and GRAPH[m] & inside)
    assert set(users) <= ANALYTICS_USERS, users
