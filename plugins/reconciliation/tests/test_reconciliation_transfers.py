"""Transfers between accounts: ledger entries of create / alter / delete, protection date, period
filter, last-used fields (30 days), the automatic rule 3, paired unreconcile and the CLI — on a real
runtime (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.ledger.services import account_balance
from core.model import utcnow
from core.models.users import User
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import unreconcile
from plugins.reconciliation.tests.reconcile_world import D, import_lines, invoice, protect, seed
from plugins.reconciliation.tests.test_reconciliation_reconcile import cli, rt  # noqa: F401  (fixtures)
from plugins.reconciliation.transfers import (PairConfirmationNeeded, TransferFields, alter_transfer, create_transfer,
                                              delete_transfer, list_transfers, reconcile_transfer, remembered_fields,
                                              transfer_candidates)
from plugins.reconciliation.transfers_models import TransferMemory
from tests.worldkit import entry_lines

DAY = date(2026, 12, 10)
ITAU, INTER = "1.1.1.01", "1.1.1.02"


def new(w, amount="500.00", on=DAY, *, src=None, dst=None, description="Transferência Itaú → Inter", user=None) -> int:
    with unit_of_work() as s:
        return create_transfer(s, TransferFields(on, amount, src or w.bank_id, dst or w.other_bank_id, description),
                               user=user).id


def balances(w, until=None):
    with unit_of_work(readonly=True) as s:
        return account_balance(s, w.bank_id, until=until), account_balance(s, w.other_bank_id, until=until)


def entry_of(transfer_id: int):
    from plugins.reconciliation.transfers_models import Transfer

    with unit_of_work(readonly=True) as s:
        t = s.get(Transfer, transfer_id)
        return t.entry_id, (entry_lines(s, t.entry_id) if t.entry_id else None)


def auto(rt, bank_id) -> dict:
    from core.ledger.models import Account

    with unit_of_work() as s:
        return reconcile_automatic(s, s.get(Account, bank_id), runtime=rt).as_dict()


def rec_of(line_id):
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id).reconciliation_id


def test_create_alter_delete_post_and_reverse_balanced_entries(rt):
    w = seed()
    tid = new(w)
    entry_id, lines = entry_of(tid)
    assert lines == [(ITAU, D("0.00"), D("500.00")), (INTER, D("500.00"), D("0.00"))]  # D to (Inter) / C from (Itaú)
    assert balances(w) == (D("-500.00"), D("500.00"))
    with unit_of_work() as s:
        alter_transfer(s, tid, TransferFields(date(2026, 12, 12), "1.234,56", w.other_bank_id, w.bank_id, "Volta"))
    new_entry, lines = entry_of(tid)
    assert new_entry != entry_id
    assert lines == [(ITAU, D("1234.56"), D("0.00")), (INTER, D("0.00"), D("1234.56"))]
    with unit_of_work(readonly=True) as s:
        reversal = s.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == entry_id))
        assert reversal is not None and reversal.date == DAY  # dated the old day: that day's balance is back to zero
    assert balances(w, until=DAY) == (D("0.00"), D("0.00"))
    assert balances(w) == (D("1234.56"), D("-1234.56"))
    with unit_of_work() as s:
        assert delete_transfer(s, tid) == []
    assert entry_of(tid) == (None, None) and balances(w) == (D("0.00"), D("0.00"))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=f"Transferência {tid} não encontrada"):
            delete_transfer(s, tid)


def test_invalid_transfers_and_the_protected_period_are_refused_writing_nothing(rt):
    w = seed()
    refused = [
        (dict(dst=w.bank_id), "devem ser diferentes"),
        (dict(dst=w.accounts["1.1.3.01"]), "tipo Banco ou Caixa"),
        (dict(amount="0"), "maior que zero"),
        (dict(amount="10,005"), "casas"),
        (dict(description="  "), "histórico"),
    ]
    for kw, message in refused:
        with pytest.raises(ValidationError, match=message):
            new(w, **kw)
    tid = new(w, on=date(2026, 12, 5))
    protect(w, date(2026, 12, 10))
    kernel = r"^Lançamentos anteriores ou iguais a 10/12/2026 estão protegidos \(Proteger lançamentos anteriores a\)\. "
    with pytest.raises(ValidationError, match=kernel + r"Data informada: 10/12/2026\.$"):
        new(w, on=DAY)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=kernel + r"Data informada: 05/12/2026\.$"):
            alter_transfer(s, tid, TransferFields(date(2026, 12, 20), "500.00", w.bank_id, w.other_bank_id, "x"))
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=kernel + r"Data informada: 05/12/2026\.$"):
            delete_transfer(s, tid)
    with unit_of_work(readonly=True) as s:
        assert [t["id"] for t in list_transfers(s, w.company_id)] == [tid]
        assert s.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id.is_not(None))) is None


def test_period_filter_of_the_listing(rt):
    w = seed()
    today = date(2026, 12, 31)
    ids = {days: new(w, on=today - timedelta(days=days), description=f"há {days} dias") for days in (0, 6, 7, 14, 29, 30)}
    with unit_of_work(readonly=True) as s:
        def listed(**kw):
            return [t["id"] for t in list_transfers(s, w.company_id, today=today, **kw)]

        assert listed(period="hoje") == [ids[0]]
        assert listed(period="7") == [ids[6], ids[0]]
        assert listed(period="15") == [ids[14], ids[7], ids[6], ids[0]]
        assert listed(period="30") == [ids[29], ids[14], ids[7], ids[6], ids[0]]
        assert listed(date_from=date(2026, 12, 1), date_to=date(2026, 12, 17)) == [ids[30], ids[29], ids[14]]
        assert len(listed()) == 6
        with pytest.raises(ValidationError, match="Período inválido"):
            listed(period="60")


def test_last_used_fields_are_remembered_per_user_for_30_days(rt):
    w = seed()
    with unit_of_work() as s:
        ana, bia = create_user(s, "ana", "senha-forte-123"), create_user(s, "bia", "senha-forte-123")
        s.flush()
        users = (ana.id, bia.id)
    with unit_of_work() as s:
        create_transfer(s, TransferFields(DAY, "10.00", w.other_bank_id, w.bank_id, "Suprimento do caixa"),
                        user=s.get(User, users[0]))
    with unit_of_work() as s:
        ana, bia = s.get(User, users[0]), s.get(User, users[1])
        got = remembered_fields(s, ana, w.company_id)
        assert (got["from_account_id"], got["to_account_id"], got["description"]) == (
            w.other_bank_id, w.bank_id, "Suprimento do caixa")
        assert remembered_fields(s, bia, w.company_id) is None and remembered_fields(s, None, w.company_id) is None
        assert remembered_fields(s, ana, w.company_id, now=utcnow() + timedelta(days=29)) is not None
        assert remembered_fields(s, ana, w.company_id, now=utcnow() + timedelta(days=31)) is None
        s.scalar(select(TransferMemory)).saved_at = utcnow() - timedelta(days=31)
    with unit_of_work(readonly=True) as s:
        assert remembered_fields(s, s.get(User, users[0]), w.company_id) is None


def test_automatic_rule_reconciles_both_sides_and_paired_unreconcile_needs_confirmation(rt):
    w = seed()
    tid = new(w, "500.00")
    (out_line,) = import_lines(w, ("-500,00", "20261210", "TED ENVIADA"), bank_id=w.bank_id, acctid="111-1")
    (in_line,) = import_lines(w, ("500,00", "20261210", "TED RECEBIDA"), bank_id=w.other_bank_id, acctid="222-2")
    r = auto(rt, w.bank_id)
    assert (r["reconciled"], r["transfers"], r["debits_skipped"]) == (1, 1, 0)
    r = auto(rt, w.other_bank_id)
    assert (r["reconciled"], r["transfers"], r["unmatched"]) == (1, 1, 0)
    assert rec_of(out_line) and rec_of(in_line)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="desconcilie-a antes de alterar"):
            alter_transfer(s, tid, TransferFields(DAY, "1.00", w.bank_id, w.other_bank_id, "x"))
    with unit_of_work() as s:
        with pytest.raises(PairConfirmationNeeded, match=f"^A transferência {tid} também está conciliada na conta "
                                                         r"1\.1\.1\.02 - Banco Inter \(lançamento de 10/12/2026, "
                                                         r"R\$ 500,00\)\. Confirme para desconciliar as duas contas\.$"):
            unreconcile(s, out_line, runtime=rt)
    assert rec_of(out_line) and rec_of(in_line)
    with unit_of_work() as s:
        report = unreconcile(s, out_line, confirm_pair=True, disable_auto=True, runtime=rt)
    assert sorted(report.line_ids) == sorted([out_line, in_line])
    assert rec_of(out_line) is None and rec_of(in_line) is None
    assert auto(rt, w.bank_id)["reconciled"] == 0  # auto disabled on the freed lines
    with unit_of_work() as s:  # one side only: no confirmation needed
        reconcile_transfer(s, in_line, tid)
    with unit_of_work() as s:
        assert unreconcile(s, in_line, runtime=rt).line_ids == [in_line]
    assert entry_of(tid)[0] is not None  # the transfer itself stays


def test_two_candidates_or_an_invoice_with_the_same_value_are_never_guessed_and_delete_frees_the_line(rt):
    w = seed()
    first, second = new(w, "80.00"), new(w, "80.00")
    (debit,) = import_lines(w, ("-80,00", "20261210", "TED"), acctid="333-3")
    r = auto(rt, w.bank_id)
    assert r["reconciled"] == 0 and r["ambiguous_line_ids"] == [debit]
    with unit_of_work() as s:
        assert [t["id"] for t in transfer_candidates(s, debit)] == [first, second]
        with pytest.raises(ValidationError, match="diferença zero"):
            reconcile_transfer(s, debit, new_in(s, w))
    with unit_of_work() as s:
        reconcile_transfer(s, debit, first)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="já está conciliado"):
            reconcile_transfer(s, debit, second)
    # a credit with an invoice AND a transfer of the same value and date: ambiguous (manual's rule)
    invoice(w, "80.00", DAY)
    (credit,) = import_lines(w, ("80,00", "20261210", "PIX"), bank_id=w.other_bank_id, acctid="444-4")
    r = auto(rt, w.other_bank_id)
    assert r["reconciled"] == 0 and r["ambiguous_line_ids"] == [credit]
    with unit_of_work() as s:
        assert delete_transfer(s, first) == [debit]
    assert rec_of(debit) is None


def new_in(s, w) -> int:
    return create_transfer(s, TransferFields(DAY, "79.00", w.bank_id, w.other_bank_id, "outra")).id


def test_cli_create_list_delete(cli, rt):
    w = seed()
    out = cli("transferencia", "criar", "--data", "10/12/2026", "--valor", "500,00", "--de", ITAU, "--para", INTER,
              "--historico", "TED entre contas", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert (doc["amount"], doc["from_account"], doc["to_account"]) == ("500.00", "1.1.1.01 - Banco Itaú",
                                                                        "1.1.1.02 - Banco Inter")
    out = cli("transferencia", "list", "--de-data", "01/12/2026", "--ate-data", "31/12/2026")
    assert out.exit_code == 0 and f"{doc['id']}  10/12/2026" in out.output and "TED entre contas" in out.output
    out = cli("transferencia", "list", "--periodo", "90")
    assert out.exit_code == 2 and "Período inválido" in out.output
    out = cli("transferencia", "criar", "--data", "10/12/2026", "--valor", "1,00", "--de", ITAU, "--para", ITAU,
              "--historico", "x")
    assert out.exit_code == 2 and "devem ser diferentes" in out.output
    (out_line,) = import_lines(w, ("-500,00", "20261210", "TED"), bank_id=w.bank_id, acctid="111-1")
    (in_line,) = import_lines(w, ("500,00", "20261210", "TED"), bank_id=w.other_bank_id, acctid="222-2")
    for code in (ITAU, INTER):
        out = cli("conciliacao", "auto", "--account", code)
        assert out.exit_code == 0 and "transferências: 1)" in out.output, out.output
    out = cli("conciliacao", "desconciliar", "--line", str(in_line))
    assert out.exit_code == 2 and "Confirme para desconciliar as duas contas." in out.output
    out = cli("conciliacao", "desconciliar", "--line", str(in_line), "--confirmar-par")
    assert out.exit_code == 0 and f"Lançamento(s) {in_line}, {out_line} desconciliado(s)." in out.output, out.output
    out = cli("transferencia", "excluir", "--id", str(doc["id"]))
    assert out.exit_code == 0 and f"Transferência {doc['id']} excluída" in out.output
    out = cli("transferencia", "list", "--json")
    assert out.exit_code == 0 and json.loads(out.output) == []
    assert balances(w) == (D("0.00"), D("0.00"))
