"""Tests for the gridX diagnostics: health counters, nothing secret."""

from collections.abc import Generator
import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .conftest import (
    ACCOUNT_ID,
    SECRET,
    TOKEN,
    USER_ID,
    WEBHOOK_ID,
    PostWebhook,
    load_event,
)
from .gridx_state import FakePoll, demo_poll, patch_poll


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter."""
    with patch_poll(demo_poll()) as poll:
        yield poll


@pytest.fixture
async def diagnostics_component(hass: HomeAssistant) -> None:
    """Set up diagnostics before the HTTP app is frozen by a test client."""
    assert await async_setup_component(hass, "diagnostics", {})


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_diagnostics(
    hass: HomeAssistant,
    diagnostics_component: None,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics show counters and resources, and redact secrets and PII."""
    for name in ("gateway_create.json", "ev_measurement.json", "ev_measurement.json"):
        await post_webhook(load_event(name))
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics == snapshot
    assert diagnostics["webhook"]["events_received"] == 2
    assert diagnostics["webhook"]["duplicates_ignored"] == 1
    text = json.dumps(diagnostics)
    for secret in (
        TOKEN,
        SECRET,
        WEBHOOK_ID,
        ACCOUNT_ID,
        USER_ID,
        "erika@example.org",
        "Erika",
    ):
        assert secret not in text
