"""Fluxo de Caixa (manual "Fluxo de Caixa") as a service on real databases: previsto (open payables
and receivables by due date, expense forecasts, cash/debit projection), realizado (write-offs and
settlements by payment date, transfers), opening and closing balances, the filters and their
refusals, and that payables alone (receivables disabled) never reads receivables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.payables.cashflow import (ACTUAL, BOTH, DAILY, NO_ACCOUNT_LABEL, PLANNED, SRC_CARD, SRC_CASH,
                                       SRC_FORECAST, SRC_PAYABLES, SRC_RECEIVABLES, SRC_OTHER, SRC_TRANSFER, cash_flow,
                                       periods_of, shift_year)
from plugins.payables.cashflow_forecasts import add_forecast, compensate
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_cashflow_world import makers, post, seed_cashflow  # noqa: F401
from plugins.payables.tests.payables_writeoff_world import inst
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.receivables.settlement import settle_invoice
from plugins.receivables.models import Invoice
from plugins.receivables.settlement_models import METHOD_OTHER, METHOD_PROFILE
from plugins.receivables.tests.invoice_world import add_invoice

D = Decimal
Q4_2026 = dict(date_from=date(2026, 12, 1), date_to=date(2027, 2, 28), period="mensal")


def report(rt, w, **kw):
    args = {"companies": [w.company_id], **Q4_2026, **kw}
    with unit_of_work(rt.engine, readonly=True) as s:
        return cash_flow(s, runtime=rt, **args)


def flows(r, side, account_id):
    """[(entradas, saídas)] per period of one account."""
    return [(r.cell(side, account_id, i).inflow, r.cell(side, account_id, i).outflow) for i in range(len(r.periods))]


def test_previsto_open_installments_and_balances_without_receivables(makers):
    only, both = makers
    w = seed_cashflow(only.engine, only)
    with unit_of_work(only.engine) as s:  # an open receivable: invisible while receivables is disabled
        add_invoice(s, w.company_id, w.party_id, total="99.90", due=date(2026, 12, 10))
    r = report(only, w)
    assert [p.label for p in r.periods] == ["dez/2026", "jan/2027", "fev/2027"]
    assert [a.code for a in r.accounts] == ["1.1.1.01", "1.1.1.02"]
    assert flows(r, PLANNED, w.bank) == [(D("0.00"), D("333.34")), (D("0.00"), D("333.33")), (D("0.00"), D("333.33"))]
    assert flows(r, PLANNED, w.cash) == [(D("0.00"), D("0.00"))] * 3
    bank = [r.cell(PLANNED, w.bank, i) for i in range(3)]
    assert [(c.opening, c.closing) for c in bank] == [(D("10000.00"), D("9666.66")), (D("9666.66"), D("9333.33")),
                                                      (D("9333.33"), D("9000.00"))]
    total = r.summary(PLANNED)
    assert (total.opening, total.inflow, total.outflow, total.closing) == (D("10500.00"), D("0.00"), D("1000.00"),
                                                                           D("9500.00"))
    assert r.totals[(PLANNED, 0)].source(SRC_PAYABLES) == (D("0.00"), D("333.34"))
    # the same database with receivables enabled: the open invoice enters the bank on its due date
    r = report(both, w)
    assert flows(r, PLANNED, w.bank)[0] == (D("99.90"), D("333.34"))
    assert r.totals[(PLANNED, 0)].source(SRC_RECEIVABLES) == (D("99.90"), D("0.00"))


def test_written_off_installment_leaves_previsto_and_enters_realizado(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with unit_of_work(only.engine) as s:
        write_off(s, inst(s, w.ww.codes[0]), WriteOffRequest(paid_on=date(2026, 12, 7), interest="5,00",
                                                             cash_account_id=w.cash), runtime=only, user=w.admin)
    r = report(only, w, kind=BOTH)
    assert r.sides == (PLANNED, ACTUAL)
    assert flows(r, PLANNED, w.bank)[0] == (D("0.00"), D("0.00"))          # no longer open
    assert flows(r, ACTUAL, w.cash)[0] == (D("0.00"), D("338.34"))          # paid (with juros) from the caixa
    cash = r.cell(ACTUAL, w.cash, 0)
    assert (cash.opening, cash.closing) == (D("500.00"), D("161.66"))
    # both sides start from the same ledger balance
    assert r.cell(PLANNED, w.cash, 0).opening == r.cell(ACTUAL, w.cash, 0).opening == D("500.00")
    # a reversed write-off moved no money in the end: out of realizado, back in previsto
    with unit_of_work(only.engine) as s:
        reverse_writeoff(s, inst(s, w.ww.codes[0]), reason="Pago em duplicidade", on=date(2026, 12, 8), user=w.admin)
    r = report(only, w, kind=BOTH)
    assert flows(r, ACTUAL, w.cash)[0] == (D("0.00"), D("0.00"))
    assert flows(r, PLANNED, w.bank)[0] == (D("0.00"), D("333.34"))


def test_realizado_receivables_settlements_by_payment_date(makers):
    _only, both = makers
    w = seed_cashflow(both.engine, both)
    with unit_of_work(both.engine) as s:
        paid = add_invoice(s, w.company_id, w.party_id, total="120.00", due=date(2026, 12, 10))
        add_invoice(s, w.company_id, w.party_id, total="80.00", due=date(2027, 1, 10))
        settle_invoice(s, s.get(Invoice, paid), paid_on=date(2026, 12, 10), method=METHOD_PROFILE,
                       bank_account_id=w.cash, runtime=both, user=w.admin)
    r = report(both, w, kind=BOTH)
    assert flows(r, ACTUAL, w.cash) == [(D("120.00"), D("0.00")), (D("0.00"), D("0.00")), (D("0.00"), D("0.00"))]
    assert r.cell(ACTUAL, w.cash, 2).closing == D("620.00")
    # previsto: only the invoice still open (80,00 in January, into the bank_account_code account)
    assert flows(r, PLANNED, w.bank)[1] == (D("80.00"), D("333.33"))
    assert r.summary(ACTUAL).source(SRC_RECEIVABLES) == (D("120.00"), D("0.00"))
    assert NO_ACCOUNT_LABEL not in [a.label for a in r.accounts]
    # "Outros (sem integração)" names no bank account: the money shows up without a flow account
    with unit_of_work(both.engine) as s:
        other = add_invoice(s, w.company_id, w.party_id, total="45.00", due=date(2026, 12, 20))
        settle_invoice(s, s.get(Invoice, other), paid_on=date(2026, 12, 20), method=METHOD_OTHER,
                       runtime=both, user=w.admin)
    r = report(both, w, kind=ACTUAL)
    assert r.accounts[-1].label == NO_ACCOUNT_LABEL and flows(r, ACTUAL, None)[0] == (D("45.00"), D("0.00"))
    assert r.summary(ACTUAL).inflow == D("165.00")


def test_expense_forecasts_monthly_compensated_and_only_in_previsto(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with unit_of_work(only.engine) as s:
        rent = add_forecast(s, company_id=w.company_id, account_id=w.bank, description="Aluguel", amount="1.500,00",
                            due_date=date(2026, 11, 30), monthly_until=date(2027, 2, 28), user=w.admin)
        add_forecast(s, company_id=w.company_id, account_id=w.cash, description="Confraternização",
                     amount="300,00", due_date=date(2026, 12, 18), user=w.admin)
        assert [d.isoformat() for d in rent.occurrences(date(2026, 1, 1), date(2027, 12, 31))] == [
            "2026-11-30", "2026-12-30", "2027-01-30", "2027-02-28"]  # 30 ⇒ last day of February
    assert flows(report(only, w), PLANNED, w.cash)[0] == (D("0.00"), D("0.00"))  # option off
    r = report(only, w, include_forecasts=True)
    assert flows(r, PLANNED, w.bank) == [(D("0.00"), D("1833.34")), (D("0.00"), D("1833.33")),
                                         (D("0.00"), D("1833.33"))]
    assert flows(r, PLANNED, w.cash)[0] == (D("0.00"), D("300.00"))
    assert r.totals[(PLANNED, 0)].source(SRC_FORECAST) == (D("0.00"), D("1800.00"))
    with unit_of_work(only.engine) as s:
        compensate(s, rent.id, through=date(2027, 1, 31), user=w.admin)
    r = report(only, w, include_forecasts=True)
    assert [r.totals[(PLANNED, i)].source(SRC_FORECAST)[1] for i in range(3)] == [D("300.00"), D("0.00"), D("1500.00")]
    with pytest.raises(ValidationError) as exc:
        report(only, w, kind=ACTUAL, include_forecasts=True)
    assert exc.value.field == "include_forecasts" and "Previsto e Previsto x Realizado" in str(exc.value)


def test_forecast_register_refusals(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    expense = w.ww.accounts["4.1.03"]
    cases = [(dict(account_id=expense), "account_id"), (dict(amount="0,00"), "amount"),
             (dict(monthly_until=date(2026, 10, 1)), "until"), (dict(monthly_until=date(2037, 1, 1)), "until")]
    for change, field in cases:
        args = dict(company_id=w.company_id, account_id=w.bank, description="Aluguel", amount="100,00",
                    due_date=date(2026, 12, 10), user=w.admin) | change
        with unit_of_work(only.engine) as s, pytest.raises(ValidationError) as exc:
            add_forecast(s, **args)
        assert field in (exc.value.errors or {exc.value.field: 1}), (change, exc.value.errors)


def test_transfers_only_when_asked_and_only_in_realizado(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with unit_of_work(only.engine) as s:
        post(s, w, date(2026, 12, 15), w.cash, w.bank, "200.00", "Transferência banco ⇒ caixa")
        post(s, w, date(2026, 12, 16), w.ww.accounts["4.1.03"], w.bank, "50.00", "Despesa paga sem fatura")
    r = report(only, w, kind=ACTUAL)
    assert flows(r, ACTUAL, w.cash)[0] == (D("0.00"), D("0.00"))
    r = report(only, w, kind=ACTUAL, include_transfers=True)
    assert flows(r, ACTUAL, w.cash)[0] == (D("200.00"), D("0.00"))
    # the expense entry is no transfer: it is one of the "Outros lançamentos" (cashflow_finish tests)
    assert flows(r, ACTUAL, w.bank)[0] == (D("0.00"), D("250.00"))
    assert r.totals[(ACTUAL, 0)].source(SRC_TRANSFER) == (D("200.00"), D("200.00"))
    assert r.totals[(ACTUAL, 0)].source(SRC_OTHER) == (D("0.00"), D("50.00"))
    # only the bank selected: its side of the transfer, no "sem conta" row
    r = report(only, w, kind=ACTUAL, include_transfers=True, accounts=[w.bank])
    assert [a.id for a in r.accounts] == [w.bank] and r.totals[(ACTUAL, 0)].outflow == D("250.00")
    with pytest.raises(ValidationError) as exc:
        report(only, w, kind=PLANNED, include_transfers=True)
    assert exc.value.field == "include_transfers"


def test_projection_of_cash_and_debit_card_from_last_year(makers):
    _only, both = makers
    w = seed_cashflow(both.engine, both)
    with unit_of_work(both.engine) as s:
        card = add_invoice(s, w.company_id, w.party_id, total="100.00", issue=date(2025, 11, 30),
                           due=date(2025, 12, 10), payment_form="cartao")
        money = add_invoice(s, w.company_id, w.party_id, total="50.00", issue=date(2025, 11, 30),
                            due=date(2025, 12, 12))
        boleto = add_invoice(s, w.company_id, w.party_id, total="70.00", issue=date(2025, 11, 30),
                             due=date(2025, 12, 12))
        for inv, account in ((card, w.bank), (money, w.cash), (boleto, w.bank)):
            invoice = s.get(Invoice, inv)
            settle_invoice(s, invoice, paid_on=invoice.due_date, method=METHOD_PROFILE, bank_account_id=account,
                           runtime=both, user=w.admin)
    r = report(both, w, projection_percent="10")
    dec = r.totals[(PLANNED, 0)]
    assert dec.source(SRC_CARD) == (D("110.00"), D("0.00"))   # paid by card, into the bank
    assert dec.source(SRC_CASH) == (D("55.00"), D("0.00"))    # received in the caixa
    assert flows(r, PLANNED, w.cash)[0] == (D("55.00"), D("0.00"))
    assert flows(r, PLANNED, w.bank)[0] == (D("110.00"), D("333.34"))  # the boleto is not projected
    r = report(both, w, projection_percent="-12,5")
    assert r.totals[(PLANNED, 0)].source(SRC_CARD)[0] == D("87.50")
    assert report(both, w).totals[(PLANNED, 0)].source(SRC_CARD) == (D("0.00"), D("0.00"))  # option off
    for bad in ("abc", "-101"):
        with pytest.raises(ValidationError) as exc:
            report(both, w, projection_percent=bad)
        assert exc.value.field == "projection_percent"
    with pytest.raises(ValidationError):
        report(both, w, kind=ACTUAL, projection_percent="10")


def test_unknown_flow_account_row_and_daily_periods(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    from plugins.payables.launch import launch_invoice

    with unit_of_work(only.engine) as s:  # a launch without cash-flow account (and no default setting)
        launch_invoice(s, w.ww.w.request(total="90,00", installments=1, term_days=31), runtime=only, user=w.admin)
    r = report(only, w, date_from=date(2026, 12, 1), date_to=date(2026, 12, 7), period="daily")
    assert r.filters.period == DAILY and len(r.periods) == 7 and r.periods[4].label == "05/12/2026"
    assert r.accounts[-1].label == NO_ACCOUNT_LABEL
    assert r.cell(PLANNED, w.bank, 4).outflow == D("333.34")
    assert r.cell(PLANNED, None, 5).outflow == D("90.00")            # emission 05/11 + 31 days
    assert r.cell(PLANNED, None, 0).opening == D("0.00")
    r = report(only, w, accounts=[w.bank, w.cash])                 # explicit accounts: no unknown row
    assert NO_ACCOUNT_LABEL not in [a.label for a in r.accounts]


@pytest.mark.parametrize("change,field", [
    (dict(companies=[]), "companies"), (dict(companies=[999]), "companies"),
    (dict(date_from=None), "date_from"), (dict(date_to=date(2026, 11, 30)), "date_to"),
    (dict(period="semanal"), "period"), (dict(kind="orcado"), "kind"),
    (dict(period="daily", date_to=date(2027, 12, 31)), "date_to"),
])
def test_filter_refusals_name_the_field(makers, change, field):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with pytest.raises(ValidationError) as exc:
        report(only, w, **change)
    assert exc.value.field == field


def test_only_flow_accounts_of_the_selected_companies(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with pytest.raises(ValidationError) as exc:
        report(only, w, accounts=[w.ww.accounts["4.1.03"]])
    assert exc.value.field == "accounts" and "4.1.03" in str(exc.value)


def test_periods_and_year_shift():
    months = periods_of(date(2026, 1, 15), date(2026, 3, 10), "mensal")
    assert [(p.start.isoformat(), p.end.isoformat()) for p in months] == [
        ("2026-01-15", "2026-01-31"), ("2026-02-01", "2026-02-28"), ("2026-03-01", "2026-03-10")]
    assert shift_year(date(2028, 2, 29), -1) == date(2027, 2, 28)
    assert shift_year(date(2026, 12, 10), 1) == date(2027, 12, 10)


def test_several_companies(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    from core.ledger.services import LineSpec, post_entry
    from core.models.company import Company
    from tests.worldkit import add_accounts

    with unit_of_work(only.engine) as s:
        other = Company(code="2", name="Provedor 2 Ltda", cnpj="11444777000161")
        s.add(other)
        s.flush()
        ids = add_accounts(s, other.id, (("1.1.1.02", "Sicoob c/c", "bank"), ("2.3.01", "Capital", "equity")))
        post_entry(s, company_id=other.id, date=date(2026, 11, 2), description="Saldo inicial",
                   lines=[LineSpec.dr(ids["1.1.1.02"], "700.00"), LineSpec.cr(ids["2.3.01"], "700.00")])
        other_id, other_bank = other.id, ids["1.1.1.02"]
    r = report(only, w, companies=[w.company_id, other_id])
    assert [(a.company_id, a.code) for a in r.accounts] == [(w.company_id, "1.1.1.01"), (w.company_id, "1.1.1.02"),
                                                            (other_id, "1.1.1.02")]
    assert r.summary(PLANNED).opening == D("11200.00")
    assert r.cell(PLANNED, other_bank, 0).outflow == D("0.00")  # the launch is company 1's
    assert report(only, w).summary(PLANNED).opening == D("10500.00")
    with pytest.raises(ValidationError) as exc:
        report(only, w, accounts=[other_bank])
    assert exc.value.field == "accounts"
