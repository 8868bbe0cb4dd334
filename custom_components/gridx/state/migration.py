"""Config entry migration: account-scoped device identifiers and unique ids.

Entries of minor version 1 keyed devices by the bare gridX id,
``(DOMAIN, resource_id)``, and entities by ``f"{resource_id}_{key}"``. Two
entries that saw the same gateway then collided, and a gateway and an EV
with the same id shared one device (one signed event made a device its own
parent that way). Minor version 2 uses `identity`: account and kind in both.

The registries are rewritten in place, so every entity keeps its entity id,
its history and its user settings. The kind of each entity comes from its
key (the keys of version 1 are fixed below); the kind of each device from the
stored catalogue, else from the kinds of its entities.

Minor version 3 shows an EV's location by an enum sensor instead of a
presence binary sensor (`location`): the binary sensor is removed and the
sensor registered in its place, with the same object id and user settings.
Automations and scripts that name the removed entity cannot be rewritten;
once Home Assistant has started (they are loaded then), a repair issue
lists them with the new entity id.
"""

from collections import defaultdict
from functools import partial
from typing import Any, Final

from homeassistant.components.automation import automations_with_entity
from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.script import scripts_with_entity
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback, split_entity_id
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.start import async_at_started

from ..compat import get_device_by_identifier
from ..const import DOMAIN, LOGGER, ResourceKind
from .identity import device_identifier, entity_unique_id
from .location import ISSUE_LOCATION_REPLACED, LEGACY_LOCATION_KEY, LOCATION_KEY
from .persistence import STORAGE_VERSION, StateFile, storage_key

# The entity keys of minor version 1 and the kind of resource they belong to.
# "event" was used by both kinds; its translation key tells them apart.
_V1_KEYS: Final[dict[str, ResourceKind]] = {
    "gateway_connection": ResourceKind.GATEWAY,
    "power_limitation": ResourceKind.GATEWAY,
    "power_limit": ResourceKind.GATEWAY,
    "appliance_connection": ResourceKind.APPLIANCE,
    "inverter_problem": ResourceKind.APPLIANCE,
    "inverter_status": ResourceKind.APPLIANCE,
    "ev_plugged": ResourceKind.EV,
    "ev_charging": ResourceKind.EV,
    "ev_state_of_charge": ResourceKind.EV,
    "ev_charge_power": ResourceKind.EV,
    "ev_range": ResourceKind.EV,
    "ev_charge_limit": ResourceKind.EV,
}
_V1_EVENT_KINDS: Final[dict[str | None, ResourceKind]] = {
    "ev_event": ResourceKind.EV,
    "gateway_event": ResourceKind.GATEWAY,
}
# Longest first, so "power_limitation" is not read as "..._power_limit".
_V1_KEY_ORDER: Final = sorted([*_V1_KEYS, "event"], key=len, reverse=True)


