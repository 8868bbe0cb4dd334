"""gridX acted but its answer was lost (issue 7 items 14 and 15)."""

from collections.abc import AsyncGenerator
from datetime import timedelta

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.gridx.const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_EVENT_TYPES,
    CONF_RULE_IDS,
    CONF_SECRETS,
    CONF_SUBSCRIPTION_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
)
from custom_components.gridx.flow.options import options_of
from custom_components.gridx.registration.lifecycle import RETRY_DELAY
from custom_components.gridx.registration.reachability import PING_TIMEOUT
from gridx_emulator import DemoIds, GridxEmulator

from .test_config_flow import (
    CLOUDHOOK_URL,
    FEW_TYPES,
    CloudMock,
    async_create_entry,
    cloud_active,  # noqa: F401 - a fixture
    ha_client,  # noqa: F401 - a fixture
    second_emulator,  # noqa: F401 - a fixture
    start_flow,
    start_token_flow,
    user_input,
)
from .test_registration import make_entry, our_url
from .test_registration_races import delivered

pytestmark = pytest.mark.usefixtures("ha_client")


@pytest.fixture
async def loaded_entries(hass: HomeAssistant) -> AsyncGenerator[list[ConfigEntry]]:
    """Collect entries to unload after the test."""
    entries: list[ConfigEntry] = []
    yield entries
    await hass.async_block_till_done()
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)


async def start_registering(hass: HomeAssistant, emulator: GridxEmulator) -> str:
    """Open the flow at the token step (whose submission registers); its id."""
    result = await start_token_flow(hass)
    assert result["step_id"] == "token"
    return str(result["flow_id"])


