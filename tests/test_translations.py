"""Checks of the translation files: Home Assistant loads them as they are."""

import json
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.gridx.logbook import DEFAULT_ICON, ICONS

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gridx"


def _load(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((COMPONENT / name).read_text(encoding="utf-8"))
    return result


def _keys(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    return {k for key, sub in tree.items() for k in _keys(sub, f"{prefix}/{key}")}


def test_english_equals_strings() -> None:
    """translations/en.json is strings.json, since custom integrations load en.json."""
    assert _load("translations/en.json") == _load("strings.json")


def test_no_references() -> None:
    """Custom integrations get no [%key:...] expansion at runtime."""
    for name in ("strings.json", "translations/en.json", "translations/de.json"):
        assert not re.search(
            r"\[%key:", (COMPONENT / name).read_text(encoding="utf-8")
        ), name


def test_german_is_complete() -> None:
    """Every English string has a German one, and no German string is extra."""
    assert _keys(_load("translations/de.json")) == _keys(_load("strings.json"))


def _icons(tree: Any) -> set[str]:
    if isinstance(tree, dict):
        return {icon for sub in tree.values() for icon in _icons(sub)}
    return {tree} if isinstance(tree, str) and tree.startswith("mdi:") else set()


def test_icons_exist_in_the_frontend() -> None:
    """Every icon in icons.json and logbook.py is one the frontend ships."""
    hass_frontend = pytest.importorskip("hass_frontend")
    icon_list = Path(hass_frontend.__file__).parent / "static" / "mdi" / "iconList.json"
    shipped = {f"mdi:{icon['name']}" for icon in json.loads(icon_list.read_text())}
    used = _icons(_load("icons.json")) | {DEFAULT_ICON, *ICONS.values()}
    assert len(used) > 20
    assert used - shipped == set()
