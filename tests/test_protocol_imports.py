"""The protocol package (custom_components/gridx/api) must not use Home Assistant.

Checked on the source with ``ast``, so an import hidden in a function or
under ``if TYPE_CHECKING:`` is found too, and a mention in a string or
comment is not.
"""

import ast
from pathlib import Path

import pytest

API_DIR = Path(__file__).parent.parent / "custom_components" / "gridx" / "api"
API_PACKAGE = "custom_components.gridx.api"
FORBIDDEN_ROOTS = ("homeassistant",)


def _package_of(path: Path) -> str:
    """Return the dotted package a module file belongs to."""
    relative = path.relative_to(API_DIR).parent
    return ".".join((API_PACKAGE, *relative.parts))


def forbidden_imports(source: str, package: str = API_PACKAGE) -> list[str]:
    """Return the imported modules in ``source`` that leave the protocol layer.

    That is anything under ``homeassistant``, and any relative or absolute
    import of ``custom_components.gridx`` outside the ``api`` package (the
    integration around it imports Home Assistant).
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level > len(parts):
                    found.append("." * node.level + (node.module or ""))
                    continue
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            modules = [module]
            if module in ("custom_components", "custom_components.gridx"):
                # `from custom_components.gridx import api` imports a name
                # that may be a module: judge the full dotted names.
                modules = [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                modules = [arg.value]
        found.extend(m for m in modules if _leaves_protocol(m))
    return found


def _is_dynamic_import(node: ast.Call) -> bool:
    """Return True for ``__import__(...)`` and ``importlib.import_module(...)``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _leaves_protocol(module: str) -> bool:
    root = module.split(".", 1)[0]
    if root in FORBIDDEN_ROOTS:
        return True
    if module == "custom_components" or module.startswith("custom_components."):
        return not (module == API_PACKAGE or module.startswith(API_PACKAGE + "."))
    return False


def _modules() -> list[Path]:
    return sorted(API_DIR.rglob("*.py"))


def test_api_modules_found() -> None:
    """The check really looks at the protocol modules."""
    names = {path.name for path in _modules()}
    assert {
        "__init__.py",
        "errors.py",
        "event_types.py",
        "models.py",
        "signature.py",
    } <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(API_DIR)))
def test_no_home_assistant_imports(path: Path) -> None:
    """No module under api/ imports Home Assistant or the integration."""
    source = path.read_text(encoding="utf-8")
    assert forbidden_imports(source, _package_of(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        "import homeassistant",
        "import homeassistant.core as ha",
        "import json, homeassistant.const",
        "from homeassistant.core import HomeAssistant",
        "from homeassistant import config_entries",
        "def f():\n    from homeassistant.util import dt as dt_util\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import homeassistant\n",
        "try:\n    import homeassistant\nexcept ImportError:\n    pass\n",
        "from .. import const",
        "from ..bus import async_fire_gridx_event",
        "from ... import something",
        "from .... import beyond",
        "from custom_components.gridx import const",
        "from custom_components.gridx.push.endpoint import handler",
        "import custom_components.gridx.const",
        "__import__('homeassistant.core')",
        "import importlib\nimportlib.import_module('homeassistant')",
        "from importlib import import_module\nimport_module('homeassistant.const')",
    ],
)
def test_checker_catches(source: str) -> None:
    """The checker reports imports that leave the protocol layer."""
    assert forbidden_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import json",
        "from . import errors",
        "from .errors import GridxParseError",
        "from .models import parse_event",
        "from custom_components.gridx.api import models",
        "from custom_components.gridx import api",
        "import custom_components.gridx.api.signature",
        "import homeassistant_like_name",
        "x = 'import homeassistant'  # from homeassistant import core",
        "__import__('json')",
        "importlib.import_module(name)",
        "print('homeassistant')",
    ],
)
def test_checker_allows(source: str) -> None:
    """Standard-library and intra-package imports are fine."""
    assert forbidden_imports(source) == []


def test_relative_imports_resolve_by_package() -> None:
    """`..` is judged relative to the module's own package."""
    assert forbidden_imports("from .. import x", f"{API_PACKAGE}.sub") == []
    assert forbidden_imports("from ... import x", f"{API_PACKAGE}.sub") != []
