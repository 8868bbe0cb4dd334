"""The package layout (issue 17): what imports what, read from the source.

An `ast` walk over ``custom_components/gridx`` builds the import graph of
the integration's modules, type-only imports (``if TYPE_CHECKING:``) and
imports inside functions included, since a reader sees them all. It must
show:

- at most `MAX_ROOT_MODULES` modules at the root, where Home Assistant looks
  (platforms, ``config_flow``, ``diagnostics`` ...); the rest lives in
  sub-packages by job, each saying in its docstring what it owns;
- no import circle among the modules;
- ``api/`` (the gridX protocol) imports nothing from the integration, is
  typed (``py.typed``) and names in its ``__all__`` everything the
  integration and the emulator import from it;
- ``state/`` imports nothing from ``push/`` (the push door hands deliveries
  to the store, one way) and, like ``api/``, is imported by the other
  sub-packages without importing them.
"""

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from custom_components.gridx import api

PACKAGE: Final = Path(__file__).parents[1] / "custom_components" / "gridx"
BASE: Final = "custom_components.gridx"
MAX_ROOT_MODULES: Final = 20
SUB_PACKAGES: Final = ("api", "ev", "flow", "live", "push", "registration", "state")

type Graph = dict[str, set[str]]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """Return the dotted name of a module of ``package`` (named as this one)."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([BASE, *parts])


def imported(name: str, path: Path, modules: set[str]) -> set[str]:
    """Return the package's modules that module ``name`` imports, at any depth."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in modules and c != name)
    return found


def import_graph(package: Path = PACKAGE) -> Graph:
    """Return, per module of the package, the package's modules it imports."""
    paths = {module_name(path, package): path for path in package.rglob("*.py")}
    return {name: imported(name, path, set(paths)) for name, path in paths.items()}


def circles(graph: Graph) -> list[set[str]]:
    """Return the import circles: strongly connected parts of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = {stack.pop()}
            while node not in part:
                part.add(stack.pop())
            if len(part) > 1:
                found.append(part)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def arrows(graph: Graph, source: str, target: str) -> Iterator[tuple[str, str]]:
    """Yield the imports from sub-package ``source`` into ``target``."""
    for name, targets in graph.items():
        if name.startswith(f"{BASE}.{source}."):
            for other in targets:
                if other == f"{BASE}.{target}" or other.startswith(f"{BASE}.{target}."):
                    yield name, other


def test_root_modules() -> None:
    """Home Assistant's files at the root, everything else in sub-packages."""
    root = sorted(path.stem for path in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root
    assert sorted(
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    ) == list(SUB_PACKAGES)


@pytest.mark.parametrize("package", SUB_PACKAGES)
def test_sub_package_says_what_it_owns(package: str) -> None:
    """Each sub-package's docstring says what it owns."""
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)


def test_no_import_circle() -> None:
    """No module imports itself through others, type-only imports included."""
    assert circles(import_graph()) == []


def test_api_imports_nothing_of_the_integration() -> None:
    """The protocol layer stands alone (it could be published as a library)."""
    graph = import_graph()
    outside = {
        (name, other)
        for name, targets in graph.items()
        if name.startswith(f"{BASE}.api")
        for other in targets
        if not other.startswith(f"{BASE}.api")
    }
    assert outside == set()


def names_imported_from_api(root: Path) -> set[str]:
    """Return the names modules under ``root`` (not api/ itself) import from api/."""
    names: set[str] = set()
    for path in root.rglob("*.py"):
        if PACKAGE / "api" in path.parents:
            continue
        parts = list(path.relative_to(PACKAGE.parents[1]).with_suffix("").parts)
        package = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if module.startswith(f"{BASE}.api"):
                names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("root", [PACKAGE, PACKAGE.parents[1] / "gridx_emulator"])
def test_api_public_surface(root: Path) -> None:
    """What the integration and the emulator import from api/ is in its __all__."""
    assert (PACKAGE / "api" / "py.typed").is_file()
    imported_names = names_imported_from_api(root)
    assert imported_names
    assert imported_names - set(api.__all__) == set()


@pytest.mark.parametrize("package", ["push", "registration", "live", "flow", "ev"])
def test_state_is_below_the_other_sub_packages(package: str) -> None:
    """``state/`` imports no other sub-package but the protocol."""
    assert list(arrows(import_graph(), "state", package)) == []


def test_checker_sees_circles_and_type_only_imports(tmp_path: Path) -> None:
    """The walk counts a type-only import and reports the circle it closes."""
    package = tmp_path / "gridx"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub.b import B\n")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import A\n"
    )
    assert circles(import_graph(package)) == [{f"{BASE}.a", f"{BASE}.sub.b"}]
