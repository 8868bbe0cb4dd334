"""A burst: 2,000 shuffled deliveries with 20 % duplicates over real HTTP."""

import asyncio
from collections import Counter
from collections.abc import Generator
from datetime import timedelta
from http import HTTPStatus
import random
from typing import Any
import uuid

from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gridx.const import EVENT_GRIDX

from .conftest import PostWebhook
from .gridx_state import T0, FakePoll, event, patch_poll, state_of

BS = Platform.BINARY_SENSOR
UNIQUE = 1_600
DUPLICATES = 400
BATCH = 50


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """An empty poll: the burst is all the integration hears."""
    with patch_poll() as poll:
        yield poll


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_burst(
    rng: random.Random,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """Return unique events and the expected final state per (unique_id, platform)."""
    gateways = [(_uuid(rng), _uuid(rng)) for _ in range(3)]  # (gateway, system)
    appliances = [(_uuid(rng), gateways[i % 3]) for i in range(4)]
    evs = [(_uuid(rng), gateways[i % 3]) for i in range(3)]
    # Every event gets its own second, handed out in random order, so the
    # newest event per attribute is well defined and rarely sent last.
    seconds = rng.sample(range(UNIQUE * 10), UNIQUE)
    latest: dict[str, tuple[int, str]] = {}
    events: list[dict[str, Any]] = []

    def record(unique_id: str, second: int, value: str) -> None:
        if unique_id not in latest or latest[unique_id][0] < second:
            latest[unique_id] = (second, value)

    for second in seconds:
        time = T0 + timedelta(seconds=second)
        choice = rng.randrange(4)
        on = rng.random() < 0.5
        if choice == 0:
            gateway_id, system_id = rng.choice(gateways)
            events.append(
                event(
                    f"gateway/{'online' if on else 'offline'}",
                    {"gatewayID": gateway_id, "systemID": system_id},
                    time=time,
                    system_id=system_id,
                )
            )
            record(
                f"{gateway_id}_gateway_connection",
                second,
                STATE_ON if on else STATE_OFF,
            )
        elif choice == 1:
            appliance_id, (gateway_id, system_id) = rng.choice(appliances)
            events.append(
                event(
                    f"appliance/{'online' if on else 'offline'}",
                    {"applianceID": appliance_id, "gatewayID": gateway_id},
                    time=time,
                    system_id=system_id,
                )
            )
            record(
                f"{appliance_id}_appliance_connection",
                second,
                STATE_ON if on else STATE_OFF,
            )
        elif choice == 2:
            asset_id, (gateway_id, system_id) = rng.choice(evs)
            events.append(
                event(
                    f"ev/{'plugged' if on else 'unplugged'}",
                    {
                        "issuedAt": time.isoformat(),
                        "atHome": True,
                        "type": "EV",
                        "systemID": system_id,
                        "assetID": asset_id,
                        "gatewayID": gateway_id,
                        "state": "PLUGGED" if on else "UNPLUGGED",
                    },
                    time=time,
                    system_id=system_id,
                )
            )
            record(f"{asset_id}_ev_plugged", second, STATE_ON if on else STATE_OFF)
        else:
            gateway_id, system_id = rng.choice(gateways)
            kind = "set" if on else "unset"
            events.append(
                event(
                    f"grid-signal-processor/limitation-of-power-consumption/{kind}",
                    {"newLPC": 4_200_000.0} if on else {},
                    time=time,
                    system_id=system_id,
                )
            )
            record(
                f"{gateway_id}_power_limitation", second, STATE_ON if on else STATE_OFF
            )
    # The gateways must be known before a §14a signal can be placed; the
    # first delivery of each gateway is a create at the very beginning.
    creates = [
        event(
            "gateway/create",
            {"gatewayID": gateway_id, "systemID": system_id},
            time=T0 - timedelta(days=1),
            system_id=system_id,
        )
        for gateway_id, system_id in gateways
    ]
    return creates + events, {uid: value for uid, (_, value) in latest.items()}


async def test_burst(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """Final states equal the ground truth; every id fires gridx_event exactly once."""
    rng = random.Random(20261128)  # noqa: S311 - reproducible test data
    unique_events, expected = build_burst(rng)
    creates, rest = unique_events[:3], unique_events[3:]
    deliveries = rest + [rng.choice(rest) for _ in range(DUPLICATES)]
    rng.shuffle(deliveries)
    assert len(creates) + len(deliveries) == 3 + UNIQUE + DUPLICATES
    bus_events: list[Event] = async_capture_events(hass, EVENT_GRIDX)

    for body in creates:
        assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    for start in range(0, len(deliveries), BATCH):
        responses = await asyncio.gather(
            *(post_webhook(body) for body in deliveries[start : start + BATCH])
        )
        assert {response.status for response in responses} == {HTTPStatus.NO_CONTENT}
    await hass.async_block_till_done()

    fired = Counter(e.data["id"] for e in bus_events)
    assert set(fired) == {body["id"] for body in unique_events}
    assert set(fired.values()) == {1}
    actual = {uid: state_of(hass, BS, uid).state for uid in expected}
    assert actual == expected
    stats = init_integration.runtime_data.store.stats
    assert stats.events_received == len(unique_events)
    assert stats.duplicates == DUPLICATES
