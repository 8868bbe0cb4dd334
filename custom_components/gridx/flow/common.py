"""What the config flow and the options flow share: schemas, errors, registration.

The selectors and schemas of the token steps, the error keys of gridX
failures, and the one function that registers at gridX for a flow.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN, CONF_EMAIL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import UNDEFINED, UndefinedType
import voluptuous as vol
from yarl import URL

from ..api.auth import TokenSource
from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import GridxApiError, GridxAuthError, GridxPermissionError
from ..api.portals import PORTALS_BY_KEY, Portal
from ..api.resources import GridxUser
from ..const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_PORTAL,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    LOGGER,
    METHOD_AUTOMATIC,
    METHOD_RULES,
    REGISTRATION_METHODS,
)
from ..live.coordinator import MAX_LIVE_INTERVAL, MIN_LIVE_INTERVAL
from ..registration import cloudhook
from ..registration.mode import async_push_allowed
from ..registration.reconcile import (
    RemoteRegistration,
    async_delete_remote,
    async_reconcile,
)
from ..registration.target import WebhookTarget

TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
LIVE_INTERVAL_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=MIN_LIVE_INTERVAL,
        max=MAX_LIVE_INTERVAL,
        step=10,
        unit_of_measurement="s",
        mode=NumberSelectorMode.BOX,
    )
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
METHOD_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(REGISTRATION_METHODS),
        translation_key=CONF_REGISTRATION_METHOD,
        mode=SelectSelectorMode.DROPDOWN,
    )
)


def advanced_section(fields: dict[Any, Any], errors: Mapping[str, str]) -> section:
    """Return the "Advanced" section of ``fields``, open when it has an error.

    An invalid URL in it is keyed by the section (``advanced``): Home
    Assistant's frontend shows the error of a section above it, but none of
    a field inside one. The section is then shown expanded, so the field is
    seen next to its error.
    """
    keys = {CONF_ADVANCED, *(str(key) for key in fields)}
    return section(
        vol.Schema(fields),
        {"collapsed": not any(key in errors for key in keys)},
    )


def token_schema(
    errors: Mapping[str, str],
    *,
    api_base: str = DEFAULT_BASE_URL,
    method: str = METHOD_AUTOMATIC,
    reconfigure: bool = False,
) -> vol.Schema:
    """Return the token step's schema (reconfigure: the token is optional)."""
    token = vol.Optional if reconfigure else vol.Required
    return vol.Schema(
        {
            token(CONF_API_TOKEN): TOKEN_SELECTOR,
            vol.Required(CONF_ADVANCED): advanced_section(
                {
                    vol.Required(CONF_API_BASE, default=api_base): URL_SELECTOR,
                    vol.Required(
                        CONF_REGISTRATION_METHOD, default=method
                    ): METHOD_SELECTOR,
                },
                errors,
            ),
        }
    )


STEP_REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR})
# Translation strings hold no URLs (hassfest rejects them): the flow passes
# every URL it names as a placeholder.
PLACEHOLDERS = {
    "xenon_url": "https://xenon.gridx.de",
    "default_api_base": DEFAULT_BASE_URL,
    "network_url": "/config/network",
    "cloud_url": "/config/cloud",
}


