"""Identity of devices and entities (issue 7, items 1, 2, 6, 19 and 20).

Device identifiers and unique ids carry the account and the kind; stored
resources never stop setup; pushes create devices at a bounded rate; a
re-paired appliance moves only when the old one is gone; a device gridX
still lists cannot be removed.
"""

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.gridx import async_remove_config_entry_device
from custom_components.gridx.api.gateways import Gateway
from custom_components.gridx.compat import get_device_by_identifier
from custom_components.gridx.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    EVENT_GRIDX,
    ResourceKind,
)
from custom_components.gridx.state.devices import CAPACITY, PER_HOUR, CreationBudget
from custom_components.gridx.state.identity import (
    device_identifier,
    device_resources,
    entity_unique_id,
    parse_identifier,
)

from .conftest import (
    ACCOUNT_ID,
    SECRET,
    TOKEN,
    USER_ID,
    WEBHOOK_ID,
    PostWebhook,
    load_event,
)
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    T0,
    FakePoll,
    appliance_data,
    at,
    demo_gateway,
    demo_inverter,
    ev_data,
    event,
    gateway_data,
    get_device,
    patch_poll,
    state_of,
)

BS = Platform.BINARY_SENSOR


@pytest.fixture
def poll() -> Generator[FakePoll]:
    """The account lists the fixtures' gateway and inverter."""
    with patch_poll(
        FakePoll(gateways=[demo_gateway()], appliances={GATEWAY_ID: [demo_inverter()]})
    ) as fake:
        yield fake


def test_identifier_round_trip() -> None:
    """Identifiers parse back to kind and id; foreign ones do not parse."""
    identifier = device_identifier(ACCOUNT_ID, ResourceKind.EV, "a_b")
    assert identifier == (DOMAIN, f"{ACCOUNT_ID}_ev_a_b")
    assert parse_identifier(ACCOUNT_ID, identifier[1]) == (ResourceKind.EV, "a_b")
    assert parse_identifier("other", identifier[1]) is None
    assert parse_identifier(ACCOUNT_ID, f"{ACCOUNT_ID}_ev") is None
    assert parse_identifier(ACCOUNT_ID, f"{ACCOUNT_ID}_car_x") is None
    assert device_resources(ACCOUNT_ID, {identifier, ("other", "x")}) == [
        (ResourceKind.EV, "a_b")
    ]


