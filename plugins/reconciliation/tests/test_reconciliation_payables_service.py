"""Debit statement lines × contas a pagar (`payables_match.py`, `payables_reconcile.py`) and stored
transfer suggestions, on a real runtime (SQLite or PostgreSQL): the manual's automatic rules with the
installments as the invoices (unique open installment ⇒ written off + reconciled; write-off with the
same date and value ⇒ reconciled; two candidates ⇒ suggestions with reasons, never a guess),
accepting a suggestion, the divergent write-off reversed and made again, unreconcile reversing only
the reconciler's write-off, payables disabled ⇒ debit lines simply unmatched, the protected period."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account
from core.ledger.services import account_balance
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.payables_reconcile import reconcile_payable
from plugins.reconciliation.reconcile import accept_suggestion, unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.suggestions import stored_suggestions, suggest
from plugins.reconciliation.tests.from_line_world import books_balanced, prt, seed_from_line  # noqa: F401
from plugins.reconciliation.tests.reconcile_world import D, import_lines, invoice, protect, rt  # noqa: F401
from plugins.reconciliation.transfers import TransferFields, create_transfer

DAY = date(2026, 12, 10)
CNPJ = "11444777000161"  # the supplier's (from_line_world)


def launch(fw, total: str, due: date = DAY, *, document: str | None = None, cash_flow: int | None = None,
           installments: int = 1) -> list[int]:
    """A fatura a pagar of the world's supplier (histórico 410, category Links): its installment codes."""
    from plugins.payables.launch import LaunchRequest, launch_invoice

    emission = due - timedelta(days=10)
    with unit_of_work() as s:
        inv = launch_invoice(s, LaunchRequest(
            company_id=fw.w.company_id, supplier_id=fw.supplier_id, emission_date=emission, launch_date=emission,
            total=total, installments=installments, term_days=10, template_id=fw.template_id, category="Links",
            document=document, cash_flow_account_id=cash_flow), runtime=None)
        return [p.code for p in inv.parcels]


def inst_of(s, code: int):
    from plugins.payables.models import PayableInstallment

    return s.scalar(select(PayableInstallment).where(PayableInstallment.code == code))


def write_off_outside(rt, fw, code: int, paid_on: date) -> int:
    """A write-off made in Contas a Pagar (not by the reconciler), from the line's bank: its id."""
    from plugins.payables.writeoff import WriteOffRequest, write_off

    with unit_of_work() as s:
        return write_off(s, inst_of(s, code), WriteOffRequest(paid_on=paid_on, cash_account_id=fw.w.bank_id),
                         runtime=rt).id


def auto(rt, w):
    with unit_of_work() as s:
        return reconcile_automatic(s, s.get(Account, w.bank_id), runtime=rt)


def item_of(line_id) -> ReconciliationItem | None:
    with unit_of_work(readonly=True) as s:
        rec_id = s.get(StatementLine, line_id).reconciliation_id
        return rec_id and s.scalar(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec_id))


def balance(account_id):
    with unit_of_work(readonly=True) as s:
        return account_balance(s, account_id)


def writeoffs(code: int) -> list[tuple]:
    """(paid_on, paid, reversed, reversal reason) of the installment's write-offs, in order."""
    from plugins.payables.models import PayableWriteOff

    with unit_of_work(readonly=True) as s:
        inst = inst_of(s, code)
        return [tuple(r) for r in s.execute(
            select(PayableWriteOff.paid_on, PayableWriteOff.paid, PayableWriteOff.reversed,
                   PayableWriteOff.reversal_reason).where(PayableWriteOff.installment_id == inst.id)
            .order_by(PayableWriteOff.id))]


def status(code: int) -> str:
    with unit_of_work(readonly=True) as s:
        return inst_of(s, code).status


def test_unique_open_installment_is_written_off_reconciled_and_reopened_on_unreconcile(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (code,) = launch(fw, "250,00")
    (other,) = launch(fw, "250,00", DAY + timedelta(days=1))       # other due date: not a candidate
    lid, free = import_lines(w, ("-250,00", "20261210", "PAGTO BOLETO"), ("-99,00", "20261210", "TARIFA"))
    r = auto(prt, w)
    assert (r.payables, r.payables_already, r.debits, r.ambiguous) == (1, 0, 1, [])
    assert r.as_dict()["reconciled"] == 1 and r.as_dict()["payables_written_off"] == 1
    assert status(code) == "liquidada" and status(other) == "em_aberto"
    item = item_of(lid)
    assert (item.created_settlement, item.created_object, item.invoice_id, item.amount) == (True, False, None,
                                                                                            D("-250.00"))
    assert writeoffs(code) == [(DAY, D("250.00"), False, None)]
    assert item_of(free) is None
    assert balance(w.bank_id) == D("-250.00") and books_balanced()
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=prt)
    assert (report.reopened_payables, report.untouched_payables, report.deleted_payables) == ([code], [], [])
    assert status(code) == "em_aberto"
    ((paid_on, paid, reversed_, reason),) = writeoffs(code)
    assert (paid_on, paid, reversed_) == (DAY, D("250.00"), True)
    assert reason.startswith("Desconciliação: Desconciliação do lançamento do extrato 10/12/2026")
    assert item_of(lid) is None and balance(w.bank_id) == D("0.00") and books_balanced()


