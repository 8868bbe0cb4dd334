"""A homeowner's poll-only portal entry: plug, charging and triggers from polls.

The portal login of the demo user may not use webhooks or rules, so the
entry runs poll-only. Everything here comes from polls of the emulator,
changed through its control routes as a homeowner's car and network would.
"""

from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from homeassistant.components import automation
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.device_trigger import async_device_trigger_types
from custom_components.gridx.live.coordinator import CONF_LIVE_INTERVAL
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.auth0 import PortalUser

from .gridx_state import FakePoll, entity_id, get_device
from .test_blueprints import (
    NOTIFY_SERVICE,
    config_dir,  # noqa: F401 - a fixture
    phone,  # noqa: F401 - a fixture
    use_blueprint,
)
from .test_config_flow_portal import (
    EMAIL,
    PASSWORD,
    create_portal_entry,
    ha_client,  # noqa: F401 - a fixture
)
from .trigger_meanings import core_state_changes, gridx_types, listed_meanings

BS = Platform.BINARY_SENSOR
PLUGGED = "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE"


@pytest.fixture
def poll() -> FakePoll | None:
    """Poll the emulator for real."""
    return None


@pytest.fixture
def owner(emulator: GridxEmulator, demo_ids: DemoIds) -> PortalUser:
    """Return a homeowner login of the demo user (no push policies)."""
    return emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id)


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Record the calls of the automations' test.automation action."""
    return async_mock_service(hass, "test", "automation")


async def _control(emulator: GridxEmulator, path: str, body: Any) -> int:
    """POST to one of the emulator's control routes; return the status."""
    async with (
        ClientSession() as session,
        session.post(f"{emulator.base_url}/_control/{path}", json=body) as response,
    ):
        return response.status


async def _plug(
    hass: HomeAssistant, entry: ConfigEntry, emulator: GridxEmulator, body: Any
) -> None:
    """Set the station at the emulator, then let the live poll see it."""
    system_id = entry.runtime_data.live.systems()[0].system_id
    assert await _control(emulator, f"systems/{system_id}/ev-station", body) == 200
    await entry.runtime_data.live.async_refresh()
    await hass.async_block_till_done()


async def _automation(hass: HomeAssistant, device_id: str, types: list[str]) -> None:
    """One automation per trigger type of the device; each records its alias."""
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": trigger_type,
                    "triggers": [
                        {
                            "trigger": "device",
                            "domain": DOMAIN,
                            "device_id": device_id,
                            "type": trigger_type,
                        }
                    ],
                    "actions": {
                        "action": "test.automation",
                        "data": {"alias": trigger_type},
                    },
                }
                for trigger_type in types
            ]
        },
    )
    await hass.async_block_till_done()


def _fired(calls: list[ServiceCall]) -> list[str]:
    fired = [call.data["alias"] for call in calls]
    calls.clear()
    return fired


@pytest.mark.usefixtures("poll", "ha_client", "owner")
async def test_plug_and_charging_follow_the_live_poll(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    calls: list[ServiceCall],
) -> None:
    """The wallbox's plug and Car sensors follow plugState and power; triggers fire."""
    entry = await create_portal_entry(hass, emulator)
    # A fresh homeowner entry: poll-only, and nothing to repair.
    assert [key for key in issue_registry.issues if key[0] == DOMAIN] == []
    await _plug(hass, entry, emulator, {"plugState": "UNPLUGGED", "power": 0})

    station = demo_ids.ev_station_id
    wallbox = get_device(hass, station)
    assert wallbox is not None
    plug_id = entity_id(hass, BS, f"{station}_ev_plugged")
    car_id = entity_id(hass, BS, f"{station}_station_charging")
    ent_reg = er.async_get(hass)
    for found in (plug_id, car_id):
        registered = ent_reg.async_get(found)
        assert registered is not None
        assert registered.disabled_by is None  # enabled by default
        assert registered.device_id == wallbox.id  # on the station's device

    def states() -> tuple[str, str]:
        plug, car = hass.states.get(plug_id), hass.states.get(car_id)
        assert plug is not None and car is not None
        return plug.state, car.state

    assert states() == ("off", "off")
    plug = hass.states.get(plug_id)
    assert plug is not None
    assert plug.attributes["device_class"] == "plug"

    # The station lists no gridX trigger: its plug, Car and connection
    # sensors carry Home Assistant's own, one per meaning. The gridX types
    # of earlier versions still work in automations.
    assert async_device_trigger_types(hass, wallbox.id) == []
    listed = await listed_meanings(hass, wallbox.id)
    assert gridx_types(listed) == []
    assert {(plug_id, "on"), (car_id, "on")} <= core_state_changes(listed)
    types = ["ev_plugged", "ev_unplugged", "ev_charging_started", "ev_charging_stopped"]
    await _automation(hass, wallbox.id, types)

    # The cable hangs on the station only: not plugged in.
    await _plug(hass, entry, emulator, {"plugState": "PLUGGED_ON_STATION"})
    assert states() == ("off", "off")
    assert _fired(calls) == []
    # The car is plugged in, idle: plugged, not charging.
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 3})
    assert states() == ("on", "off")
    assert _fired(calls) == ["ev_plugged"]
    # It charges (11 kW).
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 11000})
    assert states() == ("on", "on")
    assert _fired(calls) == ["ev_charging_started"]
    # The same answer again: no change, no trigger.
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 11000})
    assert _fired(calls) == []
    # An unknown plugState is unknown, not "unplugged"; no trigger fires.
    # (gridX's enum has no such value; the control route refuses it.)
    emulator.live.station_overrides[demo_ids.system_id] = {
        "plugState": "UNKNOWN",
        "power": 11000,
    }
    await entry.runtime_data.live.async_refresh()
    await hass.async_block_till_done()
    assert states() == ("unknown", "on")
    assert _fired(calls) == []
    # Unplugged: both off.
    await _plug(hass, entry, emulator, {"plugState": "UNPLUGGED", "power": 0})
    assert states() == ("off", "off")
    # The plug from unknown: no on -> off; the car stopped charging.
    assert _fired(calls) == ["ev_charging_stopped"]
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 7400})
    assert sorted(_fired(calls)) == ["ev_charging_started", "ev_plugged"]
    await _plug(hass, entry, emulator, {"plugState": "UNPLUGGED", "power": 0})
    assert sorted(_fired(calls)) == ["ev_charging_stopped", "ev_unplugged"]

    # A reload shows the last state again (unavailable -> off): nothing fires.
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 0})
    assert _fired(calls) == ["ev_plugged"]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert states()[0] == "on"
    assert _fired(calls) == []


