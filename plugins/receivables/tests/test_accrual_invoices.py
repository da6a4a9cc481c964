"""Accrual accounting of single invoices: removal (reverse entry on the removal date, protected
period untouched or refusing), alteration (remove + recreate: the adjustment charges are accounted
through the new invoice's total) and manual invoicing (one entry per invoice, customer on the
clientes line)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.actions import ActionContext, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.company import Company
from core.models.reasons import Reason
from core.models.users import User
from core.runtime import set_current
from plugins.receivables import invoice_tools as tools
from plugins.receivables.accrual import ORIGIN_BILLING, ORIGIN_INVOICE
from plugins.receivables.billing import run_billing
from plugins.receivables.charge_tools import invoice_charges
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.tests.accrual_support import D, add_chart, balance, entries, make_runtime, open_total, trial
from tests.worldkit import runtime_maker

NOW = datetime(2027, 1, 15, 15, 0, tzinfo=timezone.utc)  # 15/01/2027 in São Paulo
BILLING_ENTRY = (date(2026, 12, 31),
                 "Faturamento competência 12/2026: 2 fatura(s) entre os números 1 e 2, emissão 31/12/2026",
                 ORIGIN_BILLING, None, [("1.1.03", D("998.90"), D("0.00"), None),
                                        ("3.1.01", D("0.00"), D("99.90"), None),
                                        ("3.1.04", D("0.00"), D("899.00"), None)])


@pytest.fixture
def rt(database_url):
    with runtime_maker(make_runtime) as make:
        made = make(database_url)
        set_current(made)
        yield made


def _billed(rt, factory, *, protect_before=None):
    """Ana (Fibra 99,90) and Bruno (link 899,00 on account 3.1.04) billed for 12/2026: invoices 1
    and 2 issued 31/12/2026, one aggregated entry."""
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        chart = add_chart(s, company.id)
        fibra, link = f.plan(), f.plan("DED500", "899.00", "Link dedicado 500 Mega")
        link.revenue_account_id = chart["3.1.04"]
        rule = f.due_rule()
        ana, bruno = f.party("Ana"), f.party("Bruno")
        f.contract(ana, company, fibra, rule)
        f.contract(bruno, company, link, rule)
        s.add(User(username="gerente", password_hash="x", is_admin=True, roles=[]))
        s.add(Reason(kind="exclusao_fatura", code="DUP", description="Fatura duplicada"))
        ids = (company.id, ana.id, bruno.id)
    assert run_billing(rt, "2026-12")["invoices_created"] == 2
    with unit_of_work(rt.engine) as s:
        s.get(Company, ids[0]).protect_before = protect_before
    return ids


def _ctx(s, rt, now=NOW):
    return ActionContext(session=s, user=None, runtime=rt, now=now)


def _invoice(s, number) -> Invoice:
    return s.scalars(select(Invoice).where(Invoice.number == number)).one()


def _rest(rt, company_id):
    return [e[1:] for e in entries(rt, company_id)]


def test_removal_posts_the_reverse_on_the_removal_date_leaving_the_protected_period_untouched(rt, factory):
    company_id, ana, _bruno = _billed(rt, factory, protect_before=date(2027, 1, 5))  # 31/12/2026 protected
    with unit_of_work(rt.engine) as s:
        tools.remove_invoice(s, _invoice(s, 1), comments="Gerada em dobro", ctx=_ctx(s, rt))
        removed_id = _invoice(s, 1).id
    assert _rest(rt, company_id) == [
        BILLING_ENTRY,  # the original entry is never touched
        (date(2027, 1, 15), "Exclusão da fatura 1: Gerada em dobro", ORIGIN_INVOICE, removed_id,
         [("3.1.01", D("99.90"), D("0.00"), None), ("1.1.03", D("0.00"), D("99.90"), ana)])]
    assert balance(rt, company_id, "1.1.03") == open_total(rt, company_id) == D("899.00")


def test_removal_in_a_protected_period_is_refused_and_writes_nothing(rt, factory):
    company_id, _ana, _bruno = _billed(rt, factory, protect_before=date(2027, 1, 20))
    with pytest.raises(ValidationError) as err:
        with unit_of_work(rt.engine) as s:
            tools.remove_invoice(s, _invoice(s, 1), comments="Gerada em dobro", ctx=_ctx(s, rt))
    assert str(err.value) == ("Lançamentos anteriores ou iguais a 20/01/2027 estão protegidos (Proteger lançamentos "
                              "anteriores a). Data informada: 15/01/2027.")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert _invoice(s, 1).status == "aberta"
        assert s.scalar(select(Charge.invoice_id).where(Charge.amount == D("99.90"))) == _invoice(s, 1).id
    assert _rest(rt, company_id) == [BILLING_ENTRY]


def test_bulk_removal_action_debits_each_charges_revenue_account(rt, factory):
    company_id, _ana, bruno = _billed(rt, factory)
    with unit_of_work(rt.engine, readonly=True) as s:
        admin = s.scalars(select(User)).one()
        inv_id = _invoice(s, 2).id
    result = run_action(rt, "receivables.invoice.remove", [inv_id],
                        {"reason": "DUP", "comments": "Cliente cancelou o link", "confirmed": True}, admin)
    assert result.done == [inv_id]
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    removal = max(today, date(2026, 12, 31))  # never before the invoice's own issue date
    assert _rest(rt, company_id)[1] == (
        removal, "Exclusão da fatura 2: Cliente cancelou o link", ORIGIN_INVOICE, inv_id,
        [("3.1.04", D("899.00"), D("0.00"), None), ("1.1.03", D("0.00"), D("899.00"), bruno)])
    with unit_of_work(rt.engine, readonly=True) as s:  # charges released after the entry was made
        assert s.scalar(select(Charge.status).where(Charge.amount == D("899.00"))) == "aberta"
    assert balance(rt, company_id, "1.1.03") == open_total(rt, company_id) == D("99.90")


def test_alteration_reverses_the_old_invoice_and_accounts_the_new_total_with_its_adjustments(rt, factory):
    company_id, ana, _bruno = _billed(rt, factory)
    with unit_of_work(rt.engine) as s:  # value 99,90 → 89,90: a −10,00 "Desconto por alteração…" charge
        new = tools.alter_value(s, _invoice(s, 1), D("89.90"), justification="Desconto negociado", ctx=_ctx(s, rt))
        first = (new.id, new.number, new.issue_date)
    with unit_of_work(rt.engine) as s:  # new due date with 2,50 "Acréscimo por alteração de vencimento"
        newer = tools.alter_due_date(s, _invoice(s, first[1]), date(2027, 1, 20), surcharge=D("2.50"),
                                     justification="Cliente pediu novo vencimento", ctx=_ctx(s, rt))
        second = (newer.id, newer.number, newer.total)
        amounts = sorted(s.scalars(select(Charge.amount).where(Charge.invoice_id == newer.id)))
        old_id = _invoice(s, 1).id
    assert amounts == [D("-10.00"), D("2.50"), D("99.90")] and second[2] == D("92.40")
    assert first[1:] == (3, date(2027, 1, 10))  # issue = min(today, due date)
    assert _rest(rt, company_id)[1:] == [
        (date(2027, 1, 15), "Exclusão da fatura 1: Desconto negociado", ORIGIN_INVOICE, old_id,
         [("3.1.01", D("99.90"), D("0.00"), None), ("1.1.03", D("0.00"), D("99.90"), ana)]),
        (date(2027, 1, 10), "Emissão da fatura 3 — competência 12/2026", ORIGIN_INVOICE, first[0],
         [("1.1.03", D("89.90"), D("0.00"), ana), ("3.1.01", D("0.00"), D("89.90"), None)]),
        (date(2027, 1, 15), "Exclusão da fatura 3: Cliente pediu novo vencimento", ORIGIN_INVOICE, first[0],
         [("3.1.01", D("89.90"), D("0.00"), None), ("1.1.03", D("0.00"), D("89.90"), ana)]),
        (date(2027, 1, 15), "Emissão da fatura 4 — competência 12/2026", ORIGIN_INVOICE, second[0],
         [("1.1.03", D("92.40"), D("0.00"), ana), ("3.1.01", D("0.00"), D("92.40"), None)]),
    ]
    assert balance(rt, company_id, "1.1.03") == open_total(rt, company_id) == D("899.00") + D("92.40")
    tb = trial(rt, company_id)
    assert tb.total_debit == tb.total_credit


def test_manual_invoicing_posts_one_entry_per_invoice(rt, factory):
    company_id, ana, _bruno = _billed(rt, factory)
    with unit_of_work(rt.engine) as s:
        charges = [Charge(party_id=ana, company_id=company_id, description=text, amount=D(amount),
                          due_date=date(2027, 2, 5), competence=date(2027, 1, 1), status="aberta", origin="avulsa")
                   for text, amount in (("Visita técnica", "80.00"), ("Roteador adicional", "45.50"))]
        s.add_all(charges)
        s.flush()
        ids = invoice_charges(s, charges, today=date(2027, 1, 5), runtime=rt)
    assert len(ids) == 2
    got = _rest(rt, company_id)[1:]
    assert [(d, text, kind, oid) for d, text, kind, oid, _lines in got] == [
        (date(2027, 1, 5), "Emissão da fatura 3 — competência 01/2027", ORIGIN_INVOICE, ids[0]),
        (date(2027, 1, 5), "Emissão da fatura 4 — competência 01/2027", ORIGIN_INVOICE, ids[1])]
    assert sorted(lines[0][1] for *_x, lines in got) == [D("45.50"), D("80.00")]
    assert all(lines[0][0] == "1.1.03" and lines[0][3] == ana for *_x, lines in got)
    assert balance(rt, company_id, "1.1.03") == open_total(rt, company_id) == D("998.90") + D("125.50")
