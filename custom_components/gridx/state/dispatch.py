"""Who hears about a change: listener registries keyed by resource or kind.

The registries behind `store.GridxStore.async_subscribe`, the one way in for
entities and platforms: ``async_subscribe(callback, key, topic)``, as Home
Assistant's hue controller does (``subscribe(callback, id_filter,
event_filter)``). The key is a resource ``(kind, resource_id)`` or a kind;
the `Topic` says what the subscriber wants:

========  ==============  ============================================
topic     key             callback
========  ==============  ============================================
STATE     (kind, id)      ``cb(keys)``: the state keys that changed
                          (`INFO` for device information, `GONE` when
                          the resource was removed)
EVENT     (kind, id)      ``cb(event)``: a momentary gridX event
MOVED     (kind, id)      ``cb(new_id)``: the re-paired resource moved
MOVED     kind            ``cb(old_id, new_id)``: any resource of it
NEW       kind            ``cb(resource_id)``: a new resource is known
RESHAPED  kind            ``cb(resource_id)``: its shape changed (a
                          description's ``exists_fn`` may now hold, e.g.
                          an appliance's first inverter status)
REMOVED   kind            ``cb(resource_id)``: the resource is gone
========  ==============  ============================================

A change wakes only the subscribers of the resource (or kind) it touched, so
the cost of one event does not grow with the number of devices of the
entry. Subscribers of a moved resource move with it. What the apply step
changed is collected in a `ChangeSet` and handed to
`GridxDispatcher.async_notify` once per event or poll.
"""

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal, overload

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
type KindMovedCallback = Callable[[str, str], None]
type ResourceCallback = Callable[[str], None]


class Topic(StrEnum):
    """What a subscriber wants to hear (the table in the module docstring)."""

    STATE = "state"
    EVENT = "event"
    MOVED = "moved"
    NEW = "new"
    RESHAPED = "reshaped"
    REMOVED = "removed"


# The topics a resource key and a kind may be subscribed to.
PER_RESOURCE: Final = (Topic.STATE, Topic.EVENT, Topic.MOVED)
PER_KIND: Final = (Topic.MOVED, Topic.NEW, Topic.RESHAPED, Topic.REMOVED)


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
        self._by_resource: dict[
            Topic, KeyedListeners[ResourceKey, Callable[..., None]]
        ] = {topic: KeyedListeners() for topic in PER_RESOURCE}
        self._by_kind: dict[
            Topic, KeyedListeners[ResourceKind, Callable[..., None]]
        ] = {topic: KeyedListeners() for topic in PER_KIND}
        # Listener calls so far: the work a change caused (diagnostics, tests).
        self.calls = 0

    def __len__(self) -> int:
        """Return the number of subscribers."""
        return sum(
            len(registry)
            for registries in (self._by_resource, self._by_kind)
            for registry in registries.values()
        )

    @overload
    def async_subscribe(
        self, cb: StateCallback, key: ResourceKey, topic: Literal[Topic.STATE]
    ) -> CALLBACK_TYPE: ...
    @overload
    def async_subscribe(
        self, cb: EventCallback, key: ResourceKey, topic: Literal[Topic.EVENT]
    ) -> CALLBACK_TYPE: ...
    @overload
    def async_subscribe(
        self, cb: MovedCallback, key: ResourceKey, topic: Literal[Topic.MOVED]
    ) -> CALLBACK_TYPE: ...
    @overload
    def async_subscribe(
        self, cb: KindMovedCallback, key: ResourceKind, topic: Literal[Topic.MOVED]
    ) -> CALLBACK_TYPE: ...
    @overload
    def async_subscribe(
        self,
        cb: ResourceCallback,
        key: ResourceKind,
        topic: Literal[Topic.NEW, Topic.RESHAPED, Topic.REMOVED],
    ) -> CALLBACK_TYPE: ...
    @callback
    def async_subscribe(
        self, cb: Callable[..., None], key: ResourceKey | ResourceKind, topic: Topic
    ) -> CALLBACK_TYPE:
        """Call ``cb`` on ``topic`` of ``key``; return a function that unsubscribes.

        ``key`` is a resource ``(kind, resource_id)`` or a kind; which topics
        each takes, and what ``cb`` is called with, is in the module
        docstring. Unsubscribing twice is harmless.
        """
        if isinstance(key, ResourceKind):
            if topic not in self._by_kind:
                raise ValueError(f"{topic} is not a topic of a kind")
            return self._by_kind[topic].async_listen(key, cb)
        if topic not in self._by_resource:
            raise ValueError(f"{topic} is not a topic of a resource")
        return self._by_resource[topic].async_listen(key, cb)

    def _call(self, cb: Callable[..., None], *args: Any) -> None:
        self.calls += 1
        cb(*args)

    @callback
    def async_notify(self, changes: ChangeSet) -> None:
        """Tell the subscribers of each changed resource: moves and new ones first."""
        for kind, old_id, new_id in changes.moved:
            self.async_moved(kind, old_id, new_id)
        for topic, keys in (
            (Topic.NEW, changes.new),
            (Topic.RESHAPED, changes.reshaped),
        ):
            for kind, resource_id in keys:
                for cb in self._by_kind[topic].listeners(kind):
                    self._call(cb, resource_id)
        for key, changed in changes.states.items():
            frozen = frozenset(changed)
            for cb in self._by_resource[Topic.STATE].listeners(key):
                self._call(cb, frozen)
        for kind, resource_id in changes.removed:
            for cb in self._by_kind[Topic.REMOVED].listeners(kind):
                self._call(cb, resource_id)

    @callback
    def async_send_event(self, key: ResourceKey, event: GridxEvent) -> None:
        """Hand ``event`` to the EVENT subscribers of one resource."""
        for cb in self._by_resource[Topic.EVENT].listeners(key):
            self._call(cb, event)

    @callback
    def async_moved(self, kind: ResourceKind, old_id: str, new_id: str) -> None:
        """Move the subscribers of a re-paired resource and tell them."""
        old, new = (kind, old_id), (kind, new_id)
        for topic in (Topic.STATE, Topic.EVENT):
            self._by_resource[topic].async_move(old, new)
        moved = self._by_resource[Topic.MOVED]
        movers = list(moved.listeners(old))
        moved.async_move(old, new)
        for cb in movers:
            self._call(cb, new_id)
        for cb in self._by_kind[Topic.MOVED].listeners(kind):
            self._call(cb, old_id, new_id)


__all__ = [
    "GONE",
    "INFO",
    "PER_KIND",
    "PER_RESOURCE",
    "ChangeSet",
    "GridxDispatcher",
    "KeyedListeners",
    "ResourceKey",
    "Topic",
]
