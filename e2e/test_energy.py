"""A homeowner's Energy dashboard on gridX's history, in a real browser, en and de.

The homeowner signs in with the demo portal login (poll-only). The account's
device shows the mode, *Updates: Polling* (German *Regelmäßige Abfrage*).
The development configuration has ``energy:``, so the sidebar has *Energy*
and its settings page loads. The dashboard is set up in the UI as the README's
Energy section says: Settings → Dashboards → Energy, each dialog's fields in
the README's order (checked against the dialog's, top down), each picked by
the name the README gives (*… Grid import (gridX history)* and so on). Then the dashboard shows
yesterday's gridX data, with the English and with the German profile; the
screenshots go to ``.e2e-screenshots/``: ``energy-en.png``, ``energy-de.png``,
``updates-en.png``, ``updates-de.png``.
"""

from collections.abc import Iterator
import contextlib
from datetime import UTC, datetime
import os
import re

from playwright.sync_api import (
    Browser,
    Locator,
    TimeoutError as PlaywrightTimeoutError,
    expect,
    sync_playwright,
)
import pytest

from .browser import (
    VIEWPORT,
    Ui,
    exactly,
    find_chromium,
    frontend_text,
    gridx_text,
    launch,
)
from .harness import ROOT, Stack, wait_for
from .test_homeowner import add_portal_entry

pytestmark = pytest.mark.timeout(300)

# README field -> the English statistic name's end, per the README's table.
README_PICKS = {
    "grid_import": "grid_import_energy",
    "grid_export": "grid_export_energy",
    "solar_production": "solar_energy",
    "battery_charge": "battery_charge_energy",
    "battery_discharge": "battery_discharge_energy",
}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    """Headless Chromium for the module (closed before the stack stops)."""
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium binary; CI must run the browser tests")
        pytest.skip("no Chromium binary (see e2e/test_browser.py)")
    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        yield browser
        browser.close()


def _history_name(key: str) -> str:
    """Return the README's name of a statistic, after the system's name."""
    template = gridx_text("en", "entity.sensor.history_statistic.name")
    statistic = gridx_text("en", f"entity.sensor.{README_PICKS[key]}.name")
    return template.format(system="", statistic=statistic).strip()


def _picks(ui: Ui) -> dict[str, str]:
    """Return README field -> statistic id, found by the README's names."""
    listed = ui.ws({"type": "recorder/list_statistic_ids", "statistic_type": "sum"})
    picks: dict[str, str] = {}
    for key in README_PICKS:
        found = [
            item["statistic_id"]
            for item in listed
            if (item.get("name") or "").endswith(_history_name(key))
        ]
        if len(found) != 1:
            return {}
        picks[key] = found[0]
    return picks


# README step -> (the frontend's keys: add button, dialog fields in order).
DIALOGS = (
    (
        "grid.add_connection",
        (
            ("grid.dialog.energy_from_grid", "grid_import"),
            ("grid.dialog.energy_to_grid", "grid_export"),
        ),
    ),
    (
        "solar.add_solar_production",
        (("solar.dialog.solar_production_energy", "solar_production"),),
    ),
    (
        "battery.add_battery_system",
        (
            ("battery.dialog.energy_out_of_battery", "battery_discharge"),
            ("battery.dialog.energy_into_battery", "battery_charge"),
        ),
    ),
)


def _pick_statistic(ui: Ui, picker: Locator, name: str, statistic_id: str) -> None:
    """Open a statistic picker, search for ``name`` and click its item."""
    page = ui.page
    search = page.get_by_placeholder(ui.t("ui.common.search"), exact=True).filter(
        visible=True
    )
    for _ in range(3):
        picker.click()
        with contextlib.suppress(PlaywrightTimeoutError):
            search.wait_for(timeout=5000)
            break
    # The picker's search finds statistics by their id, not their name:
    # search the id, then click the item that shows the README's name.
    search.fill(statistic_id)
    item = (
        page.locator("ha-combo-box-item")
        .filter(visible=True)
        .filter(has=page.get_by_text(name, exact=True))
    )
    expect(item).to_have_count(1)
    item.click()


