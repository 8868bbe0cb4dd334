"""What the current release wrote loads unchanged (issue 17: no user-visible change).

`tests/fixtures/release/` holds the storage of a Home Assistant that ran the
release before the layout change (commit e3af1e7): the entry's gridX store
(``gridx.<entry_id>``), the entity and device registries, the restore
states and the repair issues, after a setup poll of the demo gateway and
inverter and four pushed events (EV plugged and measured, inverter status,
consumption limit). The config entry is as the flow stored it. One change is on purpose (issue
20 §4): the EV's location is a sensor now, migrated in place.

A fresh ``hass`` loads those files as its own storage (the registries from
``hass_storage``, as at a real start), sets the entry up with an empty poll
and must show the same entity ids, unique ids, device identifiers and states,
and keep the stored resources as they were. The clock stands just after the
release's last write, so nothing ages out in between (seen ids, times).
"""

from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    category_registry as cr,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
    issue_registry as ir,
    label_registry as lr,
    restore_state as rs,
)
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.gridx.const import DOMAIN

RELEASE = Path(__file__).parent / "fixtures" / "release"
ENTRY: dict[str, Any] = json.loads((RELEASE / "config_entry.json").read_text())
STORE_KEY = f"{DOMAIN}.{ENTRY['entry_id']}"
STORAGE_KEYS = (
    STORE_KEY,
    "core.device_registry",
    "core.entity_registry",
    "core.restore_state",
    "repairs.issue_registry",
)
# Issue 20 §4, after the release: the EV's location binary sensor became an
# enum sensor; minor version 3 replaces it (same object id), on -> "home".
OLD_LOCATION = "binary_sensor.electric_vehicle_9876_location"
NEW_LOCATION = "sensor.electric_vehicle_9876_location"


def _after_location_change(entity_id: str, unique_id: str) -> tuple[str, str]:
    if entity_id != OLD_LOCATION:
        return entity_id, unique_id
    return NEW_LOCATION, unique_id.removesuffix("_ev_at_home") + "_ev_location"


# Just after the release's last write (its events are stamped up to 22:40).
NOW = datetime.fromisoformat("2026-12-07T22:45:00+00:00")


def release_file(key: str) -> dict[str, Any]:
    """Return one storage file the release wrote."""
    data: dict[str, Any] = json.loads((RELEASE / f"{key}.json").read_text())
    return data


@pytest.fixture
def release_entry() -> MockConfigEntry:
    """Return the config entry as the release stored it."""
    return MockConfigEntry(
        domain=ENTRY["domain"],
        entry_id=ENTRY["entry_id"],
        title=ENTRY["title"],
        version=ENTRY["version"],
        minor_version=ENTRY["minor_version"],
        unique_id=ENTRY["unique_id"],
        data=ENTRY["data"],
        options=ENTRY["options"],
    )


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> None:
    """Stand the clock just after the release's last write."""
    freezer.move_to(NOW)


def _readable(key: str, registry_version: int) -> bool:
    return release_file(key)["version"] <= registry_version


@pytest.mark.skipif(
    not _readable("core.device_registry", dr.STORAGE_VERSION_MAJOR),
    reason=(
        "the fixtures' registries were written by Home Assistant 2026.10; an "
        "older one cannot read them (device registry storage version 3)"
    ),
)
@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("load_registries", [False])
async def test_release_storage_loads_unchanged(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    release_entry: MockConfigEntry,
) -> None:
    """Entity ids, unique ids, devices, states and the store come back as written."""
    for key in STORAGE_KEYS:
        hass_storage[key] = release_file(key)
    # What a real start loads from storage before any integration.
    await ar.async_load(hass)
    await cr.async_load(hass)
    dr.async_setup(hass)
    await dr.async_load(hass)
    await er.async_load(hass)
    await fr.async_load(hass)
    await ir.async_load(hass)
    await lr.async_load(hass)
    await rs.async_load(hass)

    release_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(release_entry.entry_id)
    await hass.async_block_till_done()

    written_entities = release_file("core.entity_registry")["data"]["entities"]
    entities = er.async_entries_for_config_entry(
        er.async_get(hass), release_entry.entry_id
    )
    assert {(e.entity_id, e.unique_id, e.platform) for e in entities} == {
        (*_after_location_change(e["entity_id"], e["unique_id"]), e["platform"])
        for e in written_entities
    }

    written_devices = release_file("core.device_registry")["data"]["devices"]
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), release_entry.entry_id
    )
    assert sorted(sorted(d.identifiers) for d in devices) == sorted(
        sorted(tuple(i) for i in d["identifiers"]) for d in written_devices
    )

    expected = json.loads((RELEASE / "expected_states.json").read_text())
    assert expected.pop(OLD_LOCATION) == "on"
    expected[NEW_LOCATION] = "home"
    states = {e.entity_id: hass.states.get(e.entity_id) for e in entities}
    assert {
        entity_id: state.state for entity_id, state in states.items() if state
    } == expected

    # The store keeps what it loaded: the same resources, states and seen ids.
    await release_entry.runtime_data.store.async_save()
    saved = hass_storage[STORE_KEY]
    written = release_file(STORE_KEY)
    assert saved["version"] == written["version"]
    assert saved["data"]["resources"] == written["data"]["resources"]
    assert saved["data"]["tombstones"] == written["data"]["tombstones"]
    assert saved["data"]["seen"]["ids"] == written["data"]["seen"]["ids"]

    # Removing the old location entity scheduled Home Assistant's device
    # registry cleanup (a debouncer): let it run, then its cooldown end, as a
    # running instance would (the clock stands still here).
    for _ in range(2):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
        await hass.async_block_till_done()
