"""Kernel hook implementations of the parties area (registered through KERNEL_PARTS)."""

from __future__ import annotations

from hooks import hookimpl


@hookimpl
def register_doctypes(register):
    from core.parties.models import Party

    register(Party)


@hookimpl
def register_cli_commands(cli):
    from core.bench import attach
    import core.parties.bench  # noqa: F401  (defines `quita bench parties` on the bench group)

    attach(cli)