def _walk_dialogs(ui: Ui, names: dict[str, str], picks: dict[str, str]) -> None:
    """Settings → Dashboards → Energy: each dialog, field by field (README)."""
    page = ui.page
    energy = "ui.panel.config.energy."
    ui.goto("/config/energy")
    for add, fields in DIALOGS:
        page.get_by_text(ui.t(energy + add), exact=True).filter(visible=True).click()
        pickers = page.locator("ha-statistic-picker").filter(visible=True)
        top = 0.0
        for index, (label, key) in enumerate(fields):
            # The README's field, in the README's order (the dialog's, top
            # down): its label, then its statistic picker.
            heading = page.get_by_text(ui.t(energy + label), exact=True)
            expect(heading.filter(visible=True)).to_have_count(1)
            box = heading.filter(visible=True).bounding_box()
            assert box is not None
            assert box["y"] > top, label
            top = box["y"]
            _pick_statistic(ui, pickers.nth(index), names[key], picks[key])
        save = page.get_by_role("button", name=ui.t("ui.common.save"), exact=True)
        save.filter(visible=True).click()
        expect(pickers).to_have_count(0)


def test_energy_dashboard_yesterday_en_and_de(browser: Browser, stack: Stack) -> None:
    """Set up as the README says; yesterday's data shows in English and German."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    ui = Ui(page, stack)
    try:
        ui.onboard()
        add_portal_entry(stack)
        ui.goto("/config/energy")
        expect(
            page.get_by_text(
                frontend_text("en", "ui.panel.config.energy.grid.title"), exact=True
            ).first
        ).to_be_visible()
        picks: dict[str, str] = wait_for(
            lambda: _picks(ui), timeout=120, interval=1, what="the gridX history"
        )
        names = {
            key: next(
                item["name"]
                for item in ui.ws(
                    {"type": "recorder/list_statistic_ids", "statistic_type": "sum"}
                )
                if item["statistic_id"] == statistic
            )
            for key, statistic in picks.items()
        }
        _walk_dialogs(ui, names, picks)
        prefs = ui.ws({"type": "energy/get_prefs"})
        by_type = {source["type"]: source for source in prefs["energy_sources"]}
        assert by_type["grid"]["stat_energy_from"] == picks["grid_import"], prefs
        assert by_type["grid"]["stat_energy_to"] == picks["grid_export"], prefs
        assert by_type["solar"]["stat_energy_from"] == picks["solar_production"]
        # The battery: charged into (to) and discharged from (from).
        assert by_type["battery"]["stat_energy_to"] == picks["battery_charge"]
        assert by_type["battery"]["stat_energy_from"] == picks["battery_discharge"]
        # Yesterday has gridX data: every hour of the grid import statistic.
        now = page.evaluate("Date.now()") / 1000
        rows = ui.ws(
            {
                "type": "recorder/statistics_during_period",
                "start_time": _iso(now - 2 * 86400),
                "end_time": _iso(now - 3600),
                "statistic_ids": [picks["grid_import"]],
                "period": "hour",
                "types": ["change"],
            }
        )[picks["grid_import"]]
        assert len(rows) >= 24, rows
        out = ROOT / ".e2e-screenshots"
        out.mkdir(exist_ok=True)
        updates = ui.entity_by_key("updates")
        for lang in ("en", "de"):
            # The mode where the user looks: the account's device page.
            ui.goto(f"/config/devices/device/{updates['device_id']}")
            ui.set_language(lang)
            diagnostic = frontend_text(
                lang, "ui.panel.config.devices.entities.diagnostic"
            )
            expect(
                page.get_by_text(exactly(diagnostic)).filter(visible=True)
            ).not_to_have_count(0)
            page.wait_for_timeout(1500)  # the entity rows render after the card
            page.screenshot(path=out / f"updates-{lang}.png")
            # What the page shows for it: the frontend's own formatting.
            shown = page.evaluate(
                "(id) => { const h = document.querySelector('home-assistant').hass;"
                " return h.formatEntityState(h.states[id]); }",
                updates["entity_id"],
            )
            assert shown == gridx_text(lang, "entity.sensor.updates.state.polling")
            ui.goto("/energy")
            previous = frontend_text(
                lang, "ui.panel.lovelace.components.energy_period_selector.previous"
            )
            page.get_by_label(previous, exact=True).filter(visible=True).first.click()
            title = frontend_text(
                lang, "ui.panel.energy.cards.energy_distribution_title"
            )
            expect(
                page.get_by_text(title, exact=True).filter(visible=True)
            ).not_to_have_count(0)
            # The distribution shows yesterday's kWh (numbers, not "0 kWh").
            expect(
                page.get_by_text(re.compile(r"[1-9][\d.,]* kWh")).filter(visible=True)
            ).not_to_have_count(0)
            page.wait_for_timeout(1500)  # let the charts finish drawing
            page.screenshot(path=out / f"energy-{lang}.png")
    finally:
        ui.set_language("en")
        context.close()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
