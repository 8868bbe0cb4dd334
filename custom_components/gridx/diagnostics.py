"""Diagnostics of a gridX config entry or device, with nothing identifying.

Secrets and personal data are redacted. Ids and serial numbers (gateway,
system, appliance, asset, subscription, rule) are replaced by a stable short
hash (`IdHasher`, keyed by the account), so support can tell
which resources two downloads or two lines share without seeing the ids.
A device's download holds only that device's resources.

**The id hashes.** gridX ids (gateway, system, appliance, asset,
subscription, rule, event) and serial numbers identify a home. Diagnostics
show ``#`` and the first 12 hex digits of an HMAC-SHA256 of the id, keyed by
the account, instead:

- the same id gives the same hash in every download of one account, so
  support can correlate resources, states and log lines;
- the key is not part of the download (the account id is redacted), so a
  low-entropy serial number cannot be found by trying candidates.

Three rules catch an id wherever it appears, as a value or as a key: a value
under an id key (`ID_KEYS`, compared without ``_`` and case), any UUID inside
a string (gridX ids are UUIDs; Home Assistant's ids have no dashes), and a
value equal to an id the entry knows (``system/action`` ids are strings
without the UUID format).
"""

from collections.abc import Iterable, Mapping
import hashlib
import hmac
import re
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
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
from .state.resource_model import GridxResource

# Keys whose values are ids, lowercased and without "_".
ID_KEYS = frozenset(
    {
        "id",
        "gatewayid",
        "systemid",
        "applianceid",
        "assetid",
        "evseid",
        "serialnumber",
        "gatewayserialnumber",
        "subscriptionid",
        "ruleids",
        "webhookid",
        "accountid",
    }
)
UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
HASH_DIGITS = 12


def is_id_key(key: object) -> bool:
    """Return True if values under ``key`` are ids."""
    return isinstance(key, str) and key.replace("_", "").lower() in ID_KEYS


class IdHasher:
    """Replace ids by their keyed short hash (module docstring)."""

    def __init__(self, key: str, known: Iterable[str] = ()) -> None:
        """Hash with ``key`` (the account); ``known`` ids are hashed anywhere."""
        self._key = key.encode()
        self._known = frozenset(known)

    def hash(self, value: str) -> str:
        """Return the short hash of one id."""
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
        return f"#{digest[:HASH_DIGITS]}"

    def _string(self, value: str, *, is_id: bool) -> str:
        if value == REDACTED:
            return value
        if is_id or value in self._known:
            return self.hash(value)
        return UUID_RE.sub(lambda match: self.hash(match.group()), value)

    def scrub(self, data: Any, *, is_id: bool = False) -> Any:
        """Return ``data`` with every id hashed; ``is_id`` hashes all leaves."""
        if isinstance(data, Mapping):
            return {
                self.scrub(key): self.scrub(value, is_id=is_id_key(key))
                for key, value in data.items()
            }
        if isinstance(data, list | tuple | set | frozenset):
            return [self.scrub(item, is_id=is_id) for item in data]
        if isinstance(data, str):
            return self._string(data, is_id=is_id)
        if is_id and isinstance(data, int | float) and not isinstance(data, bool):
            return self.hash(str(data))
        return data

    def scrub_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return a mapping with every id hashed (`scrub` of a mapping)."""
        result: dict[str, Any] = self.scrub(data)
        return result


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
