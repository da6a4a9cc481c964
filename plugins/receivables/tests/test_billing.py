"""The billing run: pro-rata numbers, skips, idempotency, crash-resume, minimum amount."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.jobs import work
from core.models.jobs import JobChunk
from plugins.receivables import billing, invoicing
from plugins.receivables.billing import (billable_days, due_date_for, parse_competence, prorata_amount,
                                         run_billing)
from plugins.receivables.models import Charge, ContractSuspension, Invoice

DEC = date(2026, 12, 1)
NOV = date(2026, 11, 1)


# --- pure rules -------------------------------------------------------------------------------

def test_prorata_activation_on_the_16th_of_a_30_day_month():
    days = billable_days(NOV, date(2026, 11, 16), None)
    assert days == 15
    assert prorata_amount(Decimal("99.90"), days, 30) == Decimal("49.95")


def test_prorata_cancellation_and_suspension():
    # cancelled on 11/12: days 1..10 billed ⇒ 10/31 × 99,90 = 32,225… ⇒ 32,23 (half up, once)
    assert billable_days(DEC, date(2025, 5, 1), date(2026, 12, 11)) == 10
    assert prorata_amount(Decimal("99.90"), 10, 31) == Decimal("32.23")
    # suspended 10/12, suspension cancelled 20/12 (billed again from the 20th): 31 − 10 = 21 days
    assert billable_days(DEC, date(2025, 5, 1), None, [(date(2026, 12, 10), date(2026, 12, 20))]) == 21
    # suspended since before the month and still suspended: nothing to bill
    assert billable_days(DEC, date(2025, 5, 1), None, [(date(2026, 11, 3), None)]) == 0
    # full month = the price itself
    assert prorata_amount(Decimal("99.90"), 31, 31) == Decimal("99.90")


def test_due_dates_and_competence():
    assert due_date_for(DEC, 10, "mes_seguinte") == date(2027, 1, 10)
    assert due_date_for(DEC, 10, "mesmo_mes") == date(2026, 12, 10)
    assert due_date_for(date(2027, 1, 1), 31, "mes_seguinte") == date(2027, 2, 28)
    assert parse_competence("2026-12") == DEC and parse_competence("12/2026") == DEC
    with pytest.raises(ValidationError):
        parse_competence("2026-13")


# --- the run ----------------------------------------------------------------------------------

def _setup(factory, n=3, **contract_kw):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        parties = [f.party(f"Cliente {i}") for i in range(n)]
        contracts = [f.contract(p, company, plan, rule, **contract_kw) for p in parties]
        return company.id, [p.id for p in parties], [c.id for c in contracts]


def _state(session):
    charges = session.execute(select(Charge.contract_id, Charge.competence, Charge.amount, Charge.status,
                                     Charge.invoice_id.is_not(None)).order_by(Charge.contract_id)).all()
    invoices = session.execute(select(Invoice.number, Invoice.party_id, Invoice.total, Invoice.due_date)
                               .order_by(Invoice.number)).all()
    return charges, invoices


def test_billing_run_creates_charges_and_invoices_with_prorata(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        full = f.contract(f.party("Ana"), company, plan, rule)
        new = f.contract(f.party("Bruno"), company, plan, rule, activated_on=date(2026, 12, 16))
        gone = f.contract(f.party("Carla"), company, plan, rule, status="cancelado",
                          cancelled_on=date(2026, 12, 11))
        f.contract(f.party("Davi"), company, plan, rule, status="cancelado", cancelled_on=date(2026, 11, 20))
        f.contract(f.party("Eva"), company, plan, rule, status="aguardando_ativacao", activated_on=None)
        susp = f.contract(f.party("Fábio"), company, plan, rule, status="suspenso")
        s.add(ContractSuspension(contract_id=susp.id, starts_on=date(2026, 11, 3)))
        special = f.contract(f.party("Gil"), company, plan, rule, price_override="79.90")
    summary = run_billing(runtime, "2026-12")
    assert summary["status"] == "done"
    assert summary["charges_created"] == 4 and summary["skipped"] == 1 and summary["invoices_created"] == 4
    with unit_of_work(readonly=True) as s:
        amounts = dict(s.execute(select(Charge.contract_id, Charge.amount)).all())
        assert amounts == {full.id: Decimal("99.90"), new.id: Decimal("51.56"),  # 16/31 × 99,90 = 51,561…
                           gone.id: Decimal("32.23"), special.id: Decimal("79.90")}
        inv = s.scalars(select(Invoice).where(Invoice.party_id == full.party_id)).one()
        assert (inv.due_date, inv.issue_date, inv.total, inv.status) == (
            date(2027, 1, 10), date(2026, 12, 31), Decimal("99.90"), "aberta")
        assert s.scalar(select(Charge.status).where(Charge.contract_id == full.id)) == "faturada"
        assert sorted(s.scalars(select(Invoice.number))) == [1, 2, 3, 4]


def test_running_twice_changes_nothing(runtime, factory):
    _setup(factory, n=5)
    first = run_billing(runtime, "2026-12", chunk_size=2)
    with unit_of_work(readonly=True) as s:
        before = _state(s)
    second = run_billing(runtime, "2026-12", chunk_size=2)
    with unit_of_work(readonly=True) as s:
        assert _state(s) == before
    assert first["charges_created"] == 5 and first["invoices_created"] == 5
    assert second["charges_created"] == 0 and second["invoices_created"] == 0 and second["already_billed"] == 5


def test_crash_mid_run_then_run_again_reaches_the_same_state(runtime, factory, monkeypatch):
    _setup(factory, n=6)
    with unit_of_work() as s:
        job_id = billing.submit_billing(s, runtime, "2026-12", chunk_size=2).id
    real_write = billing.write_charges
    calls = {"n": 0}

    def crash_on_second_chunk(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # chunk 2's invoices (and numbers) are written when the process "dies"
            raise KeyboardInterrupt("processo interrompido")
        return real_write(*a, **kw)

    monkeypatch.setattr(billing, "write_charges", crash_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        work(runtime, job_id=job_id)
    monkeypatch.setattr(billing, "write_charges", real_write)
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 2  # only chunk 1 committed
        assert sorted(s.scalars(select(Invoice.number))) == [1, 2]
        statuses = list(s.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id).order_by(JobChunk.seq)))
        assert statuses == ["done", "queued", "queued"]
    # Running again (as `quita billing run` does) finishes the interrupted job, then finds nothing left.
    again = run_billing(runtime, "2026-12")
    assert again["charges_created"] == 0 and again["already_billed"] == 6 and again["job_id"] != job_id
    with unit_of_work(readonly=True) as s:
        resumed = billing.job_summary(s, job_id)
        charges, invoices = _state(s)
    assert resumed["status"] == "done" and resumed["charges_created"] == 6 and resumed["invoices_created"] == 6
    assert len(charges) == 6 and all(c[3] == "faturada" and c[4] for c in charges)
    assert [i[0] for i in invoices] == [1, 2, 3, 4, 5, 6]  # gapless despite the crash


def test_minimum_amount_rolls_small_amounts_to_next_month(database_url, factory):
    from core.runtime import bootstrap, set_current
    from tests.conftest import make_config, truncate_all

    rt = bootstrap(make_config(database_url, plugin_settings={"receivables": {"minimum_amount": "30.00"}}))
    try:
        with unit_of_work() as s:
            f = factory(s)
            company, rule = f.company(), f.due_rule()
            cheap = f.plan(code="MIN", price="19.90", name="Plano mínimo")
            party = f.party("Helena")
            contract = f.contract(party, company, cheap, rule)
        dec = run_billing(rt, "2026-12")
        assert dec["rolled_over"] == 1 and dec["invoices_created"] == 0
        with unit_of_work(readonly=True) as s:
            assert s.scalar(select(Charge.status).where(Charge.contract_id == contract.id)) == "aberta"
        jan = run_billing(rt, "2027-01")
        assert jan["charges_created"] == 1 and jan["invoices_created"] == 1 and jan["rolled_over"] == 0
        with unit_of_work(readonly=True) as s:
            inv = s.scalars(select(Invoice)).one()
            assert inv.total == Decimal("39.80") and inv.due_date == date(2027, 2, 10)
            assert s.scalar(select(func.count()).where(Charge.invoice_id == inv.id)) == 2
    finally:
        truncate_all(rt.engine)
        set_current(None)
        rt.dispose()


def test_grouping_per_party_due_date_and_grouping_key(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        rule20 = f.due_rule(code="D20", due_day=20)
        ana, bia = f.party("Ana"), f.party("Bia")
        f.contract(ana, company, plan, rule)
        f.contract(ana, company, plan, rule)                      # same due date ⇒ same invoice
        f.contract(ana, company, plan, rule20)                    # other due date ⇒ other invoice
        f.contract(bia, company, plan, rule)
        f.contract(bia, company, plan, rule, grouping_key="empresa")  # own grouping ⇒ own invoice
        ana_id, bia_id = ana.id, bia.id
    summary = run_billing(runtime, DEC)
    assert summary["invoices_created"] == 4
    with unit_of_work(readonly=True) as s:
        totals = sorted(s.execute(select(Invoice.party_id, Invoice.total, Invoice.due_date)).all())
    assert totals == [(ana_id, Decimal("99.90"), date(2027, 1, 20)), (ana_id, Decimal("199.80"), date(2027, 1, 10)),
                      (bia_id, Decimal("99.90"), date(2027, 1, 10)), (bia_id, Decimal("99.90"), date(2027, 1, 10))]


def test_invoice_numbers_are_gapless_per_company_and_rolled_back_with_the_transaction(runtime, factory):
    with unit_of_work() as s:
        a = factory(s).company()
        b = factory(s).company(code="2", cnpj="11444777000161")
        a_id, b_id = a.id, b.id
    with unit_of_work() as s:
        assert invoicing.draw_numbers(s, a_id, 3) == 1
        assert invoicing.draw_numbers(s, a_id, 1) == 4
        assert invoicing.draw_numbers(s, b_id, 2) == 1
    with pytest.raises(RuntimeError):
        with unit_of_work() as s:
            invoicing.draw_numbers(s, a_id, 5)
            raise RuntimeError("desfaz")
    with unit_of_work() as s:
        assert invoicing.draw_numbers(s, a_id, 1) == 5


@pytest.mark.postgres_only
def test_two_concurrent_runs_never_duplicate(runtime, factory):
    _, parties, contracts = _setup(factory, n=40)
    results, errors = [], []

    def run():
        try:
            results.append(run_billing(runtime, "2026-12", chunk_size=5))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r["status"] == "done" for r in results)
    assert sum(r["charges_created"] for r in results) == 40
    assert sum(r["invoices_created"] for r in results) == 40
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 40
        assert sorted(s.scalars(select(Invoice.number))) == list(range(1, 41))
        assert s.scalar(select(func.count()).select_from(Charge).where(Charge.invoice_id.is_(None))) == 0


def test_billing_run_tells_plugins_of_each_created_invoice(database_url, factory):
    """`on_invoice_created` runs inside the chunk's transaction, once per invoice; what the
    plugin writes is committed with the invoice."""
    import types

    from hooks import hookimpl
    from core.config import BUILTIN_PLUGINS
    from core.runtime import bootstrap, set_current
    from tests.conftest import make_config, truncate_all

    seen = []

    @hookimpl
    def on_invoice_created(invoice, ctx):
        seen.append(invoice.number)
        invoice.description = f"{invoice.description} (boleto {invoice.number:05d})"

    spy = types.ModuleType("spy_plugin")
    spy.on_invoice_created = on_invoice_created
    rt = bootstrap(make_config(database_url, enabled=(*BUILTIN_PLUGINS, "spy")), extra_plugins={"spy": spy})
    try:
        _setup(factory, n=3)
        summary = run_billing(rt, "2026-12", chunk_size=2)
        assert summary["invoices_created"] == 3 and sorted(seen) == [1, 2, 3]
        with unit_of_work(readonly=True) as s:
            assert s.scalar(select(Invoice.description).where(Invoice.number == 2)) == \
                "Fatura competência 12/2026 (boleto 00002)"
    finally:
        truncate_all(rt.engine)
        set_current(None)
        rt.dispose()
