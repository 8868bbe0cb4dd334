"""The per-entry state: everything `store.GridxStore`, the one facade, owns.

The resource model (`resource_model`: resources and stamped values), the
catalogue with its staleness rule, the event pipeline behind the push door
(`pipeline`: clamp → dedupe [`seen`] → apply [`apply`, `stale`] → save
[`persistence`] → notify [`dispatch`] → ``gridx_event`` [`bus`]), the live
answer's charging stations (`live_stations`), the device registry sync
(`devices`), unique ids and device identifiers (`identity`), the EV
location's states (`location`) and the registry migration (`migration`).

May import `api/`, `const` and `compat` only: the other sub-packages build
on this one, none below it.
"""
