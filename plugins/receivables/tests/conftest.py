"""Receivables tests use the kernel's fixtures (`runtime`, `database_url`, `scratch_url`) plus a
small factory of companies, plans, due rules, parties and contracts."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import *  # noqa: F401,F403


class Factory:
    """Builds receivables master data in a session (ORM; flushes, never commits)."""

    def __init__(self, session):
        self.s = session
        self._party_code = 0

    def company(self, code="1", cnpj="11222333000181"):
        from core.models.company import Company

        c = Company(code=code, name=f"Provedor {code} Ltda", cnpj=cnpj)
        self.s.add(c)
        self.s.flush()
        return c

    def plan(self, code="F300", price="99.90", name="Fibra 300 Mega"):
        from plugins.receivables.models import Plan

        p = Plan(code=code, name=name, price=Decimal(price), active=True)
        self.s.add(p)
        self.s.flush()
        return p

    def due_rule(self, code="D10", due_day=10, mode="mes_seguinte", issue_days_before=10):
        from plugins.receivables.models import DueRule

        r = DueRule(code=code, name=f"Vencimento dia {due_day}", due_day=due_day, competence_mode=mode,
                    issue_days_before=issue_days_before, active=True)
        self.s.add(r)
        self.s.flush()
        return r

    def party(self, name="Cliente"):
        from sqlalchemy import func, select

        from core.parties.models import Party

        code = (self.s.scalar(select(func.max(Party.code))) or 0) + 1
        p = Party(code=code, name=name, person_type="PRE", classification="cliente", active=True)
        self.s.add(p)
        self.s.flush()
        return p

    def contract(self, party, company, plan, rule, *, status="ativo", activated_on=date(2026, 1, 5),
                 cancelled_on=None, price_override=None, grouping_key=None):
        from plugins.receivables.models import Contract

        c = Contract(party_id=party.id, company_id=company.id, plan_id=plan.id, due_rule_id=rule.id,
                     wallet="cobranca", status=status, activated_on=activated_on, cancelled_on=cancelled_on,
                     price_override=None if price_override is None else Decimal(price_override),
                     grouping_key=grouping_key, cancellation_requested=False)
        self.s.add(c)
        self.s.flush()
        return c


@pytest.fixture
def factory():
    return Factory
