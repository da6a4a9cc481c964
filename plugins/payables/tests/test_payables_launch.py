"""Lançar Pagamento - Contas a Pagar: the launch service on a real database (SQLite/PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from plugins.payables.apportionment import SPLIT_LIMIT_ALERT, SPLIT_REPEATED_ALERT, SPLIT_SUM_ALERT
from plugins.payables.launch import launch_invoice, preview_launch
from plugins.payables.models import FinancialCategory, PayableInstallment, PayableInvoice
from plugins.payables.tests.payables_world import D, assert_books, seed
from plugins.payables.tests.payables_writeoff_world import make, rt  # noqa: F401 (fixtures)
from tests.worldkit import entry_lines


def _counts(s):
    return (s.scalar(select(func.count()).select_from(PayableInvoice)),
            s.scalar(select(func.count()).select_from(PayableInstallment)),
            s.scalar(select(func.count()).select_from(JournalEntry)))


def _refused(rt, w, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(rt.engine) as s:
            launch_invoice(s, w.request(**kw), runtime=rt, user=w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert _counts(s) == (0, 0, 0), "nothing half-written"
    return exc.value


def test_launch_three_installments_posts_one_balanced_entry(rt):
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(), runtime=rt, user=w.admin)
        inv_id, entry_id = inv.id, inv.entry_id
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = s.get(PayableInvoice, inv_id)
        assert (inv.number, inv.status, inv.total, inv.net, inv.launch_date) == (1, "em_aberto", D("1000.00"),
                                                                               D("1000.00"), date(2026, 11, 5))
        assert [(p.code, p.sequence, p.number, p.due_date, p.amount, p.status) for p in inv.parcels] == [
            (1, 1, "4512-1", date(2026, 12, 5), D("333.34"), "em_aberto"),
            (2, 2, "4512-2", date(2027, 1, 4), D("333.33"), "em_aberto"),
            (3, 3, "4512-3", date(2027, 2, 3), D("333.33"), "em_aberto")]
        assert inv.user_id == w.admin.id and inv.credit_account_id == w.accounts["2.1.01"]
        entry = s.get(JournalEntry, entry_id)
        assert (entry.date, entry.origin_kind, entry.origin_id, entry.template_id) == (
            date(2026, 11, 5), "payables.invoice", inv_id, w.template_id)
        assert entry_lines(s, entry_id) == [("2.1.01", D("0.00"), D("1000.00")), ("4.1.03", D("1000.00"), D("0.00"))]
        assert [ln.party_id for ln in entry.lines if ln.credit] == [w.supplier_id]
        assert_books(s, w)
        assert [a.action for a in history(s, "payables.invoice", inv_id)] == ["create"]
    with unit_of_work(rt.engine) as s:  # the control number and the installment codes continue
        second = launch_invoice(s, w.request(installments=2, document=None), runtime=rt)
        assert second.number == 2 and [p.code for p in second.parcels] == [4, 5]
        assert [p.number for p in second.parcels] == ["2-1", "2-2"]


def test_debit_split_in_three_accounts_posts_a_credit_pair_for_each(rt):
    w = seed(rt.engine)
    a = w.accounts
    splits = [(a["4.1.03"], "500,00"), (a["4.1.04"], "300,00"), (a["4.1.05"], "200,00")]
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(debit_splits=splits), runtime=rt)
        entry = s.get(JournalEntry, inv.entry_id)
        pairs = [(ln.account_id, ln.debit, ln.credit) for ln in entry.lines]
        assert pairs == [(a["4.1.03"], D("500.00"), D("0.00")), (a["2.1.01"], D("0.00"), D("500.00")),
                         (a["4.1.04"], D("300.00"), D("0.00")), (a["2.1.01"], D("0.00"), D("300.00")),
                         (a["4.1.05"], D("200.00"), D("0.00")), (a["2.1.01"], D("0.00"), D("200.00"))]
        assert sorted((x.account_id, x.amount) for x in inv.debit_splits) == sorted(
            [(a["4.1.03"], D("500.00")), (a["4.1.04"], D("300.00")), (a["4.1.05"], D("200.00"))])
        assert_books(s, w)


def test_debit_split_alerts_of_the_manual(rt):
    w = seed(rt.engine)
    a = w.accounts
    exc = _refused(rt, w, debit_splits=[(a["4.1.03"], "500,00"), (a["4.1.04"], "400,00")])
    assert SPLIT_SUM_ALERT in str(exc) and "R$ 900,00" in str(exc) and "R$ 1.000,00" in str(exc)
    assert exc.field == "debit_splits"
    exc = _refused(rt, w, debit_splits=[(a["4.1.03"], "500,00"), (a["4.1.03"], "500,00")])
    assert SPLIT_REPEATED_ALERT in str(exc) and "4.1.03" in str(exc)
    assert SPLIT_SUM_ALERT == ("A soma dos valores rateados entre as contas débito deverão ser igual ao valor total "
                               "da fatura.")
    assert SPLIT_REPEATED_ALERT == "Todas as contas selecionadas deverão ser distintas."


def test_at_most_ten_debit_accounts(rt):
    from tests.worldkit import add_accounts

    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        more = add_accounts(s, w.company_id, [(f"4.2.{i:02d}", f"Despesa {i}", "expense") for i in range(1, 12)])
    ten = [(more[f"4.2.{i:02d}"], "100,00") for i in range(1, 11)]
    with unit_of_work(rt.engine) as s:
        assert len(launch_invoice(s, w.request(debit_splits=ten), runtime=rt).debit_splits) == 10
    eleven = [(more[f"4.2.{i:02d}"], "100,00") for i in range(1, 11)] + [(more["4.2.11"], "0,01")]
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(rt.engine) as s:
            launch_invoice(s, w.request(total="1000,01", debit_splits=eleven), runtime=rt)
    assert SPLIT_LIMIT_ALERT in str(exc.value)


def test_max_installments_from_the_setting(make):
    rt = make()
    w = seed(rt.engine)
    exc = _refused(rt, w, installments=37)
    assert exc.field == "installments" and "de 1 a 36" in str(exc)
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(installments=36), runtime=rt)
        assert len(inv.parcels) == 36 and sum(p.amount for p in inv.parcels) == D("1000.00")
    small = make(max_installments=2)
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(small.engine, readonly=True) as s:
            preview_launch(s, w.request(installments=3), runtime=small)
    assert "de 1 a 2" in str(exc.value)


def test_only_weekdays_setting_moves_weekend_due_dates(make):
    rt = make(only_weekdays="true")
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(emission_date=date(2026, 12, 1), due_mode="fixo", installments=3), runtime=rt)
        assert [p.due_date for p in inv.parcels] == [date(2026, 12, 31), date(2027, 2, 1), date(2027, 3, 1)]


def test_protected_period_refuses_the_launch_date(rt):
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        s.get(Company, w.company_id).protect_before = date(2026, 11, 10)
    exc = _refused(rt, w, launch_date=date(2026, 11, 10))
    assert exc.field == "launch_date"
    assert str(exc) == ("Lançamentos anteriores ou iguais a 10/11/2026 estão protegidos (Proteger lançamentos "
                        "anteriores a). Data informada: 10/11/2026.")
    with unit_of_work(rt.engine) as s:
        assert launch_invoice(s, w.request(launch_date=date(2026, 11, 11)), runtime=rt).number == 1


def test_discount_reduces_the_value_owed(rt):
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(discount="100,00"), runtime=rt)
        assert [p.amount for p in inv.parcels] == [D("300.00")] * 3
        assert entry_lines(s, inv.entry_id) == [("2.1.01", D("0.00"), D("900.00")), ("4.1.03", D("900.00"), D("0.00"))]
    assert "menor que o valor total" in str(_refused_after(rt, w, discount="1000,00"))


def _refused_after(rt, w, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(rt.engine) as s:
            launch_invoice(s, w.request(**kw), runtime=rt)
    return exc.value


def test_fields_rules_payment_form_supplier_advance(rt):
    w = seed(rt.engine)
    assert _refused(rt, w, payment_form="boleto").field == "payment_form"
    assert "Chq. Vista, Chq. Prazo, Crediário, Cartão, Convênio" in str(_refused(rt, w, payment_form="pix"))
    assert _refused(rt, w, advance=True).field == "order_number"
    exc = _refused(rt, w, supplier_id=w.supplier_id + 1)  # the customer Maria
    assert exc.field == "supplier_id" and "não é um fornecedor" in str(exc)
    assert _refused(rt, w, document="X" * 21).field == "document"
    assert _refused(rt, w, series="123456").field == "series"
    assert _refused(rt, w, total="0,00").field == "total"
    assert _refused(rt, w, total="10,005").field == "total"
    assert _refused(rt, w, irrf="10,00").field == "service_invoice"
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(advance=True, order_number="PED-77", payment_form="chq_prazo",
                                          buyer_id=w.supplier_id, standard_note="Banco 001 ag. 1234 c/c 5678-9",
                                          service_invoice=True, irrf="20,00", pis="6,50", cofins="30,00",
                                          csll="10,00"), runtime=rt)
        assert (inv.advance, inv.order_number, inv.payment_form, inv.irrf, inv.csll) == (
            True, "PED-77", "chq_prazo", D("20.00"), D("10.00"))


def test_financial_category_is_creatable_inline(rt):
    w = seed(rt.engine)
    exc = _refused(rt, w, category="Links")
    assert exc.field == "category" and "não está cadastrada" in str(exc)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert preview_launch(s, w.request(category="Links", create_category=True), runtime=rt).category_is_new
    with unit_of_work(rt.engine) as s:
        first = launch_invoice(s, w.request(category="Links", create_category=True), runtime=rt)
        second = launch_invoice(s, w.request(category="links"), runtime=rt)
        assert first.category_id == second.category_id
        assert s.scalar(select(func.count()).select_from(FinancialCategory)) == 1


def test_preview_writes_nothing_and_matches_the_launch(rt):
    w = seed(rt.engine)
    req = w.request(cost_centres=[(w.centres["ADM"], "60"), (w.centres["TEC"], "40")])
    with unit_of_work(rt.engine, readonly=True) as s:
        p = preview_launch(s, req, runtime=rt)
        assert [(i.sequence, i.due_date, i.amount) for i in p.installments] == [
            (1, date(2026, 12, 5), D("333.34")), (2, date(2027, 1, 4), D("333.33")), (3, date(2027, 2, 3), D("333.33"))]
        assert [(c.amount, c.percent) for c in p.apportionment] == [(D("600.00"), D(60)), (D("400.00"), D(40))]
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, req, runtime=rt)
        assert inv.number == 1 and [i.amount for i in inv.parcels] == [i.amount for i in p.installments]


def test_credit_and_cash_flow_accounts(make):
    rt = make(cash_flow_account_code="1.1.1.02")
    w = seed(rt.engine)
    a = w.accounts
    exc = _refused(rt, w, credit_account_id=a["4.1.03"])
    assert exc.field == "credit_account_id" and "diferente das contas débito" in str(exc)
    exc = _refused(rt, w, cash_flow_account_id=a["4.1.05"])
    assert exc.field == "cash_flow_account_id" and "banco ou caixa" in str(exc)
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(template_id=None, debit_account_id=a["4.1.04"]), runtime=rt)
        assert (inv.cash_flow_account_id, inv.credit_account_id) == (a["1.1.1.02"], a["2.1.01"])  # the settings
        assert entry_lines(s, inv.entry_id) == [("2.1.01", D("0.00"), D("1000.00")), ("4.1.04", D("1000.00"), D("0.00"))]
    exc = _refused_after(rt, w, template_id=None)
    assert exc.field == "debit_splits" and "Informe a conta débito" in str(exc)


def test_database_refuses_an_advance_without_order_and_a_discount_over_the_total(rt):
    from sqlalchemy.exc import IntegrityError

    w = seed(rt.engine)
    base = dict(company_id=w.company_id, supplier_id=w.supplier_id, emission_date=date(2026, 11, 5),
                launch_date=date(2026, 11, 5), total=D("100.00"), payment_form="crediario", installments=1,
                term_days=30, credit_account_id=w.accounts["2.1.01"])
    for bad in ({"advance": True, "order_number": None}, {"discount": D("100.00")}):
        with pytest.raises(IntegrityError):
            with unit_of_work(rt.engine) as s:
                s.add(PayableInvoice(number=1, **{**base, **bad}))
                s.flush()
