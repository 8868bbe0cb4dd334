"""Every event type through the real webhook: entity states and devices."""

from collections.abc import Generator
from http import HTTPStatus
import json
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx import async_remove_config_entry_device
from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.state.identity import entity_unique_id

from .conftest import ACCOUNT_ID, SECRET, WEBHOOK_ID, PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    demo_gateway,
    device_identifiers,
    entity_id,
    event,
    gateway_data,
    get_device,
    patch_poll,
    state_of,
)
from .ha_compat import device_owners, devices_with_identifier

BS = Platform.BINARY_SENSOR
S = Platform.SENSOR
EV_DEVICE = "Electric vehicle 9876"
# No entity: a state that is not known yet has no entity (never "Unknown").
ABSENT = None


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """An empty poll: only the webhook tells the integration anything."""
    with patch_poll() as poll:
        yield poll


# fixture, fixtures sent before it, expected {(platform, unique_id): state},
# expected devices {identifier: name}, identifiers that must not be devices.
CASES: list[
    tuple[str, list[str], dict[tuple[str, str], str], dict[str, str], list[str]]
] = [
    (
        "appliance_create.json",
        [],
        {
            (BS, f"{APPLIANCE_ID}_appliance_connection"): ABSENT,
            (BS, f"{APPLIANCE_ID}_inverter_problem"): ABSENT,
            (S, f"{APPLIANCE_ID}_inverter_status"): ABSENT,
        },
        {APPLIANCE_ID: "Roof inverter", GATEWAY_ID: "gridBox"},
        [ASSET_ID],
    ),
    (
        "appliance_delete.json",
        ["appliance_create.json"],
        {},
        {GATEWAY_ID: "gridBox"},
        [APPLIANCE_ID],
    ),
    (
        "appliance_offline.json",
        [],
        {(BS, f"{APPLIANCE_ID}_appliance_connection"): STATE_OFF},
        {APPLIANCE_ID: "Vaillant"},
        [],
    ),
    (
        "appliance_online.json",
        [],
        {(BS, f"{APPLIANCE_ID}_appliance_connection"): STATE_ON},
        {APPLIANCE_ID: "Grid meter"},
        [],
    ),
    (
        "appliance_online_legacy.json",
        [],
        {(BS, f"{APPLIANCE_ID}_appliance_connection"): STATE_ON},
        {},
        [],
    ),
    (
        "appliance_update.json",
        ["appliance_create.json"],
        {(BS, f"{APPLIANCE_ID}_appliance_connection"): ABSENT},
        {APPLIANCE_ID: "Roof inverter"},
        [],
    ),
    ("commissioning_done.json", [], {}, {}, [GATEWAY_ID, APPLIANCE_ID, ASSET_ID]),
    (
        "ev_charge_failed.json",
        [],
        {(BS, f"{ASSET_ID}_ev_plugged"): ABSENT},
        {ASSET_ID: EV_DEVICE, GATEWAY_ID: "gridBox"},
        [],
    ),
    (
        "ev_charge_started.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_charging"): STATE_ON,
            (S, f"{ASSET_ID}_ev_charge_power"): "11000.0",
            (S, f"{ASSET_ID}_ev_state_of_charge"): "42.5",
            (S, f"{ASSET_ID}_ev_range"): "187.0",
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "ev_charge_stopped.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_charging"): STATE_OFF,
            (S, f"{ASSET_ID}_ev_charge_power"): "-3700.0",
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "ev_infeasible_charging_goals.json",
        [],
        {(BS, f"{ASSET_ID}_ev_plugged"): ABSENT},
        {ASSET_ID: EV_DEVICE},
        [GATEWAY_ID],
    ),
    (
        "ev_infeasible_charging_goals_nulls.json",
        [],
        {(BS, f"{ASSET_ID}_ev_charging"): ABSENT},
        {ASSET_ID: EV_DEVICE},
        [GATEWAY_ID],
    ),
    (
        "ev_measurement.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_plugged"): STATE_ON,
            (BS, f"{ASSET_ID}_ev_charging"): STATE_ON,
            (S, f"{ASSET_ID}_ev_charge_power"): "7400.0",
            (S, f"{ASSET_ID}_ev_charge_limit"): "80.0",
            (S, f"{ASSET_ID}_ev_state_of_charge"): "63.0",
            (S, f"{ASSET_ID}_ev_range"): "250.0",
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "ev_measurement_unplugged.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_plugged"): STATE_OFF,
            (BS, f"{ASSET_ID}_ev_charging"): STATE_OFF,
            (S, f"{ASSET_ID}_ev_charge_power"): "0.0",
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "ev_plugged.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_plugged"): STATE_ON,
            (S, f"{ASSET_ID}_ev_location"): "home",
            (BS, f"{ASSET_ID}_ev_charging"): ABSENT,
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "ev_plugged_legacy.json",
        [],
        {(BS, f"{APPLIANCE_ID}_ev_plugged"): STATE_ON},
        {APPLIANCE_ID: "Wallbox"},
        [ASSET_ID],
    ),
    (
        "ev_unplugged.json",
        [],
        {
            (BS, f"{ASSET_ID}_ev_plugged"): STATE_OFF,
            (S, f"{ASSET_ID}_ev_location"): "away",
        },
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    (
        "gateway_create.json",
        [],
        {(BS, f"{GATEWAY_ID}_gateway_connection"): ABSENT},
        {GATEWAY_ID: "My gridBox"},
        [],
    ),
    (
        "gateway_offline.json",
        [],
        {(BS, f"{GATEWAY_ID}_gateway_connection"): STATE_OFF},
        {GATEWAY_ID: "Keller"},
        [],
    ),
    (
        "gateway_online.json",
        [],
        {(BS, f"{GATEWAY_ID}_gateway_connection"): STATE_ON},
        {GATEWAY_ID: "gridBox"},
        [],
    ),
    (
        "inverter_status.json",
        [],
        {
            (BS, f"{APPLIANCE_ID}_inverter_problem"): STATE_ON,
            (S, f"{APPLIANCE_ID}_inverter_status"): "error",
        },
        {APPLIANCE_ID: "Roof inverter"},
        [],
    ),
    (
        "inverter_status_minimal.json",
        [],
        {
            (BS, f"{APPLIANCE_ID}_inverter_problem"): STATE_OFF,
            (S, f"{APPLIANCE_ID}_inverter_status"): "ok",
        },
        {},
        [],
    ),
    ("ping.json", [], {}, {}, [GATEWAY_ID]),
    (
        "power_limit_set.json",
        ["gateway_create.json"],
        {
            (BS, f"{GATEWAY_ID}_power_limitation"): STATE_ON,
            (S, f"{GATEWAY_ID}_power_limit"): "4200.0",
        },
        {},
        [],
    ),
    (
        "power_limit_unset.json",
        ["gateway_create.json"],
        {
            (BS, f"{GATEWAY_ID}_power_limitation"): STATE_OFF,
            # A site that never had a limit gets no limit value sensor.
            (S, f"{GATEWAY_ID}_power_limit"): ABSENT,
        },
        {},
        [],
    ),
    (
        "system_action.json",
        [],
        {(BS, f"{ASSET_ID}_ev_plugged"): ABSENT},
        {ASSET_ID: EV_DEVICE},
        [],
    ),
    ("unknown_type.json", [], {}, {}, [GATEWAY_ID]),
]


