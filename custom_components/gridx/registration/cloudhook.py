"""Thin access to Home Assistant Cloud (Nabu Casa) for the gridX webhook.

The cloud integration is imported only when it is loaded (``after_dependencies``
sets it up first when it is configured): importing it pulls in Alexa, Google
Assistant, camera and Assist, which an instance without Nabu Casa never needs.
"""

from collections.abc import Callable
import contextlib
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

CLOUD = "cloud"


def _loaded(hass: HomeAssistant) -> bool:
    """Return True when the cloud integration is set up."""
    return CLOUD in hass.config.components


@callback
def active(hass: HomeAssistant) -> bool:
    """Return True with an active Nabu Casa subscription."""
    if not _loaded(hass):
        return False
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud.async_active_subscription(hass)


@callback
def connected(hass: HomeAssistant) -> bool:
    """Return True while connected to Nabu Casa."""
    if not _loaded(hass):
        return False
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud.async_is_connected(hass)


async def async_get_or_create_cloudhook(
    hass: HomeAssistant, webhook_id: str
) -> str | None:
    """Return the cloudhook URL of ``webhook_id``, or None when unavailable."""
    if not _loaded(hass):
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    try:
        return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
    except cloud.CloudNotAvailable:
        return None


async def async_delete_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Delete the cloudhook of ``webhook_id``; nothing when the cloud is gone."""
    if not _loaded(hass):
        return
    from homeassistant.components import cloud  # noqa: PLC0415

    with contextlib.suppress(cloud.CloudNotAvailable):
        await cloud.async_delete_cloudhook(hass, webhook_id)


@callback
def async_listen(
    hass: HomeAssistant,
    webhook_id: str,
    on_connection: Callable[[bool], None],
    on_cloudhook: Callable[[str | None], None],
) -> list[CALLBACK_TYPE]:
    """Call ``on_connection(connected)`` and ``on_cloudhook(url)`` on changes.

    Returns the unsubscribe callbacks (none when the cloud is not loaded).
    """
    if not _loaded(hass):
        return []
    from homeassistant.components import cloud  # noqa: PLC0415

    @callback
    def _connection(state: cloud.CloudConnectionState) -> None:
        on_connection(state is cloud.CloudConnectionState.CLOUD_CONNECTED)

    @callback
    def _cloudhook(cloudhook: dict[str, Any] | None) -> None:
        on_cloudhook(cloudhook.get("cloudhook_url") if cloudhook else None)

    return [
        cloud.async_listen_connection_change(hass, _connection),
        cloud.async_listen_cloudhook_change(hass, webhook_id, _cloudhook),
    ]
