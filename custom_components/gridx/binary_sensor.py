"""Binary sensors of gridX: connectivity, EV plug and charging, §14a.

Names are chosen so that Home Assistant's device triggers and conditions of
these device classes read without repeating a word: the EV's plug sensor and
the inverter's problem sensor are the main feature of their device (no name
of their own: "Electric vehicle 3f9a plugged in", "Wallbox plugged in",
"Inverter started detecting problem"). The EV's charging sensor is named
"Charging" and has no device class: the ``battery_charging`` class would
make its triggers, conditions and states repeat that name ("… Charging
charging", "Charging: Charging"); without it they read "Electric vehicle
3f9a Charging turned on" and "Charging: On", with the class's icons kept in
icons.json. A charging station's (from the live poll) is its "Car", with
the class: "Wallbox Car charging".
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import ApplianceType, InverterStatus
from .const import CONF_POLL_ONLY, ResourceKind
from .coordinator import GridxConfigEntry
from .entity import GridxEntityDescription, GridxStateEntity, async_add_dynamic_entities
from .state.resource_model import GridxResource, StateKey

# Entities only read the store, which the webhook and the coordinator feed.
PARALLEL_UPDATES = 0

# Inverter statuses that are not a problem.
_NO_PROBLEM = frozenset({InverterStatus.OK, InverterStatus.UNKNOWN})


def _is_inverter(resource: GridxResource) -> bool:
    """Return True for inverters: by type, or once one reported a status."""
    return (
        resource.appliance_type == ApplianceType.INVERTER
        or StateKey.INVERTER in resource.states
    )


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _inverter_problem(value: Any) -> bool | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("status"), str):
        return None
    return value["status"] not in _NO_PROBLEM


def _gateway_status(resource: GridxResource, _value: Any) -> dict[str, Any] | None:
    """Return the polled ``connectionStatus`` (gridx-live-facts §2) as attributes.

    ``status`` (lower case, translated) and ``contacted_at``, the last time
    the gateway reached gridX. Left out when a push newer than the poll
    decided the state: the polled status would contradict it.
    """
    polled = resource.states.get(StateKey.CONNECTION_STATUS)
    shown = resource.states.get(StateKey.CONNECTED)
    if polled is None or not isinstance(polled.value, Mapping):
        return None
    if shown is not None and shown.time > polled.time:
        return None
    status = polled.value.get("status")
    return {
        "status": status.lower() if isinstance(status, str) else None,
        "contacted_at": polled.value.get("contacted_at"),
    }


def _inverter_attributes(_resource: GridxResource, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return {
        key: value.get(key)
        for key in ("status", "last_status", "err_code", "last_err_code")
    }


@dataclass(frozen=True, kw_only=True)
class GridxBinarySensorEntityDescription(
    BinarySensorEntityDescription, GridxEntityDescription
):
    """A gridX binary sensor: ``is_on_fn`` maps the stored value to on/off."""

    is_on_fn: Callable[[Any], bool | None] = _bool
    # State attributes from the resource and the shown value.
    attributes_fn: Callable[[GridxResource, Any], dict[str, Any] | None] = (
        lambda _resource, _value: None
    )


BINARY_SENSORS: tuple[GridxBinarySensorEntityDescription, ...] = (
    GridxBinarySensorEntityDescription(
        key="gateway_connection",
        translation_key="gateway_connection",
        kind=ResourceKind.GATEWAY,
        state_key=StateKey.CONNECTED,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        polled=True,
        attribute_keys=(StateKey.CONNECTION_STATUS,),
        attributes_fn=_gateway_status,
    ),
    GridxBinarySensorEntityDescription(
        key="power_limitation",
        translation_key="power_limitation",
        kind=ResourceKind.GATEWAY,
        state_key=StateKey.POWER_LIMIT_ACTIVE,
        # gridX pushes every §14a signal: a gateway without one is not
        # limited ("Not limited", not "Unknown"). Poll-only entries get no
        # signals, so they keep the rule that a state must be known.
        needs_value=False,
        is_on_fn=lambda value: False if value is None else _bool(value),
    ),
    GridxBinarySensorEntityDescription(
        key="appliance_connection",
        translation_key="appliance_connection",
        kind=ResourceKind.APPLIANCE,
        state_key=StateKey.CONNECTED,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        polled=True,
    ),
    GridxBinarySensorEntityDescription(
        key="inverter_problem",
        translation_key="inverter_problem",  # its attributes; no name
        name=None,
        kind=ResourceKind.APPLIANCE,
        state_key=StateKey.INVERTER,
        device_class=BinarySensorDeviceClass.PROBLEM,
        exists_fn=_is_inverter,
        is_on_fn=_inverter_problem,
        attributes_fn=_inverter_attributes,
    ),
    GridxBinarySensorEntityDescription(
        key="ev_plugged",
        name=None,
        kind=ResourceKind.EV,
        state_key=StateKey.PLUGGED,
        device_class=BinarySensorDeviceClass.PLUG,
    ),
    GridxBinarySensorEntityDescription(
        key="ev_charging",
        translation_key="ev_charging",
        kind=ResourceKind.EV,
        state_key=StateKey.CHARGING,
        # No BATTERY_CHARGING: see the module docstring.
        exists_fn=lambda resource: not resource.legacy_station,
    ),
    GridxBinarySensorEntityDescription(
        # A charging station's, from the live poll (state/live_stations.py): it
        # charges a car ("Wallbox Car charging"), it has no battery.
        key="station_charging",
        translation_key="station_charging",
        kind=ResourceKind.EV,
        state_key=StateKey.CHARGING,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        exists_fn=lambda resource: resource.legacy_station,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for known resources, and for new ones as they appear."""
    descriptions = BINARY_SENSORS
    if entry.data.get(CONF_POLL_ONLY):
        descriptions = tuple(replace(d, needs_value=True) for d in descriptions)
    async_add_dynamic_entities(
        entry, descriptions, GridxBinarySensorEntity, async_add_entities
    )


class GridxBinarySensorEntity(GridxStateEntity, BinarySensorEntity):
    """A binary sensor showing one stored attribute."""

    entity_description: GridxBinarySensorEntityDescription
    # The gateway's last contact changes with every poll: not worth history.
    _unrecorded_attributes = frozenset({"contacted_at"})

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the state, None while unknown."""
        return self.entity_description.is_on_fn(self.state_value)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the inverter's status and error codes, the gateway's status."""
        resource = self.resource
        if resource is None:
            return None
        return self.entity_description.attributes_fn(resource, self.state_value)
