"""Integrator reference for the hooks, generated from the specifications' docstrings.

`python -m core.hookdocs > docs/hooks.md` rewrites the page; a test fails when it is stale.
"""

from __future__ import annotations

import inspect

import hooks

REQUIRED_SECTIONS = ("Arguments:", "Returns:", "Calls:", "Transaction:")


def hook_specs():
    """(family module, name, function) for every hook specification, in source order."""
    for module in hooks.SPEC_MODULES:
        funcs = [(n, f) for n, f in vars(module).items()
                 if inspect.isfunction(f) and hasattr(f, f"{hooks.PROJECT}_spec")]
        funcs.sort(key=lambda item: item[1].__code__.co_firstlineno)
        for name, func in funcs:
            yield module, name, func


def render_markdown() -> str:
    out = ["# Hooks — the plugin contract", "",
           "Generated from `hooks/` by `python -m core.hookdocs`; do not edit by hand.", "",
           "Implement a hook with `from hooks import hookimpl` in the module your entry point",
           "(`quita.plugins`) names. Every hook below has a test named `test_hook_<name>`.", ""]
    current = None
    for module, name, func in hook_specs():
        if module is not current:
            current = module
            family = module.__name__.split(".")[-1]
            out += [f"## {family}", "", inspect.cleandoc(module.__doc__ or ""), ""]
        opts = getattr(func, f"{hooks.PROJECT}_spec")
        flags = [k for k in ("firstresult", "historic") if opts.get(k)]
        sig = f"{name}{inspect.signature(func)}"
        out += [f"### `{sig}`" + (f" ({', '.join(flags)})" if flags else ""), "",
                inspect.cleandoc(func.__doc__ or ""), ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
