"""`quita fiscal …`: the fiscal documents (NF 21/22) from the command line.

- `quita fiscal pendentes [--company C] [--json]` — invoices awaiting a document;
- `quita fiscal gerar --invoice N [--company C] [--data AAAA-MM-DD] [--agendar]` — generate (or with
  `--agendar` only prepare: "aguarda efetivação") the document of invoice number N;
- `quita fiscal efetivar [--company C] [--data …]` — generate every pending document;
- `quita fiscal list [--company C] [--period AAMM] [--status S] [--json]`;
- `quita fiscal cancelar ID --motivo … [--substituir]`, `quita fiscal anular ID --motivo …`.

Each command is one unit of work with an audit entry per document (user: the system). Refusals
end with exit code 1 and the pt-BR reason.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

import typer
from sqlalchemy import select

from core.i18n import _
from plugins.fiscal_nf2122 import cli_support


def _invoice(session, number: int, company_code: str | None):
    from core.cli import fail
    from plugins.receivables.models import Invoice

    stmt = select(Invoice).where(Invoice.number == number)
    company_id = cli_support.company_id(session, company_code)
    if company_id is not None:
        stmt = stmt.where(Invoice.company_id == company_id)
    found = list(session.scalars(stmt))
    if not found:
        fail(_("fatura {n} não encontrada").format(n=number))
    if len(found) > 1:
        fail(_("há faturas {n} em mais de uma empresa: informe --company").format(n=number))
    return found[0]


def _generate_all(rt, company: str | None, competencia: str | None, chunk_size: int) -> None:
    """`quita fiscal gerar --todas`: the bulk job (`bulk.py`) run in this process, progress on stderr;
    an unfinished job with the same filters (a run killed before the end) is resumed first."""
    from core.db import unit_of_work
    from core.errors import ValidationError
    from plugins.fiscal_nf2122 import bulk

    try:
        with unit_of_work(rt.engine) as s:
            company_id = cli_support.company_id(s, company)
            jobs = bulk.unfinished(s, company_id=company_id, competencia=competencia)
            if not jobs:
                jobs = [bulk.submit_generation(s, rt, company_id=company_id, competencia=competencia,
                                               chunk_size=chunk_size, user="cli").id]
    except ValidationError as exc:
        cli_support.refused(exc)
    failed = False
    for job_id in jobs:
        def report(_n, job_id=job_id):
            with unit_of_work(rt.engine, readonly=True) as s:
                p = bulk.progress(s, job_id)
            typer.echo(_("tarefa {j}: {done} de {total} fatura(s) processada(s) — {g} gerada(s), {f} com erro")
                       .format(j=job_id, done=p["processed"], total=p["total"], g=p["generated"] + p["awaiting"],
                               f=p["failed"]), err=True)

        bulk.work_job(rt, job_id, progress=report)
        with unit_of_work(rt.engine, readonly=True) as s:
            p = bulk.progress(s, job_id)
        typer.echo(_("Tarefa {j} ({st}): {t} fatura(s) pendente(s); {g} documento(s) gerado(s), {a} aguardando "
                     "efetivação, {f} não gerado(s) (ver pendências), {k} já tinham documento.").format(
            j=job_id, st=p["status"], t=p["total"], g=p["generated"], a=p["awaiting"], f=p["failed"], k=p["skipped"]))
        for error in p["errors"]:
            typer.echo(error, err=True)
        failed = failed or p["status"] != "done"
    if failed:
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    group = typer.Typer(help="Documentos fiscais NF modelos 21/22: gerar, listar, cancelar, anular.",
                        no_args_is_help=True)
    cli.add_typer(group, name="fiscal")

    @group.command("pendentes")
    def pending_cmd(company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                    as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
        """Faturas pendentes de geração de documento fiscal."""
        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from core.money import format_brl
        from plugins.fiscal_nf2122.documents import pending_invoices

        rt = runtime()
        with unit_of_work(rt.engine, readonly=True) as s:
            rows = [{"invoice_id": i.id, "number": i.number, "party_id": i.party_id, "total": str(i.total),
                     "issue_date": i.issue_date.isoformat()}
                    for i in pending_invoices(s, company_id=cli_support.company_id(s, company))]
        echo_rows(rows, as_json=as_json, empty=_("Nenhuma fatura pendente."),
                  line=lambda r: _("fatura {n} — cliente {p}, {v}").format(n=r["number"], p=r["party_id"],
                                                                          v=format_brl(r["total"])))

    @group.command("gerar")
    def generate_cmd(invoice: Optional[int] = typer.Option(None, "--invoice", help="Número da fatura."),
                     company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                     data: Optional[str] = typer.Option(None, "--data", help="Data de emissão AAAA-MM-DD (padrão: hoje)."),
                     agendar: bool = typer.Option(False, "--agendar", help="Só prepara: aguarda efetivação."),
                     todas: bool = typer.Option(False, "--todas", help="Todas as faturas pendentes, em segundo "
                                                "plano (tarefa retomável)."),
                     competencia: Optional[str] = typer.Option(None, "--competencia",
                                                               help="Com --todas: só a competência AAMM."),
                     chunk_size: int = typer.Option(500, "--chunk-size", min=1, help="Com --todas: faturas por parte.")):
        """Gera o documento fiscal (NF 21/22) de uma fatura, ou de todas as pendentes (--todas)."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122.documents import describe, effect, request_generation
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        if todas:
            if invoice is not None or data or agendar:
                fail(_("--todas não se combina com --invoice, --data nem --agendar"))
            _generate_all(rt, company, competencia, chunk_size)
            return
        if invoice is None:
            fail(_("informe --invoice N ou --todas"))
        try:
            with unit_of_work(rt.engine) as s:
                found = _invoice(s, invoice, company)
                doc = request_generation(s, found, settings_of(rt))
                if not agendar:
                    effect(s, doc, issue_date=date.fromisoformat(data) if data else None)
                cli_support.audit_document(s, "fiscal_nf2122.invoice.generate", doc, None)
        except ValidationError as exc:
            cli_support.refused(exc)
        typer.echo(describe(doc, found.number))

    @group.command("efetivar")
    def effect_cmd(company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                   data: Optional[str] = typer.Option(None, "--data", help="Data de emissão AAAA-MM-DD (padrão: hoje).")):
        """Efetiva (numera e emite) todos os documentos que aguardam efetivação."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122.documents import describe, effect_pending

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                docs = effect_pending(s, company_id=cli_support.company_id(s, company),
                                      issue_date=date.fromisoformat(data) if data else None)
                for doc in docs:
                    cli_support.audit_document(s, "fiscal_nf2122.document.effect", doc, None)
        except ValidationError as exc:
            cli_support.refused(exc)
        for doc in docs:
            typer.echo(describe(doc))
        typer.echo(_("{n} documento(s) efetivado(s).").format(n=len(docs)))

    @group.command("list")
    def list_cmd(company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                 period: Optional[str] = typer.Option(None, "--period", help="Período de apuração AAMM."),
                 status: Optional[str] = typer.Option(None, "--status", help="pendente, gerado, cancelado ou anulado."),
                 as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
        """Lista os documentos fiscais."""
        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from plugins.fiscal_nf2122.documents import as_dict, describe
        from plugins.fiscal_nf2122.models import FiscalDocument
        from plugins.receivables.models import Invoice

        rt = runtime()
        with unit_of_work(rt.engine, readonly=True) as s:
            stmt = select(FiscalDocument, Invoice.number).join(Invoice, Invoice.id == FiscalDocument.invoice_id)
            company_id = cli_support.company_id(s, company)
            if company_id is not None:
                stmt = stmt.where(FiscalDocument.company_id == company_id)
            if period:
                stmt = stmt.where(FiscalDocument.period == period)
            if status:
                stmt = stmt.where(FiscalDocument.status == status)
            found = s.execute(stmt.order_by(FiscalDocument.id)).all()
            rows = [as_dict(doc, number) for doc, number in found]
            lines = {doc.id: describe(doc, number) for doc, number in found}
        echo_rows(rows, as_json=as_json, empty=_("Nenhum documento fiscal."), line=lambda r: lines[r["id"]])

    @group.command("pendencias")
    def issues_cmd(company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                   as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
        """Pendências fiscais: faturas cuja geração automática falhou, com o motivo."""
        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from plugins.fiscal_nf2122.auto import pending_issues

        rt = runtime()
        with unit_of_work(rt.engine, readonly=True) as s:
            rows = [{**r, "created_at": r["created_at"].isoformat()}
                    for r in pending_issues(s, company_id=cli_support.company_id(s, company))]
        echo_rows(rows, as_json=as_json, empty=_("Nenhuma pendência fiscal."),
                  line=lambda r: _("fatura {n} ({o}): {m}").format(n=r["invoice_number"], o=r["origin"], m=r["message"]))

    @group.command("cancelar")
    def cancel_cmd(document: int = typer.Argument(..., help="Id do documento fiscal."),
                   motivo: str = typer.Option(..., "--motivo", help="Motivo do cancelamento."),
                   substituir: bool = typer.Option(False, "--substituir", help="Gera a nota substituta (situação R).")):
        """Cancela o documento: mantém o número, segue no arquivo do período com situação S."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122.documents import describe
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.document(s, document)
                new = cli_support.cancel_audited(s, doc, motivo, settings_of(rt), substituir)
        except ValidationError as exc:
            cli_support.refused(exc)
        typer.echo(describe(doc))
        if new is not None:
            typer.echo(describe(new))

    @group.command("anular")
    def annul_cmd(document: int = typer.Argument(..., help="Id do documento fiscal."),
                  motivo: str = typer.Option(..., "--motivo", help="Motivo da anulação.")):
        """Anula a última nota da série: a próxima nota terá o mesmo número."""
        from core import audit
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122.cancel import annul_document
        from plugins.fiscal_nf2122.documents import describe

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.document(s, document)
                before = audit.snapshot(doc)
                annul_document(s, doc, motivo)
                cli_support.audit_document(s, "fiscal_nf2122.document.annul", doc, before, motivo)
        except ValidationError as exc:
            cli_support.refused(exc)
        typer.echo(describe(doc))
