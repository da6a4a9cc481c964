"""Fixed-installment contracts (`Contract.installments` / `installments_generated`, "Renovar
parcelas manualmente") in the monthly billing run: no charge past the last installment, charges
numbered "parcela N/M" like the renewal, `installments_generated` advanced, and renewal + billing
never charge a competence twice (unique key). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import select

from core.db import unit_of_work
from plugins.receivables import contract_tools as tools
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Charge, Contract


def _setup(factory, *installments):
    """One customer per contract; `None` = a monthly contract with no term. Returns contract ids."""
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        ids = []
        for i, n in enumerate(installments):
            c = f.contract(f.party(f"Cliente {i + 1}"), company, plan, rule, activated_on=date(2026, 1, 1))
            c.installments = n
            ids.append(c.id)
        s.flush()
        return ids


def _charges(cid):
    with unit_of_work(readonly=True) as s:
        return s.execute(select(Charge.competence, Charge.installment, Charge.installments, Charge.description,
                                Charge.amount, Charge.invoice_id)
                         .where(Charge.contract_id == cid).order_by(Charge.competence)).all()


def _contract(cid):
    with unit_of_work(readonly=True) as s:
        c = s.get(Contract, cid)
        return c.installments, c.installments_generated


def test_three_installments_billed_four_months_make_three_charges(runtime, factory):
    fixed, monthly = _setup(factory, 3, None)
    summaries = [run_billing(runtime, f"2026-{m:02d}") for m in (1, 2, 3, 4)]
    rows = _charges(fixed)
    assert [(r.competence, r.installment, r.installments, r.amount) for r in rows] == [
        (date(2026, 1, 1), 1, 3, D("99.90")), (date(2026, 2, 1), 2, 3, D("99.90")),
        (date(2026, 3, 1), 3, 3, D("99.90"))]
    assert [r.description for r in rows] == [
        "Fibra 300 Mega — 01/2026 — parcela 1/3", "Fibra 300 Mega — 02/2026 — parcela 2/3",
        "Fibra 300 Mega — 03/2026 — parcela 3/3"]
    assert all(r.invoice_id is not None for r in rows)
    assert _contract(fixed) == (3, 3)
    # the monthly contract goes on: 4 charges, 1/1, no "parcela" in the description
    monthly_rows = _charges(monthly)
    assert len(monthly_rows) == 4 and {(r.installment, r.installments) for r in monthly_rows} == {(1, 1)}
    assert all("parcela" not in r.description for r in monthly_rows)
    assert [s["charges_created"] for s in summaries] == [2, 2, 2, 1]
    assert summaries[3]["skipped"] >= 1 and summaries[3]["invoices_created"] == 1
    # billing April again changes nothing
    again = run_billing(runtime, "2026-04")
    assert (again["charges_created"], again["invoices_created"]) == (0, 0)
    assert _contract(fixed) == (3, 3)


def test_renewal_and_billing_never_charge_a_competence_twice(runtime, factory):
    (cid,) = _setup(factory, 3)
    run_billing(runtime, "2026-01")                              # parcela 1/3 by the billing
    with unit_of_work() as s:
        made = tools.renew_installments(s, s.get(Contract, cid), 2)  # 2/3 and 3/3 (Feb, Mar)
        assert [(c.competence, c.installment) for c in made] == [(date(2026, 2, 1), 2), (date(2026, 3, 1), 3)]
    assert _contract(cid) == (3, 3)
    created = [run_billing(runtime, f"2026-{m:02d}")["charges_created"] for m in (2, 3, 4, 5)]
    assert created == [0, 0, 0, 0]
    rows = _charges(cid)
    assert [(r.competence, r.installment, r.installments) for r in rows] == [
        (date(2026, 1, 1), 1, 3), (date(2026, 2, 1), 2, 3), (date(2026, 3, 1), 3, 3)]
    assert all(r.invoice_id is not None for r in rows)          # the renewed ones invoiced when due
    # Extending the term by renewal (3 + 2 = 5): the billing finds them, and stops after 5/5.
    with unit_of_work() as s:
        made = tools.renew_installments(s, s.get(Contract, cid), 2)
        assert [(c.competence, c.installment, c.installments) for c in made] == [
            (date(2026, 4, 1), 4, 5), (date(2026, 5, 1), 5, 5)]
    assert [run_billing(runtime, f"2026-{m:02d}")["charges_created"] for m in (4, 5, 6)] == [0, 0, 0]
    assert len(_charges(cid)) == 5 and _contract(cid) == (5, 5)


def test_billing_after_a_raised_term_continues_the_numbering(runtime, factory):
    (cid,) = _setup(factory, 2)
    for m in (1, 2, 3):
        run_billing(runtime, f"2026-{m:02d}")
    assert [r.installment for r in _charges(cid)] == [1, 2] and _contract(cid) == (2, 2)
    with unit_of_work() as s:                                    # the operator raises the term to 4
        s.get(Contract, cid).installments = 4
    for m in (4, 5, 6):
        run_billing(runtime, f"2026-{m:02d}")
    rows = _charges(cid)
    assert [(r.competence, r.installment, r.installments) for r in rows] == [
        (date(2026, 1, 1), 1, 2), (date(2026, 2, 1), 2, 2), (date(2026, 4, 1), 3, 4), (date(2026, 5, 1), 4, 4)]
    assert rows[-1].description.endswith("— 05/2026 — parcela 4/4") and _contract(cid) == (4, 4)
