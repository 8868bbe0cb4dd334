"""The options flow of gridX: event types (a diff at gridX) and the live interval.

Setup subscribes to every event type; here the user may untick some. The
choices are translated labels grouped by device (``selector.event_types``);
the form's description says which entities stop updating when one is
unticked. The entry keeps gridX's own type names.

A poll-only entry gets no events, so its form (step ``polling``) shows the
live interval only, with one sentence on what its login does; the event
types it keeps wait for the day push is allowed.
"""

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from ..api.event_types import EventType
from ..const import CONF_EVENT_TYPES, DEFAULT_EVENT_TYPES
from ..live.coordinator import CONF_LIVE_INTERVAL, live_interval
from ..registration.mode import is_poll_only
from ..registration.registrar import registrar_of
from .common import LIVE_INTERVAL_SELECTOR, async_ask

# gridX event type -> its option key, grouped by device (the display order).
EVENT_TYPE_OPTIONS: Final[Mapping[EventType, str]] = {
    EventType.GATEWAY_CREATE: "gateway_create",
    EventType.GATEWAY_ONLINE: "gateway_online",
    EventType.GATEWAY_OFFLINE: "gateway_offline",
    EventType.POWER_LIMIT_SET: "power_limit_set",
    EventType.POWER_LIMIT_UNSET: "power_limit_unset",
    EventType.SYSTEM_ACTION: "system_action",
    EventType.APPLIANCE_CREATE: "appliance_create",
    EventType.APPLIANCE_DELETE: "appliance_delete",
    EventType.APPLIANCE_UPDATE: "appliance_update",
    EventType.APPLIANCE_ONLINE: "appliance_online",
    EventType.APPLIANCE_OFFLINE: "appliance_offline",
    EventType.INVERTER_STATUS: "inverter_status",
    EventType.EV_PLUGGED: "ev_plugged",
    EventType.EV_UNPLUGGED: "ev_unplugged",
    EventType.EV_CHARGE_STARTED: "ev_charge_started",
    EventType.EV_CHARGE_STOPPED: "ev_charge_stopped",
    EventType.EV_CHARGE_FAILED: "ev_charge_failed",
    EventType.EV_MEASUREMENT: "ev_measurement",
    EventType.EV_INFEASIBLE_CHARGING_GOALS: "ev_infeasible_charging_goals",
}
_EVENT_TYPE_BY_OPTION: Final = {key: t for t, key in EVENT_TYPE_OPTIONS.items()}
EVENT_TYPE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(EVENT_TYPE_OPTIONS.values()),
        multiple=True,
        mode=SelectSelectorMode.LIST,
        translation_key=CONF_EVENT_TYPES,
    )
)


def options_of(event_types: list[str]) -> list[str]:
    """Return the option keys of stored gridX event types (unknown ones dropped)."""
    by_type = {str(t): key for t, key in EVENT_TYPE_OPTIONS.items()}
    return [by_type[t] for t in event_types if t in by_type]


def event_types_of(options: list[str]) -> list[str]:
    """Return the gridX event types of chosen option keys, in gridX's order."""
    chosen = {_EVENT_TYPE_BY_OPTION[key] for key in options}
    return [str(t) for t in DEFAULT_EVENT_TYPES if t in chosen]


class GridxOptionsFlow(OptionsFlowWithReload):
    """Change the event types (updating gridX to match) and the live interval."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the event types; update gridX first, save only on success."""
        entry = self.config_entry
        if is_poll_only(entry):
            return await self.async_step_polling()
        errors: dict[str, str] = {}
        if user_input is not None:
            event_types = event_types_of(user_input[CONF_EVENT_TYPES])
            if not event_types:
                errors[CONF_EVENT_TYPES] = "no_event_types"
            elif (error := await self._async_update_remote(event_types)) is None:
                return self.async_create_entry(
                    data={
                        CONF_EVENT_TYPES: event_types,
                        CONF_LIVE_INTERVAL: int(user_input[CONF_LIVE_INTERVAL]),
                    }
                )
            else:
                errors["base"] = error
        current = options_of(
            list(entry.options.get(CONF_EVENT_TYPES) or DEFAULT_EVENT_TYPES)
        )
        interval = int(live_interval(entry).total_seconds())
        schema = vol.Schema(
            {
                vol.Required(CONF_EVENT_TYPES, default=current): EVENT_TYPE_SELECTOR,
                vol.Required(
                    CONF_LIVE_INTERVAL, default=interval
                ): LIVE_INTERVAL_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the live interval of a poll-only entry (no events to choose)."""
        entry = self.config_entry
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **entry.options,
                    CONF_LIVE_INTERVAL: int(user_input[CONF_LIVE_INTERVAL]),
                }
            )
        interval = int(live_interval(entry).total_seconds())
        schema = vol.Schema(
            {vol.Required(CONF_LIVE_INTERVAL, default=interval): LIVE_INTERVAL_SELECTOR}
        )
        return self.async_show_form(step_id="polling", data_schema=schema)

    async def _async_update_remote(self, event_types: list[str]) -> str | None:
        """Have the registrar diff gridX to ``event_types``; an error key or None.

        Without a registered URL or poll-only there is nothing to update;
        after a failure the registrar restores the saved event types at
        gridX (see `GridxRegistrar.async_update_event_types`).
        """
        entry = self.config_entry
        result = await async_ask(
            registrar_of(self.hass, entry).async_update_event_types(entry, event_types)
        )
        return result if isinstance(result, str) else None
