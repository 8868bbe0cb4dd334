"""The push door: gridX deliveries from Home Assistant's webhook to the store.

Owns the webhook route of each entry (`router`: registered for as long as
the entry exists, 503 while it cannot process), the handler that reads,
verifies and parses a delivery (`endpoint`: request → signature → envelope)
and hands it to the store (`state.store.GridxStore.async_handle_event`), and
what follows every accepted delivery: the "Last event" sensor
(`last_event`) and the repair issues for what gridX says the user must do
(`user_issues`: ``system/action``, ``ev/charge-failed``).

May import `api/`, `const`, `compat`, the runtime-data type of `coordinator` and the
store's public surface; `state/` imports nothing from here (one way).
"""
