"""Tests of the gridX event entities, fed through the real webhook."""

import asyncio
from collections.abc import Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import urlparse

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES
from homeassistant.components.webhook import async_generate_url
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.gridx import async_remove_config_entry_device
from custom_components.gridx.api.gateways import Gateway
from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.event import (
    EV_EVENT_TYPES,
    GATEWAY_EVENT_TYPES,
    GridxEventEntity,
    event_attributes,
)
from custom_components.gridx.state.identity import entity_unique_id

from .conftest import ACCOUNT_ID, SECRET, WEBHOOK_ID, PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    SYSTEM_ID,
    FakePoll,
    appliance_data,
    at,
    entity_id,
    event,
    get_device,
    patch_poll,
)
from .ha_compat import mock_restore_cache

EV_EVENT = f"{ASSET_ID}_event"
GATEWAY_EVENT = f"{GATEWAY_ID}_event"


@pytest.fixture
def poll() -> Generator[FakePoll]:
    """Answer the coordinator's polls with nothing (no gateways)."""
    with patch_poll() as fake:
        yield fake


@pytest.fixture
def platforms() -> Generator[None]:
    """Load only the event platform."""
    with patch("custom_components.gridx.PLATFORMS", [Platform.EVENT]):
        yield


async def _post(post_webhook: PostWebhook, hass: HomeAssistant, body: Any) -> None:
    response = await post_webhook(body)
    assert response.status == 204
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, unique_id: str) -> Any:
    state = hass.states.get(entity_id(hass, Platform.EVENT, unique_id))
    assert state is not None
    return state


