"""Patch the installed phcc so the unit tests run on a newer Home Assistant.

pytest-homeassistant-custom-component (phcc) copies Home Assistant's own test
helpers for the one release it pins (0.13.375: 2026.10.4). On 2026.11.0
three of them break, all inside the harness, none in this project's code:

1. ``homeassistant`` must be imported before ``httpx`` (2026.11 aliases httpx
   to httpx2 at import; phcc's plugins.py imports respx, hence httpx, first).
2. ``_clear_logger_overwrites`` moved to ``homeassistant.components.logger.helpers``.
3. ``mock_restore_cache*`` set ``RestoreStateData.last_states``, which 2026.11
   split by entity id and by registry id: the patched helpers load the states
   the way Home Assistant loads its file (``_async_load_stored_states``).

Idempotent; replaces the files (new inodes), never writes into them; run
inside the environment (scripts/bootstrap ... run python
scripts/phcc_patch_newest.py). Exits 1 when a patch no longer applies.
"""

import os
from pathlib import Path
import sys

import pytest_homeassistant_custom_component as phcc

ROOT = Path(phcc.__file__).parent
MARK = "# gridx: patched for a newer Home Assistant"

LOGGER_IMPORT = """\
    SERVICE_SET_LEVEL,
    _clear_logger_overwrites,
)
"""
LOGGER_IMPORT_NEW = f"""\
    SERVICE_SET_LEVEL,
)
from homeassistant.components.logger.helpers import (  {MARK}
    _clear_logger_overwrites,
)
"""
RESTORE_CACHE = """\
    data.last_states = last_states
    _LOGGER.debug("Restore cache: %s", data.last_states)
    assert len(data.last_states) == len(states), f"Duplicate entity_id? {states}"
"""
RESTORE_CACHE_NEW = f"""\
    data._async_load_stored_states(  {MARK}
        [
            {{
                "state": stored.state.as_dict(),
                "extra_data": stored.extra_data.as_dict()
                if stored.extra_data
                else None,
                "last_seen": stored.last_seen,
            }}
            for stored in last_states.values()
        ]
    )
    assert len(last_states) == len(states), f"Duplicate entity_id? {{states}}"
"""
PATCHES: dict[str, list[tuple[str, str]]] = {
    "plugins.py": [
        (
            "\nimport respx\n",
            f"\nimport homeassistant  # noqa: F401  {MARK}\nimport respx\n",
        ),
    ],
    "common.py": [
        (LOGGER_IMPORT, LOGGER_IMPORT_NEW),
        (RESTORE_CACHE, RESTORE_CACHE_NEW),
    ],
}


def main() -> int:
    """Apply each patch once; say what was done."""
    for name, patches in PATCHES.items():
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        for old, new in patches:
            if new in text:
                continue
            if old not in text:
                print(f"phcc patch: {name}: pattern not found, harness changed")
                return 1
            text = text.replace(old, new)
        # A new file, never a write in place: uv installs from its cache by
        # hard link, so writing into the file would patch the cached wheel
        # and with it every other venv of this phcc (the 2026.10.4 one too).
        fresh = path.with_suffix(".gridx-new")
        fresh.write_text(text, encoding="utf-8")
        os.replace(fresh, path)
    print(f"phcc patched for a newer Home Assistant: {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
