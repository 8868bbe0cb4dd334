"""Signed but hostile bodies (issue 7, items 4, 5, 8 and 9), over the real webhook."""

from collections.abc import Generator
from http import HTTPStatus
import json
from typing import Any

from homeassistant.const import (
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.api.models import MAX_ID_LENGTH, MAX_NAME_LENGTH
from custom_components.gridx.const import EVENT_GRIDX

from .conftest import PostWebhook
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    SYSTEM_ID,
    FakePoll,
    appliance_data,
    at,
    demo_poll,
    ev_data,
    event,
    gateway_data,
    get_device,
    patch_poll,
    state_of,
)

pytestmark = pytest.mark.usefixtures("init_integration")

B = Platform.BINARY_SENSOR
S = Platform.SENSOR
LOGGER = "custom_components.gridx"


@pytest.fixture
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter, both online."""
    with patch_poll(demo_poll()) as fake:
        yield fake


@pytest.fixture
def bus_events(hass: HomeAssistant) -> list[Event]:
    """Capture every gridx_event."""
    return async_capture_events(hass, EVENT_GRIDX)


def _measurement(minute: float, **fields: Any) -> dict[str, Any]:
    return event(
        "ev/measurement",
        ev_data(
            chargePower=11_000_000,
            chargeState="CHARGING",
            plugState="PLUGGED",
            isControllable=True,
            stateOfCharge=40.0,
            range=300_000,
            chargeLimit=80.0,
        )
        | fields,
        time=at(minute),
    )


def _ev_state(hass: HomeAssistant) -> dict[str, str]:
    return {
        key: state_of(hass, platform, f"{ASSET_ID}_{key}").state
        for platform, key in (
            (S, "ev_charge_power"),
            (S, "ev_range"),
            (S, "ev_state_of_charge"),
            (S, "ev_charge_limit"),
            (B, "ev_plugged"),
            (B, "ev_charging"),
        )
    }


@pytest.fixture
async def api(hass: HomeAssistant) -> None:
    """Set up the REST API (before any HTTP client starts)."""
    assert await async_setup_component(hass, "api", {})


async def test_item4_unholdable_numbers_invalidate_only_their_field(
    hass: HomeAssistant,
    api: None,
    hass_client: ClientSessionGenerator,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """NaN, infinities and numbers beyond 2**53 drop that field; the rest applies."""
    assert (await post_webhook(_measurement(1))).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    before = _ev_state(hass)
    assert before["ev_charge_power"] == "11000.0"

    # json.dumps writes NaN and -Infinity tokens, which Python's json reads.
    hostile = _measurement(
        2,
        chargePower=10**400,
        range=2**64,
        stateOfCharge=float("nan"),
        chargeLimit=float("-inf"),
        chargeState="STOPPED",
        plugState="UNPLUGGED",
    )
    for minute in (2, 3):  # twice: warned once per type and field
        hostile |= {"id": f"hostile-{minute}", "time": at(minute).isoformat()}
        resp = await post_webhook(hostile)
        assert resp.status == HTTPStatus.NO_CONTENT, await resp.text()
    await hass.async_block_till_done()

    after = _ev_state(hass)
    # The valid fields were applied ...
    assert after["ev_plugged"] == STATE_OFF
    assert after["ev_charging"] == STATE_OFF
    # ... the invalid ones left the state as it was.
    for key in ("ev_charge_power", "ev_range", "ev_state_of_charge", "ev_charge_limit"):
        assert after[key] == before[key]
    assert len(bus_events) == 3
    assert "charge_power" not in bus_events[-1].data["data"]
    for field in ("chargePower", "range", "stateOfCharge", "chargeLimit"):
        warnings = [
            r
            for r in caplog.records
            if r.levelname == "WARNING" and f"with a {field} " in r.getMessage()
        ]
        assert len(warnings) == 1, field

    # Home Assistant stays serviceable: every state serialises.
    client = await hass_client()
    resp = await client.get("/api/states")
    assert resp.status == HTTPStatus.OK


async def test_item4_power_limit_out_of_range_keeps_the_limit(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """A §14a set with an unholdable newLPC turns the limit on, keeps the value."""
    set_event = event("grid-signal-processor/limitation-of-power-consumption/set", {})
    resp = await post_webhook(set_event | {"data": {"newLPC": 4_200_000}})
    assert resp.status == HTTPStatus.NO_CONTENT
    raw = json.dumps(
        set_event | {"id": "lpc-nan", "time": at(1).isoformat(), "data": {}}
    ).replace('"data": {}', '"data": {"newLPC": NaN}')
    resp = await post_webhook(raw.encode())
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert state_of(hass, S, f"{GATEWAY_ID}_power_limit").state == "4200.0"
    assert state_of(hass, B, f"{GATEWAY_ID}_power_limitation").state == STATE_ON


LONG_ID = "x" * (MAX_ID_LENGTH + 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event("gateway/online", gateway_data()) | {"id": LONG_ID}, "id"),
        (event("gateway/online", gateway_data(LONG_ID)), "data.gatewayID"),
        (event("appliance/online", appliance_data(LONG_ID)), "data.applianceID"),
        (event("ev/plugged", ev_data(LONG_ID, state="PLUGGED")), "data.assetID"),
        (
            event("appliance/online", appliance_data(systemID=LONG_ID)),
            "data.systemID",
        ),
        # Also when the rest of the data drifted (no state) or the type is new.
        (event("ev/plugged", ev_data(LONG_ID)), "data.assetID"),
        (event("future/thing", {"gatewayID": LONG_ID}), "data.gatewayID"),
    ],
    ids=[
        "envelope",
        "gateway",
        "appliance",
        "asset",
        "system",
        "asset-drifted",
        "unknown-type",
    ],
)
async def test_item5_overlong_ids_rejected(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    body: dict[str, Any],
    field: str,
) -> None:
    """An id over 128 characters is a 400 naming it; nothing is kept."""
    devices = len(dr.async_get(hass).devices)
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.BAD_REQUEST
    assert await resp.text() == (
        f"invalid event: {field}: is longer than {MAX_ID_LENGTH} characters"
    )
    await hass.async_block_till_done()
    assert bus_events == []
    assert len(dr.async_get(hass).devices) == devices


async def test_item5_ids_at_the_cap_and_long_names(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Ids of exactly 128 characters are fine; names are cut to 255."""
    appliance_id = "a" * MAX_ID_LENGTH
    name = "N" * 1000
    body = event(
        "appliance/create",
        appliance_data(appliance_id, name=name, model="M" * 7_000, type="METER"),
    )
    assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    device = get_device(hass, appliance_id)
    assert device is not None
    assert device.name == name[:MAX_NAME_LENGTH]
    assert device.model == "M" * MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (
            # Last wins would make this ev/measurement a gateway/offline.
            (
                '{"id": "dup-1", "time": "%s", "specVersion": "1.0", "source": "/s",'
                ' "type": "ev/measurement", "type": "gateway/offline", "data": %s}'
            ),
            "type",
        ),
        (
            (
                '{"id": "dup-2", "time": "%s", "specVersion": "1.0", "source": "/s",'
                ' "type": "gateway/offline", "data": %s}'
            ),
            "gatewayID",
        ),
    ],
    ids=["envelope", "data"],
)
async def test_item8_duplicate_keys_rejected(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    raw: str,
    key: str,
) -> None:
    """A body with a key twice, at any level, is a 400 and changes nothing."""
    data = json.dumps(gateway_data())
    if key == "gatewayID":
        data = data.replace("{", '{"gatewayID": "other", ', 1)
    body = (raw % (at(1).isoformat(), data)).encode()
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.BAD_REQUEST
    assert await resp.text() == f"invalid event: body: has a duplicate key '{key}'"
    await hass.async_block_till_done()
    assert bus_events == []
    assert state_of(hass, B, f"{GATEWAY_ID}_gateway_connection").state == STATE_ON


