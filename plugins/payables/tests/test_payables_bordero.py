"""Borderô de pagamento: rows of paid and open installments, totals, selection by the write-off date,
refusals, and the xlsx export read back with openpyxl."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.payables.bordero import HEADER, bordero, bordero_xlsx
from plugins.payables.delete import delete_invoice
from plugins.payables.launch import launch_invoice
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_world import D
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off


@pytest.fixture
def rt(make):
    return make()


def _pay(rt, code, **kw):
    with unit_of_work(rt.engine) as s:
        return write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt).id


def test_rows_and_totals_of_paid_and_open_installments(rt):
    ww = seed_writeoff(rt.engine, rt, service_invoice=True, irrf="20,00")
    _pay(rt, 1, interest="10,00", fee="1,50", discount="2,00", abatement="3,00", cheque_number="000777",
         our_number="NN-1", carrier_id=ww.carrier_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        b = bordero(s, company_id=ww.w.company_id, codes=[3, 1])
    first, second = b.rows  # by due date
    assert (first.code, first.amount, first.additions, first.deductions, first.paid, first.paid_on) == (
        1, D("333.34"), D("11.50"), D("5.00"), D("339.84"), PAID_ON)
    assert (first.cash_account, first.cheque, first.our_number, first.carrier) == (
        "1.1.1.02 - Banco do Brasil c/c", "000777", "NN-1", "BB - Banco do Brasil")
    assert first.retentions == D("6.80") and first.status == "Liquidada"  # IRRF: 333,34 / 980,00 × 20,00
    assert (second.code, second.paid, second.to_pay, second.status) == (3, None, D("333.33"), "Em aberto")
    assert b.totals == {"amount": D("666.67"), "additions": D("11.50"), "deductions": D("5.00"),
                        "retentions": D("6.80"), "to_pay": D("673.17")}
    assert b.paid_count == 1


def test_selection_by_writeoff_date_and_refusals(rt):
    ww = seed_writeoff(rt.engine, rt)
    cid = ww.w.company_id
    _pay(rt, 1)
    _pay(rt, 2, paid_on=date(2026, 12, 6))
    with unit_of_work(rt.engine) as s:
        other = launch_invoice(s, ww.w.request(document="9", installments=1, category="Links"), runtime=rt)
        delete_invoice(s, other.parcels[0], reason="Duplicada", runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [r.code for r in bordero(s, company_id=cid, paid_on=PAID_ON).rows] == [1]
        with pytest.raises(ValidationError, match="não encontrada"):
            bordero(s, company_id=cid, codes=[1, 99])
        with pytest.raises(ValidationError, match="Faturas excluídas não entram no borderô: 4."):
            bordero(s, company_id=cid, codes=[1, 4])
        with pytest.raises(ValidationError, match="Informe as faturas"):
            bordero(s, company_id=cid)
    with unit_of_work(rt.engine) as s:  # a reversed write-off leaves the borderô of its day
        reverse_writeoff(s, inst(s, 1), reason="Errado", on=PAID_ON)
    with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError, match="Nenhuma baixa em 05/12/2026"):
        bordero(s, company_id=cid, paid_on=PAID_ON)


def test_xlsx_has_numbers_dates_and_a_totals_row(rt):
    from openpyxl import load_workbook

    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, 1, interest="10,00", cheque_number="000777")
    with unit_of_work(rt.engine, readonly=True) as s:
        data = bordero_xlsx(bordero(s, company_id=ww.w.company_id, codes=[1, 2, 3]))
    ws = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert ws.title == "Borderô de pagamento" and tuple(rows[0]) == HEADER
    first = dict(zip(HEADER, rows[1]))
    assert (first["Fatura"], first["Fornecedor"], first["CPF/CNPJ"], first["Documento/Série"]) == (
        1, "Atacado de Links S.A.", "11.444.777/0001-61", "4512/1")
    assert first["Vencimento"] == datetime(2026, 12, 5) and first["Data da baixa"] == datetime(2026, 12, 5)
    assert Decimal(str(first["Valor pago (R$)"])) == D("343.34") and first["Cheque"] == "000777"
    assert isinstance(first["Valor (R$)"], (int, float)) and ws.cell(2, 7).number_format == "#,##0.00"
    due_col = HEADER.index("Vencimento") + 1
    assert ws.cell(2, due_col).number_format == "DD/MM/YYYY"  # shown dd/mm/aaaa, as operators read dates
    assert ws.cell(2, 1).number_format == "General"  # the invoice number is a number, not money
    assert ws.cell(5, 1).font.b and ws.cell(1, 1).font.b
    total = dict(zip(HEADER, rows[-1]))
    assert (total["Fatura"], total["Número"]) == ("Total", "3 fatura(s)")
    assert Decimal(str(total["Valor (R$)"])) == D("1000.00") and Decimal(str(total["Valor pago (R$)"])) == D("1010.00")
    assert len(rows) == 5
