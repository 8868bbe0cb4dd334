"""The EV's Location: an enum sensor (home/away), and its migration.

Minor version 3 replaces the presence binary sensor of earlier versions:
the old entity is removed at setup, the sensor takes its object id, and a
repair issue names the automations and scripts that still use the old id.
"""

from collections.abc import Generator
from typing import Any

from homeassistant.components import automation, script
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.const import DOMAIN, ENTRY_MINOR_VERSION, ResourceKind
from custom_components.gridx.state.identity import device_identifier, entity_unique_id

from .conftest import ACCOUNT_ID, PostWebhook, load_event
from .gridx_state import ASSET_ID, FakePoll, at, ev_data, event, patch_poll, state_of
from .ha_compat import mock_restore_cache

S = Platform.SENSOR
OLD_ENTITY = "binary_sensor.electric_vehicle_9876_location"
NEW_ENTITY = "sensor.electric_vehicle_9876_location"
OLD_UNIQUE_ID = entity_unique_id(ACCOUNT_ID, ResourceKind.EV, ASSET_ID, "ev_at_home")
NEW_UNIQUE_ID = entity_unique_id(ACCOUNT_ID, ResourceKind.EV, ASSET_ID, "ev_location")
ISSUE = "location_entity_replaced"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Answer the coordinator's polls with nothing (no gateways)."""
    with patch_poll() as fake:
        yield fake


@pytest.fixture
async def webhook(hass: HomeAssistant) -> None:
    """Set up webhook (and http) before the entry, for ``post_webhook``."""
    assert await async_setup_component(hass, "webhook", {})


def _issues(issue_registry: ir.IssueRegistry) -> list[ir.IssueEntry]:
    return [
        issue
        for issue in issue_registry.issues.values()
        if issue.domain == DOMAIN and issue.translation_key == ISSUE
    ]


