"""The portal steps of the gridX config flow: homeowner sign-in.

The homeowner signs in with the portal's e-mail and password
(`portal_login`). If gridX allows push the flow goes on like the token path
(webhook URL, registration, entry); if both push APIs are refused the
entry is created poll-only (repair issue ``push_unavailable`` at setup).

Reauth (the password) and reconfigure (e-mail, password, base URLs) of
portal entries are steps of this family too; ``config_flow.py`` hands
portal entries to them. A new API base moves the registration, which the
entry's registrar does.
"""

from typing import Any

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD

from ..api.client import DEFAULT_BASE_URL
from ..const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_EVENT_TYPES,
    CONF_PORTAL,
    CONF_PREVIOUS_URLS,
    CONF_REFRESH_TOKEN,
    CONF_WEBHOOK_ID,
)
from ..registration.registrar import registrar_of
from ..registration.target import WebhookUrlError, async_resolve_webhook_url
from .base import GridxFlowBase
from .common import async_ask, portal_bases, portal_title, portal_title_update
from .portal_login import (
    STEP_REAUTH_PORTAL_SCHEMA,
    PortalLogin,
    async_portal_login,
    portal_entry_data,
    portal_schema,
    relogin_data,
)


class GridxPortalSteps(GridxFlowBase):
    """The portal steps: sign-in, reauth and reconfigure of portal entries."""

    async def async_continue_with_push(
        self, login: PortalLogin, data: dict[str, Any]
    ) -> ConfigFlowResult | str:
        """Go on like the token path with the portal session; or an error key."""
        assert login.user is not None  # noqa: S101 - push needs GET /user
        try:
            self._target = await async_resolve_webhook_url(
                self.hass, self._webhook_id, data[CONF_API_BASE]
            )
        except WebhookUrlError as err:
            return err.reason
        self._token = login.session
        self._credentials = data
        self._api_base = data[CONF_API_BASE]
        self._user = login.user
        self._title = portal_title(login.session.portal, data[CONF_EMAIL])
        return await self.async_register_and_create()

    async def async_step_portal(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the portal, e-mail and password (and, folded, the bases)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            bases = portal_bases(user_input[CONF_ADVANCED], errors)
            if bases is not None:
                api_base, auth_base = bases
                user_input = {**user_input, CONF_EMAIL: user_input[CONF_EMAIL].strip()}
                login = await async_portal_login(
                    self.hass,
                    user_input[CONF_PORTAL],
                    user_input[CONF_EMAIL],
                    user_input[CONF_PASSWORD],
                    api_base,
                    auth_base,
                )
                if isinstance(login, str):
                    errors["base"] = login
                else:
                    await self.async_set_unique_id(login.unique_id)
                    self._abort_if_unique_id_configured()
                    data = portal_entry_data(login, user_input, api_base, auth_base)
                    if login.push:
                        pushed = await self.async_continue_with_push(login, data)
                        if not isinstance(pushed, str):
                            return pushed
                        errors["base"] = pushed
                    else:
                        return self.async_create_entry(
                            title=portal_title(
                                login.session.portal, user_input[CONF_EMAIL]
                            ),
                            data={
                                **data,
                                CONF_WEBHOOK_ID: async_generate_id(),
                                CONF_PREVIOUS_URLS: [],
                            },
                            options={CONF_EVENT_TYPES: []},
                        )
        return self.async_show_form(
            step_id="portal",
            data_schema=self.add_suggested_values_to_schema(
                portal_schema(errors), user_input
            ),
            errors=errors,
            # The errors (invalid_api_base) name the default URL.
            description_placeholders={"default_api_base": DEFAULT_BASE_URL},
        )

    async def async_step_reauth_portal(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the portal password again (the e-mail stays)."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await self._async_relogin(
                entry,
                entry.data[CONF_EMAIL],
                user_input[CONF_PASSWORD],
                entry.data[CONF_API_BASE],
                entry.data[CONF_AUTH_BASE],
            )
            if isinstance(result, str):
                errors["base"] = result
            else:
                return self.async_update_reload_and_abort(entry, data_updates=result[1])
        return self.async_show_form(
            step_id="reauth_portal",
            data_schema=STEP_REAUTH_PORTAL_SCHEMA,
            errors=errors,
            description_placeholders={
                "title": entry.title,
                "email": entry.data[CONF_EMAIL],
            },
        )

    async def _async_relogin(
        self,
        entry: ConfigEntry,
        email: str,
        password: str,
        api_base: str,
        auth_base: str,
    ) -> tuple[PortalLogin, dict[str, Any]] | str:
        """Log in for ``entry`` again: the login and new data, or an error key.

        The account must be the entry's.
        """
        login = await async_portal_login(
            self.hass, entry.data[CONF_PORTAL], email, password, api_base, auth_base
        )
        if isinstance(login, str):
            return login
        await self.async_set_unique_id(login.unique_id)
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        return login, relogin_data(login, entry, email, password, api_base, auth_base)

    async def async_step_reconfigure_portal(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the e-mail, password or the base URLs of a portal entry."""
        entry = self._get_reconfigure_entry()
        data = entry.data
        errors: dict[str, str] = {}
        if user_input is not None:
            bases = portal_bases(user_input[CONF_ADVANCED], errors)
            if bases is not None:
                api_base, auth_base = bases
                result = await self._async_relogin(
                    entry,
                    user_input[CONF_EMAIL].strip(),
                    user_input[CONF_PASSWORD],
                    api_base,
                    auth_base,
                )
                if isinstance(result, str):
                    errors["base"] = result
                else:
                    done = await self._async_reconfigure_portal(
                        entry, api_base, *result
                    )
                    if not isinstance(done, str):
                        return done
                    errors["base"] = done
        schema = portal_schema(
            errors,
            email=data[CONF_EMAIL],
            api_base=data[CONF_API_BASE],
            auth_base=data[CONF_AUTH_BASE],
            reconfigure=True,
        )
        return self.async_show_form(
            step_id="reconfigure_portal",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD},
            ),
            errors=errors,
            # The errors (invalid_api_base) name the default URL.
            description_placeholders={"default_api_base": DEFAULT_BASE_URL},
        )

    async def _async_reconfigure_portal(
        self,
        entry: ConfigEntry,
        api_base: str,
        login: PortalLogin,
        updates: dict[str, Any],
    ) -> ConfigFlowResult | str:
        """Save the new login; a new API base moves the registration first."""

        def commit(moved: dict[str, Any]) -> ConfigFlowResult:
            # Registering may have rotated the refresh token.
            updates[CONF_REFRESH_TOKEN] = login.session.refresh_token
            # The title follows a new e-mail (portal_title_update).
            return self.async_update_reload_and_abort(
                entry,
                data_updates={**updates, **moved},
                title=portal_title_update(entry, updates[CONF_EMAIL]),
            )

        if api_base == entry.data[CONF_API_BASE]:
            return commit({})
        return await async_ask(
            registrar_of(self.hass, entry).async_move_portal(
                entry, login.client, login.user, login.push, self._leftovers, commit
            )
        )
