"""Reconfigure of a token entry: the token, the API base, the method.

The same collapsed "Advanced" section as the token step holds the API base
URL and the registration method. A new API base or a newly chosen method
moves the registration: the entry's registrar makes it at the new API (or
with the new method) first, then deletes the old one (at the old API with
the old token). When gridX refuses both push APIs (403) the entry goes on
poll-only; when push works again it leaves poll-only. Portal entries are
reconfigured by the portal steps (`portal`).
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN

from ..api.client import DEFAULT_BASE_URL
from ..const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_REGISTRATION_METHOD,
    METHOD_AUTOMATIC,
)
from ..registration.registrar import registrar_of
from .base import GridxFlowBase
from .common import (
    PLACEHOLDERS,
    async_ask,
    async_get_user,
    flow_client,
    normalize_base_url,
    token_schema,
)


class GridxReconfigureSteps(GridxFlowBase):
    """The token entry's reconfigure step."""

    async def async_reconfigure_token(
        self, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Change the token or the API base, then re-register (step ``reconfigure``)."""
        entry = self._get_reconfigure_entry()
        data = entry.data
        errors: dict[str, str] = {}
        if user_input is not None:
            advanced = user_input[CONF_ADVANCED]
            token = (user_input.get(CONF_API_TOKEN) or "").strip() or data[
                CONF_API_TOKEN
            ]
            api_base = normalize_base_url(advanced[CONF_API_BASE])
            if api_base is None:
                # On the section: the frontend shows no error of a field inside one.
                errors[CONF_ADVANCED] = "invalid_api_base"
            else:
                result = await self._async_reconfigure(
                    entry, token, api_base, advanced[CONF_REGISTRATION_METHOD]
                )
                if isinstance(result, str):
                    errors["base"] = result
                else:
                    return result
        schema = token_schema(
            errors,
            api_base=data.get(CONF_API_BASE, DEFAULT_BASE_URL),
            method=data.get(CONF_REGISTRATION_METHOD, METHOD_AUTOMATIC),
            reconfigure=True,
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {k: v for k, v in (user_input or {}).items() if k != CONF_API_TOKEN},
            ),
            errors=errors,
            description_placeholders=PLACEHOLDERS,
        )

    async def _async_reconfigure(
        self, entry: ConfigEntry, token: str, api_base: str, method: str
    ) -> ConfigFlowResult | str:
        """Validate, then let the registrar register at the (new) API and commit."""
        user = await async_get_user(self.hass, token, api_base)
        if isinstance(user, str):
            return user
        await self.async_set_unique_id(user.account_id)
        self._abort_if_unique_id_mismatch(reason="wrong_account")

        def commit(updates: dict[str, Any]) -> ConfigFlowResult:
            return self.async_update_reload_and_abort(
                entry, data_updates={CONF_API_TOKEN: token, **updates}
            )

        return await async_ask(
            registrar_of(self.hass, entry).async_reregister(
                entry,
                flow_client(self.hass, token, api_base),
                user,
                method,
                self._leftovers,
                commit,
            )
        )
