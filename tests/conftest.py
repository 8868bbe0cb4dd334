"""Shared fixtures for the gridX tests."""

from collections.abc import Awaitable, Callable, Generator
from datetime import timedelta
from importlib.metadata import version
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import urlparse

from aiohttp import ClientResponse
from homeassistant.components.webhook import async_generate_url
from homeassistant.const import CONF_API_TOKEN, __version__ as ha_version
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

# phcc ships its own `custom_components` package (testing_config); importing
# ours at module level makes Home Assistant's loader find gridx here.
import custom_components.gridx  # noqa: F401
from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
from custom_components.gridx.const import (
    CONF_ACCOUNT_ID,
    CONF_SECRETS,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    DOMAIN,
    ENTRY_MINOR_VERSION,
)
from custom_components.gridx.state import resource_model

from .gridx_state import FakePoll, patch_poll
from .ha_compat import GridxSnapshotExtension

pytest_plugins = ["tests.emulator_fixtures"]

# phcc's plugin (loaded before this file) copies core's test setup: a root
# handler at INFO on the real stderr and the SQLAlchemy engine logger at
# INFO, which is the engine's echo. The recorder's commits from its thread,
# outside pytest's capture, then printed about a hundred
# "INFO:sqlalchemy.engine.Engine:COMMIT" lines into the test output (seen on
# the minimum Home Assistant). Back to SQLAlchemy's default, warnings only;
# every other logger is as phcc set it.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def pytest_report_header(config: pytest.Config) -> str:
    """Name the Home Assistant the tests run on (scripts/test runs two)."""
    phcc = version("pytest-homeassistant-custom-component")
    return f"Home Assistant {ha_version} (pytest-homeassistant-custom-component {phcc})"


FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_ID = "0123456789abcdef" * 4
SECRET = "whsec_" + "5e" * 32
ACCOUNT_ID = "9b1e3a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
USER_ID = "a115d9e3-6e78-4ddf-8676-a98c28ad8249"
TOKEN = "gxo_test_token_0123456789"

type PostWebhook = Callable[..., Awaitable[ClientResponse]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


@pytest.fixture(autouse=True)
def future_tolerance() -> Generator[None]:
    """Accept the test data's event times, up to a day ahead of the wall clock.

    The state tests date their events from ``gridx_state.T0``, an hour ahead
    of the wall clock (so they are newer than the setup poll), and spread
    bursts over hours. Tests of the clamp itself (issue 7, item 3) override
    this fixture to run with the real tolerance.
    """
    with patch.object(resource_model, "FUTURE_TOLERANCE", timedelta(days=1)):
        yield


def load_event(name: str) -> dict[str, Any]:
    """Return an event fixture from tests/fixtures/events/."""
    result: dict[str, Any] = json.loads((FIXTURES / "events" / name).read_text())
    return result


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return a gridX entry as the config flow stores it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="gridX",
        unique_id=ACCOUNT_ID,
        minor_version=ENTRY_MINOR_VERSION,
        data={
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_SECRETS: [SECRET],
            CONF_ACCOUNT_ID: ACCOUNT_ID,
            CONF_USER_ID: USER_ID,
            CONF_API_TOKEN: TOKEN,
        },
    )


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Store snapshots the Home Assistant way, in tests/snapshots/.

    Registry entries keep only the fields every supported Home Assistant has
    (tests/ha_compat.py), so the same snapshots hold on the newest and on the
    minimum release, and a new registry field breaks none.
    """
    return snapshot.use_extension(GridxSnapshotExtension)


@pytest.fixture
def poll() -> Generator[FakePoll | None]:
    """What the setup poll of gateways and appliances sees: an empty account.

    A test module overrides this fixture to poll something else, or yields
    None to poll for real (the emulator).
    """
    with patch_poll() as fake:
        yield fake


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, poll: FakePoll | None
) -> MockConfigEntry:
    """Set up the gridX integration with the mock entry."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
async def post_webhook(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> PostWebhook:
    """Return a function that POSTs a body to the gridX webhook.

    ``body`` may be a dict (sent as compact JSON) or raw bytes. By default it
    is signed with SECRET; pass ``signature`` to send a chosen header value,
    or ``None`` to send none.
    """
    client = await hass_client_no_auth()
    path = urlparse(async_generate_url(hass, WEBHOOK_ID)).path
    unset = object()

    async def post(
        body: dict[str, Any] | bytes,
        *,
        signature: Any = unset,
        secrets: list[str] | None = None,
        webhook_id: str | None = None,
    ) -> ClientResponse:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is unset:
            headers[SIGNATURE_HEADER] = sign(raw, secrets or [SECRET])
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        target = path if webhook_id is None else f"/api/webhook/{webhook_id}"
        return await client.post(target, data=raw, headers=headers)

    return post
