"""Repair flows of gridX: forget a registration the user deleted by hand."""

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.core import HomeAssistant

from .orphans import ISSUE_ORPHANED, async_forget


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
