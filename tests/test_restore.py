"""State across restarts: values and their times are restored."""

from collections.abc import Generator
from typing import Any

from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.state.identity import entity_unique_id

from .conftest import ACCOUNT_ID, PostWebhook
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    at,
    ev_data,
    event,
    gateway_data,
    patch_poll,
    state_of,
)
from .ha_compat import mock_restore_cache

BS = Platform.BINARY_SENSOR
S = Platform.SENSOR
GATEWAY_ENTITY = "binary_sensor.my_gridbox_connection"
EV_SOC_ENTITY = "sensor.electric_vehicle_state_of_charge"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """An empty poll: restored state is all there is."""
    with patch_poll() as poll:
        yield poll


def _uid(kind: ResourceKind, resource_id: str, key: str) -> str:
    """Return the unique id of one entity of the mock entry's account."""
    return entity_unique_id(ACCOUNT_ID, kind, resource_id, key)


def register(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    restored: list[tuple[str, State, dict[str, Any]]],
) -> None:
    """Register the entities an earlier version created (restore data is theirs)."""
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    for unique_id, state, _ in restored:
        domain, object_id = state.entity_id.split(".")
        registry.async_get_or_create(
            domain,
            DOMAIN,
            unique_id,
            config_entry=entry,
            suggested_object_id=object_id,
        )
    mock_restore_cache(hass, restored)


def stamped(value: Any, minutes: float) -> dict[str, Any]:
    """Return the extra restore data of a value stamped at T0 + minutes."""
    return {
        "stamped": {"value": value, "time": at(minutes).isoformat(), "source": "push"}
    }


@pytest.fixture
def restored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A previous run knew the gateway (offline at T0+10) and the EV (SoC 55 at T0+10)."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "resources": [
                {"kind": "gateway", "id": GATEWAY_ID, "name": "My gridBox"},
                {"kind": "ev", "id": ASSET_ID, "gateway_id": GATEWAY_ID},
                {"kind": "bogus", "id": "x"},
            ],
            "seen": [["already-seen", at(0).isoformat()]],
            "tombstones": {},
        },
    }
    register(
        hass,
        mock_config_entry,
        [
            (
                _uid(ResourceKind.GATEWAY, GATEWAY_ID, "gateway_connection"),
                State(GATEWAY_ENTITY, STATE_OFF),
                stamped(False, 10),
            ),
            (
                _uid(ResourceKind.EV, ASSET_ID, "ev_state_of_charge"),
                State(EV_SOC_ENTITY, "55.0"),
                stamped(55.0, 10),
            ),
        ],
    )


@pytest.mark.usefixtures("restored", "init_integration")
async def test_restored_before_any_event(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """States come back with their times: older events still lose, newer ones win."""
    assert hass.states.get(GATEWAY_ENTITY).state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get(EV_SOC_ENTITY).state == "55.0"  # type: ignore[union-attr]

    # Older than the restored times: ignored.
    await post_webhook(event("gateway/online", gateway_data(), time=at(5)))
    await post_webhook(
        event(
            "ev/charge-started",
            ev_data(chargePower=1000, state="CHARGING", stateOfCharge=20.0),
            time=at(5),
        )
    )
    await hass.async_block_till_done()
    assert hass.states.get(GATEWAY_ENTITY).state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get(EV_SOC_ENTITY).state == "55.0"  # type: ignore[union-attr]

    # Newer: applied.
    await post_webhook(event("gateway/online", gateway_data(), time=at(15)))
    await hass.async_block_till_done()
    assert hass.states.get(GATEWAY_ENTITY).state == STATE_ON  # type: ignore[union-attr]


@pytest.mark.usefixtures("restored")
async def test_restored_seen_ids(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """Event ids seen before the restart are still duplicates."""
    await post_webhook(
        event("gateway/online", gateway_data(), time=at(30), event_id="already-seen")
    )
    await hass.async_block_till_done()
    assert hass.states.get(GATEWAY_ENTITY).state == STATE_OFF  # type: ignore[union-attr]
    assert init_integration.runtime_data.store.stats.duplicates == 1


async def test_reload_keeps_state_and_times(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """Unload and set up again (a restart of the entry): state and times survive."""
    await post_webhook(event("gateway/offline", gateway_data(), time=at(10)))
    await post_webhook(event("ev/plugged", ev_data(state="PLUGGED"), time=at(10)))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF
    assert state_of(hass, BS, f"{ASSET_ID}_ev_plugged").state == STATE_ON
    await post_webhook(event("gateway/online", gateway_data(), time=at(5)))
    await post_webhook(event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(5)))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF
    assert state_of(hass, BS, f"{ASSET_ID}_ev_plugged").state == STATE_ON


@pytest.fixture
def garbage(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A previous run left restore data of the wrong shape, or none."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "resources": [
                {"kind": "ev", "id": ASSET_ID},
                {
                    "kind": "appliance",
                    "id": APPLIANCE_ID,
                    "name": "Roof inverter",
                    "appliance_type": "INVERTER",
                },
            ]
        },
    }
    register(
        hass,
        mock_config_entry,
        [
            (
                _uid(ResourceKind.EV, ASSET_ID, "ev_state_of_charge"),
                State(EV_SOC_ENTITY, "junk"),
                stamped("junk", 1),
            ),
            (
                _uid(ResourceKind.APPLIANCE, APPLIANCE_ID, "inverter_problem"),
                State("binary_sensor.roof_inverter_inverter_problem", "on"),
                stamped("junk", 1),
            ),
            (
                _uid(ResourceKind.APPLIANCE, APPLIANCE_ID, "inverter_status"),
                State("sensor.roof_inverter_inverter_status", "ok"),
                stamped([1], 1),
            ),
            (
                _uid(ResourceKind.EV, ASSET_ID, "ev_plugged"),
                State("binary_sensor.electric_vehicle_plugged_in", "on"),
                {"stamped": None},
            ),
        ],
    )


@pytest.mark.usefixtures("garbage", "init_integration")
async def test_restored_garbage_is_unknown(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Restored values of the wrong shape show as unknown, not as errors.

    A registered entity comes back at setup and decides from its own restore
    data; with nothing there at all it is unavailable (never "Unknown" for
    ever) until its first value arrives.
    """
    for entity_id in (
        EV_SOC_ENTITY,
        "binary_sensor.roof_inverter_inverter_problem",
        "sensor.roof_inverter_inverter_status",
    ):
        assert hass.states.get(entity_id).state == STATE_UNKNOWN, entity_id  # type: ignore[union-attr]
    plugged = "binary_sensor.electric_vehicle_plugged_in"
    assert hass.states.get(plugged).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    await post_webhook(event("ev/plugged", ev_data(state="PLUGGED"), time=at(10)))
    await hass.async_block_till_done()
    assert hass.states.get(plugged).state == STATE_ON  # type: ignore[union-attr]


async def test_only_the_platforms_own_registered_entities_come_back(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A unique id registered on another platform creates no entity here."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 2,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {"resources": [{"kind": "ev", "id": ASSET_ID}]},
    }
    mock_config_entry.add_to_hass(hass)
    # The sensor's unique id, but registered as a binary sensor.
    er.async_get(hass).async_get_or_create(
        BS,
        DOMAIN,
        _uid(ResourceKind.EV, ASSET_ID, "ev_state_of_charge"),
        config_entry=mock_config_entry,
        suggested_object_id="not_a_sensor",
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(EV_SOC_ENTITY) is None
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), mock_config_entry.entry_id
        )
        # The entry's own Updates sensor (the mode) is not from the store.
        if entry.domain == S and not entry.unique_id.endswith("_account_updates")
    ]