@pytest.mark.usefixtures("platforms", "poll")
async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One entity per gateway and EV that fired, as snapshotted.

    The legacy station's plug-in and the §14a limit are states: no entity.
    """
    freezer.move_to("2026-06-20T14:05:00+00:00")
    for name in (
        "gateway_create",
        "ev_plugged",
        "ev_plugged_legacy",
        "power_limit_set",
        "ev_charge_failed",
        "appliance_create",
    ):
        await _post(post_webhook, hass, load_event(f"{name}.json"))

    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


# fixture -> (unique id of the entity that fires, its event type, attributes)
ROUTED: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ev_charge_failed": (
        EV_EVENT,
        "charge_failed",
        {
            "command": "START",
            "failure_reason": "NO_RESPONSE",
            "failure_detail": "Vehicle did not respond within 5 minutes",
            "created_at": "2026-06-20T13:58:00+00:00",
            "completed_at": "2026-06-20T14:03:00.500000+00:00",
        },
    ),
    "ev_infeasible_charging_goals": (
        EV_EVENT,
        "infeasible_charging_goals",
        {
            "current_soc": 42.0,
            "min_requested_soc": 80.0,
            "max_state_of_charge": 90.0,
            "departure_at": "2026-06-22T07:30:00+00:00",
            "energy_needed": 9200.0,
            "deliverable_energy": 5400.0,
            "charging_power": 3600.0,
            "at_home": True,
        },
    ),
    "ev_infeasible_charging_goals_nulls": (
        EV_EVENT,
        "infeasible_charging_goals",
        {"current_soc": 12.5},
    ),
    "appliance_create": (
        GATEWAY_EVENT,
        "appliance_created",
        {
            "appliance_id": APPLIANCE_ID,
            "appliance_name": "Roof inverter",
            "appliance_type": "INVERTER",
            "appliance_kind": "HYBRID",
            "manufacturer": "Fronius",
            "model": "SunPower X7",
            "serial_number": "30117744",
            "firmware": "3.28.1-4",
        },
    ),
    "appliance_update": (
        GATEWAY_EVENT,
        "appliance_updated",
        {"appliance_id": APPLIANCE_ID},
    ),
    "appliance_delete": (
        GATEWAY_EVENT,
        "appliance_deleted",
        {"appliance_id": APPLIANCE_ID},
    ),
    "system_action": (
        GATEWAY_EVENT,
        "system_action",
        {
            "action_id": "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8",
            "status": "OPEN",
            "title": "Accept the Audi terms and conditions",
            "description": "Open the **myAudi app** and accept the terms.",
            "access": "Remote",
            "agent": "User",
            "action": "Link",
            "manufacturer": "Audi",
            "domain": "Account",
            "capabilities": ["chargeState", "location"],
            "asset_id": ASSET_ID,
            "introduced_at": "2026-06-19T08:00:00+00:00",
        },
    ),
}


@pytest.mark.usefixtures("platforms", "poll", "init_integration")
@pytest.mark.parametrize(("fixture", "expected"), ROUTED.items())
async def test_event_fires_on_its_entity(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    fixture: str,
    expected: tuple[str, str, dict[str, Any]],
) -> None:
    """Each momentary gridX event fires its event type on the right entity only.

    The gateway is announced first; the EV is new when its first event
    arrives, and its entity is created by that event and still fires it.
    """
    await _post(post_webhook, hass, load_event("gateway_create.json"))
    unique_id, event_type, attributes = expected
    body = load_event(f"{fixture}.json")

    await _post(post_webhook, hass, body)

    state = _state(hass, unique_id)
    assert state.attributes[ATTR_EVENT_TYPE] == event_type
    assert state.attributes["event_id"] == body["id"]
    assert state.attributes["event_time"] == "2026-06-20T14:03:27.123000+00:00"
    for key, value in attributes.items():
        assert state.attributes[key] == value, key
    assert "user_mail" not in state.attributes
    # No other event entity exists (none fired), and none is unknown.
    assert [s.entity_id for s in hass.states.async_all(Platform.EVENT)] == [
        state.entity_id
    ]


@pytest.mark.usefixtures("platforms", "poll", "init_integration")
@pytest.mark.parametrize(
    "fixture",
    [
        "gateway_create",
        "gateway_online",
        "gateway_offline",
        "power_limit_set",
        "power_limit_unset",
        "ev_plugged",
        "ev_plugged_legacy",
        "ev_unplugged",
        "ev_charge_started",
        "ev_charge_stopped",
        "appliance_online",
        "appliance_offline",
        "inverter_status",
        "ev_measurement",
        "ping",
        "commissioning_done",
        "unknown_type",
    ],
)
async def test_events_without_event_entity(
    hass: HomeAssistant, post_webhook: PostWebhook, fixture: str
) -> None:
    """Events that are state, not moments, fire no event entity and create none."""
    await _post(post_webhook, hass, load_event("gateway_create.json"))
    await _post(post_webhook, hass, load_event("ev_charge_failed.json"))
    await _post(post_webhook, hass, load_event("appliance_create.json"))
    before = {s.entity_id: s.state for s in hass.states.async_all(Platform.EVENT)}
    assert len(before) == 2  # the gateway and the EV

    await _post(post_webhook, hass, load_event(f"{fixture}.json"))

    after = {s.entity_id: s.state for s in hass.states.async_all(Platform.EVENT)}
    assert after == before


@pytest.mark.usefixtures("platforms", "poll", "init_integration")
async def test_duplicate_does_not_fire_again(
    hass: HomeAssistant, post_webhook: PostWebhook, freezer: FrozenDateTimeFactory
) -> None:
    """The same event id twice fires once; a new id fires again."""
    body = load_event("ev_charge_failed.json")
    await _post(post_webhook, hass, body)
    first = _state(hass, EV_EVENT)

    freezer.tick(5)
    await _post(post_webhook, hass, body)
    assert _state(hass, EV_EVENT).state == first.state
    assert _state(hass, EV_EVENT).last_updated == first.last_updated

    await _post(post_webhook, hass, {**body, "id": "another-delivery"})
    again = _state(hass, EV_EVENT)
    assert again.state != first.state
    assert again.attributes["event_id"] == "another-delivery"


@pytest.mark.usefixtures("platforms", "init_integration")
async def test_stale_event_still_fires(
    hass: HomeAssistant, post_webhook: PostWebhook, poll: FakePoll
) -> None:
    """A late (out-of-order) event is still a moment that happened."""
    await _post(
        post_webhook,
        hass,
        event("appliance/update", appliance_data(), time=at(10), event_id="late-1"),
    )
    await _post(
        post_webhook,
        hass,
        event("appliance/create", appliance_data(), time=at(1), event_id="early-1"),
    )
    state = _state(hass, GATEWAY_EVENT)
    assert state.attributes[ATTR_EVENT_TYPE] == "appliance_created"
    assert state.attributes["event_id"] == "early-1"


async def test_entities_for_known_resources(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A gateway the first poll finds gets its event entity with its first event."""
    gateway = Gateway(
        id=GATEWAY_ID,
        system_id=SYSTEM_ID,
        name="Keller",
        serial_number=None,
        model=None,
        manufacturer=None,
        connection_status="AVAILABLE",
    )
    with (
        patch("custom_components.gridx.PLATFORMS", [Platform.EVENT]),
        patch_poll(FakePoll(gateways=[gateway])),
    ):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        # Nothing happened yet: no entity, rather than one that shows "Unknown".
        assert hass.states.async_all(Platform.EVENT) == []
        raw = json.dumps(event("appliance/create", appliance_data())).encode()
        client = await hass_client_no_auth()
        response = await client.post(
            urlparse(async_generate_url(hass, WEBHOOK_ID)).path,
            data=raw,
            headers={SIGNATURE_HEADER: sign(raw, [SECRET])},
        )
        assert response.status == 204
        await hass.async_block_till_done()

    state = _state(hass, GATEWAY_EVENT)
    assert state.state != STATE_UNKNOWN
    assert state.attributes[ATTR_EVENT_TYPES] == list(GATEWAY_EVENT_TYPES.values())
    assert state.entity_id == "event.keller_installation"
    device = get_device(hass, GATEWAY_ID)
    assert device is not None
    entry = er.async_get(hass).async_get(state.entity_id)
    assert entry is not None
    assert entry.device_id == device.id


