"""The reconciler pages' reads (`reconciler_queries.py`): bank accounts with % reconciled and last
import, the header and lines of a period, the reconciled view of a line, and "Buscar Lançamento" with
the manual's filters and totals."""

from __future__ import annotations

from datetime import date


from core.db import unit_of_work
from core.ledger.models import Account
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import reconcile_line
from plugins.reconciliation.reconciler_queries import (SearchFilters, bank_account_rows, default_period, header,
                                                       percent, period_lines, reconciled_view, search_invoices,
                                                       totals)
from plugins.reconciliation.statement_import import delete_line
from plugins.reconciliation.suggestions import suggest
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    D, import_lines, invoice, number_of, protect, rt, seed, settle)

DUE = date(2026, 12, 10)


def test_percent_rounds_to_one_place_and_is_zero_without_lines():
    assert percent(1, 3) == D("33.3") and percent(2, 3) == D("66.7") and percent(0, 0) == D("0.0")
    assert percent(4, 4) == D("100.0")


def test_accounts_header_lines_and_reconciled_view(rt):
    w = seed()
    inv = invoice(w, "99.90", DUE)
    a, b, c, gone = import_lines(w, ("99,90", "20261210", "PIX MARIA"), ("50,00", "20261211", "PIX JOAO"),
                                 ("-12,50", "20261212", "TARIFA"), ("7,00", "20261212", "ESTORNO"))
    with unit_of_work() as s:
        reconcile_line(s, a, inv, runtime=rt)
        delete_line(s, gone)
        suggest(s, b, rt)  # no candidate: nothing stored
    with unit_of_work(readonly=True) as s:
        banks = [s.get(Account, w.bank_id), s.get(Account, w.other_bank_id)]
        rows = {r.id: r for r in bank_account_rows(s, banks)}
        itau, inter = rows[w.bank_id], rows[w.other_bank_id]
        assert (itau.lines, itau.reconciled, itau.percent, itau.last_line_on) == (3, 1, D("33.3"), date(2026, 12, 12))
        assert itau.last_import_at is not None and itau.ofx_accounts == ["banco 341 ag. 1234 c/c 123456"]
        assert (inter.lines, inter.percent, inter.last_import_at, inter.ofx_accounts) == (0, D("0.0"), None, [])
        assert default_period(s, w.bank_id, date(2027, 1, 5)) == (date(2026, 12, 10), date(2026, 12, 12))
        assert default_period(s, w.other_bank_id, date(2027, 1, 5)) == (date(2027, 1, 1), date(2027, 1, 5))
        head = header(s, banks[0], date(2026, 12, 11), date(2026, 12, 31))
        assert (head.lines, head.reconciled, head.last_line_on, head.protected_free) == (2, 0, date(2026, 12, 12), 0)
        assert head.ledger_balance == D("99.90")        # the reconciler's settlement debited the bank
        lines = period_lines(s, w.bank_id, date(2026, 12, 1), date(2026, 12, 31))
        assert [(ln.id, ln.reconciled, ln.origin) for ln in lines] == [(a, True, "manual"), (b, False, None),
                                                                        (c, False, None)]
        assert lines[2].description == "TARIFA" and lines[2].amount == D("-12.50")
        view = reconciled_view(s, s.get(StatementLine, a))
        assert (view.origin, view.posted_on, view.amount, view.user, view.line_ids) == (
            "Manual", DUE, D("99.90"), "sistema", [a])
        (item,) = view.items
        assert (item.number, item.customer, item.status, item.paid_on, item.created_settlement, item.replaced) == (
            number_of(inv), "Maria da Silva", "liquidada", DUE, True, False)
        assert reconciled_view(s, s.get(StatementLine, b)) is None
    protect(w, date(2026, 12, 11))
    with unit_of_work(readonly=True) as s:
        head = header(s, s.get(Account, w.bank_id), date(2026, 12, 1), date(2026, 12, 31))
        assert (head.protected_until, head.protected_free) == (date(2026, 12, 11), 1)   # b; a is reconciled


def test_suggestion_counts_in_the_lines(rt):
    w = seed()
    invoice(w, "80.00", DUE)
    invoice(w, "80.05", DUE)
    (lid,) = import_lines(w, ("80,00", "20261210", "PIX"))
    with unit_of_work() as s:
        suggest(s, lid, rt)
    with unit_of_work(readonly=True) as s:
        (line,) = period_lines(s, w.bank_id, DUE, DUE)
    assert line.suggestions == 2


def test_search_filters_open_and_settled_invoices(rt):
    w = seed()
    open_a = invoice(w, "99.90", DUE)
    open_b = invoice(w, "150.00", date(2026, 12, 20), party_id=w.other_party_id)
    invoice(w, "99.90", date(2027, 2, 10))                         # outside the dates
    paid = invoice(w, "120.00", date(2026, 12, 15))               # paid early: no interest
    settle(rt, w, paid, date(2026, 12, 12), "118.00")             # discount 2,00
    taken = invoice(w, "60.00", DUE)
    (lid,) = import_lines(w, ("60,00", "20261210", "PIX"))
    with unit_of_work() as s:
        reconcile_line(s, lid, taken, runtime=rt)                  # settled and reconciled: not offered
    with unit_of_work(readonly=True) as s:
        f = SearchFilters(first=date(2026, 12, 1), last=date(2026, 12, 31))
        got = search_invoices(s, w.company_id, f)
        assert [(r.invoice_id, r.status_label, r.when) for r in got] == [
            (open_a, "Aberto", DUE), (paid, "Pago", date(2026, 12, 12)), (open_b, "Aberto", date(2026, 12, 20))]
        row = got[1]
        assert (row.gross, row.discount, row.interest, row.net, row.customer) == (
            D("120.00"), D("2.00"), D("0.00"), D("118.00"), "Maria da Silva")
        assert [r.invoice_id for r in search_invoices(s, w.company_id, SearchFilters(
            first=f.first, last=f.last, min_value=D("100"), max_value=D("130")))] == [paid]   # by value paid
        assert [r.invoice_id for r in search_invoices(s, w.company_id, SearchFilters(
            first=f.first, last=f.last, customer="joão"))] == [open_b]
        assert [r.invoice_id for r in search_invoices(s, w.company_id, SearchFilters(
            first=f.first, last=f.last, customer="529.982"))] == [open_a, paid]                # CPF digits
        assert [r.invoice_id for r in search_invoices(s, w.company_id, SearchFilters(
            number=number_of(open_b)))] == [open_b]
        assert search_invoices(s, w.company_id, SearchFilters(payment_forms=("cartao",))) == []


def test_totals_subtotal_and_difference():
    t = totals([(D("100.00"), D("5.00"), D("0.00")), (D("50.00"), D("0.00"), D("2.50"))], D("147.50"))
    assert (t.count, t.gross, t.discount, t.interest, t.subtotal, t.difference) == (
        2, D("150.00"), D("5.00"), D("2.50"), D("147.50"), D("0.00"))
    assert totals([], D("10.00")).difference == D("10.00")
