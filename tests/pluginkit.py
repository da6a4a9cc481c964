"""Helpers for tests that need a small in-test plugin (a module with hook implementations)."""

from __future__ import annotations

import types


def plugin_module(name: str, **functions) -> types.ModuleType:
    """A plugin module named `name` whose attributes are `functions` (hook implementations, or
    LABEL/REQUIRES values); register it with `bootstrap(config, extra_plugins={name: module})`."""
    module = types.ModuleType(name)
    for attr, value in functions.items():
        setattr(module, attr, value)
    return module