async def test_item9_schema_drift_fires_and_applies_what_it_can(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A known type whose data fails validation: 204, fired raw, type+ids applied."""
    drifted = ev_data(state="PLUGGED", atHome="yes")  # atHome is a boolean
    del drifted["issuedAt"]  # required
    for minute in (1, 2):
        resp = await post_webhook(event("ev/plugged", drifted, time=at(minute)))
        assert resp.status == HTTPStatus.NO_CONTENT, await resp.text()
    offline = event(
        "gateway/offline", gateway_data(gatewayName=42), time=at(3)
    )  # gatewayName is a string
    assert (await post_webhook(offline)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()

    # The EV device exists and is plugged (a state: no event entity fires).
    ev_device = get_device(hass, ASSET_ID)
    assert ev_device is not None
    assert state_of(hass, B, f"{ASSET_ID}_ev_plugged").state == STATE_ON
    assert state_of(hass, B, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF

    # gridx_event carries the raw data, the ids and the device.
    plugged = bus_events[0].data
    assert plugged["type"] == "ev/plugged"
    assert plugged["data"] == drifted
    assert plugged["asset_id"] == ASSET_ID
    assert plugged["gateway_id"] == GATEWAY_ID
    assert plugged["system_id"] == SYSTEM_ID
    assert plugged["device_id"] == ev_device.id
    assert [e.data["type"] for e in bus_events] == ["ev/plugged"] * 2 + [
        "gateway/offline"
    ]

    # Warned once per type and field.
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len([w for w in warnings if "ev/plugged data" in w]) == 1
    assert len([w for w in warnings if "gateway/offline data" in w]) == 1
    assert any("data.issuedAt: is required" in w for w in warnings)


async def test_item9_drift_applies_no_data_fields(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Drifted data moves no value: only what the type implies."""
    lpc_type = "grid-signal-processor/limitation-of-power-consumption/set"
    lpc = event(lpc_type, {"newLPC": 4_200_000}, time=at(1))
    assert (await post_webhook(lpc)).status == HTTPStatus.NO_CONTENT
    assert (await post_webhook(_measurement(1))).status == HTTPStatus.NO_CONTENT
    stopped = ev_data(chargePower="0", state="STOPPED", stateOfCharge=99.0)
    assert (
        await post_webhook(event("ev/charge-stopped", stopped, time=at(2)))
    ).status == HTTPStatus.NO_CONTENT
    lpc = event(lpc_type, {"newLPC": "9000000"}, time=at(3))
    assert (await post_webhook(lpc)).status == HTTPStatus.NO_CONTENT
    offline = event("appliance/offline", appliance_data(name=7), time=at(4))
    assert (await post_webhook(offline)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert state_of(hass, B, f"{ASSET_ID}_ev_charging").state == STATE_OFF
    assert state_of(hass, S, f"{ASSET_ID}_ev_charge_power").state == "11000.0"
    assert state_of(hass, S, f"{ASSET_ID}_ev_state_of_charge").state == "40.0"
    assert state_of(hass, B, f"{GATEWAY_ID}_power_limitation").state == STATE_ON
    assert state_of(hass, S, f"{GATEWAY_ID}_power_limit").state == "4200.0"
    assert state_of(hass, B, f"{APPLIANCE_ID}_appliance_connection").state == (
        STATE_OFF
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {k: v for k, v in event("ev/plugged", ev_data()).items() if k != "time"},
            "time",
        ),
        (event("ev/plugged", ev_data()) | {"data": []}, "data"),
        (event("ev/plugged", ev_data()) | {"type": 3}, "type"),
    ],
    ids=["no-time", "data-array", "type-number"],
)
async def test_item9_invalid_envelope_is_still_400(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    body: dict[str, Any],
    field: str,
) -> None:
    """Only an invalid envelope is a 400."""
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.BAD_REQUEST
    assert (await resp.text()).startswith(f"invalid event: {field}: ")
    await hass.async_block_till_done()
    assert bus_events == []


