"""Tests of the gridX device triggers, fired through real automations."""

import asyncio
from collections import Counter
from collections.abc import Generator
from datetime import timedelta
import random
from typing import Any

from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, Platform
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    callback,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.device_trigger import (
    EV_TRIGGERS,
    GATEWAY_TRIGGERS,
    INVERTER_TRIGGERS,
    TRIGGERS,
    async_device_trigger_types,
)
from custom_components.gridx.state.identity import device_identifier

from .conftest import ACCOUNT_ID, PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    entity_id,
    ev_data,
    event,
    gateway_data,
    get_device,
    patch_poll,
)
from .ha_compat import HAS_EVENT_RECEIVED_TRIGGER, device_owners
from .test_burst import BATCH, DUPLICATES, UNIQUE, build_burst

METER_ID = "aaaa0000-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
STATION_ID = "bbbb0000-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SET = "grid-signal-processor/limitation-of-power-consumption/set"
UNSET = "grid-signal-processor/limitation-of-power-consumption/unset"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Answer the coordinator's polls with nothing (no gateways)."""
    with patch_poll() as fake:
        yield fake


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Record the calls of the automations' test.automation action."""
    return async_mock_service(hass, "test", "automation")


async def _post(hass: HomeAssistant, post_webhook: PostWebhook, body: Any) -> None:
    response = await post_webhook(body)
    assert response.status == 204
    await hass.async_block_till_done()


def _device_id(hass: HomeAssistant, entry: MockConfigEntry, resource_id: str) -> str:
    device = get_device(hass, resource_id)
    assert device is not None, resource_id
    assert device_owners(device) == {entry.entry_id}
    return device.id


async def _announce_all(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """Make a gateway, an inverter, a meter, an EV and a legacy station known.

    Each with the values its state triggers follow: gateway and appliances
    online, the EV unplugged, not charging and at home, the station plugged.
    """
    await _post(hass, post_webhook, load_event("gateway_create.json"))
    await _post(hass, post_webhook, load_event("appliance_create.json"))  # inverter
    await _post(
        hass,
        post_webhook,
        event("appliance/create", appliance_data(METER_ID, type="METER")),
    )
    await _post(hass, post_webhook, event("gateway/online", gateway_data()))
    for appliance_id in (APPLIANCE_ID, METER_ID):
        body = event("appliance/online", appliance_data(appliance_id))
        await _post(hass, post_webhook, body)
    await _post(
        hass,
        post_webhook,
        event("ev/measurement", ev_data(**_measurement("UNPLUGGED"))),
    )
    await _post(
        hass,
        post_webhook,
        event("ev/plugged", appliance_data(STATION_ID, state="plugged")),
    )


def _measurement(plug_state: str) -> dict[str, Any]:
    return {
        "chargePower": 0,
        "chargeState": "",
        "plugState": plug_state,
        "isControllable": True,
    }


async def _automation(hass: HomeAssistant, triggers: list[dict[str, Any]]) -> None:
    """Set up one automation per trigger; each records the trigger's event."""
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": f"auto_{index}",
                    "triggers": [trigger],
                    "actions": {
                        "action": "test.automation",
                        "data": {
                            "alias": f"auto_{index}",
                            "event_id": "{{ trigger.event.data.id"
                            " if 'event' in trigger else '' }}",
                            "to": "{{ trigger.to_state.state"
                            " if 'to_state' in trigger else '' }}",
                            "description": "{{ trigger.description }}",
                        },
                    },
                }
                for index, trigger in enumerate(triggers)
            ]
        },
    )
    await hass.async_block_till_done()


def _trigger(device_id: str, trigger_type: str) -> dict[str, str]:
    return {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": trigger_type,
    }


