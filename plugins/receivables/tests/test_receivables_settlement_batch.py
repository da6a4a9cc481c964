"""`settlement_batch.settle_invoices`: many full settlements at once (a bank's retorno) with the rules
of `settle_invoice` per invoice — blockers, issue date, `before_settle` of every plugin — refusing
only the bad ones, one ledger entry per date, and the reversal of one settlement of a shared entry
posting only its own counter-entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.actions import Blocker
from core.db import unit_of_work
from core.ledger.models import JournalEntry
from core.ledger.services import account_balance
from hooks import hookimpl
from hooks.receivables import SettlementAdjustment
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import SettlementRefused, reverse_settlement
from plugins.receivables.settlement_batch import SettleRequest, settle_invoices
from plugins.receivables.settlement_models import Settlement
from plugins.receivables.tests.test_settlement import _invoice, _seed, _settlement_charges, make_rt  # noqa: F401
from tests.pluginkit import plugin_module
from tests.worldkit import entry_lines

D = Decimal
DAY1, DAY2 = date(2026, 12, 10), date(2026, 12, 11)


def _guard_and_fee(blocked: list[int], seen: list[int]):
    @hookimpl
    def before_settle(invoice, settlement, ctx):
        seen.append(invoice.id)
        if invoice.id in blocked:
            return [Blocker(invoice.id, "teste.bloqueio", f"Fatura {invoice.number} bloqueada pelo teste")]
        if invoice.total == D("50.00"):
            return [SettlementAdjustment("tarifa", D("2.50"), "Tarifa de boleto")]
        return None

    return plugin_module("test_batch_guard", before_settle=before_settle)


def test_each_invoice_is_checked_alone_and_the_ledger_gets_one_entry_per_date(make_rt, factory):
    blocked, seen = [], []
    rt = make_rt({"test_batch_guard": _guard_and_fee(blocked, seen)})
    w = _seed(rt, factory)
    exact, lower, late, fee, settled, early, guarded = (
        _invoice(rt, w), _invoice(rt, w), _invoice(rt, w), _invoice(rt, w, total="50.00"),
        _invoice(rt, w, status="liquidada"), _invoice(rt, w), _invoice(rt, w))
    blocked.append(guarded)
    requests = [SettleRequest(exact, DAY1, D("99.90")), SettleRequest(lower, DAY1, D("90.00")),
                SettleRequest(late, DAY2, D("101.00"), reported_interest=D("1.10")),
                SettleRequest(fee, DAY1, D("52.50")), SettleRequest(settled, DAY1, D("99.90")),
                SettleRequest(early, date(2026, 11, 1), D("99.90")), SettleRequest(guarded, DAY1, D("99.90")),
                SettleRequest(exact, DAY2, D("99.90"))]  # the same invoice twice in the batch
    with unit_of_work(rt.engine) as s:
        results = settle_invoices(s, requests, bank_account_id=w.cash_id, runtime=rt, description="retorno T.RET")
        numbers = {i: s.get(Invoice, i).number for i in (settled, guarded, exact, early)}
    refused = {i: str(r) for i, r in enumerate(results) if isinstance(r, Exception)}
    assert refused == {4: f"A Fatura {numbers[settled]} já está liquidada",
                       5: "A data de liquidação (01/11/2026) não pode ser anterior à data de emissão da fatura "
                          f"{numbers[early]} (30/11/2026).",
                       6: f"Fatura {numbers[guarded]} bloqueada pelo teste",
                       7: f"A Fatura {numbers[exact]} já está liquidada"}
    assert all(isinstance(results[i], SettlementRefused) for i in (4, 6, 7))
    assert set(seen) >= {exact, lower, late, fee, guarded}  # before_settle ran for each invoice
    with unit_of_work(rt.engine, readonly=True) as s:
        by_invoice = {st.invoice_id: st for st in s.scalars(select(Settlement))}
        assert set(by_invoice) == {exact, lower, late, fee}
        assert s.get(Invoice, lower).status == "liquidada" and s.get(Invoice, lower).total == D("90.00")
        assert _settlement_charges(s, lower)[0][:2] == ("desconto", D("-9.90"))
        assert _settlement_charges(s, fee)[0][:2] == ("ajuste", D("2.50"))
        assert (by_invoice[late].interest, by_invoice[late].surcharge) == (D("1.10"), D("0.00"))
        for untouched in (early, guarded):
            assert s.get(Invoice, untouched).status == "aberta"
        day1 = {by_invoice[i].entry_id for i in (exact, lower, fee)}
        assert len(day1) == 1 and by_invoice[late].entry_id not in day1
        (entry_id,) = day1
        assert s.get(JournalEntry, entry_id).date == DAY1
        assert entry_lines(s, entry_id) == [("1.1.1.01", D("242.40"), D("0")), ("1.1.3.01", D("0"), D("249.80")),
                                            ("3.1.3.01", D("0"), D("2.50")), ("3.2.1.01", D("9.90"), D("0"))]
        assert entry_lines(s, by_invoice[late].entry_id) == [("1.1.1.01", D("101.00"), D("0")),
                                                             ("1.1.3.01", D("0"), D("99.90")),
                                                             ("3.1.2.01", D("0"), D("1.10"))]


def test_reversing_one_settlement_of_a_shared_entry_posts_only_its_own_counter_entry(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    a, b = _invoice(rt, w), _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        results = settle_invoices(s, [SettleRequest(a, DAY1, D("99.90")), SettleRequest(b, DAY1, D("95.00"))],
                                  bank_account_id=w.cash_id, runtime=rt, description="retorno R.RET")
        assert not any(isinstance(r, Exception) for r in results)
    with unit_of_work(rt.engine, readonly=True) as s:
        cash_after = account_balance(s, w.cash_id)
        assert cash_after == D("194.90")
    with unit_of_work(rt.engine) as s:
        st = s.scalar(select(Settlement).where(Settlement.invoice_id == b))
        reverse_settlement(s, st, on=date(2026, 12, 20), justification="Pagamento devolvido", runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalar(select(Settlement).where(Settlement.invoice_id == b))
        assert st.reversed and s.get(Invoice, b).status == "aberta" and s.get(Invoice, b).total == D("99.90")
        reversal = s.get(JournalEntry, st.reversal_entry_id)
        assert reversal.date == date(2026, 12, 20) and reversal.reversal_of_id is None
        assert entry_lines(s, reversal.id) == [("1.1.1.01", D("0"), D("95.00")), ("1.1.3.01", D("99.90"), D("0")),
                                               ("3.2.1.01", D("0"), D("4.90"))]
        assert account_balance(s, w.cash_id) == D("99.90")  # a's settlement stays in the bank
        assert s.get(Invoice, a).status == "liquidada"
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.reversal_of_id.is_not(None))) == 0


def test_each_batch_settlement_gets_the_audit_entry_settle_invoice_writes(make_rt, factory):
    """The batch writes its audit rows without ORM objects (`insert_rows`, JSON of the shared columns
    built once): the stored entry is the one `audit.record` writes — `after` = the settlement's
    snapshot, `changes` = diff from nothing, the same `before` in the database, who and why."""
    from sqlalchemy import text

    from core import audit
    from core.models.audit import AuditEntry
    from plugins.receivables.settlement import AUDIT_KIND, AUDIT_SETTLE, settle_invoice

    rt = make_rt()
    w = _seed(rt, factory)
    one, other = _invoice(rt, w), _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        settle_invoice(s, s.get(Invoice, one), paid_on=DAY1, amount=D("99.90"), bank_account_id=w.cash_id,
                       justification="Pagamento no caixa", user=w.admin, runtime=rt)
        results = settle_invoices(s, [SettleRequest(other, DAY2, D("95.00"), justification="Retorno B.RET, linha 2")],
                                  bank_account_id=w.cash_id, user=w.admin, runtime=rt, description="retorno B.RET")
    sid = results[0].settlement_id
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.get(Settlement, sid)
        entries = {e.target_id: e for e in s.scalars(select(AuditEntry).where(AuditEntry.target_kind == AUDIT_KIND))}
        batch = entries[sid]
        assert (batch.action, batch.user_id, batch.username, batch.company_id, batch.justification) == (
            AUDIT_SETTLE, w.admin.id, "gerente", w.company_id, "Retorno B.RET, linha 2")
        assert batch.after == audit.snapshot(st) and batch.after["discount"] == "4.90"
        assert batch.changes == audit.diff(None, audit.snapshot(st)) and batch.before is None
        raw = dict(s.execute(text("SELECT target_id, before FROM audit_log WHERE target_kind = :k"), {"k": AUDIT_KIND}).all())
        single = next(t for t in entries if t != sid)
        assert raw[sid] == raw[single]  # `before` stored the same way as audit.record stores it
        assert list(batch.after) == list(entries[single].after)
