"""Fixtures of the end-to-end tests: one real stack per test module."""

from collections.abc import Iterator
from pathlib import Path
import shutil
from typing import Any

import pytest

from .harness import Stack


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """Options of the module's `Stack` (a module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, stack_options: dict[str, Any]
) -> Iterator[Stack]:
    """A started Home Assistant plus emulator; logs are kept on failure."""
    workdir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack(workdir, **stack_options)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        keep = Path(__file__).parents[1] / ".e2e-logs"
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir()
        for name in ("config/home-assistant.log", "emulator.log", "hass.out"):
            if (workdir / name).exists():
                shutil.copy(workdir / name, keep / Path(name).name)
