"""Tests for the portal sign-in of the config flow, against the emulator.

The emulator's Auth0 stand-in answers the logins; its portal users have
homeowner policies (no webhooks, no rules) unless a test gives them more.
"""

from collections.abc import Generator
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlowResult,
)
from homeassistant.const import CONF_API_TOKEN, CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.typing import UNDEFINED
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.api.auth import DEFAULT_AUTH_BASE, NEW_AUDIENCE
from custom_components.gridx.api.client import DEFAULT_BASE_URL
from custom_components.gridx.api.portals import PORTALS
from custom_components.gridx.const import (
    AUTH_TYPE_PORTAL,
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_AUTH_TYPE,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_PORTAL,
    CONF_PREVIOUS_URLS,
    CONF_REFRESH_TOKEN,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
)
from custom_components.gridx.flow.common import mask_email, portal_title_update
from custom_components.gridx.flow.portal_login import (
    PORTAL_SELECTOR,
    STEP_PORTAL_SCHEMA,
)
from gridx_emulator import ALL_POLICIES, DemoIds, GridxEmulator
from gridx_emulator.auth0 import PortalUser, portal_policies

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gridx"
EMAIL = "owner@example.invalid"
PASSWORD = "correct horse battery staple"
REALM = "eon-home-authentication-db"


@pytest.fixture
async def ha_client(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Serve Home Assistant on 127.0.0.1 and make that its external URL."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=str(client.make_url("/")))
    return client


@pytest.fixture
def no_setup() -> Generator[Any]:
    """Create entries without setting them up (flow-only tests)."""
    with (
        patch("custom_components.gridx.async_setup_entry", return_value=True) as m,
        patch("custom_components.gridx.async_unload_entry", return_value=True),
    ):
        yield m


@pytest.fixture(autouse=True)
def gridx_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    """Capture the integration's debug log (checked for secrets)."""
    caplog.set_level(logging.DEBUG, logger="custom_components.gridx")


@pytest.fixture
def owner(emulator: GridxEmulator, demo_ids: DemoIds) -> PortalUser:
    """Return a homeowner login of the demo user (no push policies)."""
    return emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id)


def portal_input(
    emulator: GridxEmulator,
    *,
    email: str = EMAIL,
    password: str = PASSWORD,
    api_base: str | None = None,
    auth_base: str | None = None,
) -> dict[str, Any]:
    """Return the portal step's input against the emulator."""
    return {
        CONF_PORTAL: "eon-home",
        CONF_EMAIL: email,
        CONF_PASSWORD: password,
        CONF_ADVANCED: {
            CONF_API_BASE: api_base or emulator.base_url,
            CONF_AUTH_BASE: auth_base or emulator.base_url,
        },
    }


async def start_portal(hass: HomeAssistant) -> ConfigFlowResult:
    """Open the flow and pick the portal sign-in from the menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["token", "portal"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "portal"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "portal"
    return result


async def create_portal_entry(
    hass: HomeAssistant, emulator: GridxEmulator, **kwargs: Any
) -> ConfigEntry:
    """Run the portal flow to a poll-only entry."""
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator, **kwargs)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    return entry


def advanced_collapsed(result: ConfigFlowResult) -> bool:
    """Return whether the form's "Advanced" section is shown collapsed."""
    schema = result["data_schema"]
    assert schema is not None
    for key, value in schema.schema.items():
        if key == CONF_ADVANCED:
            return bool(value.options["collapsed"])
    raise AssertionError("no advanced section")


def assert_no_secrets_logged(caplog: pytest.LogCaptureFixture, *values: Any) -> None:
    """Assert that no password or token reached a log record."""
    for value in values:
        assert value
        assert value not in caplog.text


# -- the portal step -----------------------------------------------------------


