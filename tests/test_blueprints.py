"""The automation blueprints under blueprints/automation/gridx/ (issue 11, item 15).

Each is loaded through Home Assistant's blueprint integration from a config
directory of its own, used by an automation (``use_blueprint``), and fired by
a signed delivery; the phone's notify action (``notify.mobile_app_…``, a mock
service) must be called with the rendered message.
"""

from collections.abc import Generator
import json
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import quote
import uuid

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.gridx.const import ResourceKind

from .conftest import PostWebhook, load_event
from .gridx_state import (
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    demo_poll,
    get_device,
    patch_poll,
)

ROOT = Path(__file__).parent.parent
BLUEPRINTS = ROOT / "blueprints" / "automation" / "gridx"
NAMES = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))
PHONE = "Erika's Pixel 8"
NOTIFY_SERVICE = "mobile_app_erika_s_pixel_8"
REPOSITORY = "https://github.com/gridx-ha/ha-gridx-webhooks"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter."""
    with patch_poll(demo_poll()) as poll:
        yield poll


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give hass a config directory holding the gridX blueprints."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "gridx"
    shutil.copytree(BLUEPRINTS, target)
    return tmp_path


@pytest.fixture
def phone(hass: HomeAssistant, device_registry: dr.DeviceRegistry) -> str:
    """Return the device id of a Companion-app phone."""
    entry = MockConfigEntry(domain="mobile_app", title=PHONE)
    entry.add_to_hass(hass)
    return device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("mobile_app", "phone-1")},
        name=PHONE,
    ).id


def fresh(name: str, **data: Any) -> dict[str, Any]:
    """Return an event fixture with a new id and ``data`` merged in."""
    event = load_event(name)
    event["id"] = str(uuid.uuid4())
    event["data"].update(data)
    return event


async def use_blueprint(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    """Set up one automation from a gridX blueprint."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": name,
                "use_blueprint": {"path": f"gridx/{name}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()


def test_blueprints_exist() -> None:
    """The blueprints are there, each naming its own source URL."""
    assert NAMES == [
        "ev_charge_by_departure_weekdays.yaml",
        "ev_charging_failed_notify.yaml",
        "ev_plugged_in_charge_solar.yaml",
        "ev_plugged_in_notify.yaml",
        "power_limit_set_notify.yaml",
    ]
    for name in NAMES:
        text = (BLUEPRINTS / name).read_text()
        url = f"{REPOSITORY}/blob/main/blueprints/automation/gridx/{name}"
        assert f"source_url: {url}\n" in text


def test_readme_links_every_blueprint() -> None:
    """The README has an import button per blueprint, pointing at the repository."""
    manifest = json.loads(
        (ROOT / "custom_components" / "gridx" / "manifest.json").read_text()
    )
    assert manifest["documentation"] == REPOSITORY
    readme = (ROOT / "README.md").read_text()
    raw = REPOSITORY.replace("github.com", "raw.githubusercontent.com")
    for name in NAMES:
        url = f"{raw}/main/blueprints/automation/gridx/{name}"
        button = (
            "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
            + quote(url, safe="")
        )
        assert f"]({button})" in readme, name
        assert f"(blueprints/automation/gridx/{name})" in readme


async def test_blueprints_load(hass: HomeAssistant, config_dir: Path) -> None:
    """Home Assistant's blueprint integration loads every one without error."""
    assert await async_setup_component(hass, "automation", {})
    loaded = await async_get_blueprints(hass).async_get_blueprints()
    ours = {path: bp for path, bp in loaded.items() if path.startswith("gridx/")}
    assert sorted(ours) == [f"gridx/{name}" for name in NAMES]
    for path, blueprint in ours.items():
        assert not isinstance(blueprint, Exception), (path, blueprint)
        assert blueprint is not None
        assert blueprint.domain == "automation"
        if path.endswith("_notify.yaml"):
            assert "notify_device" in blueprint.inputs


async def test_ev_plugged_in_notifies(
    hass: HomeAssistant,
    config_dir: Path,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    phone: str,
) -> None:
    """Plugging the EV in sends one notification to the phone."""
    calls: list[ServiceCall] = async_mock_service(hass, "notify", NOTIFY_SERVICE)
    # The EV's device comes with its first event.
    assert (await post_webhook(fresh("ev_unplugged.json"))).status == 204
    ev = get_device(hass, ASSET_ID, ResourceKind.EV)
    assert ev is not None
    await use_blueprint(
        hass, "ev_plugged_in_notify.yaml", ev_device=ev.id, notify_device=phone
    )
    assert (await post_webhook(fresh("ev_unplugged.json"))).status == 204
    await hass.async_block_till_done()
    assert calls == []
    assert (await post_webhook(fresh("ev_plugged.json"))).status == 204
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data == {
        "title": "EV plugged in",
        "message": f"{ev.name} is plugged in.",
    }
    # Still plugged in (another event), and a reload: no second notification.
    assert (await post_webhook(fresh("ev_plugged.json"))).status == 204
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("START", "did not start charging: Vehicle did not respond within 5 minutes"),
        ("STOP", "did not stop charging: Vehicle did not respond within 5 minutes"),
    ],
)
async def test_ev_charging_failed_notifies(
    hass: HomeAssistant,
    config_dir: Path,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    phone: str,
    device_registry: dr.DeviceRegistry,
    kind: str,
    expected: str,
) -> None:
    """A failed command sends the vehicle's (user-given) name and gridX's reason."""
    calls: list[ServiceCall] = async_mock_service(hass, "notify", NOTIFY_SERVICE)
    assert (await post_webhook(fresh("ev_unplugged.json"))).status == 204
    ev = get_device(hass, ASSET_ID, ResourceKind.EV)
    assert ev is not None
    device_registry.async_update_device(ev.id, name_by_user="ID.4")
    await use_blueprint(
        hass, "ev_charging_failed_notify.yaml", ev_device=ev.id, notify_device=phone
    )
    assert (await post_webhook(fresh("ev_charge_failed.json", kind=kind))).status == 204
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [
        {"title": "EV charging failed", "message": f"ID.4 {expected}"}
    ]


async def test_power_limit_set_notifies(
    hass: HomeAssistant,
    config_dir: Path,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    phone: str,
) -> None:
    """A §14a limit sends its value in kW and when it ends; a lift sends nothing."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    calls: list[ServiceCall] = async_mock_service(hass, "notify", NOTIFY_SERVICE)
    gateway = get_device(hass, GATEWAY_ID, ResourceKind.GATEWAY)
    assert gateway is not None
    await use_blueprint(
        hass,
        "power_limit_set_notify.yaml",
        gateway_device=gateway.id,
        notify_device=phone,
    )
    assert (await post_webhook(fresh("power_limit_set.json"))).status == 204
    assert (await post_webhook(fresh("power_limit_unset.json"))).status == 204
    without_value = fresh("power_limit_set.json")
    del without_value["data"]["newLPC"], without_value["data"]["validUntil"]
    assert (await post_webhook(without_value)).status == 204
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls] == [
        # 4,200,000 mW until 16:03 UTC, 18:03 in Berlin.
        "The grid operator limits consumption to 4.2 kW until 18:03.",
        "The grid operator limits consumption.",
    ]
    assert {call.data["title"] for call in calls} == {"§14a power limit"}