async def test_item1_event_naming_its_gateway_as_asset_does_not_brick(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """An EV whose assetID is the gateway's id gets a device of its own.

    It used to be the gateway's device made its own parent: 500, and from
    the next start on, setup failed on every restart.
    """
    body = event("ev/plugged", ev_data(GATEWAY_ID, state="PLUGGED"), time=at(1))
    assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()
    gateway = get_device(hass, GATEWAY_ID, ResourceKind.GATEWAY)
    vehicle = get_device(hass, GATEWAY_ID, ResourceKind.EV)
    assert gateway is not None
    assert vehicle is not None
    assert vehicle.id != gateway.id
    assert vehicle.via_device_id == gateway.id

    for _ in range(2):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
        assert init_integration.state is ConfigEntryState.LOADED
    assert state_of(hass, BS, f"{GATEWAY_ID}_ev_plugged").state == STATE_ON
    await post_webhook(event("gateway/offline", gateway_data(), time=at(2)))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF


async def test_item1_unreadable_stored_resources_are_skipped(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Malformed catalogue items are skipped; the rest loads."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "resources": [
                {"kind": "toaster", "id": "x"},
                {"id": "no-kind"},
                "not a mapping",
                {"kind": "ev", "id": ASSET_ID, "gateway_id": GATEWAY_ID},
            ]
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert get_device(hass, ASSET_ID, ResourceKind.EV) is not None


async def test_item2_two_accounts_seeing_one_gateway_both_get_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    other_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Two entries that poll the same gateway each get its entities."""
    for entry in (init_integration, other_entry):
        unique_id = entity_unique_id(
            entry.unique_id or "",
            ResourceKind.GATEWAY,
            GATEWAY_ID,
            "gateway_connection",
        )
        entity_id = entity_registry.async_get_entity_id(BS, DOMAIN, unique_id)
        assert entity_id is not None, entry.title
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_ON
    devices = {
        get_device_for(hass, entry, GATEWAY_ID).id
        for entry in (init_integration, other_entry)
    }
    assert len(devices) == 2


def get_device_for(
    hass: HomeAssistant, entry: MockConfigEntry, resource_id: str
) -> dr.DeviceEntry:
    """Return the gateway device of one entry."""
    device = get_device_by_identifier(
        dr.async_get(hass),
        device_identifier(entry.unique_id or "", ResourceKind.GATEWAY, resource_id),
        entry.entry_id,
    )
    assert device is not None
    return device


@pytest.fixture
async def other_entry(hass: HomeAssistant, poll: FakePoll) -> MockConfigEntry:
    """A second account (another webhook) that sees the same gateway."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Installer",
        unique_id="installer-account",
        minor_version=ENTRY_MINOR_VERSION,
        data={
            "webhook_id": "f" * 64,
            "secrets": ["whsec_other"],
            "account_id": "installer-account",
            "user_id": "installer",
            "api_token": "gxo_other",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_item2_registries_of_version_1_are_migrated(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Entity ids and devices of a 1.1 entry survive with the new identifiers.

    The catalogue holds a gateway and an EV with the same id, the data of
    the entry that item 1 bricked.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="gridX",
        unique_id=ACCOUNT_ID,
        minor_version=1,
        data=load_entry_data(),
    )
    entry.add_to_hass(hass)
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}",
        "data": {
            "resources": [
                {"kind": "gateway", "id": GATEWAY_ID, "name": "Keller"},
                {"kind": "appliance", "id": APPLIANCE_ID, "gateway_id": GATEWAY_ID},
                {"kind": "ev", "id": GATEWAY_ID, "gateway_id": GATEWAY_ID},
            ]
        },
    }
    gateway = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, GATEWAY_ID)}
    )
    inverter = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, APPLIANCE_ID)}
    )
    # A device only its entities can tell the kind of.
    orphan = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, ASSET_ID)}
    )
    old: dict[str, tuple[str, str, str | None, str]] = {
        "binary_sensor.keller_connection": (
            BS,
            f"{GATEWAY_ID}_gateway_connection",
            gateway.id,
            "gateway_connection",
        ),
        "event.keller_event": (
            Platform.EVENT,
            f"{GATEWAY_ID}_event",
            gateway.id,
            "gateway_event",
        ),
        "binary_sensor.electric_vehicle_plugged_in": (
            BS,
            f"{GATEWAY_ID}_ev_plugged",
            gateway.id,
            "ev_plugged",
        ),
        "sensor.inverter_status": (
            Platform.SENSOR,
            f"{APPLIANCE_ID}_inverter_status",
            inverter.id,
            "inverter_status",
        ),
        "event.car_event": (
            Platform.EVENT,
            f"{ASSET_ID}_event",
            orphan.id,
            "ev_event",
        ),
        "sensor.foreign": (Platform.SENSOR, "not-ours", None, None),
    }
    for entity_id, (platform, unique_id, device_id, translation_key) in old.items():
        entity_registry.async_get_or_create(
            platform,
            DOMAIN,
            unique_id,
            config_entry=entry,
            device_id=device_id,
            suggested_object_id=entity_id.split(".")[1],
            translation_key=translation_key,
        )

    # The plug sensor had a value: it comes back (and with it, its device).
    stamped = {"value": True, "time": "2026-06-20T14:00:00+00:00", "source": "push"}
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("binary_sensor.electric_vehicle_plugged_in", "on"),
                {"stamped": stamped},
            )
        ],
    )
    with patch_poll(FakePoll(gateways=[demo_gateway()])):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == ENTRY_MINOR_VERSION
    expected = {
        "binary_sensor.keller_connection": (
            ResourceKind.GATEWAY,
            GATEWAY_ID,
            "gateway_connection",
        ),
        "event.keller_event": (ResourceKind.GATEWAY, GATEWAY_ID, "event"),
        "binary_sensor.electric_vehicle_plugged_in": (
            ResourceKind.EV,
            GATEWAY_ID,
            "ev_plugged",
        ),
        "sensor.inverter_status": (
            ResourceKind.APPLIANCE,
            APPLIANCE_ID,
            "inverter_status",
        ),
        "event.car_event": (ResourceKind.EV, ASSET_ID, "event"),
    }
    for entity_id, (kind, resource_id, key) in expected.items():
        registry_entry = entity_registry.async_get(entity_id)
        assert registry_entry is not None, entity_id
        assert registry_entry.unique_id == entity_unique_id(
            ACCOUNT_ID, kind, resource_id, key
        )
    foreign = entity_registry.async_get("sensor.foreign")
    assert foreign is not None
    assert foreign.unique_id == "not-ours"

    assert device_registry.async_get(gateway.id).identifiers == {  # type: ignore[union-attr]
        device_identifier(ACCOUNT_ID, ResourceKind.GATEWAY, GATEWAY_ID)
    }
    assert device_registry.async_get(inverter.id).identifiers == {  # type: ignore[union-attr]
        device_identifier(ACCOUNT_ID, ResourceKind.APPLIANCE, APPLIANCE_ID)
    }
    assert device_registry.async_get(orphan.id).identifiers == {  # type: ignore[union-attr]
        device_identifier(ACCOUNT_ID, ResourceKind.EV, ASSET_ID)
    }
    # The EV that shared the gateway's id now has a device of its own, and
    # its entity (same entity id, history kept) moved there.
    vehicle = get_device(hass, GATEWAY_ID, ResourceKind.EV)
    assert vehicle is not None
    assert vehicle.id != gateway.id
    plugged = entity_registry.async_get("binary_sensor.electric_vehicle_plugged_in")
    assert plugged is not None
    assert plugged.device_id == vehicle.id


