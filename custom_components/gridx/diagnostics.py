"""Diagnostics of a gridX config entry, with secrets and personal data redacted."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_TOKEN, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCOUNT_ID,
    CONF_CLOUDHOOK_URL,
    CONF_PREVIOUS_URLS,
    CONF_REFRESH_TOKEN,
    CONF_SECRETS,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    ResourceKind,
)
from .runtime import GridxConfigEntry

TO_REDACT = {
    CONF_API_TOKEN,
    CONF_PASSWORD,
    CONF_REFRESH_TOKEN,
    CONF_SECRETS,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    CONF_CLOUDHOOK_URL,
    CONF_PREVIOUS_URLS,
    CONF_ACCOUNT_ID,
    CONF_USER_ID,
    "secret",
    "userID",
    "userMail",
    "userName",
    "user_id",
    "user_mail",
    "user_name",
    "email",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: GridxConfigEntry
) -> dict[str, Any]:
    """Return the entry (redacted), webhook health, polling and known resources."""
    runtime = entry.runtime_data
    store = runtime.store
    coordinator = runtime.coordinator
    stats = store.stats
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "webhook": {
            "events_received": stats.events_received,
            "duplicates_ignored": stats.duplicates,
            "stale_updates_ignored": stats.stale_ignored,
            "has_received_events": stats.events_received > 0,
            "last_event_at": (
                None if stats.last_event_at is None else stats.last_event_at.isoformat()
            ),
            "dedupe_cache_size": store.seen_count,
        },
        "polling": {
            "last_update_success": coordinator.last_update_success,
            "failed_polls_in_a_row": coordinator.failed_polls,
            "failing_since": (
                None
                if coordinator.failing_since is None
                else coordinator.failing_since.isoformat()
            ),
            "update_interval_seconds": (
                None
                if coordinator.update_interval is None
                else coordinator.update_interval.total_seconds()
            ),
        },
        # The last live payload per system (live_coordinator.py).
        "live": None
        if runtime.live is None
        else async_redact_data(runtime.live.diagnostics(), TO_REDACT),
        "resources": {
            str(kind): [
                {
                    **resource.as_storage(),
                    "states": {
                        key: stamped.as_dict()
                        for key, stamped in sorted(resource.states.items())
                    },
                }
                for resource in store.resources(kind)
            ]
            for kind in ResourceKind
        },
    }