def _entity_ids(hass: HomeAssistant, platform: str, unique_id: str) -> list[str]:
    """Return the entity ids whose unique id ends with ``unique_id``."""
    return [
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.domain == platform and entry.unique_id.endswith(unique_id)
    ]


def test_every_fixture_has_a_case() -> None:
    """The table covers every event fixture."""
    from .conftest import FIXTURES

    assert {case[0] for case in CASES} == {
        path.name for path in (FIXTURES / "events").glob("*.json")
    }


@pytest.mark.parametrize(
    ("name", "before", "states", "devices", "no_devices"),
    CASES,
    ids=[case[0].removesuffix(".json") for case in CASES],
)
@pytest.mark.usefixtures("init_integration")
async def test_event_type(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
    name: str,
    before: list[str],
    states: dict[tuple[str, str], str | None],
    devices: dict[str, str],
    no_devices: list[str],
) -> None:
    """One event (after its prerequisites) gives these states and devices.

    No entity of the integration's is "Unknown": what is not known has no
    entity yet.
    """
    for body in [*map(load_event, before), load_event(name)]:
        assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    for (platform, unique_id), expected in states.items():
        if expected is ABSENT:
            assert not _entity_ids(hass, platform, unique_id), unique_id
        else:
            assert state_of(hass, platform, unique_id).state == expected, unique_id
    assert [
        state.entity_id
        for state in hass.states.async_all()
        if state.state == STATE_UNKNOWN
    ] == []
    for identifier, device_name in devices.items():
        device = get_device(hass, identifier)
        assert device is not None, identifier
        assert device.name == device_name
    for identifier in no_devices:
        assert get_device(hass, identifier) is None


