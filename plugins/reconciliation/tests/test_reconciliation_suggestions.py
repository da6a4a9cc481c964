"""Suggestions with the manual's windows (± R$ 0,10; ± 10 %; ± 3 days), ranked, with their reasons
stored and returned; accepting one reconciles (open invoice settled at the statement's value; a
divergent settled invoice reversed and settled again at the statement's date and value)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from core.db import unit_of_work
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import active_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile import accept_suggestion, unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.suggestions import stored_suggestions, suggest, value_window
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    CPF, D, import_lines, invoice, number_of, rt, seed, settle)

DAY = date(2026, 12, 15)


def suggestions(rt, line_id: int) -> list[dict]:
    with unit_of_work() as s:
        return suggest(s, line_id, rt)


def test_value_window_is_the_wider_of_ten_centavos_and_ten_percent():
    assert value_window(D("100.00")) == (D("90.00"), D("110.00"))
    assert value_window(D("0.50")) == (D("0.40"), D("0.60"))       # 10 % = 0,05 < 0,10
    assert value_window(D("99.95")) == (D("89.95"), D("109.95"))   # 9,995 rounds to 10,00


def test_candidates_in_the_windows_ranked_with_their_reasons(rt):
    w = seed()
    close = invoice(w, "100.05", date(2026, 12, 14))                       # exata: − R$ 0,05, 1 day
    by_memo = invoice(w, "95.00", DAY)                                       # aproximada, number in the memo
    approx = invoice(w, "108.00", date(2026, 12, 18), party_id=w.other_party_id)   # aproximada: 8 %, 3 days
    invoice(w, "89.99", DAY)                                                 # 10,01 % below: out
    invoice(w, "100.00", date(2026, 12, 19))                                 # 4 days: out
    invoice(w, "100.00", date(2026, 12, 11))                                 # 4 days before: out
    paid = invoice(w, "100.00", date(2026, 12, 1))
    settle(rt, w, paid, date(2026, 12, 16), "100.00")                       # settled: exata, paid a day later
    memo = f"PIX RECEBIDO {CPF[:3]}.{CPF[3:6]}.{CPF[6:9]}-{CPF[9:]} FAT {number_of(by_memo):06d}"
    (lid,) = import_lines(w, ("100,00", "20261215", memo))
    got = suggestions(rt, lid)
    assert [(g["invoice_id"], g["rank"], g["pass"]) for g in got] == [
        (paid, 1, "exata"), (close, 2, "exata"), (by_memo, 3, "aproximada"), (approx, 4, "aproximada")]
    cpf = f"CPF do cliente ({CPF}) no histórico"
    assert got[0]["reasons"] == ["valor igual", "1 dia(s) antes da baixa", cpf]
    assert (got[0]["status"], got[0]["date"], got[0]["amount"], got[0]["customer"]) == (
        "liquidada", "2026-12-16", "100.00", "Maria da Silva")
    assert got[1]["reasons"] == ["diferença de R$ 0,05 (extrato menor)", "1 dia(s) depois do vencimento", cpf]
    assert got[2]["reasons"] == ["diferença de R$ 5,00 (extrato maior)", "mesma data (o vencimento)", cpf,
                                 f"número da fatura {number_of(by_memo)} no histórico"]
    assert got[3]["reasons"] == ["diferença de R$ 8,00 (extrato menor)", "3 dia(s) antes do vencimento"]
    assert (got[3]["amount_diff"], got[3]["days"], got[3]["customer"]) == ("-8.00", -3, "João Souza")
    with unit_of_work(readonly=True) as s:                                  # stored as returned
        rows = list(s.scalars(select(Suggestion).where(Suggestion.line_id == lid).order_by(Suggestion.rank)))
        assert [json.loads(r.reasons) for r in rows] == [g["reasons"] for g in got]
        assert stored_suggestions(s, lid) == got
    assert suggestions(rt, lid) != [] and len(stored_suggestions_now(lid)) == 4   # recomputed, not duplicated


def stored_suggestions_now(line_id: int) -> list[dict]:
    with unit_of_work(readonly=True) as s:
        return stored_suggestions(s, line_id)


def test_accepting_an_open_invoice_settles_it_at_the_statement_value(rt):
    w = seed()
    inv = invoice(w, "100.05", date(2026, 12, 14))
    (lid,) = import_lines(w, ("100,00", "20261215", "PIX"))
    (only,) = suggestions(rt, lid)
    with unit_of_work() as s:
        rec = accept_suggestion(s, only["id"], runtime=rt)
        assert rec.origin == "sugestao"
    with unit_of_work(readonly=True) as s:
        st = active_settlement(s, inv)
        # paid a day late: the penalty/interest receivables computes are offset by a discount, so the
        # settlement (and its ledger entry) is the statement's value
        assert (st.paid_on, st.amount, st.invoice_amount, st.bank_account_id) == (DAY, D("100.00"), D("100.05"),
                                                                                  w.bank_id)
        assert st.interest + st.penalty + st.surcharge - st.discount == D("-0.05")
        assert s.get(Invoice, inv).status == "liquidada"
        assert s.scalars(select(Suggestion).where(Suggestion.line_id == lid)).all() == []


def test_accepting_a_divergent_settled_invoice_reverses_and_settles_again_then_unreconcile_restores_it(rt):
    w = seed()
    inv = invoice(w, "100.00", date(2026, 12, 10))
    original = settle(rt, w, inv, date(2026, 12, 16), "100.08")            # the ERP: a day later, 8 centavos more
    (lid,) = import_lines(w, ("100,00", "20261215", "PIX"))
    (only,) = suggestions(rt, lid)
    assert only["settlement_id"] == original and only["reasons"][:2] == [
        "diferença de R$ 0,08 (extrato menor)", "1 dia(s) antes da baixa"]
    with unit_of_work() as s:
        accept_suggestion(s, only["id"], runtime=rt)
    with unit_of_work(readonly=True) as s:
        old = s.get(Settlement, original)
        assert (old.reversed, old.reversed_on) == (True, date(2026, 12, 16))
        new = active_settlement(s, inv)
        assert (new.paid_on, new.amount, new.bank_account_id) == (DAY, D("100.00"), w.bank_id)
        item = s.scalar(select(ReconciliationItem).join(Reconciliation).where(
            Reconciliation.id == s.get(StatementLine, lid).reconciliation_id))
        assert (item.settlement_id, item.replaced_settlement_id, item.created_settlement) == (new.id, original, True)
    with unit_of_work() as s:
        out = unreconcile(s, lid, runtime=rt)
    assert out.as_dict()["restored_invoices"] == [number_of(inv)]
    with unit_of_work(readonly=True) as s:                                  # "retornam ao status inicial"
        again = active_settlement(s, inv)
        assert (again.paid_on, again.amount, again.bank_account_id) == (date(2026, 12, 16), D("100.08"), w.bank_id)
        assert s.get(Invoice, inv).status == "liquidada" and s.get(StatementLine, lid).reconciliation_id is None
