"""Unit tests of the gridX store: dedupe, staleness, restore data, lookups."""

from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.const import EVENT_GRIDX, ResourceKind
from custom_components.gridx.state.dispatch import Topic
from custom_components.gridx.state.resource_model import (
    GridxResource,
    Source,
    Stamped,
    StateKey,
    device_name,
)
from custom_components.gridx.state.store import GridxStore, async_remove_store

from .conftest import ACCOUNT_ID, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    SYSTEM_ID,
    appliance_data,
    at,
    ev_data,
    event,
    gateway_data,
    patch_poll,
)


@pytest.fixture
async def store(hass: HomeAssistant) -> GridxStore:
    """Return a loaded store of a (registered) config entry."""
    entry = MockConfigEntry(domain="gridx")
    entry.add_to_hass(hass)
    store = GridxStore(hass, entry.entry_id, ACCOUNT_ID)
    await store.async_load()
    return store


def handle(store: GridxStore, body: dict[str, Any]) -> None:
    """Run one parsed event through the pipeline."""
    store.async_handle_event(parse_event_dict(body))


def test_stamped_round_trip() -> None:
    """Restore data round-trips; malformed data gives None."""
    stamped = Stamped(True, at(1), Source.PUSH)
    restored = Stamped.from_dict(stamped.as_dict())
    assert restored == Stamped(True, at(1), Source.RESTORE)
    naive = Stamped.from_dict({"value": 1, "time": "2026-06-20T14:00:00"})
    assert naive is not None
    assert naive.time.tzinfo is not None
    assert Stamped.from_dict({"value": 1}) is None
    assert Stamped.from_dict({"time": at(1).isoformat()}) is None
    assert Stamped.from_dict({"value": 1, "time": "yesterday"}) is None


