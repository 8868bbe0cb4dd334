"""Make the README's screenshots with the browser test's code.

    scripts/screenshots [OUT_DIR]     (default: docs/)

Starts a real stack (hass with the Energy dashboard + the emulator's demo
scenario), onboards in the UI, adds gridX through the config flow and writes
five small PNGs: the config flow, the gateway's device page with live values,
the wallbox's charging controls, the Energy dashboard on the imported gridX
statistics, and an automation with the "EV arrived home" device trigger.
Palette-reduced, so each stays small.
"""

from __future__ import annotations

import argparse
import contextlib
from io import BytesIO
from pathlib import Path
import sys
import tempfile
import time

from PIL import Image
from playwright.sync_api import (
    Page,
    TimeoutError as PlaywrightTimeoutError,
    expect,
    sync_playwright,
)

from .browser import VIEWPORT, Ui, find_chromium, frontend_text, gridx_text, launch
from .harness import ROOT, Stack, wait_for

# Let icons and charts finish before the picture is taken (not a test).
SETTLE_MS = 2500


def save(page: Page, path: Path) -> int:
    """Write an optimised PNG of the viewport; return its size in bytes."""
    image = Image.open(BytesIO(page.screenshot())).convert("RGB")
    small = image.quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    small.save(path, optimize=True)
    return path.stat().st_size


def tidy(ui: Ui) -> None:
    """Remove what onboarding set up besides gridX (it fails offline).

    Onboarding adds Google Translate, Met.no, Radio Browser and a shopping
    list; without the internet the first three fail, which would put a red
    card and a repair badge into every picture. Other integrations' repair
    issues are ignored (gridX's own stay) and named in the log.
    """
    for entry in ui.stack.api("GET", "/api/config/config_entries/entry"):
        if entry["domain"] != "gridx":
            ui.stack.api(
                "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
            )
    for issue in ui.ws({"type": "repairs/list_issues"})["issues"]:
        if issue["domain"] != "gridx" and not issue.get("ignored"):
            log(
                f"ignoring repair issue {issue['domain']}.{issue['issue_id']}"
                f" {issue.get('translation_placeholders')}"
            )
            ui.ws(
                {
                    "type": "repairs/ignore_issue",
                    "domain": issue["domain"],
                    "issue_id": issue["issue_id"],
                    "ignore": True,
                }
            )


def settle(page: Page) -> None:
    """Let icons load and charts finish their entry animation."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=10_000)
    page.wait_for_timeout(SETTLE_MS)


def log(message: str) -> None:
    """One progress line."""
    sys.stdout.write(f"[screenshots {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


def make(stack: Stack, out: Path, chromium: str) -> None:
    """Walk the story and take the five pictures."""
    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-US")
            ui = Ui(context.new_page(), stack)
            page = ui.page
            ui.onboard()
            tidy(ui)
            log("onboarded")

            ui.open_gridx_flow()
            ui.fill_token_step(open_advanced=False)
            expect(
                page.get_by_text(
                    gridx_text("en", "config.step.token.data_description.api_token")
                )
            ).to_be_visible()
            settle(page)
            log(f"config-flow.png {save(page, out / 'config-flow.png')} bytes")
            ui.open_advanced()
            entry = ui.submit_until_created()
            assert entry["state"] == "loaded", entry
            log("gridX added")

            # The gateway's device page, once live power has arrived.
            gateway = ui.entity_by_key("gateway_connection")
            solar = ui.entity_by_key("photovoltaic_power")
            wait_for(
                lambda: (
                    stack.api("GET", f"/api/states/{solar['entity_id']}")["state"]
                    not in ("unknown", "unavailable")
                ),
                timeout=90,
                what="live solar power",
            )
            ui.open_device(gateway["device_id"])
            expect(
                page.get_by_text(
                    gridx_text("en", "entity.sensor.photovoltaic_power.name"),
                    exact=True,
                )
            ).to_be_visible()
            settle(page)
            log(f"device.png {save(page, out / 'device.png')} bytes")

            # The wallbox's charging controls, after a charge_to.
            select = ui.entity_by_key("ev_charge_mode")
            wait_for(
                lambda: (
                    stack.api("GET", f"/api/states/{select['entity_id']}")["state"]
                    not in ("unknown", "unavailable")
                ),
                timeout=90,
                what="the charge mode read from gridX",
            )
            stack.api(
                "POST",
                "/api/services/gridx/charge_to",
                {
                    "device_id": select["device_id"],
                    "target": 80,
                    "departure": "07:00:00",
                },
            )
            ui.open_device(select["device_id"])
            expect(
                page.get_by_text(
                    gridx_text("en", "entity.select.ev_charge_mode.name"), exact=True
                )
            ).to_be_visible()
            settle(page)
            log(f"charging.png {save(page, out / 'charging.png')} bytes")

            # The Energy dashboard on the imported statistics.
            ui.configure_energy()
            ui.goto("/energy")
            expect(
                page.get_by_text(
                    frontend_text(
                        "en", "ui.panel.energy.cards.energy_distribution_title"
                    ),
                    exact=True,
                ).filter(visible=True)
            ).not_to_have_count(0)
            settle(page)
            log(f"energy.png {save(page, out / 'energy.png')} bytes")

            # An automation with the EV device trigger.
            device = ui.device_with_trigger("ev_arrived_home")
            ui.add_device_trigger(
                device["name_by_user"] or device["name"],
                gridx_text("en", "device_automation.trigger_type.ev_arrived_home"),
            )
            settle(page)
            log(f"automation.png {save(page, out / 'automation.png')} bytes")
            context.close()
        except BaseException:
            with contextlib.suppress(Exception):
                keep = ROOT / ".e2e-logs"
                keep.mkdir(exist_ok=True)
                page.screenshot(path=keep / "screenshots-failure.png")
                log(f"the page at the failure: {keep / 'screenshots-failure.png'}")
            raise
        finally:
            browser.close()


def main() -> int:
    """Start a stack, take the screenshots, stop the stack."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        sys.stderr.write("no Chromium found: install chromium or set GRIDX_CHROMIUM\n")
        return 2
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gridx-screenshots-") as workdir:
        stack = Stack(Path(workdir))  # config/ has energy:
        try:
            stack.start()
            log("stack up")
            make(stack, out, chromium)
        except BaseException:
            log_file = Path(workdir) / "config" / "home-assistant.log"
            with contextlib.suppress(OSError):
                sys.stderr.write(log_file.read_text(errors="replace")[-4000:])
            raise
        finally:
            stack.stop()
    log(f"done in {time.monotonic() - start:.0f} s: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