async def test_item9_drifted_delete_deletes_nothing(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """A deletion is only applied from data that validates."""
    drifted = event("appliance/delete", appliance_data(name=7), time=at(1))
    assert (await post_webhook(drifted)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert [e.data["type"] for e in bus_events] == ["appliance/delete"]
    assert get_device(hass, APPLIANCE_ID) is not None
    assert state_of(hass, B, f"{APPLIANCE_ID}_appliance_connection").state == STATE_ON


# Issue 20 §1: text no one can store, in a correctly signed body.
NEW_GATEWAY = "c0ffee00-0000-4000-8000-000000000020"
NEW_APPLIANCE = "c0ffee00-0000-4000-8000-000000000021"
BAD_TEXT = "holds an unpaired UTF-16 surrogate or NUL"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event("gateway/online", gateway_data()) | {"id": "evt-\ud800"}, "id"),
        (
            event("gateway/create", gateway_data(NEW_GATEWAY, gatewayName="gw\ud800x")),
            "data.gatewayName",
        ),
        (
            event(
                "appliance/create",
                appliance_data(NEW_APPLIANCE, NEW_GATEWAY, name="Inverter\x00"),
            ),
            "data.name",
        ),
        # Data that does not validate is fired raw: checked all the same.
        (
            event(
                "ev/plugged",
                {"assetID": NEW_APPLIANCE, "notes": [{"deep": ["ok", "x\udc00"]}]},
            ),
            "data.notes[0].deep[1]",
        ),
        (event("future/thing", {"gatewayID": NEW_GATEWAY, "x": "\x00"}), "data.x"),
        (
            event("appliance/create", appliance_data(NEW_APPLIANCE, NEW_GATEWAY))
            | {"source\ud83d": "/s"},
            "<key>",
        ),
    ],
    ids=["envelope-id", "gateway-name", "nul-name", "unvalidated", "unknown", "key"],
)
async def test_issue20_unstorable_text_rejected(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    post_webhook: PostWebhook,
    bus_events: list[Event],
    body: dict[str, Any],
    field: str,
) -> None:
    """A lone surrogate or NUL anywhere: 400, nothing kept, everything saves.

    Before, such a body was acknowledged and from then on neither the gridX
    store nor Home Assistant's device registry (for every integration) could
    be written.
    """
    store = init_integration.runtime_data.store
    devices = len(dr.async_get(hass).devices)
    seen = store.seen_count
    # json.dumps writes a lone surrogate as the escape "\ud800": valid JSON.
    raw = json.dumps(body).encode()
    assert b"\\u" in raw
    resp = await post_webhook(raw)
    assert resp.status == HTTPStatus.BAD_REQUEST
    assert await resp.text() == f"invalid event: {field}: {BAD_TEXT}"
    await hass.async_block_till_done()
    assert bus_events == []
    assert len(dr.async_get(hass).devices) == devices
    assert store.seen_count == seen  # not remembered: a clean retry is new
    assert get_device(hass, NEW_GATEWAY) is None
    assert get_device(hass, NEW_APPLIANCE) is None

    # The same delivery id, cleaned, is new; it names a new device.
    good_id = body["id"] if field != "id" else "evt-good"
    good = event(
        "gateway/create",
        gateway_data(NEW_GATEWAY, gatewayName="Good gridBox"),
        event_id=good_id,
    )
    assert (await post_webhook(good)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert [e.data["id"] for e in bus_events] == [good_id]

    # Both files save, and hold the new device and the delivery.
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    registry = hass_storage["core.device_registry"]["data"]["devices"]
    assert "Good gridBox" in [device["name"] for device in registry]
    gridx = hass_storage[f"gridx.{init_integration.entry_id}"]["data"]
    assert good_id in gridx["seen"]["ids"].split("\n")
    names = {r["id"]: r.get("name") for r in gridx["resources"]}
    assert names[NEW_GATEWAY] == "Good gridBox"
    assert NEW_APPLIANCE not in names
    assert "\\u0000" not in json.dumps(gridx)
