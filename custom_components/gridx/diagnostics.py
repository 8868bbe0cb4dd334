"""Diagnostics of a gridX config entry or device, with nothing identifying.

Secrets and personal data are redacted. Ids and serial numbers (gateway,
system, appliance, asset, subscription, rule) are replaced by a stable short
hash (`diagnostics_ids.IdHasher`, keyed by the account), so support can tell
which resources two downloads or two lines share without seeing the ids.
A device's download holds only that device's resources.
"""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_TOKEN, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

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
from .coordinator import GridxConfigEntry
from .diagnostics_ids import IdHasher
from .state.resource_model import GridxResource

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
    # The entry title is the account's name or e-mail.
    "title",
}


def _resource(resource: GridxResource) -> dict[str, Any]:
    """Return one resource with its stamped states (ids still in clear)."""
    return {
        **resource.as_storage(),
        "states": {
            key: stamped.as_dict() for key, stamped in sorted(resource.states.items())
        },
    }


def _hasher(entry: GridxConfigEntry) -> IdHasher:
    """Return the id hasher of an entry, knowing its resources' ids."""
    store = entry.runtime_data.store
    known: set[str] = set()
    for kind in ResourceKind:
        for resource in store.resources(kind):
            known.update(
                value
                for value in (
                    resource.id,
                    resource.gateway_id,
                    resource.system_id,
                    resource.serial_number,
                )
                if value
            )
    return IdHasher(store.account, known)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: GridxConfigEntry
) -> dict[str, Any]:
    """Return the entry (redacted), webhook health, polling and known resources."""
    runtime = entry.runtime_data
    store = runtime.store
    coordinator = runtime.coordinator
    stats = store.stats
    return _hasher(entry).scrub_dict(
        {
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
                    None
                    if stats.last_event_at is None
                    else stats.last_event_at.isoformat()
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
            # The last live payload per system (live/coordinator.py).
            "live": None
            if runtime.live is None
            else async_redact_data(runtime.live.diagnostics(), TO_REDACT),
            # The cached EV charging configuration per station (ev/control.py).
            "ev_control": None
            if runtime.ev is None
            else {
                "forbidden_policy": runtime.ev.forbidden,
                "stations": runtime.ev.diagnostics(),
            },
            "resources": {
                str(kind): [_resource(resource) for resource in store.resources(kind)]
                for kind in ResourceKind
            },
        }
    )


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: GridxConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return the device and the resources it shows, nothing of other devices."""
    return _hasher(entry).scrub_dict(
        {
            "device": {
                "manufacturer": device.manufacturer,
                "model": device.model,
                "sw_version": device.sw_version,
                "serial_number": device.serial_number,
                "disabled": device.disabled_by is not None,
            },
            "resources": [
                _resource(resource)
                for resource in entry.runtime_data.store.device_resources(device)
            ],
        }
    )
