"""The registration lifecycle: how gridX learns where to deliver.

`registrar.GridxRegistrar` is the one owner of every change of a
registration at gridX (register, re-register or move, update the event
types, delete; the work in `changes` and `reconcile`) and holds its lock;
the flows ask it. `lifecycle.GridxRegistration` keeps a running entry's
registration in line through it; `target` resolves the delivery URL,
`cloudhook` the Home Assistant Cloud webhook, `reachability` checks that
deliveries arrive, `orphans` finds registrations no entry owns, `mode`
decides push or poll-only (each raises its own repair issue), and
`updates_sensor` shows the mode.

May import `api/`, `const`, `compat`, `token_source`, the runtime-data type
of `coordinator`, `live.coordinator`'s interval and the account's service
device (`push.last_event`, beside the Last-event sensor); not the platforms,
`state/` or `flow/`.
"""
