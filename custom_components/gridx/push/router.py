"""Keep every gridX webhook answering: to the loaded entry, else with 503.

Home Assistant answers 200 for a webhook id nobody registered, and gridX
takes 200 as delivered. If the webhook lived only while its entry is loaded,
every event sent during a restart, a reload, a setup retry, after a setup
error or while the entry is disabled would be acknowledged and lost.

So the webhook of every gridX entry is registered from the domain's
``async_setup`` (and when a new entry is set up) and stays registered until
the entry is removed. A delivery goes to the entry's pipeline only while
delivery is on; otherwise it gets 503 with an empty body, which gridX
retries ("up to five more times with exponential backoff"; the schedule is
not documented). Such a delivery is not read, verified or remembered: there
is nothing to process it with, and its retry must not look like a duplicate.
Never 410: that would make gridX delete the subscription.

``async_setup_entry`` switches delivery on once everything that consumes
events is ready (platforms forwarded, listeners connected), so no event
reaches a half set-up entry. ``async_unload_entry`` switches it off first,
before the platforms go; the entry's unload callbacks also switch it off,
for a setup that fails.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp import web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from ..const import CONF_WEBHOOK_ID, DOMAIN, LOGGER
from .endpoint import EventProcessor, WebhookHandler, async_create_handler


@dataclass(slots=True)
class _Route:
    """Where the deliveries of one webhook id go; None: answer 503."""

    entry_id: str
    pipeline: WebhookHandler | None = None


_ROUTES: HassKey[dict[str, _Route]] = HassKey(f"{DOMAIN}_webhook_routes")


def _routes(hass: HomeAssistant) -> dict[str, _Route]:
    return hass.data.setdefault(_ROUTES, {})


@callback
def async_setup_routes(hass: HomeAssistant) -> None:
    """Register the webhook of every gridX entry, loaded or not (domain setup)."""
    for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False):
        async_add_route(hass, entry)


@callback
def async_add_route(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Register the webhook of ``entry`` (answering 503) unless it is."""
    webhook_id: str | None = entry.data.get(CONF_WEBHOOK_ID)
    routes = _routes(hass)
    if webhook_id is None or webhook_id in routes:
        return
    routes[webhook_id] = _Route(entry.entry_id)
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        _async_handle,
        local_only=False,
        allowed_methods=[METH_POST],
    )


@callback
def async_remove_route(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Unregister the webhook of a removed entry."""
    webhook_id: str | None = entry.data.get(CONF_WEBHOOK_ID)
    if webhook_id is not None and _routes(hass).pop(webhook_id, None) is not None:
        webhook.async_unregister(hass, webhook_id)


@callback
def async_start_delivery(
    hass: HomeAssistant,
    entry: ConfigEntry,
    get_secrets: Callable[[], Sequence[str]],
    process: EventProcessor,
) -> None:
    """Hand the deliveries of ``entry`` to ``process`` until stopped.

    Call it when everything that consumes events is ready.
    """
    async_add_route(hass, entry)
    route = _routes(hass)[entry.data[CONF_WEBHOOK_ID]]

    def accepting() -> bool:
        return route.pipeline is pipeline

    pipeline = async_create_handler(get_secrets, process, accepting)
    route.pipeline = pipeline


@callback
def async_stop_delivery(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Answer 503 to the deliveries of ``entry`` from now on."""
    route = _routes(hass).get(entry.data.get(CONF_WEBHOOK_ID, ""))
    if route is not None:
        route.pipeline = None


async def _async_handle(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response | None:
    """Hand a delivery to its entry's pipeline, or answer 503."""
    route = _routes(hass).get(webhook_id)
    pipeline = None if route is None else route.pipeline
    if pipeline is None:
        LOGGER.debug("gridX entry not loaded: answered 503 so gridX delivers again")
        return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    return await pipeline(hass, webhook_id, request)
