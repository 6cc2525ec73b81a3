"""The layering of qarnot_async/resources: it imports no client, no module reaches into
another object's private members, and the package has no import cycle at run time.

Read from the source (ast), so the check does not depend on what happens to be
imported already.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "qarnot_async"
MINE = [*sorted((PACKAGE / "resources").glob("*.py")), PACKAGE / "pagination.py"]
MINE += [PACKAGE / "filters.py", PACKAGE / "cli.py", PACKAGE / "_demo.py"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """The package modules ``path`` imports when it is imported (not under
    TYPE_CHECKING, not inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
                if node.level == 0:
                    module = node.module or ""
                if module.startswith("qarnot_async"):
                    found.add(module)
                    found.update(f"{module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("qarnot_async"))
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)

    visit(ast.parse(path.read_text()).body)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "emulator" not in p.parts}
    return {name: _runtime_imports(path) & modules.keys() for name, path in modules.items()}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_resources_never_import_the_client() -> None:
    graph = _graph()
    resources = [m for m in graph if m.startswith("qarnot_async.resources")]
    assert len(resources) > 5
    for module in resources:
        reached = _reachable(graph, module)
        assert "qarnot_async._client" not in reached, module
        assert "qarnot_async.cli" not in reached, module


def test_no_import_cycle() -> None:
    graph = _graph()
    for module in graph:
        assert module not in _reachable(graph, module), f"{module} imports itself back"


def test_no_private_member_of_another_object() -> None:
    """``self._x`` and ``cls._x`` only: another object's internals stay its own."""
    offenders = []
    for path in MINE:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
            ):
                offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []
