"""`quita demo` with payables: supplier invoices launched, paid, partially paid and reversed through
the plugin's services; the books balance and the supplier account equals the open installments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.br.documents import is_valid_cnpj
from core.db import unit_of_work
from core.demo import load_demo
from core.ledger.models import Account, JournalLine
from core.ledger.services import account_balance
from core.models import Company
from core.parties.models import Party
from core.parties.rules import fold
from plugins.payables.demo import SUPPLIERS, paid_on
from plugins.payables.launch import SUPPLIER_CLASSIFICATIONS
from plugins.payables.models import (PayableDebitSplit, PayableInstallment, PayableInvoice, PayableWriteOff,
                                     STATUS_OPEN, STATUS_PARTIAL)

D = Decimal


def test_demo_payables_books_and_cases(runtime):
    out = []
    counts = load_demo(runtime, customers=80, seed=7, echo=out.append)
    assert 35 <= counts["payables_invoices"] <= 45
    assert counts["payables_installments"] > counts["payables_invoices"]
    assert counts["payables_reversals"] == 1 and counts["payables_partial_writeoffs"] == 1
    assert any("contas a pagar:" in line for line in out)
    today = date.today()
    with unit_of_work(runtime.engine, readonly=True) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        # suppliers: kernel PJ parties with valid CNPJs, renamed after their role
        suppliers = s.scalars(select(Party).where(Party.id.in_(select(PayableInvoice.supplier_id)))).all()
        names = {name for _r, name, _t in SUPPLIERS}
        assert suppliers and all(p.name in names and p.name_search == fold(p.name) for p in suppliers)
        assert all(is_valid_cnpj(p.document) and p.classification in SUPPLIER_CLASSIFICATIONS for p in suppliers)
        invoices = s.scalars(select(PayableInvoice)).all()
        assert len(invoices) == counts["payables_invoices"]
        assert all(i.company_id == company_id for i in invoices)
        emissions = [i.emission_date for i in invoices]
        assert min(emissions) < today.replace(day=1) and max(emissions) <= today
        assert max(s.scalars(select(PayableInstallment.due_date))) > today   # installments still to come
        # debit splits, multi-installment and service invoices with retentions
        split_counts = s.execute(select(PayableDebitSplit.invoice_id, func.count())
                                 .group_by(PayableDebitSplit.invoice_id)).all()
        assert any(n == 2 for _i, n in split_counts)
        assert any(i.installments >= 3 for i in invoices)
        service = [i for i in invoices if i.service_invoice]
        assert service and all(i.irrf and i.pis and i.cofins and i.csll for i in service)
        assert s.scalar(select(func.count()).select_from(PayableWriteOff).where(PayableWriteOff.irrf > 0)) > 0
        # write-offs: one partial with its open remainder, one reversed and paid again, juros/discount/fee
        wos = s.scalars(select(PayableWriteOff)).all()
        assert sum(1 for w in wos if not w.reversed) == counts["payables_writeoffs"]
        (rev,) = [w for w in wos if w.reversed]
        assert rev.reversal_entry_id and rev.reversal_reason
        again = [w for w in wos if w.installment_id == rev.installment_id and not w.reversed]
        assert len(again) == 1 and again[0].cash_account_id != rev.cash_account_id
        assert any(w.interest > 0 for w in wos) and any(w.discount > 0 for w in wos) and any(w.fee > 0 for w in wos)
        (partial,) = s.scalars(select(PayableInstallment).where(PayableInstallment.status == STATUS_PARTIAL)).all()
        rest = s.scalar(select(PayableInstallment).where(PayableInstallment.remainder_of_id == partial.id))
        assert rest.status == STATUS_OPEN and rest.due_date >= today
        # one installment left overdue on purpose (a weekend due date is paid on Monday: maybe today)
        overdue = s.scalars(select(PayableInstallment.due_date).where(PayableInstallment.status == STATUS_OPEN,
                                                                      PayableInstallment.due_date < today)).all()
        assert sum(1 for d in overdue if paid_on(d) < today) == 1
        # the books: balanced, supplier account (credit balance) = open installments
        debit, credit = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                                  .where(JournalLine.company_id == company_id)).one()
        assert debit == credit and debit > 0
        suppliers_acc = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "2.1.01"))
        open_sum = sum(s.scalars(select(PayableInstallment.amount).where(PayableInstallment.status == STATUS_OPEN)),
                       D("0.00"))
        assert -account_balance(s, suppliers_acc) == open_sum > 0
        bank = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "1.1.02"))
        assert account_balance(s, bank) > 0          # the opening balance covers what was paid
