"""Tests for the gridX config flow, run against the local gridX emulator."""

from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from datetime import timedelta
import logging
import re
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlowResult,
)
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.api.resources import GridxUser
from custom_components.gridx.const import (
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SECRETS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
)
from custom_components.gridx.flow.options import event_types_of, options_of
from custom_components.gridx.live.coordinator import (
    CONF_LIVE_INTERVAL,
    DEFAULT_LIVE_INTERVAL,
    live_interval,
)
from gridx_emulator import DemoIds, EmulatorState, GridxEmulator

from .emulator_fixtures import DEMO_TOKEN, TEST_RETRY_BASE_DELAY

FEW_TYPES = ["gateway/online", "gateway/offline", "ev/plugged"]
CLOUDHOOK_URL = "https://hooks.nabu.casa/gridx-test-cloudhook"
NABUCASA = "custom_components.gridx.registration.cloudhook"


@pytest.fixture
async def ha_client(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Serve Home Assistant on 127.0.0.1 and make that its external URL."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("/")))
    return client


@pytest.fixture(autouse=True)
def gridx_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    """Capture the integration's debug log (checked for secrets)."""
    caplog.set_level(logging.DEBUG, logger="custom_components.gridx")


@pytest.fixture
def no_setup() -> Any:
    """Create entries without setting them up (flow-only tests)."""
    with patch("custom_components.gridx.async_setup_entry", return_value=True) as m:
        yield m


def user_input(
    emulator: GridxEmulator,
    token: str = DEMO_TOKEN,
    method: str = "automatic",
    api_base: str | None = None,
) -> dict[str, Any]:
    """Return the user step's input against the emulator."""
    return {
        CONF_API_TOKEN: token,
        CONF_ADVANCED: {
            CONF_API_BASE: api_base or emulator.base_url,
            CONF_REGISTRATION_METHOD: method,
        },
    }


def advanced_collapsed(result: ConfigFlowResult) -> bool:
    """Return whether the form's "Advanced" section is shown collapsed."""
    schema = result["data_schema"]
    assert schema is not None
    for key, value in schema.schema.items():
        if key == CONF_ADVANCED:
            return bool(value.options["collapsed"])
    raise AssertionError("no advanced section")


async def start_token_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Open the flow and pick "API token" from the first step's menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["token", "portal"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "token"}
    )


async def async_create_entry(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    *,
    method: str = "automatic",
    event_types: list[str] | None = None,
) -> ConfigEntry:
    """Run the whole user flow against the emulator; return the new entry.

    Setup subscribes to every event type (the options untick some);
    ``event_types`` stands in for that choice: the flow registers them.
    """
    types = tuple(event_types or DEFAULT_EVENT_TYPES)
    with patch("custom_components.gridx.flow.base.DEFAULT_EVENT_TYPES", types):
        result = await start_token_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(emulator, method=method)
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return result["result"]


