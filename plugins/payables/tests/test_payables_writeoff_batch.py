"""Baixa em lote and the manual's search filters."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from plugins.payables.launch import launch_invoice
from plugins.payables.models import PayableWriteOff
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off, write_off_batch
from plugins.payables.writeoff_search import InstallmentFilter, installment_row, search_installments


@pytest.fixture
def world(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:  # a second launch: another document, series and payment form
        second = launch_invoice(s, ww.w.request(document="9001", series="2", payment_form="chq_prazo", installments=2,
                                                total="200,00", category="Links"), runtime=rt)
        second.parcels[0].carrier_id = ww.carrier_id
    return rt, ww


def _codes(rt, **kw):
    with unit_of_work(rt.engine, readonly=True) as s:
        return [p.code for p in search_installments(s, InstallmentFilter(**kw))]


def test_the_manuals_filters(world):
    rt, ww = world
    assert _codes(rt) == [1, 4, 2, 5, 3]  # open ones, by due date
    assert _codes(rt, code_from=2, code_to=4) == [4, 2, 3]
    assert _codes(rt, due_from=date(2026, 12, 1), due_to=date(2026, 12, 31)) == [1, 4]
    assert _codes(rt, company_id=ww.w.company_id, supplier_id=ww.w.supplier_id) == [1, 4, 2, 5, 3]
    assert _codes(rt, supplier_id=999) == []
    assert _codes(rt, carrier_ids=[ww.carrier_id]) == [4]
    assert _codes(rt, payment_form="chq_prazo") == [4, 5]
    assert _codes(rt, series="2") == [4, 5] and _codes(rt, document="4512") == [1, 2, 3]
    assert _codes(rt, cash_flow_account_id=ww.accounts["1.1.1.02"]) == [1, 2, 3]
    with unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 1), WriteOffRequest(paid_on=PAID_ON, our_number="NN-1", cheque_number="CH-9"), runtime=rt)
    assert _codes(rt) == [4, 2, 5, 3]
    assert _codes(rt, status="liquidada") == [1]
    assert _codes(rt, status=None, our_number="NN-1") == [1] and _codes(rt, status=None, our_number="CH-9") == [1]
    with unit_of_work(rt.engine, readonly=True) as s:
        row = installment_row(s, inst(s, 4))
        assert (row["emission_date"], row["document"], row["series"], row["sequence"], row["installments"],
                row["amount"], row["supplier"], row["payment_form"]) == (
            "2026-11-05", "9001", "2", 1, 2, "100.00", "Atacado de Links S.A.", "chq_prazo")


def test_batch_write_off_one_entry_each(world):
    rt, ww = world
    with unit_of_work(rt.engine) as s:
        picked = search_installments(s, InstallmentFilter(due_from=date(2026, 12, 1), due_to=date(2026, 12, 31)))
        common = dict(paid_on=PAID_ON, cash_account_id=ww.accounts["1.1.1.01"])  # "Integração com Caixa"
        with pytest.raises(ValidationError) as exc:  # the second launch has no cash-flow account
            write_off_batch(s, [(picked[1], WriteOffRequest(paid_on=PAID_ON))], runtime=rt)
        assert str(exc.value) == "Fatura 4: Informe a conta crédito (banco ou caixa) da baixa."
        reqs = [WriteOffRequest(**common, interest="1,00", our_number="L-1"),
                WriteOffRequest(**common, discount="0,50", our_number="L-2")]
        wos = write_off_batch(s, list(zip(picked, reqs)), runtime=rt, user=ww.w.admin)
        ids = [w.id for w in wos]
    with unit_of_work(rt.engine, readonly=True) as s:
        wos = [s.get(PayableWriteOff, i) for i in ids]
        assert [(w.kind, w.paid, w.our_number) for w in wos] == [("lote", D("334.34"), "L-1"), ("lote", D("99.50"), "L-2")]
        assert len({w.entry_id for w in wos}) == 2 and {w.cash_account_id for w in wos} == {ww.accounts["1.1.1.01"]}
        assert [inst(s, c).status for c in (1, 4)] == ["liquidada", "liquidada"]
        assert_books(s, ww.w)


def test_batch_refusal_lists_every_reason_and_writes_nothing(world):
    rt, ww = world
    with unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 2), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(rt.engine) as s:
            write_off_batch(s, [(inst(s, 1), WriteOffRequest(paid_on=PAID_ON)),
                                (inst(s, 2), WriteOffRequest(paid_on=PAID_ON)),
                                (inst(s, 3), WriteOffRequest(paid_on=PAID_ON, paid="10,00"))], runtime=rt)
    text = str(exc.value)
    assert "Fatura 2: A fatura 2 está liquidada" in text and "Fatura 3: a baixa em lote é sempre total" in text
    assert "Fatura 1" not in text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(PayableWriteOff)) == 1
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 3  # two launches + one write-off
        assert inst(s, 1).status == "em_aberto"
    with pytest.raises(ValidationError):
        with unit_of_work(rt.engine) as s:
            write_off_batch(s, [], runtime=rt)
