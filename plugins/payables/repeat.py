""""Repetir último lançamento" (Lançar Pagamento, last screen): the launch form pre-filled with the
user's last launch — fornecedor, empresa, valores, parcelas, prazo, forma de pagamento, histórico,
desmembramento, contas, rateio, categoria, comprador, observação padrão, série and the service
invoice's retentions. Not repeated: the dates (today again), the document number (each invoice
has its own) and the advance's order number (an advance belongs to one order).

    values = last_launch_form(session, user_id=7)     # None when the user launched nothing yet
    values.values["total"], values.splits, values.centres, values.number

Reads only; the page (`/pagar/lancar?repetir=1`) shows the form and the operator previews and
confirms as usual (the launch rules run again then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.payables.models import STATUS_DELETED, PayableInvoice


@dataclass
class RepeatedLaunch:
    number: int                                   # control number of the launch repeated
    values: dict[str, str] = field(default_factory=dict)
    splits: list[tuple[str, str]] = field(default_factory=list)   # (account id, amount) of the split
    centres: dict[str, str] = field(default_factory=dict)         # centre id ⇒ % (or R$ when typed)


def _text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


def _percent(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def last_launch(session: Session, user_id: int) -> PayableInvoice | None:
    """The user's most recent launch not deleted (by creation, then id)."""
    return session.scalar(select(PayableInvoice).where(PayableInvoice.user_id == user_id,
                                                       PayableInvoice.status != STATUS_DELETED)
                          .order_by(PayableInvoice.created_at.desc(), PayableInvoice.id.desc()).limit(1))


def last_launch_form(session: Session, user_id: int | None) -> RepeatedLaunch | None:
    """The form values of the user's last launch (module docstring), or None."""
    from core.parties.models import Party
    from plugins.payables.models import FinancialCategory

    if user_id is None:
        return None
    inv = last_launch(session, user_id)
    if inv is None:
        return None
    v = {"company_id": str(inv.company_id), "supplier_id": str(inv.supplier_id), "series": inv.series or "",
         "total": _text(inv.total), "discount": _text(inv.discount) if inv.discount else "",
         "installments": str(inv.installments), "term_days": str(inv.term_days), "due_mode": inv.due_mode,
         "payment_form": inv.payment_form, "template_id": str(inv.template_id or ""),
         "credit_account_id": str(inv.credit_account_id), "cash_flow_account_id": str(inv.cash_flow_account_id or ""),
         "standard_note": inv.standard_note or ""}
    if inv.keep_typed_apportionment:
        v["keep_typed_apportionment"] = "1"
    if inv.category_id:
        category = session.get(FinancialCategory, inv.category_id)
        v["category"] = category.name if category else ""
    if inv.buyer_id:
        buyer = session.get(Party, inv.buyer_id)
        v["buyer"] = buyer.document or str(buyer.code) if buyer else ""
    if inv.service_invoice:
        v["service_invoice"] = "1"
        for tax in ("irrf", "pis", "cofins", "csll"):
            v[tax] = _text(getattr(inv, tax))
    splits = inv.debit_splits
    if len(splits) == 1:
        split_rows = [(str(splits[0].account_id), "")]          # one debit account: no split amounts
    else:
        split_rows = [(str(s.account_id), _text(s.amount)) for s in splits]
    centres = {str(a.cost_centre_id): (_text(a.amount) if inv.keep_typed_apportionment else _percent(a.percent))
               for a in inv.apportionment}
    return RepeatedLaunch(inv.number, v, split_rows, centres)
