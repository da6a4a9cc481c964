"""New receivable / payable / transfer from a statement line (`from_line.py`): each created, settled
and reconciled in one unit of work; a refusal writes nothing; unreconciling deletes what the reconciler
created ("Faturas que foram excluídas" with the reason "Desconciliação", payables' deleted launch, the
transfer's reversed entry); receivables' estorno of a reconciled settlement (`before_reverse`) — on a
real runtime (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth import create_user, ensure_role
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account, JournalEntry
from core.ledger.services import account_balance
from plugins.receivables.invoice_log import RemovedInvoice
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.panels import removed_invoice_rows
from plugins.receivables.settlement import active_settlement, reverse_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.from_line import (BATCH_REVERSAL_REFUSED, PERMISSION_REVERSAL_REFUSED, PayableFields,
                                              ReceivableFields, TransferFromLine, new_payable_from_line,
                                              new_receivable_from_line, new_transfer_from_line)
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import reconcile_line, unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem
from plugins.reconciliation.tests.from_line_world import (books_balanced, prt, prt_approval,  # noqa: F401
                                                          seed_from_line)
from plugins.reconciliation.tests.reconcile_world import D, import_lines, invoice, protect, rt  # noqa: F401
from plugins.reconciliation.tests.test_reconciliation_reconcile import cli  # noqa: F401  (fixture)
from plugins.reconciliation.transfers import PairConfirmationNeeded
from plugins.reconciliation.transfers_models import Transfer

DAY = date(2026, 12, 10)


def balance(account_id, until=None):
    with unit_of_work(readonly=True) as s:
        return account_balance(s, account_id, until=until)


def rec_of(line_id):
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id).reconciliation_id


def count(model) -> int:
    with unit_of_work(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_new_receivable_is_settled_reconciled_and_removed_on_unreconcile(rt):
    fw = seed_from_line()
    w = fw.w
    (lid,) = import_lines(w, ("150,00", "20261210", "PIX JOAO SOUZA"))
    with unit_of_work() as s:
        rec = new_receivable_from_line(s, lid, ReceivableFields(w.other_party_id, "Serviço avulso (extrato)"),
                                       runtime=rt)
        rec_id = rec.id
    with unit_of_work(readonly=True) as s:
        rec = s.get(Reconciliation, rec_id)
        item = s.scalar(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec_id))
        inv = s.get(Invoice, item.invoice_id)
        st = s.get(Settlement, item.settlement_id)
        assert (rec.origin, item.created_object, item.created_settlement) == ("manual", True, True)
        assert (inv.party_id, inv.status, inv.total, inv.issue_date, inv.due_date) == (
            w.other_party_id, "liquidada", D("150.00"), DAY, DAY)
        assert (st.paid_on, st.amount, st.bank_account_id, st.reversed) == (DAY, D("150.00"), w.bank_id, False)
        number, invoice_id = inv.number, inv.id
        assert s.get(StatementLine, lid).reconciliation_id == rec_id
    assert balance(w.bank_id) == D("150.00")          # D banco
    assert balance(w.accounts["3.1.01"]) == D("-150.00")  # C receita de serviços (the invoice's accrual)
    assert balance(w.accounts["1.1.3.01"]) == D("0.00")  # D clientes (fatura) / C clientes (baixa)
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=rt)
    assert (report.deleted_invoices, report.reopened_invoices) == ([number], [])
    with unit_of_work(readonly=True) as s:
        inv = s.get(Invoice, invoice_id)
        assert inv.status == "excluida"
        removed = s.scalar(select(RemovedInvoice).where(RemovedInvoice.invoice_id == invoice_id))
        assert removed.reason_text == "Desconciliação" and "Desconciliação do lançamento do extrato" in removed.comments
        assert [r["reason"] for r in removed_invoice_rows(s, w.other_party_id)] == ["Desconciliação"]
        assert {c.status for c in s.scalars(select(Charge).where(Charge.invoice_id == invoice_id))} == {"removida"}
        assert s.get(StatementLine, lid).reconciliation_id is None
    assert balance(w.bank_id) == D("0.00") and balance(w.accounts["1.1.3.01"]) == D("0.00")
    assert balance(w.accounts["3.1.01"]) == D("0.00")     # the removal reversed the revenue
    assert books_balanced()


def test_receivable_refusals_write_nothing(rt):
    fw = seed_from_line()
    w = fw.w
    credit, debit = import_lines(w, ("80,00", "20261210", "PIX"), ("-80,00", "20261210", "TED"))
    before = (count(Invoice), count(Charge), count(JournalEntry))
    cases = [
        (debit, ReceivableFields(w.party_id, "Avulsa"),
         r"A fatura a receber só pode ser gerada a partir de um lançamento a crédito \(recebimentos\); o lançamento "
         r"de 10/12/2026 é de -R\$ 80,00\."),
        (credit, ReceivableFields(None, "Avulsa"), r"^Informe o cliente da fatura\.$"),
        (credit, ReceivableFields(w.party_id, "  "), r"^Informe o histórico da fatura\.$"),
        (credit, ReceivableFields(w.party_id, "Avulsa", revenue_account_id=w.bank_id + 999),
         r"Conta do plano de contas inexistente"),
    ]
    for line_id, fields, message in cases:
        with pytest.raises(ValidationError, match=message):
            with unit_of_work() as s:
                new_receivable_from_line(s, line_id, fields, runtime=rt)
    assert (count(Invoice), count(Charge), count(JournalEntry)) == before
    assert rec_of(credit) is None and rec_of(debit) is None
    protect(w, DAY)
    with pytest.raises(ValidationError, match="dentro do período de proteção contábil"):
        with unit_of_work() as s:
            new_receivable_from_line(s, credit, ReceivableFields(w.party_id, "Avulsa"), runtime=rt)
    assert (count(Invoice), count(Charge), count(JournalEntry)) == before


def test_new_payable_is_launched_written_off_and_deleted_on_unreconcile(prt):
    fw = seed_from_line(payables=True)
    w = fw.w
    from plugins.payables.models import PayableInstallment, PayableInvoice, PayableWriteOff

    (lid,) = import_lines(w, ("-300,00", "20261210", "PAGTO BOLETO ATACADO"))
    with unit_of_work() as s:
        rec_id = new_payable_from_line(s, lid, PayableFields(fw.supplier_id, "Links", template_id=fw.template_id,
                                                             document="4512"), runtime=prt).id
    with unit_of_work(readonly=True) as s:
        item = s.scalar(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec_id))
        inst = s.get(PayableInstallment, item.payable_installment_id)
        inv = s.get(PayableInvoice, inst.invoice_id)
        wo = s.get(PayableWriteOff, item.payable_writeoff_id)
        assert (item.created_object, item.invoice_id, item.amount) == (True, None, D("-300.00"))
        assert (inv.status, inv.total, inv.emission_date, inv.supplier_id, inv.document) == (
            "liquidada", D("300.00"), DAY, fw.supplier_id, "4512")
        assert (wo.paid_on, wo.paid, wo.reversed, item.entry_id) == (DAY, D("300.00"), False, wo.entry_id)
        code, invoice_id = inst.code, inv.id
    assert balance(w.bank_id) == D("-300.00")
    assert balance(w.accounts["4.1.03"]) == D("300.00")
    assert balance(w.accounts["2.1.01"]) == D("0.00")
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=prt)
    assert report.deleted_payables == [code]
    with unit_of_work(readonly=True) as s:
        inv = s.get(PayableInvoice, invoice_id)
        assert inv.status == "excluida" and inv.deletion_reason.startswith("Desconciliação: Desconciliação do lançamento")
        assert s.scalar(select(PayableWriteOff.reversed).where(PayableWriteOff.installment_id == inst.id)) is True
    assert (balance(w.bank_id), balance(w.accounts["4.1.03"]), balance(w.accounts["2.1.01"])) == (
        D("0.00"), D("0.00"), D("0.00"))
    assert rec_of(lid) is None and books_balanced()


def test_payable_needs_the_payables_plugin_a_debit_line_and_is_atomic(rt, database_url):
    fw = seed_from_line()
    w = fw.w
    (lid,) = import_lines(w, ("-300,00", "20261210", "PAGTO"))
    with pytest.raises(ValidationError, match=r"^Nova fatura a pagar: o módulo Contas a Pagar não está habilitado\.$"):
        with unit_of_work() as s:
            new_payable_from_line(s, lid, PayableFields(1, "Links", debit_account_id=1), runtime=rt)


def test_payable_refused_after_the_launch_leaves_nothing(prt_approval):
    fw = seed_from_line(payables=True)
    w = fw.w
    from plugins.payables.models import PayableInvoice

    credit, debit = import_lines(w, ("300,00", "20261210", "PIX"), ("-300,00", "20261210", "PAGTO"))
    entries = count(JournalEntry)
    with pytest.raises(ValidationError, match=r"a partir de um lançamento a débito \(pagamentos\)"):
        with unit_of_work() as s:
            new_payable_from_line(s, credit, PayableFields(fw.supplier_id, "Links", template_id=fw.template_id),
                                  runtime=prt_approval)
    # the launch is written, then the write-off refuses (not approved): the unit of work writes nothing
    with pytest.raises(ValidationError, match="Somente faturas aprovadas poderão receber baixa"):
        with unit_of_work() as s:
            new_payable_from_line(s, debit, PayableFields(fw.supplier_id, "Links", template_id=fw.template_id),
                                  runtime=prt_approval)
    assert (count(PayableInvoice), count(JournalEntry), rec_of(debit)) == (0, entries, None)


def test_new_transfer_both_directions_and_unreconcile_deletes_it(rt):
    fw = seed_from_line()
    w = fw.w
    out, into = import_lines(w, ("-500,00", "20261210", "TED PARA INTER"), ("200,00", "20261211", "TED DO INTER"))
    with unit_of_work() as s:
        new_transfer_from_line(s, out, TransferFromLine(w.other_bank_id, "Transferência para o Inter"))
    with pytest.raises(ValidationError, match=r"^Informe o centro de custo \(obrigatório quando o lançamento do "
                                              r"extrato é positivo\)\.$"):
        with unit_of_work() as s:
            new_transfer_from_line(s, into, TransferFromLine(w.other_bank_id, "Volta do Inter"))
    with pytest.raises(ValidationError, match="devem ser diferentes"):
        with unit_of_work() as s:
            new_transfer_from_line(s, into, TransferFromLine(w.bank_id, "Volta", cost_centre_id=fw.centre_id))
    with unit_of_work() as s:
        new_transfer_from_line(s, into, TransferFromLine(w.other_bank_id, "Volta do Inter", cost_centre_id=fw.centre_id))
    with unit_of_work(readonly=True) as s:
        rows = {t.issued_on: t for t in s.scalars(select(Transfer))}
        assert (rows[DAY].from_account_id, rows[DAY].to_account_id, rows[DAY].amount) == (
            w.bank_id, w.other_bank_id, D("500.00"))
        back = rows[date(2026, 12, 11)]
        assert (back.from_account_id, back.to_account_id, back.amount, back.cost_centre_id) == (
            w.other_bank_id, w.bank_id, D("200.00"), fw.centre_id)
        first_id = rows[DAY].id
    assert (balance(w.bank_id), balance(w.other_bank_id)) == (D("-300.00"), D("300.00"))
    # the Inter statement shows the 500,00 credit: the automatic pass reconciles it with the same transfer
    (inter_line,) = import_lines(w, ("500,00", "20261210", "TED DO ITAU"), bank_id=w.other_bank_id, acctid="999-9")
    with unit_of_work() as s:
        assert reconcile_automatic(s, s.get(Account, w.other_bank_id), runtime=rt).transfers == 1
    with pytest.raises(PairConfirmationNeeded, match="também está conciliada na conta 1.1.1.02 - Banco Inter"):
        with unit_of_work() as s:
            unreconcile(s, out, runtime=rt)
    with unit_of_work() as s:
        report = unreconcile(s, out, confirm_pair=True, runtime=rt)
    assert report.deleted_transfers == [first_id] and sorted(report.line_ids) == sorted([out, inter_line])
    with unit_of_work(readonly=True) as s:
        t = s.get(Transfer, first_id)
        assert t.deleted_at is not None and t.entry_id is None
    assert rec_of(out) is None and rec_of(inter_line) is None
    assert (balance(w.bank_id), balance(w.other_bank_id)) == (D("200.00"), D("-200.00"))
    assert books_balanced()


def test_transfer_refused_on_a_reconciled_line_writes_nothing(rt):
    fw = seed_from_line()
    w = fw.w
    (lid,) = import_lines(w, ("-500,00", "20261210", "TED"))
    with unit_of_work() as s:
        new_transfer_from_line(s, lid, TransferFromLine(w.other_bank_id, "Transferência"))
    transfers, entries = count(Transfer), count(JournalEntry)
    with pytest.raises(ValidationError, match="já está conciliado"):
        with unit_of_work() as s:
            new_transfer_from_line(s, lid, TransferFromLine(w.other_bank_id, "De novo"))
    with pytest.raises(ValidationError, match="Informe uma conta do tipo Banco ou Caixa"):
        with unit_of_work() as s:
            (other,) = import_lines(w, ("-10,00", "20261210", "TARIFA"), acctid="12345-7")
            new_transfer_from_line(s, other, TransferFromLine(w.accounts["1.1.3.01"], "Não é banco"))
    assert (count(Transfer), count(JournalEntry)) == (transfers, entries)


def _user(rt, username, permissions):
    with unit_of_work(rt.engine) as s:
        roles = []
        if permissions:
            ensure_role(s, f"papel_{username}", username, list(permissions))
            roles = [f"papel_{username}"]
        return create_user(s, username, "senha-muito-forte-1", roles=roles).id


def test_hook_before_reverse(rt):
    """Receivables' estorno of a reconciled settlement: refused without the permission "Conciliação
    Bancária" and for batches; allowed ⇒ the line is "Não conciliado" in the same unit of work."""
    from core.models.users import User

    fw = seed_from_line()
    w = fw.w
    inv = invoice(w, "99.90", DAY)
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX MARIA"))
    with unit_of_work() as s:
        rec_id = reconcile_line(s, lid, inv, runtime=rt).id
    clerk = _user(rt, "caixa", ["receivables.invoice.reverse"])
    boss = _user(rt, "gerente", ["receivables.invoice.reverse", "reconciliation.reconcile"])
    with pytest.raises(ValidationError) as refused:
        with unit_of_work() as s:
            st = active_settlement(s, inv)
            reverse_settlement(s, st, on=DAY, justification="Cheque devolvido", user=s.get(User, clerk), runtime=rt)
    with unit_of_work(readonly=True) as s:
        number = s.get(Invoice, inv).number
        assert str(refused.value) == PERMISSION_REVERSAL_REFUSED.format(n=number)
        assert s.get(Invoice, inv).status == "liquidada" and active_settlement(s, inv) is not None
    assert rec_of(lid) == rec_id
    with unit_of_work() as s:  # a batch (two items in the reconciliation): nobody may reverse it
        other = invoice(w, "10.00", DAY)
        from plugins.receivables.settlement import settle_invoice

        st2 = settle_invoice(s, s.get(Invoice, other), paid_on=DAY, bank_account_id=w.bank_id, runtime=rt).settlement
        s.add(ReconciliationItem(reconciliation_id=rec_id, invoice_id=other, settlement_id=st2.id, amount=D("10.00")))
    with pytest.raises(ValidationError, match="^" + BATCH_REVERSAL_REFUSED.format(n=number).replace("(", r"\(")):
        with unit_of_work() as s:
            reverse_settlement(s, active_settlement(s, inv), on=DAY, justification="x", user=s.get(User, boss),
                               runtime=rt)
    with unit_of_work() as s:
        s.execute(ReconciliationItem.__table__.delete().where(ReconciliationItem.invoice_id == other))
    with unit_of_work() as s:
        reverse_settlement(s, active_settlement(s, inv), on=DAY, justification="Cheque devolvido",
                           user=s.get(User, boss), runtime=rt)
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, inv).status == "aberta"
        assert s.get(Reconciliation, rec_id).undone_at is not None
    assert rec_of(lid) is None and books_balanced()


