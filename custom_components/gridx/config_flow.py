"""Config flow for gridX: token or portal sign-in, event types, registration.

The first step is a menu: an API token (below) or a homeowner's portal
account (`config_flow_portal`). With a token the flow reads ``GET /user``
(the account is the unique ID), finds the URL gridX can post to, lets the
user pick event types and creates the registration at gridX (Subscription
API, or notification rules) before the entry exists. Reauth asks for a
token of the same account; reconfigure changes the token or the API base
and re-registers; the options flow updates the registration as a diff.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import callback

from .api.auth import TokenSource
from .api.client import DEFAULT_BASE_URL, GridxClient
from .api.resources import GridxUser
from .const import (
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
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
    DOMAIN,
    ENTRY_MINOR_VERSION,
    LOGGER,
    METHOD_AUTOMATIC,
)
from .flow.common import (
    PLACEHOLDERS,
    STEP_REAUTH_SCHEMA,
    account_title,
    async_clean_up,
    async_get_user,
    async_may_push,
    async_register,
    flow_client,
    normalize_base_url,
    other_rules_user,
    token_schema,
)
from .flow.options import GridxOptionsFlow
from .flow.reconfigure import GridxReconfigureFlow
from .registration import cloudhook
from .registration.reconcile import RemoteRegistration
from .registration.target import (
    WebhookTarget,
    WebhookUrlError,
    async_resolve_webhook_url,
    registration_lock,
)
from .token_source import is_portal_entry


class GridxConfigFlow(GridxReconfigureFlow, domain=DOMAIN):
    """Handle a config flow for gridX."""

    VERSION = 1
    MINOR_VERSION = ENTRY_MINOR_VERSION

    # Set by the user step before the event-types step can run.
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
        # What to delete if the flow ends without an entry owning it: the
        # client and data for `async_delete_remote`, and a cloudhook.
        self._clean_up: tuple[GridxClient, dict[str, Any]] | None = None
        self._cloudhook_of: str | None = None

    @callback
    def async_remove(self) -> None:
        """Delete what a failed or cancelled flow left behind (in a task).

        A cloudhook is made right before registering, which sets
        ``_clean_up``: the clean-up deletes both. A poll-only entry owns no
        registration (``_clean_up`` is cleared) and no cloudhook yet.
        """
        if self._clean_up is not None:
            client, data = self._clean_up
            self.hass.async_create_task(
                async_clean_up(self.hass, client, data, self._cloudhook_of),
                "gridX flow clean-up",
            )
        elif self._cloudhook_of is not None:
            self.hass.async_create_task(
                cloudhook.async_delete_cloudhook(self.hass, self._cloudhook_of),
                "gridX flow clean-up",
            )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> GridxOptionsFlow:
        """Return the options flow."""
        return GridxOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how to sign in: API token or portal account."""
        return self.async_show_menu(step_id="user", menu_options=["token", "portal"])

    async def async_step_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the token (and, folded away, the API base and method)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            advanced = user_input[CONF_ADVANCED]
            token = user_input[CONF_API_TOKEN].strip()
            api_base = normalize_base_url(advanced[CONF_API_BASE])
            if api_base is None:
                # On the section: the frontend shows no error of a field inside one.
                errors[CONF_ADVANCED] = "invalid_api_base"
            else:
                result = await async_get_user(self.hass, token, api_base)
                if isinstance(result, str):
                    errors["base"] = result
                else:
                    await self.async_set_unique_id(result.account_id)
                    self._abort_if_unique_id_configured()
                    try:
                        self._target = await async_resolve_webhook_url(
                            self.hass, self._webhook_id, api_base
                        )
                    except WebhookUrlError as err:
                        errors["base"] = err.reason
                    else:
                        if self._target.cloudhook_url is not None:
                            self._cloudhook_of = self._webhook_id
                        self._token = token
                        self._credentials = {CONF_API_TOKEN: token}
                        self._api_base = api_base
                        self._method = advanced[CONF_REGISTRATION_METHOD]
                        self._user = result
                        self._title = account_title(result)
                        created = await self.async_register_and_create()
                        if not isinstance(created, str):
                            return created
                        errors["base"] = created
        return self.async_show_form(
            step_id="token",
            data_schema=self.add_suggested_values_to_schema(
                token_schema(errors), user_input
            ),
            errors=errors,
            description_placeholders=PLACEHOLDERS,
        )

    async def async_register_and_create(self) -> ConfigFlowResult | str:
        """Register at gridX for every event type and create the entry.

        Setup asks for no event types: gridX sends them all, and the options
        flow lets the user untick some. Returns an error key on failure.
        """
        event_types = list(DEFAULT_EVENT_TYPES)
        client = flow_client(self.hass, self._token, self._api_base)
        # A failed attempt may leave a registration behind (a create whose
        # answer was lost): delete it if the flow ends here.
        self._clean_up = (
            client,
            {
                CONF_ACCOUNT_ID: self._user.account_id,
                CONF_USER_ID: self._user.id,
                CONF_REGISTRATION_METHOD: self._method,
                CONF_WEBHOOK_URL: self._target.url,
            },
        )
        result = await async_register(
            self.hass,
            client,
            self._user,
            self._target,
            event_types,
            RemoteRegistration(self._method),
            [],
        )
        if result == "missing_permissions" and not await async_may_push(
            client, self._user
        ):
            return self._async_create_poll_only(event_types)
        if isinstance(result, str):
            return result
        self._clean_up = self._cloudhook_of = None
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
        entry asks gridX daily, `push_mode`).
        """
        # Both refused: nothing can be left at gridX. A cloudhook the flow
        # made is deleted when it ends (the entry makes one when push comes).
        self._clean_up = None
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

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start a reauth: gridX rejected the token (or the portal login)."""
        if is_portal_entry(entry_data):
            return await self.async_step_reauth_portal()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token of the same account."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            result = await async_get_user(
                self.hass, token, entry.data.get(CONF_API_BASE, DEFAULT_BASE_URL)
            )
            if isinstance(result, str):
                errors["base"] = result
            else:
                await self.async_set_unique_id(result.account_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                async with registration_lock(self.hass, entry.entry_id):
                    if other_rules_user(entry.data, result.id):
                        errors["base"] = "wrong_user"
                    else:
                        return self.async_update_reload_and_abort(
                            entry,
                            data_updates={
                                CONF_API_TOKEN: token,
                                CONF_USER_ID: result.id,
                            },
                        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=STEP_REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"title": entry.title, **PLACEHOLDERS},
        )
