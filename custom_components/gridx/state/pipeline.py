"""The webhook pipeline after verify and parse: dedupe → apply → notify → fire.

`EventPipeline.async_handle_event` runs in the event loop for every verified,
parsed delivery and never does I/O:

1. **clamp**: an event ``time`` more than `FUTURE_TOLERANCE` ahead of the
   receive time is treated as the receive time (logged once per entry), so
   a signed year-9999 event cannot freeze a state;
2. **dedupe** (`seen.SeenIds`): a duplicate ``id`` does nothing at all; a
   replay (an id the cache has forgotten, of an event at or before its
   horizon) is applied to state but fires nothing;
3. **apply** (`apply.EventApplier`) with the staleness guard; then the save
   is scheduled (`persistence.SaveScheduler`, at most a second later);
4. **notify** the listeners of the changed resources only
   (`dispatch.GridxDispatcher`);
5. hand the event to the event entities of its EV and its gateway, and to
   the entry-wide ``signal_event`` listeners (two, not one per entity);
6. fire ``gridx_event`` with the device id of the most specific device.
"""

from dataclasses import replace
from datetime import datetime

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
import homeassistant.util.dt as dt_util

from ..api.models import GridxEvent
from ..const import LOGGER, ResourceKind, signal_event
from . import resource_model
from .apply import EventApplier, event_system_id
from .bus import async_fire_gridx_event
from .catalogue import Catalogue, StoreStats
from .dispatch import GridxDispatcher
from .persistence import SaveScheduler
from .resource_model import not_future
from .seen import SeenIds, Verdict


def event_device_id(catalogue: Catalogue, event: GridxEvent) -> str | None:
    """Return the device registry id of the most specific device of an event.

    The appliance, else the EV, else the gateway (for an event without a
    gateway id, e.g. the §14a signal: the gateway of the event's system);
    None when none is known.
    """
    candidates: list[tuple[ResourceKind, str | None]] = [
        (ResourceKind.APPLIANCE, event.appliance_id),
        (ResourceKind.EV, event.appliance_id),
        (ResourceKind.EV, event.asset_id),
        (ResourceKind.GATEWAY, event.gateway_id),
    ]
    for kind, resource_id in candidates:
        if resource_id is None:
            continue
        resource = catalogue.get(kind, resource_id)
        if resource is not None and resource.device_id is not None:
            return resource.device_id
    if event.gateway_id is None:
        gateway = catalogue.gateway_for_system(event_system_id(event))
        if gateway is not None:
            return gateway.device_id
    return None


class EventPipeline:
    """Process verified, parsed deliveries of one entry (module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        *,
        seen: SeenIds,
        catalogue: Catalogue,
        applier: EventApplier,
        dispatcher: GridxDispatcher,
        saver: SaveScheduler,
    ) -> None:
        """Wire the stages together."""
        self.hass = hass
        self.entry_id = entry_id
        self.seen = seen
        self.catalogue = catalogue
        self.applier = applier
        self.dispatcher = dispatcher
        self.saver = saver
        self.stats: StoreStats = catalogue.stats
        self._future_logged = False

    def _clamp(self, event: GridxEvent, now: datetime) -> GridxEvent:
        """Return the event, with a time far in the future replaced by ``now``."""
        if not_future(event.time, now) is event.time:
            return event
        self.stats.future_clamped += 1
        if not self._future_logged:
            self._future_logged = True
            LOGGER.warning(
                "gridX event %s (%s) is dated %s, more than %s after it was "
                "received; its receive time is used instead (logged once)",
                event.id,
                event.type,
                event.time.isoformat(),
                resource_model.FUTURE_TOLERANCE,
            )
        return replace(event, time=now)

    @callback
    def async_handle_event(self, event: GridxEvent) -> None:
        """Process one delivery; see the module docstring."""
        now = dt_util.utcnow()
        event = self._clamp(event, now)
        verdict = self.seen.check_and_add(event.id, now, event.time)
        if verdict is Verdict.DUPLICATE:
            self.stats.duplicates += 1
            LOGGER.debug("Ignored duplicate gridX event %s (%s)", event.id, event.type)
            return
        self.catalogue.in_push = True  # new resources of a push are bounded
        try:
            device_before = event_device_id(self.catalogue, event)
            self.applier.apply_event(event, event.time)
        except Exception:
            # The webhook answers 500 and gridX delivers again: that retry
            # must not be taken for a duplicate.
            self.seen.discard(event.id)
            raise
        finally:
            self.catalogue.in_push = False
        self.async_notify()
        if verdict is Verdict.REPLAY:
            self.stats.replays += 1
            LOGGER.debug(
                "gridX event %s (%s) is older than the dedupe window: state "
                "applied, nothing fired",
                event.id,
                event.type,
            )
            return
        self.stats.events_received += 1
        self.stats.last_event_at = now
        self._route_to_event_entities(event)
        # Entry-wide listeners of every event (a few, not one per entity):
        # the refresh on a new gateway, the registration's delivery check.
        async_dispatcher_send(self.hass, signal_event(self.entry_id), event)
        async_fire_gridx_event(
            self.hass,
            self.entry_id,
            event,
            device_id=event_device_id(self.catalogue, event) or device_before,
        )

    @callback
    def async_notify(self) -> None:
        """Schedule the save, then tell the listeners of what changed, if anything.

        Saved even without a visible change: a poll renews the times.
        """
        self.saver.async_schedule()
        changes = self.catalogue.take_changes()
        if changes:
            self.dispatcher.async_notify(changes)

    def _route_to_event_entities(self, event: GridxEvent) -> None:
        """Hand the event to the event entities of its EV and its gateway.

        Only the types of `event.EV_EVENT_TYPES` (keyed by ``assetID``) and
        `event.GATEWAY_EVENT_TYPES` (keyed by ``gatewayID``) have listeners.
        """
        if event.asset_id is not None:
            self.dispatcher.async_send_event((ResourceKind.EV, event.asset_id), event)
        if event.gateway_id is not None:
            self.dispatcher.async_send_event(
                (ResourceKind.GATEWAY, event.gateway_id), event
            )


__all__ = ["EventPipeline", "event_device_id"]
