"""The listener registry: a change wakes only the listeners of its resource."""

from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.const import ResourceKind
from custom_components.gridx.state.dispatch import INFO, ChangeSet, GridxDispatcher

from .gridx_state import ev_data, event

EV = ResourceKind.EV
GW = ResourceKind.GATEWAY


def test_state_listeners_by_resource() -> None:
    """Only the listeners of a changed resource hear it, with the keys."""
    dispatcher = GridxDispatcher()
    heard: dict[str, list[frozenset[str]]] = {f"ev{i}": [] for i in range(1000)}
    for resource_id, calls in heard.items():
        dispatcher.state.async_listen((EV, resource_id), calls.append)
    changes = ChangeSet()
    changes.touch(EV, "ev7", "plugged")
    changes.touch(EV, "ev7", INFO)
    assert changes
    dispatcher.async_notify(changes)
    assert heard["ev7"] == [frozenset({"plugged", INFO})]
    assert sum(len(calls) for calls in heard.values()) == 1
    assert not ChangeSet()


def test_new_reshaped_removed_by_kind() -> None:
    """Per-kind announcements reach the listeners of that kind only."""
    dispatcher = GridxDispatcher()
    new: list[str] = []
    reshaped: list[str] = []
    removed: list[str] = []
    remove = dispatcher.new.async_listen(EV, new.append)
    dispatcher.new.async_listen(GW, lambda _: None)
    dispatcher.reshaped.async_listen(EV, reshaped.append)
    dispatcher.removed.async_listen(EV, removed.append)
    changes = ChangeSet(new=[(EV, "a")], reshaped=[(EV, "b")], removed=[(EV, "c")])
    dispatcher.async_notify(changes)
    assert (new, reshaped, removed) == (["a"], ["b"], ["c"])
    changes.reshape(EV, "b")
    changes.reshape(EV, "d")
    assert changes.reshaped == [(EV, "b"), (EV, "d")]
    remove()
    remove()  # removing twice is harmless
    dispatcher.async_notify(changes)
    assert new == ["a"]
    assert len(dispatcher.new) == 1


def test_events_and_moves() -> None:
    """Events go to one resource's listeners; a move re-keys them."""
    dispatcher = GridxDispatcher()
    got: list[str] = []
    moved_to: list[str] = []
    anywhere: list[tuple[ResourceKind, str, str]] = []
    remove = dispatcher.events.async_listen((EV, "old"), lambda e: got.append(e.id))
    dispatcher.events.async_listen((EV, "other"), lambda e: got.append("wrong"))
    dispatcher.moved.async_listen((EV, "old"), moved_to.append)
    dispatcher.any_moved.async_listen(None, lambda *a: anywhere.append(a))
    parsed = parse_event_dict(event("ev/plugged", ev_data(state="PLUGGED")))
    dispatcher.async_send_event((EV, "old"), parsed)
    dispatcher.async_moved(EV, "old", "new")
    dispatcher.async_moved(EV, "nobody", "else")
    dispatcher.async_send_event((EV, "old"), parsed)
    dispatcher.async_send_event((EV, "new"), parsed)
    assert got == [parsed.id, parsed.id]
    assert moved_to == ["new"]
    assert anywhere == [(EV, "old", "new"), (EV, "nobody", "else")]
    remove()  # still finds it under its new key
    dispatcher.async_send_event((EV, "new"), parsed)
    assert got == [parsed.id, parsed.id]