async def _post(hass: HomeAssistant, post_webhook: PostWebhook, body: Any) -> None:
    assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_location_sensor(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """``atHome`` of every EV event: home or away; newer wins; unknown if absent."""
    await _post(
        hass,
        post_webhook,
        event("ev/plugged", ev_data(state="PLUGGED", atHome=True), time=at(1)),
    )
    state = state_of(hass, S, f"{ASSET_ID}_ev_location")
    assert state.entity_id == NEW_ENTITY
    assert state.state == "home"
    assert state.attributes["device_class"] == "enum"
    assert state.attributes["options"] == ["home", "away"]
    assert state.attributes["friendly_name"] == "Electric vehicle 9876 Location"
    assert (
        er.async_get(hass).async_get_entity_id(
            Platform.BINARY_SENSOR, DOMAIN, OLD_UNIQUE_ID
        )
        is None
    )

    await _post(
        hass,
        post_webhook,
        event("ev/unplugged", ev_data(state="UNPLUGGED", atHome=False), time=at(2)),
    )
    assert hass.states.get(NEW_ENTITY).state == "away"  # type: ignore[union-attr]
    # An older event does not bring it back home.
    await _post(
        hass,
        post_webhook,
        event("ev/charge-stopped", ev_data(atHome=True, state="STOPPED"), time=at(1.5)),
    )
    assert hass.states.get(NEW_ENTITY).state == "away"  # type: ignore[union-attr]

    # An event without atHome (infeasible charging goals may omit it) leaves
    # the location as it is, like every value an event does not carry.
    goals = load_event("ev_infeasible_charging_goals.json")
    goals["data"].pop("atHome", None)
    goals["time"] = at(3).isoformat().replace("+00:00", "Z")
    await _post(hass, post_webhook, goals)
    assert hass.states.get(NEW_ENTITY).state == "away"  # type: ignore[union-attr]


async def test_location_not_a_boolean_is_unknown(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A restored value that is not a boolean shows unknown, not home or away."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {"resources": [{"kind": "ev", "id": ASSET_ID}]},
    }
    mock_config_entry.add_to_hass(hass)
    er.async_get(hass).async_get_or_create(
        S,
        DOMAIN,
        NEW_UNIQUE_ID,
        config_entry=mock_config_entry,
        suggested_object_id="electric_vehicle_9876_location",
    )
    stamped = {"value": "maybe", "time": at(1).isoformat(), "source": "push"}
    mock_restore_cache(
        hass, [(NEW_UNIQUE_ID, State(NEW_ENTITY, "home"), {"stamped": stamped})]
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(NEW_ENTITY).state == STATE_UNKNOWN  # type: ignore[union-attr]


async def test_location_survives_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """Like the other pushed sensors, the location comes back with its time."""
    await _post(
        hass,
        post_webhook,
        event("ev/unplugged", ev_data(state="UNPLUGGED", atHome=False), time=at(10)),
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(NEW_ENTITY).state == "away"  # type: ignore[union-attr]
    # Older than the kept value: ignored.
    await _post(
        hass,
        post_webhook,
        event("ev/plugged", ev_data(state="PLUGGED", atHome=True), time=at(5)),
    )
    assert hass.states.get(NEW_ENTITY).state == "away"  # type: ignore[union-attr]


def _old_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, **old: Any
) -> MockConfigEntry:
    """Return an entry of minor version 2 with the old binary sensor registered."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        minor_version=2,
        data=dict(mock_config_entry.data),
    )
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={device_identifier(ACCOUNT_ID, ResourceKind.EV, ASSET_ID)},
        name="Electric vehicle 9876",
    )
    ent_reg = er.async_get(hass)
    registered = ent_reg.async_get_or_create(
        Platform.BINARY_SENSOR,
        DOMAIN,
        OLD_UNIQUE_ID,
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="electric_vehicle_9876_location",
        original_device_class="presence",
        translation_key="ev_at_home",
    )
    if old:
        ent_reg.async_update_entity(registered.entity_id, **old)
    return entry


async def _users(hass: HomeAssistant, entity: str) -> None:
    """Set up an automation and a script that use ``entity``, and one that does not."""
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "id": "car_home",
                    "alias": "Car home",
                    "triggers": {
                        "trigger": "state",
                        "entity_id": entity,
                        "to": "on",
                    },
                    "actions": [],
                },
                {
                    "id": "unrelated",
                    "alias": "Unrelated",
                    "triggers": {"trigger": "event", "event_type": "x"},
                    "actions": [],
                },
            ]
        },
    )
    assert await async_setup_component(
        hass,
        script.DOMAIN,
        {
            script.DOMAIN: {
                "car_check": {
                    "sequence": [
                        {"condition": "state", "entity_id": entity, "state": "on"}
                    ]
                }
            }
        },
    )
    await hass.async_block_till_done()


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await _post(hass, post_webhook, event("ev/plugged", ev_data(state="PLUGGED")))


async def test_migration_replaces_the_binary_sensor(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    webhook: None,
    post_webhook: PostWebhook,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The old entity goes, the sensor takes its object id and settings; no issue."""
    entry = _old_entry(hass, mock_config_entry, name="Car at home", area_id="garage")
    await _users(hass, "binary_sensor.unrelated")
    await _setup(hass, entry, post_webhook)

    assert entry.minor_version == ENTRY_MINOR_VERSION == 3
    assert entity_registry.async_get(OLD_ENTITY) is None
    new = entity_registry.async_get(NEW_ENTITY)
    assert new is not None
    assert (new.unique_id, new.name, new.area_id) == (
        NEW_UNIQUE_ID,
        "Car at home",
        "garage",
    )
    assert hass.states.get(NEW_ENTITY).state == "home"  # type: ignore[union-attr]
    assert hass.states.get(OLD_ENTITY) is None
    assert not _issues(issue_registry)


async def test_migration_issue_names_the_users(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    webhook: None,
    post_webhook: PostWebhook,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An automation and a script use the old id: one issue names them and the new id."""
    entry = _old_entry(hass, mock_config_entry)
    await _users(hass, OLD_ENTITY)
    await _setup(hass, entry, post_webhook)

    assert entity_registry.async_get(OLD_ENTITY) is None
    assert hass.states.get(NEW_ENTITY).state == "home"  # type: ignore[union-attr]
    issues = _issues(issue_registry)
    assert [i.issue_id for i in issues] == [f"{ISSUE}_{entry.entry_id}_{OLD_ENTITY}"]
    issue = issues[0]
    assert issue.translation_key == ISSUE
    assert issue.is_persistent
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "entity_id": OLD_ENTITY,
        "new_entity_id": NEW_ENTITY,
        "items": "- [Car home](/config/automation/edit/car_home)\n"
        "- [car_check](/config/script/edit/car_check)",
    }

    # The step runs once: a reload raises nothing new.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _issues(issue_registry) == issues
    # Removing the entry removes its issue.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not _issues(issue_registry)


async def test_migration_disabled_binary_sensor(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    webhook: None,
    post_webhook: PostWebhook,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A binary sensor the user disabled: the sensor is disabled too, no issue."""
    entry = _old_entry(
        hass, mock_config_entry, disabled_by=er.RegistryEntryDisabler.USER
    )
    await _users(hass, OLD_ENTITY)
    await _setup(hass, entry, post_webhook)

    new = entity_registry.async_get(NEW_ENTITY)
    assert new is not None
    assert new.disabled_by is er.RegistryEntryDisabler.USER
    assert hass.states.get(NEW_ENTITY) is None
    assert not _issues(issue_registry)
