"""Repair flows of gridX: forget a registration the user deleted by hand."""

from typing import TYPE_CHECKING

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

if TYPE_CHECKING:
    # Exported from 2026.4 on; on 2026.3 the import fails and Home Assistant
    # then offers its plain confirm flow, which never forgets the deletion.
    # Annotations are not evaluated at run time (Python 3.14), so a
    # type-checking import is all it needs. Removable with 2026.4 as minimum.
    from homeassistant.components.repairs import RepairsFlowResult

from .registration.orphans import ISSUE_ORPHANED, async_forget


class ForgetOrphanFlow(ConfirmRepairFlow):
    """Confirm that an orphaned registration was deleted; stop retrying it."""

    def __init__(self, entry_id: str) -> None:
        """Remember which removed entry the issue is about."""
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Forget the pending deletion once the user confirms."""
        if user_input is not None:
            async_forget(self.hass, self._entry_id)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the fix flow of a fixable gridX issue (only orphans are)."""
    return ForgetOrphanFlow(issue_id.removeprefix(f"{ISSUE_ORPHANED}_"))