async def test_migrating_a_newer_entry_fails(hass: HomeAssistant) -> None:
    """An entry of a newer major version is not loaded."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=ACCOUNT_ID, version=2, data=load_entry_data()
    )
    entry.add_to_hass(hass)
    with patch_poll():
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


def load_entry_data() -> dict[str, Any]:
    """Return the data of the conftest entry."""
    return {
        "webhook_id": WEBHOOK_ID,
        "secrets": [SECRET],
        "account_id": ACCOUNT_ID,
        "user_id": USER_ID,
        "api_token": TOKEN,
    }


async def test_item6_a_flood_of_new_ids_creates_a_bounded_number_of_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    poll: FakePoll,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Distinct signed assetIDs: devices stop at the budget, events still fire.

    The gateway is known from the poll, so every token goes to an EV. A
    device the poll lists later still gets its entities.
    """
    fired: list[Event] = []
    hass.bus.async_listen(EVENT_GRIDX, fired.append)
    store = init_integration.runtime_data.store
    flood = 3 * CAPACITY
    for number in range(flood):
        body = event(
            "ev/plugged",
            ev_data(f"flood-{number}", state="PLUGGED"),
            time=at(1),
            event_id=f"flood-{number}",
        )
        assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()
    assert len(fired) == flood
    assert len(list(store.known(ResourceKind.EV))) == CAPACITY
    evs = [
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), init_integration.entry_id
        )
        if device.via_device_id is not None and device.model is None
    ]
    assert len(evs) == CAPACITY
    assert issue_registry.async_get_issue(
        DOMAIN, f"device_limit_{init_integration.entry_id}"
    )

    poll.gateways.append(
        Gateway(id="late-gateway", name="Late", connection_status="AVAILABLE")
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert get_device(hass, "late-gateway") is not None
    assert state_of(hass, BS, "late-gateway_gateway_connection") is not None


def test_item6_budget_refills_at_its_rate() -> None:
    """The bucket gives CAPACITY at once, then PER_HOUR an hour."""
    budget = CreationBudget()
    assert all(budget.take(T0) for _ in range(CAPACITY))
    assert not budget.take(T0)
    assert budget.refused == 1
    later = T0 + timedelta(hours=1)
    assert sum(budget.take(later) for _ in range(2 * PER_HOUR)) == PER_HOUR
    assert budget.take(later + timedelta(days=30))
    assert budget.tokens == CAPACITY - 1


async def test_item19_second_appliance_with_same_serial_does_not_take_over(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """A sub-appliance with the serial of a live (polled) one gets its own device."""
    inverter = get_device(hass, APPLIANCE_ID)
    assert inverter is not None
    sub_id = "sub-appliance"
    data = appliance_data(
        sub_id, serialNumber=demo_inverter().serial_number, type="INVERTER"
    )
    await post_webhook(event("appliance/create", data, time=at(1)))
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) == inverter
    sub = get_device(hass, sub_id)
    assert sub is not None
    assert sub.id != inverter.id


@pytest.mark.usefixtures("init_integration")
async def test_item19_move_needs_the_same_type(
    hass: HomeAssistant, poll: FakePoll, post_webhook: PostWebhook
) -> None:
    """Gone from the poll but of another type: a new device, no move."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    inverter = get_device(hass, APPLIANCE_ID)
    assert inverter is not None
    poll.appliances = {}
    await entry.runtime_data.coordinator.async_refresh()
    data = appliance_data(
        "new-meter", serialNumber=demo_inverter().serial_number, type="METER"
    )
    await post_webhook(event("appliance/create", data, time=at(1)))
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) == inverter
    meter = get_device(hass, "new-meter")
    assert meter is not None
    assert meter.id != inverter.id

    # Same type, gone from the last poll: that is a re-pair, and it moves.
    data = appliance_data(
        "new-inverter", serialNumber=demo_inverter().serial_number, type="INVERTER"
    )
    await post_webhook(event("appliance/create", data, time=at(2)))
    await hass.async_block_till_done()
    assert get_device(hass, APPLIANCE_ID) is None
    moved = get_device(hass, "new-inverter")
    assert moved is not None
    assert moved.id == inverter.id


async def test_item20_a_device_gridx_still_lists_cannot_be_removed(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """The polled gateway and inverter stay; a push-only EV may go."""
    for resource_id in (GATEWAY_ID, APPLIANCE_ID):
        device = get_device(hass, resource_id)
        assert device is not None
        assert not await async_remove_config_entry_device(
            hass, init_integration, device
        )
    await post_webhook(load_event("ev_plugged.json"))
    await hass.async_block_till_done()
    vehicle = get_device(hass, ASSET_ID)
    assert vehicle is not None
    assert await async_remove_config_entry_device(hass, init_integration, vehicle)
    store = init_integration.runtime_data.store
    assert ASSET_ID not in store.known(ResourceKind.EV)
    assert GATEWAY_ID in store.known(ResourceKind.GATEWAY)
