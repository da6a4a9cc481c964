"""Payables' estorno of a reconciled write-off (hook `before_payable_reverse`, `hooks/payables.py`), on a
real runtime (SQLite or PostgreSQL): the manual's "Regras exclusivas para estorno de faturas" as for
receivables — refused without the permission "Conciliação Bancária" and for batches, otherwise the
statement line becomes "Não conciliado" in the reversal's unit of work —; the reconciler's own reversals
(unreconcile, a divergent write-off made again) are not refused by it; payables alone reverses as before."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.auth import create_user, ensure_role
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.audit import AuditEntry
from core.runtime import bootstrap
from plugins.reconciliation.from_line import BATCH_REVERSAL_REFUSED, PERMISSION_REVERSAL_REFUSED
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.payables_reconcile import reconcile_payable
from plugins.reconciliation.reconcile import unreconcile
from plugins.reconciliation.reconcile_models import Reconciliation, ReconciliationItem
from plugins.reconciliation.tests.from_line_world import books_balanced, prt, seed_from_line  # noqa: F401
from plugins.reconciliation.tests.reconcile_world import D, SETTINGS, import_lines
from plugins.reconciliation.tests.test_reconciliation_payables_service import (inst_of, launch, status,
                                                                               write_off_outside, writeoffs)
from tests.conftest import make_config
from tests.worldkit import runtime_maker

DAY = date(2026, 12, 10)


def _user(rt, username, permissions) -> int:
    with unit_of_work(rt.engine) as s:
        ensure_role(s, f"papel_{username}", username, list(permissions))
        return create_user(s, username, "senha-muito-forte-1", roles=[f"papel_{username}"]).id


def rec_of(line_id: int) -> int | None:
    with unit_of_work(readonly=True) as s:
        return s.get(StatementLine, line_id).reconciliation_id


def reverse(rt, code: int, user_id: int | None, reason: str = "Pago em duplicidade"):
    from core.models.users import User
    from plugins.payables.reversal import reverse_writeoff

    with unit_of_work() as s:
        user = s.get(User, user_id) if user_id else None
        return reverse_writeoff(s, inst_of(s, code), reason=reason, on=DAY, user=user, runtime=rt).id


def reconciled_outside(rt, fw, total: str = "250,00") -> tuple[int, int, int]:
    """A fatura a pagar written off in Contas a Pagar and reconciled with a debit line: (code, line, rec)."""
    (code,) = launch(fw, total)
    wo_id = write_off_outside(rt, fw, code, DAY)
    (lid,) = import_lines(fw.w, ("-" + total, "20261210", "PAGTO BOLETO"))
    with unit_of_work() as s:
        rec_id = reconcile_payable(s, lid, inst_of(s, code).id, writeoff_id=wo_id, runtime=rt).id
    return code, lid, rec_id


def test_hook_before_payable_reverse(prt):
    """Refused without the permission, refused for a batch, otherwise the line is freed (audited) and the
    installment is open again — all in the reversal's unit of work."""
    fw = seed_from_line(payables=True)
    code, lid, rec_id = reconciled_outside(prt, fw)
    clerk = _user(prt, "pagador", ["payables.invoice.reverse"])
    boss = _user(prt, "gerente", ["payables.invoice.reverse", "reconciliation.reconcile"])
    with pytest.raises(ValidationError) as refused:
        reverse(prt, code, clerk)
    assert str(refused.value) == PERMISSION_REVERSAL_REFUSED.format(n=f"a pagar {code}")
    assert str(refused.value).startswith(f"A fatura a pagar {code} foi baixada e conciliada pelo Conciliador")
    assert status(code) == "liquidada" and rec_of(lid) == rec_id
    assert [r[2] for r in writeoffs(code)] == [False]  # nothing written

    with unit_of_work() as s:  # a second item in the same reconciliation: a batch, nobody may reverse it
        rec = s.get(Reconciliation, rec_id)
        s.add(ReconciliationItem(reconciliation_id=rec.id, amount=D("-1.00"), payable_installment_id=999999))
    with pytest.raises(ValidationError) as refused:
        reverse(prt, code, boss)
    assert str(refused.value) == BATCH_REVERSAL_REFUSED.format(n=f"a pagar {code}")
    assert "faturas conciliadas em lote não podem ser estornadas" in str(refused.value)
    with pytest.raises(ValidationError, match="em lote"):
        reverse(prt, code, None)  # not even the system (CLI)
    assert status(code) == "liquidada" and rec_of(lid) == rec_id
    with unit_of_work() as s:
        s.execute(ReconciliationItem.__table__.delete().where(ReconciliationItem.payable_installment_id == 999999))

    reverse(prt, code, boss)
    assert status(code) == "em_aberto" and rec_of(lid) is None
    assert [r[2] for r in writeoffs(code)] == [True]
    with unit_of_work(readonly=True) as s:
        assert s.get(Reconciliation, rec_id).undone_at is not None
        log = s.scalars(select(AuditEntry).where(AuditEntry.action == "reconciliation.unreconcile")).all()
        assert [a.after["reason"] for a in log] == [f"estorno da baixa da fatura a pagar {code} no contas a pagar"]
        assert log[0].after["line_ids"] == [lid]
    assert books_balanced()
    with unit_of_work() as s:  # the freed line can be reconciled again (the installment is open: written off anew)
        reconcile_payable(s, lid, inst_of(s, code).id, runtime=prt)
    assert status(code) == "liquidada" and rec_of(lid) is not None


