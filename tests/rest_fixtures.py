"""gridX REST answers in their documented shapes (``tests/fixtures/rest``).

The fixtures are built from the facts' field lists and example values
(gridx-live-facts §2-§4): an openHAB-like gateway and one with only the
required keys, a hybrid inverter, a meter, an EV station, a heat pump, the
assembled live example and a history answer.
"""

import json
from pathlib import Path
from typing import Any

from gridx_emulator.contract import Shape, validate

FIXTURES = Path(__file__).parent / "fixtures" / "rest"


def fixture(name: str) -> Any:
    """Return a REST fixture (``tests/fixtures/rest/<name>.json``)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fits(shape: Shape, value: Any) -> None:
    """Assert that ``value`` has the documented shape."""
    assert validate(shape, value) == []