@pytest.mark.usefixtures("init_integration")
async def test_device_information(
    hass: HomeAssistant, post_webhook: PostWebhook, device_registry: dr.DeviceRegistry
) -> None:
    """Gateway, appliance and EV devices carry what gridX told, linked via the gateway."""
    for name in ("gateway_create.json", "appliance_create.json", "ev_plugged.json"):
        await post_webhook(load_event(name))
    await hass.async_block_till_done()
    gateway = get_device(hass, GATEWAY_ID)
    assert gateway is not None
    assert gateway.name == "My gridBox"
    assert gateway.serial_number == "D403-007-000-000-001-B-X"
    appliance = get_device(hass, APPLIANCE_ID)
    assert appliance is not None
    assert (appliance.name, appliance.model, appliance.manufacturer) == (
        "Roof inverter",
        "SunPower X7",
        "Fronius",
    )
    assert (appliance.serial_number, appliance.sw_version) == ("30117744", "3.28.1-4")
    assert appliance.via_device_id == gateway.id
    ev = get_device(hass, ASSET_ID)
    assert ev is not None
    assert ev.via_device_id == gateway.id

    # appliance/update changes the firmware shown, without a restart.
    await post_webhook(
        load_event("appliance_update.json") | {"time": at(1).isoformat()}
    )
    await hass.async_block_till_done()
    appliance = get_device(hass, APPLIANCE_ID)
    assert appliance is not None
    assert appliance.sw_version == "4.0.0"


