"""What the store knows: gridX resources, their device info and stamped states.

Resources are gateways (keyed by ``gatewayID``), appliances
(``applianceID``) and EVs (``assetID``; the legacy charging-station
``ev/plugged`` is keyed by its ``applianceID``). Each becomes one device.

Every state attribute carries the time it describes (`Stamped.time`) and
its own revision, bumped when its value changes, so an entity writes its
state only when what it shows changed. Device information has one time and
one revision (`GridxResource.info_time`, ``info_revision``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import homeassistant.util.dt as dt_util

from ..api.text import has_bad_text, is_bad_text
from ..const import ResourceKind

# An event time further ahead of its receipt than this is taken as the
# receive time: a clock error or a hostile "year 9999" must not freeze state.
FUTURE_TOLERANCE: Final = timedelta(minutes=5)


def not_future(time: datetime, now: datetime) -> datetime:
    """Return ``time``, or ``now`` if it lies more than FUTURE_TOLERANCE ahead."""
    return now if time > now + FUTURE_TOLERANCE else time


class StateKey(StrEnum):
    """The state attributes a resource can carry."""

    CONNECTED = "connected"  # gateway, appliance: bool, None when unknown
    # gateway: dict(status, contacted_at) of the last poll (gridx-live-facts §2)
    CONNECTION_STATUS = "connection_status"
    INVERTER = (
        "inverter"  # appliance: dict(status, last_status, err_code, last_err_code)
    )
    PLUGGED = "plugged"  # ev: bool
    CHARGING = "charging"  # ev: bool
    STATE_OF_CHARGE = "state_of_charge"  # ev: percent
    CHARGE_POWER = "charge_power"  # ev: W (converted from mW)
    RANGE = "range"  # ev: metres
    CHARGE_LIMIT = "charge_limit"  # ev: percent
    AT_HOME = "at_home"  # ev: bool (the event's ``atHome``)
    POWER_LIMIT_ACTIVE = "power_limit_active"  # gateway: bool (§14a)
    POWER_LIMIT = "power_limit"  # gateway: W (converted from mW) or None


class Source(StrEnum):
    """Where a stamped value came from."""

    PUSH = "push"
    POLL = "poll"
    RESTORE = "restore"


@dataclass(frozen=True, slots=True)
class Stamped:
    """A state value with the time it describes and its source."""

    value: Any
    time: datetime
    source: Source

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (RestoreEntity extra data, diagnostics)."""
        return {
            "value": self.value,
            "time": self.time.isoformat(),
            "source": str(self.source),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stamped | None:
        """Return the stamped value of `as_dict` output, or None if malformed.

        A value holding text no one can store (`api.text`) is malformed.
        """
        time = data.get("time")
        parsed = parse_stored_time(time) if isinstance(time, str) else None
        if parsed is None or "value" not in data or has_bad_text(data["value"]):
            return None
        return cls(data["value"], parsed, Source.RESTORE)


# Device information fields of a resource, in storage order.
INFO_FIELDS: Final = (
    "gateway_id",
    "system_id",
    "name",
    "model",
    "manufacturer",
    "serial_number",
    "firmware",
    "appliance_type",
    "appliance_kind",
)


@dataclass(slots=True)
class GridxResource:
    """One gateway, appliance or EV and what is known about it."""

    kind: ResourceKind
    id: str
    gateway_id: str | None = None
    system_id: str | None = None
    name: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    firmware: str | None = None
    appliance_type: str | None = None  # appliances: INVERTER, METER, ...
    appliance_kind: str | None = None  # appliances: PV, BATTERY, ...
    # An EV resource keyed by a legacy charging station's applianceID.
    legacy_station: bool = False
    info_time: datetime | None = None
    states: dict[str, Stamped] = field(default_factory=dict)
    # Per state key: bumped when its value changes. And for device info.
    revisions: dict[str, int] = field(default_factory=dict)
    info_revision: int = 0
    # Bumped on every change (values, times, info): the stored form is cached
    # per revision, so a save rebuilds only what changed.
    revision: int = 0
    device_id: str | None = None
    _stored: tuple[int, dict[str, Any]] | None = field(
        default=None, repr=False, compare=False
    )

    def as_storage(self) -> dict[str, Any]:
        """Return the catalogue entry: device information and stamped states."""
        if self._stored is not None and self._stored[0] == self.revision:
            return self._stored[1]
        data: dict[str, Any] = {"kind": str(self.kind), "id": self.id}
        for name in INFO_FIELDS:
            if (value := getattr(self, name)) is not None:
                data[name] = value
        if self.legacy_station:
            data["legacy_station"] = True
        if self.info_time is not None:
            data["info_time"] = self.info_time.isoformat()
        if self.states:
            data["states"] = {
                key: [stamped.value, stamped.time.isoformat()]
                for key, stamped in self.states.items()
            }
        self._stored = (self.revision, data)
        return data

    @classmethod
    def from_storage(
        cls, data: Mapping[str, Any], now: datetime | None = None
    ) -> GridxResource | None:
        """Return a resource from its catalogue entry, None if malformed.

        Stored states come back with `Source.RESTORE`; with ``now``, a time
        far in the future (stored by a version that did not clamp them) is
        replaced by ``now``. Text no one can store (an unpaired UTF-16
        surrogate or NUL, see `api.text`; earlier versions accepted it) is
        skipped: in the id the whole resource, else that field or state.
        """
        try:
            kind = ResourceKind(data["kind"])
            resource_id = str(data["id"])
        except KeyError, ValueError:
            return None
        if is_bad_text(resource_id):
            return None
        resource = cls(kind=kind, id=resource_id)
        for name in INFO_FIELDS:
            value = data.get(name)
            if isinstance(value, str) and not is_bad_text(value):
                setattr(resource, name, value)
        resource.legacy_station = bool(data.get("legacy_station", False))
        info_time = data.get("info_time")
        if isinstance(info_time, str):
            resource.info_time = parse_stored_time(info_time, now)
        states = data.get("states")
        for key, item in states.items() if isinstance(states, Mapping) else ():
            if key in StateKey.__members__.values() and isinstance(item, list):
                stamped = _stamped_from_storage(item, now)
                if stamped is not None:
                    resource.states[key] = stamped
        return resource


def parse_stored_time(text: str, now: datetime | None = None) -> datetime | None:
    """Return a stored ISO time as an aware datetime, None if malformed.

    A time without a zone is UTC. With ``now``, a time far in the future
    (stored by a version that did not clamp them) becomes ``now``
    (`not_future`).
    """
    value = dt_util.parse_datetime(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.UTC)
    return value if now is None else not_future(value, now)


def _stamped_from_storage(item: list[Any], now: datetime | None) -> Stamped | None:
    if len(item) != 2 or not isinstance(item[1], str) or has_bad_text(item[0]):
        return None
    time = parse_stored_time(item[1], now)
    return None if time is None else Stamped(item[0], time, Source.RESTORE)


def device_translation_key(resource: GridxResource) -> str | None:
    """Return the translation key of a nameless EV's device name, else None.

    gridX sends no name for a vehicle or a legacy charging station, so their
    device names come from strings.json (``device.ev``/``charging_station``).
    """
    if resource.name or resource.kind is not ResourceKind.EV:
        return None
    return "charging_station" if resource.legacy_station else "ev"


def device_translation_placeholders(resource: GridxResource) -> dict[str, str]:
    """Return the placeholders of a translated device name.

    gridX tells nothing about a vehicle but its asset id (no name, model or
    plate), so two vehicles are told apart by its last four characters:
    "Electric vehicle 3f9a".
    """
    return {"suffix": id_suffix(resource.id)}


def id_suffix(resource_id: str) -> str:
    """Return the last four characters of an id, for names that tell apart."""
    return resource_id.replace("-", "")[-4:].lower()


def device_name(resource: GridxResource) -> str:
    """Return the device name: the given name, else a descriptive fallback.

    The English fallback of a nameless EV is only used where no translation
    is available; see `device_translation_key`.
    """
    if resource.name:
        return resource.name
    if resource.kind is ResourceKind.GATEWAY:
        return "gridBox"
    if resource.kind is ResourceKind.EV:
        if resource.legacy_station:
            return "Wallbox"
        return f"Electric vehicle {id_suffix(resource.id)}"
    described = " ".join(p for p in (resource.manufacturer, resource.model) if p)
    return (
        described or (resource.appliance_type or "Appliance").replace("_", " ").title()
    )


__all__ = [
    "FUTURE_TOLERANCE",
    "INFO_FIELDS",
    "GridxResource",
    "Source",
    "Stamped",
    "StateKey",
    "device_name",
    "device_translation_key",
    "device_translation_placeholders",
    "id_suffix",
    "not_future",
    "parse_stored_time",
]
