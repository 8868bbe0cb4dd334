"""One device trigger per meaning; old gridX triggers in automations keep working.

Home Assistant lists its own ``binary_sensor`` triggers for every binary
sensor of a device; the gridX triggers listed beside them are only those no
sensor shows (the EV's location, push events). Automations written with the
gridX state triggers of earlier versions still fire on the real change, and
not when the entry reloads.
"""

from collections.abc import Generator
from typing import Any

from homeassistant.components import automation
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.gridx.const import DOMAIN

from .conftest import PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    entity_id,
    ev_data,
    event,
    gateway_data,
    get_device,
    patch_poll,
)
from .trigger_meanings import core_state_changes, gridx_types, listed_meanings

BS = Platform.BINARY_SENSOR
METER_ID = "aaaa0000-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
STATION_ID = "bbbb0000-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Answer the coordinator's polls with nothing (no gateways)."""
    with patch_poll() as fake:
        yield fake


async def _post(hass: HomeAssistant, post_webhook: PostWebhook, body: Any) -> None:
    assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()


def _device(hass: HomeAssistant, resource_id: str) -> str:
    device = get_device(hass, resource_id)
    assert device is not None, resource_id
    return device.id


async def _announce(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """A gateway, an inverter, a meter, an EV (plugged, charging) and a station."""
    await _post(hass, post_webhook, load_event("gateway_create.json"))
    await _post(hass, post_webhook, load_event("appliance_create.json"))  # inverter
    meter = appliance_data(METER_ID, type="METER")
    await _post(hass, post_webhook, event("appliance/create", meter))
    await _post(hass, post_webhook, event("gateway/online", gateway_data()))
    for appliance_id in (APPLIANCE_ID, METER_ID):
        online = event("appliance/online", appliance_data(appliance_id))
        await _post(hass, post_webhook, online)
    inverter = appliance_data(type="INVERTER", status="OK", lastStatus="OK")
    await _post(hass, post_webhook, event("inverter/status", inverter))
    await _post(hass, post_webhook, load_event("power_limit_set.json"))
    await _post(hass, post_webhook, load_event("ev_measurement.json"))
    station = appliance_data(STATION_ID, state="plugged")
    await _post(hass, post_webhook, event("ev/plugged", station))


@pytest.mark.usefixtures("init_integration")
async def test_one_trigger_per_meaning(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """EV, station, gateway, inverter, meter: every listed trigger means its own change.

    What a binary sensor shows (plugged, charging, connected, limited,
    problem) is listed once, as Home Assistant's trigger of that sensor; the
    gridX triggers listed are the location (an enum sensor: core lists none)
    and the push events.
    """
    await _announce(hass, post_webhook)
    ev = await listed_meanings(hass, _device(hass, ASSET_ID))
    assert gridx_types(ev) == ["ev_arrived_home", "ev_left_home", "ev_charging_failed"]
    plug = entity_id(hass, BS, f"{ASSET_ID}_ev_plugged")
    charging = entity_id(hass, BS, f"{ASSET_ID}_ev_charging")
    assert core_state_changes(ev) == {
        (plug, STATE_ON),
        (plug, STATE_OFF),
        (charging, STATE_ON),
        (charging, STATE_OFF),
    }
    location = entity_id(hass, Platform.SENSOR, f"{ASSET_ID}_ev_location")
    # Core lists no trigger of the location sensor: ours are the only ones.
    assert [m for d, _, m in ev if d != DOMAIN and m[0] == location] == []
    assert [m for d, _, m in ev if d == DOMAIN][:2] == [
        (location, "home"),
        (location, "away"),
    ]

    station = await listed_meanings(hass, _device(hass, STATION_ID))
    assert gridx_types(station) == []
    station_plug = entity_id(hass, BS, f"{STATION_ID}_ev_plugged")
    assert core_state_changes(station) == {
        (station_plug, STATE_ON),
        (station_plug, STATE_OFF),
    }

    gateway = await listed_meanings(hass, _device(hass, GATEWAY_ID))
    assert gridx_types(gateway) == ["power_limit_set", "power_limit_unset"]
    connection = entity_id(hass, BS, f"{GATEWAY_ID}_gateway_connection")
    limitation = entity_id(hass, BS, f"{GATEWAY_ID}_power_limitation")
    assert core_state_changes(gateway) == {
        (connection, STATE_ON),
        (connection, STATE_OFF),
        (limitation, STATE_ON),
        (limitation, STATE_OFF),
    }

    inverter = await listed_meanings(hass, _device(hass, APPLIANCE_ID))
    assert gridx_types(inverter) == ["inverter_status_changed", "inverter_problem"]
    problem = entity_id(hass, BS, f"{APPLIANCE_ID}_inverter_problem")
    inverter_connection = entity_id(hass, BS, f"{APPLIANCE_ID}_appliance_connection")
    assert core_state_changes(inverter) == {
        (problem, STATE_ON),
        (problem, STATE_OFF),
        (inverter_connection, STATE_ON),
        (inverter_connection, STATE_OFF),
    }

    meter = await listed_meanings(hass, _device(hass, METER_ID))
    assert gridx_types(meter) == []
    assert len(core_state_changes(meter)) == 2  # connected, disconnected


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Record the calls of the automations' test.automation action."""
    return async_mock_service(hass, "test", "automation")


async def test_old_automations_keep_firing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    calls: list[ServiceCall],
) -> None:
    """YAML automations with the unlisted types fire on the change, not on a reload."""
    await _post(hass, post_webhook, load_event("gateway_create.json"))
    await _post(
        hass, post_webhook, event("gateway/offline", gateway_data(), time=at(1))
    )
    unplugged_away = ev_data(state="UNPLUGGED", atHome=False)
    await _post(hass, post_webhook, event("ev/unplugged", unplugged_away, time=at(1)))
    ev_device, gateway_device = _device(hass, ASSET_ID), _device(hass, GATEWAY_ID)
    cases = {
        "ev_plugged": ev_device,
        "ev_arrived_home": ev_device,
        "ev_left_home": ev_device,
        "gateway_online": gateway_device,
    }
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": trigger_type,
                    "trigger": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device_id,
                        "type": trigger_type,
                    },
                    "action": {
                        "service": "test.automation",
                        "data": {"alias": trigger_type},
                    },
                }
                for trigger_type, device_id in cases.items()
            ]
        },
    )
    await hass.async_block_till_done()

    def fired() -> list[str]:
        aliases = sorted(call.data["alias"] for call in calls)
        calls.clear()
        return aliases

    # The car comes home and is plugged in; the gateway comes online.
    plugged_home = ev_data(state="PLUGGED", atHome=True)
    await _post(hass, post_webhook, event("ev/plugged", plugged_home, time=at(2)))
    assert fired() == ["ev_arrived_home", "ev_plugged"]
    await _post(hass, post_webhook, event("gateway/online", gateway_data(), time=at(2)))
    assert fired() == ["gateway_online"]
    # The same states again: nothing.
    await _post(hass, post_webhook, event("ev/plugged", plugged_home, time=at(3)))
    await _post(hass, post_webhook, event("gateway/online", gateway_data(), time=at(3)))
    assert fired() == []

    # A reload brings every sensor back from unavailable: nothing fires.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, BS, f"{ASSET_ID}_ev_plugged")).state == "on"  # type: ignore[union-attr]
    location = entity_id(hass, Platform.SENSOR, f"{ASSET_ID}_ev_location")
    assert hass.states.get(location).state == "home"  # type: ignore[union-attr]
    assert fired() == []

    # After the reload the triggers still follow the sensors.
    await _post(hass, post_webhook, event("ev/unplugged", unplugged_away, time=at(4)))
    assert fired() == ["ev_left_home"]
    await _post(hass, post_webhook, event("ev/plugged", plugged_home, time=at(5)))
    assert fired() == ["ev_arrived_home", "ev_plugged"]


