"""The two charging blueprints, run through Home Assistant's blueprint integration.

The automations are set up with ``use_blueprint`` from a config directory
holding the gridX blueprints, on an entry that polls the emulator; what they
do is read off the emulator (the PATCH bodies) and the entities.
"""

from datetime import UTC, datetime
from pathlib import Path
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.gridx.const import ResourceKind
from gridx_emulator import DemoIds, GridxEmulator

from . import test_blueprints, test_ev_control
from .conftest import PostWebhook, load_event
from .gridx_state import ASSET_ID, entity_id, get_device

poll = test_ev_control.poll
mock_recorder_before_hass = test_ev_control.mock_recorder_before_hass
clock = test_ev_control.clock
init_integration = test_ev_control.init_integration
token = test_ev_control.token
mock_config_entry = test_ev_control.mock_config_entry
no_backoff = test_ev_control.no_backoff
config_dir = test_blueprints.config_dir
use_blueprint = test_blueprints.use_blueprint


def mode_entity(hass: HomeAssistant, demo_ids: DemoIds) -> str:
    """Return the charge mode select of the demo wallbox."""
    return entity_id(
        hass,
        Platform.SELECT,
        f"{demo_ids.gateway_id}_{demo_ids.ev_station_id}_ev_charge_mode",
    )


async def plug_in(post_webhook: PostWebhook, soc: float) -> None:
    """Report the car unplugged, then its state of charge and its plug-in.

    The "EV plugged in" trigger follows the plug sensor (off -> on), so
    each plug-in starts unplugged.
    """
    for name, extra in (
        ("ev_unplugged.json", {}),
        ("ev_measurement.json", {"stateOfCharge": soc, "plugState": "UNPLUGGED"}),
        ("ev_plugged.json", {}),
    ):
        event = load_event(name)
        event["id"] = str(uuid.uuid4())
        event["time"] = datetime.now(UTC).isoformat()
        event["data"].update(extra)
        assert (await post_webhook(event)).status == 204


@pytest.mark.usefixtures("config_dir")
async def test_plugged_in_charges_on_solar_or_fast_when_low(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Plugged in at 60 %: solar surplus only; at 20 % (below 30): fast."""
    await plug_in(post_webhook, 50)
    await hass.async_block_till_done()
    ev = get_device(hass, ASSET_ID, ResourceKind.EV)
    assert ev is not None
    battery = entity_id(hass, Platform.SENSOR, f"{ASSET_ID}_ev_state_of_charge")
    select = mode_entity(hass, demo_ids)
    await use_blueprint(
        hass,
        "ev_plugged_in_charge_solar.yaml",
        ev_device=ev.id,
        charge_mode=select,
        battery=battery,
        threshold=30,
    )
    await plug_in(post_webhook, 60)
    await hass.async_block_till_done()
    assert [body for _, _, body in emulator.ev.requests] == [
        {"chargeMode": "SURPLUS_EV"}
    ]
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "solar_surplus"
    await plug_in(post_webhook, 20)
    await hass.async_block_till_done()
    assert emulator.ev.requests[-1][2] == {"chargeMode": "FORCED_EV"}
    state = hass.states.get(select)
    assert state is not None
    assert state.state == "fast"


@pytest.mark.usefixtures("config_dir")
async def test_departure_on_weekdays(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    clock: FrozenDateTimeFactory,
) -> None:
    """Sunday 20:00: 80 % by Monday 07:00 (one charge_to); Friday: nothing."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    station = get_device(hass, demo_ids.ev_station_id)
    assert station is not None
    await use_blueprint(
        hass,
        "ev_charge_by_departure_weekdays.yaml",
        station=station.id,
        target=80,
        departure="07:00:00",
        plan_at="20:00:00",
    )
    # Sunday 2026-06-21, 20:00 CEST.
    sunday = datetime(2026, 6, 21, 18, tzinfo=UTC)
    clock.move_to(sunday)
    async_fire_time_changed(hass, sunday)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [body for _, _, body in emulator.ev.requests] == [
        {
            "chargeMode": "DEPARTURE_TIME_EV",
            "minRequestedSoc": 80.0,
            "departureTimestamp": "2026-06-22T05:00:00Z",
            "userTotalCapacity": 60000,
        }
    ]
    # Friday 2026-06-26, 20:00 CEST: the weekend follows, nothing is sent.
    friday = datetime(2026, 6, 26, 18, tzinfo=UTC)
    clock.move_to(friday)
    async_fire_time_changed(hass, friday)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(emulator.ev.requests) == 1
    # Detach the time trigger (no timer may outlive the test).
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all"}, blocking=True
    )


def test_both_blueprints_are_in_the_config_dir(config_dir: Path) -> None:
    """The fixture copies the charging blueprints too."""
    folder = config_dir / "blueprints" / "automation" / "gridx"
    assert (folder / "ev_plugged_in_charge_solar.yaml").is_file()
    assert (folder / "ev_charge_by_departure_weekdays.yaml").is_file()
