"""Issue 8: the cost of one event does not depend on how many devices there are.

Work is counted, not timed: state writes (``state_changed`` and
``state_reported`` on the real bus) and the calls of the subscribers of the
entry's store.
"""

from collections import Counter
from collections.abc import Callable, Generator
from http import HTTPStatus
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api.gateways import Appliance, Gateway
from custom_components.gridx.const import signal_state

from .conftest import PostWebhook
from .gridx_state import (
    ASSET_ID,
    GATEWAY_ID,
    SYSTEM_ID,
    FakePoll,
    appliance_data,
    at,
    entity_id,
    ev_data,
    event,
    gateway_data,
    patch_poll,
)

BS = Platform.BINARY_SENSOR
S = Platform.SENSOR


def account(devices: int) -> FakePoll:
    """Return a poll of gateways with nine meters each: ``devices`` devices."""
    gateways = [
        Gateway(
            id=GATEWAY_ID if g == 0 else f"gw-{g}",
            name=f"Box {g}",
            serial_number=f"SN-{g}",
            connection_status="AVAILABLE",
            system_id=SYSTEM_ID if g == 0 else f"sys-{g}",
            model="gridBox",
            manufacturer="gridX",
        )
        for g in range(devices // 10)
    ]
    appliances = {
        gateway.id: [
            Appliance(
                id=f"{gateway.id}-meter-{a}",
                gateway_id=gateway.id,
                name=f"Meter {a}",
                model="M",
                manufacturer="X",
                serial_number=f"{gateway.id}-{a}",
                appliance_type="METER",
                kind="GRID",
                firmware="1",
                connection_status="AVAILABLE",
            )
            for a in range(9)
        ]
        for gateway in gateways
    }
    return FakePoll(gateways=gateways, appliances=appliances)


@pytest.fixture(params=[10, 2000], ids=["10-devices", "2000-devices"])
def devices(request: pytest.FixtureRequest) -> int:
    """How many devices the account has."""
    number: int = request.param
    return number


@pytest.fixture
def poll(devices: int) -> Generator[FakePoll]:
    """The setup poll sees the whole account."""
    with patch_poll(account(devices)) as fake:
        yield fake


class Work:
    """Counts state writes per entity and the entry's listener calls."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        """Listen to every state write on the bus."""
        self.writes: Counter[str] = Counter()
        self.entry_wide = 0
        self._store = entry.runtime_data.store
        self._calls_before = self._store.listener_calls

        @callback
        def _write(event: Event[Any]) -> None:
            self.writes[event.data["entity_id"]] += 1

        @callback
        def _any(_data: Any) -> bool:
            return True

        @callback
        def _entry_wide() -> None:
            self.entry_wide += 1

        self.unsubs: list[Callable[[], None]] = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, _write),
            hass.bus.async_listen(EVENT_STATE_REPORTED, _write, event_filter=_any),
            async_dispatcher_connect(hass, signal_state(entry.entry_id), _entry_wide),
        ]

    @property
    def calls(self) -> int:
        """Return the listener calls since this counter started."""
        return self._store.listener_calls - self._calls_before

    def stop(self) -> None:
        """Stop counting."""
        for unsub in self.unsubs:
            unsub()


async def _measure(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    post_webhook: PostWebhook,
    body: dict[str, Any],
) -> Work:
    work = Work(hass, entry)
    assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    work.stop()
    return work


async def test_cost_independent_of_device_count(
    hass: HomeAssistant,
    devices: int,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """A change of one device writes only that device's changed entities."""
    assert len(hass.states.async_all()) > devices
    plugged = await _measure(
        hass,
        init_integration,
        post_webhook,
        event("ev/plugged", ev_data(state="PLUGGED"), time=at(1)),
    )
    # The new EV's entities were added; of the account, only its Last-event
    # sensor was written (at most once a minute, so not again below).
    assert all(
        "electric_vehicle" in entity or entity == "sensor.gridx_last_event"
        for entity in plugged.writes
    ), plugged.writes
    # A gateway going offline writes its connectivity sensor, once: not the
    # EV, not the other gateways, not its meters (offline is a state: no
    # event entity fires).
    offline = await _measure(
        hass,
        init_integration,
        post_webhook,
        event("gateway/offline", gateway_data(), time=at(2)),
    )
    assert offline.writes == Counter(
        {
            entity_id(hass, BS, f"{GATEWAY_ID}_gateway_connection"): 1,
        }
    )
    assert offline.entry_wide == 0
    # An EV measurement changes power only: the power sensor is written, the
    # plug, charging, charge limit and range sensors are not.
    measurement = await _measure(
        hass,
        init_integration,
        post_webhook,
        event(
            "ev/measurement",
            ev_data(
                chargePower=7_000_000,
                chargeState="NOT_CHARGING",
                plugState="PLUGGED",
                isControllable=True,
            ),
            time=at(3),
        ),
    )
    assert set(measurement.writes) == {
        entity_id(hass, S, f"{ASSET_ID}_ev_charge_power"),
        entity_id(hass, BS, f"{ASSET_ID}_ev_charging"),
    }
    # The same values again, newer: nothing to write at all.
    again = await _measure(
        hass,
        init_integration,
        post_webhook,
        event(
            "ev/measurement",
            ev_data(
                chargePower=7_000_000,
                chargeState="NOT_CHARGING",
                plugState="PLUGGED",
                isControllable=True,
            ),
            time=at(4),
        ),
    )
    assert again.writes == Counter()
    assert again.calls == 2  # handed to the EV's and the gateway's event entity

    # Issue 8: "adding the 2,001st device costs the same as the 11th". Both
    # parametrisations (one test, so the 2,000-device setup runs once) assert
    # the same counts: the cost of a new device and of an update does not
    # grow with the size of the account.
    created = await _measure(
        hass,
        init_integration,
        post_webhook,
        event(
            "appliance/create",
            appliance_data(
                "new-meter", name="New meter", type="METER", serialNumber="N-1"
            ),
            time=at(1),
        ),
    )
    # The meter's connectivity is not known yet: no entity. The gateway's
    # event entity is created by this event: its first state, then the event.
    assert sum(created.writes.values()) == 2
    # new and reshaped: the 2 platforms with appliance entities, each; the
    # gateway's event listener.
    assert created.calls == 5
    online = await _measure(
        hass,
        init_integration,
        post_webhook,
        event("appliance/online", appliance_data("new-meter"), time=at(2)),
    )
    assert online.writes == Counter(
        {entity_id(hass, BS, "new-meter_appliance_connection"): 1}
    )
    # Its connectivity entity; the 2 platforms (a first value may make an
    # entity exist); the gateway's event entity.
    assert online.calls == 4
    assert created.entry_wide == online.entry_wide == 0
