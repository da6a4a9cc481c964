"""Accrual of the newest invoice tools (SQLite and PostgreSQL): "Editar contas associadas a
faturas" (value change ⇒ invoice recreated; description only ⇒ no posting), "Incluir cobrança
adicional" on two invoices and the regrouping of open invoices when contracts move between
groupings. After each step: clientes = sum of the open invoices, each revenue account carries the
revenue of the open invoices' charges (the removal reverses exactly what the issue credited), and
the ledger is balanced."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.ledger.models import JournalEntry
from plugins.receivables import groupings as grp
from plugins.receivables import invoice_charges as ic
from plugins.receivables.accrual import carried_total
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Charge, Contract, Invoice
from plugins.receivables.tests.accrual_support import accrual_rt  # noqa: F401  (the `rt` fixture)
from plugins.receivables.tests.accrual_support import D, add_chart, balance, open_total, trial



def _world(rt, factory):
    """Ana has two contracts (plan revenue 3.1.04 "link dedicado", 99,90 each) in grouping
    "Matriz" ⇒ one invoice of 199,80; Bia one contract ⇒ 99,90; billed for 12/2026."""
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        chart = add_chart(s, company.id)
        plan, rule = f.plan(), f.due_rule()
        plan.revenue_account_id = chart["3.1.04"]
        ana, bia = f.party("Ana"), f.party("Bia")
        a1 = f.contract(ana, company, plan, rule, grouping_key="Matriz")
        a2 = f.contract(ana, company, plan, rule, grouping_key="Matriz")
        f.contract(bia, company, plan, rule)
        s.flush()
        ids = (company.id, ana.id, bia.id, a1.id, a2.id)
    assert run_billing(rt, "2026-12", chunk_size=10)["invoices_created"] == 2
    return ids


def _invoice_of(s, party_id) -> Invoice:
    return s.scalars(select(Invoice).where(Invoice.party_id == party_id, Invoice.status == "aberta")
                     .order_by(Invoice.number)).first()


def _revenue_of_open(rt, company_id) -> dict[str, D]:
    """What each revenue account should carry: the open invoices' charges, by account."""
    with unit_of_work(rt.engine, readonly=True) as s:
        from core.ledger.models import Account

        service = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "3.1.01"))
        codes = dict(s.execute(select(Account.id, Account.code).where(Account.company_id == company_id)).all())
        out: dict[str, D] = {}
        for acc, amount in s.execute(select(Charge.revenue_account_id, Charge.amount).join(
                Invoice, Invoice.id == Charge.invoice_id).where(Invoice.status == "aberta",
                                                                 Invoice.company_id == company_id)):
            code = codes.get(acc or service, "3.1.01")
            out[code] = out.get(code, D("0.00")) + amount
        return out


def _check(rt, company_id, owed: str) -> None:
    assert open_total(rt, company_id) == D(owed)
    assert balance(rt, company_id, "1.1.03") == D(owed)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert carried_total(s, company_id) == D(owed)
    for code in ("3.1.01", "3.1.04"):  # revenue balances are credit (negative)
        assert -balance(rt, company_id, code) == _revenue_of_open(rt, company_id).get(code, D("0.00")), code
    tb = trial(rt, company_id)
    assert tb.total_debit == tb.total_credit and tb.total_closing == 0


def _entry_count(rt, company_id) -> int:
    with unit_of_work(rt.engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.company_id == company_id))


def test_edit_charge_value_recreates_with_exact_reversal(rt, factory):
    company_id, ana, bia, *_ = _world(rt, factory)
    _check(rt, company_id, "299.70")
    with unit_of_work(rt.engine) as s:
        inv = _invoice_of(s, bia)
        (charge,) = s.scalars(select(Charge).where(Charge.invoice_id == inv.id))
        new = ic.edit_invoice_charge(s, inv, charge, {"amount": D("80.00")}, justification="Desconto negociado")
        assert new.id != inv.id and new.total == D("80.00")
    _check(rt, company_id, "279.80")  # 199,80 + 80,00; 3.1.04 carries 279,80 — not 3.1.01 ± 99,90


def test_description_only_edit_posts_nothing(rt, factory):
    company_id, ana, bia, *_ = _world(rt, factory)
    before = _entry_count(rt, company_id)
    with unit_of_work(rt.engine) as s:
        inv = _invoice_of(s, ana)
        charge = s.scalars(select(Charge).where(Charge.invoice_id == inv.id).order_by(Charge.id)).first()
        same = ic.edit_invoice_charge(s, inv, charge, {"description": "Link dedicado 300 Mega"},
                                      justification="Texto")
        assert same.id == inv.id
    assert _entry_count(rt, company_id) == before
    _check(rt, company_id, "299.70")


def test_add_extra_charge_on_two_invoices(rt, factory):
    company_id, ana, bia, *_ = _world(rt, factory)
    with unit_of_work(rt.engine) as s:
        for party in (ana, bia):  # the extra charge goes to the service revenue (no account given)
            ic.add_charge_to_invoice(s, _invoice_of(s, party), description="Visita técnica", amount=D("15.00"))
    _check(rt, company_id, "329.70")  # 214,80 + 114,90
    assert -balance(rt, company_id, "3.1.01") == D("30.00")
    assert -balance(rt, company_id, "3.1.04") == D("299.70")


def test_regrouping_keeps_clientes_and_revenue(rt, factory):
    company_id, ana, bia, a1, a2 = _world(rt, factory)
    with unit_of_work(rt.engine) as s:
        done = grp.move_contracts(s, [s.get(Contract, a2)], None, justification="Separar")
        assert len(done) == 1 and len(done[0][1]) == 2  # 199,80 ⇒ two invoices of 99,90
        totals = sorted(i.total for i in s.scalars(select(Invoice).where(Invoice.party_id == ana,
                                                                          Invoice.status == "aberta")))
        assert totals == [D("99.90"), D("99.90")]
    _check(rt, company_id, "299.70")
    with unit_of_work(rt.engine) as s:  # then edit a charge of a regrouped invoice
        inv = _invoice_of(s, ana)
        (charge,) = s.scalars(select(Charge).where(Charge.invoice_id == inv.id))
        ic.edit_invoice_charge(s, inv, charge, {"amount": D("120.00")}, justification="Upgrade")
    _check(rt, company_id, "319.80")


def test_revenue_account_edit_reclassifies_and_a_later_value_edit_reverses_the_right_account(rt, factory):
    company_id, ana, bia, *_ = _world(rt, factory)
    with unit_of_work(rt.engine) as s:
        from core.ledger.models import Account

        service = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == "3.1.01"))
        inv = _invoice_of(s, bia)
        (charge,) = s.scalars(select(Charge).where(Charge.invoice_id == inv.id))
        assert ic.edit_invoice_charge(s, inv, charge, {"revenue_account_id": service}, justification="Conta").id == inv.id
    assert -balance(rt, company_id, "3.1.01") == D("99.90") and -balance(rt, company_id, "3.1.04") == D("199.80")
    _check(rt, company_id, "299.70")
    with unit_of_work(rt.engine) as s:
        inv = _invoice_of(s, bia)
        (charge,) = s.scalars(select(Charge).where(Charge.invoice_id == inv.id))
        ic.edit_invoice_charge(s, inv, charge, {"amount": D("50.00")}, justification="Valor")
    _check(rt, company_id, "249.80")
    assert -balance(rt, company_id, "3.1.01") == D("50.00")