@pytest.mark.usefixtures("platforms", "poll", "init_integration")
async def test_events_in_one_burst_all_fire(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Events for a new EV that arrive before its entity is added are not lost."""
    states: list[str] = []

    # A @callback runs in the event loop, in the order the states are written.
    # A plain function would run as an executor job, one thread per event, so
    # the list could come out in any order although the entity wrote them in
    # order.
    @callback
    def _record(event: Any) -> None:
        new_state = event.data["new_state"]
        if new_state is not None and new_state.domain == Platform.EVENT:
            states.append(new_state.attributes.get(ATTR_EVENT_TYPE))

    hass.bus.async_listen("state_changed", _record)
    # Posted without waiting in between: the EV is new on the first one.
    names = ("ev_plugged", "ev_charge_failed", "ev_infeasible_charging_goals")
    for number, name in enumerate((*names, "ev_charge_failed")):
        body = {**load_event(f"{name}.json"), "id": f"burst-{number}"}
        assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()

    fired = [s for s in states if s is not None]
    assert fired == ["charge_failed", "infeasible_charging_goals", "charge_failed"]
    assert _state(hass, EV_EVENT).attributes[ATTR_EVENT_TYPE] == "charge_failed"


def test_event_type_tables_match_translations() -> None:
    """Every event type has an English and a German name."""
    root = Path(__file__).parents[1] / "custom_components" / "gridx"
    for name in ("strings.json", "translations/de.json"):
        events = json.loads((root / name).read_text(encoding="utf-8"))["entity"][
            "event"
        ]
        for key, table in (
            ("ev_event", EV_EVENT_TYPES),
            ("gateway_event", GATEWAY_EVENT_TYPES),
        ):
            states = events[key]["state_attributes"]["event_type"]["state"]
            assert set(states) == set(table.values()), (name, key)


def test_attributes_leave_out_none() -> None:
    """Absent optional fields do not become None attributes."""
    parsed = parse_event_dict(load_event("power_limit_unset.json"))
    assert event_attributes(parsed) == {
        "event_id": parsed.id,
        "event_time": "2026-06-20T14:03:27.123000+00:00",
        "received_at": "2026-06-20T16:03:01+00:00",
    }


@pytest.mark.usefixtures("platforms", "poll", "init_integration")
async def test_events_before_the_entity_is_subscribed(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """An entity added slowly still fires the events that announced it."""
    original = GridxEventEntity.async_added_to_hass

    async def slow_added(self: GridxEventEntity) -> None:
        await asyncio.sleep(0)
        await original(self)

    with patch.object(GridxEventEntity, "async_added_to_hass", slow_added):
        # Both handled before the new EV's entity subscribes itself.
        await _post(post_webhook, hass, load_event("ev_charge_failed.json"))
        await _post(post_webhook, hass, load_event("ev_infeasible_charging_goals.json"))

    state = _state(hass, EV_EVENT)
    assert state.attributes[ATTR_EVENT_TYPE] == "infeasible_charging_goals"
    # The gateway got no entity from the EV's events.
    assert [s.entity_id for s in hass.states.async_all(Platform.EVENT)] == [
        state.entity_id
    ]


@pytest.mark.usefixtures("platforms", "poll")
async def test_reload_restores_entities_and_last_event(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """After a reload the known EV's entity is back, with its last event."""
    await _post(post_webhook, hass, load_event("ev_charge_failed.json"))
    before = _state(hass, EV_EVENT)

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    after = _state(hass, EV_EVENT)
    assert after.state == before.state
    assert after.attributes[ATTR_EVENT_TYPE] == "charge_failed"
    assert after.attributes["event_id"] == before.attributes["event_id"]
    # Still subscribed after the reload.
    await _post(post_webhook, hass, load_event("ev_infeasible_charging_goals.json"))
    assert _state(hass, EV_EVENT).attributes[ATTR_EVENT_TYPE] == (
        "infeasible_charging_goals"
    )


@pytest.mark.usefixtures("platforms", "poll")
async def test_removed_device_comes_back_with_its_entity(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A user-removed EV gets a new event entity when gridX reports it again."""
    await _post(post_webhook, hass, load_event("ev_charge_failed.json"))
    device = get_device(hass, ASSET_ID)
    assert device is not None
    # What the device page's "Delete" does: ask the integration, then remove.
    assert await async_remove_config_entry_device(hass, init_integration, device)
    device_registry.async_remove_device(device.id)
    await hass.async_block_till_done()
    assert entity_registry.async_get_entity_id(Platform.EVENT, DOMAIN, EV_EVENT) is None

    # A state event brings the device back, but no event entity yet.
    await _post(post_webhook, hass, load_event("ev_plugged.json"))
    assert entity_registry.async_get_entity_id(Platform.EVENT, DOMAIN, EV_EVENT) is None
    again = {**load_event("ev_charge_failed.json"), "id": "again"}
    await _post(post_webhook, hass, again)

    assert _state(hass, EV_EVENT).attributes[ATTR_EVENT_TYPE] == "charge_failed"


@pytest.fixture
def registered_events(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A previous run: the EV's entity fired, the gateway's has no event stored."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 2,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "resources": [
                {"kind": "gateway", "id": GATEWAY_ID, "name": "My gridBox"},
                {"kind": "ev", "id": ASSET_ID, "gateway_id": GATEWAY_ID},
            ],
        },
    }
    mock_config_entry.add_to_hass(hass)
    cache = [
        (
            entity_unique_id(ACCOUNT_ID, ResourceKind.EV, ASSET_ID, "event"),
            State(
                "event.electric_vehicle_charging",
                "2026-06-20T14:03:27.123+00:00",
                {ATTR_EVENT_TYPE: "charge_failed", "event_id": "restored-id"},
            ),
            {
                "last_event_type": "charge_failed",
                "last_event_attributes": {"event_id": "restored-id"},
            },
        ),
        (
            entity_unique_id(ACCOUNT_ID, ResourceKind.GATEWAY, GATEWAY_ID, "event"),
            State("event.my_gridbox_installation", STATE_UNKNOWN),
            {"last_event_type": None, "last_event_attributes": None},
        ),
    ]
    for unique_id, state, _ in cache:
        entity_registry.async_get_or_create(
            Platform.EVENT,
            DOMAIN,
            unique_id,
            config_entry=mock_config_entry,
            suggested_object_id=state.entity_id.split(".", 1)[1],
        )
    mock_restore_cache(hass, cache)


@pytest.mark.usefixtures("platforms", "poll", "registered_events", "init_integration")
async def test_registered_entities_restore_themselves(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """After a restart each registered event entity decides from its own restore data.

    The EV's entity fired before: it is back with its last event. The
    gateway's entity has no event in its restore data: it is unavailable
    (not "Unknown") until its next event.
    """
    ev = _state(hass, EV_EVENT)
    assert ev.state == "2026-06-20T14:03:27.123+00:00"
    assert ev.attributes[ATTR_EVENT_TYPE] == "charge_failed"
    assert ev.attributes["event_id"] == "restored-id"
    assert _state(hass, GATEWAY_EVENT).state == STATE_UNAVAILABLE

    await _post(post_webhook, hass, load_event("appliance_create.json"))
    gateway = _state(hass, GATEWAY_EVENT)
    assert gateway.attributes[ATTR_EVENT_TYPE] == "appliance_created"
    assert gateway.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