def test_reverse_action_shows_the_refusal_before_running(rt):
    """The "Estorno de Faturas" dialog (kernel action) lists the refusal as a blocker (`action_blockers`)."""
    from core.actions import collect_blockers
    from core.models.users import User
    from plugins.receivables.settlement import ACTIONS, ReverseParams

    fw = seed_from_line()
    w = fw.w
    inv = invoice(w, "99.90", DAY)
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX MARIA"))
    with unit_of_work() as s:
        reconcile_line(s, lid, inv, runtime=rt)
    clerk = _user(rt, "caixa", ["receivables.invoice.reverse"])
    action = next(a for a in ACTIONS if a.name == "receivables.invoice.reverse")
    with unit_of_work(readonly=True) as s:
        found = collect_blockers(rt, s, action, [s.get(Invoice, inv)], ReverseParams(on=DAY), s.get(User, clerk))
        assert [b.message for b in found[inv]] == [PERMISSION_REVERSAL_REFUSED.format(n=s.get(Invoice, inv).number)]


def test_cli_transfer_alter_and_unreconcile_lists_the_deleted(cli, rt):
    fw = seed_from_line()
    w = fw.w
    out = cli("transferencia", "criar", "--data", "10/12/2026", "--valor", "500,00", "--de", "1.1.1.01", "--para",
              "1.1.1.02", "--historico", "TED entre contas", "--json")
    tid = json.loads(out.output)["id"]
    out = cli("transferencia", "alterar", "--id", str(tid), "--valor", "750,00", "--historico", "TED corrigida",
              "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert (doc["amount"], doc["description"], doc["issued_on"], doc["from_account"]) == (
        "750.00", "TED corrigida", "2026-12-10", "1.1.1.01 - Banco Itaú")
    assert balance(w.bank_id) == D("-750.00")
    out = cli("transferencia", "alterar", "--id", str(tid), "--para", "1.1.1.01")
    assert out.exit_code == 2 and "devem ser diferentes" in out.output
    out = cli("transferencia", "alterar", "--id", "999")
    assert out.exit_code == 2 and "Transferência 999 não encontrada." in out.output
    (lid,) = import_lines(w, ("-80,00", "20261210", "TED"))
    with unit_of_work() as s:
        new_transfer_from_line(s, lid, TransferFromLine(w.other_bank_id, "Para o Inter"))
        created = s.scalar(select(Transfer.id).where(Transfer.amount == D("80.00")))
    out = cli("conciliacao", "desconciliar", "--line", str(lid))
    assert out.exit_code == 0 and f"Transferências geradas pelo conciliador excluídas: {created}" in out.output


