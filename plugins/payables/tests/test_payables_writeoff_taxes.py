"""Baixa de faturas de serviços: CSRF/IRRF proportional to the installment (the manual's example)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from plugins.payables.installment_edit import InstallmentEdit, edit_installments
from plugins.payables.models import PayableWriteOff
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.payables.writeoff_taxes import RETENTION_ALERT, proportional_tax

SERVICE = dict(service_invoice=True, irrf="20,00", pis="6,50", cofins="30,00", csll="10,00", installments=2)


@pytest.mark.parametrize("tax, expected", [("20.00", "3.00"), ("6.50", "0.97"), ("30.00", "4.50"), ("10.00", "1.50")])
def test_the_manuals_worked_example(tax, expected):
    # (140,02 / (1.000,00 − 66,50)) × imposto
    assert proportional_tax(D("140.02"), D("1000.00"), D("66.50"), D(tax)) == D(expected)


def _service_world(make, **kw):
    rt = make()
    ww = seed_writeoff(rt.engine, rt, **{**SERVICE, **kw})
    with unit_of_work(rt.engine) as s:  # the manual's installment of 140,02
        edit_installments(s, invoice(s, ww), [InstallmentEdit(1, amount="140,02"), InstallmentEdit(2, amount="859,98")])
    return rt, ww


def test_write_off_of_a_service_installment_posts_each_tax(make):
    rt, ww = _service_world(make)
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, ww.codes[0]), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
        wo_id = wo.id
    with unit_of_work(rt.engine, readonly=True) as s:
        wo = s.get(PayableWriteOff, wo_id)
        assert (wo.irrf, wo.pis, wo.cofins, wo.csll) == (D("3.00"), D("0.97"), D("4.50"), D("1.50"))
        entry = s.get(JournalEntry, wo.entry_id)
        taxes = sorted((ln.memo, ln.debit, ln.credit) for ln in entry.lines if ln.memo in ("IRRF", "PIS", "COFINS",
                                                                                           "CSLL"))
        assert taxes == [("COFINS", D("0.00"), D("4.50")), ("COFINS", D("4.50"), D("0.00")),
                         ("CSLL", D("0.00"), D("1.50")), ("CSLL", D("1.50"), D("0.00")),
                         ("IRRF", D("0.00"), D("3.00")), ("IRRF", D("3.00"), D("0.00")),
                         ("PIS", D("0.00"), D("0.97")), ("PIS", D("0.97"), D("0.00"))]
        by_account = {(ln.account_id, ln.credit) for ln in entry.lines if ln.credit and ln.memo in ("IRRF", "PIS")}
        assert by_account == {(ww.accounts["2.1.05"], D("3.00")), (ww.accounts["2.1.06"], D("0.97"))}
        assert_books(s, ww.w)


def test_partial_write_off_takes_the_paid_part(make):
    rt, ww = _service_world(make)
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, ww.codes[1]), WriteOffRequest(paid_on=PAID_ON, paid="140,02",
                                                                new_due_date=PAID_ON), runtime=rt)
        assert (wo.irrf, wo.pis, wo.cofins, wo.csll) == (D("3.00"), D("0.97"), D("4.50"), D("1.50"))


def test_missing_tax_operations_refuse_the_write_off(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt, retentions=False, **SERVICE)
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(rt.engine) as s:
            write_off(s, inst(s, ww.codes[0]), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
    assert str(exc.value).startswith(RETENTION_ALERT)
    assert "Retenção de IRRF (105), Retenção de PIS (100), Retenção de COFINS (101), Retenção de CSLL (102)" in str(exc.value)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(PayableWriteOff)) == 0
        assert inst(s, ww.codes[0]).status == "em_aberto"


def test_a_product_invoice_posts_no_tax(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt, retentions=False)
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, ww.codes[0]), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
        assert (wo.irrf, wo.pis, wo.cofins, wo.csll) == (D("0"), D("0"), D("0"), D("0"))
