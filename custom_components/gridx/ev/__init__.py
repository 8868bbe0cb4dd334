"""EV charging control: the charging stations' configuration and commands.

`control` reads and caches each station's configuration, `commands` writes
it (mode, target, departure) and ties the control to the live cycle
(`async_setup_ev_control`), `entity` is the base of the control entities
(number, select, switch, time) and `sensor` holds the diagnostic sensors.

May import `api/`, `const`, `entity`, the runtime-data type of `coordinator`,
the store's public surface in `state/` and `live.coordinator`.
"""
