"""A gridX login without charging control (issue 18): repair issue, no controls.

The emulator's demo token lacks ``AppliancesEVConfigurationWrite``
(``--no-charging-control``). Changing the charge mode fails with the
translated error, a repair issue names the missing permission, and the
control entities become unavailable, while the live sensors stay.
"""

from typing import Any

import pytest

from .browser import gridx_text
from .harness import HttpError, Stack, wait_for
from .ws import ws_command

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """A demo token that may read but not change the charging settings."""
    return {"emulator_args": ("--no-charging-control",)}


def gridx_entities(stack: Stack) -> list[dict[str, Any]]:
    """The entity registry's gridX entries."""
    return [
        entity
        for entity in ws_command(stack, "config/entity_registry/list")
        if entity["platform"] == "gridx"
    ]


def entity_with_key(stack: Stack, key: str) -> dict[str, Any]:
    """Wait for the gridX entity with a translation key."""
    found: dict[str, Any] = wait_for(
        lambda: next(
            (e for e in gridx_entities(stack) if e.get("translation_key") == key),
            None,
        ),
        timeout=90,
        interval=1,
        what=f"the entity {key}",
    )
    return found


def test_forbidden_write_shows_issue_and_unavailable_controls(stack: Stack) -> None:
    """403 on the PATCH: error text, repair issue with the policy, unavailable."""
    stack.onboard()
    result = stack.add_integration()
    assert result["type"] == "create_entry", result
    select = entity_with_key(stack, "ev_charge_mode")
    wait_for(
        lambda: (
            stack.api("GET", f"/api/states/{select['entity_id']}")["state"] == "fast"
        ),
        timeout=90,
        what="the charge mode read from gridX",
    )
    with pytest.raises(HttpError) as err:
        stack.api(
            "POST",
            "/api/services/select/select_option",
            {"entity_id": select["entity_id"], "option": "solar_surplus"},
        )
    expected = gridx_text("en", "exceptions.ev_forbidden.message").format(
        policy="AppliancesEVConfigurationWrite"
    )
    # Home Assistant drops the closing full stop of the message.
    assert expected.rstrip(".") in err.value.body
    issues = ws_command(stack, "repairs/list_issues")["issues"]
    [issue] = [i for i in issues if i["translation_key"] == "ev_control_forbidden"]
    assert issue["domain"] == "gridx"
    assert issue["translation_placeholders"]["policy"] == (
        "AppliancesEVConfigurationWrite"
    )
    for key in ("ev_charge_mode", "ev_target_charge", "ev_departure"):
        entity = entity_with_key(stack, key)
        assert stack.api("GET", f"/api/states/{entity['entity_id']}")["state"] == (
            "unavailable"
        )
    energy = entity_with_key(stack, "charging_station_energy")
    assert stack.api("GET", f"/api/states/{energy['entity_id']}")["state"] != (
        "unavailable"
    )