async def start_flow(
    hass: HomeAssistant, entry: ConfigEntry, source: str
) -> ConfigFlowResult:
    """Start a reauth or reconfigure flow for ``entry``."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": source, "entry_id": entry.entry_id},
        data=dict(entry.data) if source == SOURCE_REAUTH else None,
    )


def assert_no_secrets_logged(
    caplog: pytest.LogCaptureFixture, *values: str | None
) -> None:
    """Assert that no token or secret reached a log record."""
    text = caplog.text
    for value in values:
        assert value
        assert value not in text


def other_account(emulator: GridxEmulator, token: str) -> DemoIds:
    """Add a second account (and token) without changing the demo ids."""
    demo = emulator.state.demo
    other = emulator.state.seed_demo(token=token)
    emulator.state.demo = demo
    return other


@dataclass
class CloudMock:
    """The patched Nabu Casa access and the listeners the entry registered."""

    active: MagicMock
    connected: MagicMock
    create: AsyncMock
    delete: AsyncMock
    on_connection: list[Callable[[bool], None]] = field(default_factory=list)
    on_cloudhook: list[Callable[[str | None], None]] = field(default_factory=list)


@pytest.fixture
def cloud_active(emulator: GridxEmulator) -> Generator[CloudMock]:
    """Pretend Nabu Casa is subscribed and connected.

    The emulator cannot deliver through the Nabu Casa relay from a test, so
    it refuses the test delivery (ping) that setup asks for.

    The integration reaches Nabu Casa only through its thin `registration.cloudhook`
    module, which tests/test_registration.py checks against Home Assistant's
    real cloud helpers; here that module stands in for a subscribed account.
    """
    with (
        patch(f"{NABUCASA}.active", return_value=True) as active,
        patch(f"{NABUCASA}.connected", return_value=True) as connected,
        patch(
            f"{NABUCASA}.async_get_or_create_cloudhook",
            new_callable=AsyncMock,
            return_value=CLOUDHOOK_URL,
        ) as create,
        patch(f"{NABUCASA}.async_delete_cloudhook", new_callable=AsyncMock) as delete,
        patch(f"{NABUCASA}.async_listen") as listen,
    ):
        mock = CloudMock(active, connected, create, delete)
        emulator.faults.add("ping_webhook", status=404, count=100)

        def _listen(
            hass: HomeAssistant,
            webhook_id: str,
            on_connection: Callable[[bool], None],
            on_cloudhook: Callable[[str | None], None],
        ) -> list[Callable[[], None]]:
            mock.on_connection.append(on_connection)
            mock.on_cloudhook.append(on_cloudhook)
            return []

        listen.side_effect = _listen
        yield mock


@pytest.fixture
async def second_emulator(emulator: GridxEmulator) -> AsyncGenerator[GridxEmulator]:
    """Return another emulator with the same accounts, users and tokens."""
    state = EmulatorState.from_dict(emulator.state.to_dict())
    state.subscriptions.clear()
    state.rules.clear()
    emu = GridxEmulator(state=state, retry_base_delay=TEST_RETRY_BASE_DELAY)
    await emu.start("127.0.0.1", 0)
    yield emu
    await emu.stop()


# -- user step -----------------------------------------------------------------


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_flow_subscription(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token and the defaults create a subscription and the entry."""
    result = await start_token_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "token"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, api_base=emulator.base_url + "/")
    )
    # No event-type step: every type is subscribed (the options untick some).
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The account's e-mail tells two accounts apart, masked: the title
    # appears in Home Assistant's own log lines.
    assert result["title"] == "de…@example.invalid"
    entry = result["result"]
    assert entry.unique_id == demo_ids.account_id

    [subscription] = emulator.state.subscriptions.values()
    data = dict(entry.data)
    webhook_id = data.pop(CONF_WEBHOOK_ID)
    assert re.fullmatch(r"[0-9a-f]{64}", webhook_id)
    assert data == {
        CONF_API_TOKEN: DEMO_TOKEN,
        CONF_API_BASE: emulator.base_url,
        CONF_ACCOUNT_ID: demo_ids.account_id,
        CONF_USER_ID: demo_ids.user_id,
        CONF_REGISTRATION_METHOD: "subscription",
        CONF_SUBSCRIPTION_ID: subscription.id,
        CONF_RULE_IDS: [],
        CONF_SECRETS: subscription.secrets,
        CONF_WEBHOOK_URL: subscription.target_url,
        CONF_PREVIOUS_URLS: [],
    }
    assert entry.options == {CONF_EVENT_TYPES: list(DEFAULT_EVENT_TYPES)}
    assert subscription.target_url.endswith(f"/api/webhook/{webhook_id}")
    assert subscription.target_url.startswith("http://127.0.0.1:")
    assert subscription.event_types == list(DEFAULT_EVENT_TYPES)
    assert subscription.active is True
    assert emulator.state.rules == {}
    # http is only accepted against a non-default API, with a warning.
    assert "The webhook URL is not https" in caplog.text
    assert_no_secrets_logged(caplog, DEMO_TOKEN, *subscription.secrets)


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_flow_rules_fallback(
    hass: HomeAssistant, emulator: GridxEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the Subscription API one rule per event type is created."""
    emulator.state.webhooks_api_enabled = False

    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)

    rules = list(emulator.state.rules.values())
    assert sorted(r.event_type for r in rules) == sorted(FEW_TYPES)
    assert entry.data[CONF_REGISTRATION_METHOD] == "rules"
    assert entry.data[CONF_SUBSCRIPTION_ID] is None
    assert entry.data[CONF_RULE_IDS] == [
        next(r.id for r in rules if r.event_type == t) for t in FEW_TYPES
    ]
    [secret] = entry.data[CONF_SECRETS]
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert {r.secret for r in rules} == {secret}
    assert {r.target_url for r in rules} == {entry.data[CONF_WEBHOOK_URL]}
    assert emulator.state.subscriptions == {}
    assert_no_secrets_logged(caplog, DEMO_TOKEN, secret)


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_flow_rules_chosen(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """The advanced section can ask for notification rules directly."""
    entry = await async_create_entry(
        hass, emulator, method="rules", event_types=FEW_TYPES
    )

    assert entry.data[CONF_REGISTRATION_METHOD] == "rules"
    assert len(emulator.state.rules) == len(FEW_TYPES)
    assert emulator.state.subscriptions == {}


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_flow_subscription_chosen_no_fallback(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """Asking for the Subscription API never falls back to rules."""
    emulator.state.webhooks_api_enabled = False
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, method="subscription")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert emulator.state.rules == {}

    # Recover: the API becomes available.
    emulator.state.webhooks_api_enabled = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, method="subscription")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_REGISTRATION_METHOD] == "subscription"
    assert len(emulator.state.subscriptions) == 1


def _fault_get_user(emulator: GridxEmulator, **kwargs: Any) -> None:
    emulator.faults.add("get_user", **kwargs)


@pytest.mark.parametrize(
    ("token", "fault", "error"),
    [
        ("unknown-token", None, "invalid_auth"),
        ("bad-credentials", None, "invalid_auth"),
        ("no-read-user", None, "missing_permissions"),
        (DEMO_TOKEN, {"status": 503}, "cannot_connect"),
        (DEMO_TOKEN, {"status": 429, "retry_after": 1}, "cannot_connect"),
        (DEMO_TOKEN, {"drop": True, "count": 2}, "cannot_connect"),
        (DEMO_TOKEN, {"status": 200, "body": {"no": "user"}}, "cannot_connect"),
    ],
)
@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_errors_recover(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    token: str,
    fault: dict[str, Any] | None,
    error: str,
) -> None:
    """Each error of GET /user is shown, and the flow recovers."""
    emulator.add_token(
        "bad-credentials", user_id=demo_ids.user_id, bad_credentials=True
    )
    emulator.add_token(
        "no-read-user", user_id=demo_ids.user_id, policies={"WebhooksWrite"}
    )
    if fault is not None:
        _fault_get_user(emulator, **fault)
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, token=token)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "token"
    assert result["errors"] == {"base": error}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_unknown_error_recovers(
    hass: HomeAssistant, emulator: GridxEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception is logged and shown as unknown."""
    result = await start_token_flow(hass)
    with patch.object(GridxClient, "get_user", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(emulator)
        )
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error talking to gridX" in caplog.text

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    "api_base",
    [
        "not a url",
        "ftp://api.gridx.de",
        "https://",
        "http://localhost:99999",
        "http://localhost:0",
        "http://[::1",
    ],
)
@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_item21_user_invalid_api_base(
    hass: HomeAssistant, emulator: GridxEmulator, api_base: str
) -> None:
    """A malformed API base is refused before any request."""
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, api_base=api_base)
    )
    # An error of the section, shown above it; the section is open.
    assert result["errors"] == {CONF_ADVANCED: "invalid_api_base"}
    assert advanced_collapsed(result) is False

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("no_setup")
async def test_user_no_url(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Without an external URL the flow says what to do, then recovers."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["errors"] == {"base": "no_url"}
    assert emulator.state.subscriptions == {}

    await hass.config.async_update(external_url=str(client.make_url("/")))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_https_required(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The real gridX API refuses plain http; only another API base allows it."""
    result = await start_token_flow(hass)
    user = GridxUser(id=demo_ids.user_id, account_id=demo_ids.account_id)
    with patch.object(GridxClient, "get_user", return_value=user):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            user_input(emulator, api_base="https://api.gridx.de"),
        )
    assert result["errors"] == {"base": "https_required"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_user_already_configured(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The same gridX account cannot be added twice."""
    MockConfigEntry(domain=DOMAIN, unique_id=demo_ids.account_id).add_to_hass(hass)
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert emulator.state.subscriptions == {}


# -- event types step: registration ------------------------------------------------


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_setup_subscribes_to_every_type(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """Setup does not ask for event types: every subscribable type is sent."""
    result = await start_token_flow(hass)
    assert CONF_EVENT_TYPES not in str(result["data_schema"].schema)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.event_types == list(DEFAULT_EVENT_TYPES)
    assert result["result"].options == {CONF_EVENT_TYPES: list(DEFAULT_EVENT_TYPES)}


@pytest.mark.parametrize(
    ("api_enabled", "faults", "error"),
    [
        # Subscription API steps.
        (True, [("list_webhooks", {"status": 503})], "cannot_connect"),
        (True, [("create_webhook", {"status": 500})], "cannot_connect"),
        (True, [("create_webhook", {"drop": True})], "cannot_connect"),
        (True, [("create_webhook", {"status": 401})], "invalid_auth"),
        # Rules steps (fallback): a failure after two created rules.
        (False, [("list_rules", {"status": 503})], "cannot_connect"),
        (False, [("create_rule", {"status": 503})], "cannot_connect"),
        (False, [("create_rule", {"count": 2}), ("create_rule", {"status": 502})], "cannot_connect"),
        (False, [("create_rule", {"count": 1}), ("create_rule", {"status": 403})], "missing_permissions"),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_register_errors_roll_back_and_recover(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    api_enabled: bool,
    faults: list[tuple[str, dict[str, Any]]],
    error: str,
) -> None:
    """A failed registration step leaves nothing at gridX; a retry works."""
    emulator.state.webhooks_api_enabled = api_enabled
    result = await start_token_flow(hass)
    for endpoint, kwargs in faults:
        emulator.faults.add(endpoint, **kwargs)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "token"
    assert result["errors"] == {"base": error}
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    held = len(emulator.state.subscriptions) + len(emulator.state.rules)
    assert held == (1 if api_enabled else len(DEFAULT_EVENT_TYPES))


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_register_missing_permissions(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A token that may neither subscribe nor write rules is told so."""
    emulator.add_token(
        "read-only", user_id=demo_ids.user_id, policies={"ReadUser", "WebhooksRead"}
    )
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, token="read-only")
    )
    assert result["errors"] == {"base": "missing_permissions"}
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}

    emulator.add_token("read-only", user_id=demo_ids.user_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator, token="read-only")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_register_unknown_error(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """An unexpected exception while registering shows unknown."""
    result = await start_token_flow(hass)
    with patch.object(GridxClient, "list_webhooks", side_effect=KeyError("x")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(emulator)
        )
    assert result["errors"] == {"base": "unknown"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("ha_client", "no_setup", "cloud_active")
async def test_user_flow_cloudhook(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """With Nabu Casa active, gridX is given the cloudhook URL."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)

    assert entry.data[CONF_WEBHOOK_URL] == CLOUDHOOK_URL
    assert entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == CLOUDHOOK_URL


# -- reauth ---------------------------------------------------------------------------


@pytest.fixture
async def flow_entry(
    hass: HomeAssistant, emulator: GridxEmulator, ha_client: TestClient
) -> AsyncGenerator[ConfigEntry]:
    """Return an entry made by the flow and set up; unload it afterwards."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    yield entry
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    flow_entry: ConfigEntry,
) -> None:
    """A new token of the same account replaces the old one."""
    emulator.add_token("gxo_new", user_id=demo_ids.user_id)
    result = await start_flow(hass, flow_entry, SOURCE_REAUTH)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: " gxo_new "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert flow_entry.data[CONF_API_TOKEN] == "gxo_new"


async def test_reauth_wrong_account(
    hass: HomeAssistant, emulator: GridxEmulator, flow_entry: ConfigEntry
) -> None:
    """A token of another account is refused."""
    other_account(emulator, "other-token")
    result = await start_flow(hass, flow_entry, SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "other-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert flow_entry.data[CONF_API_TOKEN] == DEMO_TOKEN


# -- reconfigure ----------------------------------------------------------------------


async def test_reconfigure_token(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    flow_entry: ConfigEntry,
) -> None:
    """A new token of the same account keeps the one registration."""
    [subscription] = emulator.state.subscriptions.values()
    emulator.add_token("gxp_new", user_id=demo_ids.user_id)
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: "gxp_new", CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert flow_entry.data[CONF_API_TOKEN] == "gxp_new"
    assert list(emulator.state.subscriptions) == [subscription.id]
    assert flow_entry.data[CONF_SUBSCRIPTION_ID] == subscription.id


async def test_reconfigure_keeps_empty_token(
    hass: HomeAssistant, emulator: GridxEmulator, flow_entry: ConfigEntry
) -> None:
    """An empty token field keeps the stored token."""
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: "", CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}},
    )
    assert result["reason"] == "reconfigure_successful"
    assert flow_entry.data[CONF_API_TOKEN] == DEMO_TOKEN
    assert len(emulator.state.subscriptions) == 1


async def test_reconfigure_new_api_base(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,
    flow_entry: ConfigEntry,
) -> None:
    """Moving to another API registers there and deletes at the old one."""
    old_secrets = list(flow_entry.data[CONF_SECRETS])
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"

    assert emulator.state.subscriptions == {}
    [subscription] = second_emulator.state.subscriptions.values()
    assert flow_entry.data[CONF_API_BASE] == second_emulator.base_url
    assert flow_entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert flow_entry.data[CONF_SECRETS] == [*old_secrets, *subscription.secrets]
    assert subscription.event_types == FEW_TYPES


async def test_reconfigure_old_api_cleanup_fails(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,
    flow_entry: ConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed clean-up at the old API is logged; the move still happens."""
    emulator.faults.add("list_webhooks", status=503)
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    assert "Could not delete the replaced registration" in caplog.text
    assert len(second_emulator.state.subscriptions) == 1


async def test_item21_reconfigure_errors_recover(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,
    flow_entry: ConfigEntry,
) -> None:
    """Every reconfigure error is shown and the flow recovers."""
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADVANCED: {CONF_API_BASE: "nope"}}
    )
    assert result["errors"] == {CONF_ADVANCED: "invalid_api_base"}
    # Item 21: an out-of-range port is a form error, not a ValueError.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADVANCED: {CONF_API_BASE: "http://localhost:99999"}}
    )
    assert result["errors"] == {CONF_ADVANCED: "invalid_api_base"}

    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_API_TOKEN: "wrong", CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}},
    )
    assert result["errors"] == {"base": "invalid_auth"}

    await hass.config.async_update(external_url=None)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}}
    )
    assert result["errors"] == {"base": "no_url"}
    await hass.config.async_update(external_url="http://127.0.0.1:1/")

    second_emulator.faults.add("create_webhook", status=503)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert second_emulator.state.subscriptions == {}
    assert len(emulator.state.subscriptions) == 1

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    [subscription] = second_emulator.state.subscriptions.values()
    assert (
        subscription.target_url
        == "http://127.0.0.1:1/api/webhook/" + (flow_entry.data[CONF_WEBHOOK_ID])
    )
    # The URL changed too: the old one is remembered as ours.
    assert len(flow_entry.data[CONF_PREVIOUS_URLS]) == 0
    assert emulator.state.subscriptions == {}


