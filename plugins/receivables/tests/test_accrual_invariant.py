"""The receivables invariant, on SQLite and PostgreSQL (QUITA_TEST_DATABASE_URL): after billing
and settling — with discount (the manual's 99,90 plan settled with 80,00 ⇒ 19,90 discount), with
surcharge, late with juros/multa, partially with a remainder invoice (and "Juros em R$"), a
reversal (estorno), the reversal of a partial settlement and an operator's removal — the clientes
account's balance is what customers still owe: the totals of the open invoices. And the ledger
stays balanced."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.ledger.models import Account, JournalEntry, JournalLine
from plugins.receivables import invoice_tools as tools
from plugins.receivables.accrual import carried_total
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import reverse_settlement, settle_invoice, settle_partial
from plugins.receivables.settlement_models import METHOD_PROFILE, Settlement
from plugins.receivables.tests.accrual_support import D, add_chart, balance, make_runtime, open_total, trial
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    with runtime_maker(make_runtime) as make:
        yield make(database_url)


def _world(rt, factory, customers=6):
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        chart = add_chart(s, company.id)
        plan, rule = f.plan(), f.due_rule()  # Fibra 300 Mega 99,90, due day 10, issued 10 days before
        for i in range(customers):
            f.contract(f.party(f"Cliente {i + 1}"), company, plan, rule)
        company_id, cash = company.id, chart["1.1.01"]
    assert run_billing(rt, "2026-12", chunk_size=4)["invoices_created"] == customers  # two chunks
    return company_id, cash


def _check(rt, company_id, owed: str) -> None:
    """clientes = what is still owed = the open invoices' totals; debits = credits."""
    assert open_total(rt, company_id) == D(owed)
    assert balance(rt, company_id, "1.1.03") == D(owed)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert carried_total(s, company_id) == D(owed)
    tb = trial(rt, company_id)
    assert tb.total_debit == tb.total_credit and tb.total_closing == 0


def _inv(s, number) -> Invoice:
    return s.scalars(select(Invoice).where(Invoice.number == number)).one()


def _settlement_lines(s, settlement_id):
    entry_id = s.get(Settlement, settlement_id).entry_id
    return s.execute(select(Account.code, JournalLine.debit, JournalLine.credit)
                     .join(Account, Account.id == JournalLine.account_id)
                     .where(JournalLine.entry_id == entry_id).order_by(JournalLine.line_no)).all()


