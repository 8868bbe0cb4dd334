"""Live sensors: system power, battery, rates, real meters, and appliances.

System values sit on the gateway's device (a system is 1:1 with its
gateway); the values of each battery, heat pump or charging station in the
live arrays sit on that appliance's device when the store knows it, else on
the gateway (live/appliance.py). A sensor placed on the gateway moves to its
appliance's device once the store learns that appliance (as core's sonos
moves an alarm: `device_registry.async_get_or_create`, then
`entity_registry.async_update_entity(..., device_id=...)`), keeping its
unique id and entity id. A sensor exists only once its system reported its
value (no battery: no battery sensors). What each sensor shows is described
in live/descriptions.py and live/appliance.py.
"""

from typing import override

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    RestoreSensor,
    SensorEntity,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..const import DOMAIN, ResourceKind
from ..coordinator import GridxConfigEntry
from ..entity import resource_device_info
from ..state.identity import entity_unique_id
from .appliance import (
    ITEM_SENSORS,
    GridxItemSensorEntityDescription,
    item_numbers,
    numbered_translation_key,
)
from .coordinator import GridxLiveCoordinator, LiveSystem
from .descriptions import SYSTEM_SENSORS, GridxLiveSensorEntityDescription, Value

# A meter that drops by less than this share of its reading is a glitch and
# is held; a larger drop is a meter reset (a new total_increasing cycle).
METER_GLITCH_SHARE = 0.1


