"""The helpers of tests/ha_compat.py hold what they promise on this release."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import ANY

from custom_components.gridx.compat import via_device_kwargs
from custom_components.gridx.const import DOMAIN

from .ha_compat import DEVICE_ENTRY_FIELDS, ENTITY_ENTRY_FIELDS, GridxSnapshotSerializer


def test_entity_entry_snapshot_has_exactly_the_stable_fields(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Every stable field exists on this release, and no other is snapshotted."""
    entry = entity_registry.async_get_or_create("sensor", DOMAIN, "unique")
    serialized = GridxSnapshotSerializer._serializable_entity_registry_entry(entry)
    assert set(serialized) == ENTITY_ENTRY_FIELDS
    assert serialized["unique_id"] == "unique"


def test_device_entry_snapshot_has_exactly_the_stable_fields(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Device entries too; the ids of the device and its parent are ANY."""
    mock_config_entry.add_to_hass(hass)
    parent = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id, identifiers={(DOMAIN, "parent")}
    )
    child = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, "child")},
        **via_device_kwargs(device_registry, parent.id),
    )
    assert child.via_device_id == parent.id
    serialized = GridxSnapshotSerializer._serializable_device_registry_entry(child)
    assert set(serialized) == DEVICE_ENTRY_FIELDS
    assert serialized["id"] is ANY
    assert serialized["via_device_id"] is ANY
    assert serialized["identifiers"] == {(DOMAIN, "child")}
