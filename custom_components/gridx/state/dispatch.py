"""Who hears about a change: listener registries keyed by resource.

A change wakes only the listeners of the resource it touched, so the cost of
one event does not grow with the number of devices of the entry:

- state listeners (entities) per ``(kind, resource_id)``, told which state
  keys changed (`INFO` for device information, `GONE` when the resource was
  removed);
- event listeners (event entities) per ``(kind, resource_id)``;
- "moved" listeners per ``(kind, resource_id)``, for re-paired appliances;
- per kind: new resources, resources whose shape changed (a description's
  ``exists_fn`` may now hold, e.g. an appliance that reported its first
  inverter status) and removed resources, for the platforms that add
  entities.

What the apply step changed is collected in a `ChangeSet` and handed to
`GridxDispatcher.async_notify` once per event or poll.
"""

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Final

from homeassistant.core import CALLBACK_TYPE, callback

from ..api.models import GridxEvent
from ..const import ResourceKind

# Pseudo state keys of a change: device information, and removal.
INFO: Final = "_info"
GONE: Final = "_gone"

type ResourceKey = tuple[ResourceKind, str]
type StateCallback = Callable[[frozenset[str]], None]
type EventCallback = Callable[[GridxEvent], None]
type MovedCallback = Callable[[str], None]
type ResourceCallback = Callable[[str], None]


class _Subscription[F]:
    """One listener and the key it is registered under (it may move)."""

    __slots__ = ("callback", "key")

    def __init__(self, key: Hashable, cb: F) -> None:
        self.key = key
        self.callback = cb


class KeyedListeners[K: Hashable, F]:
    """Listeners grouped by key; a key's listeners can move to another key."""

    def __init__(self) -> None:
        """Start without listeners."""
        self._subs: dict[Hashable, list[_Subscription[F]]] = {}

    def __len__(self) -> int:
        """Return the number of registered listeners."""
        return sum(len(subs) for subs in self._subs.values())

    @callback
    def async_listen(self, key: K, cb: F) -> CALLBACK_TYPE:
        """Register ``cb`` under ``key``; return a function that removes it."""
        sub = _Subscription(key, cb)
        self._subs.setdefault(key, []).append(sub)

        @callback
        def _remove() -> None:
            subs = self._subs.get(sub.key)
            if subs is not None and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self._subs[sub.key]

        return _remove

    def listeners(self, key: K) -> Iterator[F]:
        """Yield the listeners of ``key`` (a snapshot: they may unsubscribe)."""
        return iter([sub.callback for sub in self._subs.get(key, ())])

    @callback
    def async_move(self, old: K, new: K) -> None:
        """Move the listeners of ``old`` to ``new``."""
        subs = self._subs.pop(old, None)
        if subs is None:
            return
        for sub in subs:
            sub.key = new
        self._subs.setdefault(new, []).extend(subs)


@dataclass(slots=True)
class ChangeSet:
    """What one event or poll changed, in the order it happened."""

    # (kind, id) -> changed state keys (and INFO, GONE).
    states: dict[ResourceKey, set[str]] = field(default_factory=dict)
    new: list[ResourceKey] = field(default_factory=list)
    reshaped: list[ResourceKey] = field(default_factory=list)
    removed: list[ResourceKey] = field(default_factory=list)
    # (kind, old id, new id) of re-paired resources.
    moved: list[tuple[ResourceKind, str, str]] = field(default_factory=list)
    # The keys in ``reshaped``: a membership test on the list would make a
    # poll that discovers n resources cost n^2.
    _reshaped_keys: set[ResourceKey] = field(
        default_factory=set, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Index the resources given as reshaped."""
        self._reshaped_keys.update(self.reshaped)

    def touch(self, kind: ResourceKind, resource_id: str, key: str) -> None:
        """Record that ``key`` of a resource changed."""
        self.states.setdefault((kind, resource_id), set()).add(key)

    def reshape(self, kind: ResourceKind, resource_id: str) -> None:
        """Record that a resource may now need other entities (once per set)."""
        key = (kind, resource_id)
        if key not in self._reshaped_keys:
            self._reshaped_keys.add(key)
            self.reshaped.append(key)

    def __bool__(self) -> bool:
        """Return True if anything changed."""
        return bool(
            self.states or self.new or self.reshaped or self.removed or self.moved
        )


class GridxDispatcher:
    """The listener registries of one config entry (see the module docstring)."""

    def __init__(self) -> None:
        """Start without listeners."""
        self.state: KeyedListeners[ResourceKey, StateCallback] = KeyedListeners()
        self.events: KeyedListeners[ResourceKey, EventCallback] = KeyedListeners()
        self.moved: KeyedListeners[ResourceKey, MovedCallback] = KeyedListeners()
        self.new: KeyedListeners[ResourceKind, ResourceCallback] = KeyedListeners()
        self.reshaped: KeyedListeners[ResourceKind, ResourceCallback] = KeyedListeners()
        self.removed: KeyedListeners[ResourceKind, ResourceCallback] = KeyedListeners()
        # Told (kind, old id, new id) of every move: the platforms' records.
        self.any_moved: KeyedListeners[None, Callable[[ResourceKind, str, str], None]]
        self.any_moved = KeyedListeners()
        # Listener calls so far: the work a change caused (diagnostics, tests).
        self.calls = 0

    @callback
    def async_notify(self, changes: ChangeSet) -> None:
        """Tell the listeners of each changed resource: moves and new ones first."""
        for kind, old_id, new_id in changes.moved:
            self.async_moved(kind, old_id, new_id)
        for kind, resource_id in changes.new:
            for cb in self.new.listeners(kind):
                self.calls += 1
                cb(resource_id)
        for kind, resource_id in changes.reshaped:
            for cb in self.reshaped.listeners(kind):
                self.calls += 1
                cb(resource_id)
        for key, keys in changes.states.items():
            frozen = frozenset(keys)
            for state_cb in self.state.listeners(key):
                self.calls += 1
                state_cb(frozen)
        for kind, resource_id in changes.removed:
            for cb in self.removed.listeners(kind):
                self.calls += 1
                cb(resource_id)

    @callback
    def async_send_event(self, key: ResourceKey, event: GridxEvent) -> None:
        """Hand ``event`` to the event listeners of one resource."""
        for cb in self.events.listeners(key):
            self.calls += 1
            cb(event)

    @callback
    def async_moved(self, kind: ResourceKind, old_id: str, new_id: str) -> None:
        """Move the listeners of a re-paired resource and tell them."""
        old, new = (kind, old_id), (kind, new_id)
        for registry in (self.state, self.events):
            registry.async_move(old, new)
        movers = list(self.moved.listeners(old))
        self.moved.async_move(old, new)
        for cb in movers:
            self.calls += 1
            cb(new_id)
        for any_cb in self.any_moved.listeners(None):
            self.calls += 1
            any_cb(kind, old_id, new_id)


__all__ = [
    "GONE",
    "INFO",
    "ChangeSet",
    "GridxDispatcher",
    "KeyedListeners",
    "ResourceKey",
]