@callback
def async_setup_live_sensors(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add live sensors as systems report values, now and after every poll."""
    coordinator = entry.runtime_data.live
    if coordinator is None:
        return
    store = entry.runtime_data.store
    added: set[str] = set()
    # Item sensors created on the gateway's device: unique id -> (entity,
    # its applianceID), until the store knows that appliance.
    on_gateway: dict[str, tuple[GridxLiveSensor, str]] = {}

    def _unique_id(system: LiveSystem, key: str) -> str:
        # Account-scoped on the gateway, like every gridX unique id: two
        # entries that see one system get a sensor each (state/identity.py).
        return entity_unique_id(
            store.account, ResourceKind.GATEWAY, system.gateway_id, key
        )

    def _device(system: LiveSystem, appliance_id: str | None) -> DeviceInfo:
        if appliance_id and store.get(ResourceKind.APPLIANCE, appliance_id):
            return resource_device_info(store, ResourceKind.APPLIANCE, appliance_id)
        return resource_device_info(store, ResourceKind.GATEWAY, system.gateway_id)

    def _known(appliance_id: str) -> bool:
        return store.get(ResourceKind.APPLIANCE, appliance_id) is not None

    @callback
    def _move_to_appliances() -> None:
        """Move gateway-placed item sensors to appliances the store now knows."""
        dev_reg = dr.async_get(hass)
        ent_reg = er.async_get(hass)
        for unique_id, (entity, appliance_id) in list(on_gateway.items()):
            if not _known(appliance_id):
                continue
            del on_gateway[unique_id]
            device = resource_device_info(store, ResourceKind.APPLIANCE, appliance_id)
            entity.device_info_changed(device)
            entity_id = ent_reg.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, unique_id)
            if entity_id is None:
                continue  # not registered (yet): it is added with ``device``
            device_id = dev_reg.async_get_or_create(
                config_entry_id=entry.entry_id, **device
            ).id
            ent_reg.async_update_entity(entity_id, device_id=device_id)

    @callback
    def _add() -> None:
        data = coordinator.data or {}
        new: list[SensorEntity] = []
        _move_to_appliances()
        for system in coordinator.systems():
            live = data.get(system.system_id)
            if live is None:
                continue
            for description in SYSTEM_SENSORS:
                unique_id = _unique_id(system, description.key)
                if unique_id in added or description.value_fn(live) is None:
                    continue
                added.add(unique_id)
                device = _device(system, None)
                new.append(_entity(coordinator, description, system, unique_id, device))
            for item_description in ITEM_SENSORS:
                items = item_description.items_fn(live)
                if item_description.several_only and len(items) == 1:
                    continue
                numbers = item_numbers(items)
                for item in items:
                    appliance = item.appliance_id
                    if (
                        item_description.repeats_aggregate
                        and len(items) == 1
                        and not _known(appliance or "")
                    ):
                        continue
                    unique_id = _unique_id(
                        system, f"{appliance}_{item_description.key}"
                    )
                    if not appliance or unique_id in added:
                        continue
                    if item_description.value_fn(live, item) is None:
                        continue
                    added.add(unique_id)
                    entity = _entity(
                        coordinator,
                        item_description,
                        system,
                        unique_id,
                        _device(system, appliance),
                        appliance,
                        numbers.get(appliance),
                    )
                    if not _known(appliance):
                        on_gateway[unique_id] = (entity, appliance)
                    new.append(entity)
        if new:
            async_add_entities(new)

    entry.async_on_unload(coordinator.async_add_listener(_add))
    _add()


def _entity(
    coordinator: GridxLiveCoordinator,
    description: GridxLiveSensorEntityDescription | GridxItemSensorEntityDescription,
    system: LiveSystem,
    unique_id: str,
    device: DeviceInfo,
    appliance_id: str | None = None,
    number: int | None = None,
) -> GridxLiveSensor:
    cls = GridxLiveMeterSensor if description.meter else GridxLiveSensor
    return cls(
        coordinator, description, system, unique_id, device, appliance_id, number
    )


class GridxLiveSensor(CoordinatorEntity[GridxLiveCoordinator], SensorEntity):
    """A live value of one system (or of one appliance in its arrays)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GridxLiveCoordinator,
        description: GridxLiveSensorEntityDescription
        | GridxItemSensorEntityDescription,
        system: LiveSystem,
        unique_id: str,
        device: DeviceInfo,
        appliance_id: str | None,
        number: int | None = None,
    ) -> None:
        """Show ``description`` of ``system`` (and ``appliance_id``).

        ``number``: this appliance's number among several of its kind in the
        system ("Battery 2 power"); None when it is the only one.
        """
        super().__init__(coordinator)
        self.entity_description = description
        self._system_id = system.system_id
        self._appliance_id = appliance_id
        self._attr_unique_id = unique_id
        self._attr_device_info = device
        if number is not None and description.translation_key is not None:
            self._attr_translation_key = numbered_translation_key(
                description.translation_key
            )
            self._attr_translation_placeholders = {"number": str(number)}

    @callback
    def device_info_changed(self, device: DeviceInfo) -> None:
        """Take ``device`` as this sensor's device (the registry moves it)."""
        self._attr_device_info = device

    @property
    @override
    def available(self) -> bool:
        """Return False once this system failed too often in a row."""
        return self.coordinator.system_available(self._system_id)

    def _current(self) -> Value:
        live = (self.coordinator.data or {}).get(self._system_id)
        if live is None:
            return None
        description = self.entity_description
        if isinstance(description, GridxItemSensorEntityDescription):
            for item in description.items_fn(live):
                if item.appliance_id == self._appliance_id:
                    return description.value_fn(live, item)
            return None
        if isinstance(description, GridxLiveSensorEntityDescription):
            return description.value_fn(live)
        return None  # pragma: no cover - there are only the two kinds

    @property
    @override
    def native_value(self) -> Value:
        """Return the value of the last live answer, None when not reported."""
        return self._current()


class GridxLiveMeterSensor(GridxLiveSensor, RestoreSensor):
    """A cumulative meter that never steps backwards by mistake.

    A reading below the last one by less than `METER_GLITCH_SHARE` is held
    (a glitch, e.g. a repeated older sample); a larger drop is a meter reset
    and is shown, so the recorder starts a new cycle. The last reading is
    restored after a restart, so the rule holds across restarts.
    """

    _last: float | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last reading."""
        await super().async_added_to_hass()
        restored = await self.async_get_last_sensor_data()
        if restored is not None and isinstance(restored.native_value, int | float):
            self._last = float(restored.native_value)
        self._accept()

    @override
    def _handle_coordinator_update(self) -> None:
        self._accept()
        super()._handle_coordinator_update()

    def _accept(self) -> None:
        value = self._current()
        if not isinstance(value, int | float):
            return
        last = self._last
        if last is None or value >= last or last - value > last * METER_GLITCH_SHARE:
            self._last = float(value)

    @property
    @override
    def native_value(self) -> float | None:
        """Return the last accepted reading."""
        return self._last