def test_portal_schema_defaults() -> None:
    """E.ON Home Manager and the production URLs are the defaults."""
    filled = STEP_PORTAL_SCHEMA(
        {CONF_EMAIL: "a", CONF_PASSWORD: "b", CONF_ADVANCED: {}}
    )

    assert filled == {
        CONF_PORTAL: "eon-home",
        CONF_EMAIL: "a",
        CONF_PASSWORD: "b",
        CONF_ADVANCED: {
            CONF_API_BASE: DEFAULT_BASE_URL,
            CONF_AUTH_BASE: DEFAULT_AUTH_BASE,
        },
    }


def test_portal_picker_names_and_markers() -> None:
    """One name per portal in menu and list; shut-down portals last, marked."""
    options = PORTAL_SELECTOR.config["options"]
    shut_down = [p.key for p in PORTALS if p.shut_down]
    assert shut_down == ["viessmann"]
    keys = [option["value"] for option in options]
    open_keys = keys[: -len(shut_down)]
    assert keys[-len(shut_down) :] == shut_down
    assert open_keys == sorted(open_keys)
    labels = {option["value"]: option["label"] for option in options}
    for language, marker in (("en", "shut down"), ("de", "eingestellt")):
        strings = json.loads(
            (COMPONENT / "translations" / f"{language}.json").read_text("utf-8")
        )
        # Only the shut-down portals are translated: the frontend shows the
        # label of every other option.
        assert strings["selector"]["portal"]["options"] == {
            key: f"{labels[key]} ({marker})" for key in shut_down
        }
        menu = strings["config"]["step"]["user"]["menu_options"]["portal"]
        assert f"{labels['eon-home']}," in menu
    assert PORTAL_SELECTOR.config["translation_key"] == "portal"


def test_mask_email() -> None:
    """Two characters of the local part stay, one of a short one."""
    assert mask_email("owner@example.invalid") == "ow…@example.invalid"
    assert mask_email(" ab@example.invalid ") == "a…@example.invalid"
    assert mask_email("owner") == "ow…"
    assert mask_email("@example.invalid") == "@e…"


def test_portal_title_update() -> None:
    """Only a generated title follows the e-mail; a chosen one stays."""

    def entry(title: str, **data: str) -> MockConfigEntry:
        return MockConfigEntry(domain=DOMAIN, title=title, data=data)

    eon = {CONF_PORTAL: "eon-home", CONF_EMAIL: EMAIL}
    generated = "E.ON Home Manager (ow…@example.invalid)"
    assert portal_title_update(entry("gridX"), EMAIL) is UNDEFINED  # a token entry
    assert portal_title_update(entry("x", portal="eon-home"), EMAIL) is UNDEFINED
    assert portal_title_update(entry(generated, **eon), EMAIL) is UNDEFINED
    assert portal_title_update(entry(f"{EMAIL} (E.ON Home Manager)", **eon), EMAIL) == (
        generated
    )
    assert portal_title_update(entry(generated, **eon), "new@example.invalid") == (
        "E.ON Home Manager (ne…@example.invalid)"
    )
    assert portal_title_update(entry("Home", **eon), "new@example.invalid") is (
        UNDEFINED
    )


