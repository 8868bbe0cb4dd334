"""An `ast` check: the integration uses only what Home Assistant documents.

Home Assistant's developer docs name what an integration may use: the
``hass`` object's documented members, the registry helpers
(``er.async_entries_for_config_entry``, ``async_get`` ...), the entity
classes (``RestoreEntity.async_get_last_state`` / ``async_get_last_extra_data``)
and ``hass.data`` under the integration's own keys. Anything else may change
in any release without notice: ``restore_state.async_get(hass).last_states``
did in 2026.11 (split into ``last_states_by_entity_id`` and
``last_states_by_entity_registry_id``) and broke this integration's setup.

`violations` reports, per file and line:

- a private attribute (``x._name``) of anything but ``self``/``cls``: the
  private members of ``hass``, the registries, ``restore_state``, entries ...;
- an attribute in `UNDOCUMENTED` (the restore cache, registry internals);
- a member of ``hass`` or ``hass.config`` outside `HASS_MEMBERS` /
  `HASS_CONFIG_MEMBERS` (the documented ones this project has reason to use;
  add one here only with the page of the developer docs that names it);
- ``hass.data`` read or written under anything but a `HassKey` this package
  defines with its domain as prefix (another integration's data is private);
- an import of a private Home Assistant name, or of the restore cache
  (``restore_state`` itself, ``async_get``, ``RestoreStateData``,
  ``StoredState``): only ``RestoreEntity`` and ``ExtraStoredData`` are API.

Run it over another checkout with
``python -m tests.private_api PATH/custom_components/gridx``.
"""

import ast
from collections.abc import Iterator
from pathlib import Path
import sys
from typing import Final

PACKAGE: Final = Path(__file__).parents[1] / "custom_components" / "gridx"

UNDOCUMENTED: Final = frozenset(
    {
        # RestoreStateData (restore_state.async_get(hass)): the cache itself.
        "last_states",
        "last_states_by_entity_id",
        "last_states_by_entity_registry_id",
        # Registry containers; the documented access is async_get(...) and
        # async_entries_for_config_entry / async_entries_for_device.
        "deleted_devices",
        "deleted_entities",
    }
)
# Only checked on a registry object (er/dr/ir.async_get(...), or a name
# ending in "registry" or "_reg"): those containers are not API.
REGISTRY_CONTAINERS: Final = frozenset({"entities", "devices", "issues"})

HASS_MEMBERS: Final = frozenset(
    {
        "async_add_executor_job",
        "async_create_background_task",
        "async_create_task",
        "async_run_hass_job",
        "bus",
        "config",
        "config_entries",
        "data",
        "http",
        "loop",
        "services",
        "states",
    }
)
HASS_CONFIG_MEMBERS: Final = frozenset(
    {
        "components",
        "country",
        "currency",
        "external_url",
        "internal_url",
        "language",
        "latitude",
        "longitude",
        "path",
        "time_zone",
        "units",
    }
)
# Known uses, each in compat.py with the release range that needs it:
# (file, start of the message) -> why.
EXEMPT: Final = {
    ("compat.py", "registry.issues"): (
        "up to 2026.10 the only way to find an integration's issues;"
        " 2026.11 has ir.async_refresh_issues"
    ),
}
RESTORE_STATE_API: Final = frozenset({"ExtraStoredData", "RestoreEntity"})
DATA_METHODS: Final = frozenset({"get", "setdefault", "pop"})


def _is_hass(node: ast.expr) -> bool:
    """Return True for ``hass`` or ``<anything>.hass``."""
    return (isinstance(node, ast.Name) and node.id == "hass") or (
        isinstance(node, ast.Attribute) and node.attr == "hass"
    )


def _is_hass_data(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute) and node.attr == "data" and _is_hass(node.value)
    )


