"""Customer-panel tabs (manual "Painel do Cliente"): "Documentos fiscais gerados" (every NF 21/22 of
the customer, with "Editar informações do documento fiscal", "Cancelar documento", "Anular
documento", "Enviar e-mail ao cliente" and the "Imprimir documento fiscal" button) and "Documentos fiscais pendentes"
(invoices awaiting a document, with "Gerar documento fiscal"); the history kind of the documents.
Read only: the buttons open the kernel's action dialog."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.web.registry import PanelTab
from core.web.templating import add_template_dir, render_string
from plugins.fiscal_nf2122.actions import ANNUL, CANCEL, CONTINGENCY, EDIT_INFO, GENERATE, PERM_READ, TRANSMIT
from plugins.fiscal_nf2122.documents import live_documents, pending_invoices
from plugins.fiscal_nf2122.models import STATUSES, FiscalDocument

add_template_dir(Path(__file__).parent / "templates")

STATUS_LABELS = dict(STATUSES)
HISTORY_FIELDS = {"number": "Número", "serie": "Série", "model": "Modelo", "status": "Situação no sistema",
                  "situacao": "Situação (Convênio 115)", "issue_date": "Data de emissão", "period": "Período",
                  "valor_total": "Valor total", "closed_reason": "Motivo", "observation_1": "Observação 1",
                  "observation_2": "Observação 2", "observation_3": "Observação 3", "observation_4": "Observação 4"}


def document_title(session, doc_id: int) -> str | None:
    doc = session.get(FiscalDocument, doc_id)
    return doc.title if doc is not None else None


def register_tabs(register) -> None:
    register(PanelTab(key="documentos-fiscais", label="Documentos fiscais gerados", order=60, render=render_documents,
                      permission=PERM_READ))
    register(PanelTab(key="documentos-pendentes", label="Documentos fiscais pendentes", order=61,
                      render=render_pending, permission=PERM_READ))


def _actions(runtime, names) -> list[str]:
    return [n for n in names if n in runtime.registry.actions]


def document_rows(session, party_id: int) -> list[dict]:
    from plugins.receivables.models import Invoice

    from plugins.fiscal_nf2122.models import FiscalNFCom
    from plugins.fiscal_nf2122.nfcom_docs import ESTADO_LABELS

    stmt = (select(FiscalDocument, Invoice.number, FiscalNFCom)
            .join(Invoice, Invoice.id == FiscalDocument.invoice_id)
            .outerjoin(FiscalNFCom, FiscalNFCom.document_id == FiscalDocument.id)
            .where(FiscalDocument.party_id == party_id).order_by(FiscalDocument.id.desc()))
    return [{"id": d.id, "title": d.title, "issue_date": d.issue_date, "period": d.period, "invoice": number,
             "total": d.valor_total, "situacao": d.situacao,
             # NFCom: the transmission state next to the document's; a rejection shows cStat and xMotivo
             "status": STATUS_LABELS.get(d.status, d.status) + (f" — NFCom {ESTADO_LABELS[nf.estado].lower()}"
                                                                if nf is not None else ""),
             "delivered": d.delivered_at is not None, "in_file": d.period_file_id is not None,
             "reason": (f"cStat {nf.c_stat}: {nf.x_motivo}" if nf is not None and nf.estado == "rejeitada"
                        else d.closed_reason or (nf.last_error if nf is not None else None) or "")}
            for d, number, nf in session.execute(stmt)]


def pending_rows(session, party_id: int) -> list[dict]:
    invoices = pending_invoices(session, party_id=party_id)
    live = live_documents(session, [i.id for i in invoices])
    return [{"id": i.id, "number": i.number, "issue_date": i.issue_date, "due_date": i.due_date, "total": i.total,
             "awaiting": i.id in live} for i in invoices]


def render_documents(ctx) -> str:
    from plugins.fiscal_nf2122.mail import SEND_EMAIL
    from plugins.fiscal_nf2122.printing_web import print_tools_html

    return render_string("fiscal_nf2122/documents_tab.html", runtime=ctx.runtime, user=ctx.user, party=ctx.party,
                         rows=document_rows(ctx.session, ctx.party.id),
                         actions=_actions(ctx.runtime, (EDIT_INFO, CANCEL, ANNUL, SEND_EMAIL, TRANSMIT, CONTINGENCY)),
                         print_tools=print_tools_html(ctx.user))


def render_pending(ctx) -> str:
    return render_string("fiscal_nf2122/pending_tab.html", runtime=ctx.runtime, user=ctx.user, party=ctx.party,
                         rows=pending_rows(ctx.session, ctx.party.id), actions=_actions(ctx.runtime, (GENERATE,)))
