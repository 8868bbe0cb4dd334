"""The plug and charging state read from a live answer's charging stations."""

from datetime import timedelta

from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api.live import LiveEvStation
from custom_components.gridx.const import ResourceKind
from custom_components.gridx.state.live_stations import (
    apply_live_stations,
    charging,
    plugged,
)
from custom_components.gridx.state.resource_model import Source, StateKey

from .gridx_state import ASSET_ID, GATEWAY_ID


def _station(
    appliance_id: str | None = "st-1",
    *,
    power: float | None = None,
    plug: str | None = None,
    state: str | None = None,
) -> LiveEvStation:
    return LiveEvStation(
        appliance_id=appliance_id,
        power=power,
        state_of_charge=None,
        reading_total=None,
        plug_state=plug,
        station_state=state,
    )


@pytest.mark.parametrize(
    ("plug", "expected"),
    [
        ("PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE", True),
        ("PLUGGED_ON_STATION", False),
        ("UNPLUGGED", False),
        ("UNKNOWN", None),
        (None, None),
    ],
)
def test_plugged(plug: str | None, expected: bool | None) -> None:
    """Only a cable in the station and the vehicle is plugged in."""
    assert plugged(_station(plug=plug)) is expected


@pytest.mark.parametrize(
    ("power", "plug", "state", "expected"),
    [
        (11000, "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE", None, True),
        (50, "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE", None, False),
        (11000, "UNPLUGGED", "CHARGING", False),  # unplugged never charges
        (0, None, "CHARGING", True),  # stationState wins over power
        (11000, None, "READY", False),
        (11000, None, "UNKNOWN", True),  # an unknown state: the power decides
        (None, None, None, None),
    ],
)
def test_charging(
    power: float | None, plug: str | None, state: str | None, expected: bool | None
) -> None:
    """StationState when it is known, else the power above 100 W."""
    assert charging(_station(power=power, plug=plug, state=state)) is expected


@pytest.mark.usefixtures("init_integration")
async def test_apply_skips_what_it_cannot_place(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """No id, no values, or a vehicle's id: nothing is written."""
    store = mock_config_entry.runtime_data.store
    catalogue = store.catalogue
    now = dt_util.utcnow()
    vehicle, _ = catalogue.upsert(ResourceKind.EV, ASSET_ID, now, gateway_id=GATEWAY_ID)
    assert vehicle is not None
    # A station gridX deleted after this poll began is not brought back.
    catalogue.tombstone("st-deleted", now + timedelta(seconds=1))
    apply_live_stations(
        catalogue,
        GATEWAY_ID,
        [
            _station(None, plug="UNPLUGGED"),  # no applianceID
            _station("st-quiet"),  # nothing sent
            _station(ASSET_ID, plug="UNPLUGGED", power=0),  # a vehicle's id
            _station("st-deleted", plug="UNPLUGGED"),
            _station("st-1", power=20),  # power only: charging, plug untouched
        ],
        now,
    )
    assert catalogue.get(ResourceKind.EV, "st-quiet") is None
    assert catalogue.get(ResourceKind.EV, "st-deleted") is None
    assert StateKey.PLUGGED not in vehicle.states
    station = catalogue.get(ResourceKind.EV, "st-1")
    assert station is not None
    assert station.legacy_station
    assert StateKey.PLUGGED not in station.states
    assert station.states[StateKey.CHARGING].value is False
    assert station.states[StateKey.CHARGING].source is Source.POLL
