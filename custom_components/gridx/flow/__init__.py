"""The parts of the config flow; the entry point stays in ``config_flow.py``.

`portal` holds the homeowner portal login steps, `reconfigure` the
reconfigure steps, `options` the options flow and `common` the helpers they
share (validation, registration of a new entry).

May import `api/`, `const`, `token_source`, `registration/` and
`live.coordinator`'s interval; nothing imports `flow/` but ``config_flow.py``
and the integration's setup.
"""
