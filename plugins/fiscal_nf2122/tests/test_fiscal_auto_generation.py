"""Automatic generation of the fiscal documents (auto.py): at billing (hook `on_invoices_issued`,
inside the billing chunk), at settlement (`after_settle`, "pelo valor de liquidação"), undone by
the reversal (`after_reverse`); failures recorded as "pendências" without losing the billing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from plugins.fiscal_nf2122.auto import pending_issues, undo_at_reversal
from plugins.fiscal_nf2122.auto_models import FiscalGenerationLog
from plugins.fiscal_nf2122.documents import generate, items_of, local_today
from plugins.fiscal_nf2122.models import FiscalDocument
from plugins.fiscal_nf2122.settings import settings_of
from plugins.fiscal_nf2122.tests.fiscal_docs_world import SETTINGS, at, documents, make_runtime, seed
from plugins.receivables.models import Invoice

TODAY = local_today().strftime("%d/%m/%Y")


def _settings(**auto) -> dict:
    return {"fiscal_nf2122": {**SETTINGS["fiscal_nf2122"], **auto}}


@pytest.fixture
def make(database_url):
    from tests.worldkit import runtime_maker

    with runtime_maker(make_runtime) as mk:
        yield lambda **auto: mk(database_url, _settings(**auto))


def _invoices(rt) -> list[Invoice]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return list(s.scalars(select(Invoice).order_by(Invoice.id)))


def _summary(rt) -> dict:
    from core.models.jobs import Job
    from plugins.receivables.billing import JOB_KIND, job_summary

    with unit_of_work(rt.engine, readonly=True) as s:
        return job_summary(s, s.scalar(select(Job.id).where(Job.kind == JOB_KIND).order_by(Job.id.desc()).limit(1)))


def _settle(rt, invoice_id, **kw):
    from plugins.receivables.settlement import settle_invoice

    with unit_of_work(rt.engine) as s:
        inv = s.get(Invoice, invoice_id)
        out = settle_invoice(s, inv, paid_on=kw.pop("paid_on", inv.issue_date), method="outros", runtime=rt, **kw)
        return out.settlement.id


def test_hook_on_invoices_issued(make):
    """Billing with "no faturamento": every invoice of the run gets its note inside the billing
    chunk, numbered 1..4 in invoice order (gapless), observation 3 from the competence, and the
    billing job summary carries the fiscal lines."""
    rt = make(generation_moment="faturamento")
    seed(rt)
    invoices = _invoices(rt)
    docs = documents(rt)
    assert [(d.invoice_id, d.number, d.status) for d in docs] == [(i.id, n, "gerado") for n, i in enumerate(invoices, 1)]
    assert [d.valor_total for d in docs] == [i.total for i in invoices]
    assert {d.observation_3 for d in docs} == {"Competência 12/2026"}
    assert _summary(rt)["extra"] == {"Documentos fiscais gerados": 4}
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [r.origin for r in s.scalars(select(FiscalGenerationLog))] == ["faturamento"] * 4


def test_billing_without_auto_effect_leaves_them_awaiting(make):
    rt = make(generation_moment="faturamento", auto_effect=False)
    seed(rt)
    assert [(d.number, d.status) for d in documents(rt)] == [(None, "pendente")] * 4
    assert _summary(rt)["extra"] == {"Documentos fiscais aguardando efetivação": 4}


def test_manual_moment_generates_nothing_at_billing_nor_settlement(make):
    rt = make()
    seed(rt)
    _settle(rt, _invoices(rt)[0].id)
    assert documents(rt) == [] and _summary(rt)["extra"] == {}


def test_billing_failure_keeps_the_billing_and_records_the_reason(make, database_url):
    """A note that cannot be generated (here: the série's last note is dated after today) does not
    cost the billing: the invoices are issued, stay in the pending list, the reason is a pendência
    and the billing summary counts them."""
    manual = make()
    w = seed(manual)
    with unit_of_work(manual.engine) as s:  # a note of a first invoice dated far in the future
        generate(s, s.get(Invoice, w.ids[0]), settings_of(manual), issue_date=date(2099, 2, 1))
    auto = make_runtime(database_url, _settings(generation_moment="faturamento"))
    try:
        from plugins.receivables.billing import run_billing
        from plugins.receivables.tests.conftest import Factory

        with unit_of_work(auto.engine) as s:  # a fifth customer billed next month
            f = Factory(s)
            from plugins.receivables.models import DueRule, Plan
            from core.models.company import Company
            company = s.get(Company, w.company_id)
            p = f.party("Eva Nunes")
            p.uf = "SP"
            f.contract(p, company, s.scalars(select(Plan).where(Plan.code == "F300")).first(),
                       s.scalars(select(DueRule)).first())
        summary = run_billing(auto, "2027-01")
        assert summary["status"] == "done" and summary["invoices_created"] == 5
        assert summary["extra"] == {"Documentos fiscais não gerados (ver pendências fiscais)": 5}
        with unit_of_work(auto.engine, readonly=True) as s:
            from plugins.fiscal_nf2122.documents import pending_invoices

            new = list(s.scalars(select(Invoice.id).where(Invoice.competence == date(2027, 1, 1)).order_by(Invoice.id)))
            assert len(new) == 5 and set(new) <= {i.id for i in pending_invoices(s)}
            issues = pending_issues(s)
            assert [i["invoice_id"] for i in issues] == new
            assert issues[0]["origin"] == "faturamento"
            assert issues[0]["message"].startswith(f"Data de emissão {TODAY} anterior à do último documento da série U")
        assert len(documents(auto)) == 1  # no note, no number drawn by the refused ones
        _pages_show_the_failure(auto, issues[0]["invoice_number"], summary["job_id"])
    finally:
        auto.dispose()


def test_settlement_with_discount_makes_a_note_of_the_settled_value(make):
    """Manual "Liquidação avulsa": 99,90 settled for 80,00 (a discount charge of 19,90 is added) ⇒
    with "pelo valor de liquidação" the note is of 80,00."""
    rt = make(generation_moment="liquidacao", settled_value=True)
    w = seed(rt)
    first = _invoices(rt)[0]
    assert first.total == D("99.90")
    _settle(rt, first.id, amount=D("80.00"))
    [doc] = documents(rt)
    assert (doc.invoice_id, doc.number, doc.valor_total, doc.isentas) == (first.id, 1, D("80.00"), D("80.00"))
    with unit_of_work(rt.engine, readonly=True) as s:
        [item] = items_of(s, s.get(FiscalDocument, doc.id))
        assert (item.valor_total, item.desconto) == (D("99.90"), D("19.90"))
        assert [r.origin for r in s.scalars(select(FiscalGenerationLog))] == ["liquidacao"]
    assert w.ids[0] == first.id


def test_settlement_without_settled_value_documents_the_invoice_value(make):
    rt = make(generation_moment="liquidacao")
    seed(rt)
    first = _invoices(rt)[0]
    _settle(rt, first.id, amount=D("80.00"))
    assert [d.valor_total for d in documents(rt)] == [D("99.90")]


def test_juros_and_multa_stay_out_of_the_note(make):
    """Paid with 2,50 of juros/multa reported by the bank (settled 102,40): note of 99,90."""
    rt = make(generation_moment="liquidacao", settled_value=True)
    seed(rt)
    first = _invoices(rt)[0]
    _settle(rt, first.id, reported_interest="2.50")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, first.id).total == D("102.40")
    [doc] = documents(rt)
    assert doc.valor_total == D("99.90")


def test_partial_settlement_documents_the_part_paid(make):
    """Baixa parcial of 40,00 of the SCM invoice (1.000,00, ICMS 25 %): note of 40,00 with the
    taxes recomposed; the remainder invoice is still pending."""
    from plugins.receivables.settlement import settle_partial

    rt = make(generation_moment="liquidacao", settled_value=True)
    seed(rt)
    scm = next(i for i in _invoices(rt) if i.total == D("1000.00"))
    with unit_of_work(rt.engine) as s:
        inv = s.get(Invoice, scm.id)
        rest = settle_partial(s, inv, paid_on=inv.issue_date, amount=D("40.00"), new_due_date=inv.due_date,
                              method="outros", runtime=rt).remainder_invoice.id
    [doc] = documents(rt)
    assert (doc.invoice_id, doc.valor_total, doc.bc_icms, doc.icms) == (scm.id, D("40.00"), D("40.00"), D("10.00"))
    with unit_of_work(rt.engine, readonly=True) as s:
        from plugins.fiscal_nf2122.documents import pending_invoices

        assert rest in {i.id for i in pending_invoices(s)}
    _settle(rt, rest)  # the remainder invoice (960,00 "Saldo restante") settled: its own note
    # (its charge has no contract in receivables, so the default composition applies: no ICMS — README TODO)
    assert [(d.invoice_id, d.number, d.valor_total, d.icms) for d in documents(rt)] == [
        (scm.id, 1, D("40.00"), D("10.00")), (rest, 2, D("960.00"), D("0.00"))]


def test_settlement_after_billing_note_does_nothing(make, database_url):
    rt = make(generation_moment="faturamento")
    seed(rt)
    other = make_runtime(database_url, _settings(generation_moment="liquidacao", settled_value=True))
    try:
        _settle(other, _invoices(rt)[0].id, amount=D("80.00"))
    finally:
        other.dispose()
    assert [(d.number, d.valor_total) for d in documents(rt)][0] == (1, D("99.90"))
    assert len(documents(rt)) == 4


def test_reversal_cancels_the_settlement_note_within_the_period(make):
    from plugins.receivables.settlement import reverse_settlement
    from plugins.receivables.settlement_models import Settlement

    rt = make(generation_moment="liquidacao", settled_value=True)
    seed(rt)
    first = _invoices(rt)[0]
    sid = _settle(rt, first.id, amount=D("80.00"))
    with unit_of_work(rt.engine) as s:
        reverse_settlement(s, s.get(Settlement, sid), on=first.issue_date, justification="cheque devolvido",
                           runtime=rt)
    [doc] = documents(rt)
    assert (doc.status, doc.situacao, doc.number) == ("cancelado", "S", 1)
    assert doc.closed_reason == f"Estorno da liquidação da fatura {first.number}"
    with unit_of_work(rt.engine, readonly=True) as s:
        from plugins.fiscal_nf2122.documents import pending_invoices

        assert first.id in {i.id for i in pending_invoices(s)}  # its next note will be the substitute (R)
    sid = _settle(rt, first.id)
    new = documents(rt)[-1]
    assert (new.number, new.situacao, new.valor_total, new.status) == (2, "R", D("99.90"), "gerado")


def test_reversal_after_the_period_leaves_a_pendencia(make):
    rt = make(generation_moment="liquidacao", settled_value=True)
    seed(rt)
    first = _invoices(rt)[0]
    sid = _settle(rt, first.id, amount=D("80.00"))
    [doc] = documents(rt)
    problem = undo_at_reversal(rt, first.id, sid, now=at(date(2027, 1, 10)))
    assert problem == f"{doc.title} é do período de apuração {doc.period} (AAMM); só pode ser cancelado dentro do próprio período."
    assert documents(rt)[0].status == "gerado"
    with unit_of_work(rt.engine, readonly=True) as s:
        [issue] = pending_issues(s)
    assert issue["document_id"] == doc.id and issue["message"].startswith("Liquidação estornada, mas NF 21 série U nº 1")


def _pages_show_the_failure(rt, invoice_number: int, billing_job_id: int) -> None:
    """The billing run's result and the fiscal "pendências" page show the refused notes."""
    from fastapi.testclient import TestClient

    from core.web.app import create_app
    from tests.browser.uisupport import add_user, login

    add_user(rt.engine, "maria", admin=True)
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        billing = client.get(f"/receber/faturamento/tarefas/{billing_job_id}")
        assert billing.status_code == 200
        assert ('<th scope="row">Documentos fiscais não gerados (ver pendências fiscais)</th><td class="num">5</td>'
                in billing.text), billing.text
        page = client.get("/fiscal/pendentes")
        assert page.status_code == 200 and f'<td class="num">{invoice_number}</td><td>No faturamento</td>' in page.text
        assert f"Data de emissão {TODAY} anterior à do último documento da série U" in page.text


def test_remainder_of_a_billing_note_is_not_documented_twice(make):
    """Note of 99,90 made at billing; baixa parcial of 40,00 ⇒ remainder invoice of 59,90: "Gerar
    todos" refuses it (the whole value is already in note 1) and lists the reason."""
    from plugins.fiscal_nf2122 import bulk
    from plugins.receivables.settlement import settle_partial

    rt = make(generation_moment="faturamento")
    seed(rt)
    first = _invoices(rt)[0]
    with unit_of_work(rt.engine) as s:
        inv = s.get(Invoice, first.id)
        rest = settle_partial(s, inv, paid_on=inv.issue_date, amount=D("40.00"), new_due_date=inv.due_date,
                              method="outros", runtime=rt).remainder_invoice
        rest_id, rest_number = rest.id, rest.number
    with unit_of_work(rt.engine) as s:
        job_id = bulk.submit_generation(s, rt).id
    bulk.work_job(rt, job_id)
    assert len(documents(rt)) == 4
    with unit_of_work(rt.engine, readonly=True) as s:
        assert bulk.progress(s, job_id)["failed"] == 1
        [issue] = pending_issues(s)
    assert issue["invoice_id"] == rest_id and issue["message"] == (
        f"A fatura {rest_number} é o saldo da liquidação parcial da fatura {first.number}, cuja nota "
        "(NF 21 série U nº 1) já documentou o valor inteiro: não gera outra nota.")
