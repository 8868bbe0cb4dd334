"""Checks of the translation files: Home Assistant loads them as they are."""

import json
from pathlib import Path
import re
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.const import DOMAIN

from .test_config_flow import start_token_flow

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gridx"
TRANSLATION_FILES = ("strings.json", "translations/en.json", "translations/de.json")
# What hassfest counts as a URL in a translation string.
URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
    for name in TRANSLATION_FILES:
        assert not re.search(
            r"\[%key:", (COMPONENT / name).read_text(encoding="utf-8")
        ), name


@pytest.mark.parametrize("name", TRANSLATION_FILES)
def test_fixable_issues_keep_their_text_in_the_flow(name: str) -> None:
    """An issue with a fix_flow has no description (hassfest: mutually exclusive).

    The repairs dialog shows the fix flow's first step; its text lives there.
    """
    for key, issue in _load(name)["issues"].items():
        if "fix_flow" in issue:
            assert "description" not in issue, key
            assert issue["fix_flow"]["step"]["confirm"]["description"], key


def test_german_is_complete() -> None:
    """Every English string has a German one, and no German string is extra."""
    assert _keys(_load("translations/de.json")) == _keys(_load("strings.json"))


def _icons(tree: Any) -> set[str]:
    if isinstance(tree, dict):
        return {icon for sub in tree.values() for icon in _icons(sub)}
    return {tree} if isinstance(tree, str) and tree.startswith("mdi:") else set()


def test_icons_exist_in_the_frontend() -> None:
    """Every icon in icons.json is one the frontend ships."""
    hass_frontend = pytest.importorskip("hass_frontend")
    icon_list = Path(hass_frontend.__file__).parent / "static" / "mdi" / "iconList.json"
    shipped = {f"mdi:{icon['name']}" for icon in json.loads(icon_list.read_text())}
    used = _icons(_load("icons.json"))
    assert len(used) > 20
    assert used - shipped == set()


def _strings(tree: Any, path: str = "") -> list[tuple[str, str]]:
    """Return every (dotted path, string) of a translation tree."""
    if isinstance(tree, dict):
        return [
            item
            for key, sub in tree.items()
            for item in _strings(sub, f"{path}.{key}" if path else key)
        ]
    return [(path, tree)] if isinstance(tree, str) else []


@pytest.mark.parametrize("name", TRANSLATION_FILES)
def test_no_urls_in_strings(name: str) -> None:
    """No translation string holds a URL (hassfest rejects them): placeholders do."""
    strings = _strings(_load(name))
    assert len(strings) > 50
    assert [(path, text) for path, text in strings if URL.search(text)] == []


def test_url_pattern() -> None:
    """The pattern above finds what hassfest rejects, and not placeholders."""
    assert URL.search("such as https://api.gridx.de.")
    assert URL.search("see www.gridx.de")
    assert not URL.search("such as {default_api_base}, or /config/network")


def _placeholders(tree: Any) -> set[str]:
    return {name for _, text in _strings(tree) for name in PLACEHOLDER.findall(text)}


async def test_flow_forms_fill_every_placeholder(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The token, portal and reconfigure forms pass every placeholder they use.

    That covers the URLs taken out of the strings (the form's errors, such as
    invalid_api_base, are formatted with the same placeholders).
    """
    config = _load("strings.json")["config"]
    errors = _placeholders(config["error"])
    assert "default_api_base" in errors

    result = await start_token_flow(hass)
    assert result["type"] is FlowResultType.FORM
    used = _placeholders(config["step"]["token"]) | errors
    assert used <= set(result["description_placeholders"] or {})
    assert result["description_placeholders"]["default_api_base"] == (
        "https://api.gridx.de"
    )

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "portal"}
    )
    assert result["type"] is FlowResultType.FORM
    used = _placeholders(config["step"]["portal"]) | errors
    assert used <= set(result["description_placeholders"] or {})

    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    used = _placeholders(config["step"]["reconfigure"]) | errors
    assert used <= set(result["description_placeholders"] or {})
