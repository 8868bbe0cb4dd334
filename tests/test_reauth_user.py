"""Reauth and reconfigure with another user's token (issue 7 item 18)."""

from collections.abc import AsyncGenerator

from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_RECONFIGURE, ConfigEntry
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
import pytest

from custom_components.gridx.const import CONF_ADVANCED, CONF_API_BASE, CONF_USER_ID
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import User, new_id

from .emulator_fixtures import DEMO_TOKEN
from .test_config_flow import (
    FEW_TYPES,
    async_create_entry,
    ha_client,  # noqa: F401 - a fixture
    start_flow,
)

pytestmark = pytest.mark.usefixtures("ha_client")

OTHER_TOKEN = "gxp_other_user"


@pytest.fixture
def other_user(emulator: GridxEmulator, demo_ids: DemoIds) -> str:
    """Add a second user (with a token) to the demo account; return its id."""
    user = User(id=new_id(), account_id=demo_ids.account_id, email="b@example.invalid")
    emulator.state.users[user.id] = user
    emulator.add_token(OTHER_TOKEN, user_id=user.id)
    return user.id


@pytest.fixture
async def entry_of(
    hass: HomeAssistant, emulator: GridxEmulator, request: pytest.FixtureRequest
) -> AsyncGenerator[ConfigEntry]:
    """Return an entry made with the method ``request.param``; unload after."""
    entry = await async_create_entry(
        hass, emulator, method=request.param, event_types=FEW_TYPES
    )
    yield entry
    await hass.async_block_till_done()
    if hass.config_entries.async_get_entry(entry.entry_id) is not None:
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("entry_of", ["rules"], indirect=True)
@pytest.mark.usefixtures("other_user")
async def test_item18_reauth_other_user_refused_for_rules(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    entry_of: ConfigEntry,
) -> None:
    """Rules belong to their user: another user's token is refused, clearly."""
    rules = set(emulator.state.rules)
    result = await start_flow(hass, entry_of, SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: OTHER_TOKEN}
    )
    assert result["errors"] == {"base": "wrong_user"}
    assert entry_of.data[CONF_API_TOKEN] == DEMO_TOKEN

    # Recover with a new token of the same user.
    emulator.add_token("gxp_same_user", user_id=demo_ids.user_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "gxp_same_user"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry_of.data[CONF_API_TOKEN] == "gxp_same_user"
    assert set(emulator.state.rules) == rules

    # Removal can still delete them all.
    await hass.config_entries.async_remove(entry_of.entry_id)
    await hass.async_block_till_done()
    assert emulator.state.rules == {}


@pytest.mark.parametrize("entry_of", ["rules"], indirect=True)
@pytest.mark.usefixtures("other_user")
async def test_item18_reconfigure_other_user_refused_for_rules(
    hass: HomeAssistant, emulator: GridxEmulator, entry_of: ConfigEntry
) -> None:
    """Reconfigure (same API) refuses another user's token the same way."""
    rules = set(emulator.state.rules)
    result = await start_flow(hass, entry_of, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_API_TOKEN: OTHER_TOKEN,
            CONF_ADVANCED: {CONF_API_BASE: emulator.base_url},
        },
    )
    assert result["errors"] == {"base": "wrong_user"}
    assert entry_of.data[CONF_API_TOKEN] == DEMO_TOKEN
    assert set(emulator.state.rules) == rules


@pytest.mark.parametrize("entry_of", ["subscription"], indirect=True)
async def test_item18_subscription_may_change_user(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    entry_of: ConfigEntry,
    other_user: str,
) -> None:
    """A subscription belongs to the account: another user's token may take it."""
    [subscription] = emulator.state.subscriptions.values()
    result = await start_flow(hass, entry_of, SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: OTHER_TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry_of.data[CONF_USER_ID] == other_user

    await hass.config_entries.async_remove(entry_of.entry_id)
    await hass.async_block_till_done()
    assert subscription.id not in emulator.state.subscriptions
