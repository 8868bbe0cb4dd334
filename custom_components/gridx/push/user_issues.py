"""Repair issues for what gridX says the user must do.

- ``system/action`` with status ``OPEN`` and a resolution whose agent is the
  ``User`` (e.g. accept a car maker's new terms in its app) raises one issue
  per action id, showing gridX's title and Markdown description. gridX
  reports the resolution itself: the same id with status ``SOLVED`` deletes
  the issue. An action for a third party (``ThirdParty``) is not the user's
  to do and raises none (the logbook and ``gridx_event`` still show it).
- ``ev/charge-failed`` raises one issue per vehicle and command kind (start,
  stop) when the reason needs the user: ``NO_RESPONSE`` (the car is asleep,
  out of reach or offline), ``FAILED_PRECONDITION`` (e.g. not plugged in, a
  charge limit reached in the car) and ``NOT_FOUND`` (the car is no longer
  linked). ``CONFLICT`` (another command ran) and ``REQUESTED_CANCELLATION``
  (someone cancelled) need nothing. gridX sends no resolution for these, so
  a later success resolves them: ``ev/charge-started`` (or a measurement
  that is charging) a failed start, ``ev/charge-stopped`` (or a measurement
  that is stopped or complete) a failed stop, and ``ev/unplugged`` both (the session is over).

The issues are persistent (they outlive a restart, as the condition does)
and, like every issue, can be ignored by the user, which is the way out when
gridX never reports a resolution (a lost ``SOLVED``). A ``SOLVED`` that
arrives before its ``OPEN`` (out of order) is not remembered: the issue is
then raised and waits for the user. Removing the entry deletes its issues.
"""

from functools import partial
import re

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..api.data_ev import EVChargeFailedEventData, EVMeasurementEventData
from ..api.data_system import SystemActionEventData
from ..api.enums import (
    EVChargeCommandKind,
    EVChargeFailureType,
    EVChargeState,
    SystemActionAgent,
    SystemActionStatus,
)
from ..api.event_types import EventType
from ..api.models import GridxEvent
from ..compat import delete_issues_matching
from ..const import DOMAIN, signal_event
from ..coordinator import GridxConfigEntry
from ..state.location import ISSUE_LOCATION_REPLACED

ISSUE_SYSTEM_ACTION = "system_action"
ISSUE_CHARGE_FAILED = "charge_failed"
# The failure reasons of ev/charge-failed that need the user (module docstring).
USER_FAILURES = frozenset(
    {
        EVChargeFailureType.NO_RESPONSE,
        EVChargeFailureType.FAILED_PRECONDITION,
        EVChargeFailureType.NOT_FOUND,
    }
)
# gridX's texts are shown in the issue; more is cut (a repair is no manual).
MAX_TEXT = 1000
# Measured charge states that show a start or a stop has happened.
_STARTED = {EVChargeState.CHARGING}
_STOPPED = {EVChargeState.STOPPED, EVChargeState.COMPLETE}


def system_action_issue_id(entry_id: str, action_id: str) -> str:
    """Return the issue id of one ``system/action``."""
    return f"{ISSUE_SYSTEM_ACTION}_{entry_id}_{action_id}"


def charge_failed_issue_id(entry_id: str, asset_id: str, kind: str) -> str:
    """Return the issue id of a failed start or stop of one vehicle."""
    return f"{ISSUE_CHARGE_FAILED}_{entry_id}_{asset_id}_{kind.lower()}"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@callback
def async_setup_user_issues(
    hass: HomeAssistant, entry: GridxConfigEntry
) -> CALLBACK_TYPE:
    """Raise and clear the entry's user issues from its events; return the stop."""
    return async_dispatcher_connect(
        hass, signal_event(entry.entry_id), partial(_async_event, hass, entry)
    )


@callback
def async_remove_user_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every user issue of a removed entry (and its Location notice)."""
    prefixes = (
        f"{ISSUE_SYSTEM_ACTION}_{entry_id}_",
        f"{ISSUE_CHARGE_FAILED}_{entry_id}_",
        f"{ISSUE_LOCATION_REPLACED}_{entry_id}_",
    )
    pattern = re.compile("|".join(re.escape(prefix) for prefix in prefixes))
    delete_issues_matching(hass, DOMAIN, pattern)


def _device_name(
    hass: HomeAssistant, entry: GridxConfigEntry, event: GridxEvent
) -> str:
    """Return the name the user sees for the event's device, else the entry's."""
    device_id = entry.runtime_data.store.event_device_id(event)
    device = None if device_id is None else dr.async_get(hass).async_get(device_id)
    if device is not None and (name := device.name_by_user or device.name):
        return name
    return entry.title


@callback
def _async_event(
    hass: HomeAssistant, entry: GridxConfigEntry, event: GridxEvent
) -> None:
    data = event.data
    if isinstance(data, SystemActionEventData):
        _system_action(hass, entry, event, data)
    elif isinstance(data, EVChargeFailedEventData):
        _charge_failed(hass, entry, event, data)
    elif (asset_id := event.asset_id) is not None:
        _charge_succeeded(hass, entry.entry_id, asset_id, event)


def _system_action(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    event: GridxEvent,
    data: SystemActionEventData,
) -> None:
    issue_id = system_action_issue_id(entry.entry_id, data.action_id)
    if (
        data.status != SystemActionStatus.OPEN
        or data.resolution.agent != SystemActionAgent.USER
    ):
        # SOLVED, or a third party's to do (an unknown status is no request).
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_SYSTEM_ACTION,
        translation_placeholders={
            "name": _device_name(hass, entry, event),
            "manufacturer": _cut(data.manufacturer),
            "title": _cut(data.resolution.title),
            "description": _cut(data.resolution.description),
        },
    )


def _charge_failed(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    event: GridxEvent,
    data: EVChargeFailedEventData,
) -> None:
    if data.failure_reason.type not in USER_FAILURES:
        return
    if data.kind not in (EVChargeCommandKind.START, EVChargeCommandKind.STOP):
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        charge_failed_issue_id(entry.entry_id, data.asset_id, data.kind),
        is_fixable=False,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=f"charge_{data.kind.lower()}_failed",
        translation_placeholders={
            "name": _device_name(hass, entry, event),
            "reason": _cut(data.failure_reason.detail),
        },
    )


def _charge_succeeded(
    hass: HomeAssistant, entry_id: str, asset_id: str, event: GridxEvent
) -> None:
    """Delete the failure issues that this EV event resolves."""
    event_type = event.event_type
    resolved: list[EVChargeCommandKind] = []
    if event_type is EventType.EV_UNPLUGGED:
        resolved = [EVChargeCommandKind.START, EVChargeCommandKind.STOP]
    elif event_type is EventType.EV_CHARGE_STARTED:
        resolved = [EVChargeCommandKind.START]
    elif event_type is EventType.EV_CHARGE_STOPPED:
        resolved = [EVChargeCommandKind.STOP]
    elif isinstance(event.data, EVMeasurementEventData):
        if event.data.charge_state in _STARTED:
            resolved = [EVChargeCommandKind.START]
        elif event.data.charge_state in _STOPPED:
            resolved = [EVChargeCommandKind.STOP]
    for kind in resolved:
        ir.async_delete_issue(
            hass, DOMAIN, charge_failed_issue_id(entry_id, asset_id, kind)
        )
