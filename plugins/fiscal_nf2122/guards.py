"""Blockers of receivables' invoice actions (through the kernel's `action_blockers` hook).

An invoice with a generated fiscal document can't be removed nor have its value changed — "A
fatura X já possui documentos fiscais gerados."; while its document awaits efetivação — "Esta
fatura aguarda efetivação de geração de documentos fiscais" (manual "Painel do Cliente": Remover
Fatura, Alterar Fatura). Value changes are "Alterar fatura" with valor or vencimento (both recreate
the invoice with a new number), "Editar contas associadas a faturas" changing a value and "Incluir
cobrança adicional". Description, discount/instruction and other field edits stay allowed (they
are not in the fiscal document). Cancel the document first (cancelled documents do not block).
"""

from __future__ import annotations

from core.actions import Blocker
from core.i18n import _
from plugins.fiscal_nf2122.documents import live_documents
from plugins.fiscal_nf2122.models import PENDENTE

HAS_DOCUMENTS = "fiscal_nf2122.documentos_gerados"
AWAITING = "fiscal_nf2122.aguarda_geracao"
REMOVE = "receivables.invoice.remove"
ALTER = "receivables.invoice.alter"
EDIT_CHARGE = "receivables.invoice.edit_charge"
ADD_CHARGE = "receivables.invoice.add_charge"
BLOCKED_ACTIONS = (REMOVE, ALTER, EDIT_CHARGE, ADD_CHARGE)


def changes_value(action_name: str, params) -> bool:
    if action_name in (REMOVE, ADD_CHARGE):
        return True
    if action_name == ALTER:
        return getattr(params, "what", None) in ("valor", "vencimento")
    if action_name == EDIT_CHARGE:
        return getattr(params, "amount", None) is not None
    return False


def invoice_blockers(session, action_name: str, invoices, params=None) -> list[Blocker]:
    if action_name not in BLOCKED_ACTIONS or not changes_value(action_name, params) or not invoices:
        return []
    live = live_documents(session, [inv.id for inv in invoices])
    found = []
    for inv in invoices:
        doc = live.get(inv.id)
        if doc is None:
            continue
        if doc.status == PENDENTE:
            found.append(Blocker(inv.id, AWAITING, _("Esta fatura aguarda efetivação de geração de documentos fiscais")))
        else:
            found.append(Blocker(inv.id, HAS_DOCUMENTS,
                                 _("A fatura {n} já possui documentos fiscais gerados.").format(n=inv.number)))
    return found
