"""The gridX integration: gridX (XENON) webhook events in Home Assistant."""

from functools import partial

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.typing import UNDEFINED, ConfigType

from .api.client import DEFAULT_BASE_URL, GridxClient
from .api.event_types import EventType
from .api.models import GridxEvent
from .const import (
    CONF_API_BASE,
    CONF_SECRETS,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    PLATFORMS,
    signal_event,
)
from .coordinator import GridxConfigEntry, GridxDataUpdateCoordinator, GridxRuntimeData
from .ev.commands import async_setup_ev_control
from .flow.common import portal_title_update
from .live.coordinator import GridxLiveCoordinator
from .live.statistics import async_start_live
from .push.last_event import is_account_device
from .push.router import (
    async_add_route,
    async_remove_route,
    async_setup_routes,
    async_start_delivery,
    async_stop_delivery,
)
from .push.user_issues import async_remove_user_issues, async_setup_user_issues
from .registration.lifecycle import GridxRegistration
from .registration.mode import (
    async_remove_push_issue,
    async_update_push_issue,
    has_registration,
    signal_mode,
)
from .registration.orphans import async_remove_registration, async_setup_orphans
from .services import async_setup_services
from .state.migration import account_of, async_migrate_minor
from .state.store import GridxStore, async_remove_store
from .token_source import token_source

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Answer every gridX entry's webhook (503 until it is loaded); retry removals.

    Deletions at gridX left over from removed entries are retried now and
    hourly until done.
    """
    async_setup_routes(hass)
    async_setup_services(hass)
    await async_setup_orphans(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> bool:
    """Set up gridX from a config entry."""
    # Portal entries of earlier versions were titled by the full e-mail,
    # which Home Assistant prints in its log lines: masked from now on.
    title = portal_title_update(entry, entry.data.get(CONF_EMAIL, ""))
    if title is not UNDEFINED:
        hass.config_entries.async_update_entry(entry, title=title)
    # Its webhook answers 503 until delivery is switched on below.
    async_add_route(hass, entry)
    entry.async_on_unload(partial(async_stop_delivery, hass, entry))
    client = GridxClient(
        token_source(hass, entry, watch=True),
        async_get_clientsession(hass),
        base_url=entry.data.get(CONF_API_BASE, DEFAULT_BASE_URL),
    )
    store = GridxStore(hass, entry.entry_id, account_of(entry))
    await store.async_load()
    coordinator = GridxDataUpdateCoordinator(hass, entry, client, store)
    # Push or poll-only may change at runtime (registration/mode.py).
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_mode(entry.entry_id), coordinator.async_follow_mode
        )
    )
    entry.runtime_data = GridxRuntimeData(
        client=client, store=store, coordinator=coordinator
    )
    entry.runtime_data.live = GridxLiveCoordinator(hass, entry, client, store)
    async_setup_ev_control(hass, entry)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # Make gridX hold a registration for our URL (its ping is answered once
    # delivery is on below). Runs in a task, retries by itself and never
    # fails the setup. An account without push only polls; the registration asks
    # gridX again now and daily whether push is allowed (registration/mode.py).
    async_update_push_issue(hass, entry)
    registration = GridxRegistration(hass, entry, client)
    entry.runtime_data.registration = registration
    registration.async_start()

    @callback
    def _refresh_on_new_gateway(event: GridxEvent) -> None:
        # A new gateway's appliances are read in the background, never
        # before the webhook has answered.
        if event.event_type is EventType.GATEWAY_CREATE:
            entry.async_create_background_task(
                hass, coordinator.async_request_refresh(), "gridx refresh"
            )

    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_event(entry.entry_id), _refresh_on_new_gateway
        )
    )
    # system/action and ev/charge-failed that need the user: repair issues.
    entry.async_on_unload(async_setup_user_issues(hass, entry))
    # Everything that consumes events is ready: deliveries are processed
    # from now on (503 before, so gridX delivers them again).
    async_start_delivery(
        hass, entry, partial(_secrets, entry), store.async_handle_event
    )

    # The first poll seeds connectivity and discovers devices. A failure
    # does not fail the setup (webhooks work without it); a 401 starts
    # reauth. The listener keeps the coordinator polling on its interval.
    entry.async_on_unload(coordinator.async_add_listener(_keep_polling))
    await coordinator.async_refresh()
    # Live values and history need the systems the poll just found.
    await async_start_live(hass, entry)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> bool:
    """Migrate an entry to the current version; False for a newer one."""
    if entry.version > 1:
        return False
    if entry.minor_version < ENTRY_MINOR_VERSION:
        await async_migrate_minor(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=ENTRY_MINOR_VERSION)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> bool:
    """Unload a config entry.

    Deliveries get 503 (gridX retries them) from before the platforms go
    until the entry is loaded again; the webhook stays registered. The
    registration at gridX is kept: deliveries resume after a reload.
    """
    async_stop_delivery(hass, entry)
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.store.async_save()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: GridxConfigEntry) -> None:
    """Delete the gridX registration and the cloudhook of a removed entry."""
    async_remove_route(hass, entry)
    await async_remove_store(hass, entry.entry_id)
    async_remove_push_issue(hass, entry.entry_id)
    async_remove_user_issues(hass, entry.entry_id)
    # A poll-only entry may still hold one (made before gridX refused push).
    if has_registration(entry.data):
        await async_remove_registration(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: GridxConfigEntry, device: dr.AnyDeviceEntry
) -> bool:
    """Let the user remove a gridX device that gridX no longer lists.

    A device the last poll listed would come straight back, so its removal
    is refused; one that only events named returns if gridX reports it
    again. With the entry not loaded there is no store to tell; the stored
    catalogue brings the device back at the next setup, so refuse then.
    The account's service device (Last event) belongs to the entry itself.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    if is_account_device(entry, device):
        return False
    return entry.runtime_data.store.async_forget_device(device)


@callback
def _keep_polling() -> None:
    """Do nothing: entities follow the store, not the coordinator."""


def _secrets(entry: GridxConfigEntry) -> list[str]:
    """Return the entry's current webhook secrets, newest last."""
    return list(entry.data.get(CONF_SECRETS, ()))