@pytest.mark.usefixtures("no_setup")
async def test_portal_poll_only(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    owner: PortalUser,
    demo_ids: DemoIds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A homeowner without push policies gets a poll-only entry."""
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator, email=f"  {EMAIL} ")
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The portal and the login's e-mail, masked (the title appears in Home
    # Assistant's own log lines), tell accounts apart.
    assert result["title"] == "E.ON Home Manager (ow…@example.invalid)"
    assert EMAIL not in result["title"]
    entry = result["result"]
    assert entry.unique_id == demo_ids.account_id
    [refresh_token] = emulator.auth0.refresh_tokens_of(owner)
    data = dict(entry.data)
    assert len(data.pop(CONF_WEBHOOK_ID)) == 64
    assert data == {
        CONF_AUTH_TYPE: AUTH_TYPE_PORTAL,
        CONF_PORTAL: "eon-home",
        CONF_EMAIL: EMAIL,
        CONF_PASSWORD: PASSWORD,
        CONF_REFRESH_TOKEN: refresh_token,
        CONF_API_BASE: emulator.base_url,
        CONF_AUTH_BASE: emulator.base_url,
        CONF_POLL_ONLY: True,
        CONF_ACCOUNT_ID: demo_ids.account_id,
        CONF_USER_ID: demo_ids.user_id,
        CONF_PREVIOUS_URLS: [],
    }
    assert entry.options == {CONF_EVENT_TYPES: []}
    [grant] = emulator.auth0.grants
    assert grant["audience"] == NEW_AUDIENCE
    assert grant["client_id"] == "mG0Phmo7DmnvAqO7p6B0WOYBODppY3cc"
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}
    assert_no_secrets_logged(caplog, PASSWORD, refresh_token)


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_portal_with_push(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An account that may use webhooks continues like the token path."""
    emulator.auth0.add_user(
        EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
    )
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    # No event-type step: every type is subscribed.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    [subscription] = emulator.state.subscriptions.values()
    assert entry.data[CONF_AUTH_TYPE] == AUTH_TYPE_PORTAL
    assert entry.data[CONF_POLL_ONLY] is False
    assert entry.data[CONF_REGISTRATION_METHOD] == "subscription"
    assert CONF_API_TOKEN not in entry.data
    assert subscription.event_types == list(DEFAULT_EVENT_TYPES)
    assert_no_secrets_logged(caplog, PASSWORD, *subscription.secrets)


@pytest.mark.usefixtures("no_setup")
async def test_portal_rules_only_is_push(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Refused webhooks but allowed rules still mean push (rules)."""
    emulator.auth0.add_user(
        EMAIL,
        PASSWORD,
        user_id=demo_ids.user_id,
        policies=portal_policies() | {"AccountsUsersRead", "AccountsUsersWrite"},
    )
    result = await start_portal(hass)
    with patch(
        "custom_components.gridx.config_flow.GridxConfigFlow.async_continue_with_push",
        return_value={"type": FlowResultType.ABORT, "reason": "push"},
    ) as push:
        await hass.config_entries.flow.async_configure(
            result["flow_id"], portal_input(emulator)
        )
    assert push.call_count == 1


@pytest.mark.usefixtures("no_setup")
async def test_portal_without_read_user(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Without ReadUser the unique id is the login's subject; poll-only."""
    user = emulator.auth0.add_user(
        EMAIL,
        PASSWORD,
        user_id=demo_ids.user_id,
        policies=portal_policies(read_user=False),
    )
    entry = await create_portal_entry(hass, emulator)

    assert entry.unique_id == user.sub
    assert entry.data[CONF_POLL_ONLY] is True
    assert CONF_ACCOUNT_ID not in entry.data
    assert CONF_USER_ID not in entry.data


@pytest.mark.usefixtures("no_setup", "owner")
async def test_portal_same_account_as_token_entry(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The account added by token before is detected."""
    MockConfigEntry(domain=DOMAIN, unique_id=demo_ids.account_id).add_to_hass(hass)
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("no_setup")
@pytest.mark.parametrize(
    ("setup", "changes", "error"),
    [
        (None, {"password": "wrong"}, "invalid_credentials"),
        ("mfa", {}, "mfa_required"),
        ("blocked", {}, "too_many_attempts"),
        ("down", {}, "portal_unreachable"),
        ("server_error", {}, "portal_unreachable"),
        (None, {"api_base": "ftp://x"}, "invalid_api_base"),
        (None, {"auth_base": "not a url"}, "invalid_auth_base"),
        # Issue 7 item 21: what yarl cannot parse is a form error, not a crash.
        (None, {"api_base": "http://localhost:99999"}, "invalid_api_base"),
        (None, {"auth_base": "http://localhost:99999"}, "invalid_auth_base"),
        ("api_down", {}, "cannot_connect"),
        ("user_gone", {}, "invalid_auth"),
    ],
)
async def test_portal_errors_recover(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    owner: PortalUser,
    demo_ids: DemoIds,
    unused_tcp_port: int,
    setup: str | None,
    changes: dict[str, str],
    error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each failure shows its translated error; the form then recovers."""
    closed = f"http://127.0.0.1:{unused_tcp_port}"
    user = emulator.state.users[demo_ids.user_id]
    if setup == "mfa":
        owner.mfa = True
    elif setup == "blocked":
        owner.blocked = True
    elif setup == "down":
        changes = {"auth_base": closed}
    elif setup == "server_error":
        emulator.auth0.fail_next(status=503)
    elif setup == "api_down":
        changes = {"api_base": closed}
    elif setup == "user_gone":
        del emulator.state.users[demo_ids.user_id]
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    # A bad URL is an error of the "Advanced" section, which stays open (the
    # frontend shows no error of a field inside a section).
    field = {"invalid_api_base": CONF_ADVANCED, "invalid_auth_base": CONF_ADVANCED}
    assert result["errors"] == {field.get(error, "base"): error}
    assert advanced_collapsed(result) is (error not in field)

    # Recover.
    owner.mfa = owner.blocked = False
    emulator.state.users[demo_ids.user_id] = user
    if setup == "blocked":
        # The portal's lock is honoured without asking it again.
        grants = len(emulator.auth0.grants)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], portal_input(emulator)
        )
        assert result["errors"] == {"base": "too_many_attempts"}
        assert len(emulator.auth0.grants) == grants
        hass.data.pop(f"{DOMAIN}_portal_holds")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert_no_secrets_logged(caplog, PASSWORD)


@pytest.mark.usefixtures("no_setup", "owner")
async def test_portal_unexpected_error(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """An unexpected exception is logged and shown as unknown."""
    result = await start_portal(hass)
    with patch(
        "custom_components.gridx.flow.portal_login.PortalSession.async_login",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], portal_input(emulator)
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.usefixtures("no_setup")
async def test_portal_login_without_subject(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Neither /user nor a sub claim: no stable id, the flow says unknown."""
    emulator.auth0.add_user(
        EMAIL,
        PASSWORD,
        user_id=demo_ids.user_id,
        policies=portal_policies(read_user=False),
    )
    result = await start_portal(hass)
    with patch("custom_components.gridx.flow.portal_login.PortalSession.subject", None):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], portal_input(emulator)
        )
    assert result["errors"] == {"base": "unknown"}


# -- reauth and reconfigure --------------------------------------------------------


async def start_flow(
    hass: HomeAssistant, entry: ConfigEntry, source: str
) -> ConfigFlowResult:
    """Start a reauth or reconfigure flow for ``entry``."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": source, "entry_id": entry.entry_id},
        data=dict(entry.data) if source == SOURCE_REAUTH else None,
    )


@pytest.mark.usefixtures("no_setup")
async def test_portal_reauth(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    owner: PortalUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reauth asks for the password and replaces password and refresh token."""
    entry = await create_portal_entry(hass, emulator)
    old_refresh = entry.data[CONF_REFRESH_TOKEN]
    emulator.auth0.set_password(owner, "new password")

    result = await start_flow(hass, entry, SOURCE_REAUTH)
    assert result["step_id"] == "reauth_portal"
    assert result["description_placeholders"]["email"] == EMAIL
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["errors"] == {"base": "invalid_credentials"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new password"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "new password"
    assert entry.data[CONF_REFRESH_TOKEN] != old_refresh
    assert entry.data[CONF_REFRESH_TOKEN] in emulator.auth0.refresh_tokens_of(owner)
    assert entry.data[CONF_POLL_ONLY] is True
    assert_no_secrets_logged(caplog, "new password")


@pytest.mark.usefixtures("no_setup", "owner")
async def test_portal_reauth_other_account(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """A login of another account is refused."""
    entry = await create_portal_entry(hass, emulator)
    other = emulator.state.seed_demo(token="other-token")
    emulator.auth0.add_user(EMAIL, "other", user_id=other.user_id)

    result = await start_flow(hass, entry, SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "other"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


@pytest.mark.usefixtures("no_setup")
async def test_portal_reconfigure(
    hass: HomeAssistant, emulator: GridxEmulator, owner: PortalUser, demo_ids: DemoIds
) -> None:
    """Reconfigure changes e-mail, password and bases of the same account."""
    entry = await create_portal_entry(hass, emulator)
    emulator.auth0.add_user("new@example.invalid", "pw2", user_id=demo_ids.user_id)

    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    assert result["step_id"] == "reconfigure_portal"
    # The same collapsed "Advanced" section as the portal step.
    assert advanced_collapsed(result) is True

    def reconfigure(
        password: str = "pw2",  # noqa: S107 - a test login
        api_base: str | None = None,
        auth_base: str = "nope",
    ) -> dict[str, Any]:
        return {
            CONF_EMAIL: "new@example.invalid",
            CONF_PASSWORD: password,
            CONF_ADVANCED: {
                CONF_API_BASE: api_base or emulator.base_url,
                CONF_AUTH_BASE: auth_base,
            },
        }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure()
    )
    assert result["errors"] == {CONF_ADVANCED: "invalid_auth_base"}
    assert advanced_collapsed(result) is False
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure(api_base="nope")
    )
    assert result["errors"] == {CONF_ADVANCED: "invalid_api_base"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure("wrong", auth_base=emulator.base_url)
    )
    assert result["errors"] == {"base": "invalid_credentials"}
    # The password is never offered back in the form.
    schema = result["data_schema"]
    assert schema is not None
    password_key = next(k for k in schema.schema if k == CONF_PASSWORD)
    assert (password_key.description or {}).get("suggested_value") is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], reconfigure(auth_base=emulator.base_url + "/")
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_EMAIL] == "new@example.invalid"
    assert entry.data[CONF_PASSWORD] == "pw2"
    assert entry.data[CONF_AUTH_BASE] == emulator.base_url
    # The generated title follows the new e-mail.
    assert entry.title == "E.ON Home Manager (ne…@example.invalid)"


@pytest.mark.usefixtures("no_setup")
async def test_portal_reconfigure_keeps_a_chosen_title(
    hass: HomeAssistant, emulator: GridxEmulator, owner: PortalUser, demo_ids: DemoIds
) -> None:
    """A title the user gave the entry stays when the e-mail changes."""
    entry = await create_portal_entry(hass, emulator)
    hass.config_entries.async_update_entry(entry, title="Home")
    emulator.auth0.add_user("new@example.invalid", "pw2", user_id=demo_ids.user_id)

    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: "new@example.invalid",
            CONF_PASSWORD: "pw2",
            CONF_ADVANCED: {
                CONF_API_BASE: emulator.base_url,
                CONF_AUTH_BASE: emulator.base_url,
            },
        },
    )

    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_EMAIL] == "new@example.invalid"
    assert entry.title == "Home"


@pytest.mark.usefixtures("no_setup")
async def test_portal_push_without_external_url(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Push is allowed but gridX could not reach Home Assistant: say so."""
    emulator.auth0.add_user(
        EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
    )
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_url"}


@pytest.mark.usefixtures("no_setup", "owner")
async def test_portal_without_refresh_tokens(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """A portal that issues no refresh token: none is stored, reauth clears it."""
    emulator.auth0.issue_refresh_tokens = False
    entry = await create_portal_entry(hass, emulator)
    assert CONF_REFRESH_TOKEN not in entry.data

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_REFRESH_TOKEN: "stale"}
    )
    result = await start_flow(hass, entry, SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_REFRESH_TOKEN] is None
