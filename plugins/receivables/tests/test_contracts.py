"""Contract transitions, refusals (pt-BR), re-planning and the kernel actions."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.actions import run_action
from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.reasons import Reason
from plugins.receivables import contracts as svc
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Charge, Contract, ContractSuspension


def _one(factory, **kw):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        c = f.contract(f.party("Ana"), company, plan, rule, **kw)
        return c.id


def _get(s, cid):
    return s.get(Contract, cid)


def test_create_contract_awaits_activation_then_activation_generates_prorata_charge(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule, party = f.company(), f.plan(), f.due_rule(), f.party("Ana")
        c = svc.create_contract(s, {"party_id": party.id, "company_id": company.id, "plan_id": plan.id,
                                    "due_rule_id": rule.id, "wallet": "cobranca"})
        assert c.status == "aguardando_ativacao"
        cid = c.id
    with unit_of_work() as s:
        assert svc.activate(s, _get(s, cid), date(2026, 11, 16)) == 1
    with unit_of_work() as s:
        charge = s.scalars(select(Charge).where(Charge.contract_id == cid)).one()
        assert (charge.amount, charge.competence, charge.due_date) == (
            Decimal("49.95"), date(2026, 11, 1), date(2026, 12, 10))
        assert "proporcional 15/30 dias" in charge.description
        with pytest.raises(ValidationError, match=f"O contrato {cid} não está aguardando ativação."):
            svc.activate(s, _get(s, cid), date(2026, 11, 20))
    # The billing run of November finds the charge already there.
    summary = run_billing(runtime, "2026-11")
    assert summary["charges_created"] == 0 and summary["already_billed"] == 1 and summary["invoices_created"] == 1


def test_suspend_and_cancel_suspension_with_refusals(runtime, factory):
    cid = _one(factory)
    with unit_of_work() as s:
        c = _get(s, cid)
        with pytest.raises(ValidationError, match=f"O contrato {cid} não está suspenso."):
            svc.cancel_suspension(s, c, date(2026, 12, 20))
        svc.suspend(s, c, date(2026, 12, 10), reason_text="INAD — Inadimplência")
        assert (c.status, c.suspended_on) == ("suspenso", date(2026, 12, 10))
        with pytest.raises(ValidationError, match=f"O contrato {cid} já está suspenso."):
            svc.suspend(s, c, date(2026, 12, 11))
    with unit_of_work() as s:
        svc.cancel_suspension(s, _get(s, cid), date(2026, 12, 20))
        assert _get(s, cid).status == "ativo"
        period = s.scalars(select(ContractSuspension)).one()
        assert (period.starts_on, period.ends_on) == (date(2026, 12, 10), date(2026, 12, 20))
    run_billing(runtime, "2026-12")
    with unit_of_work(readonly=True) as s:
        # 31 − 10 suspended days = 21 ⇒ 21/31 × 99,90 = 67,674… ⇒ 67,67
        assert s.scalar(select(Charge.amount).where(Charge.contract_id == cid)) == Decimal("67.67")


def test_retention_queue_retain_or_cancel(runtime, factory):
    cid = _one(factory)
    with unit_of_work() as s:
        c = _get(s, cid)
        with pytest.raises(ValidationError, match="não está no gerenciador de cancelamentos"):
            svc.retain(s, c)
        svc.request_cancellation(s, c)
        with pytest.raises(ValidationError, match=f"O cancelamento do contrato {cid} já foi solicitado."):
            svc.request_cancellation(s, c)
        assert [x.id for x in svc.retention_queue(s)] == [cid]
        svc.retain(s, c)
        assert svc.retention_queue(s) == [] and c.status == "ativo"
        svc.request_cancellation(s, c)
        svc.cancel(s, c, date(2026, 12, 11), reason_text="MUD — Mudança de endereço")
        assert (c.status, c.cancelled_on, c.cancellation_requested) == ("cancelado", date(2026, 12, 11), False)
        for fn, args in ((svc.suspend, (date(2026, 12, 12),)), (svc.request_cancellation, ()),
                         (svc.cancel, (date(2026, 12, 12),)), (svc.change_plan, (1,))):
            with pytest.raises(ValidationError, match=f"O contrato {cid} (está|já está) cancelado"):
                fn(s, c, *args)


def test_cancel_and_change_plan_replan_future_unbilled_charges(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        better = f.plan(code="F600", price="149.90", name="Fibra 600 Mega")
        rule20 = f.due_rule(code="D20", due_day=20)
        c = f.contract(f.party("Ana"), company, plan, rule, status="aguardando_ativacao", activated_on=None)
        cid, better_id, rule20_id = c.id, better.id, rule20.id
    with unit_of_work() as s:
        svc.activate(s, _get(s, cid), date(2026, 12, 1))
    with unit_of_work() as s:
        assert svc.change_plan(s, _get(s, cid), better_id, from_competence=date(2026, 12, 1)) == 1
        assert svc.change_due_rule(s, _get(s, cid), rule20_id, from_competence=date(2026, 12, 1)) == 1
        ch = s.scalars(select(Charge).where(Charge.contract_id == cid)).one()
        assert (ch.amount, ch.due_date) == (Decimal("149.90"), date(2027, 1, 20))
    with unit_of_work() as s:
        svc.cancel(s, _get(s, cid), date(2026, 12, 11))
        ch = s.scalars(select(Charge).where(Charge.contract_id == cid)).one()
        assert ch.amount == Decimal("48.35")  # 10/31 × 149,90 = 48,354…
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="Plano de acesso inexistente"):
            svc.change_plan(s, s.get(Contract, _one_more(s, factory)), 9999)


def _one_more(s, factory):
    f = factory(s)
    c = f.contract(f.party("Bia"), f.company(code="2", cnpj="11444777000161"), f.plan(code="X"), f.due_rule(code="X"))
    return c.id


def test_actions_run_in_bulk_with_blockers_and_reasons(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        active = f.contract(f.party("Ana"), company, plan, rule)
        waiting = f.contract(f.party("Bia"), company, plan, rule, status="aguardando_ativacao", activated_on=None)
        s.add(Reason(kind="suspensao_contrato", code="INAD", description="Inadimplência"))
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        ids = [active.id, waiting.id]
    result = run_action(runtime, "receivables.contract.suspend", ids,
                        {"on": "10/12/2026", "reason": "INAD", "confirmed": True}, admin)
    assert result.done == [ids[0]]
    assert [b.message for b in result.refused[ids[1]]] == [f"O contrato {ids[1]} aguarda ativação."]
    with pytest.raises(ValidationError, match="Informe o motivo"):
        run_action(runtime, "receivables.contract.suspend", ids, {"on": "2026-12-10", "confirmed": True}, admin)
    result = run_action(runtime, "receivables.contract.activate", ids, {"activated_on": "2026-12-16"}, admin)
    assert result.done == [ids[1]]
    assert result.refused[ids[0]][0].message == f"O contrato {ids[0]} não está aguardando ativação."
    with unit_of_work(readonly=True) as s:
        assert s.get(Contract, ids[0]).suspension_reason == "INAD — Inadimplência"
        assert s.get(Contract, ids[1]).status == "ativo"
        assert s.scalar(select(Charge.amount).where(Charge.contract_id == ids[1])) == Decimal("51.56")


def test_reason_kinds_and_permissions_registered(runtime):
    assert {"suspensao_contrato", "cancelamento_contrato"} <= set(runtime.registry.reason_kinds)
    assert "receivables.contract.manage" in runtime.registry.permissions
    assert "receivables.contract.cancel" in runtime.registry.actions
