"""Checks of the translation files: Home Assistant loads them as they are."""

import json
from pathlib import Path
import re
from typing import Any

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
