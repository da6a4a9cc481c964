"""Quita's plugin contract: the hook specifications.

Plugins implement hooks with `hooks.hookimpl`::

    from hooks import hookimpl

    @hookimpl
    def register_customer_panel_tabs(register):
        register(PanelTab(key="contratos", label="Contratos", order=10, render=render_contracts))

One module per family; each spec's docstring is the reference for integrators (see
docs/hooks.md, which is generated from these docstrings and checked by a meta-test).
"""

import pluggy

PROJECT = "quita"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

from hooks import events, guards, registration  # noqa: E402  (the markers must exist first)

SPEC_MODULES = (registration, guards, events)

__all__ = ["hookimpl", "hookspec", "PROJECT", "SPEC_MODULES"]
