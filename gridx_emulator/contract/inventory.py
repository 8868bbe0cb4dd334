"""Shapes of ``/gateways`` and ``/gateways/{id}/appliances`` (live facts §2, §2.1)."""

from __future__ import annotations

from collections.abc import Mapping

from .schema import (
    INTEGER,
    OPEN,
    TEXT,
    TIME,
    UUID,
    Anything,
    Arr,
    Bool,
    Obj,
    OneOf,
    Shape,
    Str,
)

# -- GET /gateways (live facts §2, S1 `Gateway`, `ConnectionStatus`) ---------

GATEWAY_STATUSES = ("AVAILABLE", "TEMPORARILY_UNAVAILABLE", "UNAVAILABLE")
GATEWAY_CONNECTION = Obj(
    required={"status": Str(enum=GATEWAY_STATUSES)},
    optional={"contactedAt": TIME},
)
SYSTEM = Obj(
    # The spec's `System` requires name, createdAt and updatedAt too, but
    # the list item's `system` is not in the spec at all (§2): only `id` is
    # read by every client.
    required={"id": UUID},
    optional={
        "name": TEXT,
        "solution": TEXT,  # "HOME" in O-test
        "createdAt": TIME,
        "updatedAt": TIME,
        "operatingSince": TIME,
        "metadata": OPEN,
        "location": OPEN,  # `System.location.timeZone`; not documented for homeowners
    },
)
GATEWAY = Obj(
    required={
        "id": UUID,
        "type": Str(enum=("VIRTUAL", "PHYSICAL", "OTHER")),  # deprecated
        "startcode": TEXT,
        "connectionStatus": GATEWAY_CONNECTION,
        "createdAt": TIME,
    },
    optional={
        "updatedAt": TIME,  # required in S1, but the facts list it with createdAt only
        "registeredAt": TIME,
        "name": TEXT,  # absent in O-test, present in L-fix
        "serialnumber": TEXT,
        "model": TEXT,
        "manufacturer": TEXT,
        "vendorID": UUID,
        "debugModeUntil": TIME,
        "applianceComposition": Arr(TEXT),
        "additionalIdentifiers": Arr(Anything()),
        "scanners": Arr(Anything()),
        "system": SYSTEM,  # not in the spec's `Gateway`, but in real lists (§2)
    },
)

# -- GET /gateways/{id}/appliances (live facts §2.1, S1 `Appliance`) ---------

APPLIANCE_STATUSES = ("AVAILABLE", "UNAVAILABLE", "UNKNOWN")
APPLIANCE_CONNECTION = Obj(
    required={"status": Str(enum=APPLIANCE_STATUSES)},
    optional={"contactedAt": TIME},  # deprecated in S1
)
_BASE_REQUIRED: Mapping[str, Shape] = {
    "id": UUID,
    "inactive": Bool(),
    "createdAt": TIME,
    "updatedAt": TIME,
    "reverseFlow": Bool(),
    "connectionStatus": APPLIANCE_CONNECTION,
    "state": Str(
        enum=(
            "UNKNOWN_APPLIANCE_STATE",
            "SCANNED",
            "CONNECTING",
            "VERIFYING",
            "UNTRUSTED",
            "CONNECTED",
            "DISCONNECTED",
        )
    ),
}
_BASE_OPTIONAL: Mapping[str, Shape] = {
    # `position` is required by S1 but has no schema there: any value, and
    # (inferred) a server may leave it out, as the emulator does.
    "position": Anything(),
    "name": TEXT,
    "serialnumber": TEXT,
    "status": Str(enum=("UNDEFINED", "OK", "WARNING", "ERROR")),
    "room": TEXT,
    "network": OPEN,
    "parent": UUID,
    "loadSettings": OPEN,
    "sensorSettings": Anything(),
    "source": OPEN,
    "commissioningKind": TEXT,
    "energySettings": Anything(),
    "cryptoSettings": Arr(Anything()),
    "manufacturer": TEXT,
    "model": TEXT,
    "firmware": TEXT,
}


def _appliance(
    type_: str,
    required: Mapping[str, Shape] | None = None,
    optional: Mapping[str, Shape] | None = None,
) -> Obj:
    return Obj(
        required={**_BASE_REQUIRED, "type": Str(enum=(type_,)), **(required or {})},
        optional={**_BASE_OPTIONAL, **(optional or {})},
    )


INVERTER_KINDS = ("UNKNOWN", "PV", "PV_EXTERNAL", "BATTERY", "HYBRID")
METER_KINDS = (
    "UNKNOWN",
    "PV",
    "GRID",
    "BATTERY",
    "HEAT_PUMP",
    "FUEL_CELL",
    "HEAT_PUMP_EXTERNAL",
    "EVSTATION",
    "PV_EXTERNAL",
    "BTTP",
    "HEATING",
    "MISC",
    "CLUSTER",
    "WIND_TURBINE",
)
APPLIANCE = OneOf(
    "type",
    {
        "INVERTER": _appliance(
            "INVERTER",
            required={"kind": Str(enum=INVERTER_KINDS), "inverter": OPEN},
            optional={
                "battery": OPEN,  # {maxCharge, maxDischarge, ...}
                "nominalPowerLimit": INTEGER,
                "hybridCalcMode": INTEGER,
                "hardwareStatus": OPEN,
            },
        ),
        "METER": _appliance(
            "METER",
            required={
                "kind": Str(enum=METER_KINDS),
                "auxMeter": Obj(
                    required={"location": Str(enum=METER_KINDS), "type": TEXT},
                    optional={"modbusAddress": INTEGER},
                ),
            },
        ),
        "HEAT_PUMP": _appliance("HEAT_PUMP", required={"heatPump": OPEN}),
        "EVSTATION": _appliance(
            "EVSTATION",
            optional={"evseID": TEXT, "evLoadManagementParameters": OPEN},
        ),
        # Types the integration shows only by their common part.
        **{
            name: Obj(
                required={**_BASE_REQUIRED, "type": Str(enum=(name,))},
                optional=_BASE_OPTIONAL,
                open=True,
            )
            for name in (
                "HEAT_METER",
                "ELECTROLYZER",
                "IO_DEVICE",
                "HEATER",
                "CONTAINER",
            )
        },
    },
)
