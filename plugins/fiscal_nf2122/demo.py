"""Demo data of the fiscal_nf2122 plugin (`quita demo`): NF 21/22 documents for a few dozen of the
first demo company's invoices issued last month (dated the invoice's issue date, numbered in date
order, as the operator would have generated them then), one of them cancelled inside its period
and replaced (situação S + the substitute R with campo 34), and the Convênio 115 file set of that
period generated and stored — so the customer panel's tabs, `quita fiscal list` and the period
files have something real to show.

Runs after receivables, bank_profiles, payables and reconciliation (100–130): order 140.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from core.db import unit_of_work
from core.money import format_brl

DOCUMENTS = 36
CANCEL_REASON = "Cliente informou CPF errado no cadastro; nota substituída."


def last_month(today: date) -> tuple[date, date]:
    """First and last day of the month before `today`'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def at_noon(day: date) -> datetime:
    """Midday in Brasília (15:00 UTC) of `day`: the moment the demo's operator acts."""
    return datetime.combine(day, time(15, 0), tzinfo=timezone.utc)


def load(runtime, rnd: random.Random, echo) -> dict:
    from core.models import Company, User
    from plugins.fiscal_nf2122.cancel import cancel_document
    from plugins.fiscal_nf2122.documents import ELIGIBLE_INVOICE_STATUSES, generate
    from plugins.fiscal_nf2122.period_files import generate_period
    from plugins.fiscal_nf2122.settings import settings_of
    from plugins.receivables.models import Invoice

    first, last = last_month(date.today())
    settings = settings_of(runtime)
    with unit_of_work(runtime.engine) as s:
        company = s.scalar(select(Company).order_by(Company.id))
        if company is None:
            return {}
        user = s.scalar(select(User).where(User.username == "admin"))
        invoices = s.scalars(select(Invoice).where(
            Invoice.company_id == company.id, Invoice.issue_date.between(first, last),
            Invoice.status.in_(ELIGIBLE_INVOICE_STATUSES), Invoice.total > 0).order_by(Invoice.id)).all()
        if not invoices:
            echo("  documentos fiscais: nenhuma fatura emitida no mês passado")
            return {}
        chosen = sorted(rnd.sample(invoices, min(DOCUMENTS, len(invoices))), key=lambda i: (i.issue_date, i.id))
        docs = [generate(s, inv, settings, issue_date=inv.issue_date, user=user, now=at_noon(inv.issue_date))
                for inv in chosen]
        victim = docs[len(docs) // 3]
        substitute = cancel_document(s, victim, CANCEL_REASON, settings=settings, substitute=True, user=user,
                                     now=at_noon(docs[-1].issue_date))
        delivery, files = generate_period(s, company, victim.period, model=settings.model, serie=settings.serie,
                                          user=user)
        period, valor = delivery.period, delivery.valor_total
    echo(f"  documentos fiscais: {len(docs) + 1} notas modelo {settings.model} série {settings.serie} "
         f"(1 cancelada e substituída); Convênio 115 do período {period}: {len(files)} arquivos, "
         f"{format_brl(valor)}")
    return {"fiscal_documents": len(docs) + (substitute is not None), "fiscal_cancelled": 1,
            "conv115_files": len(files), "conv115_period": period}
