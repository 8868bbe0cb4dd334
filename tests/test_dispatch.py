"""The store's one way in: ``async_subscribe(callback, key, topic)``.

A change wakes only the subscribers of its resource (or kind), with the
topic they asked for; unsubscribing works, and a moved resource keeps its
subscribers.
"""

import pytest

from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.const import ResourceKind
from custom_components.gridx.state.dispatch import (
    INFO,
    PER_KIND,
    PER_RESOURCE,
    ChangeSet,
    GridxDispatcher,
    Topic,
)

from .gridx_state import ev_data, event

EV = ResourceKind.EV
GW = ResourceKind.GATEWAY


def test_state_listeners_by_resource() -> None:
    """Only the subscribers of a changed resource hear it, with the keys."""
    dispatcher = GridxDispatcher()
    heard: dict[str, list[frozenset[str]]] = {f"ev{i}": [] for i in range(1000)}
    for resource_id, calls in heard.items():
        dispatcher.async_subscribe(calls.append, (EV, resource_id), Topic.STATE)
    changes = ChangeSet()
    changes.touch(EV, "ev7", "plugged")
    changes.touch(EV, "ev7", INFO)
    assert changes
    dispatcher.async_notify(changes)
    assert heard["ev7"] == [frozenset({"plugged", INFO})]
    assert sum(len(calls) for calls in heard.values()) == 1
    assert dispatcher.calls == 1
    assert not ChangeSet()


def test_new_reshaped_removed_by_kind() -> None:
    """Per-kind announcements reach the subscribers of that kind only."""
    dispatcher = GridxDispatcher()
    new: list[str] = []
    reshaped: list[str] = []
    removed: list[str] = []
    remove = dispatcher.async_subscribe(new.append, EV, Topic.NEW)
    dispatcher.async_subscribe(lambda _: None, GW, Topic.NEW)
    dispatcher.async_subscribe(reshaped.append, EV, Topic.RESHAPED)
    dispatcher.async_subscribe(removed.append, EV, Topic.REMOVED)
    changes = ChangeSet(new=[(EV, "a")], reshaped=[(EV, "b")], removed=[(EV, "c")])
    dispatcher.async_notify(changes)
    assert (new, reshaped, removed) == (["a"], ["b"], ["c"])
    changes.reshape(EV, "b")
    changes.reshape(EV, "d")
    assert changes.reshaped == [(EV, "b"), (EV, "d")]
    assert len(dispatcher) == 4
    remove()
    remove()  # removing twice is harmless
    dispatcher.async_notify(changes)
    assert new == ["a"]
    assert reshaped == ["b", "b", "d"]
    assert len(dispatcher) == 3


def test_events_and_moves() -> None:
    """Events go to one resource's subscribers; a move re-keys them."""
    dispatcher = GridxDispatcher()
    got: list[str] = []
    moved_to: list[str] = []
    anywhere: list[tuple[str, str]] = []
    remove = dispatcher.async_subscribe(
        lambda e: got.append(e.id), (EV, "old"), Topic.EVENT
    )
    dispatcher.async_subscribe(
        lambda e: got.append("wrong"), (EV, "other"), Topic.EVENT
    )
    dispatcher.async_subscribe(moved_to.append, (EV, "old"), Topic.MOVED)
    dispatcher.async_subscribe(
        lambda old, new: anywhere.append((old, new)), EV, Topic.MOVED
    )
    parsed = parse_event_dict(event("ev/plugged", ev_data(state="PLUGGED")))
    dispatcher.async_send_event((EV, "old"), parsed)
    dispatcher.async_moved(EV, "old", "new")
    dispatcher.async_moved(EV, "nobody", "else")
    dispatcher.async_moved(GW, "gateway", "elsewhere")  # another kind: not heard
    dispatcher.async_send_event((EV, "old"), parsed)
    dispatcher.async_send_event((EV, "new"), parsed)
    assert got == [parsed.id, parsed.id]
    assert moved_to == ["new"]
    assert anywhere == [("old", "new"), ("nobody", "else")]
    remove()  # still finds it under its new key
    dispatcher.async_send_event((EV, "new"), parsed)
    assert got == [parsed.id, parsed.id]


def test_a_moved_resource_keeps_its_subscribers() -> None:
    """State, event and moved subscribers follow a resource across moves."""
    dispatcher = GridxDispatcher()
    states: list[frozenset[str]] = []
    moves: list[str] = []
    unsubscribe = [
        dispatcher.async_subscribe(states.append, (EV, "a"), Topic.STATE),
        dispatcher.async_subscribe(moves.append, (EV, "a"), Topic.MOVED),
    ]
    dispatcher.async_notify(ChangeSet(moved=[(EV, "a", "b")]))
    dispatcher.async_moved(EV, "b", "c")
    changes = ChangeSet()
    changes.touch(EV, "a", "plugged")  # the old ids have no subscribers
    changes.touch(EV, "b", "plugged")
    changes.touch(EV, "c", "charging")
    dispatcher.async_notify(changes)
    assert moves == ["b", "c"]
    assert states == [frozenset({"charging"})]
    for stop in unsubscribe:
        stop()
    assert len(dispatcher) == 0
    dispatcher.async_notify(changes)
    assert states == [frozenset({"charging"})]


def test_topics_filter() -> None:
    """A subscriber hears its own topic of its own key, nothing else."""
    dispatcher = GridxDispatcher()
    heard: list[tuple[Topic, object]] = []
    for topic in (Topic.NEW, Topic.RESHAPED, Topic.REMOVED):
        dispatcher.async_subscribe(
            lambda resource_id, topic=topic: heard.append((topic, resource_id)),
            EV,
            topic,
        )
    dispatcher.async_subscribe(
        lambda keys: heard.append((Topic.STATE, keys)), (EV, "a"), Topic.STATE
    )
    dispatcher.async_notify(ChangeSet(new=[(EV, "a"), (GW, "g")]))
    dispatcher.async_notify(ChangeSet(removed=[(EV, "a")]))
    dispatcher.async_notify(ChangeSet(states={(EV, "b"): {"plugged"}}))
    assert heard == [(Topic.NEW, "a"), (Topic.REMOVED, "a")]


@pytest.mark.parametrize(
    ("key", "topic"),
    [
        *(((EV, "a"), topic) for topic in Topic if topic not in PER_RESOURCE),
        *((EV, topic) for topic in Topic if topic not in PER_KIND),
    ],
)
def test_a_topic_needs_its_kind_of_key(
    key: tuple[ResourceKind, str] | ResourceKind, topic: Topic
) -> None:
    """A resource key takes state, event and moved; a kind the others and moved."""
    dispatcher = GridxDispatcher()
    with pytest.raises(ValueError, match="is not a topic of a"):
        dispatcher.async_subscribe(lambda *_: None, key, topic)  # type: ignore[call-overload]
    assert len(dispatcher) == 0
