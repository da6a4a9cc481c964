"""`quita demo` with reconciliation: a Banco do Brasil OFX of the demo's bank account 1.1.02,
imported, linked and reconciled automatically — reconciled lines really reconciled, the others
with suggestions, the books balanced."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import unit_of_work
from core.demo import load_demo
from core.ledger.models import Account, JournalLine
from core.ledger.services import account_balance
from core.models import Company
from plugins.payables.models import PayableWriteOff
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import AccountLink, StatementFile, StatementImport, StatementLine
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.rules_models import ReconciliationRule
from plugins.reconciliation.statement_import import import_statement


def test_demo_statement_is_imported_linked_and_reconciled(runtime):
    out = []
    counts = load_demo(runtime, customers=150, seed=11, echo=out.append)
    assert counts["statement_lines"] > 50 and counts["reconciled_automatically"] > 10
    assert counts["reconciled_settled_now"] > 0 and counts["lines_with_suggestions"] > 0
    today = date.today()
    with unit_of_work(runtime.engine, readonly=True) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        bank = s.scalar(select(Account).where(Account.company_id == company_id, Account.code == "1.1.02"))
        (link,) = s.scalars(select(AccountLink)).all()
        assert (link.bank_id, link.bank_account_id) == ("001", bank.id)
        lines = s.scalars(select(StatementLine).where(StatementLine.bank_account_id == bank.id)).all()
        assert len(lines) == counts["statement_lines"]
        first = min(line.posted_on for line in lines)
        assert max(line.posted_on for line in lines) < today
        # the statement's balance = the books' balance before the period + every line of the period
        (imp,) = s.scalars(select(StatementImport)).all()
        opening = account_balance(s, bank.id, until=first.replace(day=1) - timedelta(days=1))
        assert imp.balance == opening + sum(line.amount for line in lines) > 0
        reconciled = [line for line in lines if line.reconciliation_id is not None]
        assert len(reconciled) == counts["reconciled_automatically"] + counts["reconciled_by_rules"]
        # the demo's user rule "Tarifas bancárias" classified the fee lines into 4.1.01 (rules.py)
        fees = [line for line in lines if line.memo.startswith("TARIFA ")]
        assert counts["reconciled_by_rules"] == len(fees) >= 5  # monthly package(s) + 4 PIX fees
        rule = s.scalar(select(ReconciliationRule).where(ReconciliationRule.name == "Tarifas bancárias"))
        assert (rule.action, rule.direction, rule.text, rule.company_id) == ("classificar", "debito", "TARIFA", company_id)
        fee_account = s.scalar(select(Account).where(Account.company_id == company_id, Account.code == "4.1.01"))
        for line in fees:
            rec = s.get(Reconciliation, line.reconciliation_id)
            assert rec is not None and rec.origin == "regra" and rec.undone_at is None
            (item,) = s.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id)).all()
            assert item.rule_id == rule.id and item.invoice_id is None
            debit = s.scalar(select(JournalLine).where(JournalLine.entry_id == item.entry_id,
                                                       JournalLine.account_id == fee_account.id))
            assert (debit.debit, debit.date) == (-line.amount, line.posted_on)
        assert not any(line.reconciliation_id is not None and line.memo.startswith("TARIFAS DE COBRANCA")
                       for line in lines)  # the kernel demo's fee already in the books: above the rule's R$ 100,00
        for line in reconciled:  # really reconciled: the invoice settled in this account, same date and value
            rec = s.get(Reconciliation, line.reconciliation_id)
            if rec.origin == "regra":
                continue
            assert rec.undone_at is None and rec.origin == "automatica"
            (item,) = s.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id)).all()
            if item.payable_writeoff_id is not None:  # a supplier debit × the payables write-off (payables_match.py)
                wo = s.get(PayableWriteOff, item.payable_writeoff_id)
                assert not wo.reversed and wo.cash_account_id == bank.id and not item.created_settlement
                assert (wo.paid_on, -wo.paid) == (line.posted_on, line.amount)
                continue
            settlement = s.get(Settlement, item.settlement_id)
            assert s.get(Invoice, item.invoice_id).status == INVOICE_SETTLED
            assert not settlement.reversed and settlement.bank_account_id == bank.id
            assert (settlement.paid_on, settlement.amount) == (line.posted_on, line.amount)
        assert s.scalar(select(func.count()).select_from(ReconciliationItem)
                        .where(ReconciliationItem.created_settlement.is_(True))) == counts["reconciled_settled_now"]
        # suggestions only on free credit lines, within ±10 % of the line's value
        suggested = s.execute(select(Suggestion, StatementLine)
                              .join(StatementLine, StatementLine.id == Suggestion.line_id)).all()
        assert len({line.id for _sg, line in suggested}) == counts["lines_with_suggestions"]
        for sg, line in suggested:
            assert line.reconciliation_id is None and line.amount > 0
            assert abs(sg.candidate_amount - line.amount) <= line.amount / 10 + Decimal("0.10")
        # the payables demo's payments from this account are the statement's supplier debits
        paid = s.scalar(select(func.count()).select_from(PayableWriteOff).where(
            PayableWriteOff.cash_account_id == bank.id, PayableWriteOff.reversed.is_(False),
            PayableWriteOff.paid_on >= first))
        assert sum(1 for line in lines if line.memo.startswith("PAGTO BOLETO")) == paid > 0
        assert 0 < counts["reconciled_payables"] <= paid
        # the books still balance after the settlements the reconciliation made
        debit, credit = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                                  .where(JournalLine.company_id == company_id)).one()
        assert debit == credit
        stored = s.scalar(select(StatementFile))
        data, name = stored.content, stored.filename
    with unit_of_work(runtime.engine) as s:  # the generated OFX is a real statement: importing it again adds nothing
        report = import_statement(s, data, name).as_dict()
    (acc,) = report["accounts"]
    assert acc["new"] == 0 and acc["already_imported"] == counts["statement_lines"]