async def async_migrate_minor(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Run the registry steps of every minor version the entry has not had."""
    if entry.minor_version < 2:
        await async_migrate_registries(hass, entry)
    if entry.minor_version < 3:
        async_replace_location_sensors(hass, entry)


def account_of(entry: ConfigEntry[Any]) -> str:
    """Return the account that scopes an entry's identifiers."""
    return entry.unique_id or entry.entry_id


def _v1_entity(entry: er.RegistryEntry) -> tuple[ResourceKind, str, str] | None:
    """Return ``(kind, resource_id, key)`` of a version 1 unique id."""
    for key in _V1_KEY_ORDER:
        suffix = f"_{key}"
        if entry.unique_id.endswith(suffix) and len(entry.unique_id) > len(suffix):
            kind = (
                _V1_EVENT_KINDS.get(entry.translation_key)
                if key == "event"
                else _V1_KEYS[key]
            )
            if kind is None:
                return None
            return kind, entry.unique_id.removesuffix(suffix), key
    return None


async def _stored_kinds(
    hass: HomeAssistant, entry_id: str
) -> dict[str, set[ResourceKind]]:
    """Return the kinds the stored catalogue knows per resource id."""
    # Through the store's own class: it reads (and migrates) every version.
    data = await StateFile(hass, STORAGE_VERSION, storage_key(entry_id)).async_load()
    kinds: dict[str, set[ResourceKind]] = defaultdict(set)
    items = data.get("resources", ()) if isinstance(data, dict) else ()
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        try:
            kind = ResourceKind(item["kind"])
        except KeyError, ValueError:
            continue
        if kind is ResourceKind.EV and item.get("legacy_station"):
            kind = ResourceKind.APPLIANCE  # shares the appliance's device
        kinds[str(item.get("id"))].add(kind)
    return kinds


def _device_kind(kinds: set[ResourceKind]) -> ResourceKind | None:
    """Return the kind whose device a version 1 device becomes."""
    for kind in (ResourceKind.GATEWAY, ResourceKind.APPLIANCE, ResourceKind.EV):
        if kind in kinds:
            return kind
    return None


async def async_migrate_registries(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> None:
    """Rewrite an entry's version 1 device identifiers and unique ids."""
    account = account_of(entry)
    ent_reg = er.async_get(hass)
    dev_reg = dr.async_get(hass)
    kinds_by_device: dict[str, set[ResourceKind]] = defaultdict(set)
    for reg_entry in er.async_entries_for_config_entry(ent_reg, entry.entry_id):
        if (parsed := _v1_entity(reg_entry)) is None:
            LOGGER.debug("Kept gridX unique id %s as it is", reg_entry.unique_id)
            continue
        kind, resource_id, key = parsed
        if reg_entry.device_id is not None:
            kinds_by_device[reg_entry.device_id].add(kind)
        new_unique_id = entity_unique_id(account, kind, resource_id, key)
        if ent_reg.async_get_entity_id(reg_entry.domain, DOMAIN, new_unique_id):
            continue
        ent_reg.async_update_entity(reg_entry.entity_id, new_unique_id=new_unique_id)

    stored = await _stored_kinds(hass, entry.entry_id)
    for device in dr.async_entries_for_config_entry(dev_reg, entry.entry_id):
        ids = [value for domain, value in device.identifiers if domain == DOMAIN]
        if len(ids) != 1 or ids[0].startswith(f"{account}_"):
            continue
        resource_id = ids[0]
        device_kind = _device_kind(
            stored.get(resource_id) or kinds_by_device[device.id]
        )
        if device_kind is None:
            LOGGER.debug("Kept gridX device %s: its kind is unknown", resource_id)
            continue
        new_identifier = device_identifier(account, device_kind, resource_id)
        if get_device_by_identifier(dev_reg, new_identifier, entry.entry_id):
            continue
        dev_reg.async_update_device(device.id, new_identifiers={new_identifier})


@callback
def async_replace_location_sensors(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> None:
    """Replace each EV's location binary sensor by the location enum sensor."""
    ent_reg = er.async_get(hass)
    replaced: list[tuple[str, str]] = []
    for old in er.async_entries_for_config_entry(ent_reg, entry.entry_id):
        suffix = f"_{LEGACY_LOCATION_KEY}"
        if old.domain != BINARY_SENSOR_DOMAIN or not old.unique_id.endswith(suffix):
            continue
        ent_reg.async_remove(old.entity_id)
        new = ent_reg.async_get_or_create(
            SENSOR_DOMAIN,
            DOMAIN,
            old.unique_id.removesuffix(suffix) + f"_{LOCATION_KEY}",
            suggested_object_id=split_entity_id(old.entity_id)[1],
            config_entry=entry,
            device_id=old.device_id,
            disabled_by=old.disabled_by,
            hidden_by=old.hidden_by,
        )
        ent_reg.async_update_entity(
            new.entity_id, name=old.name, icon=old.icon, area_id=old.area_id
        )
        LOGGER.debug("Replaced %s by %s", old.entity_id, new.entity_id)
        if old.disabled_by is None:
            replaced.append((old.entity_id, new.entity_id))
    if replaced:
        async_at_started(
            hass,
            partial(_async_raise_if_used, entry_id=entry.entry_id, replaced=replaced),
        )


@callback
def _async_raise_if_used(
    hass: HomeAssistant, *, entry_id: str, replaced: list[tuple[str, str]]
) -> None:
    """Raise a repair issue for each removed entity an automation or script uses."""
    ent_reg = er.async_get(hass)
    for old_id, new_id in replaced:
        items: list[str] = []
        for domain, users in (
            ("automation", automations_with_entity(hass, old_id)),
            ("script", scripts_with_entity(hass, old_id)),
        ):
            for user in sorted(users):
                entry = ent_reg.async_get(user)
                items.append(
                    f"- [{entry.name or entry.original_name or user}]"
                    f"(/config/{domain}/edit/{entry.unique_id})"
                    if entry is not None
                    else f"- `{user}`"
                )
        if not items:
            continue
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"{ISSUE_LOCATION_REPLACED}_{entry_id}_{old_id}",
            is_fixable=False,
            is_persistent=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_LOCATION_REPLACED,
            translation_placeholders={
                "entity_id": old_id,
                "new_entity_id": new_id,
                "items": "\n".join(items),
            },
        )
