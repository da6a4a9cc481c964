"""`quita demo` with receivables: plans, contracts and two months billed by the real billing run."""

from sqlalchemy import func, select

from core.db import unit_of_work
from core.demo import load_demo
from plugins.receivables.models import Charge, Contract, Invoice, Plan


def test_demo_bills_two_months_of_contracts(runtime):
    counts = load_demo(runtime, customers=60, seed=11, echo=lambda m: None)
    assert counts["contracts"] > 30 and counts["invoices"] > 0
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 5
        assert s.scalar(select(func.count()).select_from(Contract)) == counts["contracts"]
        invoices = s.scalars(select(Invoice)).all()
        assert len(invoices) == counts["invoices"]
        assert all(i.total > 0 for i in invoices)
        by_company = {}
        for inv in invoices:
            by_company.setdefault(inv.company_id, []).append(inv.number)
        for numbers in by_company.values():           # gapless per company
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert s.scalar(select(func.count()).select_from(Charge)) >= len(invoices)
