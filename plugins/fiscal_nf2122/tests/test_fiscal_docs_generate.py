"""Fiscal documents of invoices: pending list → "Gerar documento fiscal" (bulk, kernel action),
gapless numbers per (empresa, modelo, série), items with the fiscal composition of each plan, the
document MD5 as the period file carries it, the receivables blockers ("A fatura X já possui
documentos fiscais gerados." / "Esta fatura aguarda efetivação de geração de documentos fiscais"),
restart after 999.999.999."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from core.actions import run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.numbering import NumberCounter
from core.models.reasons import Reason
from plugins.fiscal_nf2122.documents import items_of, local_today, pending_invoices, request_generation
from plugins.fiscal_nf2122.numbering import KIND, series_key
from plugins.fiscal_nf2122.settings import settings_of
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)
from plugins.receivables.models import Invoice

GENERATE = "fiscal_nf2122.invoice.generate"


@pytest.fixture
def world(rt):
    return seed(rt)


def test_bulk_generation_numbers_items_and_composition(rt, world):
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [i.id for i in pending_invoices(s)] == world.ids
    result = run_action(rt, GENERATE, list(reversed(world.ids)), {"confirmed": True}, world.admin)
    assert sorted(result.done) == world.ids and result.refused == {}
    docs = documents(rt)
    today = local_today()
    assert [(d.invoice_id, d.number, d.status, d.situacao, d.model, d.serie) for d in docs] == [
        (inv, n, "gerado", "N", 21, "U") for n, inv in enumerate(world.ids, 1)]
    assert {(d.issue_date, d.period) for d in docs} == {(today, today.strftime("%y%m"))}
    ana, bruno, carla, delta = docs
    assert (ana.valor_total, ana.bc_icms, ana.icms, ana.isentas, ana.outros) == (
        Decimal("99.90"), Decimal("0.00"), Decimal("0.00"), Decimal("99.90"), Decimal("0.00"))
    assert (carla.valor_total, carla.bc_icms, carla.icms, carla.isentas) == (
        Decimal("1000.00"), Decimal("1000.00"), Decimal("250.00"), Decimal("0.00"))
    assert (ana.dest_document, ana.dest_uf, ana.observation_1) == ("52998224725", "SP", "obs de Ana Souza")
    with unit_of_work(rt.engine, readonly=True) as s:
        (item_ana,) = items_of(s, ana)
        (item_bruno,) = items_of(s, bruno)
        (item_carla,) = items_of(s, carla)
        assert s.get(Invoice, world.ids[0]).total == ana.valor_fatura
        assert pending_invoices(s) == []
    assert (item_ana.cfop, item_ana.classificacao, item_ana.aliquota_icms) == ("5307", "0104", Decimal("0.00"))
    assert item_bruno.cfop == "6307"  # customer in MG, company in SP
    assert (item_carla.codigo_servico, item_carla.aliquota_icms, item_carla.pis, item_carla.cofins) == (
        "SCM01", Decimal("25.00"), Decimal("6.50"), Decimal("30.00"))
    assert all(len(d.md5) == 32 for d in docs) and len({d.md5 for d in docs}) == 4
    again = run_action(rt, GENERATE, world.ids[:1], {"confirmed": True}, world.admin)
    assert again.done == [] and [b.message for b in again.refused[world.ids[0]]] == [
        f"A fatura {world.numbers[world.ids[0]]} já possui documentos fiscais gerados."]


def test_document_md5_is_the_period_file_mestre_campo_13(rt, world):
    from core.models.company import Company
    from plugins.fiscal_nf2122.period_files import generate_period

    run_action(rt, GENERATE, world.ids, {"confirmed": True}, world.admin)
    docs = documents(rt)
    with unit_of_work(rt.engine) as s:
        _delivery, files = generate_period(s, s.get(Company, world.company_id), docs[0].period, model=21, serie="U")
    mestre = next(f for f in files if f.type == "M").data.decode("latin-1").split("\r\n")[:-1]
    assert [line[103:135] for line in mestre] == [d.md5 for d in docs]
    assert [int(line[94:103]) for line in mestre] == [1, 2, 3, 4]


def test_blockers_on_receivables_invoices(rt, world):
    with unit_of_work(rt.engine) as s:
        s.add(Reason(kind="exclusao_fatura", code="DUP", description="Fatura duplicada"))
        request_generation(s, s.get(Invoice, world.ids[0]), settings_of(rt))
    run_action(rt, GENERATE, world.ids[1:2], {"confirmed": True}, world.admin)
    pending_id, generated_id, free_id = world.ids[:3]
    remove = run_action(rt, "receivables.invoice.remove", [pending_id, generated_id],
                        {"reason": "DUP", "confirmed": True}, world.admin)
    assert remove.done == []
    assert [b.message for b in remove.refused[pending_id]] == [
        "Esta fatura aguarda efetivação de geração de documentos fiscais"]
    assert [b.message for b in remove.refused[generated_id]] == [
        f"A fatura {world.numbers[generated_id]} já possui documentos fiscais gerados."]
    alter = run_action(rt, "receivables.invoice.alter", [generated_id, free_id],
                       {"justification": "pedido", "what": "valor", "new_total": "80.00"}, world.admin)
    assert alter.done == [free_id] and list(alter.refused) == [generated_id]
    description = run_action(rt, "receivables.invoice.alter", [generated_id],
                             {"justification": "pedido", "what": "descricao", "description": "Nova"}, world.admin)
    assert description.done == [generated_id]
    # the pending one is generated by the same action (efetivação) and keeps the next number
    run_action(rt, GENERATE, [pending_id], {"confirmed": True}, world.admin)
    assert [(d.invoice_id, d.number, d.status) for d in documents(rt)] == [
        (pending_id, 2, "gerado"), (generated_id, 1, "gerado")]


def test_numbering_restarts_only_after_999999999_and_dates_keep_order(rt, world):
    with unit_of_work(rt.engine) as s:
        settings = settings_of(rt)
        from plugins.fiscal_nf2122.documents import generate

        first = generate(s, s.get(Invoice, world.ids[0]), settings, issue_date=date(2026, 11, 20))
        s.execute(update(NumberCounter).where(NumberCounter.kind == KIND, NumberCounter.series == series_key(21, "U"))
                  .values(last_value=999_999_998))
        last = generate(s, s.get(Invoice, world.ids[1]), settings, issue_date=date(2026, 11, 21))
        wrapped = generate(s, s.get(Invoice, world.ids[2]), settings, issue_date=date(2026, 11, 21))
        assert (first.number, last.number, wrapped.number) == (1, 999_999_999, 1)
    with pytest.raises(ValidationError, match="anterior à do último documento da série"):
        with unit_of_work(rt.engine) as s:
            generate(s, s.get(Invoice, world.ids[3]), settings, issue_date=date(2026, 11, 20))
    assert len(documents(rt)) == 3  # nothing of the refused one
