"""The integration uses no Home Assistant internals (tests/private_api.py)."""

import pytest

from .private_api import PACKAGE, own_hass_keys, violations, violations_in_source

# The code of main before issue 16 (entity.py `stored_unique_ids`): it read
# Home Assistant's restore cache, which 2026.11 split in two. On 2026.11 the
# sensor, binary_sensor and event platforms failed with AttributeError.
OLD_STORED_UNIQUE_IDS = """
from homeassistant.helpers import entity_registry as er, restore_state
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity, StoredState


def stored_unique_ids(entry, keep, domain=None):
    hass = entry.runtime_data.store.hass
    last_states = restore_state.async_get(hass).last_states
    return {
        entity.unique_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if (domain is None or entity.domain == domain)
        and (stored := last_states.get(entity.entity_id)) is not None
        and keep(stored)
    }
"""


def test_integration_uses_no_private_api() -> None:
    """No file of custom_components/gridx reaches into Home Assistant's internals."""
    assert violations() == []


def test_old_restore_cache_access_is_caught() -> None:
    """The check fails on the code that broke on 2026.11."""
    found = violations_in_source(OLD_STORED_UNIQUE_IDS, set())
    assert found == [
        "<source>:2: restore_state: the restore cache is not API",
        "<source>:3: restore_state.StoredState: not Home Assistant API",
        "<source>:8: .last_states: not Home Assistant API",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("hass.config_entries._entries", "private attribute ._entries"),
        ("er.async_get(hass)._entries_data", "private attribute ._entries_data"),
        ("self.hass.bus._listeners", "private attribute ._listeners"),
        ("x = restore_state.async_get(hass).last_states_by_entity_id", "not Home"),
        ("er.async_get(hass).entities", "registry.entities"),
        ("dev_reg.devices", "registry.devices"),
        ("ir.async_get(hass).issues", "registry.issues"),
        ("entity_registry.deleted_entities", ".deleted_entities"),
        ("hass.timeout", "hass.timeout: not a documented member"),
        ("self.hass.config.safe_mode", "hass.config.safe_mode"),
        ('hass.data["recorder_instance"]', "hass.data[...]"),
        ("hass.data.get(OTHER)", "hass.data.get(...)"),
        ("hass.data.setdefault('gridx', {})", "hass.data.setdefault(...)"),
        ("from homeassistant.helpers.restore_state import async_get", "async_get"),
        ("from homeassistant.helpers.restore_state import RestoreStateData", "Data"),
        ("import homeassistant.helpers.restore_state", "import homeassistant"),
        ("from homeassistant.core import _async_get_hass", "a private name"),
        ("from homeassistant.components.http._ban import x", "a private module"),
        ("import homeassistant._private", "import homeassistant._private"),
    ],
)
def test_check_catches(source: str, message: str) -> None:
    """Each kind of private access is reported."""
    (found,) = violations_in_source(source, {"OWN"})
    assert message in found


@pytest.mark.parametrize(
    "source",
    [
        "self._store.get(x)",
        "super()._async_write_ha_state()",
        "entry.options",
        "hass.config_entries.async_update_entry(entry)",
        "hass.config.components",
        "hass.data.setdefault(OWN, {})",
        "hass.data[OWN]",
        "er.async_entries_for_config_entry(er.async_get(hass), entry_id)",
        "from homeassistant.helpers.restore_state import RestoreEntity",
        "from homeassistant.helpers import entity_registry as er",
        "self.__class__",
    ],
)
def test_check_allows_documented_api(source: str) -> None:
    """Documented API and the integration's own private members pass."""
    assert violations_in_source(source, {"OWN"}) == []


def test_own_hass_keys_are_found() -> None:
    """The package's HassKeys (prefixed with its domain) count as its own."""
    assert {"_LOCKS", "_ROUTES", "PORTAL_HOLDS"} <= own_hass_keys(PACKAGE)
