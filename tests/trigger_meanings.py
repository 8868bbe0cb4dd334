"""What each device trigger listed for a device means, for the meaning tests.

A trigger's meaning is the change it fires on: ``(entity id, new state)``
for a trigger that follows a state (Home Assistant's ``binary_sensor``
triggers and the gridX state triggers alike), ``(entity id, type)`` for
core's other entity triggers (a sensor's value change), and the gridX event
(type and statuses) for a gridX event trigger. Two listed triggers with
one meaning are the pair the device page must not show.
"""

from collections import Counter
from typing import Any

from homeassistant.components.binary_sensor.device_trigger import TURNED_ON
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_get_device_automations

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.device_trigger import TRIGGERS

type Meaning = tuple[Any, ...]


def _gridx_meaning(hass: HomeAssistant, device_id: str, trigger_type: str) -> Meaning:
    description = TRIGGERS[trigger_type]
    if description.event_type is not None:
        return ("event", str(description.event_type), description.statuses)
    [entity_id] = [
        entity.entity_id
        for entity in er.async_entries_for_device(er.async_get(hass), device_id)
        if entity.domain == description.domain
        and entity.platform == DOMAIN
        and entity.unique_id.endswith(tuple(f"_{k}" for k in description.sensors))
    ]
    return (entity_id, description.to_state)


def meaning(hass: HomeAssistant, trigger: dict[str, Any]) -> Meaning:
    """Return the change one listed trigger fires on."""
    if trigger["domain"] == DOMAIN:
        return _gridx_meaning(hass, trigger["device_id"], trigger["type"])
    entry = er.async_get(hass).async_get(trigger["entity_id"])  # a registry id
    assert entry is not None, trigger
    if trigger["domain"] == Platform.BINARY_SENSOR:
        return (
            entry.entity_id,
            STATE_ON if trigger["type"] in TURNED_ON else STATE_OFF,
        )
    return (entry.entity_id, trigger["type"])


async def listed_meanings(
    hass: HomeAssistant, device_id: str
) -> list[tuple[str, str, Meaning]]:
    """Return ``(domain, type, meaning)`` of every trigger the editor lists.

    Read through the device-automation API the automation editor uses.
    Asserts that no two of them have one meaning.
    """
    triggers = await async_get_device_automations(
        hass, DeviceAutomationType.TRIGGER, device_id
    )
    listed = [(t["domain"], t["type"], meaning(hass, t)) for t in triggers]
    doubled = {m for m, n in Counter(m for _, _, m in listed).items() if n > 1}
    assert not doubled, [item for item in listed if item[2] in doubled]
    return listed


def gridx_types(listed: list[tuple[str, str, Meaning]]) -> list[str]:
    """Return the gridX trigger types among ``listed``, in their order."""
    return [trigger_type for domain, trigger_type, _ in listed if domain == DOMAIN]


def core_state_changes(
    listed: list[tuple[str, str, Meaning]], domain: str = Platform.BINARY_SENSOR
) -> set[Meaning]:
    """Return the state changes core's triggers of ``domain`` follow."""
    return {m for d, _, m in listed if d == domain}
