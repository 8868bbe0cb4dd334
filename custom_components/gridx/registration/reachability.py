"""Does a delivery from gridX arrive at Home Assistant, and does it verify?

After registering a subscription the manager asks gridX for a test delivery
(``ping``). One that arrives and verifies proves the URL, the TLS certificate
and the secret (gridx-facts §5.4). One that does not arrive in time raises a
repair issue that names the cause: nothing arrived (URL, certificate, proxy)
or it arrived with a signature that matches no secret we hold; any verified
delivery clears it. Notification rules have no ping, so they are not
checked. No timer is armed once the entry unloads.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later

from ..api.client import GridxClient
from ..api.errors import GridxApiError
from ..api.models import GridxEvent
from ..const import (
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
    LOGGER,
    signal_bad_signature,
    signal_event,
)
from .target import ISSUE_SECRET_MISMATCH, ISSUE_UNREACHABLE, issue_id

# How long a test delivery (ping) may take before we tell the user that
# gridX cannot reach this Home Assistant. gridX retries with backoff.
PING_TIMEOUT: Final = 120


class DeliveryCheck:
    """Wait for gridX's test deliveries to one entry's webhook."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        on_secret_mismatch: Callable[[], None],
    ) -> None:
        """Prepare; ``on_secret_mismatch`` is called once to renew the secret."""
        self.hass = hass
        self.entry = entry
        self._on_secret_mismatch = on_secret_mismatch
        # The webhook URL a verified delivery last arrived on, the URL we
        # last asked gridX to ping, and the timer waiting for that ping.
        self.verified_url: str | None = None
        self.pinged_url: str | None = None
        self.unreachable = False
        self._ping_cancel: CALLBACK_TYPE | None = None
        # A delivery failed verification since the last ping: gridX reaches
        # us, but signs with a secret we do not hold.
        self._bad_signature = False
        self._renewed = False

    @callback
    def async_start(self) -> None:
        """Listen for verified and refused deliveries until unload."""
        entry = self.entry
        entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, signal_event(entry.entry_id), self._async_delivery_verified
            )
        )
        entry.async_on_unload(
            async_dispatcher_connect(
                self.hass,
                signal_bad_signature(entry.data[CONF_WEBHOOK_ID]),
                self._async_bad_signature,
            )
        )
        entry.async_on_unload(self._cancel_ping_timer)

    def wants_ping(self, url: str) -> bool:
        """Return True when ``url`` was neither verified nor pinged yet."""
        return url not in (self.verified_url, self.pinged_url)

    async def async_ping(
        self,
        client: GridxClient,
        account_id: str,
        subscription_id: str,
        url: str,
        stopping: Callable[[], bool],
    ) -> None:
        """Ask gridX for a test delivery to ``url`` and wait in the background.

        ``stopping`` is asked after the request: an unloading entry arms no
        timer.
        """
        self.pinged_url = url
        self._bad_signature = False
        try:
            await client.ping_webhook(account_id, subscription_id)
        except GridxApiError as err:
            LOGGER.debug("Could not ask gridX for a test delivery: %s", err)
            return
        if stopping():
            return
        self._cancel_ping_timer()
        self._ping_cancel = async_call_later(
            self.hass, PING_TIMEOUT, self._async_ping_timeout
        )

    @callback
    def _async_delivery_verified(self, event: GridxEvent) -> None:
        """Note that a signed delivery arrived on our current URL."""
        self.verified_url = self.entry.data.get(CONF_WEBHOOK_URL)
        self._cancel_ping_timer()
        if self.unreachable:
            self.unreachable = False
            LOGGER.info("gridX deliveries arrive again")
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id(self.entry.entry_id, ISSUE_UNREACHABLE)
            )

    @callback
    def _async_bad_signature(self) -> None:
        """Note a delivery that failed verification (reset at each ping)."""
        self._bad_signature = True

    @callback
    def _async_ping_timeout(self, _now: datetime) -> None:
        """The test delivery did not arrive (or did not verify) in time.

        When a delivery arrived but failed verification, gridX reaches us and
        the secret is the problem, not the URL: the issue says so, and the
        secret is rotated once to repair it.
        """
        self._ping_cancel = None
        if self.unreachable:
            return
        self.unreachable = True
        reason = ISSUE_SECRET_MISMATCH if self._bad_signature else ISSUE_UNREACHABLE
        if self._bad_signature:
            LOGGER.warning(
                "gridX's test delivery arrived, but its signature matches no "
                "secret Home Assistant holds; renewing the secret"
            )
            if not self._renewed:
                self._renewed = True
                self.pinged_url = None
                self._on_secret_mismatch()
        else:
            LOGGER.warning(
                "gridX's test delivery did not reach Home Assistant within %s s; "
                "check that the external URL is public, https with a trusted "
                "certificate, and forwards /api/webhook/ unchanged",
                PING_TIMEOUT,
            )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(self.entry.entry_id, ISSUE_UNREACHABLE),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=reason,
            translation_placeholders={"title": self.entry.title},
        )

    def _cancel_ping_timer(self) -> None:
        """Stop waiting for a test delivery."""
        if self._ping_cancel is not None:
            self._ping_cancel()
            self._ping_cancel = None
