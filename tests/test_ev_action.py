"""The ``gridx.charge_to`` action against the gridX emulator (issue 18)."""

from typing import Any

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.services import SERVICE_CHARGE_TO, confirmed
from gridx_emulator import DemoIds, GridxEmulator

from . import test_ev_control
from .gridx_state import get_device

poll = test_ev_control.poll
mock_recorder_before_hass = test_ev_control.mock_recorder_before_hass
clock = test_ev_control.clock
init_integration = test_ev_control.init_integration
token = test_ev_control.token
mock_config_entry = test_ev_control.mock_config_entry
no_backoff = test_ev_control.no_backoff


async def charge_to(hass: HomeAssistant, device_id: str, **data: Any) -> Any:
    """Call the action and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        SERVICE_CHARGE_TO,
        {ATTR_DEVICE_ID: device_id, **data},
        blocking=True,
        return_response=True,
    )


def wallbox(hass: HomeAssistant, demo_ids: DemoIds) -> str:
    """Return the device id of the demo wallbox."""
    device = get_device(hass, demo_ids.ev_station_id)
    assert device is not None
    return device.id


@pytest.mark.usefixtures("init_integration")
async def test_charge_to_is_one_patch_and_answers_the_confirmation(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Mode, target (with the capacity) and departure in one PATCH."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    response = await charge_to(
        hass, wallbox(hass, demo_ids), target=85, departure="06:30"
    )
    assert emulator.ev.requests == [
        (
            "PATCH",
            demo_ids.ev_station_id,
            {
                "chargeMode": "DEPARTURE_TIME_EV",
                "minRequestedSoc": 85.0,
                "departureTimestamp": "2026-06-22T04:30:00Z",
                "userTotalCapacity": 60000,
            },
        )
    ]
    assert response == {
        "charge_mode": "departure_time",
        "target_charge": 85.0,
        "departure": "2026-06-22T04:30:00+00:00",
        "estimated_departure": "2026-06-22T04:30:00+00:00",
        "max_charging_power": None,
        "charging_allowed": True,
    }
    # The same again: nothing to send, the same answer.
    again = await charge_to(hass, wallbox(hass, demo_ids), target=85, departure="06:30")
    assert again == response
    assert len(emulator.ev.requests) == 1


@pytest.mark.usefixtures("init_integration")
async def test_charge_to_with_a_mode(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The optional mode replaces "by departure time"."""
    response = await charge_to(
        hass,
        wallbox(hass, demo_ids),
        target=50,
        departure="07:00:00",
        mode="minimum_then_solar",
    )
    assert response["charge_mode"] == "minimum_then_solar"
    assert emulator.ev.requests[0][2]["chargeMode"] == "MIN_EV"
    state = hass.states.get("select.demo_wallbox_charge_mode")
    assert state is not None
    assert state.state == "minimum_then_solar"


@pytest.mark.usefixtures("init_integration")
async def test_charge_to_refusal_is_translated(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A 422 reaches the caller (an automation's trace) with gridX's message."""
    emulator.faults.add(
        "update_ev_configuration",
        status=422,
        body={"message": "departure not reachable"},
    )
    with pytest.raises(HomeAssistantError, match="departure not reachable"):
        await charge_to(hass, wallbox(hass, demo_ids), target=90, departure="07:00")


@pytest.mark.usefixtures("init_integration")
async def test_charge_to_needs_a_charging_station(
    hass: HomeAssistant, demo_ids: DemoIds, init_integration: MockConfigEntry
) -> None:
    """The gateway, an unknown id or an unloaded entry: a validation error."""
    gateway = get_device(hass, demo_ids.gateway_id)
    assert gateway is not None
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={("x", "y")}
    )
    for device_id in (gateway.id, "nope", other.id):
        with pytest.raises(ServiceValidationError) as err:
            await charge_to(hass, device_id, target=80, departure="07:00")
        assert err.value.translation_key == "ev_station_unknown"
    station = wallbox(hass, demo_ids)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError):
        await charge_to(hass, station, target=80, departure="07:00")


async def test_charge_to_validates_its_fields(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Target outside 0-100 % or an unknown mode is refused before any call."""
    for data in (
        {"target": 101, "departure": "07:00"},
        {"target": 80, "departure": "07:00", "mode": "turbo"},
    ):
        with pytest.raises(vol.Invalid):
            await charge_to(hass, "x", **data)


def test_confirmed_without_configuration() -> None:
    """No configuration at gridX: fast, nothing else set."""
    assert confirmed(None)["charge_mode"] == "fast"
    assert confirmed(None)["departure"] is None
