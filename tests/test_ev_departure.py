"""The departure time against the gridX emulator (issue 18).

A local time of day goes out as its next occurrence in UTC, the mode "By
departure time" adds a target and a departure when none is set, and a past
departure is sent again when a DST change moved its meaning.
"""

from datetime import UTC, datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.time import ATTR_TIME
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest

from gridx_emulator import DemoIds, GridxEmulator

from . import test_ev_control
from .test_ev_control import call, live_of_entry, select_mode, state_of

poll = test_ev_control.poll
mock_recorder_before_hass = test_ev_control.mock_recorder_before_hass
clock = test_ev_control.clock
init_integration = test_ev_control.init_integration
token = test_ev_control.token
mock_config_entry = test_ev_control.mock_config_entry
no_backoff = test_ev_control.no_backoff


@pytest.mark.usefixtures("init_integration")
async def test_departure_mode_adds_target_and_departure(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """By departure time without either: 80 % and next 07:00 local, one PATCH."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    await select_mode(hass, demo_ids, "departure_time")
    # 2026-06-21 13:02 CEST: 07:00 CEST is tomorrow, 05:00 UTC.
    assert emulator.ev.requests == [
        (
            "PATCH",
            demo_ids.ev_station_id,
            {
                "chargeMode": "DEPARTURE_TIME_EV",
                "minRequestedSoc": 80.0,
                "departureTimestamp": "2026-06-22T05:00:00Z",
                "userTotalCapacity": 60000,
            },
        )
    ]
    assert state_of(hass, Platform.TIME, demo_ids, "ev_departure") == "07:00:00"
    estimate = state_of(hass, Platform.SENSOR, demo_ids, "ev_estimated_departure")
    assert datetime.fromisoformat(estimate) == datetime(2026, 6, 22, 5, tzinfo=UTC)


@pytest.mark.usefixtures("init_integration")
async def test_departure_time_across_dst(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    clock: FrozenDateTimeFactory,
) -> None:
    """07:00 local is 05:00Z in summer, 06:00Z in winter; sent again after the change."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    clock.move_to(datetime(2026, 10, 20, 12, tzinfo=UTC))
    await call(
        hass,
        Platform.TIME,
        "set_value",
        demo_ids,
        "ev_departure",
        **{ATTR_TIME: "07:00:00"},
    )
    assert emulator.ev.requests[-1][2] == {"departureTimestamp": "2026-10-21T05:00:00Z"}
    # The same time again: no request.
    await call(
        hass,
        Platform.TIME,
        "set_value",
        demo_ids,
        "ev_departure",
        **{ATTR_TIME: "07:00:00"},
    )
    assert len(emulator.ev.requests) == 1
    # After the change to CET (2026-10-25) gridX would read 05:00Z as 06:00:
    # the next live cycle sends 07:00 local again, now 06:00Z.
    clock.move_to(datetime(2026, 10, 26, 12, tzinfo=UTC))
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert emulator.ev.requests[-1][2] == {"departureTimestamp": "2026-10-27T06:00:00Z"}
    assert state_of(hass, Platform.TIME, demo_ids, "ev_departure") == "07:00:00"
    # Stable: the next cycle sends nothing.
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(emulator.ev.requests) == 2
