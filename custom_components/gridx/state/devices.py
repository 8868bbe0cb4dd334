"""The device registry side of the store: one device per resource.

`DeviceSync` creates and updates the device of a resource (below its
gateway's device), releases an appliance's device when gridX deletes it,
moves a device and its entities' unique ids when an appliance re-pairs under
a new id, and bounds how many devices pushes may create.
Identifiers and unique ids are scoped to the account (`identity`).

**How many new resources (devices) gridX events may create.** A signed event
is trusted to be from gridX, but gridX (or whoever holds the secret) can
still name any number of ids. Each new id becomes a device with entities,
and Home Assistant slows down for all entities once there are many. So
pushes may create new resources only at a bounded rate: a token bucket
(`CreationBudget`) of `CAPACITY` creations, refilled by `PER_HOUR` an hour.
The poll is not limited: what `GET /gateways` lists is the account's. A new
installation (one gateway and its appliances, an EV) fits in the bucket; a
flood of thousands of distinct ids creates at most `CAPACITY` devices at
once and `PER_HOUR` an hour after that. The events themselves are still
accepted (204) and fired on the bus, only without a device.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)

from ..compat import get_device_by_identifier, via_device_kwargs
from ..const import DOMAIN, LOGGER, ResourceKind
from .identity import device_identifier, unique_id_prefix
from .resource_model import (
    GridxResource,
    device_name,
    device_translation_key,
    device_translation_placeholders,
)

CAPACITY: Final = 30
PER_HOUR: Final = 12


@dataclass(slots=True)
class CreationBudget:
    """A token bucket; `take` spends one token if there is one."""

    capacity: int = CAPACITY
    per_hour: int = PER_HOUR
    tokens: float | None = None  # None: full
    refilled_at: datetime | None = None
    # Creations refused since the bucket last had a token.
    refused: int = 0

    def take(self, now: datetime) -> bool:
        """Return True and spend a token, or False when none is left."""
        tokens = float(self.capacity) if self.tokens is None else self.tokens
        if self.refilled_at is not None:
            hours = max((now - self.refilled_at).total_seconds(), 0.0) / 3600
            tokens = min(float(self.capacity), tokens + hours * self.per_hour)
        self.refilled_at = now
        self.tokens = tokens
        if tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False


class DeviceSync:
    """Keep the device registry in line with an entry's resources."""

    def __init__(self, hass: HomeAssistant, entry_id: str, account: str) -> None:
        """Manage the devices of ``entry_id``, scoped to ``account``."""
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        # Resources a push may create; the poll is not limited (`CreationBudget`).
        self.push_budget = CreationBudget()

    def identifier(self, kind: ResourceKind, resource_id: str) -> tuple[str, str]:
        """Return the device identifier of a resource of ``kind``."""
        return device_identifier(self.account, kind, resource_id)

    @staticmethod
    def device_kind(resource: GridxResource) -> ResourceKind:
        """Return the kind whose device a resource has.

        A legacy charging-station EV shares the device of the appliance of
        the same id.
        """
        return ResourceKind.APPLIANCE if resource.legacy_station else resource.kind

    def sync(
        self,
        resource: GridxResource,
        info: GridxResource,
        gateway: GridxResource | None,
    ) -> None:
        """Create or update the device of ``resource``, described by ``info``."""
        dev_reg = dr.async_get(self.hass)
        device = dev_reg.async_get_or_create(
            config_entry_id=self.entry_id,
            identifiers={self.identifier(self.device_kind(resource), resource.id)},
            name=device_name(info),
            translation_key=device_translation_key(info),
            translation_placeholders=device_translation_placeholders(info),
            manufacturer=info.manufacturer,
            model=info.model,
            serial_number=info.serial_number,
            sw_version=info.firmware,
            **via_device_kwargs(
                dev_reg, None if gateway is None else gateway.device_id
            ),
        )
        resource.device_id = device.id

    def release(self, kind: ResourceKind, resource_id: str) -> None:
        """Take the entry off the device of a deleted resource."""
        dev_reg = dr.async_get(self.hass)
        if device := get_device_by_identifier(
            dev_reg, self.identifier(kind, resource_id), self.entry_id
        ):
            dev_reg.async_update_device(device.id, remove_config_entry_id=self.entry_id)

    def move(self, old_id: str, new_id: str) -> None:
        """Move a re-paired appliance's device and unique ids to ``new_id``."""
        LOGGER.debug("gridX appliance %s re-paired as %s", old_id, new_id)
        kind = ResourceKind.APPLIANCE
        dev_reg = dr.async_get(self.hass)
        if device := get_device_by_identifier(
            dev_reg, self.identifier(kind, old_id), self.entry_id
        ):
            dev_reg.async_update_device(
                device.id, new_identifiers={self.identifier(kind, new_id)}
            )
        ent_reg = er.async_get(self.hass)
        prefix = unique_id_prefix(self.account, kind, old_id)
        new_prefix = unique_id_prefix(self.account, kind, new_id)
        for entry in er.async_entries_for_config_entry(ent_reg, self.entry_id):
            if entry.unique_id.startswith(prefix):
                ent_reg.async_update_entity(
                    entry.entity_id,
                    new_unique_id=new_prefix + entry.unique_id.removeprefix(prefix),
                )

    @callback
    def async_may_create(
        self, kind: ResourceKind, resource_id: str, now: datetime
    ) -> bool:
        """Return True if a push may create one more resource now."""
        if self.push_budget.take(now):
            return True
        LOGGER.debug("Not creating gridX %s %s: device limit", kind, resource_id)
        if self.push_budget.refused == 1:  # once per run of refusals
            LOGGER.warning(
                "gridX events named more new devices than %s per hour; further "
                "new devices are added by the next poll or when the limit allows",
                self.push_budget.per_hour,
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"device_limit_{self.entry_id}",
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="device_limit",
                translation_placeholders={
                    "burst": str(self.push_budget.capacity),
                    "per_hour": str(self.push_budget.per_hour),
                },
            )
        return False


__all__ = ["DeviceSync"]
