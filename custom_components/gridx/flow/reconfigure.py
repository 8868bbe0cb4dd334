"""Reconfigure of a token entry: the token, the API base, the method.

The same collapsed "Advanced" section as the token step holds the API base
URL and the registration method. A new API base or a newly chosen method
moves the registration: it is made at the new API (or with the new method)
first, then the old one is deleted (at the old API with the old token).
When gridX refuses both push APIs (403) the entry goes on poll-only; when
push works again it leaves poll-only. Portal entries are handed to
`config_flow_portal`.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN, CONF_EMAIL, CONF_PASSWORD

from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import GridxApiError
from ..api.resources import GridxUser
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_PREVIOUS_URLS,
    CONF_REFRESH_TOKEN,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    LOGGER,
    METHOD_AUTOMATIC,
    METHOD_RULES,
    METHOD_SUBSCRIPTION,
)
from ..registration.mode import has_registration
from ..registration.reconcile import RemoteRegistration, async_delete_remote
from ..registration.target import (
    WebhookUrlError,
    async_resolve_webhook_url,
    previous_urls_after,
    registration_lock,
)
from ..token_source import entry_client, is_portal_entry
from .common import (
    PLACEHOLDERS,
    async_get_user,
    async_may_push,
    async_register,
    flow_client,
    normalize_base_url,
    other_rules_user,
    portal_bases,
    portal_title_update,
    token_schema,
)
from .portal import GridxPortalFlow, PortalLogin, portal_schema


class GridxReconfigureFlow(GridxPortalFlow):
    """The token entry's reconfigure; `GridxConfigFlow` inherits it."""

    # What to delete if the flow ends without an entry owning it.
    _clean_up: tuple[GridxClient, dict[str, Any]] | None

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the token and/or the API base, then re-register."""
        entry = self._get_reconfigure_entry()
        if is_portal_entry(entry.data):
            return await self.async_step_reconfigure_portal()
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
        """Validate, register at the (new) API, drop the old registration."""
        user = await async_get_user(self.hass, token, api_base)
        if isinstance(user, str):
            return user
        await self.async_set_unique_id(user.account_id)
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        async with registration_lock(self.hass, entry.entry_id):
            return await self._async_reregister(entry, token, api_base, user, method)

    async def _async_reregister(
        self,
        entry: ConfigEntry,
        token: str,
        api_base: str,
        user: GridxUser,
        method: str,
    ) -> ConfigFlowResult | str:
        """Register for the reconfigured entry; the caller holds its lock.

        A new API base or a newly chosen method starts over (the secrets are
        kept): the registration is made at the new API (or with the new
        method) first, then the old one is deleted. Both APIs refused (403):
        the entry goes on poll-only. ``automatic`` keeps what works.
        """
        data = entry.data
        old_base: str = data.get(CONF_API_BASE, DEFAULT_BASE_URL)
        moved = api_base != old_base
        stored = data.get(CONF_REGISTRATION_METHOD, METHOD_AUTOMATIC)
        switched = method not in (METHOD_AUTOMATIC, stored)
        if not moved and other_rules_user(data, user.id):
            return "wrong_user"
        try:
            target = await async_resolve_webhook_url(
                self.hass,
                data[CONF_WEBHOOK_ID],
                api_base,
                cloudhook_url=data.get(CONF_CLOUDHOOK_URL),
            )
        except WebhookUrlError as err:
            return err.reason
        current = RemoteRegistration.from_entry_data(data)
        client = flow_client(self.hass, token, api_base)
        if moved or switched:
            current = RemoteRegistration(method, secrets=current.secrets)
            # What a failed attempt left behind goes if the flow ends.
            self._clean_up = (
                client,
                {
                    CONF_ACCOUNT_ID: user.account_id,
                    CONF_USER_ID: user.id,
                    CONF_REGISTRATION_METHOD: method,
                    # At the same API the target is ours already: by ids only.
                    **({CONF_WEBHOOK_URL: target.url} if moved else {}),
                },
            )
        previous = [] if moved else previous_urls_after(data, target.url)
        registration = await async_register(
            self.hass,
            client,
            user,
            target,
            list(entry.options.get(CONF_EVENT_TYPES) or DEFAULT_EVENT_TYPES),
            current,
            previous,
        )
        updates: dict[str, Any] = {
            CONF_API_TOKEN: token,
            CONF_API_BASE: api_base,
            CONF_ACCOUNT_ID: user.account_id,
            CONF_USER_ID: user.id,
        }
        if registration == "missing_permissions" and not await async_may_push(
            client, user
        ):
            self._async_drop_clean_up(api_base)  # refused: nothing is left there
            updates[CONF_POLL_ONLY] = True
        elif isinstance(registration, str):
            return registration
        else:
            self._async_drop_clean_up(api_base)  # the entry owns what is there
            updates |= {
                **registration.as_entry_data(),
                CONF_POLL_ONLY: False,
                CONF_WEBHOOK_URL: target.url,
                CONF_PREVIOUS_URLS: previous,
            }
            if target.cloudhook_url is not None:
                updates[CONF_CLOUDHOOK_URL] = target.cloudhook_url
        if moved or switched:
            await self._async_delete_old(data, stored, old_base, moved)
            if updates.get(CONF_POLL_ONLY):
                # Nothing is registered any more: forget the old ids.
                updates |= {
                    **RemoteRegistration(
                        method, secrets=current.secrets
                    ).as_entry_data(),
                    CONF_WEBHOOK_URL: None,
                    CONF_PREVIOUS_URLS: [],
                }
        return self.async_update_reload_and_abort(entry, data_updates=updates)

    def _async_drop_clean_up(self, api_base: str) -> None:
        """Forget the clean-up at ``api_base``; one at another API stays due.

        An earlier attempt at another API (whose create answer was lost)
        is still deleted when the flow ends.
        """
        if self._clean_up is not None and self._clean_up[0].base_url == api_base:
            self._clean_up = None

    async def _async_delete_old(
        self, data: Mapping[str, Any], stored: str, old_base: str, moved: bool
    ) -> None:
        """Delete the registration a move or a method switch replaced.

        At the old API everything of ours goes (by id and URL); with the
        same API only the old method's ids (the URL is the new one's too).
        """
        old: dict[str, Any] = dict(data)
        if not moved:
            old = {
                CONF_ACCOUNT_ID: data[CONF_ACCOUNT_ID],
                CONF_USER_ID: data[CONF_USER_ID],
                CONF_REGISTRATION_METHOD: stored,
                CONF_SUBSCRIPTION_ID: data.get(CONF_SUBSCRIPTION_ID)
                if stored != METHOD_RULES
                else None,
                CONF_RULE_IDS: data.get(CONF_RULE_IDS, [])
                if stored != METHOD_SUBSCRIPTION
                else [],
            }
        try:
            await async_delete_remote(
                flow_client(self.hass, data[CONF_API_TOKEN], old_base), old
            )
        except GridxApiError as err:
            LOGGER.warning(
                "Could not delete the replaced registration at %s: %s", old_base, err
            )

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
                    login, updates = result
                    moved: dict[str, Any] | str = {}
                    if api_base != data[CONF_API_BASE]:
                        async with registration_lock(self.hass, entry.entry_id):
                            moved = await self._async_move_portal(entry, login)
                    if isinstance(moved, str):
                        errors["base"] = moved
                    else:
                        # Registering may have rotated the refresh token.
                        updates[CONF_REFRESH_TOKEN] = login.session.refresh_token
                        # The title follows a new e-mail (portal_title_update).
                        return self.async_update_reload_and_abort(
                            entry,
                            data_updates={**updates, **moved},
                            title=portal_title_update(entry, updates[CONF_EMAIL]),
                        )
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

    async def _async_move_portal(
        self, entry: ConfigEntry, login: PortalLogin
    ) -> dict[str, Any] | str:
        """Move a portal entry's registration to the new API; updates or error.

        The login probed push at the new API: with push the registration is
        made there first (poll-only entries leave that mode); without, the
        entry goes on poll-only. Then what the entry held at the old API is
        deleted with its own session. The caller holds the entry's lock.
        """
        data = entry.data
        secrets = RemoteRegistration.from_entry_data(data).secrets
        updates: dict[str, Any] = {
            **RemoteRegistration(METHOD_AUTOMATIC, secrets=secrets).as_entry_data(),
            CONF_POLL_ONLY: True,
            CONF_WEBHOOK_URL: None,
            CONF_PREVIOUS_URLS: [],
        }
        if login.push and login.user is not None:
            try:
                target = await async_resolve_webhook_url(
                    self.hass,
                    data[CONF_WEBHOOK_ID],
                    login.client.base_url,
                    cloudhook_url=data.get(CONF_CLOUDHOOK_URL),
                )
            except WebhookUrlError as err:
                return err.reason
            self._clean_up = (
                login.client,
                {
                    CONF_ACCOUNT_ID: login.user.account_id,
                    CONF_USER_ID: login.user.id,
                    CONF_WEBHOOK_URL: target.url,
                },
            )
            registration = await async_register(
                self.hass,
                login.client,
                login.user,
                target,
                list(entry.options.get(CONF_EVENT_TYPES) or DEFAULT_EVENT_TYPES),
                RemoteRegistration(METHOD_AUTOMATIC, secrets=secrets),
                [],
            )
            if isinstance(registration, str):
                return registration
            self._clean_up = None  # the entry now owns it
            updates |= {
                **registration.as_entry_data(),
                CONF_POLL_ONLY: False,
                CONF_WEBHOOK_URL: target.url,
            }
            if target.cloudhook_url is not None:
                updates[CONF_CLOUDHOOK_URL] = target.cloudhook_url
        if has_registration(data):
            try:
                await async_delete_remote(entry_client(self.hass, entry), data)
            except GridxApiError as err:
                LOGGER.warning(
                    "Could not delete the registration at the previous API %s: %s",
                    data[CONF_API_BASE],
                    err,
                )
        return updates
