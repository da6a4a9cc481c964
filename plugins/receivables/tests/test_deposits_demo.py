"""`quita demo` registers a few open unidentified deposits per company, posted against the demo
chart's "2.1.02 Depósitos não identificados" (the setting's default code)."""

from sqlalchemy import select

from core.db import unit_of_work
from core.demo import load_demo
from core.ledger.models import Account
from core.ledger.services import account_balance
from core.models.company import Company
from plugins.receivables.deposits import open_deposits


def test_demo_has_open_unidentified_deposits_matching_the_ledger(runtime):
    counts = load_demo(runtime, customers=5, seed=3, echo=lambda m: None)
    assert counts["unidentified_deposits"] == 6
    with unit_of_work(runtime.engine, readonly=True) as s:
        for company_id in s.scalars(select(Company.id)):
            deposits = open_deposits(s, company_id)
            assert len(deposits) == 3
            account = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "2.1.02"))
            assert -account_balance(s, account) == sum(d.amount for d in deposits)
