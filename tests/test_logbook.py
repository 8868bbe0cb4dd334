"""Tests of the logbook descriptions of ``gridx_event``."""

from collections.abc import Callable, Generator
from http import HTTPStatus
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    async_capture_events,
    mock_integration,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.api.event_types import EventType
from custom_components.gridx.const import DOMAIN, EVENT_GRIDX
from custom_components.gridx.logbook import (
    DESCRIPTIONS,
    async_describe_events,
    describe_gridx_event,
    logbook_icon,
)

from .conftest import PostWebhook, load_event
from .gridx_state import ASSET_ID, GATEWAY_ID, FakePoll, get_device, patch_poll


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Prepare the recorder's database before ``hass`` (for ``recorder_mock``)."""


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Answer the coordinator's polls with nothing (no gateways)."""
    with patch_poll() as fake:
        yield fake


def _describer(hass: HomeAssistant) -> Callable[[Event], dict[str, str]]:
    """Return the describe callback the logbook platform registers."""
    registered: dict[str, tuple[str, Callable[[Event], dict[str, str]]]] = {}

    def register(
        domain: str, event_name: str, describe: Callable[[Event], dict[str, str]]
    ) -> None:
        registered[event_name] = (domain, describe)

    async_describe_events(hass, register)
    domain, describe = registered[EVENT_GRIDX]
    assert domain == DOMAIN
    return describe


def test_every_event_type_is_described() -> None:
    """Each known gridX event type has a logbook text."""
    assert set(DESCRIPTIONS) == set(EventType)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "ev/plugged"}, ("gridX EV", "plugged in")),
        ({"type": "gateway/offline"}, ("gridX gateway", "went offline")),
        (
            {"type": "inverter/status", "data": {"status": "ERROR", "err_code": "E1"}},
            ("gridX inverter", "changed status to ERROR (error code E1)"),
        ),
        (
            {"type": "inverter/status", "data": {"status": "OK"}},
            ("gridX inverter", "changed status to OK"),
        ),
        (
            {"type": "ev/charge-failed", "data": {"kind": "STOP"}},
            ("gridX EV", "could not stop charging"),
        ),
        (
            {"type": "ev/charge-failed", "data": {"kind": "START"}},
            ("gridX EV", "could not start charging"),
        ),
        (
            {"type": "ev/plugged", "data": {"evse_id": "FR*A23"}},
            ("gridX EV", "plugged in at charge point FR*A23"),
        ),
        (
            {"type": "system/action", "data": {"resolution": {"title": "Accept"}}},
            ("gridX", "needs a user action: Accept"),
        ),
        ({"type": "system/action", "data": None}, ("gridX", "needs a user action")),
        ({"type": "battery/overheated"}, ("gridX", "sent event battery/overheated")),
        ({"type": None, "device_id": None}, ("gridX", "sent event None")),
        (
            {"type": "ping", "device_id": "gone"},
            ("gridX", "received a webhook test event"),
        ),
    ],
)
def test_describe(
    hass: HomeAssistant, data: dict[str, Any], expected: tuple[str, str]
) -> None:
    """The text of an event without a (known) device."""
    assert describe_gridx_event(hass, data) == expected
    describe = _describer(hass)
    assert describe(Event(EVENT_GRIDX, data)) == {
        LOGBOOK_ENTRY_NAME: expected[0],
        LOGBOOK_ENTRY_MESSAGE: expected[1],
        LOGBOOK_ENTRY_ICON: logbook_icon(data.get("type")),
    }


@pytest.mark.parametrize(
    ("event_type", "icon"),
    [
        ("ev/plugged", "mdi:car-electric"),
        ("gateway/offline", "mdi:router-network"),
        ("inverter/status", "mdi:solar-power-variant"),
        (
            "grid-signal-processor/limitation-of-power-consumption/set",
            "mdi:transmission-tower",
        ),
        ("ping", "mdi:lightning-bolt-circle"),
        (None, "mdi:lightning-bolt-circle"),
    ],
)
def test_icon(event_type: str | None, icon: str) -> None:
    """Each family of events has its own logbook icon."""
    assert logbook_icon(event_type) == icon


@pytest.mark.usefixtures("init_integration")
async def test_describe_names_the_device(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The logbook line is named after the device, renamed by the user or not."""
    # Captured in the event loop, in firing order (a plain `list.append`
    # listener would run in executor threads, in no guaranteed order).
    fired: list[Event] = async_capture_events(hass, EVENT_GRIDX)
    await post_webhook(load_event("gateway_create.json"))
    await post_webhook(load_event("ev_plugged.json"))
    await hass.async_block_till_done()
    describe = _describer(hass)

    assert describe(fired[-1]) == {
        LOGBOOK_ENTRY_NAME: "Electric vehicle",
        LOGBOOK_ENTRY_MESSAGE: "plugged in",
        LOGBOOK_ENTRY_ICON: "mdi:car-electric",
    }
    gateway = get_device(hass, GATEWAY_ID)
    assert gateway is not None
    assert describe(fired[0])[LOGBOOK_ENTRY_NAME] == "My gridBox"
    device_registry.async_update_device(gateway.id, name_by_user="Keller")
    assert describe(fired[0]) == {
        LOGBOOK_ENTRY_NAME: "Keller",
        LOGBOOK_ENTRY_MESSAGE: "was added",
        LOGBOOK_ENTRY_ICON: "mdi:router-network",
    }


@pytest.fixture
async def setup_logbook(hass: HomeAssistant, recorder_mock: Any) -> None:
    """Set up the logbook (before the HTTP app is started by a client).

    The test environment has no frontend build; the logbook only needs the
    frontend to register its panel.
    """
    mock_integration(hass, MockModule("frontend"))
    assert await async_setup_component(hass, "logbook", {})


@pytest.mark.usefixtures("setup_logbook", "init_integration")
async def test_logbook_shows_gridx_events(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
) -> None:
    """Events received through the webhook appear in the logbook, described."""
    start = dt_util.utcnow()
    for name in ("gateway_offline", "ev_plugged", "power_limit_set"):
        response = await post_webhook(load_event(f"{name}.json"))
        assert response.status == HTTPStatus.NO_CONTENT
    await async_wait_recording_done(hass)

    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    assert response.status == HTTPStatus.OK
    entries = [
        (entry["name"], entry["message"], entry.get("domain"))
        for entry in await response.json()
        if entry.get("domain") == DOMAIN
    ]
    assert entries == [
        ("Keller", "went offline", DOMAIN),
        ("Electric vehicle", "plugged in", DOMAIN),
        ("Keller", "received a §14a power limit", DOMAIN),
    ]
    device = get_device(hass, ASSET_ID)
    assert device is not None