def test_system_user_reverses_a_single_reconciled_writeoff_and_frees_the_line(prt):
    """Without a user (CLI / system) only the batch rule applies, as for receivables."""
    fw = seed_from_line(payables=True)
    code, lid, _rec = reconciled_outside(prt, fw, "80,00")
    reverse(prt, code, None)
    assert status(code) == "em_aberto" and rec_of(lid) is None and books_balanced()


def test_unreconcile_of_the_reconcilers_writeoff_still_reverses_it(prt):
    """The reconciler's own reversal (unreconcile reverses the write-off it made) goes through the hook
    without refusal nor recursion, even for a user without the reverse permission of payables."""
    from core.ledger.models import Account
    from core.models.users import User
    from plugins.reconciliation.matching import reconcile_automatic

    fw = seed_from_line(payables=True)
    (code,) = launch(fw, "250,00")
    (lid,) = import_lines(fw.w, ("-250,00", "20261210", "PAGTO BOLETO"))
    with unit_of_work() as s:
        reconcile_automatic(s, s.get(Account, fw.w.bank_id), runtime=prt)
    assert status(code) == "liquidada" and rec_of(lid) is not None
    reconciler = _user(prt, "conciliador", ["reconciliation.reconcile"])
    with unit_of_work() as s:
        report = unreconcile(s, lid, runtime=prt, user=s.get(User, reconciler))
    assert report.reopened_payables == [code]
    assert status(code) == "em_aberto" and rec_of(lid) is None
    ((_on, _paid, reversed_, reason),) = writeoffs(code)
    assert reversed_ and reason.startswith("Desconciliação: ")
    assert books_balanced()


def test_divergent_writeoff_is_reversed_and_made_again_by_the_reconciler(prt):
    """Reconciling a write-off of another date reverses it (not reconciled yet: the hook lets it through)."""
    fw = seed_from_line(payables=True)
    (code,) = launch(fw, "120,00")
    write_off_outside(prt, fw, code, date(2026, 12, 8))
    (lid,) = import_lines(fw.w, ("-120,00", "20261210", "PAGTO"))
    with unit_of_work() as s:
        reconcile_payable(s, lid, inst_of(s, code).id, runtime=prt)
    assert [(r[0], r[2]) for r in writeoffs(code)] == [(date(2026, 12, 8), True), (DAY, False)]
    with unit_of_work() as s:  # unreconcile: the reconciler's write-off reversed, the old one made again
        report = unreconcile(s, lid, runtime=prt)
    assert report.restored_payables == [code] and status(code) == "liquidada" and rec_of(lid) is None
    assert books_balanced()


def test_reverse_action_shows_the_refusal_before_running(prt):
    """The "Estornar baixa" dialog of payables lists the refusal as a blocker (`action_blockers`)."""
    from core.actions import collect_blockers
    from core.models.users import User
    from plugins.payables.installment_actions import ACTIONS, REVERSE, ReverseParams

    fw = seed_from_line(payables=True)
    code, _lid, _rec = reconciled_outside(prt, fw)
    (free_code,) = launch(fw, "30,00")
    write_off_outside(prt, fw, free_code, DAY)  # written off, not reconciled: no blocker
    clerk = _user(prt, "pagador", ["payables.invoice.reverse"])
    action = next(a for a in ACTIONS if a.name == REVERSE)
    with unit_of_work(readonly=True) as s:
        reconciled, free = inst_of(s, code), inst_of(s, free_code)
        found = collect_blockers(prt, s, action, [reconciled, free], ReverseParams(reversal_reason="x"),
                                 s.get(User, clerk))
        assert [b.message for b in found.get(reconciled.id, [])] == [
            PERMISSION_REVERSAL_REFUSED.format(n=f"a pagar {code}")]
        assert not found.get(free.id)


@pytest.fixture
def payables_only(database_url):
    """payables without the reconciler: nobody implements `before_payable_reverse`."""
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=["receivables", "payables"], plugin_settings=SETTINGS))


def test_payables_alone_reverses_as_before(payables_only):
    rt = payables_only
    assert rt.hook.before_payable_reverse.get_hookimpls() == []
    fw = seed_from_line(payables=True)
    (code,) = launch(fw, "99,90")
    write_off_outside(rt, fw, code, DAY)
    reverse(rt, code, None, reason="Pago em duplicidade")
    assert status(code) == "em_aberto"
    assert [(r[1], r[2], r[3]) for r in writeoffs(code)] == [(D("99.90"), True, "Pago em duplicidade")]
    assert books_balanced()
