"""The vehicle's location: ``home`` or ``away``, from gridX's ``atHome``.

An enum sensor, not a presence binary sensor: Home Assistant lists its own
device triggers for every binary sensor ("… present"), but none for an enum
sensor without unit or state class, so the gridX triggers "EV arrived home"
and "EV left home" are the only location triggers of an EV.
"""

from typing import Any, Final

# The sensor's description key, and the binary sensor's it replaced.
LOCATION_KEY: Final = "ev_location"
LEGACY_LOCATION_KEY: Final = "ev_at_home"

LOCATION_HOME: Final = "home"
LOCATION_AWAY: Final = "away"
LOCATION_OPTIONS: Final = [LOCATION_HOME, LOCATION_AWAY]

# The repair issue of an automation or script that uses the removed binary
# sensor (`migration`); one per entry and old entity id.
ISSUE_LOCATION_REPLACED: Final = "location_entity_replaced"


def location_state(value: Any) -> str | None:
    """Return ``home`` or ``away`` for a stored ``atHome``; None while unknown."""
    if not isinstance(value, bool):
        return None
    return LOCATION_HOME if value else LOCATION_AWAY
