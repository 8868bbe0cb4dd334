"""The push path: gridX deliveries from Home Assistant's webhook to the store.

Owns the webhook route of each entry (`router`), the handler that verifies
and parses a delivery (`endpoint`: request → signature → envelope), the event
pipeline (`pipeline`: clamp → dedupe → apply → save → notify), the bus events
it fires (`bus`) and the "Last event" sensor (`last_event`).

May import `api/`, `const`, `compat` and the store's public surface in
`state/`; nothing from `registration/`, `live/`, `flow/` or `ev/`.
"""
