"""The store's one way in (issue 17): nothing outside ``state/`` goes around it.

An `ast` walk over ``custom_components/gridx``: entities, platforms and the
other sub-packages subscribe through ``GridxStore.async_subscribe`` only; no
module outside ``state/`` reads an attribute named ``dispatcher`` (or
``_dispatcher``) nor imports the registries of `state.dispatch`.
"""

import ast
from pathlib import Path
from typing import Final

import pytest

PACKAGE: Final = Path(__file__).parents[1] / "custom_components" / "gridx"
STATE: Final = PACKAGE / "state"
# The registries behind the store: only state/ may name them.
INTERNAL: Final = frozenset({"GridxDispatcher", "KeyedListeners", "ChangeSet"})


def outside_state() -> list[Path]:
    """Return the integration's modules outside ``state/``."""
    return sorted(
        path for path in PACKAGE.rglob("*.py") if not path.is_relative_to(STATE)
    )


def reach_ins(source: str) -> list[str]:
    """Return how a module's source goes around the store, one line each."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.lstrip("_") == "dispatcher":
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            found.extend(
                f"{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name in INTERNAL
            )
    return sorted(found)


def test_the_check_finds_a_reach_in() -> None:
    """The walk sees the ways around the store that it forbids."""
    source = (
        "from .state.dispatch import GridxDispatcher, Topic\n"
        "store.dispatcher.state.async_listen(key, cb)\n"
        "self._store._dispatcher.calls\n"
        "store.async_subscribe(cb, key, Topic.STATE)\n"
    )
    assert reach_ins(source) == [
        "1: import GridxDispatcher",
        "2: .dispatcher",
        "3: ._dispatcher",
    ]


@pytest.mark.parametrize(
    "path", outside_state(), ids=lambda path: str(path.relative_to(PACKAGE))
)
def test_no_module_outside_state_touches_the_dispatcher(path: Path) -> None:
    """Entities and platforms subscribe through the store, never around it."""
    assert reach_ins(path.read_text(encoding="utf-8")) == []
