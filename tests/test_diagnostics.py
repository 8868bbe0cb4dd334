"""Tests for the gridX diagnostics: health counters, nothing secret."""

from collections.abc import Generator
import json
from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.gridx.const import (
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    ResourceKind,
)
from custom_components.gridx.diagnostics import IdHasher

from .conftest import (
    ACCOUNT_ID,
    FIXTURES,
    SECRET,
    TOKEN,
    USER_ID,
    WEBHOOK_ID,
    PostWebhook,
    load_event,
)
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    demo_poll,
    get_device,
    patch_poll,
)

SUBSCRIPTION_ID = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
RULE_ID = "rule-4711"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EVENT_FIXTURES = sorted(path.name for path in Path(FIXTURES, "events").glob("*.json"))
SERIAL_RE = re.compile(r'"(?:serialNumber|gatewaySerialnumber)":\s*"([^"]+)"')


def fixture_ids() -> set[str]:
    """Return every id and serial number in the event fixtures and the poll."""
    found = {SUBSCRIPTION_ID, RULE_ID}
    for path in Path(FIXTURES, "events").glob("*.json"):
        text = path.read_text()
        found.update(UUID_RE.findall(text))
        found.update(SERIAL_RE.findall(text))
    poll = demo_poll()
    for gateway in poll.gateways:
        found.update({gateway.id, gateway.system_id, gateway.serial_number or ""})
    for appliances in poll.appliances.values():
        for appliance in appliances:
            found.update({appliance.id, appliance.serial_number or ""})
    found.discard("")
    return found


def assert_nothing_identifying(diagnostics: dict[str, object]) -> None:
    """Assert no secret, personal datum, id or serial number is in the output."""
    text = json.dumps(diagnostics)
    secrets = {TOKEN, SECRET, WEBHOOK_ID, ACCOUNT_ID, USER_ID}
    personal = {"erika@example.org", "Erika", "Musterfrau"}
    ids = fixture_ids()
    # The scan is meaningful: the fixtures' resources are among the ids.
    assert {GATEWAY_ID, APPLIANCE_ID, ASSET_ID, "D403-007-000-000-001-B-X"} <= ids
    for value in secrets | personal | ids:
        assert value not in text, value


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
    assert_nothing_identifying(diagnostics)
    # Ids are hashed, not dropped: one id is one hash wherever it appears.
    hashed = IdHasher(ACCOUNT_ID).hash(GATEWAY_ID)
    gateway = diagnostics["resources"]["gateway"][0]
    assert gateway["id"] == hashed
    assert diagnostics["resources"]["ev"][0]["gateway_id"] == hashed


@pytest.fixture
async def entry_with_subscription(
    hass: HomeAssistant, diagnostics_component: None, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the entry with a subscription and a rule id stored."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        data={
            **mock_config_entry.data,
            CONF_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
            CONF_RULE_IDS: [RULE_ID],
        },
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_diagnostics_hash_every_fixture_id(
    hass: HomeAssistant,
    entry_with_subscription: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
) -> None:
    """After every event fixture, no id, serial or subscription id is in clear."""
    mock_config_entry = entry_with_subscription
    for name in EVENT_FIXTURES:
        await post_webhook(load_event(name))
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    assert diagnostics["webhook"]["events_received"] > 10
    data = diagnostics["entry"]["data"]
    hasher = IdHasher(ACCOUNT_ID)
    assert data[CONF_SUBSCRIPTION_ID] == hasher.hash(SUBSCRIPTION_ID)
    assert data[CONF_RULE_IDS] == [hasher.hash(RULE_ID)]
    assert_nothing_identifying(diagnostics)
    for kind in (ResourceKind.GATEWAY, ResourceKind.EV, ResourceKind.APPLIANCE):
        resource_id = {
            ResourceKind.GATEWAY: GATEWAY_ID,
            ResourceKind.EV: ASSET_ID,
            ResourceKind.APPLIANCE: APPLIANCE_ID,
        }[kind]
        device = get_device(hass, resource_id, kind)
        assert device is not None
        assert_nothing_identifying(
            await get_diagnostics_for_device(
                hass, hass_client, mock_config_entry, device
            )
        )


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_device_diagnostics_are_scoped_to_the_device(
    hass: HomeAssistant,
    diagnostics_component: None,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """A device's download holds its own resources, not the whole entry."""
    for name in ("gateway_create.json", "ev_measurement.json"):
        await post_webhook(load_event(name))
    await hass.async_block_till_done()
    hasher = IdHasher(ACCOUNT_ID)
    expected = {
        (ResourceKind.GATEWAY, GATEWAY_ID),
        (ResourceKind.EV, ASSET_ID),
        (ResourceKind.APPLIANCE, APPLIANCE_ID),
    }
    for kind, resource_id in expected:
        device = get_device(hass, resource_id, kind)
        assert device is not None
        diagnostics = await get_diagnostics_for_device(
            hass, hass_client, init_integration, device
        )
        assert set(diagnostics) == {"device", "resources"}
        assert [(r["kind"], r["id"]) for r in diagnostics["resources"]] == [
            (str(kind), hasher.hash(resource_id))
        ]
        assert "entry" not in json.dumps(diagnostics)
        assert_nothing_identifying(diagnostics)
    gateway = get_device(hass, GATEWAY_ID, ResourceKind.GATEWAY)
    assert gateway is not None
    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, init_integration, gateway
    )
    assert diagnostics["device"] == {
        "manufacturer": "gridX",
        "model": "gridBox",
        "sw_version": None,
        "serial_number": hasher.hash("D403-007-000-000-001-B-X"),
        "disabled": False,
    }
    assert diagnostics["resources"][0]["states"]["connected"]["value"] is True


def test_id_hasher() -> None:
    """Ids are hashed as values, as keys, inside strings and under id keys."""
    hasher = IdHasher("account-a", known={"dev-4711"})
    other = IdHasher("account-b")
    hashed = hasher.hash(GATEWAY_ID)
    assert re.fullmatch(r"#[0-9a-f]{12}", hashed)
    assert hashed == hasher.hash(GATEWAY_ID)
    assert hashed != other.hash(GATEWAY_ID)
    assert hasher.scrub(
        {
            GATEWAY_ID: {"source": f"/systems/{GATEWAY_ID}", "n": 1},
            "serialNumber": 30117744,
            "rule_ids": ["r1", "r2"],
            "device": "dev-4711",
            "secret": "**REDACTED**",
            "gatewayID": "**REDACTED**",
            "name": "Roof inverter",
            "flag": True,
        }
    ) == {
        hashed: {"source": f"/systems/{hashed}", "n": 1},
        "serialNumber": hasher.hash("30117744"),
        "rule_ids": [hasher.hash("r1"), hasher.hash("r2")],
        "device": hasher.hash("dev-4711"),
        "secret": "**REDACTED**",
        "gatewayID": "**REDACTED**",
        "name": "Roof inverter",
        "flag": True,
    }
