"""From a gridX event or a poll to changes of the catalogue.

What an event means is decided by its type first and its data second: the
type and the ids imply some state (``gateway/online``: connected;
``ev/plugged``: plugged; ``ev/charge-started``: charging), the typed data
adds the rest. Data of a class this module does not know (`models.
UnvalidatedEventData`: data that failed validation) falls through to what the
type implies, and it never deletes; a data value of None (sent but invalid,
see ``GridxEvent.invalid_fields``) leaves the state as it is. Every write goes
through the catalogue's staleness guard.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from ..api.event_types import EventType
from ..api.gateways import Appliance, Gateway
from ..api.models import (
    ApplianceEventData,
    EVChargeState,
    EVChargingEventData,
    EVEventData,
    EVInfeasibleChargingGoalsEventData,
    EVMeasurementEventData,
    EVPlugState,
    GatewayEventData,
    GridxEvent,
    InverterEventData,
    LegacyEVPluggedEventData,
    PowerLimitEventData,
    SystemActionEventData,
)
from ..const import LOGGER, ResourceKind
from .catalogue import Catalogue
from .devices import DeviceSync
from .resource_model import GridxResource, Source, StateKey
from .stale import StaleDevices, remove_stale

_GATEWAY_TYPES: Final = frozenset(
    {EventType.GATEWAY_CREATE, EventType.GATEWAY_ONLINE, EventType.GATEWAY_OFFLINE}
)
_APPLIANCE_TYPES: Final = frozenset(
    {
        EventType.APPLIANCE_CREATE,
        EventType.APPLIANCE_UPDATE,
        EventType.APPLIANCE_ONLINE,
        EventType.APPLIANCE_OFFLINE,
        EventType.INVERTER_STATUS,
    }
)
GRID_SIGNAL_TYPES: Final = frozenset(
    {EventType.POWER_LIMIT_SET, EventType.POWER_LIMIT_UNSET}
)


def event_system_id(event: GridxEvent) -> str | None:
    """Return the system id of the data, else the one in ``source``."""
    if event.system_id is not None:
        return event.system_id
    return event.source_system_id


def legacy_station_id(event: GridxEvent) -> str | None:
    """Return the applianceID of a legacy charging-station ``ev/plugged``."""
    if isinstance(event.data, LegacyEVPluggedEventData):
        return event.data.appliance_id
    return None


class EventApplier:
    """Apply events and polls to one catalogue (and its devices)."""

    def __init__(self, catalogue: Catalogue, devices: DeviceSync) -> None:
        """Write into ``catalogue``; move and release devices with ``devices``."""
        self.cat = catalogue
        self.devices = devices
        # What the last successful poll listed, by kind (None before one).
        self.polled: dict[ResourceKind, set[str]] | None = None
        self.stale = StaleDevices()

    def apply_event(self, event: GridxEvent, time: datetime) -> None:
        """Apply one event as of ``time`` (its clamped envelope time)."""
        # An event naming a gateway or appliance shows it still exists.
        self.stale.seen(ResourceKind.GATEWAY, event.gateway_id)
        self.stale.seen(ResourceKind.APPLIANCE, event.appliance_id)
        event_type = event.event_type
        if event_type is None:
            return  # an unknown type: nothing to apply, still an event
        if event_type in _GATEWAY_TYPES:
            self._gateway(event, event_type, time)
        elif event_type is EventType.APPLIANCE_DELETE:
            # Only a valid delete deletes: data that failed validation is
            # no proof that gridX removed the appliance.
            if isinstance(event.data, ApplianceEventData):
                self._delete_appliance(event.data.appliance_id, time)
        elif event_type in _APPLIANCE_TYPES:
            self._appliance(event, event_type, time)
        elif event_type in GRID_SIGNAL_TYPES:
            self._power_limit(event, event_type, time)
        elif (station_id := legacy_station_id(event)) is not None:
            self._legacy_plugged(event, station_id, time)
        elif event.asset_id is not None:
            self._ev(event, event.asset_id, time)
        # ping, commissioning/done, system/action: no state

    def _gateway(
        self, event: GridxEvent, event_type: EventType, time: datetime
    ) -> None:
        if event.gateway_id is None:
            return
        gateway, _ = self.cat.upsert(ResourceKind.GATEWAY, event.gateway_id, time)
        if gateway is None:
            return
        if isinstance(data := event.data, GatewayEventData):
            self.cat.update_info(
                gateway,
                time,
                system_id=data.system_id,
                name=data.gateway_name,
                serial_number=data.gateway_serial_number,
            )
        if event_type is not EventType.GATEWAY_CREATE:
            online = event_type is EventType.GATEWAY_ONLINE
            self.cat.set(gateway, StateKey.CONNECTED, online, time, Source.PUSH)

    def _appliance(
        self, event: GridxEvent, event_type: EventType, time: datetime
    ) -> None:
        if (appliance_id := event.appliance_id) is None:
            return
        data = event.data
        info = data if isinstance(data, ApplianceEventData) else None
        if event_type is EventType.APPLIANCE_CREATE and info is not None:
            self.move_if_repaired(
                appliance_id, info.gateway_id, info.serial_number, info.appliance_type
            )
        appliance, _ = self.cat.upsert(
            ResourceKind.APPLIANCE, appliance_id, time, gateway_id=event.gateway_id
        )
        if appliance is None:
            return
        if info is not None:
            self._appliance_info(appliance, info, time)
        if event_type in (EventType.APPLIANCE_ONLINE, EventType.APPLIANCE_OFFLINE):
            online = event_type is EventType.APPLIANCE_ONLINE
            self.cat.set(appliance, StateKey.CONNECTED, online, time, Source.PUSH)
        elif isinstance(data, InverterEventData):
            status = {
                "status": data.status,
                "last_status": data.last_status,
                "err_code": data.err_code,
                "last_err_code": data.last_err_code,
            }
            self.cat.set(appliance, StateKey.INVERTER, status, time, Source.PUSH)

    def _appliance_info(
        self, resource: GridxResource, data: ApplianceEventData, time: datetime
    ) -> None:
        self.cat.update_info(
            resource,
            time,
            gateway_id=data.gateway_id,
            system_id=data.system_id,
            name=data.name,
            model=data.model,
            manufacturer=data.manufacturer,
            serial_number=data.serial_number,
            firmware=data.firmware,
            appliance_type=data.appliance_type,
            appliance_kind=data.kind,
        )

    def _legacy_plugged(
        self, event: GridxEvent, station_id: str, time: datetime
    ) -> None:
        ev, _ = self.cat.upsert(
            ResourceKind.EV,
            station_id,
            time,
            gateway_id=event.gateway_id,
            legacy_station=True,
        )
        if ev is None:
            return
        if isinstance(data := event.data, ApplianceEventData):
            self._appliance_info(ev, data, time)
        self.cat.set(ev, StateKey.PLUGGED, True, time, Source.PUSH)

    def _power_limit(
        self, event: GridxEvent, event_type: EventType, time: datetime
    ) -> None:
        gateway = self.cat.gateway_for_system(event_system_id(event))
        if gateway is None:
            LOGGER.debug(
                "Ignored gridX event %s: no known gateway for source %s",
                event.id,
                event.source,
            )
            return
        active = event_type is EventType.POWER_LIMIT_SET
        self.cat.set(gateway, StateKey.POWER_LIMIT_ACTIVE, active, time, Source.PUSH)
        if not active:
            # A lifted limit has no value; a site that never had a limit
            # gets no limit sensor from it (see sensor.py).
            if StateKey.POWER_LIMIT in gateway.states:
                self.cat.set(gateway, StateKey.POWER_LIMIT, None, time, Source.PUSH)
        # A limit that was sent but is invalid, or data that failed
        # validation, leaves the stored limit as it is (unknown).
        elif isinstance(data := event.data, PowerLimitEventData) and (
            "newLPC" not in event.invalid_fields
        ):
            limit = None if data.new_lpc is None else data.new_lpc / 1000
            self.cat.set(gateway, StateKey.POWER_LIMIT, limit, time, Source.PUSH)

    def _ev(self, event: GridxEvent, asset_id: str, time: datetime) -> None:
        ev, _ = self.cat.upsert(
            ResourceKind.EV, asset_id, time, gateway_id=event.gateway_id
        )
        if ev is None:
            return
        data = event.data
        self.cat.update_info(
            ev,
            time,
            gateway_id=event.gateway_id,
            system_id=event.system_id,
            # The vehicle's make, from the action asking to link its account.
            manufacturer=data.manufacturer
            if isinstance(data, SystemActionEventData) and data.manufacturer
            else None,
        )
        for key, value in ev_values(event).items():
            if value is not None:  # None: unknown, the state stays as it is
                self.cat.set(ev, key, value, time, Source.PUSH)

    def _delete_appliance(self, appliance_id: str, time: datetime) -> None:
        appliance = self.cat.get(ResourceKind.APPLIANCE, appliance_id)
        if (
            appliance is not None
            and appliance.info_time is not None
            and time < appliance.info_time
        ):
            self.cat.stale(
                ResourceKind.APPLIANCE,
                appliance_id,
                "delete",
                time,
                appliance.info_time,
            )
            return
        self.cat.tombstone(appliance_id, time)
        if appliance is None:
            return
        self.cat.remove(ResourceKind.APPLIANCE, appliance_id)
        ev = self.cat.get(ResourceKind.EV, appliance_id)
        if ev is None or not ev.legacy_station:
            self.devices.release(ResourceKind.APPLIANCE, appliance_id)
        else:  # a legacy station keeps the device, described by itself now
            self.cat.sync_device(ev)
        LOGGER.debug("Removed gridX appliance %s", appliance_id)

    def move_if_repaired(
        self,
        new_id: str,
        gateway_id: str | None,
        serial_number: str | None,
        appliance_type: str | None,
        *,
        listed: set[str] | None = None,
        gone: list[GridxResource] | None = None,
    ) -> None:
        """Move a re-paired appliance to ``new_id``.

        gridX may re-issue an applianceID when an appliance re-pairs; the
        existing device, its entities' unique ids and its state move to the
        new id instead of a duplicate appearing. Only an appliance that is
        gone from gridX moves: same serial, same gateway and same type, and
        missing from ``listed`` (the appliances of this poll; for an event,
        of the last successful poll: without one, nothing moves). A second
        live appliance with the same serial (a sub-appliance, the spec's
        ``parent``) is never taken over. A poll passes the appliances it found
        ``gone``, so discovering n appliances does not scan n times n.
        """
        appliances = self.cat.of_kind(ResourceKind.APPLIANCE)
        if listed is None and self.polled is not None:
            listed = self.polled.get(ResourceKind.APPLIANCE)
        if (
            not serial_number
            or gateway_id is None
            or new_id in appliances
            or listed is None
        ):
            return
        old = next(
            (
                a
                for a in (appliances.values() if gone is None else gone)
                if a.serial_number == serial_number
                and a.gateway_id == gateway_id
                and a.appliance_type == appliance_type
                and a.id != new_id
                and a.id not in listed
            ),
            None,
        )
        if old is None:
            return
        old_id = old.id
        if gone is not None:
            gone.remove(old)
        self.cat.rekey(ResourceKind.APPLIANCE, old_id, new_id)
        self.devices.move(old_id, new_id)

    def apply_poll(
        self,
        gateways: Sequence[Gateway],
        appliances: Sequence[Appliance],
        polled_at: datetime,
        *,
        complete: bool = True,
    ) -> None:
        """Apply what a poll saw, as of ``polled_at`` (the poll's start).

        Then, for a ``complete`` poll, count and remove what it missed
        (`StaleDevices`).
        """
        polled_ids = {appliance.id for appliance in appliances}
        self.polled = {
            ResourceKind.GATEWAY: {gateway.id for gateway in gateways},
            ResourceKind.APPLIANCE: polled_ids,
        }
        self._apply_listed(gateways, appliances, polled_at, polled_ids)
        complete = complete and self.stale.trusted(
            self.cat.of_kind(ResourceKind.GATEWAY), self.polled[ResourceKind.GATEWAY]
        )
        for kind in self.stale.POLLED_KINDS:
            listed = self.polled[kind]
            for resource_id in self.stale.missed(
                kind, self.cat.of_kind(kind), listed, complete=complete
            ):
                remove_stale(self.cat, self.devices, kind, resource_id)

    def _apply_listed(
        self,
        gateways: Sequence[Gateway],
        appliances: Sequence[Appliance],
        polled_at: datetime,
        polled_ids: set[str],
    ) -> None:
        """Create or update what a poll listed."""
        for gw in gateways:
            gateway, _ = self.cat.upsert(ResourceKind.GATEWAY, gw.id, polled_at)
            if gateway is None:
                continue
            self.cat.update_info(
                gateway,
                polled_at,
                system_id=gw.system_id,
                name=gw.name,
                serial_number=gw.serial_number,
                model=gw.model,
                manufacturer=gw.manufacturer,
            )
            self._polled_connection(gateway, gw, polled_at)
        gone = [
            appliance
            for appliance in self.cat.of_kind(ResourceKind.APPLIANCE).values()
            if appliance.id not in polled_ids
        ]
        for item in appliances:
            if self.cat.get(ResourceKind.APPLIANCE, item.id) is None:
                self.move_if_repaired(
                    item.id,
                    item.gateway_id,
                    item.serial_number,
                    item.appliance_type,
                    listed=polled_ids,
                    gone=gone,
                )
            appliance, _ = self.cat.upsert(
                ResourceKind.APPLIANCE, item.id, polled_at, gateway_id=item.gateway_id
            )
            if appliance is None:
                continue
            self.cat.update_info(
                appliance,
                polled_at,
                gateway_id=item.gateway_id,
                name=item.name,
                model=item.model,
                manufacturer=item.manufacturer,
                serial_number=item.serial_number,
                firmware=item.firmware,
                appliance_type=item.appliance_type,
                appliance_kind=item.kind,
            )
            self._polled_connection(appliance, item, polled_at)

    def _polled_connection(
        self, resource: GridxResource, polled: Gateway | Appliance, polled_at: datetime
    ) -> None:
        """Apply a polled ``connectionStatus`` (gridx-live-facts §2, §2.1).

        ``AVAILABLE`` is on; ``TEMPORARILY_UNAVAILABLE`` and ``UNAVAILABLE``
        are off; ``UNKNOWN`` (appliances) or a status gridX does not document
        is unknown. A gateway also keeps the status and ``contactedAt``.
        """
        status = polled.connection_status
        if status is None:
            return
        self.cat.set(
            resource, StateKey.CONNECTED, polled.connected, polled_at, Source.POLL
        )
        if isinstance(polled, Gateway):
            contacted = polled.contacted_at
            self.cat.set(
                resource,
                StateKey.CONNECTION_STATUS,
                {
                    "status": status,
                    "contacted_at": None
                    if contacted is None
                    else contacted.isoformat(),
                },
                polled_at,
                Source.POLL,
            )


def ev_values(event: GridxEvent) -> dict[StateKey, Any]:
    """Return the EV state values an EV event implies (None: unknown)."""
    data = event.data
    values: dict[StateKey, Any] = {}
    match event.event_type:
        case EventType.EV_PLUGGED:
            values[StateKey.PLUGGED] = True
        case EventType.EV_UNPLUGGED:
            values[StateKey.PLUGGED] = False
        case EventType.EV_CHARGE_STARTED:
            values[StateKey.CHARGING] = True
        case EventType.EV_CHARGE_STOPPED:
            values[StateKey.CHARGING] = False
    if isinstance(data, EVEventData | EVInfeasibleChargingGoalsEventData):
        values[StateKey.AT_HOME] = data.at_home
    if isinstance(data, EVChargingEventData):
        values[StateKey.CHARGE_POWER] = _watts(data.charge_power)
        values[StateKey.STATE_OF_CHARGE] = data.state_of_charge
        values[StateKey.RANGE] = data.range
    elif isinstance(data, EVMeasurementEventData):
        if data.plug_state == EVPlugState.PLUGGED:
            values[StateKey.PLUGGED] = True
        elif data.plug_state == EVPlugState.UNPLUGGED:
            values[StateKey.PLUGGED] = False
        values[StateKey.CHARGING] = data.charge_state == EVChargeState.CHARGING
        values[StateKey.CHARGE_POWER] = _watts(data.charge_power)
        values[StateKey.STATE_OF_CHARGE] = data.state_of_charge
        values[StateKey.RANGE] = data.range
        values[StateKey.CHARGE_LIMIT] = data.charge_limit
    return values


def _watts(milliwatts: float | None) -> float | None:
    return None if milliwatts is None else milliwatts / 1000


__all__ = ["GRID_SIGNAL_TYPES", "EventApplier", "ev_values", "event_system_id"]
