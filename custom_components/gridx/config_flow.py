"""Config flow for gridX."""

from homeassistant.config_entries import ConfigFlow

from .const import DOMAIN


class GridxConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for gridX."""

    VERSION = 1
