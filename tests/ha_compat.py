"""Test helpers that keep the suite valid on every supported Home Assistant.

scripts/test runs the same tests on the newest Home Assistant a
pytest-homeassistant-custom-component (phcc) release pins and on the
declared minimum (requirements_test_min.txt). Use these instead of the raw
phcc helpers where the two differ:

- ``GridxSnapshotExtension`` (the ``snapshot`` fixture of conftest.py uses
  it): registry entries are snapshotted with a fixed set of fields, so a
  field a newer release adds (2026.11: ``compat_name``) or an older one lacks
  changes no snapshot. Add a field to the sets below on purpose, if a test
  needs it. Enum keys of state attributes and capabilities are written as
  the plain strings they are.
- ``mock_restore_cache``: registers the entities first, then seeds the
  restore cache, so the cache is found whether Home Assistant keys it by
  entity id (up to 2026.10) or by entity-registry id (2026.11).
- Device lookups: ``get_device_by_identifier`` (custom_components.gridx.compat),
  ``devices_with_identifier`` and ``device_owners`` work before and after
  2026.8 gave each config entry its own devices.
"""

from collections.abc import Iterable, Mapping
from importlib.util import find_spec
from typing import Any, Final

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util.read_only_dict import ReadOnlyDict
from pytest_homeassistant_custom_component.common import (
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.syrupy import (
    ANY,
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.types import SerializableData

from custom_components.gridx.compat import HAS_DEVICE_BY_IDENTIFIER
from custom_components.gridx.const import DOMAIN

# Home Assistant 2026.4 added the built-in `event.received` trigger.
HAS_EVENT_RECEIVED_TRIGGER: Final = (
    find_spec("homeassistant.components.event.trigger") is not None
)

# The entity registry fields every supported release has (2026.3-2026.10).
# Left out: "aliases" (a set of strings up to 2026.9, then a list that may
# hold None for "the entity's name"; this integration never sets any).
ENTITY_ENTRY_FIELDS: Final = frozenset(
    {
        "area_id",
        "capabilities",
        "config_entry_id",
        "config_subentry_id",
        "device_class",
        "device_id",
        "disabled_by",
        "domain",
        "entity_category",
        "entity_id",
        "has_entity_name",
        "hidden_by",
        "icon",
        "id",
        "labels",
        "name",
        "object_id_base",
        "options",
        "original_device_class",
        "original_icon",
        "original_name",
        "platform",
        "previous_unique_id",
        "suggested_object_id",
        "supported_features",
        "translation_key",
        "unique_id",
        "unit_of_measurement",
    }
)
# The device registry fields every supported release has and serializes
# alike (the config entry links changed shape in 2026.4 and are left out).
DEVICE_ENTRY_FIELDS: Final = frozenset(
    {
        "area_id",
        "configuration_url",
        "connections",
        "disabled_by",
        "entry_type",
        "hw_version",
        "id",
        "identifiers",
        "labels",
        "manufacturer",
        "model",
        "model_id",
        "name",
        "name_by_user",
        "serial_number",
        "sw_version",
        "via_device_id",
    }
)


def _plain_keys(value: Any) -> Any:
    """Return ``value`` with str-enum dict keys as plain strings, recursively.

    From 2026.4 state attributes and entity capabilities are keyed by StrEnum
    members (EntityStateAttribute.FRIENDLY_NAME ...), before by plain strings;
    both are the same string to Home Assistant.
    """
    if isinstance(value, ReadOnlyDict):
        return ReadOnlyDict(_plain_keys(dict(value)))
    if isinstance(value, dict):
        return type(value)(
            {
                (str.__str__(key) if isinstance(key, str) else key): _plain_keys(item)
                for key, item in value.items()
            }
        )
    return value


def _only(serialized: Any, fields: frozenset[str]) -> Any:
    """Drop the keys of a registry entry snapshot (a dict subclass) not in fields."""
    for key in set(serialized) - fields:
        del serialized[key]
    return serialized


class GridxSnapshotSerializer(HomeAssistantSnapshotSerializer):
    """phcc's serializer, with registry entries cut to the stable fields."""

    @classmethod
    def _serializable_entity_registry_entry(
        cls, data: er.RegistryEntry
    ) -> SerializableData:
        serialized = _only(
            super()._serializable_entity_registry_entry(data), ENTITY_ENTRY_FIELDS
        )
        serialized["capabilities"] = _plain_keys(serialized["capabilities"])
        return serialized

    @classmethod
    def _serializable_device_registry_entry(
        cls, data: dr.DeviceEntry
    ) -> SerializableData:
        serialized = _only(
            super()._serializable_device_registry_entry(data), DEVICE_ENTRY_FIELDS
        )
        serialized["id"] = ANY
        if serialized.get("via_device_id") is not None:
            serialized["via_device_id"] = ANY
        return serialized

    @classmethod
    def _serializable_state(cls, data: State) -> SerializableData:
        serialized = super()._serializable_state(data)
        serialized["attributes"] = _plain_keys(serialized["attributes"])
        return serialized


class GridxSnapshotExtension(HomeAssistantSnapshotExtension):
    """Snapshots in tests/snapshots/, stable across Home Assistant releases."""

    serializer_class = GridxSnapshotSerializer


def mock_restore_cache(
    hass: HomeAssistant,
    states: Iterable[tuple[str, State, Mapping[str, Any]]],
) -> None:
    """Seed the restore cache with (unique_id, state, extra data) of gridX entities.

    Each entity is registered first under the state's entity id (as the
    integration's earlier run would have left it), so the cached state is
    found by entity id and by entity-registry id alike.
    """
    states = list(states)
    entity_registry = er.async_get(hass)
    for unique_id, state, _ in states:
        platform, object_id = state.entity_id.split(".", 1)
        registered = entity_registry.async_get_or_create(
            platform, DOMAIN, unique_id, suggested_object_id=object_id
        )
        assert registered.entity_id == state.entity_id
    mock_restore_cache_with_extra_data(
        hass, [(state, dict(extra)) for _, state, extra in states]
    )


def devices_with_identifier(
    hass: HomeAssistant, identifier: tuple[str, str]
) -> list[dr.DeviceEntry]:
    """Return every device with ``identifier``, of any config entry.

    From 2026.8 each config entry has its own device (async_get_devices);
    before, one device carried all config entries.
    """
    dev_reg = dr.async_get(hass)
    if HAS_DEVICE_BY_IDENTIFIER:
        return dev_reg.async_get_devices(identifiers={identifier})
    device = dev_reg.async_get_device(identifiers={identifier})  # pragma: no cover
    return [] if device is None else [device]  # pragma: no cover


def device_owners(device: dr.DeviceEntry) -> set[str]:
    """Return the ids of the config entries a device belongs to."""
    if HAS_DEVICE_BY_IDENTIFIER:
        return {device.config_entry_id}
    return set(getattr(device, "config_entries"))  # noqa: B009  # pragma: no cover
