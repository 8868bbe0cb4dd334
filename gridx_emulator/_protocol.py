"""The protocol pieces the emulator shares with the integration.

They live in ``custom_components/gridx/api``, which imports nothing from Home
Assistant. Its parent package ``custom_components/gridx`` does, though, so
where Home Assistant is not installed (``python -m gridx_emulator`` on a bare
machine) the api package is loaded on its own, under a private name.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
import sys
from types import ModuleType
from typing import TYPE_CHECKING

API_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "gridx" / "api"
STANDALONE_NAME = "gridx_emulator._gridx_api"


def load_standalone_api(
    name: str = STANDALONE_NAME, init_file: Path = API_DIR / "__init__.py"
) -> tuple[ModuleType, ModuleType]:
    """Load the api package without its parent; return (event_types, signature)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, init_file, submodule_search_locations=[str(init_file.parent)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the gridX api package from {init_file}")
        # The package itself, without running its __init__: that imports the
        # whole protocol (its public surface, client and all), and the
        # emulator needs two modules of it.
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
    return (
        importlib.import_module(f"{name}.event_types"),
        importlib.import_module(f"{name}.signature"),
    )


if TYPE_CHECKING:
    from custom_components.gridx.api.event_types import (
        SUBSCRIBABLE_EVENT_TYPES,
        EventType,
    )
    from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
else:
    try:
        from custom_components.gridx.api.event_types import (
            SUBSCRIBABLE_EVENT_TYPES,
            EventType,
        )
        from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
    except ImportError:  # pragma: no cover - only where Home Assistant is missing
        _event_types, _signature = load_standalone_api()
        EventType = _event_types.EventType
        SUBSCRIBABLE_EVENT_TYPES = _event_types.SUBSCRIBABLE_EVENT_TYPES
        SIGNATURE_HEADER = _signature.SIGNATURE_HEADER
        sign = _signature.sign

__all__ = ["SIGNATURE_HEADER", "SUBSCRIBABLE_EVENT_TYPES", "EventType", "sign"]
