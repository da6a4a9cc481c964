"""Aprovação de faturas a pagar (`approval.py`) through the kernel actions "Aprovar fatura" /
"Remover aprovação": permission, who/when kept and audited, refusals, and the round trip with the
write-off under `require_approval` (unapproved ⇒ refused; approved ⇒ paid; paid ⇒ approval can't be
removed; approved ⇒ can't be altered or deleted)."""

from __future__ import annotations

from sqlalchemy import select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import PermissionDenied
from core.models.audit import AuditEntry
from plugins.payables.approval import APPROVE, UNAPPROVE
from plugins.payables.delete import DELETE
from plugins.payables.installment_actions import ALTER, REVERSE, WRITE_OFF
from plugins.payables.models import PayableInvoice
from plugins.payables.tests.payables_world import assert_books
from plugins.payables.tests.payables_writeoff_world import inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import NOT_APPROVED_ALERT
from tests.browser.uisupport import add_user


def _ids(rt, ww) -> list[int]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return [inst(s, c).id for c in ww.codes]


def _user(rt, user_id):
    from core.auth import load_grants
    from core.models.users import User

    with unit_of_work(rt.engine, readonly=True) as s:
        user = s.get(User, user_id)
        load_grants(user)
        s.expunge(user)
        return user


def _messages(result, rid) -> list[str]:
    return [b.message for b in result.refused.get(rid, [])]


def test_payables_approval_round_trip_with_write_off(make):
    rt = make(require_approval=True)
    ww = seed_writeoff(rt.engine, rt)
    ids = _ids(rt, ww)
    user = ww.w.admin

    # not approved: the write-off is refused with the manual's alert, nothing written
    refused = run_action(rt, WRITE_OFF, [ids[0]], {"paid_on": "05/12/2026"}, user)
    assert refused.done == [] and _messages(refused, ids[0])[0].startswith(NOT_APPROVED_ALERT)
    # removing an approval that does not exist is refused
    nothing = run_action(rt, UNAPPROVE, [ids[0]], {}, user)
    assert nothing.done == [] and "não está aprovada" in _messages(nothing, ids[0])[0]

    # two installments of the same launch: approved once (one audit of the service)
    done = run_action(rt, APPROVE, ids[:2], {}, user)
    assert done.done == ids[:2], done.as_dict()
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = invoice(s, ww)
        assert inv.approved_at is not None and inv.approved_by == user.id
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).all()
        assert [(a.target_kind, a.target_id, a.user_id) for a in audits] == [("payables.invoice", inv.id, user.id)]
        assert audits[0].before["approved_at"] is None and audits[0].after["approved_by"] == user.id
    # approving again: refused, saying by whom
    again = preview_action(rt, APPROVE, [ids[2]], {}, user)
    assert again.done == [] and "já foi aprovada em " in _messages(again, ids[2])[0]
    assert "por gerente" in _messages(again, ids[2])[0]

    # approved: alteration and exclusion are refused ("Bloqueia faturas aprovadas") ...
    alter = run_action(rt, ALTER, [ids[2]], {"observacao": "Boleto novo"}, user)
    assert alter.done == [] and "Faturas aprovadas não podem ser alteradas" in _messages(alter, ids[2])[0]
    delete = run_action(rt, DELETE, [ids[2]], {"deletion_reason": "Duplicada", "confirmed": "1"}, user)
    assert delete.done == []
    assert "Faturas aprovadas não podem ser alteradas ou excluídas" in _messages(delete, ids[2])[0]
    # ... and the write-off goes through
    paid = run_action(rt, WRITE_OFF, [ids[0]], {"paid_on": "05/12/2026"}, user)
    assert paid.done == [ids[0]], paid.as_dict()

    # a write-off in force: the approval can't be removed
    blocked = run_action(rt, UNAPPROVE, [ids[1]], {"removal_reason": "Conferir"}, user)
    assert blocked.done == []
    assert _messages(blocked, ids[1]) == [f"A fatura {ww.codes[0]} do lançamento 1 tem baixa: estorne a baixa antes de "
                                          "remover a aprovação."]
    # reversed: now it can, with the reason in the audit; the installment can no longer be paid
    assert run_action(rt, REVERSE, [ids[0]], {"reversal_reason": "Errado", "on": "06/12/2026"}, user).done == [ids[0]]
    removed = run_action(rt, UNAPPROVE, [ids[1]], {"removal_reason": "Valor a conferir"}, user)
    assert removed.done == [ids[1]], removed.as_dict()
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = invoice(s, ww)
        assert (inv.approved_at, inv.approved_by) == (None, None)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "unapprove")).one()
        assert audit.reason == "Valor a conferir" and audit.before["approved_by"] == user.id
        assert audit.after["approved_at"] is None
        assert_books(s, ww.w)
    again = run_action(rt, WRITE_OFF, [ids[0]], {"paid_on": "07/12/2026"}, user)
    assert again.done == [] and _messages(again, ids[0])[0].startswith(NOT_APPROVED_ALERT)


def test_payables_approval_permission_and_deleted_invoice(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    ids = _ids(rt, ww)
    clerk = _user(rt, add_user(rt.engine, "baixador", permissions=["payables.invoice.write_off"]))
    approver = _user(rt, add_user(rt.engine, "aprovador", permissions=["payables.invoice.approve"]))
    try:
        run_action(rt, APPROVE, [ids[0]], {}, clerk)
    except PermissionDenied as exc:
        assert "Aprovar fatura" in str(exc)
    else:
        raise AssertionError("aprovação sem permissão aceita")
    assert run_action(rt, APPROVE, [ids[0]], {}, approver).done == [ids[0]]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert invoice(s, ww).approved_by == approver.id
    # without require_approval an approved invoice may still be altered; an excluded one can't be approved
    assert run_action(rt, UNAPPROVE, [ids[0]], {}, approver).done == [ids[0]]
    assert run_action(rt, DELETE, [ids[0]], {"deletion_reason": "Duplicada", "confirmed": "1"},
                      ww.w.admin).done == [ids[0]]
    excluded = run_action(rt, APPROVE, [ids[1]], {}, approver)
    assert excluded.done == [] and _messages(excluded, ids[1]) == [f"A fatura {ww.codes[1]} foi excluída: não pode "
                                                                   "ser aprovada."]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(PayableInvoice, ww.invoice_id).approved_at is None