def test_clientes_balance_is_what_is_still_owed_through_settlements_and_reversals(rt, factory):
    company_id, cash = _world(rt, factory)
    _check(rt, company_id, "599.40")  # 6 × 99,90
    settle = dict(method=METHOD_PROFILE, bank_account_id=cash, runtime=rt)
    with unit_of_work(rt.engine) as s:
        # the manual's example: 99,90 settled with 80,00 ⇒ a 19,90 discount charge
        low = settle_invoice(s, _inv(s, 1), paid_on=date(2027, 1, 5), amount=D("80.00"), **settle).settlement
        assert [tuple(r) for r in _settlement_lines(s, low.id)] == [
            ("1.1.01", D("80.00"), D("0.00")), ("4.1.02", D("19.90"), D("0.00")), ("1.1.03", D("0.00"), D("99.90"))]
        assert _inv(s, 1).total == D("80.00")  # the discount charge is part of the invoice now
        high = settle_invoice(s, _inv(s, 2), paid_on=date(2027, 1, 5), amount=D("120.00"), **settle).settlement
        assert [tuple(r) for r in _settlement_lines(s, high.id)] == [
            ("1.1.01", D("120.00"), D("0.00")), ("1.1.03", D("0.00"), D("99.90")), ("3.1.02", D("0.00"), D("20.10"))]
        # paid 10 days late: 1 % a day simple interest after 2 days of grace, 2 % penalty
        late = settle_invoice(s, _inv(s, 3), paid_on=date(2027, 1, 20), **settle).settlement
        assert (late.interest, late.penalty, late.amount) == (D("9.99"), D("2.00"), D("111.89"))
        assert [tuple(r) for r in _settlement_lines(s, late.id)] == [
            ("1.1.01", D("111.89"), D("0.00")), ("1.1.03", D("0.00"), D("99.90")), ("3.1.03", D("0.00"), D("11.99"))]
    _check(rt, company_id, "299.70")  # invoices 4, 5, 6 open
    with unit_of_work(rt.engine) as s:
        out = settle_partial(s, _inv(s, 4), paid_on=date(2027, 1, 6), amount=D("50.00"),
                             new_due_date=date(2027, 2, 10), remainder_interest=D("2.00"), **settle)
        partial_id, rest_number = out.settlement.id, out.remainder_invoice.number
        assert (out.remainder_invoice.total, rest_number) == (D("51.90"), 7)  # 49,90 moved + 2,00 juros
    # 4 paid in part (50,00 credited); 7 carries the moved 49,90 (not debited again) + 2,00 new debt
    _check(rt, company_id, "251.70")
    with unit_of_work(rt.engine, readonly=True) as s:
        juros = s.execute(select(JournalEntry.description).where(JournalEntry.origin_id == _inv(s, 7).id,
                                                                 JournalEntry.origin_kind == "receivables_invoice"))
        assert juros.scalars().all() == ["Juros na fatura 7 (saldo da fatura 4)"]
    with unit_of_work(rt.engine) as s:  # estorno of invoice 1's settlement: owed 99,90 again
        reverse_settlement(s, s.get(Settlement, low.id), on=date(2027, 1, 8), justification="Cheque devolvido",
                           runtime=rt)
        assert (_inv(s, 1).status, _inv(s, 1).total) == ("aberta", D("99.90"))
    _check(rt, company_id, "351.60")
    with unit_of_work(rt.engine) as s:  # estorno of the partial: 7 removed, 4 owed in full again
        reverse_settlement(s, s.get(Settlement, partial_id), on=date(2027, 1, 9), justification="Depósito estornado",
                           runtime=rt)
        assert (_inv(s, 7).status, _inv(s, 4).status) == ("excluida", "aberta")
    _check(rt, company_id, "399.60")  # 1, 4, 5, 6
    with unit_of_work(rt.engine) as s:  # the operator removes invoice 6
        tools.remove_invoice(s, _inv(s, 6), comments="Cliente cancelou antes de usar")
    _check(rt, company_id, "299.70")
    with unit_of_work(rt.engine) as s:  # settle everything still open: nothing owed
        for number in (1, 4, 5):
            settle_invoice(s, _inv(s, number), paid_on=date(2027, 1, 10), **settle)
    _check(rt, company_id, "0.00")


def test_remainder_invoice_settled_or_removed_keeps_the_invariant(rt, factory):
    company_id, cash = _world(rt, factory, customers=2)
    settle = dict(method=METHOD_PROFILE, bank_account_id=cash, runtime=rt)
    with unit_of_work(rt.engine) as s:  # partial without juros: the remainder is only moved debt
        rest = settle_partial(s, _inv(s, 1), paid_on=date(2027, 1, 5), amount=D("30.00"),
                              new_due_date=date(2027, 2, 10), **settle).remainder_invoice
        assert (rest.number, rest.total) == (3, D("69.90"))
        partial = settle_partial(s, _inv(s, 2), paid_on=date(2027, 1, 5), amount=D("40.00"),
                                 new_due_date=date(2027, 2, 10), remainder_interest=D("1.50"), **settle)
        assert (partial.remainder_invoice.number, partial.remainder_invoice.total) == (4, D("61.40"))
    _check(rt, company_id, "131.30")
    with unit_of_work(rt.engine) as s:  # the remainder settled in full
        settle_invoice(s, _inv(s, 3), paid_on=date(2027, 2, 1), **settle)
    _check(rt, company_id, "61.40")
    with unit_of_work(rt.engine) as s:  # the operator removes the other remainder: 59,90 + 1,50 juros leave
        tools.remove_invoice(s, _inv(s, 4), comments="Acordo com o cliente")
    _check(rt, company_id, "0.00")
    with unit_of_work(rt.engine, readonly=True) as s:
        removal = s.scalars(select(JournalEntry).where(JournalEntry.description.like("Exclusão da fatura 4%"))).one()
        lines = sorted((ln.account.code, ln.debit, ln.credit) for ln in removal.lines)
    assert lines == [("1.1.03", D("0.00"), D("61.40")), ("3.1.01", D("59.90"), D("0.00")),
                     ("3.1.03", D("1.50"), D("0.00"))]  # the juros part leaves the juros account
