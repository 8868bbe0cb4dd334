"""The gridX integration: gridX (XENON) webhook events in Home Assistant."""

from functools import partial

from aiohttp.hdrs import METH_POST

# Imported under other names: the package has a `webhook` module of its own.
from homeassistant.components.webhook import (
    async_register as webhook_register,
    async_unregister as webhook_unregister,
)
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api.client import DEFAULT_BASE_URL, GridxClient
from .api.models import GridxEvent
from .bus import async_fire_gridx_event
from .const import CONF_API_BASE, CONF_SECRETS, CONF_WEBHOOK_ID, DOMAIN
from .runtime import GridxConfigEntry, GridxRuntimeData
from .webhook import async_create_handler


async def async_setup_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> bool:
    """Set up gridX from a config entry."""
    client = GridxClient(
        entry.data[CONF_API_TOKEN],
        async_get_clientsession(hass),
        base_url=entry.data.get(CONF_API_BASE, DEFAULT_BASE_URL),
    )
    entry.runtime_data = GridxRuntimeData(client=client)

    def _process(event: GridxEvent) -> None:
        async_fire_gridx_event(hass, entry.entry_id, event)

    webhook_id: str = entry.data[CONF_WEBHOOK_ID]
    # Registered after runtime_data is set: a delivery can arrive at once.
    webhook_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        async_create_handler(partial(_secrets, entry), _process),
        local_only=False,
        allowed_methods=[METH_POST],
    )
    entry.async_on_unload(partial(webhook_unregister, hass, webhook_id))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> bool:
    """Unload a config entry; the webhook is unregistered by its unload hook."""
    return True


def _secrets(entry: GridxConfigEntry) -> list[str]:
    """Return the entry's current webhook secrets, newest last."""
    return list(entry.data.get(CONF_SECRETS, ()))
