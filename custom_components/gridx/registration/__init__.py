"""The registration lifecycle: how gridX learns where to deliver.

`lifecycle.GridxRegistration` is the one object that registers, re-registers
and deletes the webhook (or rules) of an entry and keeps it in line
(`reconcile`); `target` resolves the delivery URL and holds the lock,
`cloudhook` the Home Assistant Cloud webhook, `reachability` checks that
deliveries arrive, `orphans` finds registrations no entry owns, `mode`
decides push or poll-only (each raises its own repair issue), and
`updates_sensor` shows the mode.

May import `api/`, `const`, `compat`, `token_source`, the runtime-data type
of `coordinator`, `live.coordinator`'s interval and the account's service
device (`push.last_event`, beside the Last-event sensor); not the platforms,
`state/` or `flow/`.
"""
