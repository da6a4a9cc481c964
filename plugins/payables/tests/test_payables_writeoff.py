"""Baixar Pagamento — individual total write-off on a real database (SQLite/PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from plugins.payables.models import PayableWriteOff
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import (BLOCKED_CARRIER_ALERT, NOT_APPROVED_ALERT, WriteOffRequest, preview_writeoff,
                                       write_off)
from tests.worldkit import entry_lines


@pytest.fixture
def rt(make):
    return make(effective_entry=True)  # "Lançamento Efetivado" on: cheque_cleared is kept


def _pay(rt, code, user=None, **kw):
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt, user=user)
        return wo.id


def _counts(s):
    return (s.scalar(select(func.count()).select_from(PayableWriteOff)),
            s.scalar(select(func.count()).select_from(JournalEntry)))


def _refused(rt, code, user=None, **kw) -> ValidationError:
    with unit_of_work(rt.engine, readonly=True) as s:
        before = (_counts(s), inst(s, code).status)
    with pytest.raises(ValidationError) as exc:
        _pay(rt, code, user=user, **kw)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (_counts(s), inst(s, code).status) == before, "nothing half-written"
    return exc.value


def test_total_write_off_posts_supplier_against_the_bank(rt):
    ww = seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, ww.codes[0], user=ww.w.admin, history_note="TED 123")
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.kind, wo.paid_on, wo.account_date, wo.principal, wo.paid) == (
            "total", PAID_ON, PAID_ON, D("333.34"), D("333.34"))
        assert inst(s, ww.codes[0]).status == "liquidada" and invoice(s, ww).status == "parcial"
        entry = s.get(JournalEntry, wo.entry_id)
        assert (entry.date, entry.origin_kind, entry.origin_id) == (PAID_ON, "payables.writeoff", wo_id)
        assert "TED 123" in entry.description
        assert entry_lines(s, wo.entry_id) == [("1.1.1.02", D("0.00"), D("333.34")),
                                                ("2.1.01", D("333.34"), D("0.00"))]
        assert [ln.party_id for ln in entry.lines if ln.debit] == [ww.w.supplier_id]
        assert_books(s, ww.w)
        assert [a.action for a in history(s, "payables.installment", inst(s, ww.codes[0]).id)] == ["write_off"]
    for code in ww.codes[1:]:
        _pay(rt, code)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert invoice(s, ww).status == "liquidada"
        assert_books(s, ww.w)


def test_interest_discount_fee_and_abatement_each_have_their_account(rt):
    ww = seed_writeoff(rt.engine, rt)
    # 333,34 + juros 10,00 + taxa 2,50 − desconto 5,00 − abatimento 3,00 = 337,84
    wo_id = _pay(rt, ww.codes[0], interest="10,00", fee="2,50", discount="5,00", abatement="3,00",
                 cost_centre_id=ww.w.centres["ADM"])
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.paid, wo.principal, wo.interest, wo.fee, wo.discount, wo.abatement) == (
            D("337.84"), D("333.34"), D("10.00"), D("2.50"), D("5.00"), D("3.00"))
        assert entry_lines(s, wo.entry_id) == [
            ("1.1.1.02", D("0.00"), D("337.84")), ("2.1.01", D("333.34"), D("0.00")),
            ("3.2.01", D("0.00"), D("5.00")), ("3.2.02", D("0.00"), D("3.00")),
            ("4.2.01", D("10.00"), D("0.00")), ("4.2.02", D("2.50"), D("0.00"))]
        entry = s.get(JournalEntry, wo.entry_id)
        assert {ln.cost_centre_id for ln in entry.lines if ln.debit and ln.party_id is None} == {ww.w.centres["ADM"]}
        assert_books(s, ww.w)


def test_fields_of_the_manual_are_kept(rt):
    ww = seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, ww.codes[0], cheque_number="000123", cheque_cleared=True, our_number="NN-77",
                 account_date=date(2026, 12, 7), carrier_id=ww.carrier_id, situation="Pago",
                 cash_account_id=ww.accounts["1.1.1.01"], category="Energia", create_category=True)
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        p = inst(s, ww.codes[0])
        assert (wo.cheque_number, wo.cheque_cleared, wo.our_number, wo.account_date) == (
            "000123", True, "NN-77", date(2026, 12, 7))
        assert (p.carrier_id, p.our_number, p.situation) == (ww.carrier_id, "NN-77", "Pago")
        assert wo.cash_account_id == ww.accounts["1.1.1.01"] and wo.category_id != invoice(s, ww).category_id
        assert entry_lines(s, wo.entry_id)[0] == ("1.1.1.01", D("0.00"), D("333.34"))


def test_foreign_currency_paid_value_is_converted_by_the_index(rt):
    ww = seed_writeoff(rt.engine, rt)
    # US$ 60,61 × 5,4998 = 333,342… ⇒ R$ 333,34: the installment in full
    wo_id = _pay(rt, ww.codes[0], paid="60,61", conversion_index="5,4998")
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.kind, wo.paid, wo.foreign_amount, wo.conversion_index) == ("total", D("333.34"), D("60.61"),
                                                                              D("5.4998"))
    assert _refused(rt, ww.codes[1], paid="10,00", conversion_index="0").field == "conversion_index"


def test_only_open_installments(rt):
    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, ww.codes[0])
    exc = _refused(rt, ww.codes[0])
    assert str(exc) == f"A fatura {ww.codes[0]} está liquidada: somente faturas em aberto podem ser baixadas."


def test_only_approved_invoices_when_approval_is_on(make):
    rt = make(require_approval=True)
    ww = seed_writeoff(rt.engine, rt)
    exc = _refused(rt, ww.codes[0])
    assert str(exc).startswith(NOT_APPROVED_ALERT) and "não foi aprovada" in str(exc)
    with unit_of_work(rt.engine) as s:
        invoice(s, ww).approved_at = datetime(2026, 11, 6, tzinfo=timezone.utc)
    _pay(rt, ww.codes[0])


def test_blocked_carriers_cannot_be_paid(make):
    rt = make(blocked_carriers={"gerente": ["BB"]})
    ww = seed_writeoff(rt.engine, rt)
    exc = _refused(rt, ww.codes[0], user=ww.w.admin, carrier_id=ww.carrier_id)
    assert str(exc) == f"{BLOCKED_CARRIER_ALERT} Portador bloqueado: BB - Banco do Brasil."
    assert exc.field == "carrier_id"
    _pay(rt, ww.codes[0], carrier_id=ww.carrier_id)  # another user (none here): not blocked for them
    rt2 = make(blocked_carriers={"*": ["BB"]})
    with unit_of_work(rt2.engine) as s:
        inst(s, ww.codes[1]).carrier_id = ww.carrier_id
    exc = _refused(rt2, ww.codes[1])
    assert exc.field == "installment" and BLOCKED_CARRIER_ALERT in str(exc)


def test_protected_period_is_refused(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        s.get(Company, ww.w.company_id).protect_before = date(2026, 12, 31)
    exc = _refused(rt, ww.codes[0])
    assert exc.field == "paid_on" and "protegidos" in str(exc)


@pytest.mark.parametrize("kw, field, text", [
    (dict(paid="400,00"), "paid", "O valor pago (R$ 400,00) é maior que o valor devido (R$ 333,34)"),
    (dict(paid_on=date(2026, 11, 4)), "paid_on", "não pode ser anterior à emissão"),
    (dict(account_date=date(2026, 12, 4)), "account_date", "não pode ser anterior à data da baixa"),
    (dict(cheque_cleared=True), "cheque_number", "informe o número do cheque"),
    (dict(our_number="x" * 31), "our_number", "no máximo 30"),
    (dict(discount="400,00"), "discount", "maiores que o valor da fatura"),
    (dict(cash_account_id="4.1.03"), "cash_account_id", "deve ser uma conta banco ou caixa"),
    (dict(remainder_interest="1,00"), "remainder_interest", "só na baixa parcial"),
    (dict(category="Nova"), "category", "não está cadastrada"),
    (dict(interest="-1,00"), "interest", "não pode ser negativo"),
    (dict(carrier_id=999), "carrier_id", "Portador 999 não encontrado ou inativo."),
])
def test_refusals_name_the_field(rt, kw, field, text):
    ww = seed_writeoff(rt.engine, rt)
    if "cash_account_id" in kw:
        kw = {**kw, "cash_account_id": ww.accounts[kw["cash_account_id"]]}
    exc = _refused(rt, ww.codes[0], **kw)
    assert exc.field == field and text in str(exc)


def test_abatement_needs_the_standard_operation(rt):
    ww = seed_writeoff(rt.engine, rt)
    from core.ledger.models import AccountingTemplate

    with unit_of_work(rt.engine) as s:
        s.scalar(select(AccountingTemplate).where(AccountingTemplate.code == "ABT")).active = False
    exc = _refused(rt, ww.codes[0], abatement="1,00")
    assert exc.field == "abatement" and "Abatimentos Obtidos" in str(exc)


def test_preview_writes_nothing(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        before = _counts(s)
        plan = preview_writeoff(s, inst(s, ww.codes[0]), WriteOffRequest(paid_on=PAID_ON, interest="1,00"), runtime=rt)
        assert (plan.kind, plan.due, plan.paid, plan.alerts) == ("total", D("334.34"), D("334.34"), [])
        assert sum((ln.debit or 0 for ln in plan.lines), D(0)) == sum((ln.credit or 0 for ln in plan.lines), D(0))
    with unit_of_work(rt.engine, readonly=True) as s:
        assert _counts(s) == before