async def test_malformed_tombstones_are_skipped(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """A stored tombstone time is parsed like a state's; malformed ones are dropped."""
    store.catalogue.load(
        [],
        {"naive": "2026-06-20T14:00:00", "number": 5, "garbage": "yesterday"},
        at(10),
    )
    assert store.catalogue.tombstones == {
        "naive": datetime(2026, 6, 20, 14, tzinfo=UTC)
    }


def test_resource_storage() -> None:
    """The catalogue keeps device information and the stamped states."""
    resource = GridxResource(
        kind=ResourceKind.EV, id="x", legacy_station=True, info_time=at(1)
    )
    resource.states[StateKey.PLUGGED] = Stamped(True, at(1), Source.PUSH)
    data = resource.as_storage()
    assert data == {
        "kind": "ev",
        "id": "x",
        "legacy_station": True,
        "info_time": at(1).isoformat(),
        "states": {"plugged": [True, at(1).isoformat()]},
    }
    loaded = GridxResource.from_storage(data)
    assert loaded is not None
    assert loaded.legacy_station
    assert loaded.states == {"plugged": Stamped(True, at(1), Source.RESTORE)}
    assert GridxResource.from_storage({"id": "x"}) is None
    assert GridxResource.from_storage({"kind": "car", "id": "x"}) is None
    junk = {"kind": "ev", "id": "x", "states": {"plugged": [1], "bogus": [1, "x"]}}
    assert GridxResource.from_storage(junk) == GridxResource(
        kind=ResourceKind.EV, id="x"
    )


@pytest.mark.parametrize(
    ("resource", "name"),
    [
        (GridxResource(kind=ResourceKind.GATEWAY, id="g"), "gridBox"),
        (GridxResource(kind=ResourceKind.EV, id="e"), "Electric vehicle e"),
        (
            GridxResource(kind=ResourceKind.EV, id="e", legacy_station=True),
            "Wallbox",
        ),
        (
            GridxResource(
                kind=ResourceKind.APPLIANCE, id="a", manufacturer="Fronius", model="X"
            ),
            "Fronius X",
        ),
        (
            GridxResource(
                kind=ResourceKind.APPLIANCE, id="a", appliance_type="HEAT_PUMP"
            ),
            "Heat Pump",
        ),
        (GridxResource(kind=ResourceKind.APPLIANCE, id="a"), "Appliance"),
        (GridxResource(kind=ResourceKind.APPLIANCE, id="a", name="Roof"), "Roof"),
    ],
)
def test_device_name(resource: GridxResource, name: str) -> None:
    """Devices get the given name, else a descriptive one."""
    assert device_name(resource) == name


async def test_pipeline_order_and_dedupe(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """Dedupe: the same id twice is applied and fired once."""
    bus = async_capture_events(hass, EVENT_GRIDX)
    body = event("gateway/offline", gateway_data(), time=at(1))
    handle(store, body)
    handle(store, body)
    await hass.async_block_till_done()
    assert len(bus) == 1
    assert store.stats.events_received == 1
    assert store.stats.duplicates == 1
    gateway = store.get(ResourceKind.GATEWAY, GATEWAY_ID)
    assert gateway is not None
    assert bus[0].data["device_id"] == gateway.device_id


async def test_failed_event_is_not_a_duplicate(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """An event whose processing failed (the webhook answers 500) is retried.

    gridX delivers it again; the retry must be applied, not dropped as a
    duplicate of the failed attempt.
    """
    bus = async_capture_events(hass, EVENT_GRIDX)
    body = event("gateway/offline", gateway_data(), time=at(1))
    with (
        patch.object(store.applier, "apply_event", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        handle(store, body)
    assert store.stats.events_received == 0
    handle(store, body)
    await hass.async_block_till_done()
    assert store.stats.duplicates == 0
    assert store.stats.events_received == 1
    assert store.value(ResourceKind.GATEWAY, GATEWAY_ID, StateKey.CONNECTED) is False
    assert len(bus) == 1


async def test_staleness_per_attribute(hass: HomeAssistant, store: GridxStore) -> None:
    """Each attribute has its own time.

    An old plug event does not undo a newer one, but still updates an
    attribute it is the newest for.
    """
    handle(store, event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(10)))
    handle(
        store,
        event(
            "ev/charge-started",
            ev_data(chargePower=5_000_000, state="CHARGING"),
            time=at(5),
        ),
    )
    handle(
        store,
        event(
            "ev/measurement",
            ev_data(
                chargePower=1_000_000,
                chargeState="CHARGING",
                plugState="PLUGGED",
                isControllable=True,
            ),
            time=at(7),
        ),
    )
    assert store.value(ResourceKind.EV, ASSET_ID, StateKey.PLUGGED) is False
    assert store.value(ResourceKind.EV, ASSET_ID, StateKey.CHARGING) is True
    assert store.value(ResourceKind.EV, ASSET_ID, StateKey.CHARGE_POWER) == 1000.0
    # The measurement's plug state, and the atHome of both older events.
    assert store.stats.stale_ignored == 3
    assert store.value(ResourceKind.EV, ASSET_ID, StateKey.AT_HOME) is True
    assert store.value(ResourceKind.EV, "nobody", StateKey.PLUGGED) is None


async def test_stale_info_and_delete(hass: HomeAssistant, store: GridxStore) -> None:
    """Device information and deletes are guarded by time too."""
    handle(store, event("appliance/create", appliance_data(name="New"), time=at(10)))
    handle(store, event("appliance/update", appliance_data(name="Old"), time=at(5)))
    handle(store, event("appliance/delete", appliance_data(), time=at(6)))
    appliance = store.get(ResourceKind.APPLIANCE, APPLIANCE_ID)
    assert appliance is not None
    assert appliance.name == "New"
    # Deleting an unknown appliance remembers it, so older events stay away.
    handle(store, event("appliance/delete", appliance_data("gone"), time=at(10)))
    handle(store, event("appliance/online", appliance_data("gone"), time=at(9)))
    assert store.get(ResourceKind.APPLIANCE, "gone") is None


async def test_power_limit_needs_the_systems_gateway(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """With several gateways the §14a signal goes to the one of its system."""
    handle(store, event("gateway/create", gateway_data(), time=at(1)))
    handle(
        store,
        event("gateway/create", {"gatewayID": "g2", "systemID": "s2"}, time=at(1)),
    )
    body = load_event("power_limit_set.json") | {"time": at(2).isoformat()}
    handle(store, body)
    assert store.value(ResourceKind.GATEWAY, GATEWAY_ID, StateKey.POWER_LIMIT) == 4200.0
    assert store.value(ResourceKind.GATEWAY, "g2", StateKey.POWER_LIMIT) is None
    unknown = body | {"id": "other", "source": "/systems/s3"}
    bus = async_capture_events(hass, EVENT_GRIDX)
    handle(store, unknown)
    await hass.async_block_till_done()
    assert store.value(ResourceKind.GATEWAY, "g2", StateKey.POWER_LIMIT_ACTIVE) is None
    assert bus[0].data["device_id"] is None
    # A source that names no system.
    handle(store, body | {"id": "third", "source": "/gateways/x"})
    assert store.value(ResourceKind.GATEWAY, "g2", StateKey.POWER_LIMIT_ACTIVE) is None


async def test_event_device_id_most_specific(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """The bus event names the appliance, else the EV, else the gateway device."""
    bus = async_capture_events(hass, EVENT_GRIDX)
    handle(store, load_event("appliance_create.json"))
    handle(store, load_event("ev_plugged.json"))
    handle(store, load_event("ev_plugged_legacy.json"))
    handle(store, load_event("gateway_online.json"))
    handle(store, load_event("ping.json"))
    handle(store, load_event("appliance_delete.json"))
    await hass.async_block_till_done()
    appliance_device = bus[0].data["device_id"]
    ev = store.get(ResourceKind.EV, ASSET_ID)
    gateway = store.get(ResourceKind.GATEWAY, GATEWAY_ID)
    assert ev is not None
    assert gateway is not None
    assert [e.data["device_id"] for e in bus] == [
        appliance_device,
        ev.device_id,
        appliance_device,  # the legacy station shares the appliance's device
        gateway.device_id,
        gateway.device_id,  # ping: the only gateway of the system
        appliance_device,  # delete: the device it removed
    ]
    # After the delete the legacy station keeps the device.
    station = store.get(ResourceKind.EV, APPLIANCE_ID)
    assert station is not None
    assert station.device_id == appliance_device


async def test_listeners(hass: HomeAssistant, store: GridxStore) -> None:
    """New-resource listeners hear each new resource once; removal works."""
    heard: list[str] = []
    remove = store.async_subscribe(heard.append, ResourceKind.EV, Topic.NEW)
    handle(store, load_event("ev_plugged.json"))
    handle(store, load_event("ev_unplugged.json"))
    remove()
    handle(store, event("ev/plugged", ev_data("other", state="PLUGGED")))
    assert heard == [ASSET_ID]
    moved: list[tuple[str, str]] = []
    remove_moved = store.async_subscribe(
        lambda old, new: moved.append((old, new)), ResourceKind.EV, Topic.MOVED
    )
    remove_moved()
    assert sorted(store.known(ResourceKind.EV)) == sorted([ASSET_ID, "other"])


async def test_subscribers_follow_a_repaired_appliance(
    hass: HomeAssistant, store: GridxStore
) -> None:
    """Subscribed through the store, a re-paired appliance keeps its subscribers."""
    data: dict[str, Any] = {"serialNumber": "SN-1", "name": "Battery"}
    appliance = ResourceKind.APPLIANCE
    # An appliance moves only once a poll said which ones gridX still lists.
    store.async_apply_poll([], [], at(0))
    handle(store, event("appliance/create", appliance_data(**data), time=at(1)))
    states: list[frozenset[str]] = []
    moves: list[str] = []
    kind_moves: list[tuple[str, str]] = []
    store.async_subscribe(states.append, (appliance, APPLIANCE_ID), Topic.STATE)
    store.async_subscribe(moves.append, (appliance, APPLIANCE_ID), Topic.MOVED)
    store.async_subscribe(
        lambda old, new: kind_moves.append((old, new)), appliance, Topic.MOVED
    )
    new_id = "11111111-2222-4333-8444-555555555555"
    calls = store.listener_calls
    handle(store, event("appliance/create", appliance_data(new_id, **data), time=at(2)))
    assert moves == [new_id]
    assert kind_moves == [(APPLIANCE_ID, new_id)]
    assert store.get(appliance, APPLIANCE_ID) is None
    states.clear()
    handle(store, event("appliance/offline", appliance_data(new_id), time=at(3)))
    assert states == [frozenset({StateKey.CONNECTED})]
    assert store.listener_calls > calls


async def test_restore_is_guarded(hass: HomeAssistant, store: GridxStore) -> None:
    """Restored data does not overwrite newer state, and needs a known resource."""
    handle(store, event("gateway/online", gateway_data(), time=at(10)))
    old = Stamped(False, at(5), Source.RESTORE)
    assert not store.async_restore(
        ResourceKind.GATEWAY, GATEWAY_ID, StateKey.CONNECTED, old
    )
    assert not store.async_restore(ResourceKind.GATEWAY, "x", StateKey.CONNECTED, old)
    assert store.value(ResourceKind.GATEWAY, GATEWAY_ID, StateKey.CONNECTED) is True


async def test_storage_round_trip(hass: HomeAssistant, store: GridxStore) -> None:
    """The catalogue, seen ids and tombstones survive a save and load."""
    handle(store, load_event("gateway_create.json"))
    handle(store, event("appliance/delete", appliance_data("gone"), time=at(1)))
    await store.async_save()
    again = GridxStore(hass, store.entry_id, store.account)
    await again.async_load()
    assert list(again.known(ResourceKind.GATEWAY)) == [GATEWAY_ID]
    gateway = again.get(ResourceKind.GATEWAY, GATEWAY_ID)
    assert gateway is not None
    assert (gateway.name, gateway.system_id) == ("My gridBox", SYSTEM_ID)
    assert again.seen_count == 2
    handle(again, event("appliance/online", appliance_data("gone"), time=at(0)))
    assert again.get(ResourceKind.APPLIANCE, "gone") is None
    await async_remove_store(hass, store.entry_id)
    empty = GridxStore(hass, store.entry_id, store.account)
    await empty.async_load()
    assert list(empty.known(ResourceKind.GATEWAY)) == []


async def test_remove_entry_removes_storage(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the entry deletes its stored catalogue."""
    with patch_poll():
        mock_config_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        store = mock_config_entry.runtime_data.store
        handle(store, load_event("gateway_create.json"))
        await store.async_save()
        assert f"gridx.{mock_config_entry.entry_id}" in hass_storage
        await hass.config_entries.async_remove(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert f"gridx.{mock_config_entry.entry_id}" not in hass_storage
