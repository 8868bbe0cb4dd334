"""EV charging control failures against the gridX emulator (issue 18).

gridX refusing (400/422), busy (429/5xx, retried), forbidding (403: repair
issue, controls unavailable), unreachable, or failing a read: each is a
translated error or touches only the control entities.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.ev.control import issue_id
from gridx_emulator import DemoIds, GridxEmulator

from . import test_ev_control
from .gridx_state import entity_id, get_device
from .test_ev_control import call, ev_of, live_of_entry, select_mode, state_of

poll = test_ev_control.poll
mock_recorder_before_hass = test_ev_control.mock_recorder_before_hass
clock = test_ev_control.clock
init_integration = test_ev_control.init_integration
token = test_ev_control.token
mock_config_entry = test_ev_control.mock_config_entry
no_backoff = test_ev_control.no_backoff


@pytest.mark.parametrize(
    ("status", "key", "text"),
    [
        (400, "ev_refused", "gridX refused the change: Bad Request"),
        (422, "ev_refused", "gridX refused the change: Unprocessable"),
        (429, "ev_busy", "HTTP 429"),
        (503, "ev_busy", "HTTP 503"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_write_errors_are_translated(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    status: int,
    key: str,
    text: str,
) -> None:
    """400/422 carry gridX's message; 429/5xx after the retries; state unchanged."""
    emulator.faults.add("update_ev_configuration", status=status, count=4)
    with pytest.raises(HomeAssistantError) as err:
        await select_mode(hass, demo_ids, "solar_surplus")
    assert err.value.translation_key == key
    assert text in str(err.value)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"


@pytest.mark.usefixtures("init_integration")
async def test_busy_then_fine_is_retried(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A 429 and a 503 before success: the change is made."""
    emulator.faults.add("update_ev_configuration", status=429)
    emulator.faults.add("update_ev_configuration", status=503)
    await select_mode(hass, demo_ids, "solar_surplus")
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        "solar_surplus"
    )


@pytest.mark.parametrize("token", ["read-only-ev"])
async def test_forbidden_write_makes_controls_unavailable(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    init_integration: MockConfigEntry,
) -> None:
    """403: translated error, repair issue naming the policy, controls unavailable."""
    entry = init_integration
    with pytest.raises(HomeAssistantError) as err:
        await select_mode(hass, demo_ids, "solar_surplus")
    assert err.value.translation_key == "ev_forbidden"
    assert "may not change charging" in str(err.value)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_placeholders == {
        "title": entry.title,
        "policy": "AppliancesEVConfigurationWrite",
    }
    for platform, key in (
        (Platform.SELECT, "ev_charge_mode"),
        (Platform.NUMBER, "ev_target_charge"),
        (Platform.TIME, "ev_departure"),
    ):
        assert state_of(hass, platform, demo_ids, key) == STATE_UNAVAILABLE
    # Only the controls: live sensors stay.
    power = f"{demo_ids.gateway_id}_{demo_ids.ev_station_id}_charging_station_energy"
    energy = hass.states.get(entity_id(hass, Platform.SENSOR, power))
    assert energy is not None
    assert energy.state != STATE_UNAVAILABLE
    # No retry until the hour is over; then a successful read clears it.
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        STATE_UNAVAILABLE
    )
    ev_of(entry).forbidden_until = datetime.now(UTC) - timedelta(seconds=1)
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry.entry_id)) is None


@pytest.mark.usefixtures("init_integration")
async def test_read_failures_touch_only_the_controls(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A failed read: controls unavailable, writes refused; back after a read."""
    emulator.faults.add("get_ev_configuration", status=500)
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        STATE_UNAVAILABLE
    )
    assert state_of(hass, Platform.SENSOR, demo_ids, "ev_max_power_calculated") == (
        STATE_UNAVAILABLE
    )
    # Home Assistant does not call an unavailable entity: nothing is sent.
    await select_mode(hass, demo_ids, "solar_surplus")
    assert emulator.ev.requests == []
    # A change made in the gridX app shows within one cycle.
    emulator.state.ev_configurations[demo_ids.ev_station_id]["chargeMode"] = "MIN_EV"
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        "minimum_then_solar"
    )


@pytest.mark.usefixtures("init_integration")
async def test_read_forbidden_raises_the_issue(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A 403 on the read names the read policy."""
    emulator.faults.add("get_ev_configuration", status=403)
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    [entry] = hass.config_entries.async_entries(DOMAIN)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["policy"] == "AppliancesEVConfigurationRead"
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        STATE_UNAVAILABLE
    )


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"endpoint": "list_ev_profiles", "status": 500}, "ev_busy"),
        ({"endpoint": "list_ev_profiles", "status": 403}, "ev_capacity_unknown"),
        ({"endpoint": "update_ev_configuration", "drop": True, "count": 4}, None),
        ({"endpoint": "update_ev_configuration", "status": 409}, "ev_failed"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_other_failures_are_translated(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    fault: dict[str, Any],
    key: str | None,
) -> None:
    """Profiles failing, no connection, an undocumented status: translated."""
    emulator.faults.add(fault.pop("endpoint"), **fault)
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            Platform.NUMBER,
            SERVICE_SET_VALUE,
            demo_ids,
            "ev_target_charge",
            **{ATTR_VALUE: 75},
        )
    assert err.value.translation_key == (key or "ev_unreachable")


@pytest.mark.usefixtures("init_integration")
async def test_action_on_an_unavailable_station(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The action is not an entity call: it says the station is unavailable."""
    emulator.faults.add("get_ev_configuration", status=500)
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    device = get_device(hass, demo_ids.ev_station_id)
    assert device is not None
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "charge_to",
            {"device_id": device.id, "target": 80, "departure": "07:00"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "ev_unavailable"


@pytest.mark.usefixtures("init_integration")
async def test_dst_resend_failure_is_logged(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused re-send is a warning; the next cycle tries again."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    config = emulator.state.ev_configurations[demo_ids.ev_station_id]
    config["departureTimestamp"] = "2026-10-21T05:00:00Z"
    clock.move_to(datetime(2026, 10, 26, 12, tzinfo=UTC))
    emulator.faults.add("update_ev_configuration", status=400)
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "Could not send the departure time again" in caplog.text
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config["departureTimestamp"] == "2026-10-27T06:00:00Z"
