"""The parts of the config flow; the entry point stays in ``config_flow.py``.

``config_flow.GridxConfigFlow`` is composed of step families, each
deriving from `base.GridxFlowBase` (the shared state and the new entry's
creation) alone: the token steps (in ``config_flow.py``), `portal` (sign-in,
reauth and reconfigure of portal entries, with `portal_login`) and
`reconfigure` (token entries). `options` is the options flow and `common`
the helpers they share (schemas, titles, error keys). Every change of the
registration at gridX is asked of `registration.registrar.GridxRegistrar`:
no flow calls the REST client for it or takes its lock.

May import `api/`, `const`, `token_source`, `registration/` and
`live.coordinator`'s interval; nothing imports `flow/` but ``config_flow.py``
and the integration's setup.
"""
