"""The probe's one-step flow: a "floor" entry of plain devices and sensors.

``{"devices": n, "entities": m}`` creates an entry whose setup adds n devices
and m sensors spread over them (see sensor.py): what Home Assistant itself
spends to set up an account of that shape, with nothing of gridX's. The
bench times it exactly as it times gridX's setup.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
import voluptuous as vol

from . import DOMAIN


class FloorFlow(ConfigFlow, domain=DOMAIN):
    """Create a floor entry of the given shape."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the shape; create the entry."""
        if user_input is None:
            return self.async_show_form(
                step_id="user",
                data_schema=vol.Schema(
                    {vol.Required("devices"): int, vol.Required("entities"): int}
                ),
            )
        return self.async_create_entry(title="bench floor", data=user_input)
