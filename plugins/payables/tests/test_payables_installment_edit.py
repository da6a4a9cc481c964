"""After the launch: número, vencimento, valor, observação and portador of each installment."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from plugins.payables.installment_edit import InstallmentEdit, edit_installments
from plugins.payables.launch import launch_invoice
from plugins.payables.models import Carrier, PayableInvoice
from plugins.payables.tests.payables_world import D, assert_books, make_runtime, seed
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    from core.runtime import bootstrap

    with runtime_maker(bootstrap) as m:
        yield make_runtime(m, database_url)


@pytest.fixture
def launched(rt):
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        carrier = Carrier(code="BB", name="Banco do Brasil", active=True)
        s.add(carrier)
        inv = launch_invoice(s, w.request(), runtime=rt)
        return w, inv.id, carrier.id


def _edit(rt, inv_id, edits, user=None):
    with unit_of_work(rt.engine) as s:
        return edit_installments(s, s.get(PayableInvoice, inv_id), edits, user=user)


def _state(rt, inv_id):
    with unit_of_work(rt.engine, readonly=True) as s:
        return [(p.number, p.due_date, p.amount, p.note, p.carrier_id) for p in s.get(PayableInvoice, inv_id).parcels]


def test_edit_values_dates_numbers_notes_and_carrier(rt, launched):
    w, inv_id, carrier_id = launched
    changed = _edit(rt, inv_id, [
        InstallmentEdit(1, amount="400,00", number="NF4512/A", note="Entrada", carrier_id=carrier_id),
        InstallmentEdit(2, amount="300,00", due_date=date(2027, 1, 10)),
        InstallmentEdit(3, amount="300,00")], user=w.admin)
    assert [p.sequence for p in changed] == [1, 2, 3]
    assert _state(rt, inv_id) == [("NF4512/A", date(2026, 12, 5), D("400.00"), "Entrada", carrier_id),
                                  ("4512-2", date(2027, 1, 10), D("300.00"), None, None),
                                  ("4512-3", date(2027, 2, 3), D("300.00"), None, None)]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1  # the ledger needs no new entry
        assert_books(s, w)
        p1 = s.get(PayableInvoice, inv_id).parcels[0]
        audit = history(s, "payables.installment", p1.id)
        assert audit[0].action == "edit_installment" and audit[0].user_id == w.admin.id


def test_the_installments_must_still_add_up_to_the_invoice(rt, launched):
    w, inv_id, _ = launched
    before = _state(rt, inv_id)
    with pytest.raises(ValidationError) as exc:
        _edit(rt, inv_id, [InstallmentEdit(1, amount="400,00")])
    assert str(exc.value) == "A soma das parcelas (R$ 1.066,66) deve ser igual ao valor da fatura (R$ 1.000,00)."
    assert _state(rt, inv_id) == before


@pytest.mark.parametrize("edit, field", [
    (InstallmentEdit(2, due_date=date(2026, 11, 4)), "parcels.2.due_date"),
    (InstallmentEdit(1, number=""), "parcels.1.number"),
    (InstallmentEdit(1, number="4512-2"), "parcels"),
    (InstallmentEdit(1, amount="0,00"), "parcels.1.amount"),
    (InstallmentEdit(1, carrier_id=999), "parcels.1.carrier_id"),
    (InstallmentEdit(4, note="x"), "parcels"),
    (InstallmentEdit(1, note="x" * 251), "parcels.1.note"),
])
def test_refusals_name_the_field_and_change_nothing(rt, launched, edit, field):
    _w, inv_id, _ = launched
    before = _state(rt, inv_id)
    with pytest.raises(ValidationError) as exc:
        _edit(rt, inv_id, [edit])
    assert exc.value.field == field
    assert _state(rt, inv_id) == before


def test_only_open_installments_and_invoices(rt, launched):
    _w, inv_id, _ = launched
    with unit_of_work(rt.engine) as s:
        s.get(PayableInvoice, inv_id).parcels[0].status = "liquidada"
    with pytest.raises(ValidationError) as exc:
        _edit(rt, inv_id, [InstallmentEdit(1, note="pago")])
    assert "parcela 1" in str(exc.value) and "liquidada" in str(exc.value)
    with unit_of_work(rt.engine) as s:
        s.get(PayableInvoice, inv_id).status = "liquidada"
    with pytest.raises(ValidationError) as exc:
        _edit(rt, inv_id, [InstallmentEdit(2, note="x")])
    assert "somente faturas em aberto" in str(exc.value)


def test_launch_and_detail_edits_in_one_unit_of_work_roll_back_together(rt):
    """The page's "Detalhamento das Faturas" step: launch + edits in one transaction; a refused
    edit leaves no invoice, no installment and no journal entry behind."""
    w = seed(rt.engine)
    with pytest.raises(ValidationError):
        with unit_of_work(rt.engine) as s:
            inv = launch_invoice(s, w.request(), runtime=rt)
            edit_installments(s, inv, [InstallmentEdit(1, amount="1,00")])
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(PayableInvoice)) == 0
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(), runtime=rt)
        edit_installments(s, inv, [InstallmentEdit(3, due_date=date(2027, 2, 10), note="Combinado com o fornecedor")])
        assert inv.number == 1 and inv.parcels[2].due_date == date(2027, 2, 10)
