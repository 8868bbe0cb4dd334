"""The bench's Home Assistant: the e2e stack plus the probe, quiet logs.

The config dir is the develop one with three changes: ``custom_components``
holds gridX and the bench probe (`gridx_bench`), logging is ``warning`` except
bootstrap's start message (debug logging of every delivery would be measured too), and
``--no-recorder`` leaves out the recorder and what needs it (history,
logbook).
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import time
from typing import Any

from e2e.harness import ROOT, Stack, request, wait_for
from e2e.ws import ws_command

PROBE = Path(__file__).resolve().parent / "gridx_bench"
RECORDER_PARTS = ("recorder:", "  commit_interval: 1", "history:", "logbook:")


def bench_configuration(source: str, *, recorder: bool) -> str:
    """Return the develop configuration.yaml adapted for the bench."""
    lines = source.split("\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith("logger:"))
    kept = [
        line for line in lines[:cut] if recorder or line.rstrip() not in RECORDER_PARTS
    ]
    logger = [
        "logger:",
        "  default: warning",
        "  logs:",
        "    homeassistant.bootstrap: info",  # "Home Assistant initialized"
    ]
    return "\n".join([*kept, *logger, "gridx_bench:", ""])


@dataclass
class BenchStack(Stack):
    """A `Stack` whose hass also loads the bench probe."""

    recorder: bool = True

    def prepare(self) -> Path:
        """Write the config dir (see the module docstring)."""
        config = super().prepare()
        components = config / "custom_components"
        components.unlink()  # the harness links the repo's folder; use our own
        components.mkdir()
        (components / "gridx").symlink_to(ROOT / "custom_components" / "gridx")
        (components / "gridx_bench").symlink_to(PROBE)
        source = (ROOT / "config" / "configuration.yaml").read_text()
        (config / "configuration.yaml").write_text(
            bench_configuration(source, recorder=self.recorder)
        )
        return config

    def start(self, *, scenario_interval: float = 1.0, emulator: bool = True) -> None:
        """Start like `Stack.start`, with hass not importing from the checkout.

        ``python -m`` puts the working directory (the checkout) first on
        ``sys.path``, so hass would find ``custom_components`` there and never
        see the probe in the config dir. PYTHONSAFEPATH leaves it out.
        """
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            super().start(scenario_interval=scenario_interval, emulator=emulator)
        finally:
            del os.environ["PYTHONSAFEPATH"]

    def refresh_token(self) -> None:
        """Get a fresh access token (they last 30 min; a full run may not).

        Onboarding created the owner with the password the harness uses.
        """
        client_id = f"{self.ha_url}/"
        flow = request(
            "POST",
            f"{self.ha_url}/auth/login_flow",
            json_body={
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        )
        done = request(
            "POST",
            f"{self.ha_url}/auth/login_flow/{flow['flow_id']}",
            json_body={
                "client_id": client_id,
                "username": "owner",
                "password": "e2e-password-123",
            },
        )
        tokens = request(
            "POST",
            f"{self.ha_url}/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": done["result"],
                "client_id": client_id,
            },
        )
        self.access_token = tokens["access_token"]

    @property
    def hass_pid(self) -> int:
        """The hass process id."""
        assert self.hass is not None
        assert self.hass.proc is not None
        return self.hass.proc.pid

    def rss_mib(self) -> float:
        """The resident memory of hass in MiB (Linux /proc)."""
        status = Path(f"/proc/{self.hass_pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def add_entry(self, token: str) -> tuple[str, float, float]:
        """Add gridX for ``token``.

        Returns the entry id, the monotonic time the flow began and when it
        answered ``create_entry``.
        """
        began = time.monotonic()
        result = self._config_flow(token)
        done = time.monotonic()
        if result.get("type") != "create_entry":
            raise AssertionError(f"config flow failed: {result}")
        return str(result["result"]["entry_id"]), began, done

    def _config_flow(self, token: str) -> dict[str, Any]:
        """`Stack.add_integration`, but waiting as long as a big account needs.

        The last step answers once the entry is set up (first poll included),
        which for 2,000 devices on a loaded machine takes longer than the
        harness's 10 s.
        """
        flows = f"{self.ha_url}/api/config/config_entries/flow"

        def post(url: str, body: Any) -> dict[str, Any]:
            answer: dict[str, Any] = request(
                "POST", url, json_body=body, token=self.access_token, timeout=300
            )
            return answer

        flow = post(flows, {"handler": "gridx", "show_advanced_options": True})
        flow = post(f"{flows}/{flow['flow_id']}", {"next_step_id": "token"})
        # No event-type step: setup subscribes to every type.
        return post(
            f"{flows}/{flow['flow_id']}",
            {
                "api_token": token,
                "advanced": {
                    "api_base": self.emulator_url,
                    "registration_method": "automatic",
                },
            },
        )

    def add_floor(self, devices: int, entities: int) -> tuple[str, float, float]:
        """Add the probe's floor entry; return its id and times like `add_entry`."""
        flows = f"{self.ha_url}/api/config/config_entries/flow"
        began = time.monotonic()
        flow = request(
            "POST", flows, json_body={"handler": "gridx_bench"}, token=self.access_token
        )
        result = request(
            "POST",
            f"{flows}/{flow['flow_id']}",
            json_body={"devices": devices, "entities": entities},
            token=self.access_token,
            timeout=300,
        )
        done = time.monotonic()
        if result.get("type") != "create_entry":
            raise AssertionError(f"floor flow failed: {result}")
        return str(result["result"]["entry_id"]), began, done

    def remove_entry(self, entry_id: str) -> None:
        """Delete a config entry (its entities and devices go too)."""
        request(
            "DELETE",
            f"{self.ha_url}/api/config/config_entries/entry/{entry_id}",
            token=self.access_token,
            timeout=300,
        )

    def set_disabled(self, entry_id: str, *, disabled: bool) -> tuple[float, float]:
        """Disable (unload) or enable (set up) an entry; return begin and answer times."""
        began = time.monotonic()
        ws_command(
            self,
            "config_entries/disable",
            entry_id=entry_id,
            disabled_by="user" if disabled else None,
        )
        return began, time.monotonic()

    def entry_counts(self, entry_id: str) -> dict[str, int]:
        """The entry's enabled entities and how many have a state."""
        counts: dict[str, int] = self.api("GET", f"/api/gridx_bench/entry/{entry_id}")
        return counts

    def wait_all_states(
        self, entry_id: str, *, quiet: float = 1.5, timeout: float = 180
    ) -> tuple[float, dict[str, int]]:
        """Wait until every entity of the entry has a state and none are added.

        Returns the monotonic time the final count was first seen (the quiet
        period after it is not counted) and the counts.
        """
        last: dict[str, int] = {}
        since = time.monotonic()

        def settled() -> bool:
            nonlocal last, since
            counts = self.entry_counts(entry_id)
            now = time.monotonic()
            if counts != last:
                last, since = counts, now
            return (
                counts["entities"] > 0
                and counts["states"] == counts["entities"]
                and now - since >= quiet
            )

        wait_for(settled, timeout=timeout, interval=0.05, what="all entity states")
        return since, last

    def settle(self) -> None:
        """Wait until the recorder has written what is queued."""
        request(
            "POST",
            f"{self.ha_url}/api/gridx_bench/settle",
            token=self.access_token,
            timeout=600,
        )

    def time_handlers(self, webhook_ids: list[str]) -> None:
        """Have the probe time these webhooks' handlers."""
        self.api("POST", "/api/gridx_bench/time", {"webhook_ids": webhook_ids})

    def handler_times(self) -> dict[str, list[float]]:
        """Handler seconds per webhook id since the last call."""
        times: dict[str, Any] = self.api("GET", "/api/gridx_bench/time")
        return times

    def time_live_polls(self, entry_id: str, polls: int) -> dict[str, Any]:
        """Run an entry's live poll ``polls`` times in hass; see the probe."""
        result: dict[str, Any] = request(
            "POST",
            f"{self.ha_url}/api/gridx_bench/live/{entry_id}",
            json_body={"polls": polls},
            token=self.access_token,
            timeout=1800,  # waits for the first history import of 200 systems
        )
        return result