@pytest.mark.usefixtures("init_integration")
async def test_triggers_listed_per_device_kind(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Each kind of device lists exactly the gridX triggers no sensor shows.

    What a binary sensor shows (plug, charging, connection) is Home
    Assistant's own trigger of that sensor (test_trigger_meanings.py).
    """
    await _announce_all(hass, post_webhook)
    expected: dict[str, list[str]] = {
        GATEWAY_ID: list(GATEWAY_TRIGGERS),
        APPLIANCE_ID: list(INVERTER_TRIGGERS),
        METER_ID: [],
        ASSET_ID: list(EV_TRIGGERS),
        STATION_ID: [],
    }
    for resource_id, types in expected.items():
        device_id = _device_id(hass, mock_config_entry, resource_id)
        triggers = await async_get_device_automations(
            hass, DeviceAutomationType.TRIGGER, device_id
        )
        # Entity triggers of the binary sensors and sensors are listed too.
        ours = [
            {key: value for key, value in trigger.items() if key != "metadata"}
            for trigger in triggers
            if trigger["domain"] == DOMAIN
        ]
        assert ours == [_trigger(device_id, t) for t in types], resource_id

    # A charging station that is also a known appliance lists none either.
    await _post(
        hass,
        post_webhook,
        event(
            "appliance/create",
            appliance_data(STATION_ID, type="EVSTATION"),
            time=at(5),
        ),
    )
    assert (
        async_device_trigger_types(
            hass, _device_id(hass, mock_config_entry, STATION_ID)
        )
        == []
    )

    # Not a gridX device, and an unknown device id: nothing.
    other_entry = MockConfigEntry(domain="other")
    other_entry.add_to_hass(hass)
    other = device_registry.async_get_or_create(
        config_entry_id=other_entry.entry_id, identifiers={("other", "x")}
    )
    assert async_device_trigger_types(hass, other.id) == []
    assert async_device_trigger_types(hass, "no-such-device") == []


async def test_no_triggers_when_entry_not_loaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A gridX device of an entry that is not loaded offers nothing."""
    mock_config_entry.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={device_identifier(ACCOUNT_ID, ResourceKind.GATEWAY, GATEWAY_ID)},
    )
    assert async_device_trigger_types(hass, device.id) == []


@pytest.mark.usefixtures("init_integration")
async def test_ev_plugged_in_fires_automation(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    calls: list[ServiceCall],
) -> None:
    """The EV plugged in trigger fires once per plug-in (off → on), not per event."""
    await _post(
        hass,
        post_webhook,
        event("ev/measurement", ev_data(**_measurement("UNPLUGGED"))),
    )
    ev_device = _device_id(hass, mock_config_entry, ASSET_ID)
    await _automation(hass, [_trigger(ev_device, "ev_plugged")])

    plugged = event("ev/plugged", ev_data(state="PLUGGED"), time=at(1))
    await _post(hass, post_webhook, plugged)
    assert [call.data["to"] for call in calls] == ["on"]
    assert calls[0].data["description"].startswith("state of binary_sensor.")

    # The same delivery again (a gridX retry), a second plugged event while
    # plugged in, an unsigned delivery: no new plug-in, no new call.
    await _post(hass, post_webhook, plugged)
    await _post(
        hass, post_webhook, event("ev/plugged", ev_data(state="PLUGGED"), time=at(2))
    )
    response = await post_webhook({**plugged, "id": "unsigned"}, signature=None)
    assert response.status == 401
    await hass.async_block_till_done()
    assert len(calls) == 1

    # Unplugged, then plugged in again: it fires again.
    await _post(
        hass,
        post_webhook,
        event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(3)),
    )
    assert len(calls) == 1
    await _post(
        hass, post_webhook, event("ev/plugged", ev_data(state="PLUGGED"), time=at(4))
    )
    assert len(calls) == 2

    # A reload brings the sensor back "on" (from unavailable): no new call.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert len(calls) == 2