@pytest.fixture
def guarded_rt(database_url):
    """The reconciliation runtime plus a plugin whose `before_settle` refuses every settlement."""
    from core.actions import Blocker
    from core.runtime import bootstrap
    from hooks import hookimpl
    from plugins.reconciliation.tests.reconcile_world import ENABLED, SETTINGS
    from tests.conftest import make_config
    from tests.pluginkit import plugin_module
    from tests.worldkit import runtime_maker

    @hookimpl
    def before_settle(invoice, settlement, ctx):
        return [Blocker(invoice.id, "teste.bloqueio", f"Fatura {invoice.number} bloqueada pelo teste")]

    guard = plugin_module("test_from_line_guard", before_settle=before_settle)
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=[*ENABLED, "test_from_line_guard"], plugin_settings=SETTINGS),
                   extra_plugins={"test_from_line_guard": guard})


def test_receivable_refused_by_the_settlement_leaves_no_invoice(guarded_rt):
    """The charge, the invoice and its accrual entry are written, then `settle_invoice` refuses: nothing stays."""
    fw = seed_from_line()
    w = fw.w
    (lid,) = import_lines(w, ("150,00", "20261210", "PIX"))
    with pytest.raises(ValidationError, match="bloqueada pelo teste"):
        with unit_of_work() as s:
            new_receivable_from_line(s, lid, ReceivableFields(w.party_id, "Avulsa"), runtime=guarded_rt)
    assert (count(Invoice), count(Charge), count(JournalEntry), rec_of(lid)) == (0, 0, 0, None)
