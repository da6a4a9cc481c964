"""Many lines × many invoices (`reconcile_many.py`): the manual's totals, zero difference only, lines of the
same day, typed desconto/juros carried to the settlements, a divergent settled invoice re-settled at the
statement's date and value, unreconcile of any line undoing the whole group."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement import active_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import unreconcile
from plugins.reconciliation.reconcile_many import Target, reconcile_many, totals_of
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem
from plugins.reconciliation.reconciler_queries import reconciled_view
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    D, import_lines, invoice, number_of, rt, seed, settle)

DAY = date(2026, 12, 10)


def test_totals_are_the_manuals_fields():
    t = totals_of([(D("100.00"), D("5.00"), D("0.00")), (D("30.00"), D("0.00"), D("2.50")),
                   (D("22.50"), D("0.00"), D("0.00"))], D("150.00"))
    assert (t.count, t.gross, t.discount, t.interest, t.card_fee, t.subtotal, t.statement, t.difference) == (
        3, D("152.50"), D("5.00"), D("2.50"), D("0.00"), D("150.00"), D("150.00"), D("0.00"))
    assert totals_of([(D("100.00"), D("4.00"), D("0.00"))], D("95.00")).difference == D("-1.00")


def _world(rt):
    w = seed()
    a = invoice(w, "100.00", DAY)
    b = invoice(w, "30.00", date(2026, 12, 5), party_id=w.other_party_id)
    c = invoice(w, "22.50", date(2026, 12, 8))
    old = settle(rt, w, c, date(2026, 12, 8), "22.50")  # settled by the ERP two days before the statement
    lines = import_lines(w, ("100,00", "20261210", "PIX RECEBIDO"), ("50,00", "20261210", "PIX RECEBIDO"),
                         ("10,00", "20261211", "PIX RECEBIDO"))
    return w, (a, b, c), old, lines


def test_two_lines_of_a_day_with_three_invoices_and_unreconcile_of_one_line_undoes_the_group(rt):
    w, (a, b, c), old, (l1, l2, _l3) = _world(rt)
    off = [Target(a, discount=D("4.00")), Target(b, interest=D("2.50")), Target(c)]
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        reconcile_many(s, [l1, l2], off, runtime=rt)
    assert str(exc.value) == ("Diferença de -R$ 1,00 entre o valor do extrato (R$ 150,00) e o subtotal das faturas "
                              "(R$ 151,00): só é possível conciliar com diferença zero.")
    with unit_of_work(readonly=True) as s:  # nothing written
        assert s.get(Invoice, a).status == INVOICE_OPEN and s.get(StatementLine, l1).reconciliation_id is None
    targets = [Target(a, discount=D("5.00")), Target(b, interest=D("2.50")), Target(c)]
    with unit_of_work() as s:
        rid = reconcile_many(s, [l2, l1], targets, runtime=rt).id
    with unit_of_work(readonly=True) as s:
        rec = s.get(Reconciliation, rid)
        assert (rec.origin, rec.posted_on, rec.amount) == ("manual", DAY, D("150.00"))
        assert [s.get(StatementLine, i).reconciliation_id for i in (l1, l2)] == [rid, rid]
        sa, sb, sc = (active_settlement(s, i) for i in (a, b, c))
        assert (sa.paid_on, sa.amount, sa.discount, sa.interest, sa.bank_account_id) == (DAY, D("95.00"), D("5.00"),
                                                                                         D("0.00"), w.bank_id)
        assert (sb.paid_on, sb.amount, sb.interest, sb.discount) == (DAY, D("32.50"), D("2.50"), D("0.00"))
        assert (sc.paid_on, sc.amount) == (DAY, D("22.50")) and sc.id != old
        assert s.get(Settlement, old).reversed  # "estorna a baixa … e realiza uma nova baixa"
        items = {i.invoice_id: i for i in s.scalars(select(ReconciliationItem)
                                                    .where(ReconciliationItem.reconciliation_id == rid))}
        assert set(items) == {a, b, c} and all(i.created_settlement for i in items.values())
        assert items[c].replaced_settlement_id == old and items[a].replaced_settlement_id is None
        view = reconciled_view(s, s.get(StatementLine, l1))
        assert view.line_ids == [l1, l2] and len(view.items) == 3
    with unit_of_work() as s:
        out = unreconcile(s, l2, runtime=rt)
    assert sorted(out.line_ids) == [l1, l2]
    assert sorted(out.reopened_invoices) == sorted([number_of(a), number_of(b)])
    assert out.restored_invoices == [number_of(c)]
    with unit_of_work(readonly=True) as s:
        assert [s.get(StatementLine, i).reconciliation_id for i in (l1, l2)] == [None, None]
        assert s.get(Invoice, a).status == INVOICE_OPEN and s.get(Invoice, b).status == INVOICE_OPEN
        assert s.get(Invoice, c).status == INVOICE_SETTLED
        back = active_settlement(s, c)
        assert (back.paid_on, back.amount) == (date(2026, 12, 8), D("22.50"))  # "retornam ao status inicial"


def test_lines_of_different_days_reconciled_lines_and_no_invoice_are_refused(rt):
    w, (a, b, c), _old, (l1, l2, l3) = _world(rt)
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        reconcile_many(s, [l1, l3], [Target(a)], runtime=rt)
    assert str(exc.value) == ("Os lançamentos selecionados são de dias diferentes (10/12/2026, 11/12/2026): selecione "
                              "apenas lançamentos do mesmo dia para conciliá-los juntos.")
    with pytest.raises(ValidationError, match="Selecione as faturas a conciliar."), unit_of_work() as s:
        reconcile_many(s, [l1], [], runtime=rt)
    with pytest.raises(ValidationError, match="Desconto não pode ser negativo"), unit_of_work() as s:
        reconcile_many(s, [l1], [Target(a, discount=D("-1.00"))], runtime=rt)
    with unit_of_work() as s:
        reconcile_many(s, [l1], [Target(a)], runtime=rt)
    with pytest.raises(ValidationError, match="já está conciliado"), unit_of_work() as s:
        reconcile_many(s, [l1, l2], [Target(b)], runtime=rt)


def test_cli_varios_refuses_a_difference_and_reconciles_at_zero(rt, database_url, tmp_path, monkeypatch):
    from plugins.reconciliation.tests.reconcile_world import ENABLED, SETTINGS
    from tests.cli_runner import cli_invoker

    w, (a, b, c), _old, (l1, l2, _l3) = _world(rt)
    cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, SETTINGS)
    args = ["conciliacao", "varios", "--line", str(l1), "--line", str(l2), "--invoice", f"{number_of(a)}:4,00:0",
            "--invoice", f"{number_of(b)}:0:2,50", "--invoice", str(number_of(c))]
    out = cli(*args)
    assert out.exit_code == 2 and "Diferença de -R$ 1,00 entre o valor do extrato (R$ 150,00)" in out.output
    args[7] = f"{number_of(a)}:5,00:0"
    out = cli(*args)
    assert out.exit_code == 0, out.output
    assert (f"Lançamentos {l1}, {l2} (R$ 150,00) conciliados com as faturas {number_of(a)}, {number_of(b)}, "
            f"{number_of(c)}") in out.output
    out = cli("conciliacao", "varios", "--line", str(l1), "--invoice", "x:1")
    assert out.exit_code == 2 and "use NÚMERO ou NÚMERO:DESCONTO:JUROS" in out.output


def test_two_debit_lines_with_one_transfer_and_no_mixing_with_invoices(rt):
    """A transfer leaving the account, paid by the bank in two debit lines of the day (−300 and −200)."""
    from plugins.reconciliation.transfers import TransferFields, create_transfer

    w = seed()
    inv = invoice(w, "50.00", DAY)
    with unit_of_work() as s:
        tid = create_transfer(s, TransferFields(DAY, "500.00", w.bank_id, w.other_bank_id, "Para o Inter")).id
    d1, d2 = import_lines(w, ("-300,00", "20261210", "TED ENVIADA"), ("-200,00", "20261210", "TED ENVIADA"))
    with pytest.raises(ValidationError, match="Concilie faturas e transferências separadamente"), unit_of_work() as s:
        reconcile_many(s, [d1, d2], [Target(transfer_id=tid), Target(inv)], runtime=rt)
    with unit_of_work() as s:
        rid = reconcile_many(s, [d1, d2], [Target(transfer_id=tid)], runtime=rt).id
    with unit_of_work(readonly=True) as s:
        assert s.get(Reconciliation, rid).amount == D("-500.00")
        (item,) = s.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rid)).all()
        assert (item.transfer_id, item.amount, item.invoice_id) == (tid, D("-500.00"), None)
    with unit_of_work() as s:
        out = unreconcile(s, d1, runtime=rt)
    assert sorted(out.line_ids) == [d1, d2]
    with unit_of_work(readonly=True) as s:
        assert s.get(StatementLine, d2).reconciliation_id is None