@pytest.mark.usefixtures("init_integration")
async def test_every_trigger_type_fires_on_its_change(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    calls: list[ServiceCall],
) -> None:
    """Every trigger type fires for its change or event on its device, only then."""
    await _announce_all(hass, post_webhook)
    devices = {
        resource_id: _device_id(hass, mock_config_entry, resource_id)
        for resource_id in (GATEWAY_ID, APPLIANCE_ID, METER_ID, ASSET_ID)
    }
    cases = [
        (ASSET_ID, "ev_plugged"),
        (ASSET_ID, "ev_unplugged"),
        (ASSET_ID, "ev_charging_started"),
        (ASSET_ID, "ev_charging_stopped"),
        (ASSET_ID, "ev_charging_failed"),
        (ASSET_ID, "ev_arrived_home"),
        (ASSET_ID, "ev_left_home"),
        (GATEWAY_ID, "gateway_online"),
        (GATEWAY_ID, "gateway_offline"),
        (GATEWAY_ID, "power_limit_set"),
        (GATEWAY_ID, "power_limit_unset"),
        (METER_ID, "appliance_online"),
        (METER_ID, "appliance_offline"),
        (APPLIANCE_ID, "inverter_status_changed"),
        (APPLIANCE_ID, "inverter_problem"),
    ]
    assert {trigger_type for _, trigger_type in cases} == set(TRIGGERS)
    await _automation(
        hass,
        [
            _trigger(devices[resource_id], trigger_type)
            for resource_id, trigger_type in cases
        ],
    )
    alias = {
        trigger_type: f"auto_{index}" for index, (_, trigger_type) in enumerate(cases)
    }
    minute = iter(range(10, 100))

    async def fired_by(event_type: str, data: dict[str, Any]) -> list[str]:
        calls.clear()
        await _post(hass, post_webhook, event(event_type, data, time=at(next(minute))))
        return sorted(call.data["alias"] for call in calls)

    for event_type, data, trigger_type in (
        ("ev/plugged", ev_data(state="PLUGGED"), "ev_plugged"),
        ("ev/unplugged", ev_data(state="UNPLUGGED"), "ev_unplugged"),
        ("ev/charge-started", ev_data(), "ev_charging_started"),
        ("ev/charge-stopped", ev_data(), "ev_charging_stopped"),
        ("gateway/offline", gateway_data(), "gateway_offline"),
        ("gateway/online", gateway_data(), "gateway_online"),
        ("appliance/offline", appliance_data(METER_ID), "appliance_offline"),
        ("appliance/online", appliance_data(METER_ID), "appliance_online"),
    ):
        assert await fired_by(event_type, data) == [alias[trigger_type]], event_type
    # The vehicle leaves and comes back (its location rides on every EV event).
    left = await fired_by("ev/plugged", ev_data(atHome=False, state="PLUGGED"))
    assert left == sorted([alias["ev_left_home"], alias["ev_plugged"]])
    assert await fired_by("ev/unplugged", ev_data(state="UNPLUGGED")) == sorted(
        [alias["ev_arrived_home"], alias["ev_unplugged"]]
    )
    # Events: each delivery fires.
    for fixture, trigger_type in (
        ("ev_charge_failed", "ev_charging_failed"),
        ("power_limit_set", "power_limit_set"),
        ("power_limit_unset", "power_limit_unset"),
    ):
        calls.clear()
        await _post(hass, post_webhook, load_event(f"{fixture}.json"))
        assert [call.data["alias"] for call in calls] == [alias[trigger_type]]
        assert calls[0].data["event_id"] == load_event(f"{fixture}.json")["id"]
    # The inverter's own online change fires neither meter trigger.
    assert await fired_by("appliance/offline", appliance_data()) == []

    changed, problem = alias["inverter_status_changed"], alias["inverter_problem"]
    for status, expected in (
        ("OK", [changed]),
        ("WARNING", sorted([changed, problem])),
        ("ERROR", sorted([changed, problem])),
        ("UNKNOWN", [changed]),
    ):
        data = appliance_data(type="INVERTER", status=status, lastStatus="OK")
        assert await fired_by("inverter/status", data) == expected, status

    # Events with no trigger: a measurement, a ping, an unknown type.
    for fixture in ("ev_measurement", "ping", "unknown_type", "system_action"):
        calls.clear()
        await _post(hass, post_webhook, load_event(f"{fixture}.json"))
        assert calls == [], fixture

    # Turned off, the problem trigger (two partial triggers) detaches fully.
    await hass.services.async_call(
        automation.DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: f"automation.{problem}"},
        blocking=True,
    )
    data = appliance_data(type="INVERTER", status="ERROR", lastStatus="OK")
    assert await fired_by("inverter/status", data) == [changed]