def test_cash_flow_account_of_another_bank_is_no_automatic_candidate(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (code,) = launch(fw, "80,00", cash_flow=w.other_bank_id)
    (lid,) = import_lines(w, ("-80,00", "20261210", "PAGTO"))
    r = auto(prt, w)
    assert (r.payables, r.debits) == (0, 1) and status(code) == "em_aberto"
    with unit_of_work() as s:
        (g,) = suggest(s, lid, prt)
    assert g["kind"] == "pagar" and g["reasons"][-1] == "a fatura prevê o pagamento pela conta 1.1.1.02 - Banco Inter"


def test_two_candidates_store_ranked_suggestions_with_reasons_and_one_is_accepted(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (plain,) = launch(fw, "100,00")
    (with_doc,) = launch(fw, "100,00", DAY - timedelta(days=1), document="7781")
    (near,) = launch(fw, "100,05", DAY + timedelta(days=2))
    launch(fw, "100,00", DAY + timedelta(days=4))                     # outside ± 3 days
    launch(fw, "89,00")                                               # outside ± 10 %
    (lid,) = import_lines(w, ("-100,00", "20261210", f"PAGTO NF 7781 ATACADO {CNPJ}"))
    # only `plain` has the line's due date and value, but the 2nd line of the same key makes it ambiguous
    (lid2,) = import_lines(w, ("-100,00", "20261210", "PAGTO 2"), acctid="12345-6b")
    r = auto(prt, w)
    assert r.payables == 0 and sorted(r.ambiguous) == sorted([lid, lid2])
    assert status(plain) == "em_aberto"
    with unit_of_work(readonly=True) as s:
        got = stored_suggestions(s, lid)
        rows = s.scalars(select(Suggestion).where(Suggestion.line_id == lid).order_by(Suggestion.rank)).all()
        assert all(x.invoice_id is None and x.payable_installment_id for x in rows)
        codes = [inst_of(s, c).id for c in (with_doc, plain, near)]
    assert [g["payable_installment_id"] for g in got] == codes   # document in the memo first, then exact, then ±
    assert [g["pass"] for g in got] == ["exata", "exata", "exata"]
    assert got[0]["reasons"] == ["valor igual", "1 dia(s) depois do vencimento",
                                 "CNPJ do fornecedor (11444777000161) no histórico", "documento 7781 no histórico"]
    assert got[1]["reasons"][:2] == ["valor igual", "mesma data (o vencimento)"]
    assert got[2]["reasons"][:2] == ["diferença de R$ 0,05 (extrato menor)", "2 dia(s) antes do vencimento"]
    assert got[0]["label"] == f"fatura a pagar {with_doc} (7781-1)" and got[0]["customer"] == "Atacado de Links S.A."
    with unit_of_work() as s:
        rec = accept_suggestion(s, got[0]["id"], runtime=prt)
        assert rec.origin == "sugestao"
    assert status(with_doc) == "liquidada" and status(plain) == "em_aberto"
    assert writeoffs(with_doc) == [(DAY, D("100.00"), False, None)]       # at the statement's date
    with unit_of_work(readonly=True) as s:
        assert s.scalars(select(Suggestion).where(Suggestion.line_id == lid)).all() == []


def test_statement_value_above_the_installment_is_juros(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    w.accounts.update(_juros_account(w))
    (code,) = launch(fw, "100,00")
    (lid,) = import_lines(w, ("-103,50", "20261212", "PAGTO COM JUROS"))
    with unit_of_work() as s:
        reconcile_payable(s, lid, inst_of(s, code).id, runtime=prt)
    from plugins.payables.models import PayableWriteOff

    with unit_of_work(readonly=True) as s:
        wo = s.scalar(select(PayableWriteOff).where(PayableWriteOff.installment_id == inst_of(s, code).id))
        assert (wo.paid_on, wo.paid, wo.principal, wo.interest) == (date(2026, 12, 12), D("103.50"), D("100.00"),
                                                                    D("3.50"))
    assert balance(w.bank_id) == D("-103.50") and books_balanced()


def _juros_account(w) -> dict:
    from tests.worldkit import add_accounts

    with unit_of_work() as s:
        return add_accounts(s, w.company_id, (("4.2.01", "Juros e multas pagos", "expense"),))


def test_write_off_with_same_date_and_value_is_reconciled_and_left_alone_on_unreconcile(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (code,) = launch(fw, "420,00")
    write_off_outside(prt, fw, code, DAY)
    (lid,) = import_lines(w, ("-420,00", "20261210", "DEB AUTOMATICO"))
    r = auto(prt, w)
    assert (r.payables, r.payables_already) == (0, 1)
    item = item_of(lid)
    assert (item.created_settlement, item.payable_writeoff_id is not None) == (False, True)
    assert balance(w.bank_id) == D("-420.00")
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=prt)
    assert (report.untouched_payables, report.reopened_payables) == ([code], [])
    assert writeoffs(code) == [(DAY, D("420.00"), False, None)] and status(code) == "liquidada"
    assert auto(prt, w).payables_already == 1        # free again: the automatic finds it again
    (lid2,) = import_lines(w, ("-420,00", "20261210", "OUTRO"), acctid="12345-6b")  # a second line, same key
    with unit_of_work() as s, pytest.raises(ValidationError, match=r"já está conciliada com o lançamento do extrato"):
        reconcile_payable(s, lid2, inst_of(s, code).id, runtime=prt)


def test_divergent_write_off_is_reversed_made_again_and_restored_on_unreconcile(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (code,) = launch(fw, "300,00")
    write_off_outside(prt, fw, code, DAY - timedelta(days=2))      # paid on 08/12 in payables
    (lid,) = import_lines(w, ("-300,00", "20261210", "PAGTO"))
    assert auto(prt, w).payables_already == 0                        # date differs: not automatic
    with unit_of_work() as s:
        (g,) = suggest(s, lid, prt)
    assert g["status"] == "baixada" and g["reasons"][:2] == ["valor igual", "2 dia(s) depois da baixa"]
    with unit_of_work() as s:
        accept_suggestion(s, g["id"], runtime=prt)
    first = (DAY - timedelta(days=2), D("300.00"))
    got = writeoffs(code)
    assert [r[:3] for r in got] == [(*first, True), (DAY, D("300.00"), False)]
    assert got[0][3].startswith("Conciliação bancária: lançamento do extrato 10/12/2026")
    item = item_of(lid)
    assert item.created_settlement and item.replaced_payable_writeoff_id is not None
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=prt)
    assert report.restored_payables == [code]
    got = writeoffs(code)
    assert [r[:3] for r in got] == [(*first, True), (DAY, D("300.00"), True), (*first, False)]
    assert status(code) == "liquidada" and balance(w.bank_id) == D("-300.00") and books_balanced()


def test_protected_period_refuses_the_payable_reconciliation(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (code,) = launch(fw, "50,00")
    (lid,) = import_lines(w, ("-50,00", "20261210", "PAGTO"))
    protect(w, DAY)
    r = auto(prt, w)
    assert r.protected == [lid] and r.payables == 0 and status(code) == "em_aberto"
    with unit_of_work() as s, pytest.raises(ValidationError, match=r"dentro do período de proteção contábil"):
        reconcile_payable(s, lid, inst_of(s, code).id, runtime=prt)
    assert status(code) == "em_aberto" and item_of(lid) is None


def test_payables_disabled_leaves_debit_lines_unmatched(rt):
    fw = seed_from_line()
    w = fw.w
    lid, credit = import_lines(w, ("-250,00", "20261210", "PAGTO BOLETO"), ("75,00", "20261210", "PIX"))
    invoice(w, "75.00", DAY)
    r = auto(rt, w)
    assert (r.debits, r.payables, r.settled) == (1, 0, 1)
    with unit_of_work() as s:
        assert suggest(s, lid, rt) == []
    with unit_of_work() as s, pytest.raises(ValidationError, match=r"Contas a Pagar não está habilitado"):
        reconcile_payable(s, lid, 1, runtime=rt)


def test_ambiguous_transfers_get_stored_suggestions(rt):
    fw = seed_from_line()
    w = fw.w
    with unit_of_work() as s:
        ids = [create_transfer(s, TransferFields(DAY, "500,00", w.bank_id, w.other_bank_id, f"Reserva {i}")).id
               for i in (1, 2)]
        create_transfer(s, TransferFields(DAY, "500,00", w.other_bank_id, w.bank_id, "Volta"))  # wrong side
    (lid,) = import_lines(w, ("-500,00", "20261210", "TED MESMA TITULARIDADE"))
    r = auto(rt, w)
    assert r.transfers == 0 and r.ambiguous == [lid]
    with unit_of_work(readonly=True) as s:
        got = stored_suggestions(s, lid)
    assert [g["transfer_id"] for g in got] == ids and {g["kind"] for g in got} == {"transferencia"}
    assert got[0]["reasons"] == ["valor igual", "mesma data (a emissão)"]
    assert got[0]["customer"] == "para 1.1.1.02 - Banco Inter"
    with unit_of_work() as s:
        rec = accept_suggestion(s, got[1]["id"], runtime=rt)
        assert rec.origin == "sugestao"
    assert item_of(lid).transfer_id == ids[1]
    # a credit line with one transfer entering and an invoice of the same value: both suggested
    (cid,) = import_lines(w, ("500,00", "20261210", "TED RECEBIDA"), acctid="12345-6b")
    invoice(w, "500.00", DAY)
    assert auto(rt, w).ambiguous == [cid]
    with unit_of_work(readonly=True) as s:
        got = stored_suggestions(s, cid)
    assert [g["kind"] for g in got] == ["receber", "transferencia"]
    assert json.loads(json.dumps(got[1]["reasons"])) == ["valor igual", "mesma data (a emissão)"]


def test_suggestion_has_exactly_one_target(rt):
    fw = seed_from_line()
    w = fw.w
    (lid,) = import_lines(w, ("-10,00", "20261210", "X"))
    inv_id = invoice(w, "10.00", DAY)
    with unit_of_work() as s:
        t_id = create_transfer(s, TransferFields(DAY, "10,00", w.bank_id, w.other_bank_id, "T")).id
    base = dict(line_id=lid, rank=1, match_pass="exata", candidate_date=DAY, candidate_amount=D("10.00"),
                amount_diff=D("0.00"), days=0, reasons="[]")
    for bad in ({}, {"invoice_id": inv_id, "transfer_id": t_id}, {"payable_writeoff_id": 3, "transfer_id": t_id}):
        with pytest.raises(IntegrityError), unit_of_work() as s:
            s.add(Suggestion(**base, **bad))
            s.flush()
    with unit_of_work() as s:
        s.add(Suggestion(**base, transfer_id=t_id))
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(Reconciliation.id)) is None


@pytest.fixture
def pcli(prt, database_url, tmp_path, monkeypatch):
    from plugins.reconciliation.tests.reconcile_world import ENABLED, SETTINGS
    from tests.cli_runner import cli_invoker

    return cli_invoker(prt, database_url, tmp_path, monkeypatch, [*ENABLED, "payables"], SETTINGS)


def test_cli_suggestions_reconcile_and_unreconcile_a_payable(pcli, prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    (a,) = launch(fw, "60,00", document="901")
    (b,) = launch(fw, "60,00")
    (lid,) = import_lines(w, ("-60,00", "20261210", "PAGTO DOC 901"))
    out = pcli("conciliacao", "sugestoes", "--line", str(lid))
    assert out.exit_code == 0, out.output
    first, second = out.output.strip().splitlines()
    assert f"fatura a pagar {a} (901-1) (aberta) 10/12/2026 R$ 60,00 Atacado de Links S.A. [exata]" in first
    assert "documento 901 no histórico" in first and f"fatura a pagar {b}" in second
    both = pcli("conciliacao", "conciliar", "--line", str(lid))
    assert both.exit_code == 2 and "Informe --invoice (fatura a receber) ou --pagar (fatura a pagar)." in both.output
    done = pcli("conciliacao", "conciliar", "--line", str(lid), "--pagar", str(b))
    assert done.exit_code == 0, done.output
    assert f"conciliado com a fatura a pagar {b} (conciliação" in done.output and status(b) == "liquidada"
    undone = pcli("conciliacao", "desconciliar", "--line", str(lid))
    assert undone.exit_code == 0 and f"Faturas a pagar em aberto de novo (baixa estornada): {b}" in undone.output
    assert status(b) == "em_aberto"
    missing = pcli("conciliacao", "conciliar", "--line", str(lid), "--pagar", "999")
    assert missing.exit_code != 0 and "Fatura a pagar 999 não encontrada nesta empresa." in missing.output
