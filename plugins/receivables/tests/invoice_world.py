"""The open monthly invoice most receivables tests start from (as the billing run makes it: a
"Mensalidade Fibra 300 Mega" charge of the whole total, competence 11/2026, number from the
gapless counter), built in the caller's session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from plugins.receivables.invoicing import draw_numbers
from plugins.receivables.models import Charge, Invoice

COMPETENCE = date(2026, 11, 1)


def add_invoice(s, company_id: int, party_id: int, total="99.90", issue=date(2026, 11, 30), due=date(2026, 12, 10),
                *, status="aberta", description="Fibra 300 Mega", competence=COMPETENCE, **fields) -> int:
    """An invoice with its one charge; `fields` go to the Invoice (remessa_transmitted, payment_form…)."""
    fields.setdefault("remessa_transmitted", False)
    inv = Invoice(party_id=party_id, company_id=company_id, number=draw_numbers(s, company_id, 1),
                  issue_date=issue, due_date=due, total=Decimal(total), status=status, description=description,
                  wallet="cobranca", competence=competence, remessa_write_off_pending=False, **fields)
    s.add(inv)
    s.flush()
    s.add(Charge(party_id=party_id, company_id=company_id, description="Mensalidade Fibra 300 Mega",
                 amount=Decimal(total), due_date=due, competence=competence, status="faturada",
                 invoice_id=inv.id, origin="contrato"))
    return inv.id
