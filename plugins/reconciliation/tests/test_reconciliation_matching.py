"""Automatic reconciliation with the manual's rules ("Conciliação Automática"): open invoice with total
and due date equal ⇒ settled (before_settle runs) and reconciled; settled invoice with paid amount and
date equal ⇒ reconciled; only with exactly one candidate; protected period; lines excluded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.actions import Blocker
from core.db import unit_of_work
from core.runtime import bootstrap
from hooks import hookimpl
from plugins.receivables.models import Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.matching import reconcile_automatic
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.tests.reconcile_world import (ENABLED, SETTINGS, D, import_lines, invoice, number_of,
                                                          protect, seed, settle)
from tests.conftest import make_config
from tests.pluginkit import plugin_module
from tests.worldkit import entry_lines, runtime_maker

DUE = date(2026, 12, 10)


@pytest.fixture
def make_rt(database_url):
    def build(modules: dict | None = None):
        modules = modules or {}
        return bootstrap(make_config(database_url, enabled=[*ENABLED, *modules], plugin_settings=SETTINGS),
                         extra_plugins=modules)

    with runtime_maker(build) as make:
        yield make


def auto(rt, bank_id: int) -> dict:
    from core.ledger.models import Account

    with unit_of_work() as s:
        return reconcile_automatic(s, s.get(Account, bank_id), runtime=rt).as_dict()


def line(line_id: int) -> StatementLine:
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id)


def items_of(line_id: int) -> list[ReconciliationItem]:
    with unit_of_work(readonly=True) as s:
        rec_id = s.get(StatementLine, line_id).reconciliation_id
        return list(s.scalars(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec_id)))


def test_open_invoice_equal_value_and_due_date_is_settled_at_the_line_and_reconciled(make_rt):
    calls = []

    @hookimpl
    def before_settle(invoice, settlement, ctx):
        calls.append((invoice.number, settlement.paid_on, settlement.amount))

    rt = make_rt({"test_recon_guard": plugin_module("test_recon_guard", before_settle=before_settle)})
    w = seed()
    inv = invoice(w, "99.90", DUE)
    other_day = invoice(w, "99.90", date(2026, 12, 11))          # same value, other due date: not a candidate
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX RECEBIDO MARIA"))
    out = auto(rt, w.bank_id)
    assert (out["lines"], out["reconciled"], out["settled_now"], out["ambiguous_line_ids"], out["unmatched"]) == (
        1, 1, 1, [], 0)
    assert calls == [(number_of(inv), DUE, D("99.90"))]             # through receivables: before_settle ran
    (item,) = items_of(lid)
    with unit_of_work(readonly=True) as s:
        invoice_row, s_row = s.get(Invoice, inv), s.get(Settlement, item.settlement_id)
        assert invoice_row.status == "liquidada" and s.get(Invoice, other_day).status == "aberta"
        assert (s_row.invoice_id, s_row.paid_on, s_row.amount, s_row.bank_account_id) == (inv, DUE, D("99.90"),
                                                                                          w.bank_id)
        assert (item.invoice_id, item.created_settlement, item.entry_id) == (inv, True, s_row.entry_id)
        assert entry_lines(s, s_row.entry_id) == [("1.1.1.01", D("99.90"), D("0")), ("1.1.3.01", D("0"), D("99.90"))]
        rec = s.get(Reconciliation, line(lid).reconciliation_id)
        assert (rec.origin, rec.posted_on, rec.amount, rec.bank_account_id) == ("automatica", DUE, D("99.90"), w.bank_id)
    again = auto(rt, w.bank_id)                                       # nothing left to do
    assert (again["lines"], again["reconciled"]) == (0, 0)


def test_settled_invoice_with_equal_paid_value_and_date_is_reconciled_without_a_new_settlement(make_rt):
    rt = make_rt()
    w = seed()
    inv = invoice(w, "120.00", DUE)
    sid = settle(rt, w, inv, date(2026, 12, 12), "121.50")            # paid late, with interest, by the ERP
    elsewhere = invoice(w, "80.00", DUE)
    settle(rt, w, elsewhere, date(2026, 12, 12), "80.00", bank_id=w.other_bank_id)   # into the other bank
    ok, other_bank = import_lines(w, ("121,50", "20261212", "BOLETO"), ("80,00", "20261212", "BOLETO"))
    out = auto(rt, w.bank_id)
    assert (out["reconciled"], out["settled_now"], out["already_settled"], out["unmatched"]) == (1, 0, 1, 1)
    (item,) = items_of(ok)
    assert (item.settlement_id, item.created_settlement) == (sid, False)
    assert line(other_bank).reconciliation_id is None
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == 2   # nothing settled again


def test_two_candidates_or_two_equal_lines_are_never_guessed_they_become_suggestions(make_rt):
    rt = make_rt()
    w = seed()
    a = invoice(w, "99.90", DUE)
    b = invoice(w, "99.90", DUE, party_id=w.other_party_id)
    c = invoice(w, "59.90", date(2026, 12, 15))
    settled = invoice(w, "75.00", date(2026, 12, 5))
    settle(rt, w, settled, date(2026, 12, 15), "59.90")               # a settled invoice with the same key as c
    twins = invoice(w, "45.00", date(2026, 12, 20))
    two_open, open_and_settled, twin_1, twin_2 = import_lines(
        w, ("99,90", "20261210", "PIX"), ("59,90", "20261215", "PIX"), ("45,00", "20261220", "PIX A"),
        ("45,00", "20261220", "PIX B"))
    out = auto(rt, w.bank_id)
    assert out["reconciled"] == 0
    assert sorted(out["ambiguous_line_ids"]) == sorted([two_open, open_and_settled, twin_1, twin_2])
    with unit_of_work(readonly=True) as s:
        assert {inv.status for inv in s.scalars(select(Invoice).where(Invoice.id.in_([a, b, c, twins])))} == {"aberta"}
        stored = s.execute(select(Suggestion.invoice_id, Suggestion.rank).where(Suggestion.line_id == two_open)
                           .order_by(Suggestion.rank)).all()
    assert [inv for inv, _rank in stored] == [a, b] and [r for _i, r in stored] == [1, 2]


def test_refused_settlement_leaves_the_line_free_with_the_reason(make_rt):
    @hookimpl
    def before_settle(invoice, settlement, ctx):
        return [Blocker(invoice.id, "remessa", f"A fatura {invoice.number} está em uma remessa transmitida ao banco")]

    rt = make_rt({"test_recon_block": plugin_module("test_recon_block", before_settle=before_settle)})
    w = seed()
    inv = invoice(w, "99.90", DUE)
    (lid,) = import_lines(w, ("99,90", "20261210", "PIX"))
    out = auto(rt, w.bank_id)
    assert out["reconciled"] == 0
    assert out["refused"] == [{"line_id": lid, "message": f"A fatura {number_of(inv)} está em uma remessa transmitida "
                                                          "ao banco"}]
    assert line(lid).reconciliation_id is None


def test_protected_period_blocks_with_the_manual_alert_and_debits_and_disabled_lines_are_skipped(make_rt):
    rt = make_rt()
    w = seed()
    old = invoice(w, "99.90", DUE)
    new = invoice(w, "99.90", date(2026, 12, 11))
    disabled = invoice(w, "30.00", date(2026, 12, 11))
    protected_line, free_line, _debit, off = import_lines(
        w, ("99,90", "20261210", "PIX"), ("99,90", "20261211", "PIX"), ("-99,90", "20261211", "TARIFA"),
        ("30,00", "20261211", "PIX"))
    with unit_of_work() as s:
        s.get(StatementLine, off).auto_disabled = True
    protect(w, date(2026, 12, 10))
    out = auto(rt, w.bank_id)
    assert out["protected_line_ids"] == [protected_line] and out["debits_skipped"] == 1
    assert out["alerts"] == ["1 lançamento do extrato está dentro do período de proteção contábil (lançamentos até "
                             "10/12/2026 protegidos) e não será conciliado, mesmo que exista uma fatura "
                             "correspondente. Gere uma nova fatura ou altere a data de proteção."]
    assert (out["lines"], out["reconciled"]) == (1, 1)
    assert line(protected_line).reconciliation_id is None and line(free_line).reconciliation_id is not None
    with unit_of_work(readonly=True) as s:
        assert [s.get(Invoice, i).status for i in (old, new, disabled)] == ["aberta", "liquidada", "aberta"]
