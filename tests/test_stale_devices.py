"""Issue 20 §2: devices gridX no longer lists (quality rule ``stale-devices``).

A gateway or appliance missing from two complete polls in a row is removed
with its entities; a failed or partial poll never counts; the user may
remove a device gridX no longer lists; one that comes back keeps its ids.
"""

from collections.abc import Generator
import dataclasses

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx import async_remove_config_entry_device
from custom_components.gridx.api.errors import GridxServerError
from custom_components.gridx.api.gateways import Appliance
from custom_components.gridx.const import ResourceKind

from .conftest import PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    demo_gateway,
    demo_poll,
    entity_id,
    event,
    get_device,
    patch_poll,
)

BS = Platform.BINARY_SENSOR
METER_ID = "5e7e7e7e-0000-4000-8000-00000000e7e7"
METER = Appliance(
    id=METER_ID,
    gateway_id=GATEWAY_ID,
    name="Grid meter",
    appliance_type="METER",
    connection_status="AVAILABLE",
)

OTHER_GATEWAY = dataclasses.replace(
    demo_gateway(),
    id="0ther000-5d3a-4f8e-a6b9-1c2d3e4f5a60",
    name="Garage gridBox",
    serial_number="D403-007-000-000-002-B-X",
)

pytestmark = pytest.mark.usefixtures("init_integration")


@pytest.fixture
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway, its inverter and a meter."""
    fake = demo_poll()
    fake.appliances[GATEWAY_ID].append(METER)
    with patch_poll(fake):
        yield fake


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _without_meter(poll: FakePoll) -> None:
    poll.appliances[GATEWAY_ID] = [
        a for a in poll.appliances[GATEWAY_ID] if a.id != METER_ID
    ]


async def test_removed_after_two_complete_polls(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    entity_registry: er.EntityRegistry,
) -> None:
    """An appliance, then a gateway: gone after the second poll that misses it."""
    meter_entity = entity_id(hass, BS, f"{METER_ID}_appliance_connection")
    _without_meter(poll)
    await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is not None  # one miss is no proof
    assert hass.states.get(meter_entity) is not None

    await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is None
    assert entity_registry.async_get(meter_entity) is None
    assert hass.states.get(meter_entity) is None
    store = init_integration.runtime_data.store
    assert METER_ID not in store.known(ResourceKind.APPLIANCE)
    assert get_device(hass, APPLIANCE_ID) is not None
    assert get_device(hass, GATEWAY_ID) is not None

    # The whole gateway goes: its appliances with it. (gridX lists another
    # one: a list without any gateway removes nothing, see below.)
    inverter_entity = entity_id(hass, BS, f"{APPLIANCE_ID}_appliance_connection")
    gateway_entity = entity_id(hass, BS, f"{GATEWAY_ID}_gateway_connection")
    poll.gateways.append(OTHER_GATEWAY)
    await _poll(hass, init_integration)
    poll.gateways = [OTHER_GATEWAY]
    await _poll(hass, init_integration)
    assert get_device(hass, GATEWAY_ID) is not None
    await _poll(hass, init_integration)
    assert get_device(hass, GATEWAY_ID) is None
    assert get_device(hass, APPLIANCE_ID) is None
    for gone in (inverter_entity, gateway_entity):
        assert entity_registry.async_get(gone) is None
        assert hass.states.get(gone) is None
    assert store.known(ResourceKind.GATEWAY) == [OTHER_GATEWAY.id]


async def test_empty_gateway_list_removes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GridX answers no gateway, twice and more: every device stays; one warning.

    The user may still remove them by hand; after a list with a gateway, the
    next empty one is warned again.
    """
    poll.gateways = []
    for _ in range(3):
        await _poll(hass, init_integration)
    for resource_id in (GATEWAY_ID, APPLIANCE_ID, METER_ID):
        assert get_device(hass, resource_id) is not None, resource_id
    assert caplog.text.count("gridX listed no gateway, but 1 are known") == 1

    meter = get_device(hass, METER_ID)
    assert meter is not None
    assert await async_remove_config_entry_device(hass, init_integration, meter)

    poll.gateways = [demo_gateway()]
    await _poll(hass, init_integration)
    assert get_device(hass, GATEWAY_ID) is not None
    # Empty again after a good poll: warned again, still nothing removed.
    poll.gateways = []
    await _poll(hass, init_integration)
    await _poll(hass, init_integration)
    assert get_device(hass, GATEWAY_ID) is not None
    assert caplog.text.count("gridX listed no gateway, but 1 are known") == 2


