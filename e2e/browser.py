"""Drive Home Assistant's real frontend in headless Chromium (Playwright).

Shared by the browser test (e2e/test_browser.py) and scripts/screenshots.
The browser is a system Chromium (Debian's `chromium` package in the sid
root, installed by scripts/bootstrap); Playwright's own browser download is
never used. Every text the code looks for comes from a translation file:
the integration's (custom_components/gridx/translations), Home Assistant's
backend (homeassistant/components/*/translations) and its frontend
(hass_frontend/static/translations), so renamed texts need no code change.

HA's frontend is web components with open shadow roots: Playwright's role,
text and CSS locators pierce them, XPath does not, and `inner_text()` on a
host element is empty (its text is in the shadow root).
"""

from __future__ import annotations

import contextlib
from functools import cache
import json
import os
from pathlib import Path
import re
import shutil
from typing import Any

from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Playwright,
    TimeoutError as PlaywrightTimeoutError,
    ViewportSize,
    expect,
)

from .harness import ROOT, Stack, wait_for

# The first one found is used; GRIDX_CHROMIUM names another binary.
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # runs as root in the chroot
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing leaves the machine: map tiles and brand icons stay blank.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT: ViewportSize = {"width": 1000, "height": 700}
OWNER = {"name": "Owner", "username": "owner", "password": "e2e-password-123"}
# A flow step, a page or a dialog: generous, the machine may be busy.
TIMEOUT_MS = 30_000


def find_chromium() -> str | None:
    """Return the path of a Chromium binary, or None."""
    if named := os.environ.get("GRIDX_CHROMIUM"):
        return named if Path(named).exists() else None
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


def launch(playwright: Playwright, chromium: str) -> Browser:
    """Start headless Chromium."""
    return playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS
    )


# ------------------------------------------------------------------ texts
@cache
def gridx_texts(lang: str) -> dict[str, Any]:
    """The integration's translations in ``lang``."""
    path = ROOT / "custom_components" / "gridx" / "translations" / f"{lang}.json"
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def gridx_text(lang: str, dotted: str) -> str:
    """One of the integration's strings, e.g. ``config.step.token.title``."""
    node: Any = gridx_texts(lang)
    for part in dotted.split("."):
        node = node[part]
    assert isinstance(node, str), dotted
    return node


def core_text(lang: str, component: str, dotted: str) -> str:
    """One of a Home Assistant component's backend strings."""
    import homeassistant.components  # noqa: PLC0415 - only where HA is installed

    base = Path(homeassistant.components.__path__[0])
    node: Any = json.loads(
        (base / component / "translations" / f"{lang}.json").read_text("utf-8")
    )
    for part in dotted.split("."):
        node = node[part]
    assert isinstance(node, str), dotted
    return node


@cache
def _frontend_texts(lang: str) -> dict[str, str]:
    import hass_frontend  # noqa: PLC0415 - only where HA is installed

    base = Path(hass_frontend.__path__[0]) / "static" / "translations"
    name = re.compile(rf"^{re.escape(lang)}-[0-9a-f]{{32}}\.json$")
    texts: dict[str, str] = {}
    for path in sorted(base.rglob(f"{lang}-*.json")):
        if name.match(path.name):
            texts.update(json.loads(path.read_text(encoding="utf-8")))
    assert texts, f"no frontend translations for {lang} under {base}"
    return texts


def frontend_text(lang: str, key: str) -> str:
    """One of the frontend's strings, e.g. ``ui.common.submit``."""
    return _frontend_texts(lang)[key]


