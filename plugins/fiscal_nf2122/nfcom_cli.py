"""`quita nfcom …`: the NFCom (modelo 62) notes and the authorizer from the command line.

- `quita nfcom transmitir ID… | --pendentes [--company C]` — sends each note (aguardando, em
  contingência, rejeitada after correction); one unit of work per note (a note's answer is kept
  even when the next one fails). Exit code 1 when some note was not authorized.
- `quita nfcom contingencia ID --justificativa …` — tpEmis 2 (new key, dhCont/xJust, QR with sign).
- `quita nfcom status [--company C] [--estado E] [--json]` — the notes and their transmission state;
  `--servico` asks the authorizer (NFComStatusServico, 107 = em operação; exit code 1 otherwise).
- `quita nfcom cancelar ID --motivo … [--substituir]` — event 110111 (120-hour rule checked first);
  `--substituir` issues the substitute NFCom (finNFCom 3, gSub → the cancelled key).
- `quita nfcom substituir ID [--motivo-sub 01…06]` — substitute NFCom without cancelling the
  authorized one (the way after the cancellation deadline).
- `quita nfcom consultar ID` — `NFComConsulta` of the note's key.

Each change writes an audit entry (user: the system). The certificate password never reaches the
output. Refusals: exit code 1 with the pt-BR reason.
"""

from __future__ import annotations

from typing import Optional

import typer
from sqlalchemy import select

from core.i18n import _
from plugins.fiscal_nf2122 import cli_support


