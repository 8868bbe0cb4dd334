"""A new gridBox shows what is known, and nothing that stays "Unknown"."""

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .gridx_state import GATEWAY_ID, demo_poll, patch_poll, state_of


async def test_fresh_gridbox_has_no_unknown_state(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """After the first poll every entity of the entry has a state it knows.

    The §14a limit value, the inverter's status and the event entities come
    with their first event; the §14a limitation is "not limited" until gridX
    pushes a signal.
    """
    with patch_poll(demo_poll()):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    entities = er.async_entries_for_config_entry(
        er.async_get(hass), mock_config_entry.entry_id
    )
    assert entities
    states = {
        entity.entity_id: getattr(hass.states.get(entity.entity_id), "state", None)
        for entity in entities
    }
    assert {
        entity_id: state
        for entity_id, state in states.items()
        if state in (None, STATE_UNKNOWN, STATE_UNAVAILABLE)
    } == {}
    assert (
        state_of(hass, Platform.BINARY_SENSOR, f"{GATEWAY_ID}_power_limitation").state
        == "off"
    )
    assert hass.states.async_all(Platform.EVENT) == []
