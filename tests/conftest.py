"""Shared fixtures for the gridX tests."""

import pytest

# phcc ships its own `custom_components` package (testing_config); importing
# ours at module level makes Home Assistant's loader find gridx here.
import custom_components.gridx  # noqa: F401

pytest_plugins = ["tests.emulator_fixtures"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""
