"""Where gridX must post, and the rules every registration pass follows.

One place decides where gridX must post (`async_resolve_webhook_url`); the
remote work is in `reconcile`, its one owner in `registrar`, the running
entry's manager in `lifecycle`, the removal in `orphans`. Every pass that
changes an entry's registration (setup, URL change, daily check, options,
reconfigure, reauth, secret rotation):

- runs through the entry's `registrar.GridxRegistrar`, which holds the
  entry's one lock, so two passes never interleave;
- reads the entry again after the lock (and after each call to gridX) and
  writes only the keys it owns with `async_write_registration`, never a copy
  of ``entry.data`` taken before an await: a token written by a Reconfigure
  in between survives.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.webhook import async_generate_url
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError

from ..api.client import DEFAULT_BASE_URL
from ..const import (
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    CONF_WEBHOOK_URL,
    LOGGER,
    MAX_PREVIOUS_URLS,
    METHOD_RULES,
)
from . import cloudhook

# The repair issues about one entry's webhook URL and deliveries.
URL_ISSUE_REASONS: Final = ("no_url", "https_required")
ISSUE_UNREACHABLE: Final = "webhook_unreachable"
# The same issue, when deliveries arrive but their signature does not verify.
ISSUE_SECRET_MISMATCH: Final = "webhook_secret_mismatch"  # noqa: S105 - a key


class WebhookUrlError(Exception):
    """No URL gridX can post to; ``reason`` is a translation key."""

    def __init__(self, reason: str) -> None:
        """Store the reason (``no_url`` or ``https_required``)."""
        super().__init__(reason)
        self.reason = reason


class RegistrationFailedError(Exception):
    """A change at gridX failed; ``error`` is what the call raised."""

    def __init__(self, error: Exception) -> None:
        """Keep the failure of the call."""
        super().__init__(str(error))
        self.error = error


class WrongUserError(Exception):
    """The entry's notification rules belong to another user."""


def other_rules_user(data: Mapping[str, Any], user_id: str) -> bool:
    """Return True when ``user_id`` cannot take over the entry's rules.

    Notification rules belong to the user who made them: a token of another
    user can neither see nor delete them, so they would be left at gridX
    for ever. Subscriptions belong to the account and may change hands.
    """
    return data.get(CONF_REGISTRATION_METHOD) == METHOD_RULES and user_id != data.get(
        CONF_USER_ID
    )


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where gridX posts: the URL, and whether it is a Nabu Casa cloudhook."""

    url: str
    cloudhook_url: str | None = None


@callback
def async_write_registration(
    hass: HomeAssistant, entry: ConfigEntry, updates: Mapping[str, Any]
) -> None:
    """Write ``updates`` onto the entry's current data; nothing else changes.

    A removed entry is left alone.
    """
    if hass.config_entries.async_get_entry(entry.entry_id) is not entry:
        return
    data = {**entry.data, **updates}
    if data != entry.data:
        hass.config_entries.async_update_entry(entry, data=data)


def issue_id(entry_id: str, reason: str) -> str:
    """Return the repair issue id for a problem of one entry."""
    return f"{reason}_{entry_id}"


def is_default_api(api_base: str) -> bool:
    """Return True for gridX's real API (which insists on https targets)."""
    return api_base.rstrip("/") == DEFAULT_BASE_URL


def external_webhook_url(
    hass: HomeAssistant, webhook_id: str, api_base: str, *, warn: bool = True
) -> str:
    """Return our webhook's public URL, or raise WebhookUrlError.

    gridX needs https with a trusted certificate; plain http is accepted only
    against another API base (the local emulator), with a warning (``warn``).
    """
    try:
        url = async_generate_url(
            hass, webhook_id, allow_internal=False, prefer_external=True
        )
    except NoURLAvailableError:
        raise WebhookUrlError("no_url") from None
    if not url.startswith("https://"):
        if is_default_api(api_base):
            raise WebhookUrlError("https_required")
        (LOGGER.warning if warn else LOGGER.debug)(
            "The webhook URL is not https; gridX itself would refuse it. "
            "Accepted because the API base %s is not gridX's",
            api_base,
        )
    return url


async def async_resolve_webhook_url(
    hass: HomeAssistant,
    webhook_id: str,
    api_base: str,
    *,
    cloudhook_url: str | None = None,
    warn: bool = True,
) -> WebhookTarget:
    """Return where gridX must post: a cloudhook when Nabu Casa is active.

    A stored cloudhook is reused; a new one is made while the cloud is
    connected. Otherwise the external URL. Raises WebhookUrlError.
    """
    if cloudhook.active(hass):
        if cloudhook_url is None and cloudhook.connected(hass):
            cloudhook_url = await cloudhook.async_get_or_create_cloudhook(
                hass, webhook_id
            )
        if cloudhook_url is not None:
            return WebhookTarget(cloudhook_url, cloudhook_url)
    return WebhookTarget(external_webhook_url(hass, webhook_id, api_base, warn=warn))


def previous_urls_after(data: Mapping[str, Any], new_url: str) -> list[str]:
    """Return the entry's earlier URLs once ``new_url`` is the current one.

    The stored current URL joins the list when it changes; the list is
    bounded and never holds ``new_url``.
    """
    previous = list(data.get(CONF_PREVIOUS_URLS, ()))
    current = data.get(CONF_WEBHOOK_URL)
    if current and current != new_url:
        previous = [u for u in previous if u != current]
        previous.append(current)
    return [u for u in previous if u != new_url][-MAX_PREVIOUS_URLS:]
