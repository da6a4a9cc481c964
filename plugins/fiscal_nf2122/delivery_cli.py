"""`quita fiscal imprimir` / `quita fiscal email`: printing and e-mailing fiscal documents from the
command line (commands added to the `fiscal` group of `documents_cli`).

- `quita fiscal imprimir ID... --out ARQUIVO.pdf` — one PDF with the documents (NF 21/22 via
  única; NFCom as DANFE-COM); the generated ones are marked delivered (can't be annulled anymore);
- `quita fiscal email ID... [--para E-MAIL] [--cc E-MAILS] [--titulo …] [--mensagem …]` — queues
  the e-mail(s) in the outbox (sent by `quita outbox run`) and marks the documents delivered.

Each command is one unit of work (user: the system). Refusals end with exit code 1 and the pt-BR
reason; nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from core.i18n import _


def _fiscal_group(cli: typer.Typer) -> typer.Typer:
    for info in cli.registered_groups:
        if info.name == "fiscal":
            return info.typer_instance
    raise RuntimeError("grupo 'fiscal' não registrado")  # documents_cli.register runs first


def register(cli: typer.Typer) -> None:
    group = _fiscal_group(cli)

    @group.command("imprimir")
    def print_cmd(documents: List[int] = typer.Argument(..., help="Ids dos documentos fiscais."),
                  out: Path = typer.Option(..., "--out", help="Arquivo PDF a gravar.")):
        """Imprime (PDF) os documentos fiscais; os gerados passam a constar como entregues."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import NotFound, ValidationError
        from plugins.fiscal_nf2122.printing import print_documents

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                pdf = print_documents(s, [str(d) for d in documents])
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(pdf.content)
        except (ValidationError, NotFound) as exc:
            typer.secho(_("Recusado: {msg}").format(msg=exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        typer.echo(_("{n} documento(s) em {path} ({size} bytes).").format(n=len(documents), path=out,
                                                                        size=len(pdf.content)))

    @group.command("email")
    def email_cmd(documents: List[int] = typer.Argument(..., help="Ids dos documentos fiscais."),
                  para: Optional[str] = typer.Option(None, "--para", help="E-mail de destino (padrão: o do cliente)."),
                  cc: Optional[str] = typer.Option(None, "--cc", help="Destinos em cópia (separados por vírgula)."),
                  titulo: Optional[str] = typer.Option(None, "--titulo", help="Título do e-mail."),
                  mensagem: Optional[str] = typer.Option(None, "--mensagem", help="Corpo da mensagem.")):
        """Enfileira o e-mail dos documentos fiscais ao cliente (enviado por `quita outbox run`)."""
        from sqlalchemy import select

        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122.mail import SendEmailParams, enqueue_document_emails
        from plugins.fiscal_nf2122.models import FiscalDocument

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                found = list(s.scalars(select(FiscalDocument).where(FiscalDocument.id.in_(documents))))
                missing = sorted(set(documents) - {d.id for d in found})
                if missing:
                    raise ValidationError(_("Documento fiscal {id} não encontrado.").format(id=missing[0]))
                messages = enqueue_document_emails(s, found, SendEmailParams(email=para, cc=cc, subject=titulo,
                                                                             body=mensagem))
                ids = [m.id for m in messages]
        except ValidationError as exc:
            typer.secho(_("Recusado: {msg}").format(msg=exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        typer.echo(_("{n} e-mail(s) na fila de saída (mensagens {ids}); envie com `quita outbox run`.").format(
            n=len(ids), ids=", ".join(map(str, ids))))
