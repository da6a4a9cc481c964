"""`quita demo` with fiscal_nf2122: NF 21 documents for last month's invoices of the first company,
numbered without gaps in date order, one cancelled and replaced, and the period's Convênio 115 files
stored — and valid for the checker."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.db import unit_of_work
from core.demo import load_demo
from core.models import Company
from plugins.fiscal_nf2122.conv115.check import check_files
from plugins.fiscal_nf2122.documents import reference_of
from plugins.fiscal_nf2122.models import CANCELADO, GERADO, FiscalDocument, FiscalPeriodFile, FiscalPeriodFilePart
from plugins.receivables.models import Invoice


def test_demo_fiscal_documents_and_period_files(runtime):
    out = []
    counts = load_demo(runtime, customers=120, seed=5, echo=out.append)
    last = date.today().replace(day=1) - timedelta(days=1)
    period = f"{last:%y%m}"
    assert counts["fiscal_documents"] == 37 and counts["fiscal_cancelled"] == 1
    assert counts["conv115_period"] == period and counts["conv115_files"] == 4
    with unit_of_work(runtime.engine, readonly=True) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        docs = s.scalars(select(FiscalDocument).order_by(FiscalDocument.number)).all()
        assert len(docs) == 37 and {d.company_id for d in docs} == {company_id}
        assert [d.number for d in docs] == list(range(1, 38))              # gapless
        dates = [d.issue_date for d in docs]
        assert dates == sorted(dates) and all(d.period == period and d.md5 for d in docs)
        for d in docs:
            inv = s.get(Invoice, d.invoice_id)
            assert inv.company_id == company_id and inv.issue_date.strftime("%y%m") == period
            assert d.valor_fatura == inv.total
        (cancelled,) = [d for d in docs if d.status == CANCELADO]
        assert cancelled.situacao == "S" and cancelled.closed_reason
        (substitute,) = [d for d in docs if d.situacao == "R"]
        assert substitute.status == GERADO and substitute.invoice_id == cancelled.invoice_id
        assert substitute.replaces_id == cancelled.id and substitute.reference == reference_of(cancelled)
        (delivery,) = s.scalars(select(FiscalPeriodFile)).all()
        assert (delivery.period, delivery.status, delivery.documents) == (period, "N", 37)
        assert all(d.period_file_id == delivery.id for d in docs)
        parts = s.scalars(select(FiscalPeriodFilePart).where(FiscalPeriodFilePart.period_file_id == delivery.id)).all()
        files = [(p.name, p.data) for p in parts]
    assert sorted(p.type for p in parts) == ["C", "D", "I", "M"]
    reports = check_files(files)
    assert [(r.name, r.errors, r.warnings) for r in reports] == [(name, [], []) for name, _d in files]
