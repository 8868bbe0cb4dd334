"""The options flow's event types: translated labels grouped by device."""

import json
from pathlib import Path

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import SelectSelector
import pytest

from custom_components.gridx.api.event_types import SUBSCRIBABLE_EVENT_TYPES
from custom_components.gridx.const import CONF_EVENT_TYPES, DEFAULT_EVENT_TYPES
from custom_components.gridx.flow.options import (
    EVENT_TYPE_OPTIONS,
    event_types_of,
    options_of,
)

from .test_config_flow import flow_entry, ha_client, no_setup  # noqa: F401 - fixtures

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gridx"


def test_every_subscribable_type_is_an_option() -> None:
    """Each type gridX can send has one option, and nothing else does."""
    assert set(EVENT_TYPE_OPTIONS) == set(SUBSCRIBABLE_EVENT_TYPES)
    assert len(set(EVENT_TYPE_OPTIONS.values())) == len(EVENT_TYPE_OPTIONS)


@pytest.mark.parametrize(
    "name", ["strings.json", "translations/en.json", "translations/de.json"]
)
def test_labels_grouped_by_device(name: str) -> None:
    """Every option has a label; labels name their device first, in groups."""
    labels = json.loads((COMPONENT / name).read_text(encoding="utf-8"))["selector"][
        "event_types"
    ]["options"]
    assert list(labels) == list(EVENT_TYPE_OPTIONS.values())
    groups = [label.split(":", 1)[0] for label in labels.values()]
    # Each device's options are together: a group never comes back later.
    assert groups == sorted(groups, key=groups.index)
    assert len(dict.fromkeys(groups)) == 4  # gridBox, appliance, inverter, vehicle
    assert not any("/" in label for label in labels.values())  # no raw gridX names


def test_round_trip() -> None:
    """Stored gridX types become option keys and back, in gridX's order."""
    assert event_types_of(options_of(list(DEFAULT_EVENT_TYPES))) == list(
        DEFAULT_EVENT_TYPES
    )
    assert options_of(["ev/plugged", "no/such-type"]) == ["ev_plugged"]
    assert event_types_of(["ev_plugged", "gateway_online"]) == [
        "gateway/online",
        "ev/plugged",
    ]


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_form_uses_translated_selector(
    hass: HomeAssistant,
    flow_entry: ConfigEntry,  # noqa: F811
) -> None:
    """The form offers the keys with the selector's translation key."""
    result = await hass.config_entries.options.async_init(flow_entry.entry_id)
    schema = result["data_schema"].schema
    key = next(k for k in schema if k == CONF_EVENT_TYPES)
    selector = schema[key]
    assert isinstance(selector, SelectSelector)
    assert selector.config["translation_key"] == CONF_EVENT_TYPES
    assert selector.config["multiple"] is True
    assert selector.config["options"] == list(EVENT_TYPE_OPTIONS.values())
