"""Accrual accounting of the monthly billing run: one balanced entry per (company, issue date) per
chunk whose totals are the invoices' totals, the plan's own revenue account, the protected
period refusing the whole chunk (nothing half-written, pt-BR error in the job summary),
idempotency and crash-resume giving the same ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.ledger.models import JournalEntry
from core.models.company import Company
from core.runtime import set_current
from plugins.receivables import billing
from plugins.receivables.accrual import ORIGIN_BILLING, accrual_of, carried_total
from plugins.receivables.accrual_models import InvoiceAccrual
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.tests.accrual_support import D, add_chart, balance, entries, make_runtime, open_total, trial
from tests.conftest import truncate_all
from tests.worldkit import runtime_maker

PROTECTED = ("Lançamentos anteriores ou iguais a 31/12/2026 estão protegidos (Proteger lançamentos anteriores a). "
             "Data informada: 31/12/2026.")
# The run's two entries: D10 invoices issued 31/12/2026 (Ana 99,90 + Bruno 16/31 × 99,90 = 51,56),
# D20 invoices issued 10/01/2027 (Carla's dedicated link 899,00 on its plan's account 3.1.04 + Davi 99,90).
EXPECTED = [
    (date(2026, 12, 31), "Faturamento competência 12/2026: 2 fatura(s) entre os números 1 e 2, emissão 31/12/2026",
     [("1.1.03", D("151.46"), D("0.00"), None), ("3.1.01", D("0.00"), D("151.46"), None)]),
    (date(2027, 1, 10), "Faturamento competência 12/2026: 2 fatura(s) entre os números 3 e 4, emissão 10/01/2027",
     [("1.1.03", D("998.90"), D("0.00"), None), ("3.1.01", D("0.00"), D("99.90"), None),
      ("3.1.04", D("0.00"), D("899.00"), None)]),
]


@pytest.fixture
def rt(database_url):
    with runtime_maker(make_runtime) as make:
        yield make(database_url)


def _setup(rt, factory, *, protect_before=None) -> int:
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        company.protect_before = protect_before
        chart = add_chart(s, company.id)
        fibra, link = f.plan(), f.plan("DED500", "899.00", "Link dedicado 500 Mega")
        link.revenue_account_id = chart["3.1.04"]
        d10, d20 = f.due_rule(), f.due_rule("D20", due_day=20)
        f.contract(f.party("Ana"), company, fibra, d10)
        f.contract(f.party("Bruno"), company, fibra, d10, activated_on=date(2026, 12, 16))
        f.contract(f.party("Carla"), company, link, d20)
        f.contract(f.party("Davi"), company, fibra, d20)
        return company.id


def _billing_entries(rt, company_id):
    return [(d, text, lines) for _n, d, text, kind, _oid, lines in entries(rt, company_id, ORIGIN_BILLING)]


def test_billing_posts_one_balanced_entry_per_issue_date_with_the_invoices_totals(rt, factory):
    company_id = _setup(rt, factory)
    summary = run_billing(rt, "2026-12", chunk_size=10)
    assert summary["status"] == "done" and summary["invoices_created"] == 4
    assert _billing_entries(rt, company_id) == EXPECTED
    with unit_of_work(rt.engine, readonly=True) as s:
        invoices = s.scalars(select(Invoice).order_by(Invoice.number)).all()
        assert [(i.number, i.total, i.issue_date) for i in invoices] == [
            (1, D("99.90"), date(2026, 12, 31)), (2, D("51.56"), date(2026, 12, 31)),
            (3, D("899.00"), date(2027, 1, 10)), (4, D("99.90"), date(2027, 1, 10))]
        # every invoice is traceable to its entry; ONE link row per entry, not per invoice
        entry_of = {i.number: s.get(JournalEntry, accrual_of(s, i).entry_id).date for i in invoices}
        assert entry_of == {1: date(2026, 12, 31), 2: date(2026, 12, 31), 3: date(2027, 1, 10), 4: date(2027, 1, 10)}
        assert s.scalar(select(func.count()).select_from(InvoiceAccrual)) == 2
        assert carried_total(s, company_id) == D("1150.36")
        origins = set(s.scalars(select(JournalEntry.origin).where(JournalEntry.origin_kind == ORIGIN_BILLING)))
        assert len(origins) == 1 and origins.pop().startswith("Faturamento 12/2026 — clientes ")
    total = sum(inv_total for inv_total in (D("99.90"), D("51.56"), D("899.00"), D("99.90")))
    assert balance(rt, company_id, "1.1.03") == total == open_total(rt, company_id)
    tb = trial(rt, company_id)
    assert tb.total_debit == tb.total_credit == total


def test_running_billing_again_posts_nothing_twice(rt, factory):
    company_id = _setup(rt, factory)
    run_billing(rt, "2026-12", chunk_size=2)
    again = run_billing(rt, "2026-12", chunk_size=2)
    assert again["invoices_created"] == 0 and again["already_billed"] == 4
    assert _billing_entries(rt, company_id) == EXPECTED
    assert balance(rt, company_id, "1.1.03") == D("1150.36")


def test_protected_period_refuses_the_whole_chunk_with_the_message(rt, factory):
    company_id = _setup(rt, factory, protect_before=date(2026, 12, 31))
    summary = run_billing(rt, "2026-12", chunk_size=10)
    assert summary["status"] == "failed"
    assert summary["invoices_created"] == 0 and summary["charges_created"] == 0
    assert summary["error"] == f"Parte 0 falhou: {PROTECTED}"
    with unit_of_work(rt.engine, readonly=True) as s:  # one transaction: no invoice, charge or entry
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert s.scalar(select(func.count()).select_from(InvoiceAccrual)) == 0
    # protection lifted to 30/12: the next run bills everything, numbers and entries from 1 (gapless)
    with unit_of_work(rt.engine) as s:
        s.get(Company, company_id).protect_before = date(2026, 12, 30)
    assert run_billing(rt, "2026-12", chunk_size=10)["status"] == "done"
    assert [n for n, *_rest in entries(rt, company_id)] == [1, 2]
    assert _billing_entries(rt, company_id) == EXPECTED


def test_protected_period_message_on_the_cli(rt, factory, tmp_path, monkeypatch):
    """`quita billing run` prints the pt-BR refusal and exits with 1."""
    from typer.testing import CliRunner

    from core.cli import build_app

    _setup(rt, factory, protect_before=date(2026, 12, 31))
    url = rt.engine.url.render_as_string(hide_password=False)
    config = tmp_path / "quita.toml"
    config.write_text(f'[database]\nurl = "{url}"\n\n[plugins]\nenabled = ["receivables"]\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(config))
    result = CliRunner().invoke(build_app(rt.plugins), ["billing", "run", "--competence", "2026-12"])
    assert result.exit_code == 1
    assert PROTECTED in result.output


def test_crash_mid_run_then_resume_gives_the_same_ledger(rt, factory, monkeypatch):
    company_id = _setup(rt, factory)
    with unit_of_work(rt.engine) as s:
        job_id = billing.submit_billing(s, rt, "2026-12", chunk_size=2).id
    real_write = billing.write_charges
    calls = {"n": 0}

    def crash_on_second_chunk(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # chunk 2's invoices are written, its entry not yet, when the process "dies"
            raise KeyboardInterrupt("processo interrompido")
        return real_write(*a, **kw)

    monkeypatch.setattr(billing, "write_charges", crash_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        billing.work_job(rt, job_id)
    monkeypatch.setattr(billing, "write_charges", real_write)
    assert _billing_entries(rt, company_id) == EXPECTED[:1]  # only chunk 1 committed
    again = run_billing(rt, "2026-12")
    assert again["invoices_created"] == 0 and again["already_billed"] == 4
    assert [n for n, *_rest in entries(rt, company_id)] == [1, 2]  # the crashed entry's number was given back
    assert _billing_entries(rt, company_id) == EXPECTED
    assert balance(rt, company_id, "1.1.03") == open_total(rt, company_id) == D("1150.36")


def test_company_without_chart_keeps_no_books(rt, factory):
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        f.contract(f.party("Ana"), company, f.plan(), f.due_rule())
    assert run_billing(rt, "2026-12")["invoices_created"] == 1
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert s.scalar(select(func.count()).select_from(InvoiceAccrual)) == 0


def test_chart_without_the_configured_account_refuses_in_portuguese(database_url, factory):
    rt = make_runtime(database_url, settings={"receivables": {"service_revenue_account_code": "9.9.99"}})
    try:
        with unit_of_work(rt.engine) as s:
            f = factory(s)
            company = f.company()
            add_chart(s, company.id)
            f.contract(f.party("Ana"), company, f.plan(), f.due_rule())
            company_id = company.id
        summary = run_billing(rt, "2026-12")
        assert summary["status"] == "failed"
        assert summary["error"] == (
            f"Parte 0 falhou: A conta 9.9.99 (receita de serviços, configuração service_revenue_account_code) não "
            f"existe no plano de contas da empresa {company_id}; as faturas não podem ser contabilizadas.")
        with unit_of_work(rt.engine, readonly=True) as s:
            assert s.scalar(select(func.count()).select_from(Invoice)) == 0
    finally:
        truncate_all(rt.engine)
        rt.dispose()
        set_current(None)
