"""Kernel contributions of the services area: the "Motivos" document, the generic reason
kinds, audit permission and the `quita outbox` commands. Registered as a kernel part (always on).
"""

from __future__ import annotations

import typer

from hooks import hookimpl

GENERIC_REASON_KINDS = {
    "remocao": "Remoção",
    "suspensao": "Suspensão",
    "cancelamento": "Cancelamento",
    "estorno": "Estorno",
}


@hookimpl
def register_doctypes(register):
    from core.models.reasons import Justification, Reason

    register(Reason)
    register(Justification)


@hookimpl
def register_reason_kinds(register):
    for kind, label in GENERIC_REASON_KINDS.items():
        register(kind, label)


@hookimpl
def register_permissions(register):
    register("core.audit.view", "Consultar o histórico de alterações (auditoria)", "Administração")
    register("core.reason.manage", "Cadastrar motivos e justificativas", "Administração")


@hookimpl
def register_cli_commands(cli):
    outbox = typer.Typer(help="Fila de saída: efeitos externos (e-mail, arquivos, bancos) após o commit.",
                         no_args_is_help=True)

    @outbox.command("run")
    def outbox_run(limit: int = typer.Option(1000, "--limit", help="Máximo de mensagens a processar.")):
        """Processa as mensagens pendentes da fila de saída (cada uma em sua própria transação)."""
        from core.cli import runtime
        from core.outbox import dispatch_pending

        rt = runtime(check_schema=True)
        done = dispatch_pending(rt, limit=limit)
        typer.echo(f"Mensagens processadas com sucesso: {done}")

    @outbox.command("status")
    def outbox_status():
        """Mostra quantas mensagens aguardam envio."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.outbox import pending_count

        rt = runtime(check_schema=True)
        with unit_of_work(rt.engine, readonly=True) as s:
            n = pending_count(s)
        typer.echo(f"Mensagens pendentes: {n}")

    cli.add_typer(outbox, name="outbox")