@pytest.mark.usefixtures("poll", "ha_client", "owner")
async def test_poll_only_offers_no_push_only_trigger(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    calls: list[ServiceCall],
) -> None:
    """GridBox and inverter list no gridX trigger; an old online trigger fires."""
    entry = await create_portal_entry(hass, emulator)
    gateway = get_device(hass, demo_ids.gateway_id)
    inverter = get_device(hass, demo_ids.inverter_id)
    assert gateway is not None and inverter is not None
    # Poll-only: no push events, and the connections are core's triggers.
    for device in (gateway, inverter):
        assert async_device_trigger_types(hass, device.id) == []
        assert gridx_types(await listed_meanings(hass, device.id)) == []

    # The gateway goes offline and comes back, as the slow poll sees it.
    await _automation(hass, gateway.id, ["gateway_online", "gateway_offline"])
    coordinator = entry.runtime_data.coordinator
    path = f"gateways/{demo_ids.gateway_id}/connection"
    assert await _control(emulator, path, {"connectionStatus": "UNAVAILABLE"}) == 200
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _fired(calls) == ["gateway_offline"]
    assert await _control(emulator, path, {"connectionStatus": "AVAILABLE"}) == 200
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _fired(calls) == ["gateway_online"]


async def test_control_routes_refuse_bad_bodies(
    emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The control routes answer 400/404 to what they do not understand."""
    system = f"systems/{demo_ids.system_id}/ev-station"
    gateway = f"gateways/{demo_ids.gateway_id}/connection"
    for path, body, status in (
        (system, {"plugState": "HALF"}, 400),
        (system, {"power": "lots"}, 400),
        (system, {"power": True}, 400),
        (system, {"colour": "red"}, 400),
        (system, [1], 400),
        ("systems/nope/ev-station", {}, 404),
        (gateway, {"connectionStatus": "MAYBE"}, 400),
        (gateway, {}, 400),
        ("gateways/nope/connection", {"connectionStatus": "UNAVAILABLE"}, 404),
    ):
        assert await _control(emulator, path, body) == status, (path, body)
    assert emulator.live.station_overrides == {}
    # {} returns the station to the simulation.
    assert await _control(emulator, system, {"power": 5}) == 200
    assert emulator.live.station_overrides == {demo_ids.system_id: {"power": 5}}
    assert await _control(emulator, system, {}) == 200
    assert emulator.live.station_overrides == {}
    async with (
        ClientSession() as session,
        session.post(
            f"{emulator.base_url}/_control/{gateway}", data=b"not json"
        ) as response,
    ):
        assert response.status == 400
    assert emulator.state.gateways[demo_ids.gateway_id].connection_status == (
        "AVAILABLE"
    )


@pytest.mark.usefixtures("poll", "ha_client", "owner")
async def test_poll_only_options_show_no_event_types(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """A homeowner's options: the live interval only; the event types are kept."""
    entry = await create_portal_entry(hass, emulator)
    kept = dict(entry.options)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "polling"
    assert [str(key) for key in result["data_schema"].schema] == [CONF_LIVE_INTERVAL]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LIVE_INTERVAL: 45}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {**kept, CONF_LIVE_INTERVAL: 45}
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=45)


@pytest.mark.usefixtures("poll", "ha_client", "owner", "config_dir")
async def test_ev_plugged_in_blueprint_on_the_wallbox(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    phone: str,  # noqa: F811 - the fixture
) -> None:
    """The blueprint, pointed at the wallbox, notifies once per plug-in."""
    notified = async_mock_service(hass, "notify", NOTIFY_SERVICE)
    entry = await create_portal_entry(hass, emulator)
    await _plug(hass, entry, emulator, {"plugState": "UNPLUGGED", "power": 0})
    wallbox = get_device(hass, demo_ids.ev_station_id)
    assert wallbox is not None
    await use_blueprint(
        hass, "ev_plugged_in_notify.yaml", ev_device=wallbox.id, notify_device=phone
    )
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 0})
    assert len(notified) == 1
    assert notified[0].data["message"] == f"{wallbox.name} is plugged in."
    # Still plugged in at the next poll, and after a reload: no second one.
    await _plug(hass, entry, emulator, {"plugState": PLUGGED, "power": 7400})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(notified) == 1
