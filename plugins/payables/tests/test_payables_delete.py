"""Excluir Pagamento: reason required, only open launches, the entry reversed (on the launch date or,
when it is protected, on the date given), audit; and the append-only annotations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.audit import history
from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from core.models.reasons import Reason
from plugins.payables.alter import INTEGRATED_ALERT
from plugins.payables.annotations import add_annotation, annotations_of
from plugins.payables.delete import REASON_KIND, delete_invoice
from plugins.payables.models import PayableAnnotation
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_world import EMISSION, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off
from tests.worldkit import entry_lines

ON = date(2026, 12, 1)


@pytest.fixture
def rt(make):
    return make()


def _delete(rt, code, user=None, **kw):
    with unit_of_work(rt.engine) as s:
        return delete_invoice(s, inst(s, code), **{"reason": "Lançada em duplicidade", **kw}, runtime=rt, user=user).id


def test_delete_reverses_the_launch_entry_and_excludes_every_installment(rt):
    ww = seed_writeoff(rt.engine, rt)
    with pytest.raises(ValidationError) as exc:
        _delete(rt, 2, reason="  ")
    assert (str(exc.value), exc.value.field) == ("Informe o motivo da exclusão.", "reason")
    _delete(rt, 2, user=ww.w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = invoice(s, ww)
        assert inv.status == "excluida" and [p.status for p in inv.parcels] == ["excluida"] * 3
        assert (inv.deletion_reason, inv.deleted_by) == ("Lançada em duplicidade", ww.w.admin.id)
        rev = s.get(JournalEntry, inv.deletion_entry_id)
        assert (rev.reversal_of_id, rev.date) == (inv.entry_id, EMISSION)
        assert entry_lines(s, rev.id) == [(c, cr, d) for c, d, cr in entry_lines(s, inv.entry_id)]
        assert_books(s, ww.w)  # supplier account back to zero: no open installment left
        audit = history(s, "payables.invoice", inv.id)[0]
        assert (audit.action, audit.reason) == ("delete", "Lançada em duplicidade")
    with pytest.raises(ValidationError, match="excluída"):
        _delete(rt, 1)


def test_protected_launch_is_reversed_on_the_given_date(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        s.get(Company, ww.w.company_id).protect_before = date(2026, 11, 30)
    with pytest.raises(ValidationError) as exc:
        _delete(rt, 1, on=date(2026, 11, 10))
    assert exc.value.field == "on" and "protegidos" in str(exc.value)
    _delete(rt, 1, on=ON)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(JournalEntry, invoice(s, ww).deletion_entry_id).date == ON
        assert_books(s, ww.w)


def test_written_off_invoices_cannot_be_deleted_until_reversed(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 3), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
    with pytest.raises(ValidationError) as exc:
        _delete(rt, 1)
    assert str(exc.value) == ('A fatura 1 está parcialmente liquidada: somente faturas com o status "Em aberto" '
                              'podem ser excluídas.')
    with unit_of_work(rt.engine) as s:
        reverse_writeoff(s, inst(s, 3), reason="Pago errado", on=PAID_ON)
    _delete(rt, 3)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert invoice(s, ww).status == "excluida"
        assert_books(s, ww.w)


def test_reason_from_the_registered_motivos_and_integrated_invoices(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        s.add(Reason(kind=REASON_KIND, code="DUP", description="Duplicidade", requires_justification=True, active=True))
        invoice(s, ww).integrated_from = "Entrada de compras 77"
        clerk = create_user(s, "joana", "senha-muito-forte-2")
    with pytest.raises(ValidationError, match="não encontrado"):
        _delete(rt, 1, reason_code="XYZ")
    with pytest.raises(ValidationError, match="exige uma justificativa"):
        _delete(rt, 1, reason=None, reason_code="DUP")
    with pytest.raises(ValidationError, match=INTEGRATED_ALERT.split(":")[0][:40]):
        _delete(rt, 1, user=clerk, reason_code="DUP")
    _delete(rt, 1, user=ww.w.admin, reason="nota repetida", reason_code="DUP")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert invoice(s, ww).deletion_reason == "DUP — Duplicidade: nota repetida"
        assert invoice(s, ww).deletion_reason_id is not None


def test_annotations_are_append_only_alphanumeric_and_up_to_50(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        add_annotation(s, inst(s, 1), "Conferido com o pedido 77", user=ww.w.admin)
        add_annotation(s, inst(s, 2), "  Ligação à Cia   Elétrica  ")
    for text, message in (("", "Informe a anotação."), ("x" * 51, "no máximo 50 caracteres (51 informados)"),
                          ("Pago via PIX!", "caracteres especiais não são aceitos (!)"),
                          ("a@b#c", "(# @)")):
        with unit_of_work(rt.engine) as s, pytest.raises(ValidationError) as exc:
            add_annotation(s, inst(s, 1), text)
        assert message in str(exc.value) and exc.value.field == "annotation"
    with unit_of_work(rt.engine) as s:
        add_annotation(s, inst(s, 1), "x" * 50)
    with unit_of_work(rt.engine, readonly=True) as s:
        rows = annotations_of(s, ww.invoice_id)
        assert [r.text for r in rows] == ["Conferido com o pedido 77", "Ligação à Cia Elétrica", "x" * 50]
        assert (rows[0].username, rows[0].user_id, rows[1].username) == ("gerente", ww.w.admin.id, None)
        assert all(r.created_at is not None for r in rows)
    with unit_of_work(rt.engine) as s, pytest.raises(ValidationError, match="não podem ser alteradas nem excluídas"):
        s.scalar(select(PayableAnnotation)).text = "outra coisa"
        s.flush()
    with unit_of_work(rt.engine) as s, pytest.raises(ValidationError, match="não podem ser alteradas nem excluídas"):
        s.delete(s.scalar(select(PayableAnnotation)))
        s.flush()
    with unit_of_work(rt.engine, readonly=True) as s:
        assert len(annotations_of(s, ww.invoice_id)) == 3


def test_kernel_actions_delete_and_annotate(rt):
    from core.actions import run_action
    from plugins.payables.annotations import ANNOTATE
    from plugins.payables.delete import DELETE

    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 3), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
        ids = [inst(s, c).id for c in (1, 2)]
        other = launch_invoice_copy(s, ww, rt)
    refused = run_action(rt, DELETE, ids, {"deletion_reason": "Duplicada", "confirmed": True}, ww.w.admin)
    assert refused.done == [] and sorted(refused.refused) == ids
    assert "somente faturas com o status" in refused.refused[ids[0]][0].message
    result = run_action(rt, DELETE, other, {"deletion_reason": "Duplicada", "confirmed": True}, ww.w.admin)
    assert sorted(result.done) == sorted(other)  # two installments of one launch: excluded once
    result = run_action(rt, ANNOTATE, ids, {"annotation": "Aguardando nota"}, ww.w.admin)
    assert sorted(result.done) == ids
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [a.text for a in annotations_of(s, ww.invoice_id)] == ["Aguardando nota"] * 2
        assert_books(s, ww.w)


def launch_invoice_copy(s, ww, rt) -> list[int]:
    from plugins.payables.launch import launch_invoice

    inv = launch_invoice(s, ww.w.request(document="4599", installments=2, category="Links"), runtime=rt)
    return [p.id for p in inv.parcels]
