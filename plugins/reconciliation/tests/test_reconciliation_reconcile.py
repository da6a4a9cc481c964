"""Manual reconciliation and unreconcile with the manual's effects ("Desconciliar", "Impactos da
Desconciliação", "Excluir", protection date), as services and through `quita conciliacao …`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import active_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import reconcile_line, unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation
from plugins.reconciliation.statement_import import delete_line
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    D, ENABLED, import_lines, invoice, number_of, protect, rt, seed, SETTINGS, settle)
from tests.cli_runner import cli_invoker
from tests.worldkit import entry_lines

DUE = date(2026, 12, 10)


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, SETTINGS)


def reconcile(rt, line_id: int, invoice_id: int):
    with unit_of_work() as s:
        return reconcile_line(s, line_id, invoice_id, runtime=rt).id


def free(line_id: int) -> bool:
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id).reconciliation_id is None


def test_reconciled_line_cannot_be_deleted_and_unreconcile_reopens_the_invoice_with_a_reversal(rt):
    w = seed()
    inv = invoice(w, "99.90", DUE)
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX MARIA"))
    rec_id = reconcile(rt, lid, inv)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=r"^O lançamento do extrato de 10/12/2026 \(R\$ 99,90\) está conciliado "
                                                  r"e não pode ser excluído; desconcilie-o antes\.$"):
            delete_line(s, lid)
    with unit_of_work(readonly=True) as s:
        st = active_settlement(s, inv)
        assert (st.paid_on, st.amount, st.bank_account_id, s.get(Reconciliation, rec_id).origin) == (
            DUE, D("99.90"), w.bank_id, "manual")
        settlement_id, entry_id = st.id, st.entry_id
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="já está conciliado"):
            reconcile_line(s, lid, inv, runtime=rt)
        out = unreconcile(s, lid, runtime=rt)
    assert out.as_dict() == {"line_ids": [lid], "reopened_invoices": [number_of(inv)], "restored_invoices": [],
                             "untouched_invoices": [], "deleted_invoices": [], "deleted_payables": [],
                             "deleted_transfers": [], "reversed_entries": [], "reopened_payables": [],
                             "restored_payables": [], "untouched_payables": []}
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, inv).status == "aberta"
        st = s.get(Settlement, settlement_id)
        assert (st.reversed, st.reversed_on) == (True, DUE)          # dated the reconciliation's day
        assert entry_lines(s, st.reversal_entry_id) == [("1.1.1.01", D("0"), D("99.90")), ("1.1.3.01", D("99.90"), D("0"))]
        assert s.get(JournalEntry, entry_id) is not None
        assert s.get(Reconciliation, rec_id).undone_at is not None
    assert free(lid)
    with unit_of_work() as s:
        delete_line(s, lid)                                              # free again: may be deleted


def test_unreconcile_leaves_an_erp_settlement_alone_and_can_disable_the_automatic_pass(rt):
    from core.ledger.models import Account
    from plugins.reconciliation.matching import reconcile_automatic

    w = seed()
    erp = invoice(w, "50.00", DUE)
    sid = settle(rt, w, erp, DUE, "50.00")
    opened = invoice(w, "70.00", DUE)
    paid_line, open_line = import_lines(w, ("50,00", "20261210", "PIX"), ("70,00", "20261210", "PIX"))

    def auto() -> dict:
        with unit_of_work() as s:
            return reconcile_automatic(s, s.get(Account, w.bank_id), runtime=rt).as_dict()

    assert auto()["reconciled"] == 2
    with unit_of_work() as s:
        assert unreconcile(s, paid_line, runtime=rt).untouched_invoices == [number_of(erp)]
        assert unreconcile(s, open_line, disable_auto=True, runtime=rt).reopened_invoices == [number_of(opened)]
    with unit_of_work(readonly=True) as s:
        assert active_settlement(s, erp).id == sid and s.get(Invoice, opened).status == "aberta"
        assert s.get(StatementLine, open_line).auto_disabled is True
    again = auto()                              # the ERP one comes back; the disabled one is left alone
    assert again["reconciled"] == 1 and not free(paid_line) and free(open_line)
    with unit_of_work() as s:                   # one settlement, one line
        with pytest.raises(ValidationError, match=rf"^A fatura {number_of(erp)} já está conciliada com o lançamento "
                                                  rf"do extrato {paid_line}\.$"):
            reconcile_line(s, open_line, erp, runtime=rt)
    reconcile(rt, open_line, opened)            # by hand it still may be reconciled
    assert not free(open_line)


def test_protection_date_blocks_reconcile_and_unreconcile_and_debits_are_refused(rt):
    w = seed()
    inv = invoice(w, "99.90", DUE)
    other = invoice(w, "10.00", DUE)
    line_id, debit = import_lines(w, ("99,90", "20261210", "PIX"), ("-10,00", "20261210", "TARIFA"))
    protect(w, date(2026, 12, 10))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=r"^O lançamento de 10/12/2026 está dentro do período de proteção "
                                                  r"contábil \(lançamentos até 10/12/2026 protegidos\) e não será "
                                                  r"conciliado, mesmo que exista uma fatura correspondente\. Gere uma "
                                                  r"nova fatura ou altere a data de proteção\.$"):
            reconcile_line(s, line_id, inv, runtime=rt)
    protect(w, None)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="Lançamentos a débito"):
            reconcile_line(s, debit, other, runtime=rt)
    reconcile(rt, line_id, inv)
    protect(w, date(2026, 12, 31))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=r"A conciliação de 10/12/2026 está dentro do período de proteção"):
            unreconcile(s, line_id, runtime=rt)
    assert not free(line_id)


def test_cli_auto_suggestions_reconcile_and_unreconcile(cli, rt):
    w = seed()
    exact = invoice(w, "99.90", DUE)
    near = invoice(w, "150.00", date(2026, 12, 14))
    auto_line, other_line = import_lines(w, ("99,90", "20261210", "PIX"), ("149,95", "20261215", "PIX"))
    out = cli("conciliacao", "auto", "--account", "1.1.1.01", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert (doc["bank_account"], doc["reconciled"], doc["settled_now"], doc["unmatched"]) == (
        "1.1.1.01 - Banco Itaú", 1, 1, 1)
    out = cli("conciliacao", "sugestoes", "--line", str(other_line))
    assert out.exit_code == 0, out.output
    assert (f"fatura {number_of(near)} (aberta) 14/12/2026 R$ 150,00 Maria da Silva [exata] — diferença de R$ 0,05 "
            "(extrato menor); 1 dia(s) depois do vencimento") in out.output
    out = cli("conciliacao", "conciliar", "--line", str(other_line), "--invoice", str(number_of(near)), "--json")
    assert out.exit_code == 0, out.output and json.loads(out.output)["origin"] == "manual"
    out = cli("conciliacao", "desconciliar", "--line", str(auto_line), "--sem-automatica")
    assert out.exit_code == 0, out.output
    assert f"Faturas em aberto de novo (baixa estornada): {number_of(exact)}" in out.output
    assert "Conciliação automática desabilitada para este lançamento." in out.output
    out = cli("conciliacao", "desconciliar", "--line", str(auto_line))
    assert out.exit_code == 2 and "não está conciliado" in out.output
    out = cli("conciliacao", "conciliar", "--line", str(auto_line), "--invoice", "999")
    assert out.exit_code == 2 and "Fatura 999 não encontrada" in out.output
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(Invoice.status).where(Invoice.id == exact)) == "aberta"


def test_bench_matching_prints_its_figures(cli):
    out = cli("bench", "matching", "--lines", "50", "--invoices", "500", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert (doc["lines"], doc["invoices"], doc["matches"], doc["unmatched"], doc["reconciled"], doc["refused"]) == (
        50, 500, 40, 10, 40, 0)
    assert doc["matching_s"] >= 0 and doc["apply_s"] >= 0 and doc["database"] == "sqlite"


def test_a_statement_line_dated_before_the_invoice_was_issued_is_refused_and_nothing_is_written(rt):
    """Manual: the settlement date can't be earlier than the invoice's launch — a line of 15/11 can't
    pay an invoice issued on 20/11; the invoice stays open and the line free."""
    w = seed()
    inv = invoice(w, "99.90", DUE, issue=date(2026, 11, 20))
    (lid,) = import_lines(w, ("99,90", "20261115", "PIX MARIA"))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=r"A data de liquidação \(15/11/2026\) não pode ser anterior à data de "
                                                  r"emissão da fatura \d+ \(20/11/2026\)"):
            reconcile_line(s, lid, inv, runtime=rt)
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, inv).status == "aberta" and active_settlement(s, inv) is None
    assert free(lid)
