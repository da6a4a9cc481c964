"""Cancelar × anular (manual "Painel do Cliente", fiscal.md §4) through the kernel actions, and the
period files built from the stored documents: annulling the last note makes the next note take its
number again; only the last one, not delivered, not in a generated period file; cancelling keeps
the number (situação S in the files) and the substitute is R with campo 34 pointing to it; the
generated file set passes the validator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.actions import run_action
from core.db import unit_of_work
from core.models.audit import AuditEntry
from core.models.company import Company
from plugins.fiscal_nf2122.cancel import cancel_problem
from plugins.fiscal_nf2122.conv115.check import check_files
from plugins.fiscal_nf2122.documents import mark_delivered, pending_invoices
from plugins.fiscal_nf2122.models import FiscalDocument, FiscalPeriodFile, FiscalPeriodFilePart
from plugins.fiscal_nf2122.period_files import generate_period
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)

GENERATE, CANCEL, ANNUL = "fiscal_nf2122.invoice.generate", "fiscal_nf2122.document.cancel", "fiscal_nf2122.document.annul"


@pytest.fixture
def world(rt):
    w = seed(rt)
    assert len(run_action(rt, GENERATE, w.ids, {"confirmed": True}, w.admin).done) == 4
    return w


def _messages(result, rid) -> list[str]:
    return [b.message for b in result.refused[rid]]


def test_annul_only_the_last_and_the_next_note_takes_its_number(rt, world):
    d1, d2, d3, d4 = documents(rt)
    refused = run_action(rt, ANNUL, [d3.id], {"motivo": "erro", "confirmed": True}, world.admin)
    assert _messages(refused, d3.id) == [
        "Somente a última nota da série pode ser anulada: NF 21 série U nº 3 não é a última (última: 4)."]
    done = run_action(rt, ANNUL, [d4.id], {"motivo": "valor errado", "confirmed": True}, world.admin)
    assert done.done == [d4.id]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(FiscalDocument, d4.id).status == "anulado"
        assert [i.id for i in pending_invoices(s)] == [world.ids[3]]
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == ANNUL, AuditEntry.target_id == d4.id))
        assert audit.changes["status"] == ["gerado", "anulado"]
    run_action(rt, GENERATE, [world.ids[3]], {"confirmed": True}, world.admin)
    again = documents(rt)[-1]
    assert (again.invoice_id, again.number, again.status, again.situacao) == (world.ids[3], 4, "gerado", "N")
    with unit_of_work(rt.engine) as s:
        mark_delivered(s, s.get(FiscalDocument, again.id))
    delivered = run_action(rt, ANNUL, [again.id], {"motivo": "erro", "confirmed": True}, world.admin)
    assert _messages(delivered, again.id) == [
        "NF 21 série U nº 4 já foi entregue ao cliente; cancele o documento em vez de anular."]
    twice = run_action(rt, ANNUL, [d4.id], {"motivo": "erro", "confirmed": True}, world.admin)
    assert _messages(twice, d4.id) == ["NF 21 série U nº 4 está anulado."]


def test_cancel_keeps_the_number_substitute_is_R_and_the_period_files_validate(rt, world):
    d1, d2, d3, d4 = documents(rt)
    sub = run_action(rt, CANCEL, [d2.id], {"motivo": "CPF errado", "substituir": True, "confirmed": True},
                     world.admin)
    assert sub.done == [d2.id]
    run_action(rt, CANCEL, [d3.id], {"motivo": "serviço não prestado", "confirmed": True}, world.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [i.id for i in pending_invoices(s)] == [world.ids[2]]  # cancelled without substitute
    run_action(rt, GENERATE, [world.ids[2]], {"confirmed": True}, world.admin)
    docs = documents(rt)
    assert [(d.number, d.status, d.situacao) for d in docs] == [
        (1, "gerado", "N"), (2, "cancelado", "S"), (3, "cancelado", "S"), (4, "gerado", "N"),
        (5, "gerado", "R"), (6, "gerado", "R")]
    day = d2.issue_date.strftime("%Y%m%d")
    assert (docs[4].replaces_id, docs[4].reference) == (d2.id, f"{d2.period}_21_U_000000002_{day}")
    assert docs[5].reference == f"{d3.period}_21_U_000000003_{day}"
    assert (docs[1].closed_reason, docs[4].invoice_id) == ("CPF errado", world.ids[1])

    with unit_of_work(rt.engine) as s:
        delivery, files = generate_period(s, s.get(Company, world.company_id), d1.period, model=21, serie="U",
                                          user="op")
    assert (delivery.status, delivery.sequencia, delivery.documents) == ("N", 1, 6)
    assert [f.type for f in files] == ["M", "I", "D", "C"] and files[0].name.endswith(f"{d1.period}N01M.001")
    reports = [r.as_dict() for r in check_files([(f.name, f.data) for f in files])]
    assert [(r["errors"], r["warnings"]) for r in reports] == [([], [])] * 4
    mestre = files[0].data.decode("latin-1").split("\r\n")[:-1]
    assert [line[195] for line in mestre] == ["N", "S", "S", "N", "R", "R"]
    assert mestre[4][358:388] == f"{d2.period}_21_U_000000002_{day}  "  # manual example: série unpadded
    with unit_of_work(rt.engine, readonly=True) as s:
        parts = list(s.scalars(select(FiscalPeriodFilePart).order_by(FiscalPeriodFilePart.id)))
        assert [(p.name, p.data, len(p.md5)) for p in parts] == [(f.name, f.data, 32) for f in files]
        assert {d.period_file_id for d in s.scalars(select(FiscalDocument))} == {delivery.id}
        assert s.get(FiscalPeriodFile, delivery.id).created_by == "op"

    in_file = run_action(rt, ANNUL, [docs[5].id], {"motivo": "erro", "confirmed": True}, world.admin)
    assert _messages(in_file, docs[5].id) == [
        "NF 21 série U nº 6 já está em um arquivo do Convênio 115 gerado; cancele o documento em vez de anular."]
    with pytest.raises(Exception, match="já tem arquivo gerado; gere uma entrega substituta"):
        with unit_of_work(rt.engine) as s:
            generate_period(s, s.get(Company, world.company_id), d1.period, model=21, serie="U")
    with unit_of_work(rt.engine) as s:
        substitute, files2 = generate_period(s, s.get(Company, world.company_id), d1.period, model=21, serie="U",
                                             substitute=True)
    assert (substitute.status, substitute.sequencia) == ("S", 1) and files2[0].name.endswith(f"{d1.period}S01M.001")


def test_cancel_only_within_the_period(rt, world):
    d1 = documents(rt)[0]
    next_month = d1.issue_date.replace(day=28) + timedelta(days=5)
    from plugins.fiscal_nf2122.tests.fiscal_docs_world import at

    assert cancel_problem(d1, at(next_month)) == (
        f"NF 21 série U nº 1 é do período de apuração {d1.period} (AAMM); só pode ser cancelado dentro do próprio "
        "período.")
    assert cancel_problem(d1, at(d1.issue_date)) is None
