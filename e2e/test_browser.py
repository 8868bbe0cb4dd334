"""The README's story in a real browser: headless Chromium on the real frontend.

A new user onboards in the UI, adds gridX through Settings → Devices &
services → Add integration (the token path, against the emulator), finds the
gateway's connection sensor on its device page and the "EV arrived home"
device trigger in the automation editor, and sees the flow in German.

Expected texts come from the translation files (the integration's, Home
Assistant's and its frontend's), never from literals here. Needs a Chromium
binary (scripts/bootstrap installs Debian's in the sid root; on the plain
venv path use the system's, or name one with GRIDX_CHROMIUM). Without one
the module is skipped, except in CI (the CI variable set), where that fails.
"""

from collections.abc import Iterator
import os
import re
from typing import Any

from playwright.sync_api import Browser, StorageState, expect, sync_playwright
import pytest

from .browser import VIEWPORT, Ui, core_text, find_chromium, gridx_text, launch
from .harness import Stack, wait_for

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    """Headless Chromium for the module (closed before the stack stops)."""
    chromium = find_chromium()
    if chromium is None:
        why = (
            "no Chromium binary (chromium, chromium-browser, google-chrome or"
            " GRIDX_CHROMIUM): install your system's chromium to run the browser test"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run it")
        pytest.skip(why)
    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def owner(browser: Browser, stack: Stack) -> StorageState:
    """Onboard in the UI: create the owner, finish; return the logged-in state."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    try:
        page = context.new_page()
        Ui(page, stack).onboard()
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def ui(
    browser: Browser, stack: Stack, owner: StorageState, request: pytest.FixtureRequest
) -> Iterator[Ui]:
    """A fresh browser context, logged in as the owner."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-US", storage_state=owner
    )
    page = context.new_page()
    try:
        yield Ui(page, stack)
    finally:
        # The last view of each test, for a look after a failure.
        page.screenshot(path=stack.workdir / f"browser-{request.node.name}.png")
        context.close()


@pytest.fixture(scope="module")
def gridx_entry(browser: Browser, stack: Stack, owner: StorageState) -> dict[str, Any]:
    """Add gridX in the UI with the emulator's token; return the entry."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-US", storage_state=owner
    )
    try:
        ui = Ui(context.new_page(), stack)
        ui.open_gridx_flow()
        ui.fill_token_step()
        return ui.submit_until_created()
    finally:
        context.close()


def test_onboarding_and_token_flow(stack: Stack, gridx_entry: dict[str, Any]) -> None:
    """The UI's onboarding made an owner; the UI's flow a loaded gridX entry."""
    user = stack.api("GET", "/api/")
    assert user == {"message": "API running."}
    assert gridx_entry["domain"] == "gridx"
    assert gridx_entry["state"] == "loaded", gridx_entry
    # The webhook subscription at gridX points at this Home Assistant.
    account = stack.gridx("GET", "/user")["accountID"]
    targets = [
        sub["targetURL"] for sub in stack.gridx("GET", f"/accounts/{account}/webhooks")
    ]
    assert len(targets) == 1
    assert targets[0].startswith(f"{stack.ha_url}/api/webhook/")


def test_gateway_connection_on_device_page(ui: Ui, gridx_entry: dict[str, Any]) -> None:
    """The gateway's device page lists its connection sensor with its state."""
    ui.goto("/config/integrations/dashboard")
    entity = ui.entity_by_key("gateway_connection")

    def known_state() -> str | None:
        state = ui.stack.api("GET", f"/api/states/{entity['entity_id']}")["state"]
        return state if state in ("on", "off") else None

    wait_for(known_state, timeout=60, what="the gateway connection state")
    name = gridx_text("en", "entity.binary_sensor.gateway_connection.name")
    # The demo gateway goes on- and offline every few seconds: either state.
    states = "|".join(
        re.escape(
            core_text(
                "en", "binary_sensor", f"entity_component.connectivity.state.{key}"
            )
        )
        for key in ("on", "off")
    )

    ui.open_device(entity["device_id"])
    page = ui.page
    device = ui.device(entity["device_id"])
    expect(
        page.get_by_text(device["name_by_user"] or device["name"]).first
    ).to_be_visible()
    row = page.locator("hui-generic-entity-row").filter(
        has=page.get_by_text(name, exact=True)
    )
    expect(row).to_have_count(1)
    # The state is the row's own (slotted) text; the name is in its shadow root.
    expect(row).to_contain_text(re.compile(rf"\b({states})\b"))


def test_ev_arrived_home_trigger_in_automation_editor(
    ui: Ui, gridx_entry: dict[str, Any]
) -> None:
    """The automation editor offers "EV arrived home" for the EV device."""
    ui.goto("/config/integrations/dashboard")

    device = ui.device_with_trigger("ev_arrived_home")
    assert gridx_entry["entry_id"] in device["config_entries"]
    trigger = gridx_text("en", "device_automation.trigger_type.ev_arrived_home")
    ui.add_device_trigger(device["name_by_user"] or device["name"], trigger)


def test_flow_in_german(ui: Ui, gridx_entry: dict[str, Any]) -> None:
    """With the user's language set to German, the flow speaks German."""
    ui.goto("/config/integrations/dashboard")
    ui.set_language("de")
    try:
        ui.open_gridx_flow()  # the German "Add integration", the German title
        page = ui.page
        for option in ("token", "portal"):
            key = f"config.step.user.menu_options.{option}"
            assert gridx_text("de", key) != gridx_text("en", key)
            expect(page.get_by_text(gridx_text("de", key))).to_be_visible()
        ui.fill_token_step(open_advanced=False)  # German title and field label
        step = "config.step.token."
        assert gridx_text("de", step + "title") != gridx_text("en", step + "title")
        expect(
            page.get_by_text(
                gridx_text("de", step + "sections.advanced.name"), exact=True
            )
        ).to_be_visible()
        expect(
            page.get_by_text(gridx_text("de", step + "data_description.api_token"))
        ).to_be_visible()
    finally:
        ui.set_language("en")