def mask_email(email: str) -> str:
    """Return an e-mail address with its local part cut to two characters.

    Home Assistant prints entry titles in its own log lines, which users
    post in public bug reports: "ow…@example.invalid" names the account to
    its owner without spelling out the address. A local part of two
    characters or fewer keeps only its first; a text without "@" keeps two.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return f"{email.strip()[:2]}…"
    return f"{local[: 2 if len(local) > 2 else 1]}…@{domain}"


def account_title(user: GridxUser) -> str:
    """Return an entry title that tells accounts apart: the name or e-mail.

    The e-mail is masked (`mask_email`); the account's name is shown as
    gridX gives it (an installer's company, as in XENON).
    """
    if user.full_name and user.full_name.strip():
        return user.full_name.strip()
    if user.email and user.email.strip():
        return mask_email(user.email)
    return "gridX"


def portal_title(portal: Portal, email: str) -> str:
    """Return a portal entry's title: "E.ON Home Manager (ow…@example.invalid)"."""
    return f"{portal.name} ({mask_email(email)})"


def portal_title_update(entry: ConfigEntry, email: str) -> str | UndefinedType:
    """Return the new title of a portal entry signed in as ``email``.

    Only a title the integration made for the entry's current e-mail is
    replaced (also the full-address form of earlier versions,
    "owner@example.invalid (E.ON Home Manager)"); a title the user chose
    stays. UNDEFINED when the title stays as it is.
    """
    portal = PORTALS_BY_KEY.get(entry.data.get(CONF_PORTAL, ""))
    old = entry.data.get(CONF_EMAIL)
    if portal is None or not isinstance(old, str):
        return UNDEFINED
    if entry.title not in (portal_title(portal, old), f"{old} ({portal.name})"):
        return UNDEFINED
    title = portal_title(portal, email)
    return UNDEFINED if title == entry.title else title


def normalize_base_url(value: str) -> str | None:
    """Return an http(s) base URL without a trailing slash, or None when invalid.

    yarl raises ValueError for what it cannot parse (a port beyond 65535, a
    broken IPv6 literal): that is an invalid API base too, not a crash.
    """
    try:
        url = URL(value.strip())
        if url.scheme not in ("http", "https") or not url.host or not url.port:
            return None
        return str(url).rstrip("/")
    except ValueError:
        return None


def portal_bases(
    advanced: Mapping[str, Any], errors: dict[str, str]
) -> tuple[str, str] | None:
    """Return the portal's API and sign-in bases, or None with an error set.

    The error is keyed by the section: the frontend shows no error of a
    field inside one.
    """
    api_base = normalize_base_url(advanced[CONF_API_BASE])
    auth_base = normalize_base_url(advanced[CONF_AUTH_BASE])
    if api_base is None:
        errors[CONF_ADVANCED] = "invalid_api_base"
    elif auth_base is None:
        errors[CONF_ADVANCED] = "invalid_auth_base"
    else:
        return api_base, auth_base
    return None


def error_key(err: Exception) -> str:
    """Map a failure of a gridX call to a translated error key."""
    if isinstance(err, GridxAuthError):
        return "invalid_auth"
    if isinstance(err, GridxPermissionError):
        return "missing_permissions"
    if isinstance(err, GridxApiError):
        return "cannot_connect"
    LOGGER.exception("Unexpected error talking to gridX")
    return "unknown"


def flow_client(
    hass: HomeAssistant, token: str | TokenSource, api_base: str
) -> GridxClient:
    """Return a client on Home Assistant's shared session."""
    return GridxClient(token, async_get_clientsession(hass), base_url=api_base)


async def async_get_user(
    hass: HomeAssistant, token: str, api_base: str
) -> GridxUser | str:
    """Return the token's user, or an error key."""
    try:
        return await flow_client(hass, token, api_base).get_user()
    except Exception as err:  # noqa: BLE001 - every failure becomes a form error
        return error_key(err)


async def async_register(
    hass: HomeAssistant,
    client: GridxClient,
    user: GridxUser,
    target: WebhookTarget,
    event_types: list[str],
    current: RemoteRegistration,
    previous_urls: list[str],
) -> RemoteRegistration | str:
    """Reconcile the registration at gridX, or return an error key."""
    try:
        return await async_reconcile(
            client,
            account_id=user.account_id,
            user_id=user.id,
            url=target.url,
            event_types=event_types,
            current=current,
            previous_urls=previous_urls,
        )
    except Exception as err:  # noqa: BLE001 - every failure becomes a form error
        return error_key(err)


async def async_may_push(client: GridxClient, user: GridxUser) -> bool:
    """After a 403: True unless both push APIs refuse (or it is not known)."""
    try:
        return await async_push_allowed(client, user.account_id, user.id)
    except GridxApiError:
        return True  # not known: the form error stands


def other_rules_user(data: Mapping[str, Any], user_id: str) -> bool:
    """Return True when ``user_id`` cannot take over the entry's rules.

    Notification rules belong to the user who made them: a token of another
    user can neither see nor delete them, so they would be left at gridX
    for ever. Subscriptions belong to the account and may change hands.
    """
    return data.get(CONF_REGISTRATION_METHOD) == METHOD_RULES and user_id != data.get(
        CONF_USER_ID
    )


async def async_clean_up(
    hass: HomeAssistant,
    client: GridxClient,
    data: Mapping[str, Any],
    cloudhook_of: str | None,
) -> None:
    """Delete what an unfinished flow may have left at gridX; never raises.

    ``data`` names URLs only this flow used (its own webhook id), so
    whatever targets them is the flow's. ``cloudhook_of`` is the webhook
    id of a cloudhook the flow created.
    """
    try:
        await async_delete_remote(client, data)
    except GridxApiError as err:
        LOGGER.warning(
            "Could not delete what the cancelled gridX setup registered: %s", err
        )
    if cloudhook_of is not None:
        await cloudhook.async_delete_cloudhook(hass, cloudhook_of)
