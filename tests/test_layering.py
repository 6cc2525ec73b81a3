"""The layering of qarnot_async: resources import no client, no module reaches into
another object's private members, and the package has no import cycle at run time.

Read from the source (ast), so the check does not depend on what happens to be
imported already.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qarnot_async"
# Every module but the emulator's (a separate server that speaks wire JSON).
MINE = sorted(p for p in PACKAGE.rglob("*.py") if "emulator" not in p.parts)


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
                    # ``from . import _waiter`` runs while the package itself is being
                    # initialised: it needs the submodule, not the package's end.
                    if node.module is not None or node.level == 0:
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


def _own_private_names(tree: ast.Module) -> set[str]:
    """The underscore names a module defines itself: its functions, class attributes
    and the ``self._x`` it assigns. Using those on any object of the module's own
    classes is the module's business."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_")}


def _is_sunder(name: str) -> bool:
    # Enum's documented ``_name_``/``_value_``/``_value2member_map_`` are public API.
    return name.startswith("_") and name.endswith("_") and not name.startswith("__")


def test_no_private_member_of_another_module() -> None:
    """No module reaches into an underscore member that another module defines."""
    offenders = []
    for path in MINE:
        tree = ast.parse(path.read_text())
        own = _own_private_names(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not _is_sunder(node.attr)
                and node.attr not in own
                # A subclass using its base's protected members through self is fine.
                and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []
