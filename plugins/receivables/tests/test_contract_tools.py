"""Contract tools (contract_tools.py, groupings.py): remove the awaiting-activation instruction,
change the payment profile (hook `payment_profile_choices`), general changes with invoice
recreation, groupings in billing, renew installments — services, blockers and kernel actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import preview_action, run_action
from core.auth import create_user
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.audit import AuditEntry
from core.runtime import bootstrap, set_current
from hooks import hookimpl
from plugins.receivables import contract_tools as tools
from plugins.receivables import groupings as grp
from plugins.receivables.billing import run_billing
from plugins.receivables.invoice_log import RemovedInvoice
from plugins.receivables.models import Charge, Contract, Invoice
from tests.conftest import make_config, truncate_all
from tests.pluginkit import plugin_module

D = Decimal


def _admin(rt):
    with unit_of_work(rt.engine) as s:
        return create_user(s, "gerente", "senha-forte-123", is_admin=True)


def _setup(factory, *, status="ativo", activated_on=date(2026, 11, 16), **kw):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        party = f.party("Ana")
        c = f.contract(party, company, plan, rule, status=status,
                       activated_on=activated_on if status != "aguardando_ativacao" else None, **kw)
        return c.id, party.id, company.id


def _refused(result, cid):
    return [b.message for b in result.refused.get(cid, [])]


# --- remove awaiting instruction ----------------------------------------------------------------

def test_remove_awaiting_instruction_activates_without_charges(runtime, factory):
    cid, _p, _c = _setup(factory, status="aguardando_ativacao")
    user = _admin(runtime)
    result = run_action(runtime, "receivables.contract.remove_awaiting", [cid], {"activated_on": "16/11/2026"}, user)
    assert result.done == [cid]
    with unit_of_work(readonly=True) as s:
        c = s.get(Contract, cid)
        assert (c.status, c.activated_on) == ("ativo", date(2026, 11, 16))
        assert s.scalar(select(func.count()).select_from(Charge)) == 0          # no charge generated
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "receivables.contract.remove_awaiting", AuditEntry.target_id == cid)) == 1
    # Second time: the contract is no longer awaiting (blocker in pt-BR).
    again = run_action(runtime, "receivables.contract.remove_awaiting", [cid], {"activated_on": "17/11/2026"}, user)
    assert again.done == [] and _refused(again, cid) == [f"O contrato {cid} não está aguardando ativação."]
    # The billing run bills it from the activation date: 15/30 × 99,90 = 49,95.
    summary = run_billing(runtime, "2026-11")
    assert summary["charges_created"] == 1
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(Charge.amount).where(Charge.contract_id == cid)) == D("49.95")


def test_activate_generates_charges_but_remove_instruction_does_not(runtime, factory):
    from plugins.receivables import contracts

    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        a = f.contract(f.party("A"), company, plan, rule, status="aguardando_ativacao", activated_on=None)
        b = f.contract(f.party("B"), company, plan, rule, status="aguardando_ativacao", activated_on=None)
        assert contracts.activate(s, a, date(2026, 11, 16)) == 1
        tools.remove_awaiting_instruction(s, b, date(2026, 11, 16))
        counts = {cid: s.scalar(select(func.count()).select_from(Charge).where(Charge.contract_id == cid))
                  for cid in (a.id, b.id)}
        assert counts == {a.id: 1, b.id: 0}
        with pytest.raises(ValidationError, match=f"O contrato {b.id} não está aguardando ativação."):
            tools.remove_awaiting_instruction(s, b, date(2026, 11, 20))


# --- payment profile ----------------------------------------------------------------------------

def _profiles_plugin(calls: list):
    @hookimpl
    def payment_profile_choices(session, company_id):
        calls.append(company_id)
        return [(7, "Itaú 109 — ag. 1234"), (9, "Bradesco 09 — ag. 0001")]

    return plugin_module("perfis_teste", payment_profile_choices=payment_profile_choices)


@pytest.fixture
def profiles_runtime(database_url):
    calls: list = []
    module = _profiles_plugin(calls)
    rt = bootstrap(make_config(database_url, enabled=list(BUILTIN_PLUGINS) + ["perfis_teste"]),
                   extra_plugins={"perfis_teste": module})
    rt.calls = calls
    yield rt
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def test_hook_payment_profile_choices(profiles_runtime, runtime, factory):
    # With a plugin answering: its profiles, asked with the contract's company.
    with unit_of_work(profiles_runtime.engine, readonly=True) as s:
        assert tools.payment_profile_options(profiles_runtime, s, 3) == [(7, "Itaú 109 — ag. 1234"),
                                                                         (9, "Bradesco 09 — ag. 0001")]
    assert profiles_runtime.calls == [3]
    # Without: only the default "Carteira".
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert tools.payment_profile_options(runtime, s, 3) == [(None, "Carteira")]


def _billed_contract(rt, factory):
    """A contract with one open invoice (billing of 11/2026: 49,95) and one settled (10/2026)."""
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        c = f.contract(f.party("Ana"), company, plan, rule, activated_on=date(2026, 10, 1))
        cid = c.id
    run_billing(rt, "2026-10")
    with unit_of_work(rt.engine) as s:
        inv = s.scalars(select(Invoice)).one()
        inv.status = "liquidada"
        settled = inv.number
    run_billing(rt, "2026-11")
    with unit_of_work(rt.engine, readonly=True) as s:
        open_inv = s.scalars(select(Invoice).where(Invoice.status == "aberta")).one()
        return cid, settled, open_inv.number, open_inv.id


def test_change_payment_profile_recreates_open_invoices_with_new_number(profiles_runtime, factory):
    rt = profiles_runtime
    cid, settled_number, open_number, open_id = _billed_contract(rt, factory)
    user = _admin(rt)
    action = rt.registry.actions["receivables.contract.change_payment_profile"]
    assert action.confirm.startswith("Atenção: Ao realizar as alterações necessárias e efetivar a alteração "
                                     "automaticamente será removido as faturas antigas")
    assert "novo nosso número" in action.description
    with pytest.raises(ValidationError, match="Confirme a operação"):
        run_action(rt, action.name, [cid], {"payment_profile_id": "7"}, user)
    result = run_action(rt, action.name, [cid], {"payment_profile_id": "7", "confirmed": "1"}, user)
    assert result.done == [cid]
    with unit_of_work(rt.engine, readonly=True) as s:
        c = s.get(Contract, cid)
        assert (c.payment_profile_id, c.wallet) == (7, "Itaú 109 — ag. 1234")
        old = s.get(Invoice, open_id)
        assert old.status == "excluida"
        new = s.scalars(select(Invoice).where(Invoice.status == "aberta")).one()
        assert new.number == open_number + 1 and new.wallet == "Itaú 109 — ag. 1234"
        assert (new.total, new.due_date) == (old.total, old.due_date) == (D("99.90"), date(2026, 12, 10))
        assert s.scalar(select(Charge.invoice_id).where(Charge.competence == date(2026, 11, 1))) == new.id
        assert s.scalars(select(RemovedInvoice)).one().replaced_by_invoice_id == new.id
        # The settled invoice is not touched.
        assert s.scalar(select(Invoice.status).where(Invoice.number == settled_number)) == "liquidada"
    # Same profile again: a blocker; an unknown profile: refused naming the field, nothing written.
    again = run_action(rt, action.name, [cid], {"payment_profile_id": "7", "confirmed": "1"}, user)
    assert again.done == [] and _refused(again, cid) == [
        f"O contrato {cid} já usa o profile de pagamento «Itaú 109 — ag. 1234»."]
    with pytest.raises(ValidationError, match="Profile de pagamento inexistente para a empresa do contrato: 55") as exc:
        run_action(rt, action.name, [cid], {"payment_profile_id": "55", "confirmed": "1"}, user)
    assert exc.value.field == "payment_profile_id"
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 3


def test_payment_profile_default_carteira_and_cancelled_blocker(runtime, factory):
    cid, _p, _c = _setup(factory)
    user = _admin(runtime)
    with unit_of_work() as s:
        c = s.get(Contract, cid)
        result = tools.change_payment_profile(s, c, None, runtime=runtime, user=user)
        assert (c.payment_profile_id, c.wallet, result.recreated) == (None, "Carteira", [])
        c.status = "cancelado"
    blocked = preview_action(runtime, "receivables.contract.change_payment_profile", [cid], {}, user)
    assert set(_refused(blocked, cid)) == {f"O contrato {cid} está cancelado e não pode ser alterado.",
                                          f"O contrato {cid} já usa o profile de pagamento «Carteira»."}


# --- general changes ----------------------------------------------------------------------------

def test_general_changes_pure_data_replan_and_recreation(runtime, factory):
    cid, settled_number, open_number, open_id = _billed_contract(runtime, factory)
    user = _admin(runtime)
    # An unbilled future charge (12/2026) to be re-planned by the special price.
    with unit_of_work() as s:
        from plugins.receivables.billing import create_recurring_charges

        c = s.get(Contract, cid)
        create_recurring_charges(s, date(2026, 12, 1), party_from=c.party_id, party_to=c.party_id)
    name = "receivables.contract.general_changes"
    # Pure data: contract only, the open invoice keeps its number.
    r = run_action(runtime, name, [cid], {"description": "Link dedicado matriz", "notes": "Cliente desde 2019",
                                           "email_billing": "nao", "confirmed": "1"}, user)
    assert r.done == [cid]
    with unit_of_work(readonly=True) as s:
        c = s.get(Contract, cid)
        assert (c.description, c.notes, c.email_billing) == ("Link dedicado matriz", "Cliente desde 2019", False)
        assert s.get(Invoice, open_id).status == "aberta"
    # Special price from 12/2026: the unbilled December charge follows (79,90); invoices untouched.
    with unit_of_work() as s:
        result = tools.general_changes(s, s.get(Contract, cid), {"price_override": D("79.90")},
                                       from_competence=date(2026, 12, 1), user=user)
        assert (result.changed, result.replanned, result.recreated) == (["price_override"], 1, [])
        assert s.scalar(select(Charge.amount).where(Charge.competence == date(2026, 12, 1))) == D("79.90")
        assert s.get(Invoice, open_id).total == D("99.90")
    # Carteira: the open invoice is recreated with a new number and the new carteira.
    with unit_of_work() as s:
        result = tools.general_changes(s, s.get(Contract, cid), {"wallet": "Caixa 14"}, user=user)
        assert result.recreated == [(open_number, open_number + 1)]
        assert s.get(Invoice, open_id).status == "excluida"
        assert s.scalar(select(Invoice.wallet).where(Invoice.number == open_number + 1)) == "Caixa 14"
    # Nothing changed: a blocker in the action, an error in the service.
    empty = run_action(runtime, name, [cid], {"confirmed": "1"}, user)
    assert _refused(empty, cid) == [f"Nenhuma alteração informada para o contrato {cid}."]
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match=f"Nenhuma alteração informada para o contrato {cid}."):
            tools.general_changes(s, s.get(Contract, cid), {"wallet": "Caixa 14"})
        with pytest.raises(ValidationError, match="Campo não alterável em alterações gerais: plan_id"):
            tools.general_changes(s, s.get(Contract, cid), {"plan_id": 3})


# --- groupings ----------------------------------------------------------------------------------

def test_groupings_manage_and_billing_invoices_a_grouping_together(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        party = f.party("Empresa X")
        a, b, c = (f.contract(party, company, plan, rule, activated_on=date(2026, 10, 1)) for _ in range(3))
        pid, ids = party.id, (a.id, b.id, c.id)
    user = _admin(runtime)
    assert run_action(runtime, "receivables.grouping.create", [pid], {"name": "Matriz"}, user).done == [pid]
    dup = run_action(runtime, "receivables.grouping.create", [pid], {"name": " Matriz "}, user)
    assert _refused(dup, pid) == ["Já existe o agrupamento «Matriz» para este cliente."]
    moved = run_action(runtime, "receivables.contract.move_grouping", list(ids[:2]),
                       {"grouping": "Matriz", "confirmed": "1"}, user)
    assert moved.done == list(ids[:2])
    wrong = run_action(runtime, "receivables.contract.move_grouping", [ids[2]],
                       {"grouping": "Filial", "confirmed": "1"}, user)
    assert _refused(wrong, ids[2]) == [f"O agrupamento «Filial» não existe para o cliente do contrato {ids[2]}."]
    summary = run_billing(runtime, "2026-11")
    assert summary["invoices_created"] == 2
    with unit_of_work(readonly=True) as s:
        totals = sorted(s.scalars(select(Invoice.total)))
        assert totals == [D("99.90"), D("199.80")]                 # A+B together, C alone
        together = s.scalar(select(Invoice.id).where(Invoice.total == D("199.80")))
        assert set(s.scalars(select(Charge.contract_id).where(Charge.invoice_id == together))) == set(ids[:2])
        assert [(g.name, g.contracts) for g in grp.groupings_of(s, pid)] == [("Matriz", 2)]
    # Remove refused while it has contracts; rename: the contracts follow.
    blocked = run_action(runtime, "receivables.grouping.remove", [pid], {"name": "Matriz"}, user)
    assert _refused(blocked, pid) == ["O agrupamento «Matriz» possui 2 contrato(s); mova-os para outro agrupamento "
                                      "antes de removê-lo."]
    assert run_action(runtime, "receivables.grouping.rename", [pid], {"name": "Matriz", "new_name": "Sede"},
                      user).done == [pid]
    with unit_of_work(readonly=True) as s:
        assert [s.get(Contract, i).grouping_key for i in ids] == ["Sede", "Sede", None]
    # Moving B out of the grouping regroups the OPEN invoice holding its charge at once: A+B 199,80
    # (number 2) is removed; B (no grouping) and A ("Sede") come out in new invoices 3 and 4; C's
    # invoice (1) holds no charge of B and is not touched.
    with unit_of_work(readonly=True) as s:
        numbers = dict(s.execute(select(Invoice.total, Invoice.number)).all())
    assert numbers == {D("99.90"): 1, D("199.80"): 2}
    out = run_action(runtime, "receivables.contract.move_grouping", [ids[1]], {"confirmed": "1"}, user)
    assert out.done == [ids[1]]
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(Invoice.number, Invoice.status, Invoice.total).order_by(Invoice.number)).all()
        assert [tuple(r) for r in rows] == [(1, "aberta", D("99.90")), (2, "excluida", D("199.80")),
                                            (3, "aberta", D("99.90")), (4, "aberta", D("99.90"))]
        by_contract = dict(s.execute(select(Charge.contract_id, Invoice.number)
                                     .join(Invoice, Invoice.id == Charge.invoice_id)).all())
        assert by_contract == {ids[2]: 1, ids[1]: 3, ids[0]: 4}
        removed = s.scalars(select(RemovedInvoice)).one()
        assert removed.number == 2 and s.get(Invoice, removed.replaced_by_invoice_id).number == 3
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "receivables.contract.move_grouping",
            AuditEntry.target_kind == "receivables_invoice")) == 2
    with unit_of_work() as s:      # the service, for A: its invoice 4 is issued again as 5
        assert grp.move_contracts(s, [s.get(Contract, ids[0])], None, user=user) == [(4, [5])]
    assert run_action(runtime, "receivables.grouping.remove", [pid], {"name": "Sede"}, user).done == [pid]
    with unit_of_work(readonly=True) as s:
        assert grp.groupings_of(s, pid) == []
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.target_kind == "receivables_contract_grouping")) == 3   # create, rename, remove


# --- renew installments -------------------------------------------------------------------------

def test_renew_installments_numbers_amounts_and_idempotency(runtime, factory):
    cid, _p, _c = _setup(factory, activated_on=date(2026, 1, 5))
    with unit_of_work() as s:
        s.get(Contract, cid).installments = 12
    user = _admin(runtime)
    run_billing(runtime, "2026-01")                        # the first month, billed: 1 charge
    r = run_action(runtime, "receivables.contract.renew_installments", [cid], {"count": "3"}, user)
    assert r.done == [cid]
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(Charge.competence, Charge.installment, Charge.installments, Charge.amount,
                                Charge.due_date, Charge.description, Charge.status)
                         .where(Charge.contract_id == cid).order_by(Charge.competence)).all()
        assert [(r.competence, r.installment, r.installments, r.amount, r.due_date) for r in rows[1:]] == [
            (date(2026, 2, 1), 2, 12, D("99.90"), date(2026, 3, 10)),
            (date(2026, 3, 1), 3, 12, D("99.90"), date(2026, 4, 10)),
            (date(2026, 4, 1), 4, 12, D("99.90"), date(2026, 5, 10))]
        assert rows[1].description.endswith("— 02/2026 — parcela 2/12") and rows[1].status == "aberta"
        c = s.get(Contract, cid)
        assert (c.installments, c.installments_generated) == (12, 4)
    # The billing run of 02/2026 finds the renewed charge (same key): no duplicate; it invoices it.
    summary = run_billing(runtime, "2026-02")
    assert (summary["charges_created"], summary["already_billed"], summary["invoices_created"]) == (0, 1, 1)
    with unit_of_work() as s:
        # Same key again (e.g. a concurrent renewal): ON CONFLICT DO NOTHING.
        assert tools._insert_ignore(s, {
            "party_id": c.party_id, "company_id": c.company_id, "contract_id": cid, "description": "x",
            "amount": D("1.00"), "due_date": date(2026, 3, 10), "competence": date(2026, 2, 1),
            "installment": 1, "installments": 1, "status": "aberta", "origin": "contrato",
            "recurring_kind": "mensalidade"}) is None
        # Renewing past the term extends it: 4 + 10 = 14 > 12.
        created = tools.renew_installments(s, s.get(Contract, cid), 10)
        assert [ch.installment for ch in created] == list(range(5, 15))
        assert created[-1].competence == date(2027, 2, 1) and created[-1].installments == 14
        assert (s.get(Contract, cid).installments, s.get(Contract, cid).installments_generated) == (14, 14)


def test_renew_installments_blockers(runtime, factory):
    cid, _p, _c = _setup(factory)
    user = _admin(runtime)
    r = run_action(runtime, "receivables.contract.renew_installments", [cid], {"count": "2"}, user)
    assert _refused(r, cid) == [f"O contrato {cid} não possui parcelas fixas."]
    with unit_of_work() as s:
        c = s.get(Contract, cid)
        c.installments, c.status = 6, "cancelado"
    r = run_action(runtime, "receivables.contract.renew_installments", [cid], {"count": "2"}, user)
    assert _refused(r, cid) == [f"O contrato {cid} está cancelado e não pode ser alterado."]
    with pytest.raises(ValidationError, match="Quantidade de parcelas a renovar"):
        run_action(runtime, "receivables.contract.renew_installments", [cid], {"count": "0"}, user)
    with unit_of_work() as s:
        c = s.get(Contract, cid)
        c.status = "ativo"
        with pytest.raises(ValidationError, match="Informe de 1 a 120 parcelas."):
            tools.renew_installments(s, c, 121)