def exactly(text: str) -> re.Pattern[str]:
    """Match ``text`` as a whole (a required field's label gains a ``*``)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


# ----------------------------------------------------------------- the UI
class Ui:
    """One logged-in (or onboarding) browser page on a stack."""

    def __init__(self, page: Page, stack: Stack, lang: str = "en") -> None:
        """Drive ``page`` against ``stack``, expecting texts in ``lang``."""
        self.page = page
        self.stack = stack
        self.lang = lang
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)

    def t(self, key: str) -> str:
        """A frontend string in this page's language."""
        return frontend_text(self.lang, key)

    def goto(self, path: str) -> None:
        """Open a frontend page and wait until the app has loaded."""
        self.page.goto(f"{self.stack.ha_url}{path}")
        self.page.locator("ha-sidebar").wait_for()

    def ws(self, message: dict[str, Any]) -> Any:
        """Send a websocket command over the frontend's own connection."""
        return self.page.evaluate(
            "(m) => document.querySelector('home-assistant').hass.callWS(m)", message
        )

    # ---------------------------------------------------------- onboarding
    def onboard(self) -> str:
        """Create the owner in the onboarding UI and finish; return a token.

        The location step (core_config, with a map from the internet) and
        analytics are answered over REST with the new user's token, as the
        frontend would post them; the UI then shows its last step.
        """
        page = self.page
        onboarding = "ui.panel.page-onboarding."
        page.goto(f"{self.stack.ha_url}/")
        page.get_by_role("button", name=self.t(onboarding + "welcome.start")).click()
        textbox = page.get_by_role
        textbox("textbox", name=exactly(self.t(onboarding + "user.data.name"))).fill(
            OWNER["name"]
        )
        textbox(
            "textbox", name=exactly(self.t(onboarding + "user.data.username"))
        ).fill(OWNER["username"])
        # Password fields have no textbox role.
        page.locator("input[name=password]").fill(OWNER["password"])
        page.locator("input[name=password_confirm]").fill(OWNER["password"])
        page.get_by_role(
            "button", name=self.t(onboarding + "user.create_account")
        ).click()
        page.wait_for_function("() => localStorage.getItem('hassTokens')")
        tokens = json.loads(page.evaluate("() => localStorage.getItem('hassTokens')"))
        self.stack.access_token = tokens["access_token"]
        for step in ("core_config", "analytics"):
            self.stack.api("POST", f"/api/onboarding/{step}", {})
        page.reload()
        page.get_by_role(
            "button", name=self.t(onboarding + "integration.finish")
        ).click()
        page.wait_for_url(re.compile(r"/home/|/lovelace"))
        page.locator("ha-sidebar").wait_for()
        # The onboarding's tokens end with it; REST calls get a token of their own.
        self.stack.access_token = self.ws(
            {
                "type": "auth/long_lived_access_token",
                "client_name": "gridX browser test",
                "lifespan": 1,
            }
        )
        return str(self.stack.access_token)

    def set_language(self, lang: str) -> None:
        """Switch the user's language (the profile's setting) and reload."""
        self.ws(
            {
                "type": "frontend/set_user_data",
                "key": "language",
                "value": {
                    "language": lang,
                    "number_format": "language",
                    "time_format": "language",
                    "date_format": "language",
                    "first_weekday": "language",
                },
            }
        )
        self.lang = lang
        self.page.reload()
        self.page.locator("ha-sidebar").wait_for()

    # ---------------------------------------------------------- config flow
    def open_gridx_flow(self) -> Locator:
        """Settings → Devices & services → Add integration → gridX."""
        page = self.page
        self.goto("/config/integrations/dashboard")
        page.get_by_role(
            "button", name=self.t("ui.panel.config.integrations.add_integration")
        ).click()
        items = page.locator("ha-integration-list-item")
        items.first.wait_for()  # typing before the list loads loses the filter
        page.get_by_placeholder(
            self.t("ui.panel.config.integrations.search_brand")
        ).fill("gridX")
        items.filter(has=page.get_by_text("gridX", exact=True)).click()
        dialog = page.locator("dialog-data-entry-flow")
        dialog.wait_for(state="attached")
        expect(
            page.get_by_text(gridx_text(self.lang, "config.step.user.title"))
        ).to_be_visible()
        return dialog

    def fill_token_step(self, *, open_advanced: bool = True) -> None:
        """Pick "API token" in the menu and fill the token (and API base)."""
        page = self.page
        step = "config.step.token."
        page.get_by_text(
            gridx_text(self.lang, "config.step.user.menu_options.token")
        ).click()
        expect(page.get_by_text(gridx_text(self.lang, step + "title"))).to_be_visible()
        page.get_by_role(
            "textbox", name=exactly(gridx_text(self.lang, step + "data.api_token"))
        ).fill(self.stack.gridx_token)
        if open_advanced:
            self.open_advanced()

    def open_advanced(self) -> None:
        """Expand the token step's "Advanced" section; point it at the emulator."""
        step = "config.step.token.sections.advanced."
        self.page.get_by_text(gridx_text(self.lang, step + "name"), exact=True).click()
        self.page.get_by_role(
            "textbox", name=exactly(gridx_text(self.lang, step + "data.api_base"))
        ).fill(self.stack.emulator_url)

    def submit_until_created(self) -> dict[str, Any]:
        """Submit steps until the entry exists; finish; return the entry.

        Tolerant of the steps after the token: whatever form follows (such
        as the event types) is submitted with its defaults.
        """
        page = self.page
        submit = page.get_by_role(
            "button",
            name=re.compile(
                "^({}|{})$".format(
                    re.escape(
                        self.t("ui.panel.config.integrations.config_flow.submit")
                    ),
                    re.escape(self.t("ui.panel.config.integrations.config_flow.next")),
                )
            ),
        )
        finish = page.get_by_role(
            "button",
            name=re.compile(
                "^({}|{})$".format(
                    re.escape(
                        self.t("ui.panel.config.integrations.config_flow.finish_skip")
                    ),
                    re.escape(
                        self.t("ui.panel.config.integrations.config_flow.finish")
                    ),
                )
            ),
        )
        for _ in range(5):
            if finish.count():
                break
            before = self._flow_step()
            submit.click()
            with contextlib.suppress(AssertionError):  # a form error: try again
                wait_for(
                    lambda before=before: finish.count() or self._flow_step() != before,
                    timeout=15,
                    what="the next step",
                )
        finish.click()
        entries = self.stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
        assert len(entries) == 1, entries
        return dict(entries[0])

    def _flow_step(self) -> str | None:
        """The step of gridX's flow in progress (None: no flow)."""
        flows = self.ws({"type": "config_entries/flow/progress"})
        return next(
            (str(flow["step_id"]) for flow in flows if flow["handler"] == "gridx"),
            None,
        )

    # ---------------------------------------------------------- registries
    def gridx_entities(self) -> list[dict[str, Any]]:
        """The entity registry's gridX entries."""
        return [
            entity
            for entity in self.ws({"type": "config/entity_registry/list"})
            if entity["platform"] == "gridx"
        ]

    def entity_by_key(self, translation_key: str) -> dict[str, Any]:
        """Wait for a gridX entity with this translation key; return it."""
        found: dict[str, Any] = wait_for(
            lambda: next(
                (
                    entity
                    for entity in self.gridx_entities()
                    if entity.get("translation_key") == translation_key
                ),
                None,
            ),
            timeout=60,
            what=f"a gridX entity {translation_key}",
        )
        return found

    def device(self, device_id: str) -> dict[str, Any]:
        """A device registry entry."""
        device: dict[str, Any] = next(
            device
            for device in self.ws({"type": "config/device_registry/list"})
            if device["id"] == device_id
        )
        return device

    def device_with_trigger(self, trigger_type: str) -> dict[str, Any]:
        """Wait for a gridX device that offers this device trigger; return it."""

        def find() -> dict[str, Any] | None:
            for device in self.ws({"type": "config/device_registry/list"}):
                if not any(i[0] == "gridx" for i in device["identifiers"]):
                    continue
                triggers = self.ws(
                    {
                        "type": "device_automation/trigger/list",
                        "device_id": device["id"],
                    }
                )
                if any(
                    t["domain"] == "gridx" and t["type"] == trigger_type
                    for t in triggers
                ):
                    return dict(device)
            return None

        found: dict[str, Any] = wait_for(
            find, timeout=60, interval=1, what=f"a device with {trigger_type}"
        )
        return found

    # ------------------------------------------------------------- pages
    def open_device(self, device_id: str) -> None:
        """Open a device's page."""
        self.goto(f"/config/devices/device/{device_id}")

    def add_device_trigger(self, device_name: str, trigger: str) -> None:
        """New automation → Add trigger → By type → Device → device → trigger.

        Fails unless ``trigger`` is among the device's offered triggers.
        """
        page = self.page
        self._pick(self._device_trigger_field(device_name), trigger)
        # The trigger row of the editor now reads as the trigger.
        expect(page.get_by_text(trigger, exact=True).first).to_be_visible()

    def device_trigger_list(self, device_name: str) -> list[str]:
        """Open a device's trigger list in a new automation; return its items.

        The list stays open (for a screenshot); each item's text as shown.
        """
        page = self.page
        field = self._device_trigger_field(device_name)
        items = page.locator("ha-picker-combo-box ha-combo-box-item").filter(
            visible=True
        )
        for _ in range(3):
            field.click()
            with contextlib.suppress(PlaywrightTimeoutError):
                items.first.wait_for(timeout=5000)
                break
        return [" ".join(text.split()) for text in items.all_inner_texts()]

    def _device_trigger_field(self, device_name: str) -> Locator:
        """New automation → Add trigger → By type → Device → device: its trigger field."""
        page = self.page
        editor = "ui.panel.config.automation.editor."
        self.goto("/config/automation/edit/new")
        page.get_by_role("button", name=self.t(editor + "triggers.add")).click()
        page.get_by_text(self.t(editor + "tabs.type"), exact=True).click()
        page.get_by_text(
            self.t(editor + "triggers.type.device.label"), exact=True
        ).first.click()
        # The dialog opens on the group it showed last (2026.11): the label
        # clicked above may then be the trigger itself, already added.
        described = page.get_by_text(
            self.t(editor + "triggers.type.device.description.picker")
        )
        device_field = page.get_by_text(
            self.t("ui.components.device-picker.placeholder")
        )
        expect(described.or_(device_field).first).to_be_visible()
        if described.is_visible():
            described.click()
        self._pick(device_field, device_name)
        return page.get_by_label(
            self.t(editor + "triggers.type.device.trigger"), exact=True
        )

    def _pick(self, field: Locator, text: str) -> None:
        """Open a picker field, search for ``text`` and click its item.

        Never page.keyboard: outside a field, keys are the frontend's
        shortcuts. A click while the previous popover still closes can be
        lost, so the field is clicked again until its search box shows.
        """
        page = self.page
        search = page.get_by_placeholder(self.t("ui.common.search"), exact=True).filter(
            visible=True
        )
        for _ in range(3):
            field.click()
            with contextlib.suppress(PlaywrightTimeoutError):
                search.wait_for(timeout=5000)
                break
        search.fill(text)
        # The item whose first line is ``text`` (a device's second line names
        # its area or parent device, which may be ``text`` too).
        page.locator("ha-picker-combo-box ha-combo-box-item").filter(
            has=page.get_by_text(text, exact=True)
        ).filter(visible=True).filter(
            has_text=re.compile(rf"^\s*{re.escape(text)}(\s|$)")
        ).first.click()

    # ------------------------------------------------------------- energy
    def configure_energy(self) -> dict[str, str]:
        """Point the Energy dashboard at the imported gridX statistics.

        Waits until the import has created them; returns slot → statistic id.
        """

        def imported() -> dict[str, str]:
            ids = [
                item["statistic_id"]
                for item in self.ws(
                    {"type": "recorder/list_statistic_ids", "statistic_type": "sum"}
                )
                if item["statistic_id"].startswith("gridx:")
            ]
            slots = {}
            for key in (
                "grid_import",
                "grid_export",
                "solar_production",
                "battery_charge",
                "battery_discharge",
            ):
                slots[key] = next((i for i in ids if i.endswith(f"_{key}")), "")
            return slots if all(slots.values()) else {}

        slots: dict[str, str] = wait_for(
            imported, timeout=90, interval=1, what="the imported gridX statistics"
        )
        self.ws(
            {
                "type": "energy/save_prefs",
                "energy_sources": [
                    {
                        "type": "grid",
                        "stat_energy_from": slots["grid_import"],
                        "stat_energy_to": slots["grid_export"],
                        "cost_adjustment_day": 0,
                    },
                    {
                        "type": "solar",
                        "stat_energy_from": slots["solar_production"],
                        "config_entry_solar_forecast": None,
                    },
                    {
                        "type": "battery",
                        "stat_energy_from": slots["battery_discharge"],
                        "stat_energy_to": slots["battery_charge"],
                    },
                ],
                "device_consumption": [],
            }
        )
        return slots
