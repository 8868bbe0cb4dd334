"""Shapes of ``/systems/{id}/live`` and ``/historical`` (live facts §3, §4)."""

from __future__ import annotations

from collections.abc import Mapping

from .schema import NUMBER, TEXT, TIME, Arr, Obj, Shape, Str

# -- GET /systems/{id}/live (live facts §3.1) --------------------------------

_LIVE_BATTERY = Obj(
    optional={
        "applianceID": TEXT,  # empty for the aggregate
        "power": NUMBER,
        "remainingCharge": NUMBER,
        "capacity": NUMBER,
        "nominalCapacity": NUMBER,
        "stateOfCharge": NUMBER,
        # Not in the live spec; sent by some systems (inferred, §3.1).
        "charge": NUMBER,
        "discharge": NUMBER,
    }
)
_LIVE_HEAT_PUMP = Obj(
    optional={
        "applianceID": TEXT,
        "power": NUMBER,
        "sgReadyState": Str(enum=("UNKNOWN", "OFF", "AUTO", "RECOMMEND_ON", "ON")),
    }
)
_LIVE_EV_STATION = Obj(
    optional={
        "applianceID": TEXT,
        "power": NUMBER,
        "stateOfCharge": NUMBER,
        "readingTotal": NUMBER,  # Wh per spec; kWh per some clients (§3.1)
        "readingTariff1": NUMBER,
        "readingTariff2": NUMBER,
        "plugState": Str(
            enum=(
                "UNPLUGGED",
                "PLUGGED_ON_STATION",
                "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE",
            )
        ),
        "currentL1": NUMBER,
        "currentL2": NUMBER,
        "currentL3": NUMBER,
    }
)
_LIVE_HEATER = Obj(
    optional={
        "applianceID": TEXT,
        "measuredAt": TIME,
        **dict.fromkeys(
            (
                "power",
                "powerL1",
                "powerL2",
                "powerL3",
                "temperature",
                "minTemperature",
                "maxTemperature",
            ),
            NUMBER,
        ),
    }
)
_LIVE_HEAT_METER = Obj(
    optional={
        "applianceID": TEXT,
        "measuredAt": TIME,
        **dict.fromkeys(
            (
                "flowRate",
                "readingPositive",
                "readingNegative",
                "power",
                "inflowTemperature",
                "outflowTemperature",
            ),
            NUMBER,
        ),
    }
)
_LIVE_NUMBERS = (
    "grid",
    "gridL1",
    "gridL2",
    "gridL3",
    "gridSupplyLimit",
    "photovoltaic",
    "photovoltaicExternal",
    "production",
    "windTurbine",
    "fuelCell",
    "blockTypeThermalPowerStation",
    "heatPumpExternal",
    "appliancePower",
    "consumption",
    "totalConsumption",
    "selfConsumption",
    "directConsumption",
    "directConsumptionHousehold",
    "directConsumptionHeatPump",
    "directConsumptionEV",
    "directConsumptionHeater",
    "selfSupply",
    "selfSufficiencyRate",
    "selfConsumptionRate",
    "directConsumptionRate",
    "heatPump",
    "heating",
    "heatingTemperature",
    "gridMeterReadingPositive",
    "gridMeterReadingNegative",
    "heatPumpMeterReadingPositive",
    "heatPumpMeterReadingNegative",
    "fuelCellMeterReadingPositive",
    "fuelCellMeterReadingNegative",
    "l1CurtailmentPower",
    "l2CurtailmentPower",
    "l3CurtailmentPower",
    "fuseProtectionCount",
)
# Every key is optional: absent appliance types are left out, and gridX
# answers `{}` at times (§3.2).
LIVE = Obj(
    optional={
        "measuredAt": TIME,
        **dict.fromkeys(_LIVE_NUMBERS, NUMBER),
        "appliances": Arr(
            Obj(optional={"applianceID": TEXT, "power": NUMBER, "kind": TEXT})
        ),
        "battery": _LIVE_BATTERY,
        "batteries": Arr(_LIVE_BATTERY),
        "heatPumps": Arr(_LIVE_HEAT_PUMP),
        # The aggregate may be only {power} (§3.1).
        "evChargingStation": _LIVE_EV_STATION,
        "evChargingStations": Arr(_LIVE_EV_STATION),
        "heaters": Arr(_LIVE_HEATER),
        "heatMeters": Arr(_LIVE_HEAT_METER),
    }
)

# -- GET /systems/{id}/historical (live facts §4, S1 `MeasurementExtended`) --

_HISTORY_GRID = Obj(
    optional={
        "feedIn": NUMBER,
        "supply": NUMBER,
        "supplyLimit": NUMBER,
        "meterReading": Obj(optional={"feedIn": NUMBER, "supply": NUMBER}),
        "measuredAt": TIME,
    }
)
_HISTORY_BATTERY = Obj(
    optional=dict.fromkeys(
        ("charge", "discharge", "stateOfCharge", "capacity", "nominalCapacity"),
        NUMBER,
    )
)
_HISTORY_EV = Obj(
    optional=dict.fromkeys(
        ("charge", "discharge", "stateOfCharge", "currentL1", "currentL2", "currentL3"),
        NUMBER,
    )
)
# "Other scalars as in live": the live numbers except `grid`, now an object.
_HISTORY_ITEM: Mapping[str, Shape] = {
    **dict.fromkeys((n for n in _LIVE_NUMBERS if n != "grid"), NUMBER),
    "grid": _HISTORY_GRID,
    "battery": _HISTORY_BATTERY,
    "evChargingStation": _HISTORY_EV,
}
HISTORICAL = Obj(
    required={
        "total": Obj(
            # `measuredAt` of the total is "<start>/<end>".
            required={"measuredAt": Str()},
            optional=_HISTORY_ITEM,
        ),
        "data": Arr(Obj(required={"measuredAt": TIME}, optional=_HISTORY_ITEM)),
    }
)
