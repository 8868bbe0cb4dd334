"""Which gateways and appliances gridX stopped listing (rule ``stale-devices``).

``GET /gateways`` and ``GET /gateways/{id}/appliances`` list everything the
account has (gridx-live-facts §2-§2.1), so a gateway or appliance missing
from a poll is probably gone. One miss is no proof (a list that changes
while it is paged, a moment of inconsistency at gridX), so a resource is
stale once **two complete polls in a row** missed it; `apply` then removes
it with its device and entities. Nothing else counts:

- a failed poll applies nothing, so it neither counts nor resets;
- a partial poll (a list stopped at its page limit) resets what it listed
  but counts no miss;
- an event naming a gateway or appliance (``gatewayID``, ``applianceID``)
  shows it exists: its count starts again;
- a poll that lists no gateway at all while some are known counts no miss
  (`StaleDevices.trusted`): an empty ``/gateways`` is more likely a fault at
  gridX, or a token that lost its access, than every gridBox gone at once.

EVs come only from events (no REST list names them), so no poll makes one
stale; the user removes a vehicle device by hand
(``async_remove_config_entry_device``). Counts live in memory: after a
restart a resource needs two more misses.
"""

from collections.abc import Iterable
from typing import Final

from ..const import LOGGER, ResourceKind
from .catalogue import Catalogue
from .devices import DeviceSync

STALE_AFTER_POLLS: Final = 2


class StaleDevices:
    """Count, per gateway and appliance, the complete polls in a row that missed it."""

    # Appliances before gateways: an appliance's device names its gateway's.
    POLLED_KINDS: Final = (ResourceKind.APPLIANCE, ResourceKind.GATEWAY)

    def __init__(self) -> None:
        """Start with no misses."""
        self._missed: dict[tuple[ResourceKind, str], int] = {}
        self._empty = False  # the last poll listed no gateway (and was warned)

    def trusted(self, known_gateways: Iterable[str], listed_gateways: set[str]) -> bool:
        """Return False for a poll that lists no gateway while some are known.

        Such a poll removes nothing, however often it comes; one warning per
        run of them. The user may still remove a device by hand.
        """
        known = list(known_gateways)
        if listed_gateways or not known:
            self._empty = False
            return True
        if not self._empty:
            LOGGER.warning(
                "gridX listed no gateway, but %s are known: kept their devices"
                " (removed only when gridX lists the others without them)",
                len(known),
            )
        self._empty = True
        return False

    def seen(self, kind: ResourceKind, resource_id: str | None) -> None:
        """Note that ``resource_id`` exists: its count starts again."""
        if resource_id is not None:
            self._missed.pop((kind, resource_id), None)

    def missed(
        self,
        kind: ResourceKind,
        known: Iterable[str],
        listed: set[str],
        *,
        complete: bool,
    ) -> list[str]:
        """Count one poll of ``kind``; return the ids that are stale now.

        ``known`` are the ids the store holds, ``listed`` those the poll
        listed. A stale id is forgotten here; the caller removes it.
        """
        for resource_id in listed:
            self.seen(kind, resource_id)
        if not complete:
            return []
        counts = {
            resource_id: self._missed.get((kind, resource_id), 0) + 1
            for resource_id in known
            if resource_id not in listed
        }
        # Ids of this kind the store no longer holds are dropped too.
        self._missed = {key: n for key, n in self._missed.items() if key[0] != kind}
        self._missed.update(
            ((kind, resource_id), n)
            for resource_id, n in counts.items()
            if n < STALE_AFTER_POLLS
        )
        return [
            resource_id for resource_id, n in counts.items() if n >= STALE_AFTER_POLLS
        ]


def remove_stale(
    cat: Catalogue, devices: DeviceSync, kind: ResourceKind, resource_id: str
) -> None:
    """Remove a resource gridX stopped listing, with its device and entities.

    No tombstone: gridX did not say it was deleted, so a later poll or event
    that names it again re-creates it, with the same device identifier and
    unique ids.
    """
    cat.remove(kind, resource_id)
    ev = cat.get(ResourceKind.EV, resource_id)
    if kind is ResourceKind.APPLIANCE and ev is not None and ev.legacy_station:
        # A legacy station keeps the device, described by itself now.
        cat.sync_device(ev)
    else:
        devices.release(kind, resource_id)
    LOGGER.info(
        "Removed gridX %s %s: gridX has not listed it for %s polls",
        kind,
        resource_id,
        STALE_AFTER_POLLS,
    )


__all__ = ["STALE_AFTER_POLLS", "StaleDevices", "remove_stale"]
