"""Signing in to a homeowner portal: the form's fields, the login, its data.

The homeowner picks the portal (E.ON Home, 1KOMMA5°, …) and enters the same
e-mail and password as in the portal app. `async_portal_login` logs in
(`PortalSession`), identifies the account (``GET /user`` where the account
may read it, else the login's ``sub``) and asks gridX what the account may
do (`registration.mode.async_push_allowed`); `portal_entry_data` is what a
portal entry stores. The steps that use them are in `portal`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util.hass_dict import HassKey
import voluptuous as vol

from ..api.auth import DEFAULT_AUTH_BASE, PASSWORD_GRANT_INTERVAL, PortalSession
from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import (
    GridxInvalidCredentialsError,
    GridxMfaRequiredError,
    GridxPermissionError,
    GridxPortalUnreachableError,
    GridxTooManyAttemptsError,
)
from ..api.portals import DEFAULT_PORTAL, PORTALS, get_portal
from ..api.resources import GridxUser
from ..const import (
    AUTH_TYPE_PORTAL,
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_AUTH_TYPE,
    CONF_POLL_ONLY,
    CONF_PORTAL,
    CONF_REFRESH_TOKEN,
    CONF_USER_ID,
    DOMAIN,
    LOGGER,
)
from ..registration.mode import async_push_allowed
from .common import URL_SELECTOR, advanced_section, error_key

EMAIL_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
)
PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
PORTAL_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[SelectOptionDict(value=p.key, label=p.name) for p in PORTALS],
        mode=SelectSelectorMode.DROPDOWN,
        # Translates only the markers of shut-down portals ("(shut down)");
        # the frontend shows the label of every option it finds no text for.
        translation_key="portal",
    )
)


def portal_schema(
    errors: Mapping[str, str],
    *,
    email: str | None = None,
    api_base: str = DEFAULT_BASE_URL,
    auth_base: str = DEFAULT_AUTH_BASE,
    reconfigure: bool = False,
) -> vol.Schema:
    """Return the portal step's schema (reconfigure: no portal choice)."""
    fields: dict[Any, Any] = {}
    if not reconfigure:
        fields[vol.Required(CONF_PORTAL, default=DEFAULT_PORTAL)] = PORTAL_SELECTOR
    fields[
        vol.Required(CONF_EMAIL)
        if email is None
        else vol.Required(CONF_EMAIL, default=email)
    ] = EMAIL_SELECTOR
    fields[vol.Required(CONF_PASSWORD)] = PASSWORD_SELECTOR
    fields[vol.Required(CONF_ADVANCED)] = advanced_section(
        {
            vol.Required(CONF_API_BASE, default=api_base): URL_SELECTOR,
            vol.Required(CONF_AUTH_BASE, default=auth_base): URL_SELECTOR,
        },
        errors,
    )
    return vol.Schema(fields)


STEP_PORTAL_SCHEMA = portal_schema({})
STEP_REAUTH_PORTAL_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR})
# When the portal throttled or locked a login: (portal, e-mail) -> the
# monotonic time before which no flow asks the portal again.
PORTAL_HOLDS: HassKey[dict[tuple[str, str], float]] = HassKey(f"{DOMAIN}_portal_holds")


def portal_error_key(err: Exception) -> str:
    """Map a failed portal login or probe to a translated error key."""
    if isinstance(err, GridxMfaRequiredError):
        return "mfa_required"
    if isinstance(err, GridxInvalidCredentialsError):
        return "invalid_credentials"
    if isinstance(err, GridxTooManyAttemptsError):
        return "too_many_attempts"
    if isinstance(err, GridxPortalUnreachableError):
        return "portal_unreachable"
    # The rest fail like any gridX call of the token flow.
    return error_key(err)


@dataclass(slots=True)
class PortalLogin:
    """What a successful portal login found out."""

    session: PortalSession
    client: GridxClient
    # None when the account may not read GET /user.
    user: GridxUser | None
    unique_id: str
    push: bool


async def async_portal_login(
    hass: HomeAssistant,
    portal_key: str,
    email: str,
    password: str,
    api_base: str,
    auth_base: str,
) -> PortalLogin | str:
    """Log in, identify the account and probe push; or return an error key.

    After the portal throttled or locked the account, nobody asks it again
    (for this portal and e-mail) until its back-off has passed.
    """
    holds = hass.data.setdefault(PORTAL_HOLDS, {})
    hold_key = (portal_key, email.lower())
    if holds.get(hold_key, 0.0) > time.monotonic():
        return "too_many_attempts"
    http = async_get_clientsession(hass)
    session = PortalSession(
        http, get_portal(portal_key), email, password, auth_base=auth_base
    )
    client = GridxClient(session, http, base_url=api_base)
    try:
        await session.async_login()
        try:
            user: GridxUser | None = await client.get_user()
        except GridxPermissionError:
            user = None
        unique_id = user.account_id if user is not None else session.subject
        if not unique_id:
            LOGGER.error("The gridX portal login carries no user id")
            return "unknown"
        push = await async_push_allowed(
            client,
            None if user is None else user.account_id,
            None if user is None else user.id,
        )
    except GridxTooManyAttemptsError as err:
        holds[hold_key] = time.monotonic() + (
            err.retry_after or PASSWORD_GRANT_INTERVAL
        )
        return portal_error_key(err)
    except Exception as err:  # noqa: BLE001 - every failure becomes a form error
        return portal_error_key(err)
    return PortalLogin(session, client, user, unique_id, push)


def portal_entry_data(
    login: PortalLogin,
    user_input: dict[str, Any],
    api_base: str,
    auth_base: str,
) -> dict[str, Any]:
    """Return the credentials and identity a portal entry stores."""
    data: dict[str, Any] = {
        CONF_AUTH_TYPE: AUTH_TYPE_PORTAL,
        CONF_PORTAL: user_input[CONF_PORTAL],
        CONF_EMAIL: user_input[CONF_EMAIL],
        CONF_PASSWORD: user_input[CONF_PASSWORD],
        CONF_API_BASE: api_base,
        CONF_AUTH_BASE: auth_base,
        CONF_POLL_ONLY: not login.push,
    }
    if login.session.refresh_token is not None:
        data[CONF_REFRESH_TOKEN] = login.session.refresh_token
    if login.user is not None:
        data[CONF_ACCOUNT_ID] = login.user.account_id
        data[CONF_USER_ID] = login.user.id
    return data


def relogin_data(
    login: PortalLogin,
    entry: ConfigEntry,
    email: str,
    password: str,
    api_base: str,
    auth_base: str,
) -> dict[str, Any]:
    """Return a portal entry's new data after it logged in again.

    The push mode is kept: an entry made poll-only stays so (add the
    integration with a token for push).
    """
    data = portal_entry_data(
        login,
        {
            CONF_PORTAL: entry.data[CONF_PORTAL],
            CONF_EMAIL: email,
            CONF_PASSWORD: password,
        },
        api_base,
        auth_base,
    )
    data[CONF_POLL_ONLY] = entry.data.get(CONF_POLL_ONLY, False)
    if CONF_REFRESH_TOKEN not in data:
        data[CONF_REFRESH_TOKEN] = None
    return data
