"""The logbook: one translated line per user-relevant gridX event.

The integration describes no bus event of its own (no ``logbook`` platform):
its lines are the state changes of its entities, which the frontend words in
the user's language from the entities' translations and device classes.
Measurements and webhook pings change nothing a user reads in the logbook.
"""

from collections.abc import Generator
from datetime import datetime
from http import HTTPStatus
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockModule, mock_integration
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.const import DOMAIN

from .conftest import PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    demo_poll,
    entity_id,
    ev_data,
    event,
    gateway_data,
    patch_poll,
)

BS = Platform.BINARY_SENSOR


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Prepare the recorder's database before ``hass`` (for ``recorder_mock``)."""


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """The poll knows the gridBox and its inverter, both online."""
    with patch_poll(demo_poll()) as fake:
        yield fake


@pytest.fixture
async def setup_logbook(hass: HomeAssistant, recorder_mock: Any) -> None:
    """Set up the logbook (before the HTTP app is started by a client).

    The test environment has no frontend build; the logbook only needs the
    frontend to register its panel.
    """
    mock_integration(hass, MockModule("frontend"))
    assert await async_setup_component(hass, "logbook", {})


async def _lines(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
    body: dict[str, Any],
) -> list[dict[str, Any]]:
    """Post one event; return the logbook lines it added."""
    start = dt_util.utcnow()
    response = await post_webhook(body)
    assert response.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    assert response.status == HTTPStatus.OK
    return [
        line
        for line in await response.json()
        if dt_util.parse_datetime(line["when"]) >= _floor(start)
    ]


def _floor(time: datetime) -> datetime:
    return time.replace(microsecond=0)


def _measurement(minute: float, plug: str, charge: str) -> dict[str, Any]:
    return event(
        "ev/measurement",
        ev_data(
            chargePower=0,
            chargeState=charge,
            plugState=plug,
            isControllable=True,
            stateOfCharge=40.0 + minute,
        ),
        time=at(minute),
        event_id=f"measurement-{minute}",
    )


@pytest.mark.usefixtures("setup_logbook", "init_integration")
async def test_one_translated_line_per_event(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
) -> None:
    """Each event a user cares about is one entity state change; others none."""
    # The vehicle becomes known (its first states are not changes).
    await post_webhook(event("ev/plugged", ev_data(state="PLUGGED"), time=at(1)))
    await post_webhook(_measurement(1.5, "PLUGGED", "STOPPED"))
    await hass.async_block_till_done()
    plug = entity_id(hass, BS, f"{ASSET_ID}_ev_plugged")
    battery = entity_id(hass, BS, f"{ASSET_ID}_ev_charging")
    connection = entity_id(hass, BS, f"{GATEWAY_ID}_gateway_connection")
    limit = entity_id(hass, BS, f"{GATEWAY_ID}_power_limitation")

    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        (
            event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(2)),
            [(plug, STATE_OFF)],
        ),
        (
            event(
                "ev/charge-started",
                ev_data(chargePower=11_000_000, state="CHARGING"),
                time=at(3),
            ),
            [(battery, STATE_ON)],
        ),
        # A measurement that changes what is shown only in numbers: no line.
        (_measurement(4, "UNPLUGGED", "CHARGING"), []),
        (load_event("ping.json"), []),
        (
            event("gateway/offline", gateway_data(), time=at(5)),
            [(connection, STATE_OFF)],
        ),
        (
            load_event("power_limit_set.json") | {"time": at(6).isoformat()},
            [(limit, STATE_ON)],
        ),
    ]
    for body, expected in cases:
        lines = await _lines(hass, hass_client, post_webhook, body)
        assert [(line.get("entity_id"), line.get("state")) for line in lines] == (
            expected
        ), body["type"]
        # Worded by the frontend from the entity's translations: the
        # integration adds no English text of its own.
        assert all("message" not in line for line in lines), lines
        assert all(line.get("domain") != DOMAIN for line in lines), lines


@pytest.mark.usefixtures("setup_logbook", "init_integration")
async def test_momentary_events_are_one_line_each(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
) -> None:
    """A failed charging command is one line, its first one included.

    The event entity is created by its first event and fires it after its
    first state, so the logbook (which skips first states) lists it too.
    """
    await post_webhook(event("ev/plugged", ev_data(state="PLUGGED"), time=at(1)))
    await hass.async_block_till_done()

    failed = load_event("ev_charge_failed.json")
    lines = await _lines(hass, hass_client, post_webhook, failed)
    charging = entity_id(hass, Platform.EVENT, f"{ASSET_ID}_event")
    assert [line.get("entity_id") for line in lines] == [charging]
    again = await _lines(
        hass, hass_client, post_webhook, {**failed, "id": "failed-again"}
    )
    assert [line.get("entity_id") for line in again] == [charging]

    # An inverter's status is the status sensor's state, translated
    # ("Warning"), never gridX's raw "WARNING".
    await post_webhook(
        event(
            "inverter/status", appliance_data(status="OK", lastStatus="OK"), time=at(2)
        )
    )
    await hass.async_block_till_done()
    lines = await _lines(
        hass,
        hass_client,
        post_webhook,
        event(
            "inverter/status",
            appliance_data(status="WARNING", lastStatus="OK"),
            time=at(3),
        ),
    )
    status = entity_id(hass, Platform.SENSOR, f"{APPLIANCE_ID}_inverter_status")
    problem = entity_id(hass, BS, f"{APPLIANCE_ID}_inverter_problem")
    assert {(line.get("entity_id"), line.get("state")) for line in lines} == {
        (status, "warning"),
        (problem, STATE_ON),
    }
    assert all("WARNING" not in str(line) for line in lines)
