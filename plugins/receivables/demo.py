"""Demo data of the receivables plugin (`quita demo`): plans, due rules, a contract for most
customers (some suspended, some cancelled) and the last two months billed through the real
billing run — so the customer panel shows contracts, charges and invoices."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import unit_of_work
from core.model import utcnow
from core.models import Company
from core.parties.models import Party
from plugins.receivables.models import (CONTRACT_ACTIVE, CONTRACT_CANCELLED, CONTRACT_SUSPENDED, Contract,
                                        ContractSuspension, DueRule, Plan)

PLANS = (("FIBRA100", "Fibra 100 Mega", "79.90", 30), ("FIBRA300", "Fibra 300 Mega", "99.90", 40),
         ("FIBRA600", "Fibra 600 Mega", "129.90", 20), ("FIBRA1G", "Fibra 1 Giga", "199.90", 8),
         ("DEDIC500", "Link dedicado 500 Mega", "899.00", 2))
DUE_DAYS = (5, 10, 15, 20)


def _month(d: date, back: int) -> date:
    y, m = d.year, d.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def load(runtime, rnd: random.Random, echo) -> dict:
    from plugins.receivables.billing import run_billing

    today = date.today()
    with unit_of_work(runtime.engine) as s:
        plans = [Plan(code=c, name=n, price=Decimal(p), service_description=f"Acesso à internet — {n}", active=True)
                 for c, n, p, _w in PLANS]
        rules = [DueRule(code=f"D{d:02d}", name=f"Vencimento dia {d}", due_day=d, issue_days_before=10,
                         competence_mode="mes_seguinte", active=True) for d in DUE_DAYS]
        s.add_all(plans + rules)
        s.flush()
        companies = s.scalars(select(Company.id).order_by(Company.id)).all()
        customers = s.execute(select(Party.id, Party.created_at).where(
            Party.active.is_(True), Party.classification.in_(("cliente", "cliente_fornecedor", "cliente_funcionario")))
            .order_by(Party.id)).all()
        weights = [w for *_x, w in PLANS]
        contracts = suspended = cancelled = 0
        for pid, created in customers:
            if rnd.random() > 0.85:
                continue
            activated = max(created.date(), _month(today, 14)) + timedelta(days=rnd.randint(0, 20))
            activated = min(activated, _month(today, 2))
            c = Contract(party_id=pid, company_id=companies[0] if rnd.random() < 0.7 else companies[-1],
                         plan_id=rnd.choices(plans, weights)[0].id, due_rule_id=rnd.choice(rules).id,
                         wallet="cobranca", status=CONTRACT_ACTIVE, activated_on=activated,
                         cancellation_requested=False)
            roll = rnd.random()
            if roll < 0.03:
                c.status, c.suspended_on, c.suspension_reason = CONTRACT_SUSPENDED, _month(today, 1), "Inadimplência"
                suspended += 1
            elif roll < 0.05:
                c.status, c.cancelled_on, c.cancellation_reason = CONTRACT_CANCELLED, _month(today, 1) + \
                    timedelta(days=rnd.randint(0, 20)), "Mudança de endereço"
                cancelled += 1
            elif roll < 0.07:
                c.cancellation_requested = True  # waiting in the retention queue (since a few days ago)
                c.cancellation_requested_at = utcnow() - timedelta(days=1 + contracts % 10)
            s.add(c)
            contracts += 1
        s.flush()
        for c in s.scalars(select(Contract).where(Contract.status == CONTRACT_SUSPENDED)):
            s.add(ContractSuspension(contract_id=c.id, starts_on=c.suspended_on, notes=c.suspension_reason))
    invoices = 0
    for back in (2, 1):
        summary = run_billing(runtime, _month(today, back))
        invoices += int(summary.get("invoices_created", 0))
        echo(f"  faturamento {_month(today, back):%m/%Y}: {summary.get('charges_created', 0)} contas, "
             f"{summary.get('invoices_created', 0)} faturas")
    deposits = _unidentified_deposits(runtime, rnd, today, echo)
    return {"contracts": contracts, "suspended_contracts": suspended, "cancelled_contracts": cancelled,
            "invoices": invoices, "unidentified_deposits": deposits}


DEPOSITS = (("99.90", "PIX RECEBIDO - SEM IDENTIFICACAO"), ("150.00", "DEP DINHEIRO AG 1234"),
            ("79.90", "TED RECEBIDA 341 0001"))


def _unidentified_deposits(runtime, rnd: random.Random, today: date, echo) -> int:
    """A few open unidentified deposits per company (bank account 1.1.02 of the demo chart), so the
    page "Depósitos não identificados" and the invoice action have something to pick."""
    from core.errors import ValidationError
    from core.ledger.models import Account
    from plugins.receivables.deposits import register_deposit

    made = 0
    try:
        with unit_of_work(runtime.engine) as s:
            for company_id in s.scalars(select(Company.id).order_by(Company.id)).all():
                bank = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "1.1.02"))
                if bank is None:
                    continue
                for amount, text in DEPOSITS:
                    register_deposit(s, company_id=company_id, deposited_on=today - timedelta(days=rnd.randint(1, 20)),
                                     amount=Decimal(amount), account=bank, description=text,
                                     document=f"{rnd.randint(100000, 999999)}", runtime=runtime)
                    made += 1
    except ValidationError as exc:  # e.g. a deployment whose chart lacks the deposit account
        echo(f"  depósitos não identificados não lançados: {exc}")
        return 0
    echo(f"  depósitos não identificados: {made}")
    return made
