"""Previsão de despesas as services (the register itself is the low-code document
`cashflow_models.ExpenseForecast`: these go through the kernel's document service, so they get the
same validation, permission check and audit trail as its form).

    fc = add_forecast(session, company_id=1, account_id=bank_id, description="Aluguel", amount="1.500,00",
                      due_date=date(2027, 1, 10), monthly_until=date(2027, 12, 10), user=u)
    compensate(session, fc.id, through=date(2027, 3, 10), user=u)   # Jan–Mar launched: out of the flow
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.doctype.service import create_doc, get_doc, update_doc
from core.errors import ValidationError
from core.money import format_brl
from core.parties.search import parse_date
from plugins.payables.cashflow_models import RECURRENCE_MONTHLY, RECURRENCE_ONCE, RECURRENCES, ExpenseForecast


def add_forecast(session: Session, *, company_id: int, account_id: int | None, description: str, amount,
                 due_date, monthly_until=None, user=None, runtime=None) -> ExpenseForecast:
    """A new forecast: one date, or monthly until `monthly_until`. Never commits."""
    until = parse_date(monthly_until, "until") if monthly_until else None
    data = {"company_id": company_id, "account_id": account_id, "description": description, "amount": amount,
            "due_date": due_date, "recurrence": RECURRENCE_MONTHLY if until else RECURRENCE_ONCE, "until": until}
    return create_doc(session, ExpenseForecast, data, user=user, runtime=runtime)


def compensate(session: Session, forecast_id: int, *, through, user=None, runtime=None) -> ExpenseForecast:
    """"Compensada até": the occurrences on or before `through` leave the cash flow."""
    on = parse_date(through, "compensated_until")
    if on is None:
        raise ValidationError("Informe até que data a previsão foi compensada.", field="compensated_until")
    fc = get_doc(session, ExpenseForecast, forecast_id, user=user)
    if on < fc.due_date:
        raise ValidationError("A data de compensação não pode ser anterior ao 1º vencimento da previsão.",
                              field="compensated_until")
    return update_doc(session, fc, {"compensated_until": on}, user=user, runtime=runtime)


def list_forecasts(session: Session, *, company_id: int | None = None) -> list[ExpenseForecast]:
    q = select(ExpenseForecast).order_by(ExpenseForecast.due_date, ExpenseForecast.id)
    if company_id is not None:
        q = q.where(ExpenseForecast.company_id == company_id)
    return list(session.scalars(q))


def forecast_as_dict(fc: ExpenseForecast) -> dict:
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {"id": fc.id, "company_id": fc.company_id, "account_id": fc.account_id, "description": fc.description,
            "amount": str(fc.amount), "amount_brl": format_brl(fc.amount), "due_date": iso(fc.due_date),
            "recurrence": fc.recurrence, "recurrence_label": dict(RECURRENCES)[fc.recurrence],
            "until": iso(fc.until), "compensated_until": iso(fc.compensated_until), "active": fc.active}
