"""What every step family of the gridX config flow shares.

`GridxFlowBase` holds the flow's state (the new entry's credentials, user,
webhook and what a failed attempt may have left at gridX), deletes those
leftovers when the flow ends without an entry owning them, and creates a
new entry once the flow's `GridxRegistrar` registered it. The token steps
(``config_flow.py``), the portal steps (`portal`) and the reconfigure steps
(`reconfigure`) each derive from it alone; `GridxConfigFlow` is composed
of them.
"""

from typing import Any

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.core import callback

from ..api.auth import TokenSource
from ..api.client import DEFAULT_BASE_URL
from ..api.resources import GridxUser
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    LOGGER,
    METHOD_AUTOMATIC,
)
from ..registration.registrar import GridxRegistrar, Leftovers
from ..registration.target import WebhookTarget
from .common import async_ask, flow_client


class GridxFlowBase(ConfigFlow):
    """The state and the new entry's registration every step family shares."""

    # Set by the token or portal step before a new entry is registered.
    _user: GridxUser
    _target: WebhookTarget

    def __init__(self) -> None:
        """Start with nothing known."""
        self._token: str | TokenSource = ""
        self._credentials: dict[str, Any] = {}  # the token, or the portal login
        self._title = "gridX"
        self._api_base = DEFAULT_BASE_URL
        self._method = METHOD_AUTOMATIC
        self._webhook_id = async_generate_id()
        # What to delete if the flow ends without an entry owning it: what
        # a registration attempt may have left at gridX, and a cloudhook.
        self._leftovers = Leftovers()
        self._cloudhook_of: str | None = None

    @callback
    def async_remove(self) -> None:
        """Delete what a failed or cancelled flow left behind (in a task).

        A cloudhook is made right before registering, which notes the
        leftovers: the clean-up deletes both. A poll-only entry owns no
        registration (nothing is left) and no cloudhook yet.
        """
        if self._leftovers.client is not None or self._cloudhook_of is not None:
            self.hass.async_create_task(
                GridxRegistrar(self.hass).async_discard(
                    self._leftovers, self._cloudhook_of
                ),
                "gridX flow clean-up",
            )

    async def async_register_and_create(self) -> ConfigFlowResult | str:
        """Register at gridX for every event type and create the entry.

        Setup asks for no event types: gridX sends them all, and the options
        flow lets the user untick some. Returns an error key on failure.
        """
        event_types = list(DEFAULT_EVENT_TYPES)
        result = await async_ask(
            GridxRegistrar(self.hass).async_register_new(
                flow_client(self.hass, self._token, self._api_base),
                self._user,
                self._target,
                self._method,
                event_types,
                self._leftovers,
            )
        )
        if result is None:
            return self._async_create_poll_only(event_types)
        if isinstance(result, str):
            return result
        self._cloudhook_of = None
        data: dict[str, Any] = {
            CONF_WEBHOOK_ID: self._webhook_id,
            **self._credentials,
            CONF_API_BASE: self._api_base,
            CONF_ACCOUNT_ID: self._user.account_id,
            CONF_USER_ID: self._user.id,
            **result.as_entry_data(),
            CONF_WEBHOOK_URL: self._target.url,
            CONF_PREVIOUS_URLS: [],
        }
        if self._target.cloudhook_url is not None:
            data[CONF_CLOUDHOOK_URL] = self._target.cloudhook_url
        return self.async_create_entry(
            title=self._title,
            data=data,
            options={CONF_EVENT_TYPES: event_types},
        )

    def _async_create_poll_only(self, event_types: list[str]) -> ConfigFlowResult:
        """Create the entry poll-only: gridX refuses webhooks and rules (403).

        The event types are kept for the day push is allowed (the running
        entry asks gridX daily, `registration.mode`). Nothing can be left at
        gridX; a cloudhook the flow made is deleted when it ends (the entry
        makes one when push comes).
        """
        data: dict[str, Any] = {
            CONF_WEBHOOK_ID: self._webhook_id,
            **self._credentials,
            CONF_API_BASE: self._api_base,
            CONF_ACCOUNT_ID: self._user.account_id,
            CONF_USER_ID: self._user.id,
            CONF_REGISTRATION_METHOD: self._method,
            CONF_POLL_ONLY: True,
            CONF_PREVIOUS_URLS: [],
        }
        LOGGER.info(
            "gridX refuses webhooks and notification rules to this account: "
            "it is added poll-only"
        )
        return self.async_create_entry(
            title=self._title, data=data, options={CONF_EVENT_TYPES: event_types}
        )
