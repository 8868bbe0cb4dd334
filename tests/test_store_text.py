"""Issue 20 §1: a store file poisoned by an earlier version loads and saves again.

Earlier versions accepted an unpaired UTF-16 surrogate or NUL from a signed
body; such text in the gridX store made every later save fail (and, in a
device name, every save of ``core.device_registry``). What is restored is
checked like what arrives: a bad id skips its resource (or seen id, or
tombstone), a bad field or state value is skipped, the rest loads.
"""

from datetime import UTC, datetime
import json
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.state.persistence import STORAGE_VERSION
from custom_components.gridx.state.resource_model import Stamped, StateKey

from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    at,
    ev_data,
    event,
    get_device,
)

BAD_APPLIANCE = "bad-\ud800-appliance"


def _poisoned(now: datetime) -> dict[str, Any]:
    """Return a version-2 store file with bad text in every place it can be."""
    stamp = now.isoformat()
    base = int(now.timestamp())
    return {
        "resources": [
            {"kind": "gateway", "id": GATEWAY_ID, "name": "My\x00gridBox"},
            {
                "kind": "appliance",
                "id": APPLIANCE_ID,
                "gateway_id": GATEWAY_ID,
                "name": "Roof inverter",
                "model": "X\udc00",
                "states": {
                    "connected": [True, stamp],
                    "inverter": [{"status": "ok\x00"}, stamp],
                },
            },
            {"kind": "appliance", "id": BAD_APPLIANCE, "gateway_id": GATEWAY_ID},
            {
                "kind": "ev",
                "id": ASSET_ID,
                "gateway_id": GATEWAY_ID,
                "states": {"plugged": [True, stamp]},
            },
        ],
        "seen": {
            "ids": "seen-1\nseen-\ud800\nseen-3",
            "received_base": base,
            "received": "0,0,0",
            "time_base": base * 1000,
            "time": "0,0,0",
            "horizon": None,
            "other": [["line\nbreak", base, base * 1000], ["nul\x00", base, 0]],
        },
        "tombstones": {"gone-\x00": stamp, "gone-ok": stamp},
    }


async def test_poisoned_store_loads_and_both_files_save(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """Bad text is skipped; the store and the device registry save afterwards."""
    key = f"{DOMAIN}.{mock_config_entry.entry_id}"
    hass_storage[key] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": key,
        "data": _poisoned(dt_util.utcnow()),
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    store = mock_config_entry.runtime_data.store

    gateway = store.get(ResourceKind.GATEWAY, GATEWAY_ID)
    assert gateway is not None
    assert gateway.name is None
    appliance = store.get(ResourceKind.APPLIANCE, APPLIANCE_ID)
    assert appliance is not None
    assert (appliance.name, appliance.model) == ("Roof inverter", None)
    assert set(appliance.states) == {StateKey.CONNECTED}
    assert store.get(ResourceKind.APPLIANCE, BAD_APPLIANCE) is None
    assert store.value(ResourceKind.EV, ASSET_ID, StateKey.PLUGGED) is True
    assert store.seen_count == 3  # seen-1, seen-3, "line\nbreak"
    gateway_device = get_device(hass, GATEWAY_ID)
    assert gateway_device is not None
    assert gateway_device.name == "gridBox"

    # A new event changes both files; both are written.
    plugged = event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(1))
    store.async_handle_event(parse_event_dict(plugged))
    dr.async_get(hass).async_update_device(gateway_device.id, name_by_user="Cellar")
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()

    saved = hass_storage[key]["data"]
    assert plugged["id"] in saved["seen"]["ids"].split("\n")
    assert set(saved["tombstones"]) == {"gone-ok"}
    assert "\\u0000" not in json.dumps(saved)
    assert "\\ud8" not in json.dumps(saved)
    registry = hass_storage["core.device_registry"]["data"]["devices"]
    assert "Cellar" in [device["name_by_user"] for device in registry]


@pytest.mark.parametrize(
    ("data", "restored"),
    [
        ({"value": "fine", "time": "2026-01-01T00:00:00+00:00"}, True),
        ({"value": "nul\x00", "time": "2026-01-01T00:00:00+00:00"}, False),
        ({"value": {"status": "\ud800"}, "time": "2026-01-01T00:00:00+00:00"}, False),
    ],
)
def test_restore_data_with_bad_text(data: dict[str, Any], restored: bool) -> None:
    """An entity's restore data holding bad text seeds nothing."""
    stamped = Stamped.from_dict(data)
    assert (stamped is not None) is restored
    if stamped is not None:
        assert stamped.time == datetime(2026, 1, 1, tzinfo=UTC)


def test_seen_pairs_of_version_1_with_bad_text() -> None:
    """Version-1 seen pairs drop a bad id too."""
    from custom_components.gridx.state.seen import SeenIds

    seen = SeenIds()
    now = dt_util.utcnow()
    seen.load([["ok", now.isoformat()], ["bad\x00", now.isoformat()]], now)
    assert len(seen) == 1
