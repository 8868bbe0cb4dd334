"""The data of the ``ev/*`` events, and their parsers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .data import EventData, GridxModel
from .data_appliance import ApplianceEventData, appliance_fields
from .fields import Reader, as_bool, as_float, as_id, as_int, as_reader, as_str, as_time


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyEVPluggedEventData(ApplianceEventData):
    """Legacy ``ev/plugged``: a charging-station appliance event.

    Notification Rule era shape: appliance fields plus ``evseID`` and a
    lower-case ``state: "plugged"`` (see LegacyEVState).
    """

    state: str
    evse_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EVEventData(EventData):
    """The fields every vehicle-asset EV event has (except infeasible goals)."""

    issued_at: datetime
    at_home: bool
    asset_type: str  # JSON `type`, see AssetType
    system_id: str
    asset_id: str
    gateway_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EVPluggedEventData(EVEventData):
    """``ev/plugged`` (current, vehicle-asset shape)."""

    state: str  # "PLUGGED", see EVState


@dataclass(frozen=True, slots=True, kw_only=True)
class EVUnpluggedEventData(EVEventData):
    """``ev/unplugged``."""

    state: str  # "UNPLUGGED", see EVState


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargingEventData(EVEventData):
    """Common base of ``ev/charge-started`` and ``ev/charge-stopped``."""

    # mW; negative means discharging (V2G/V2H). None: sent, but invalid.
    charge_power: int | None
    state: str  # see EVState
    state_of_charge: float | None = None  # percent, 0.0-100.0
    range: int | None = None  # metres


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeStartedEventData(EVChargingEventData):
    """``ev/charge-started``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeStoppedEventData(EVChargingEventData):
    """``ev/charge-stopped``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeFailureReason(GridxModel):
    """Why a charging command failed."""

    type: str  # see EVChargeFailureType
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeFailedEventData(EVEventData):
    """``ev/charge-failed``: the EV did not accept a start or stop command."""

    created_at: datetime
    completed_at: datetime
    kind: str  # see EVChargeCommandKind
    failure_reason: EVChargeFailureReason


@dataclass(frozen=True, slots=True, kw_only=True)
class EVMeasurementEventData(EVEventData):
    """``ev/measurement``."""

    charge_power: int | None  # mW; negative means discharging; None: invalid
    charge_state: str  # see EVChargeState; "" when not plugged in
    plug_state: str  # see EVPlugState
    is_controllable: bool
    state_of_charge: float | None = None  # percent
    range: int | None = None  # metres
    charge_limit: float | None = None  # percent
    capacity: int | None = None  # Wh


@dataclass(frozen=True, slots=True, kw_only=True)
class EVInfeasibleChargingGoalsEventData(EventData):
    """``ev/infeasible-charging-goals``: it has no gatewayID and no issuedAt.

    The required numbers are None when sent but invalid (``invalid_fields``).
    """

    system_id: str
    asset_id: str
    min_requested_soc: float | None  # percent
    current_soc: float | None  # percent
    departure_at: datetime
    energy_needed_wh: float | None
    deliverable_energy_wh: float | None
    charging_power_w: float | None  # W (not mW)
    max_state_of_charge: float | None = None  # percent
    at_home: bool | None = None


def _ev_fields(r: Reader) -> dict[str, Any]:
    return {
        "issued_at": r.req("issuedAt", as_time),
        "at_home": r.req("atHome", as_bool),
        "asset_type": r.req("type", as_str),
        "system_id": r.req("systemID", as_id),
        "asset_id": r.req("assetID", as_id),
        "gateway_id": r.req("gatewayID", as_id),
    }


def _ev_charging_fields(r: Reader) -> dict[str, Any]:
    return {
        **_ev_fields(r),
        "charge_power": r.number("chargePower", as_int, required=True),
        "state": r.req("state", as_str),
        "state_of_charge": r.number("stateOfCharge", as_float, required=False),
        "range": r.number("range", as_int, required=False),
    }


def parse_ev_plugged(r: Reader) -> EventData:
    """Parse ``ev/plugged`` data, in the current or the legacy shape."""
    # The legacy (Notification Rule era) ev/plugged was a charging-station
    # appliance event: applianceID + evseID, no assetID.
    if not r.has("assetID") and (r.has("applianceID") or r.has("evseID")):
        return LegacyEVPluggedEventData(
            **appliance_fields(r),
            state=r.req("state", as_str),
            evse_id=r.opt("evseID", as_str),
        )
    return EVPluggedEventData(**_ev_fields(r), state=r.req("state", as_str))


def parse_ev_unplugged(r: Reader) -> EventData:
    """Parse ``ev/unplugged`` data."""
    return EVUnpluggedEventData(**_ev_fields(r), state=r.req("state", as_str))


def parse_ev_charge_started(r: Reader) -> EventData:
    """Parse ``ev/charge-started`` data."""
    return EVChargeStartedEventData(**_ev_charging_fields(r))


def parse_ev_charge_stopped(r: Reader) -> EventData:
    """Parse ``ev/charge-stopped`` data."""
    return EVChargeStoppedEventData(**_ev_charging_fields(r))


def parse_ev_charge_failed(r: Reader) -> EventData:
    """Parse ``ev/charge-failed`` data."""
    base = _ev_fields(r)
    created_at = r.req("createdAt", as_time)
    completed_at = r.req("completedAt", as_time)
    kind = r.req("kind", as_str)
    reason = r.req("failureReason", as_reader)
    return EVChargeFailedEventData(
        **base,
        created_at=created_at,
        completed_at=completed_at,
        kind=kind,
        failure_reason=EVChargeFailureReason(
            type=reason.req("type", as_str), detail=reason.req("detail", as_str)
        ),
    )


def parse_ev_measurement(r: Reader) -> EventData:
    """Parse ``ev/measurement`` data."""
    return EVMeasurementEventData(
        **_ev_fields(r),
        charge_power=r.number("chargePower", as_int, required=True),
        charge_state=r.req("chargeState", as_str),
        plug_state=r.req("plugState", as_str),
        is_controllable=r.req("isControllable", as_bool),
        state_of_charge=r.number("stateOfCharge", as_float, required=False),
        range=r.number("range", as_int, required=False),
        charge_limit=r.number("chargeLimit", as_float, required=False),
        capacity=r.number("capacity", as_int, required=False),
    )


def parse_ev_infeasible(r: Reader) -> EventData:
    """Parse ``ev/infeasible-charging-goals`` data."""
    return EVInfeasibleChargingGoalsEventData(
        system_id=r.req("systemID", as_id),
        asset_id=r.req("assetID", as_id),
        min_requested_soc=r.number("minRequestedSoC", as_float, required=True),
        current_soc=r.number("currentSoC", as_float, required=True),
        departure_at=r.req("departureAt", as_time),
        energy_needed_wh=r.number("energyNeededWh", as_float, required=True),
        deliverable_energy_wh=r.number("deliverableEnergyWh", as_float, required=True),
        charging_power_w=r.number("chargingPowerW", as_float, required=True),
        max_state_of_charge=r.number("maxStateOfCharge", as_float, required=False),
        at_home=r.opt("atHome", as_bool),
    )