def _is_registry(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        return (
            node.func.attr == "async_get"
            and isinstance(owner, ast.Name)
            and owner.id in {"er", "dr", "ir"}
        )
    name = node.id if isinstance(node, ast.Name) else None
    if isinstance(node, ast.Attribute):
        name = node.attr
    return name is not None and name.endswith(("registry", "_reg"))


def own_hass_keys(package: Path) -> set[str]:
    """Return the names bound to ``HassKey(f"{DOMAIN}...")`` in the package."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target: ast.expr | None = None
            if isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            else:
                continue
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "HassKey"
                and value.args
                and _domain_prefixed(value.args[0])
            ):
                names.add(target.id)
    return names


def _domain_prefixed(node: ast.expr) -> bool:
    """Return True for f"{DOMAIN}..." or a literal starting with "gridx"."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("gridx")
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return (
            isinstance(first, ast.FormattedValue)
            and isinstance(first.value, ast.Name)
            and first.value.id == "DOMAIN"
        )
    return False


def _check_tree(tree: ast.AST, keys: set[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            yield from _check_attribute(node)
        elif isinstance(node, ast.Subscript) and _is_hass_data(node.value):
            if not (isinstance(node.slice, ast.Name) and node.slice.id in keys):
                yield (
                    node.lineno,
                    "hass.data[...] under a key that is not this package's HassKey",
                )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DATA_METHODS
            and _is_hass_data(node.func.value)
        ):
            key = node.args[0] if node.args else None
            if not (isinstance(key, ast.Name) and key.id in keys):
                yield (
                    node.lineno,
                    f"hass.data.{node.func.attr}(...) under a key that is not this package's HassKey",
                )
        elif isinstance(node, ast.ImportFrom | ast.Import):
            yield from _check_import(node)


def _check_attribute(node: ast.Attribute) -> Iterator[tuple[int, str]]:
    name, owner = node.attr, node.value
    if name.startswith("_") and not name.startswith("__"):
        own = isinstance(owner, ast.Name) and owner.id in {"self", "cls"}
        own = own or (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "super"
        )
        if not own:
            yield node.lineno, f"private attribute .{name} of another object"
    if name in UNDOCUMENTED and not (
        isinstance(owner, ast.Name) and owner.id == "self"
    ):
        yield node.lineno, f".{name}: not Home Assistant API"
    if name in REGISTRY_CONTAINERS and _is_registry(owner):
        yield node.lineno, f"registry.{name}: use the registry's helpers"
    if _is_hass(owner) and name not in HASS_MEMBERS:
        yield node.lineno, f"hass.{name}: not a documented member of hass"
    if (
        isinstance(owner, ast.Attribute)
        and owner.attr == "config"
        and _is_hass(owner.value)
        and name not in HASS_CONFIG_MEMBERS
    ):
        yield node.lineno, f"hass.config.{name}: not a documented member"


def _check_import(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.startswith("homeassistant.") and (
                alias.name.endswith(".restore_state")
                or any(part.startswith("_") for part in alias.name.split("."))
            ):
                yield node.lineno, f"import {alias.name}: not Home Assistant API"
        return
    module = node.module or ""
    if not module.startswith("homeassistant"):
        return
    if any(part.startswith("_") for part in module.split(".")):
        yield node.lineno, f"from {module}: a private module"
    for alias in node.names:
        if alias.name.startswith("_"):
            yield node.lineno, f"{module}.{alias.name}: a private name"
        if module == "homeassistant.helpers" and alias.name == "restore_state":
            yield node.lineno, "restore_state: the restore cache is not API"
        if module == "homeassistant.helpers.restore_state" and (
            alias.name not in RESTORE_STATE_API
        ):
            yield node.lineno, f"restore_state.{alias.name}: not Home Assistant API"


def violations_in_source(
    source: str, keys: set[str], name: str = "<source>"
) -> list[str]:
    """Return ``name:line: message`` for each violation in ``source``."""
    return [
        f"{name}:{line}: {message}"
        for line, message in sorted(set(_check_tree(ast.parse(source), keys)))
    ]


def violations(package: Path = PACKAGE) -> list[str]:
    """Return every violation in the package's Python files."""
    keys = own_hass_keys(package)
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package))
        found += [
            violation
            for violation in violations_in_source(
                path.read_text(encoding="utf-8"), keys, name
            )
            if not any(
                file == name and violation.split(": ", 1)[1].startswith(start)
                for file, start in EXEMPT
            )
        ]
    return found


if __name__ == "__main__":
    result = violations(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE)
    print("\n".join(result) or "no private Home Assistant API used")  # noqa: T201
    sys.exit(1 if result else 0)