async def test_failed_poll_never_counts(
    hass: HomeAssistant, init_integration: MockConfigEntry, poll: FakePoll
) -> None:
    """A miss, then failed polls: kept; only a second successful miss removes."""
    _without_meter(poll)
    await _poll(hass, init_integration)
    poll.error = GridxServerError(503, "Service Unavailable")
    for _ in range(3):
        await _poll(hass, init_integration)
    assert not init_integration.runtime_data.coordinator.last_update_success
    assert get_device(hass, METER_ID) is not None
    poll.error = None
    await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is None


async def test_partial_poll_never_counts(
    hass: HomeAssistant, init_integration: MockConfigEntry, poll: FakePoll
) -> None:
    """A gateway list stopped at its page limit removes nothing."""
    poll.complete = False
    poll.gateways = []
    _without_meter(poll)
    for _ in range(3):
        await _poll(hass, init_integration)
    assert init_integration.runtime_data.coordinator.last_update_success
    assert not init_integration.runtime_data.coordinator.data.complete
    for resource_id in (GATEWAY_ID, APPLIANCE_ID, METER_ID):
        assert get_device(hass, resource_id) is not None


async def test_event_starts_the_count_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    post_webhook: PostWebhook,
) -> None:
    """An event naming the appliance between two misses: it exists, kept."""
    _without_meter(poll)
    await _poll(hass, init_integration)
    body = event("appliance/online", appliance_data(METER_ID), time=at(1))
    assert (await post_webhook(body)).status == 204
    await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is not None
    await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is None


async def test_user_may_remove_a_device_gridx_no_longer_lists(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Refused while listed; allowed once the last poll missed it."""
    meter = get_device(hass, METER_ID)
    assert meter is not None
    assert not await async_remove_config_entry_device(hass, init_integration, meter)
    _without_meter(poll)
    await _poll(hass, init_integration)
    assert await async_remove_config_entry_device(hass, init_integration, meter)
    device_registry.async_remove_device(meter.id)
    await hass.async_block_till_done()
    assert get_device(hass, METER_ID) is None
    assert METER_ID not in init_integration.runtime_data.store.known(
        ResourceKind.APPLIANCE
    )
    # The next poll does not trip over the forgotten count.
    await _poll(hass, init_integration)
    assert get_device(hass, GATEWAY_ID) is not None


async def test_device_that_comes_back_keeps_its_ids(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    entity_registry: er.EntityRegistry,
) -> None:
    """Removed as stale, listed again: same identifiers, unique ids, entity ids."""
    meter = get_device(hass, METER_ID)
    assert meter is not None
    before = entity_registry.async_get(
        entity_id(hass, BS, f"{METER_ID}_appliance_connection")
    )
    assert before is not None
    _without_meter(poll)
    for _ in range(2):
        await _poll(hass, init_integration)
    assert get_device(hass, METER_ID) is None

    poll.appliances[GATEWAY_ID].append(dataclasses.replace(METER, name="Meter"))
    await _poll(hass, init_integration)
    again = get_device(hass, METER_ID)
    assert again is not None
    assert again.identifiers == meter.identifiers
    after = entity_registry.async_get(before.entity_id)
    assert after is not None
    assert after.unique_id == before.unique_id
    assert after.device_id == again.id
    assert hass.states.get(before.entity_id) is not None


async def test_vehicles_are_not_removed_by_polls(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
) -> None:
    """No REST list names an EV: polls keep it; the user may remove it."""
    assert (await post_webhook(load_event("ev_plugged.json"))).status == 204
    await hass.async_block_till_done()
    for _ in range(3):
        await _poll(hass, init_integration)
    vehicle = get_device(hass, ASSET_ID)
    assert vehicle is not None
    assert await async_remove_config_entry_device(hass, init_integration, vehicle)


async def test_legacy_station_keeps_the_shared_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    post_webhook: PostWebhook,
) -> None:
    """A stale appliance that is also a legacy charging station keeps its device."""
    assert (await post_webhook(load_event("ev_plugged_legacy.json"))).status == 204
    await hass.async_block_till_done()
    poll.appliances[GATEWAY_ID] = [METER]
    for _ in range(2):
        await _poll(hass, init_integration)
    assert APPLIANCE_ID not in init_integration.runtime_data.store.known(
        ResourceKind.APPLIANCE
    )
    assert get_device(hass, APPLIANCE_ID) is not None
    assert hass.states.get(entity_id(hass, BS, f"{APPLIANCE_ID}_ev_plugged"))
