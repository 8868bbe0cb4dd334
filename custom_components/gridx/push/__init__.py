"""The push door: gridX deliveries from Home Assistant's webhook to the store.

Owns the webhook route of each entry (`router`: registered for as long as
the entry exists, 503 while it cannot process), the handler that reads,
verifies and parses a delivery (`endpoint`: request → signature → envelope)
and hands it to the store (`state.store.GridxStore.async_handle_event`), and
the "Last event" sensor (`last_event`).

May import `api/`, `const`, the runtime-data type of `coordinator` and the
store's public surface; `state/` imports nothing from here (one way).
"""