async def test_reconfigure_same_api_new_url(
    hass: HomeAssistant, emulator: GridxEmulator, flow_entry: ConfigEntry
) -> None:
    """A changed URL at the same API moves the registration and remembers it."""
    old_url = flow_entry.data[CONF_WEBHOOK_URL]
    await hass.config.async_update(external_url="http://127.0.0.1:2/")
    # The running entry follows the URL change first.
    await hass.async_block_till_done()
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url.startswith("http://127.0.0.1:2/")
    assert flow_entry.data[CONF_PREVIOUS_URLS] == [old_url]


async def test_reconfigure_wrong_account(
    hass: HomeAssistant, emulator: GridxEmulator, flow_entry: ConfigEntry
) -> None:
    """Reconfigure refuses a token of another account."""
    other_account(emulator, "other-token")
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_API_TOKEN: "other-token",
            CONF_ADVANCED: {CONF_API_BASE: emulator.base_url},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


@pytest.mark.usefixtures("cloud_active")
async def test_reconfigure_cloudhook(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,
    flow_entry: ConfigEntry,
) -> None:
    """With Nabu Casa active, reconfigure registers the cloudhook URL."""
    # No delivery through the Nabu Casa relay from a test (see cloud_active).
    second_emulator.faults.add("ping_webhook", status=404, count=100)
    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    assert flow_entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL
    [subscription] = second_emulator.state.subscriptions.values()
    assert subscription.target_url == CLOUDHOOK_URL