@pytest.mark.usefixtures("init_integration")
async def test_repaired_appliance_moves(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A create with a new applianceID but a known serial on the same gateway moves the device."""
    data: dict[str, Any] = {
        "serialNumber": "SN-1",
        "name": "Battery",
        "type": "INVERTER",
    }
    await post_webhook(event("appliance/create", appliance_data(**data), time=at(1)))
    await post_webhook(event("appliance/offline", appliance_data(), time=at(2)))
    await hass.async_block_till_done()
    old_entity = state_of(hass, BS, f"{APPLIANCE_ID}_appliance_connection").entity_id
    old_device = get_device(hass, APPLIANCE_ID)
    assert old_device is not None

    new_id = "11111111-2222-4333-8444-555555555555"
    await post_webhook(
        event("appliance/create", appliance_data(new_id, **data), time=at(3))
    )
    await hass.async_block_till_done()

    moved = get_device(hass, new_id)
    assert moved is not None
    assert moved.id == old_device.id
    assert get_device(hass, APPLIANCE_ID) is None
    entry = entity_registry.async_get(old_entity)
    assert entry is not None
    assert entry.unique_id == entity_unique_id(
        ACCOUNT_ID, ResourceKind.APPLIANCE, new_id, "appliance_connection"
    )
    # The state moved too, and the entity now follows the new id.
    assert hass.states.get(old_entity).state == STATE_OFF
    await post_webhook(event("appliance/online", appliance_data(new_id), time=at(4)))
    await hass.async_block_till_done()
    assert hass.states.get(old_entity).state == STATE_ON
    # No duplicate entities (the connection only: no inverter status yet).
    assert len(er.async_entries_for_device(entity_registry, moved.id)) == 1

    # A different serial, or another gateway, is a new appliance.
    other = "66666666-2222-4333-8444-555555555555"
    await post_webhook(
        event(
            "appliance/create",
            appliance_data(other, gateway_id="g2", serialNumber="SN-1"),
            time=at(5),
        )
    )
    await hass.async_block_till_done()
    assert get_device(hass, other) is not None
    assert get_device(hass, new_id) is not None


@pytest.mark.usefixtures("init_integration")
async def test_delete_and_late_events(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """appliance/delete removes device and entities; an older event does not revive it."""
    await post_webhook(event("appliance/online", appliance_data(), time=at(1)))
    await hass.async_block_till_done()
    entity = state_of(hass, BS, f"{APPLIANCE_ID}_appliance_connection").entity_id
    await post_webhook(event("appliance/delete", appliance_data(), time=at(3)))
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) is None
    assert entity_registry.async_get(entity) is None
    assert hass.states.get(entity) is None

    await post_webhook(event("appliance/offline", appliance_data(), time=at(2)))
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) is None

    # A later create brings it back, its entities come with their values.
    await post_webhook(
        event("appliance/create", appliance_data(name="Back"), time=at(4))
    )
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) is not None
    assert not _entity_ids(hass, BS, f"{APPLIANCE_ID}_appliance_connection")
    await post_webhook(event("appliance/online", appliance_data(), time=at(5)))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{APPLIANCE_ID}_appliance_connection").state == STATE_ON


async def test_remove_config_entry_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The user may remove a device; the store forgets it until gridX reports it again."""
    await post_webhook(load_event("ev_plugged.json"))
    await hass.async_block_till_done()
    device = get_device(hass, ASSET_ID)
    assert device is not None
    assert await async_remove_config_entry_device(hass, init_integration, device)
    assert ASSET_ID not in init_integration.runtime_data.store.known(ResourceKind.EV)
    device_registry.async_remove_device(device.id)
    await hass.async_block_till_done()

    await post_webhook(
        event("ev/unplugged", {**load_event("ev_unplugged.json")["data"]}, time=at(1))
    )
    await hass.async_block_till_done()
    assert get_device(hass, ASSET_ID) is not None
    assert state_of(hass, BS, f"{ASSET_ID}_ev_plugged").state == STATE_OFF


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Electric vehicle 9876"), ("de", "Elektrofahrzeug 9876")],
)
@pytest.mark.usefixtures("poll")
async def test_nameless_ev_device_name_is_translated(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    language: str,
    name: str,
) -> None:
    """A vehicle's device (gridX sends no name) is named in HA's language."""
    await hass.config.async_update(language=language)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    client = await hass_client_no_auth()
    body = json.dumps(load_event("ev_plugged.json")).encode()
    resp = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=body,
        headers={SIGNATURE_HEADER: sign(body, [SECRET])},
    )
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    device = get_device(hass, ASSET_ID)
    assert device is not None
    assert device.name == name


OTHER_ASSET_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f1"


