"""What the config flow and the options flow share: schemas, titles, errors.

The selectors and schemas of the token steps, the entry titles, and the
error keys of gridX failures, also of the changes the flows ask the
registration's owner (`registration.registrar`) to make.
"""

from collections.abc import Awaitable, Mapping
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
    LOGGER,
    METHOD_AUTOMATIC,
    REGISTRATION_METHODS,
)
from ..live.coordinator import MAX_LIVE_INTERVAL, MIN_LIVE_INTERVAL
from ..registration.registrar import RegistrationFailedError, WrongUserError
from ..registration.target import WebhookUrlError

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


async def async_ask[T](change: Awaitable[T]) -> T | str:
    """Await a change the registrar makes at gridX; a failure as an error key."""
    try:
        return await change
    except WebhookUrlError as err:
        return err.reason
    except WrongUserError:
        return "wrong_user"
    except RegistrationFailedError as err:
        return error_key(err.error)