# -- options ---------------------------------------------------------------------------


async def test_options_subscription(
    hass: HomeAssistant, emulator: GridxEmulator, flow_entry: ConfigEntry
) -> None:
    """New event types update the subscription in place (PUT)."""
    [subscription] = emulator.state.subscriptions.values()
    result = await hass.config_entries.options.async_init(flow_entry.entry_id)
    assert result["step_id"] == "init"
    key, interval = result["data_schema"].schema
    assert key.default() == options_of(FEW_TYPES)
    assert interval.default() == DEFAULT_LIVE_INTERVAL

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: []}
    )
    assert result["errors"] == {CONF_EVENT_TYPES: "no_event_types"}

    emulator.faults.add("update_webhook", status=503)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: ["ev_plugged"]}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert subscription.event_types == FEW_TYPES

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: ["ev_plugged"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert flow_entry.options == {
        CONF_EVENT_TYPES: ["ev/plugged"],
        CONF_LIVE_INTERVAL: DEFAULT_LIVE_INTERVAL,
    }
    assert list(emulator.state.subscriptions) == [subscription.id]
    assert subscription.event_types == ["ev/plugged"]


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_options_rules_diff(hass: HomeAssistant, emulator: GridxEmulator) -> None:
    """Rules are added and deleted as a diff, keeping the unchanged ones."""
    entry = await async_create_entry(
        hass, emulator, method="rules", event_types=FEW_TYPES
    )
    kept = {r.event_type: r.id for r in emulator.state.rules.values()}
    wanted = ["gateway/online", "ev/unplugged"]

    emulator.faults.add("create_rule", status=500)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: options_of(wanted)}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert {r.event_type: r.id for r in emulator.state.rules.values()} == kept

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: options_of(wanted)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    rules = {r.event_type: r.id for r in emulator.state.rules.values()}
    assert set(rules) == set(wanted)
    assert rules["gateway/online"] == kept["gateway/online"]
    assert entry.data[CONF_RULE_IDS] == [rules[t] for t in wanted]


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_options_without_url(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """An entry that never got a URL just saves the options."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=demo_ids.account_id,
        data={
            CONF_WEBHOOK_ID: "a" * 64,
            CONF_API_TOKEN: DEMO_TOKEN,
            CONF_API_BASE: emulator.base_url,
            CONF_ACCOUNT_ID: demo_ids.account_id,
            CONF_USER_ID: demo_ids.user_id,
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    key, _ = result["data_schema"].schema
    assert event_types_of(key.default()) == list(DEFAULT_EVENT_TYPES)
    # The live poll interval is bounded to 30-300 s.
    for seconds in (10, 600):
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"],
                {CONF_EVENT_TYPES: options_of(FEW_TYPES), CONF_LIVE_INTERVAL: seconds},
            )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_EVENT_TYPES: options_of(FEW_TYPES), CONF_LIVE_INTERVAL: 120},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_EVENT_TYPES: FEW_TYPES, CONF_LIVE_INTERVAL: 120}
    assert live_interval(entry) == timedelta(seconds=120)
    assert emulator.state.subscriptions == {}