async def test_core_plug_trigger_fires_again_on_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    entity_registry: er.EntityRegistry,
    calls: list[ServiceCall],
) -> None:
    """What the README says: core's "… plugged in" fires after a reload, gridX's not.

    Home Assistant's binary_sensor trigger follows ``to: on`` from any
    state, so the sensor's return from unavailable fires it; the gridX
    ``ev_plugged`` (off -> on) does not.
    """
    unplugged = ev_data(state="UNPLUGGED")
    await _post(hass, post_webhook, event("ev/unplugged", unplugged, time=at(1)))
    plug = entity_registry.async_get(entity_id(hass, BS, f"{ASSET_ID}_ev_plugged"))
    assert plug is not None and plug.device_id is not None
    core = {
        "trigger": "device",
        "domain": Platform.BINARY_SENSOR,
        "device_id": plug.device_id,
        "entity_id": plug.id,
        "type": "plugged_in",
    }
    ours = {
        "trigger": "device",
        "domain": DOMAIN,
        "device_id": plug.device_id,
        "type": "ev_plugged",
    }
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": alias,
                    "triggers": trigger,
                    "actions": {"action": "test.automation", "data": {"alias": alias}},
                }
                for alias, trigger in (("core", core), ("gridx", ours))
            ]
        },
    )
    await hass.async_block_till_done()

    plugged = ev_data(state="PLUGGED")
    await _post(hass, post_webhook, event("ev/plugged", plugged, time=at(2)))
    assert sorted(call.data["alias"] for call in calls) == ["core", "gridx"]
    calls.clear()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [call.data["alias"] for call in calls] == ["core"]
