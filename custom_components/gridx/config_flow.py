"""Config flow for gridX: token or portal sign-in, event types, registration.

The first step is a menu: an API token (below) or a homeowner's portal
account (`flow.portal`). With a token the flow reads ``GET /user`` (the
account is the unique ID), finds the URL gridX can post to and lets the
registration's owner (`registration.registrar`) register at gridX for every
event type (Subscription API, or notification rules) before the entry exists
(`flow.base`). Reauth asks for a token of the same account; reconfigure
changes the token or the API base and re-registers (`flow.reconfigure`);
the options flow updates the registration as a diff (`flow.options`).

`GridxConfigFlow` is composed of the step families: the token steps here,
the portal steps and the reconfigure steps, each deriving from the shared
`GridxFlowBase` alone.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import callback

from .api.client import DEFAULT_BASE_URL
from .const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    DOMAIN,
    ENTRY_MINOR_VERSION,
)
from .flow.common import (
    PLACEHOLDERS,
    STEP_REAUTH_SCHEMA,
    account_title,
    async_ask,
    async_get_user,
    normalize_base_url,
    token_schema,
)
from .flow.options import GridxOptionsFlow
from .flow.portal import GridxPortalSteps
from .flow.reconfigure import GridxReconfigureSteps
from .registration.registrar import registrar_of
from .registration.target import WebhookUrlError, async_resolve_webhook_url
from .token_source import is_portal_entry


class GridxConfigFlow(GridxPortalSteps, GridxReconfigureSteps, domain=DOMAIN):
    """Handle a config flow for gridX: the token steps, composed with the rest."""

    VERSION = 1
    MINOR_VERSION = ENTRY_MINOR_VERSION

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

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure: a portal entry's login, or a token entry's token."""
        if is_portal_entry(self._get_reconfigure_entry().data):
            return await self.async_step_reconfigure_portal()
        return await self.async_reconfigure_token(user_input)

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
                user_id = result.id
                done = await async_ask(
                    registrar_of(self.hass, entry).async_take_over(
                        entry,
                        user_id,
                        lambda: self.async_update_reload_and_abort(
                            entry,
                            data_updates={CONF_API_TOKEN: token, CONF_USER_ID: user_id},
                        ),
                    )
                )
                if not isinstance(done, str):
                    return done
                errors["base"] = done
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=STEP_REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"title": entry.title, **PLACEHOLDERS},
        )