@pytest.mark.usefixtures("init_integration")
async def test_state_trigger_without_its_sensor_is_refused(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A state trigger on a device without its sensor does not attach."""
    device = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={device_identifier(ACCOUNT_ID, ResourceKind.EV, ASSET_ID)},
    )
    await _automation(hass, [_trigger(device.id, "ev_plugged")])
    assert "no sensor for the trigger ev_plugged yet" in caplog.text


@pytest.mark.skipif(
    not HAS_EVENT_RECEIVED_TRIGGER,
    reason="the event.received trigger is new in Home Assistant 2026.4",
)
@pytest.mark.usefixtures("init_integration")
async def test_event_entity_trigger(
    hass: HomeAssistant, post_webhook: PostWebhook, calls: list[ServiceCall]
) -> None:
    """The event entity drives the built-in ``event.received`` trigger."""
    failed = load_event("ev_charge_failed.json")
    await _post(hass, post_webhook, {**failed, "id": "creates-the-entity"})
    ev_entity = entity_id(hass, Platform.EVENT, f"{ASSET_ID}_event")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": {
                    "trigger": "event.received",
                    "target": {"entity_id": ev_entity},
                    "options": {"event_type": ["charge_failed"]},
                },
                "actions": {
                    "action": "test.automation",
                    "data": {"event_id": "{{ trigger.to_state.attributes.event_id }}"},
                },
            }
        },
    )
    await hass.async_block_till_done()

    await _post(hass, post_webhook, failed)
    await _post(hass, post_webhook, failed)  # duplicate
    await _post(hass, post_webhook, load_event("ev_infeasible_charging_goals.json"))
    await _post(hass, post_webhook, {**failed, "id": "second-failure"})

    assert [call.data["event_id"] for call in calls] == [failed["id"], "second-failure"]


@pytest.mark.usefixtures("init_integration")
async def test_burst_fires_once_per_plug_in(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    calls: list[ServiceCall],
) -> None:
    """Shuffled events with 20% duplicates: one call per change the sensor made."""
    await _post(
        hass,
        post_webhook,
        event("ev/measurement", ev_data(**_measurement("UNPLUGGED")), time=at(-1)),
    )
    ev_device = _device_id(hass, mock_config_entry, ASSET_ID)
    await _automation(
        hass,
        [_trigger(ev_device, "ev_plugged"), _trigger(ev_device, "ev_unplugged")],
    )
    plug = entity_id(hass, Platform.BINARY_SENSOR, f"{ASSET_ID}_ev_plugged")
    changes: list[tuple[str, str]] = []

    @callback
    def _record(changed: Event[EventStateChangedData]) -> None:
        old, new = changed.data["old_state"], changed.data["new_state"]
        assert old is not None and new is not None
        changes.append((old.state, new.state))

    async_track_state_change_event(hass, plug, _record)
    rng = random.Random(4)  # noqa: S311 - a reproducible shuffle
    unique = [
        event(
            "ev/plugged" if index % 2 else "ev/unplugged",
            ev_data(state="PLUGGED" if index % 2 else "UNPLUGGED"),
            time=at(0) + timedelta(seconds=index),
            event_id=f"burst-{index:04d}",
        )
        for index in range(400)
    ]
    deliveries = unique + rng.sample(unique, k=100)  # 20% of 500 are duplicates
    rng.shuffle(deliveries)

    for body in deliveries:
        assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()

    assert changes  # the shuffle moves the newest state back and forth
    assert sorted(call.data["to"] for call in calls) == sorted(
        new for old, new in changes if {old, new} == {"on", "off"}
    )
    # Finally the newest event (burst-0399, plugged) wins.
    assert hass.states.get(plug).state == "on"  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
async def test_shuffled_burst_fires_each_trigger_once(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    device_registry: dr.DeviceRegistry,
    calls: list[ServiceCall],
) -> None:
    """test_burst's 2,000 deliveries: each §14a event id fires its trigger once.

    The §14a triggers are event triggers (the others follow sensor states,
    see test_burst_fires_once_per_plug_in). Automations need their devices
    to exist, so the gateways' devices are made first (the store adopts them).
    """
    rng = random.Random(20261128)  # noqa: S311 - a reproducible shuffle
    unique_events, _ = build_burst(rng)
    creates, rest = unique_events[:3], unique_events[3:]
    deliveries = rest + [rng.choice(rest) for _ in range(DUPLICATES)]
    rng.shuffle(deliveries)
    for body in creates:
        await _post(hass, post_webhook, body)

    system_gateway = {
        body["data"]["systemID"]: body["data"]["gatewayID"] for body in creates
    }

    def expected_alias(body: dict[str, Any]) -> str:
        data, kind = body["data"], body["type"]
        if kind.startswith("gateway/"):
            return f"{data['gatewayID']}|gateway_{kind.split('/')[1]}"
        if kind.startswith("appliance/"):
            return f"{data['applianceID']}|appliance_{kind.split('/')[1]}"
        if kind.startswith("ev/"):
            return f"{data['assetID']}|ev_{kind.split('/')[1]}"
        system_id = body["source"].removeprefix("/systems/")
        return f"{system_gateway[system_id]}|power_limit_{kind.rsplit('/', 1)[1]}"

    limits = [body for body in rest if body["type"] in (SET, UNSET)]
    triggers: dict[str, tuple[str, str]] = {}
    for body in limits:
        resource_id, trigger_type = expected_alias(body).split("|")
        triggers[f"{resource_id}|{trigger_type}"] = (resource_id, trigger_type)
    kinds = {"gateway": ResourceKind.GATEWAY, "power": ResourceKind.GATEWAY}
    kinds |= {"appliance": ResourceKind.APPLIANCE, "ev": ResourceKind.EV}
    for resource_id, trigger_type in triggers.values():
        device_registry.async_get_or_create(
            config_entry_id=mock_config_entry.entry_id,
            identifiers={
                device_identifier(
                    ACCOUNT_ID, kinds[trigger_type.split("_")[0]], resource_id
                )
            },
        )
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": alias,
                    "triggers": [
                        _trigger(
                            _device_id(hass, mock_config_entry, resource_id),
                            trigger_type,
                        )
                    ],
                    "actions": {
                        "action": "test.automation",
                        "data": {
                            "alias": alias,
                            "event_id": "{{ trigger.event.data.id }}",
                        },
                    },
                }
                for alias, (resource_id, trigger_type) in triggers.items()
            ]
        },
    )
    await hass.async_block_till_done()

    for start in range(0, len(deliveries), BATCH):
        responses = await asyncio.gather(
            *(post_webhook(body) for body in deliveries[start : start + BATCH])
        )
        assert {response.status for response in responses} == {204}
    await hass.async_block_till_done()

    fired = Counter(call.data["event_id"] for call in calls)
    assert limits
    assert set(fired) == {body["id"] for body in limits}
    assert set(fired.values()) == {1}
    by_id = {call.data["event_id"]: call.data["alias"] for call in calls}
    assert by_id == {body["id"]: expected_alias(body) for body in limits}
    assert len(rest) + DUPLICATES + len(creates) == UNIQUE + DUPLICATES + 3
