"""Kernel hook implementations of the parties area (registered through KERNEL_PARTS)."""

from __future__ import annotations

from hooks import hookimpl


@hookimpl
def register_doctypes(register):
    from core.parties.models import Party

    register(Party)


@hookimpl
def register_cli_commands(cli):
    from core.bench import bench_group
    from core.parties.bench import add_commands

    add_commands(bench_group(cli))


@hookimpl
def register_actions(register):
    from core.parties.actions import ACTIVATE, DEACTIVATE

    register(DEACTIVATE)
    register(ACTIVATE)


@hookimpl
def register_permissions(register):
    from core.parties.actions import PERM_ACTIVATE, PERM_DEACTIVATE

    register(PERM_DEACTIVATE, "Inativar cadastros", "Cadastros")
    register(PERM_ACTIVATE, "Reativar cadastros", "Cadastros")


@hookimpl
def register_reason_kinds(register):
    from core.parties.actions import REASON_KIND_DEACTIVATE

    register(REASON_KIND_DEACTIVATE, "Inativação de cadastro")
