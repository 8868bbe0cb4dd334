"""Small shims for the oldest Home Assistant this integration supports (2026.3).

Each names the release that makes it removable: when hacs.json's minimum
reaches that release, inline the new API and delete the shim.
"""

import inspect
import re
from typing import Any, Final, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo

# Home Assistant 2026.4 added `via_device_id` to
# DeviceRegistry.async_get_or_create and later deprecated `via_device` (an
# identifier; removed in 2027.8). 2026.3 only takes `via_device`.
# Removable when the minimum is 2026.4: pass via_device_id=... directly.
HAS_VIA_DEVICE_ID: Final = (
    "via_device_id"
    in inspect.signature(dr.DeviceRegistry.async_get_or_create).parameters
)


def via_device_kwargs(
    dev_reg: dr.DeviceRegistry, via_device_id: str | None
) -> dict[str, Any]:
    """Return the async_get_or_create arguments that link to ``via_device_id``."""
    if HAS_VIA_DEVICE_ID:
        return {"via_device_id": via_device_id}
    return _via_device_identifier(dev_reg, via_device_id)  # pragma: no cover


# Only Home Assistant 2026.3 runs this: the minimum job of scripts/test, which
# measures no coverage.
def _via_device_identifier(  # pragma: no cover
    dev_reg: dr.DeviceRegistry, via_device_id: str | None
) -> dict[str, Any]:
    via = dev_reg.async_get(via_device_id) if via_device_id else None
    if via is None or not via.identifiers:
        return {}
    return {"via_device": min(via.identifiers)}


def set_via_device(
    info: DeviceInfo, via_device_id: str, via_identifier: tuple[str, str]
) -> None:
    """Link a DeviceInfo to its parent device (same release split as above).

    2026.4+ take the parent's device id (``via_device_id``); 2026.3 only its
    identifier (``via_device``). Removable when the minimum is 2026.4.
    """
    key = "via_device_id" if HAS_VIA_DEVICE_ID else "via_device"
    value: str | tuple[str, str] = (
        via_device_id if HAS_VIA_DEVICE_ID else via_identifier
    )
    cast("dict[str, Any]", info)[key] = value


# Home Assistant 2026.8 gave each config entry its own devices: it added
# DeviceRegistry.async_get_device_by_identifier and deprecated
# async_get_device (removed in 2027.8). Removable when the minimum is 2026.8.
HAS_DEVICE_BY_IDENTIFIER: Final = hasattr(
    dr.DeviceRegistry, "async_get_device_by_identifier"
)


def get_device_by_identifier(
    dev_reg: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    """Return the device with ``identifier`` that the config entry owns."""
    if HAS_DEVICE_BY_IDENTIFIER:
        return dev_reg.async_get_device_by_identifier(identifier, config_entry_id)
    return _device_by_identifier(
        dev_reg, identifier, config_entry_id
    )  # pragma: no cover


def _device_by_identifier(  # pragma: no cover
    dev_reg: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    # Before 2026.8 a device has a set of config entries.
    device = dev_reg.async_get_device(identifiers={identifier})
    if device is None or config_entry_id not in getattr(device, "config_entries"):  # noqa: B009
        return None
    return device


# Home Assistant 2026.9 added dr.async_get_device_and_config_entry_for_domain.
# Removable when the minimum is 2026.9.
def get_device_and_config_entry(
    hass: HomeAssistant, device_id: str, domain: str
) -> tuple[dr.DeviceEntry | None, ConfigEntry | None]:
    """Return the device and the config entry of ``domain`` that owns it."""
    if hasattr(dr, "async_get_device_and_config_entry_for_domain"):
        return dr.async_get_device_and_config_entry_for_domain(
            hass, device_id, domain=domain, include_child_devices=False
        )
    return _device_and_config_entry(hass, device_id, domain)  # pragma: no cover


def _device_and_config_entry(  # pragma: no cover
    hass: HomeAssistant, device_id: str, domain: str
) -> tuple[dr.DeviceEntry | None, ConfigEntry | None]:
    device = cast("dr.DeviceEntry | None", dr.async_get(hass).async_get(device_id))
    if device is None:
        return None, None
    for entry_id in sorted(getattr(device, "config_entries")):  # noqa: B009
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == domain:
            return device, entry
    return device, None


# Home Assistant 2026.11 added ir.async_refresh_issues: a refresh deletes the
# issues of its set (selected by an id pattern) that it does not see created
# or kept. Before, the developer docs name no way to find an integration's
# issues (only async_create_issue / async_delete_issue by id), so up to
# 2026.10 this reads IssueRegistry.issues, the one way there is.
# Removable when the minimum is 2026.11 (tests/private_api.py then flags
# nothing here either: drop its exemption).
HAS_REFRESH_ISSUES: Final = hasattr(ir, "async_refresh_issues")


@callback
def delete_issues_matching(
    hass: HomeAssistant, domain: str, pattern: re.Pattern[str]
) -> None:
    """Delete every issue of ``domain`` whose id ``pattern`` matches at its start."""
    # 2026.11+ runs in scripts/test --only unit-newest (no coverage measured).
    if HAS_REFRESH_ISSUES:  # pragma: no cover
        # getattr: the type stubs of the pinned test release (2026.10.4) lack it.
        refresh = getattr(ir, "async_refresh_issues")  # noqa: B009
        with refresh(hass, domain, issue_id_pattern=pattern):
            pass  # nothing created or kept: the refresh deletes the whole set
        return
    for issue_domain, issue_id in list(ir.async_get(hass).issues):
        if issue_domain == domain and pattern.match(issue_id):
            ir.async_delete_issue(hass, domain, issue_id)
