"""The per-entry state: everything `state.store.GridxStore` owns.

The resource model (`resource_model`: resources and stamped values), the
catalogue with its staleness rule, applying events and polls (`apply`,
`stale`), the device registry sync (`devices`), the entity dispatcher
(`dispatch`), persistence with its seen event ids (`persistence`, `seen`),
unique ids and device identifiers (`identity`) and the registry migration
(`migration`).

May import `api/`, `const` and `compat`; not the platforms, `registration/`,
`flow/` or `ev/`.
"""
