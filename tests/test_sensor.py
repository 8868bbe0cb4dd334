"""Tests for the gridX sensors, fed through the real webhook."""

from collections.abc import Generator
from http import HTTPStatus
from unittest.mock import patch

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    demo_poll,
    ev_data,
    event,
    patch_poll,
    state_of,
)

S = Platform.SENSOR


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter; only the sensor platform."""
    with (
        patch_poll(demo_poll()) as poll,
        patch("custom_components.gridx.PLATFORMS", [S]),
    ):
        yield poll


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """Every sensor, after one event of each kind."""
    for name in ("ev_measurement.json", "inverter_status.json", "power_limit_set.json"):
        assert (await post_webhook(load_event(name))).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_ev_values_and_units(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """MW become W, metres show as km, percentages stay; absent fields keep values."""
    await post_webhook(load_event("ev_measurement.json") | {"time": at(1).isoformat()})
    await hass.async_block_till_done()
    power = state_of(hass, S, f"{ASSET_ID}_ev_charge_power")
    assert power.state == "7400.0"
    assert power.attributes["unit_of_measurement"] == "W"
    assert power.attributes["state_class"] == "measurement"
    ev_range = state_of(hass, S, f"{ASSET_ID}_ev_range")
    assert ev_range.state == "250.0"
    assert ev_range.attributes["unit_of_measurement"] == "km"
    soc = state_of(hass, S, f"{ASSET_ID}_ev_state_of_charge")
    assert soc.state == "63.0"
    assert soc.attributes["device_class"] == "battery"
    assert state_of(hass, S, f"{ASSET_ID}_ev_charge_limit").state == "80.0"

    # Discharging (V2G) is negative; a stop without SoC keeps the SoC.
    await post_webhook(
        event(
            "ev/charge-stopped",
            ev_data(chargePower=-3_700_000, state="STOPPED"),
            time=at(2),
        )
    )
    await hass.async_block_till_done()
    assert state_of(hass, S, f"{ASSET_ID}_ev_charge_power").state == "-3700.0"
    assert state_of(hass, S, f"{ASSET_ID}_ev_state_of_charge").state == "63.0"


@pytest.mark.usefixtures("init_integration")
async def test_inverter_status(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """The enum follows inverter/status; UNKNOWN and unknown values are unknown."""
    unique_id = f"{APPLIANCE_ID}_inverter_status"
    # Created with the first status, not before.
    assert not any(
        entry.unique_id.endswith(unique_id)
        for entry in er.async_get(hass).entities.values()
    )
    for minute, status, expected in (
        (1, "WARNING", "warning"),
        (2, "UNKNOWN", STATE_UNKNOWN),
        (3, "ERROR", "error"),
        (4, "MELTDOWN", STATE_UNKNOWN),
        (5, "OK", "ok"),
    ):
        await post_webhook(
            event(
                "inverter/status",
                appliance_data(status=status, lastStatus="OK"),
                time=at(minute),
            )
        )
        await hass.async_block_till_done()
        assert state_of(hass, S, unique_id).state == expected
    assert state_of(hass, S, unique_id).attributes["options"] == [
        "ok",
        "warning",
        "error",
    ]


@pytest.mark.usefixtures("init_integration")
async def test_power_limit(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """NewLPC mW becomes W; unset lifts the limit: no number to show, not unknown.

    The §14a binary sensor shows "Not limited" then; this one is unavailable.
    """
    unique_id = f"{GATEWAY_ID}_power_limit"
    await post_webhook(load_event("power_limit_set.json") | {"time": at(1).isoformat()})
    await hass.async_block_till_done()
    state = state_of(hass, S, unique_id)
    assert state.state == "4200.0"
    assert state.attributes["unit_of_measurement"] == "W"
    await post_webhook(
        load_event("power_limit_unset.json") | {"time": at(2).isoformat()}
    )
    await hass.async_block_till_done()
    assert state_of(hass, S, unique_id).state == STATE_UNAVAILABLE
    await post_webhook(
        load_event("power_limit_set.json")
        | {"time": at(3).isoformat(), "id": "set-again"}
    )
    await hass.async_block_till_done()
    assert state_of(hass, S, unique_id).state == "4200.0"


@pytest.mark.usefixtures("init_integration")
async def test_power_limit_without_known_gateway(
    hass: HomeAssistant, post_webhook: PostWebhook, poll: FakePoll
) -> None:
    """A §14a signal for a system no known gateway belongs to is ignored."""
    body = load_event("power_limit_set.json") | {
        "time": at(1).isoformat(),
        "source": "/systems/00000000-0000-4000-8000-000000000000",
    }
    # Only one gateway is known: it is taken to be the system's.
    await post_webhook(body)
    await hass.async_block_till_done()
    assert state_of(hass, S, f"{GATEWAY_ID}_power_limit").state == "4200.0"