def register(cli: typer.Typer) -> None:
    group = typer.Typer(help="NFCom (modelo 62): transmitir, contingência, situação, cancelar, substituir, consultar.",
                        no_args_is_help=True)
    cli.add_typer(group, name="nfcom")

    @group.command("transmitir")
    def transmit_cmd(ids: Optional[list[int]] = typer.Argument(None, help="Ids dos documentos fiscais."),
                     pendentes: bool = typer.Option(False, "--pendentes",
                                                    help="Todas as que aguardam transmissão e as em contingência."),
                     company: Optional[str] = typer.Option(None, "--company", help="Código da empresa.")):
        """Transmite NFCom ao autorizador (uma transação por nota)."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.models import NFCOM_AUTORIZADA
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        settings = settings_of(rt)
        if not ids and not pendentes:
            fail(_("informe os ids das notas ou --pendentes"))
        with unit_of_work(rt.engine, readonly=True) as s:
            todo = list(ids or []) or [nf.document_id for nf in nfcom_docs.pending(
                s, company_id=cli_support.company_id(s, company))]
        if not todo:
            typer.echo(_("Nenhuma NFCom a transmitir."))
            return
        clients = nfcom_docs.client_factory(settings)
        failed = 0
        for doc_id in todo:
            try:
                with unit_of_work(rt.engine) as s:
                    doc, _nf = nfcom_docs.require(s, doc_id)
                    nf = nfcom_docs.transmit(s, doc_id, clients(nfcom_docs.company_of(s, doc)), settings=settings)
                    cli_support.audit_document(s, "fiscal_nf2122.nfcom.transmit", doc, None, nf.estado)
                    line, ok = nfcom_docs.describe(doc, nf), nf.estado == NFCOM_AUTORIZADA
            except ValidationError as exc:
                line, ok = _("{id}: recusado: {e}").format(id=doc_id, e=exc), False
            failed += not ok
            typer.echo(line)
        typer.echo(_("{a} autorizada(s), {f} não autorizada(s).").format(a=len(todo) - failed, f=failed))
        if failed:
            raise typer.Exit(1)

    @group.command("contingencia")
    def contingency_cmd(document: int = typer.Argument(..., help="Id do documento fiscal."),
                        justificativa: str = typer.Option(..., "--justificativa",
                                                          help="Motivo da contingência (15 a 256 caracteres).")):
        """Passa a NFCom para contingência off-line (tpEmis 2): imprima e transmita depois."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.nfcom_document(s, document)
                nf = nfcom_docs.enter_contingency(s, doc, justificativa, settings_of(rt))
                cli_support.audit_document(s, "fiscal_nf2122.nfcom.contingency", doc, None, justificativa)
                line = nfcom_docs.describe(doc, nf)
        except ValidationError as exc:
            cli_support.refused(exc)
        typer.echo(line)

    @group.command("status")
    def status_cmd(company: Optional[str] = typer.Option(None, "--company", help="Código da empresa."),
                   estado: Optional[str] = typer.Option(None, "--estado",
                                                        help="aguardando, autorizada, rejeitada, contingencia ou "
                                                             "cancelada."),
                   as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
                   servico: bool = typer.Option(False, "--servico",
                                                help="Consulta o status do serviço no autorizador (NFComStatusServico) "
                                                     "com o certificado da empresa.")):
        """Lista as NFCom e a situação de transmissão de cada uma (ou, com --servico, o status do autorizador)."""
        from core.cli import echo_rows, fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.models import FiscalDocument, FiscalNFCom
        from plugins.fiscal_nf2122.nfcom.xsd import NFComError
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        if servico:
            from core.models.company import Company

            settings = settings_of(rt)
            with unit_of_work(rt.engine, readonly=True) as s:
                codes = [company] if company else [c for c, e in settings.nfcom.empresas.items() if e.certificado]
                if not codes:
                    fail(_("nenhuma empresa com certificado da NFCom configurado: informe --company"))
                found = s.scalar(select(Company).where(Company.code == codes[0]))
                if found is None:
                    fail(_("empresa {c} não encontrada").format(c=codes[0]))
                try:
                    ret = nfcom_docs.client_for(settings, found).status_servico()
                except (ValidationError, NFComError) as exc:
                    cli_support.refused(exc)
            typer.echo(_("Empresa {c}: cStat {s} — {m}").format(c=found.code, s=ret.c_stat, m=ret.x_motivo))
            if not ret.em_operacao:
                raise typer.Exit(1)
            return
        with unit_of_work(rt.engine, readonly=True) as s:
            stmt = select(FiscalDocument, FiscalNFCom).join(FiscalNFCom, FiscalNFCom.document_id == FiscalDocument.id)
            company_id = cli_support.company_id(s, company)
            if company_id is not None:
                stmt = stmt.where(FiscalDocument.company_id == company_id)
            if estado:
                stmt = stmt.where(FiscalNFCom.estado == estado)
            found = s.execute(stmt.order_by(FiscalDocument.id)).all()
            rows = [nfcom_docs.as_dict(doc, nf) for doc, nf in found]
            lines = {doc.id: nfcom_docs.describe(doc, nf) for doc, nf in found}
        echo_rows(rows, as_json=as_json, empty=_("Nenhuma NFCom."), line=lambda r: lines[r["id"]])

    @group.command("cancelar")
    def cancel_cmd(document: int = typer.Argument(..., help="Id do documento fiscal."),
                   motivo: str = typer.Option(..., "--motivo", help="Justificativa (15 a 255 caracteres)."),
                   substituir: bool = typer.Option(False, "--substituir",
                                                   help="Emite a NFCom de substituição (finNFCom 3).")):
        """Cancela a NFCom autorizada (evento 110111), mantendo o número."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.nfcom_document(s, document)
                new = cli_support.cancel_audited(s, doc, motivo, settings_of(rt), substituir)
                lines = [nfcom_docs.describe(d, nfcom_docs.nfcom_of(s, d)) for d in (doc, new) if d is not None]
        except ValidationError as exc:
            cli_support.refused(exc)
        for line in lines:
            typer.echo(line)

    @group.command("substituir")
    def substitute_cmd(document: int = typer.Argument(..., help="Id do documento fiscal (NFCom autorizada)."),
                       motivo: Optional[str] = typer.Option(None, "--motivo-sub",
                                                            help="motSub: 01 preço, 02 cadastral, 03 decisão "
                                                                 "judicial, 04 tributação, 05 descontinuidade, "
                                                                 "06 regime especial (padrão: configuração).")):
        """Emite a NFCom de substituição (finNFCom 3) sem cancelar a original (ex.: depois do prazo)."""
        from core import audit
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.nfcom_document(s, document)
                before = audit.snapshot(doc)
                new = nfcom_docs.substitute_nfcom(s, doc, settings_of(rt), motivo=motivo)
                cli_support.audit_document(s, "fiscal_nf2122.nfcom.substitute", doc, before, doc.closed_reason)
                cli_support.audit_document(s, "fiscal_nf2122.invoice.generate", new, None)
                lines = [nfcom_docs.describe(d, nfcom_docs.nfcom_of(s, d)) for d in (doc, new)]
        except ValidationError as exc:
            cli_support.refused(exc)
        for line in lines:
            typer.echo(line)

    @group.command("consultar")
    def consult_cmd(document: int = typer.Argument(..., help="Id do documento fiscal.")):
        """Consulta a situação da NFCom no autorizador (NFComConsulta)."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.fiscal_nf2122 import nfcom_docs
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        try:
            with unit_of_work(rt.engine) as s:
                doc = cli_support.nfcom_document(s, document)
                ret = nfcom_docs.consult(s, document, nfcom_docs.client_for(settings_of(rt),
                                                                           nfcom_docs.company_of(s, doc)))
                line = nfcom_docs.describe(doc, nfcom_docs.nfcom_of(s, doc))
        except ValidationError as exc:
            cli_support.refused(exc)
        typer.echo(_("Autorizador: cStat {c} — {m}").format(c=ret.c_stat, m=ret.x_motivo))
        typer.echo(line)