@pytest.mark.parametrize(
    ("api_enabled", "endpoint"),
    [(True, "create_webhook"), (False, "create_rule")],
    ids=["subscription", "rules"],
)
async def test_item14_lost_create_is_not_adopted(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded_entries: list[ConfigEntry],
    api_enabled: bool,
    endpoint: str,
) -> None:
    """Submit again after a lost create: deliveries verify, nothing is doubled."""
    emulator.state.webhooks_api_enabled = api_enabled
    flow_id = await start_registering(hass, emulator)
    emulator.faults.add(endpoint, lost=True)
    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(emulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    # gridX holds what the lost call created, with a secret we never saw.
    assert len(emulator.state.subscriptions) + len(emulator.state.rules) == 1

    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    loaded_entries.append(entry)
    await emulator.join_background()
    await hass.async_block_till_done()

    if api_enabled:
        [subscription] = emulator.state.subscriptions.values()
        assert subscription.secrets[-1] in entry.data[CONF_SECRETS]
        assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    else:
        rules = list(emulator.state.rules.values())
        assert sorted(r.event_type for r in rules) == sorted(DEFAULT_EVENT_TYPES)
        assert {r.secret for r in rules} == {entry.data[CONF_SECRETS][-1]}
        assert sorted(entry.data[CONF_RULE_IDS]) == sorted(r.id for r in rules)
    assert await delivered(emulator, demo_ids) == [204]


@pytest.mark.parametrize(
    ("api_enabled", "endpoint"),
    [(True, "create_webhook"), (False, "create_rule")],
    ids=["subscription", "rules"],
)
async def test_item14_cancelled_flow_deletes_what_it_created(
    hass: HomeAssistant, emulator: GridxEmulator, api_enabled: bool, endpoint: str
) -> None:
    """A flow given up after a lost create leaves nothing at gridX."""
    emulator.state.webhooks_api_enabled = api_enabled
    flow_id = await start_registering(hass, emulator)
    emulator.faults.add(endpoint, lost=True)
    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(emulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    foreign = emulator.add_subscription("https://example.com/theirs", FEW_TYPES)

    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()

    assert list(emulator.state.subscriptions) == [foreign.id]
    assert emulator.state.rules == {}


async def test_item14_finished_flow_deletes_nothing(
    hass: HomeAssistant, emulator: GridxEmulator, loaded_entries: list[ConfigEntry]
) -> None:
    """The clean-up is only for unfinished flows: an entry keeps its registration."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    await hass.async_block_till_done()
    assert [s.id for s in emulator.state.subscriptions.values()] == [
        entry.data[CONF_SUBSCRIPTION_ID]
    ]


@pytest.mark.parametrize("rotate_fault", [None, 422], ids=["rotated", "replaced"])
async def test_item14_unknown_secret_is_never_kept(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded_entries: list[ConfigEntry],
    rotate_fault: int | None,
) -> None:
    """A subscription for our URL whose secret we lack is rotated or replaced."""
    unknown = emulator.add_subscription(our_url(hass), FEW_TYPES)
    if rotate_fault is not None:
        emulator.faults.add("rotate_secret", status=rotate_fault)
    entry = make_entry(emulator, demo_ids)
    entry.add_to_hass(hass)
    loaded_entries.append(entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    [subscription] = emulator.state.subscriptions.values()
    assert (subscription.id == unknown.id) is (rotate_fault is None)
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert entry.data[CONF_SECRETS][-1] == subscription.secrets[-1]
    await emulator.join_background()
    await hass.async_block_till_done()
    assert await delivered(emulator, demo_ids) == [204]


async def test_item14_secret_mismatch_issue_names_the_secret(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    loaded_entries: list[ConfigEntry],
) -> None:
    """The test delivery arrives but does not verify: the issue says secret.

    Home Assistant then renews the secret once, and the next test delivery
    verifies and clears the issue.
    """
    url = our_url(hass)
    subscription = emulator.add_subscription(url, FEW_TYPES)
    entry = make_entry(
        emulator,
        demo_ids,
        **{CONF_SUBSCRIPTION_ID: subscription.id, CONF_WEBHOOK_URL: url},
    )
    entry.add_to_hass(hass)
    loaded_entries.append(entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await emulator.join_background()
    await hass.async_block_till_done()
    [ping] = [d for d in emulator.deliveries if d.kind == "subscription"]
    assert ping.status == 401

    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=PING_TIMEOUT + 1)
    )
    issue = issue_registry.async_get_issue(
        DOMAIN, f"webhook_unreachable_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "webhook_secret_mismatch"

    await hass.async_block_till_done()
    await emulator.join_background()
    await hass.async_block_till_done()
    assert entry.data[CONF_SECRETS][-1] == subscription.secrets[-1]
    assert (
        issue_registry.async_get_issue(DOMAIN, f"webhook_unreachable_{entry.entry_id}")
        is None
    )


async def test_item15_lost_options_update_is_read_back(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    loaded_entries: list[ConfigEntry],
) -> None:
    """A PUT gridX applied but whose answer was lost: back to the saved types.

    Right away, and once more a minute later for a PUT gridX applies late.
    """
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    [subscription] = emulator.state.subscriptions.values()

    # Twice: aiohttp itself repeats an idempotent PUT on a reused connection.
    emulator.faults.add("update_webhook", lost=True, count=2)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: ["ev_plugged"]}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert subscription.event_types == FEW_TYPES
    assert entry.options == {CONF_EVENT_TYPES: FEW_TYPES}
    hass.config_entries.options.async_abort(result["flow_id"])

    # gridX carries the lost PUT out only now.
    subscription.event_types = ["ev/plugged"]
    assert entry.runtime_data.registration.retry_scheduled
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=RETRY_DELAY))
    await hass.async_block_till_done()
    assert subscription.event_types == FEW_TYPES
    assert list(emulator.state.subscriptions) == [subscription.id]


async def test_item15_lost_rule_create_is_read_back(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    loaded_entries: list[ConfigEntry],
) -> None:
    """Rules: a rule created by a lost call is deleted again at once."""
    emulator.state.webhooks_api_enabled = False
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    kept = {r.event_type: r.id for r in emulator.state.rules.values()}

    emulator.faults.add("create_rule", lost=True)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: options_of([*FEW_TYPES, "ev/unplugged"])}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert {r.event_type: r.id for r in emulator.state.rules.values()} == kept
    assert entry.data[CONF_RULE_IDS] == [kept[t] for t in FEW_TYPES]
    hass.config_entries.options.async_abort(result["flow_id"])


@pytest.mark.parametrize("register", [False, True], ids=["before", "after"])
async def test_item14_cancelled_flow_deletes_its_cloudhook(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    cloud_active: CloudMock,  # noqa: F811
    register: bool,
) -> None:
    """A cancelled flow deletes the cloudhook it made, and what it registered."""
    flow_id = await start_registering(hass, emulator)
    if register:
        emulator.faults.add("create_webhook", lost=True)
    else:  # fails before anything is registered
        emulator.faults.add("list_webhooks", status=503)
    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(emulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    [(_, webhook_id)] = [c.args for c in cloud_active.create.await_args_list]
    if register:
        [subscription] = emulator.state.subscriptions.values()
        assert subscription.target_url == CLOUDHOOK_URL
    else:
        assert emulator.state.subscriptions == {}

    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()

    cloud_active.delete.assert_awaited_once_with(hass, webhook_id)
    assert emulator.state.subscriptions == {}


async def test_item14_failed_clean_up_is_logged(
    hass: HomeAssistant, emulator: GridxEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """When even the clean-up fails, the log says what is left."""
    flow_id = await start_registering(hass, emulator)
    emulator.faults.add("create_webhook", lost=True)
    await hass.config_entries.flow.async_configure(flow_id, user_input(emulator))
    emulator.faults.add("list_webhooks", status=500)

    hass.config_entries.flow.async_abort(flow_id)
    await hass.async_block_till_done()

    assert "Could not delete what the cancelled gridX setup registered" in caplog.text
    assert len(emulator.state.subscriptions) == 1


async def test_item14_cancelled_reconfigure_cleans_the_new_api(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811
    loaded_entries: list[ConfigEntry],
) -> None:
    """Moving to another API, given up after a lost create: nothing stays there.

    The entry's registration at its current API is untouched.
    """
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    [subscription] = emulator.state.subscriptions.values()
    second_emulator.faults.add("create_webhook", lost=True)
    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert len(second_emulator.state.subscriptions) == 1

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()

    assert second_emulator.state.subscriptions == {}
    assert list(emulator.state.subscriptions) == [subscription.id]


async def test_item15_failed_read_back_is_retried(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    loaded_entries: list[ConfigEntry],
) -> None:
    """When gridX cannot even be read back, the manager does it a minute later."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    [subscription] = emulator.state.subscriptions.values()
    emulator.faults.add("update_webhook", lost=True, count=2)
    emulator.faults.add("list_webhooks")  # the change's own list goes through
    emulator.faults.add("list_webhooks", status=503)  # the read-back fails
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: ["ev_plugged"]}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    hass.config_entries.options.async_abort(result["flow_id"])
    assert subscription.event_types == ["ev/plugged"]

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=RETRY_DELAY))
    await hass.async_block_till_done()
    assert subscription.event_types == FEW_TYPES


async def test_item14_reconfigure_back_to_the_same_api_cleans_the_other(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811
    loaded_entries: list[ConfigEntry],
) -> None:
    """A lost create at another API, then Reconfigure stays: that one goes."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    loaded_entries.append(entry)
    [subscription] = emulator.state.subscriptions.values()
    second_emulator.faults.add("create_webhook", lost=True)
    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert second_emulator.state.subscriptions == {}
    assert list(emulator.state.subscriptions) == [subscription.id]
