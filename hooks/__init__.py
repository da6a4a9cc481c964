"""Quita's plugin contract: the hook specifications.

Plugins implement hooks with `hooks.hookimpl`::

    from hooks import hookimpl

    @hookimpl
    def register_customer_panel_tabs(register):
        register(PanelTab(key="contratos", label="Contratos", order=10, render=render_contracts))

One module per family; each spec's docstring is the reference for integrators (see
docs/hooks.md, which is generated from these docstrings and checked by a meta-test).

Ordering (pluggy's rule, for every hook): implementations are called last-registered first;
`@hookimpl(tryfirst=True)` / `trylast=True` move one to the front or the back. The kernel's own
implementations are registered before any plugin's, so plugins run before the kernel unless the
kernel marks an implementation `tryfirst`. Hooks whose results are merged (guards, registrations)
do not depend on that order.
"""

import pluggy

PROJECT = "quita"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

from hooks import events, guards, payables, receivables, reconciliation, registration  # noqa: E402  (the markers must exist first)

SPEC_MODULES = (registration, guards, events, receivables, payables, reconciliation)

__all__ = ["hookimpl", "hookspec", "PROJECT", "SPEC_MODULES"]
