"""Baixa individual parcial: the manual's alert, the remainder invoice, "Juros/Multa na nova fatura"."""

from __future__ import annotations

from datetime import date

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.payables.models import PayableInstallment, PayableWriteOff
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, partial_alert, preview_writeoff, write_off
from tests.worldkit import entry_lines

NEW_DUE = date(2027, 1, 15)


def _pay(rt, code, **kw):
    with unit_of_work(rt.engine) as s:
        return write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt).id


def test_paying_less_shows_the_alert_and_needs_the_new_due_date(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    alert = ("O valor pago (R$ 100,00) é inferior ao valor da fatura (R$ 333,34): será realizada uma baixa parcial "
             "e gerada uma nova fatura com o valor restante (R$ 233,34).")
    assert partial_alert(D("100.00"), D("333.34")) == alert
    with unit_of_work(rt.engine, readonly=True) as s:
        plan = preview_writeoff(s, inst(s, ww.codes[0]), WriteOffRequest(paid_on=PAID_ON, paid="100,00",
                                                                         new_due_date=NEW_DUE), runtime=rt)
        assert (plan.kind, plan.principal, plan.rest, plan.alerts) == ("parcial", D("100.00"), D("233.34"), [alert])
    with pytest.raises(ValidationError) as exc:
        _pay(rt, ww.codes[0], paid="100,00")
    assert str(exc.value) == f"{alert} Informe a nova data de vencimento." and exc.value.field == "new_due_date"
    with pytest.raises(ValidationError) as exc:
        _pay(rt, ww.codes[0], paid="100,00", new_due_date=date(2026, 12, 4))
    assert exc.value.field == "new_due_date"


def test_partial_write_off_creates_the_remainder_invoice(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, ww.codes[0], paid="100,00", new_due_date=NEW_DUE, remainder_note="Saldo combinado")
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        original, rest = inst(s, ww.codes[0]), s.get(PayableInstallment, wo.remainder_installment_id)
        assert (wo.kind, wo.principal, wo.paid) == ("parcial", D("100.00"), D("100.00"))
        assert original.status == "parcial" and original.amount == D("333.34")
        assert (rest.code, rest.sequence, rest.number, rest.due_date, rest.amount, rest.note, rest.status,
                rest.remainder_of_id) == (4, 4, "4512-4", NEW_DUE, D("233.34"), "Saldo combinado", "em_aberto",
                                          original.id)
        assert invoice(s, ww).status == "parcial"
        assert entry_lines(s, wo.entry_id) == [("1.1.1.02", D("0.00"), D("100.00")), ("2.1.01", D("100.00"), D("0.00"))]
        assert_books(s, ww.w)
    _pay(rt, 4)  # the remainder is itself a fatura a pagar
    for code in ww.codes[1:]:
        _pay(rt, code)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert inst(s, 4).status == "liquidada" and invoice(s, ww).status == "liquidada"
        assert_books(s, ww.w)


def test_default_note_of_the_remainder(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, ww.codes[1], paid="33,33", new_due_date=NEW_DUE)
    with unit_of_work(rt.engine, readonly=True) as s:
        rest = s.get(PayableInstallment, s.get(PayableWriteOff, wo_id).remainder_installment_id)
        assert rest.note == f"Saldo da fatura {ww.codes[1]} (baixa parcial em 05/12/2026)"
        assert rest.amount == D("300.00")


def test_interest_on_the_new_invoice_only_with_the_setting(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    with pytest.raises(ValidationError) as exc:
        _pay(rt, ww.codes[0], paid="100,00", new_due_date=NEW_DUE, remainder_interest="4,66")
    assert "Juros/Multa na nova fatura" in str(exc.value) and exc.value.field == "remainder_interest"
    rt = make(interest_on_remainder_invoice=True)
    wo_id = _pay(rt, ww.codes[0], paid="100,00", new_due_date=NEW_DUE, remainder_interest="4,66")
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert inst(s, 4).amount == D("238.00") and wo.remainder_interest == D("4.66")
        assert sorted(entry_lines(s, wo.entry_id)) == [
            ("1.1.1.02", D("0.00"), D("100.00")), ("2.1.01", D("0.00"), D("4.66")), ("2.1.01", D("100.00"), D("0.00")),
            ("4.2.01", D("4.66"), D("0.00"))]
        assert_books(s, ww.w)


def test_partial_with_interest_and_discount(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    # due = 333,34 + 6,00 − 2,00 = 337,34; paid 200,00 ⇒ principal 200 + 2 − 6 = 196,00; rest 137,34
    wo_id = _pay(rt, ww.codes[0], paid="200,00", interest="6,00", discount="2,00", new_due_date=NEW_DUE)
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.principal, inst(s, 4).amount) == (D("196.00"), D("137.34"))
        assert_books(s, ww.w)
