"""Kernel actions of the fiscal documents (run through `core.actions`: permission, blockers, audit).

- `fiscal_nf2122.invoice.generate` "Gerar documento fiscal" on receivables invoices (one or many:
  "Documentos fiscais pendentes" → selecionar → gerar); the refused invoices are reported with the
  reason ("A fatura X já possui documentos fiscais gerados.").
- `fiscal_nf2122.document.cancel` "Cancelar documento" (motivo; optional substitute, situação R).
- `fiscal_nf2122.document.annul` "Anular documento" (motivo; only the série's last note…).
- `fiscal_nf2122.document.edit_info` "Editar informações do documento fiscal" (observações 1–4).
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from core.actions import Action, Blocker
from core.i18n import _
from plugins.fiscal_nf2122.cancel import annul_document, annul_problem, cancel_document, cancel_problem
from plugins.fiscal_nf2122.documents import edit_observations, generate, invoice_problem, live_documents
from plugins.fiscal_nf2122.models import ANULADO, FiscalDocument
from plugins.fiscal_nf2122.settings import settings_of

GENERATE = "fiscal_nf2122.invoice.generate"
CANCEL = "fiscal_nf2122.document.cancel"
ANNUL = "fiscal_nf2122.document.annul"
EDIT_INFO = "fiscal_nf2122.document.edit_info"
PERM_GENERATE = "fiscal_nf2122.document.generate"
PERM_CANCEL = "fiscal_nf2122.document.cancel"
PERM_ANNUL = "fiscal_nf2122.document.annul"
EDIT_INFO = "fiscal_nf2122.document.edit_info"
PERM_READ = "fiscal_nf2122.document.read"
TRANSMIT = "fiscal_nf2122.nfcom.transmit"
CONTINGENCY = "fiscal_nf2122.nfcom.contingency"
PERMISSIONS = {
    PERM_READ: ("Ver documentos fiscais (NF 21/22) e seu histórico", "Documentos fiscais"),
    PERM_GENERATE: ("Gerar documentos fiscais (NF 21/22) das faturas", "Documentos fiscais"),
    PERM_CANCEL: ("Cancelar documentos fiscais", "Documentos fiscais"),
    PERM_ANNUL: ("Anular o último documento fiscal da série", "Documentos fiscais"),
}


class GenerateParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    issue_date: Optional[date] = Field(default=None, title="Data de emissão",
                                       description="Vazio ⇒ hoje. Não pode ser anterior à da última nota da série.")


class CancelParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    motivo: str = Field(title="Motivo", min_length=1, max_length=500)
    substituir: bool = Field(default=False, title="Gerar nota substituta",
                             description="Gera em seguida a nota substituta (situação R) para a mesma fatura.")


class EditInfoParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    observation_1: Optional[str] = Field(default=None, title="Observação 1 (cadastro de clientes)", max_length=500)
    observation_2: Optional[str] = Field(default=None, title="Observação 2 (cadastro de clientes)", max_length=500)
    observation_3: Optional[str] = Field(default=None, title="Observação 3 (da competência)", max_length=500)
    observation_4: Optional[str] = Field(default=None, title="Observação 4 (do contrato)", max_length=500)


class AnnulParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    motivo: str = Field(title="Motivo", min_length=1, max_length=500)


def _check_generate(ctx, invoices, params):
    live = live_documents(ctx.session, [inv.id for inv in invoices])
    return [Blocker(inv.id, "fiscal_nf2122.nao_gera", msg) for inv in invoices
            if (msg := invoice_problem(inv, live.get(inv.id)))]


def _run_generate(ctx, invoices, params):
    settings = settings_of(ctx.runtime)
    for inv in sorted(invoices, key=lambda i: i.id):
        generate(ctx.session, inv, settings, issue_date=params.issue_date, user=ctx.user, now=ctx.now)


def _check_cancel(ctx, docs, params):
    return [Blocker(d.id, "fiscal_nf2122.nao_cancela", msg) for d in docs if (msg := cancel_problem(d, ctx.now))]


def _run_cancel(ctx, docs, params):
    settings = settings_of(ctx.runtime)
    for d in docs:
        cancel_document(ctx.session, d, params.motivo, settings=settings, substitute=params.substituir,
                        user=ctx.user, now=ctx.now)


def _check_annul(ctx, docs, params):
    return [Blocker(d.id, "fiscal_nf2122.nao_anula", msg) for d in docs if (msg := annul_problem(ctx.session, d))]


def _run_annul(ctx, docs, params):
    for d in sorted(docs, key=lambda d: -(d.number or 0)):
        annul_document(ctx.session, d, params.motivo, user=ctx.user, now=ctx.now)


def _check_edit_info(ctx, docs, params):
    return [Blocker(d.id, "fiscal_nf2122.anulado", _("{doc} está anulado.").format(doc=d.title))
            for d in docs if d.status == ANULADO]


def _run_edit_info(ctx, docs, params):
    for d in docs:
        edit_observations(ctx.session, d, **params.model_dump())


class ContingencyParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    justificativa: str = Field(title="Justificativa da contingência", min_length=15, max_length=256,
                               description="Vai no xJust da NFCom (15 a 256 caracteres).")


def _nfcom_blockers(ctx, docs, states: tuple[str, ...], code: str) -> list[Blocker]:
    from plugins.fiscal_nf2122.nfcom_docs import ESTADO_LABELS, nfcom_of

    out = []
    for d in docs:
        nf = nfcom_of(ctx.session, d) if d.model == 62 else None
        if nf is None:
            out.append(Blocker(d.id, code, _("{doc} não é uma NFCom.").format(doc=d.title)))
        elif nf.estado not in states:
            out.append(Blocker(d.id, code, _("{doc} está {e}.").format(doc=d.title, e=ESTADO_LABELS[nf.estado].lower())))
    return out


def _check_transmit(ctx, docs, params):
    from plugins.fiscal_nf2122.nfcom_docs import TRANSMISSIBLE

    return _nfcom_blockers(ctx, docs, TRANSMISSIBLE, "fiscal_nf2122.nao_transmite")


def _run_transmit(ctx, docs, params):
    from plugins.fiscal_nf2122 import nfcom_docs

    settings = settings_of(ctx.runtime)
    clients = nfcom_docs.client_factory(settings)
    for d in sorted(docs, key=lambda d: d.id):
        nfcom_docs.transmit(ctx.session, d.id, clients(nfcom_docs.company_of(ctx.session, d)), settings=settings,
                            now=ctx.now)


def _check_contingency(ctx, docs, params):
    from plugins.fiscal_nf2122.models import NFCOM_AGUARDANDO

    return _nfcom_blockers(ctx, docs, (NFCOM_AGUARDANDO,), "fiscal_nf2122.nao_contingencia")


def _run_contingency(ctx, docs, params):
    from plugins.fiscal_nf2122.nfcom_docs import enter_contingency

    settings = settings_of(ctx.runtime)
    for d in docs:
        enter_contingency(ctx.session, d, params.justificativa, settings, now=ctx.now)


def actions() -> tuple[Action, ...]:
    from plugins.receivables.models import Invoice

    return (
        Action(GENERATE, "Gerar documento fiscal", Invoice, PERM_GENERATE, _run_generate, GenerateParams,
               confirm="Tem certeza que deseja gerar o(s) documento(s) fiscal(is)?", check=_check_generate,
               description="Gera a NF modelo 21/22 de cada fatura selecionada, com número sequencial da série."),
        Action(CANCEL, "Cancelar documento", FiscalDocument, PERM_CANCEL, _run_cancel, CancelParams,
               confirm="Tem certeza que deseja cancelar o(s) documento(s)?", check=_check_cancel,
               description="A nota cancelada mantém o número e segue nos arquivos do período com situação "
                           "“S”; a próxima nota terá o número seguinte."),
        Action(ANNUL, "Anular documento", FiscalDocument, PERM_ANNUL, _run_annul, AnnulParams,
               confirm="Tem certeza que deseja anular o documento?", check=_check_annul,
               description="Somente a última nota da série, modelo 21/22, ainda não entregue nem incluída em "
                           "arquivo do período. O sequencial volta: a próxima nota terá o mesmo número."),
        Action(TRANSMIT, "Transmitir NFCom", FiscalDocument, PERM_GENERATE, _run_transmit, check=_check_transmit,
               confirm="Transmitir a(s) NFCom ao autorizador?",
               description="Envia a NFCom (aguardando, em contingência ou rejeitada depois de corrigida) ao "
                           "autorizador. Falha de comunicação fica registrada; a nota pode seguir em contingência."),
        Action(CONTINGENCY, "Emitir NFCom em contingência", FiscalDocument, PERM_GENERATE, _run_contingency,
               ContingencyParams, check=_check_contingency,
               confirm="Emitir a NFCom em contingência off-line (tpEmis 2)?",
               description="Nova chave com tpEmis 2 e QR Code assinado; imprima e transmita até o fim do "
                           "próximo dia útil."),
        Action(EDIT_INFO, "Editar informações do documento fiscal", FiscalDocument, PERM_GENERATE, _run_edit_info,
               EditInfoParams, check=_check_edit_info,
               description="Observações 1 e 2 vêm do cadastro do cliente, 3 da competência e 4 do contrato; "
                           "campos vazios ficam em branco. Depois imprima a nota novamente."),
    )
