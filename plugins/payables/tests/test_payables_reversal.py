"""Estornar Pagamento: reversal of total and partial write-offs, its rules and search."""

from __future__ import annotations

from datetime import date

import pytest

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from plugins.payables.installment_edit import InstallmentEdit, edit_installments
from plugins.payables.models import PayableWriteOff
from plugins.payables.reversal import REMAINDER_PAID, reverse_writeoff
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.payables.writeoff_search import search_reversible
from tests.worldkit import entry_lines

ON = date(2026, 12, 10)


@pytest.fixture
def rt(make):
    return make(interest_on_remainder_invoice=True)


def _pay(rt, code, **kw):
    with unit_of_work(rt.engine) as s:
        return write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt).id


def _reverse(rt, code, user=None, **kw):
    with unit_of_work(rt.engine) as s:
        return reverse_writeoff(s, inst(s, code), **{"reason": "Pago em duplicidade", "on": ON, **kw}, user=user).id


def test_reversal_posts_the_counter_entry_on_the_reversal_date(rt):
    ww = seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, 1, interest="10,00", discount="2,00", our_number="NN-1")
    _reverse(rt, 1, user=ww.w.admin, situation="Aguardando")
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.reversed, wo.reversed_on, wo.reversal_reason, wo.reversed_by) == (
            True, ON, "Pago em duplicidade", ww.w.admin.id)
        rev = s.get(JournalEntry, wo.reversal_entry_id)
        assert (rev.date, rev.reversal_of_id) == (ON, wo.entry_id)
        assert entry_lines(s, rev.id) == [(code, c, d) for code, d, c in entry_lines(s, wo.entry_id)]
        p = inst(s, 1)
        assert (p.status, p.situation) == ("em_aberto", "Aguardando") and invoice(s, ww).status == "em_aberto"
        assert_books(s, ww.w)
        assert [a.action for a in history(s, "payables.installment", p.id)] == ["reverse_write_off", "write_off"]
    _pay(rt, 1)  # open again: can be paid again, and reversed again
    _reverse(rt, 1)


def test_partial_reversal_excludes_the_open_remainder(rt):
    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, 1, paid="100,00", new_due_date=date(2027, 1, 15), remainder_interest="5,00")
    _reverse(rt, 1)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (inst(s, 1).status, inst(s, 1).amount, inst(s, 4).status) == ("em_aberto", D("333.34"), "excluida")
        assert invoice(s, ww).status == "em_aberto"
        assert_books(s, ww.w)  # the remainder's "Juros em R$" is reversed with the entry
    with unit_of_work(rt.engine) as s:  # the excluded remainder no longer counts in the installments' sum
        edit_installments(s, invoice(s, ww), [InstallmentEdit(1, amount="300,00"), InstallmentEdit(2, amount="366,67")])


def test_a_paid_remainder_must_be_reversed_first(rt):
    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, 1, paid="100,00", new_due_date=date(2027, 1, 15))
    _pay(rt, 4)
    with pytest.raises(ValidationError) as exc:
        _reverse(rt, 1)
    assert str(exc.value) == REMAINDER_PAID.format(code=1, rest=4)
    _reverse(rt, 4)
    _reverse(rt, 1)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [inst(s, c).status for c in (1, 4)] == ["em_aberto", "excluida"]
        assert_books(s, ww.w)


@pytest.mark.parametrize("kw, field, text", [
    (dict(reason="  "), "reason", "Informe o motivo do estorno."),
    (dict(reason="x" * 251), "reason", "no máximo 250"),
    (dict(on=date(2026, 12, 4)), "on", "não pode ser anterior à data da baixa (05/12/2026)"),
    (dict(situation="s" * 31), "situation", "no máximo 30"),
])
def test_refusals_change_nothing(rt, kw, field, text):
    seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, 1)
    with pytest.raises(ValidationError) as exc:
        _reverse(rt, 1, **kw)
    assert exc.value.field == field and text in str(exc.value)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (s.get(PayableWriteOff, wo_id).reversed, inst(s, 1).status) == (False, "liquidada")


def test_nothing_to_reverse_and_protected_period(rt):
    ww = seed_writeoff(rt.engine, rt)
    with pytest.raises(ValidationError) as exc:
        _reverse(rt, 2)
    assert str(exc.value) == "A fatura 2 não tem baixa a estornar."
    _pay(rt, 1)
    with unit_of_work(rt.engine) as s:
        s.get(Company, ww.w.company_id).protect_before = date(2026, 12, 31)
    with pytest.raises(ValidationError) as exc:
        _reverse(rt, 1)
    assert exc.value.field == "on" and "protegidos" in str(exc.value)
    _reverse(rt, 1, on=date(2027, 1, 2))


def test_search_by_supplier_and_our_number(rt):
    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, 1, our_number="NN-1")
    _pay(rt, 2, paid="10,00", new_due_date=date(2027, 3, 1), cheque_number="CH-2")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [p.code for p in search_reversible(s, supplier_id=ww.w.supplier_id)] == [1, 2]
        assert [p.code for p in search_reversible(s, our_number="NN-1")] == [1]
        assert [p.code for p in search_reversible(s, our_number="CH-2")] == [2]
        assert search_reversible(s, supplier_id=999) == []
