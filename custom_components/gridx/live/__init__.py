"""Live data: the poll of ``/systems/{id}/live`` and what it feeds.

`coordinator` polls the live values (the stations' plug state goes into the
store, `state.live_stations`), `descriptions` and `appliance` describe the
sensors, `sensor` adds and places them, `statistics` imports the energy
history and starts the poll and the imports of an entry (`async_start_live`).

May import `api/`, `const`, `entity`, the runtime-data type of
`coordinator` and the store's public surface in `state/`.
"""