@pytest.mark.usefixtures("init_integration")
async def test_two_vehicles_are_told_apart(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Two vehicles get distinct names; make only when gridX names it, no model."""
    await post_webhook(load_event("ev_plugged.json"))
    plugged = load_event("ev_plugged.json")
    await post_webhook(
        {
            **plugged,
            "id": "other-vehicle",
            "data": {**plugged["data"], "assetID": OTHER_ASSET_ID},
        }
    )
    await hass.async_block_till_done()
    first, second = get_device(hass, ASSET_ID), get_device(hass, OTHER_ASSET_ID)
    assert first is not None
    assert second is not None
    assert (first.name, second.name) == (
        "Electric vehicle 9876",
        "Electric vehicle e0f1",
    )
    for device in (first, second):
        assert (device.manufacturer, device.model) == (None, None)
    # Entity ids follow the names, so the two vehicles' entities differ too.
    assert entity_id(hass, BS, f"{ASSET_ID}_ev_plugged") == (
        "binary_sensor.electric_vehicle_9876"
    )
    assert entity_id(hass, BS, f"{OTHER_ASSET_ID}_ev_plugged") == (
        "binary_sensor.electric_vehicle_e0f1"
    )

    # The action that asks to link the vehicle's account names its make.
    await post_webhook(load_event("system_action.json"))
    await hass.async_block_till_done()
    first = get_device(hass, ASSET_ID)
    assert first is not None
    assert (first.manufacturer, first.model) == ("Audi", None)


async def test_remove_device_of_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """An unloaded entry refuses: its stored catalogue would bring the device back."""
    await post_webhook(load_event("ev_plugged.json"))
    await hass.async_block_till_done()
    device = get_device(hass, ASSET_ID)
    assert device is not None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert not await async_remove_config_entry_device(hass, init_integration, device)


@pytest.fixture
def other_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Add a second gridX entry (another account, another webhook)."""
    other = MockConfigEntry(
        domain=DOMAIN,
        title="gridX 2",
        unique_id="other-account",
        data={**mock_config_entry.data, "webhook_id": "f" * 64},
    )
    other.add_to_hass(hass)
    return other


async def test_two_entries_are_isolated(
    hass: HomeAssistant,
    other_entry: MockConfigEntry,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
) -> None:
    """An event to one entry's webhook never reaches the other entry."""
    mock_config_entry, other = init_integration, other_entry
    assert other.runtime_data is not None

    await post_webhook(event("gateway/offline", gateway_data(), time=at(1)))
    await hass.async_block_till_done()

    assert list(mock_config_entry.runtime_data.store.known(ResourceKind.GATEWAY)) == [
        GATEWAY_ID
    ]
    assert list(other.runtime_data.store.known(ResourceKind.GATEWAY)) == []
    device = get_device(hass, GATEWAY_ID)
    assert device is not None
    assert device_owners(device) == {mock_config_entry.entry_id}
    assert other.runtime_data.store.stats.events_received == 0

    # The same event to the other entry is applied there, not deduped across entries.
    body = event("gateway/online", gateway_data(), time=at(2), event_id="same-id")
    await post_webhook(body)
    await post_webhook(body, webhook_id="f" * 64)
    await hass.async_block_till_done()
    assert (
        other.runtime_data.store.value(ResourceKind.GATEWAY, GATEWAY_ID, "connected")
        is True
    )
    assert (
        mock_config_entry.runtime_data.store.value(
            ResourceKind.GATEWAY, GATEWAY_ID, "connected"
        )
        is True
    )
    assert other.runtime_data.store.stats.events_received == 1
    # Each entry has its own device for the gateway.
    owners = {
        owner
        for identifier in device_identifiers(hass, GATEWAY_ID)
        for device in devices_with_identifier(hass, identifier)
        for owner in device_owners(device)
    }
    assert owners == {mock_config_entry.entry_id, other.entry_id}


async def test_gateway_create_refreshes_in_background(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    poll: FakePoll,
) -> None:
    """A new gateway's appliances are polled after the webhook answered."""
    calls = poll.calls
    poll.gateways = [demo_gateway()]
    resp = await post_webhook(load_event("gateway_create.json"))
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done(wait_background_tasks=True)
    assert poll.calls == calls + 1
