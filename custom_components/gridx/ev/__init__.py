"""EV charging control: the charging stations' configuration and commands.

`control` reads and caches each station's configuration, `commands` writes
it (mode, target, departure), `entity` is the base of the control entities
(number, select, switch, time), `sensor` holds the diagnostic sensors and
`setup` starts the control for an entry.

May import `api/`, `const`, `entity`, the runtime-data type of `coordinator`,
the store's public surface in `state/` and `live.coordinator`.
"""
