"""The emulator's modules import each other one way only (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "gridx_emulator"


def _imports(path: Path) -> set[str]:
    """Sibling modules that ``path`` imports, relative imports only.

    Type-checking-only imports count: they are a cycle too, just hidden.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_no_import_cycles() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    assert "emulator" not in graph["app"]
    assert "app" in graph["emulator"]

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, set()):
            if nxt == target or (
                nxt not in seen and reaches(nxt, target, seen | {nxt})
            ):
                return True
        return False

    cycles = [m for m in graph if m != "__init__" and reaches(m, m, {m})]
    assert cycles == []
