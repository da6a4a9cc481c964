""""Editar contas associadas a faturas" and "Incluir cobrança adicional às faturas selecionadas"
through the kernel actions (run_action / preview_action) on invoices made by the real billing run:
the manual's rule (a value change removes the invoice and creates a new one with a new number),
one recreation per invoice, the blockers of "Alterar fatura", audit entries and the hooks
(`on_invoice_created` inside the unit of work, `on_invoice_removed` after commit)."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import audit
from core.actions import preview_action, run_action
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account
from core.models.users import User
from core.runtime import bootstrap, set_current
from hooks import hookimpl
from plugins.receivables.billing import run_billing
from plugins.receivables.invoice_tools import removed_invoices
from plugins.receivables.models import Charge, Invoice
from tests.conftest import make_config, truncate_all

RECORDER = "registro_faturas_teste"
EDIT = "receivables.invoice.edit_charge"
ADD = "receivables.invoice.add_charge"
D = Decimal


@pytest.fixture
def env(database_url):
    seen = types.SimpleNamespace(created=[], removed=[])

    @hookimpl
    def on_invoice_created(invoice, ctx):
        seen.created.append((invoice.number, invoice.total, ctx.session.in_transaction()))

    @hookimpl
    def on_invoice_removed(invoice_id, reason, ctx):
        seen.removed.append(invoice_id)

    mod = types.ModuleType(RECORDER)
    mod.on_invoice_created, mod.on_invoice_removed = on_invoice_created, on_invoice_removed
    rt = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, RECORDER]), extra_plugins={RECORDER: mod})
    yield rt, seen
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


CHART = (("1.1.03", "Clientes", "receivable"), ("3.1.01", "Receita de serviços", "revenue"))


def _billed(rt, factory, parties: int, *, contracts_per_party: int = 1, price: str = "99.90"):
    """`parties` customers with `contracts_per_party` contracts of R$ `price` each, billed for
    11/2026 (one invoice per customer); the company has the chart the accrual entries use
    (clientes, receita de serviços). Returns (invoice ids by party order, admin, company id)."""
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company, rule = f.company(), f.due_rule()
        s.add_all([Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=False, active=True)
                   for code, name, kind in CHART])
        plan = f.plan(price=price)
        party_ids = []
        for i in range(parties):
            party = f.party(f"Cliente {i + 1}")
            party_ids.append(party.id)
            for _ in range(contracts_per_party):
                f.contract(party, company, plan, rule, activated_on=date(2026, 10, 1))
        admin = User(username="gerente", password_hash="x", is_admin=True, roles=[])
        s.add(admin)
        s.flush()
        company_id = company.id
    run_billing(rt, "2026-11")
    with unit_of_work(rt.engine, readonly=True) as s:
        by_party = {inv.party_id: inv.id for inv in s.scalars(select(Invoice))}
        admin = s.scalars(select(User).where(User.username == "gerente")).one()
        s.expunge(admin)
    return [by_party[p] for p in party_ids], admin, company_id


def _set_status(ids_status: dict[int, str]) -> None:
    with unit_of_work() as s:
        for inv_id, status in ids_status.items():
            s.get(Invoice, inv_id).status = status


def _inv(inv_id):
    with unit_of_work(readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        s.expunge(inv)
        return inv


def _replacement(old_id) -> Invoice:
    with unit_of_work(readonly=True) as s:
        [row] = [r for r in removed_invoices(s) if r.invoice_id == old_id]
        new = s.get(Invoice, row.replaced_by_invoice_id)
        charges = s.scalars(select(Charge).where(Charge.invoice_id == new.id).order_by(Charge.id)).all()
        s.expunge_all()
        return new, row, charges


def test_additional_charge_on_two_invoices_recreates_each_with_a_new_number(env, factory):
    """Two invoices of R$ 99,90 + adicional R$ 15,00 ⇒ two new invoices of R$ 114,90 with new
    numbers; the old ones are in "Faturas excluídas"."""
    rt, seen = env
    ids, admin, company_id = _billed(rt, factory, 2)
    with unit_of_work(rt.engine) as s:
        revenue = Account(company_id=company_id, code="3.1.1.09", name="Taxa de visita técnica", kind="revenue",
                          is_synthetic=False, active=True)
        s.add(revenue)
        s.flush()
        revenue_id = revenue.id
    old = [_inv(i) for i in ids]
    assert [o.total for o in old] == [D("99.90"), D("99.90")] and [o.number for o in old] == [1, 2]

    result = run_action(rt, ADD, ids, {"description": "Visita técnica", "amount": "15.00",
                                       "period_start": "2026-11-01", "period_end": "2026-11-30",
                                       "revenue_account_id": revenue_id, "confirmed": True}, admin)
    assert result.done == ids and not result.refused

    news = [_replacement(i) for i in ids]
    assert [n.total for n, _, _ in news] == [D("114.90"), D("114.90")]
    assert sorted(n.number for n, _, _ in news) == [3, 4]  # new numbers, gapless
    for (new, row, charges), o in zip(news, old):
        assert (new.due_date, new.party_id, new.status) == (o.due_date, o.party_id, "aberta")
        assert row.number == o.number and row.total == D("99.90")
        assert row.comments == "Inclusão de cobrança adicional: Visita técnica (R$ 15,00)"
        assert [c.amount for c in charges] == [D("99.90"), D("15.00")]
        extra = charges[1]
        assert (extra.description, extra.period_start, extra.period_end, extra.revenue_account_id) == (
            "Visita técnica", date(2026, 11, 1), date(2026, 11, 30), revenue_id)
        assert (extra.status, extra.due_date, extra.origin) == ("faturada", o.due_date, "avulsa")
    with unit_of_work(readonly=True) as s:
        assert {s.get(Invoice, i).status for i in ids} == {"excluida"}
        assert {r.invoice_id for r in removed_invoices(s)} == set(ids)
    # one recreation per invoice: the hooks saw each new invoice (in its transaction) and each removal
    assert sorted(seen.created[-2:]) == [(3, D("114.90"), True), (4, D("114.90"), True)]
    assert sorted(seen.removed) == sorted(ids)


def test_additional_charge_is_refused_with_the_alter_blockers(env, factory):
    rt, _seen = env
    ids, admin, _ = _billed(rt, factory, 5)
    _set_status({ids[1]: "liquidada", ids[2]: "excluida", ids[3]: "suspensa", ids[4]: "parcialmente_liquidada"})
    n = [_inv(i).number for i in ids]
    params = {"description": "Multa contratual", "amount": "15.00", "confirmed": True}
    preview = preview_action(rt, ADD, ids, params, admin)
    assert sorted(preview.done) == [ids[0]]
    result = run_action(rt, ADD, ids, params, admin)
    assert result.done == [ids[0]]
    msgs = {i: [b.message for b in bl] for i, bl in result.refused.items()}
    assert msgs == {ids[1]: [f"A Fatura {n[1]} já está liquidada"],
                    ids[2]: [f"A fatura {n[2]} está com status de excluída"],
                    ids[3]: [f"A fatura {n[3]} já está com o status de suspenso."],
                    ids[4]: ["A fatura está com liquidação parcial"]}
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, ids[1]).status == "liquidada"  # refused ones untouched
        assert s.scalar(select(Charge.id).where(Charge.description == "Multa contratual",
                                                Charge.invoice_id == ids[1])) is None
    for bad, message in ((dict(params, amount="0"), "Valor"), (dict(params, description=""), "Descrição")):
        with pytest.raises(ValidationError, match=message):
            run_action(rt, ADD, [ids[0]], bad, admin)


def test_editing_the_value_of_a_charge_recreates_the_invoice(env, factory):
    """Invoice of two contracts (99,90 + 99,90 = 199,80); the second charge becomes 79,90 ⇒ the
    invoice is removed and a new one of 179,80 is created with a new number."""
    rt, seen = env
    [inv_id], admin, _ = _billed(rt, factory, 1, contracts_per_party=2)
    with unit_of_work(readonly=True) as s:
        first, second = s.scalars(select(Charge.id).where(Charge.invoice_id == inv_id).order_by(Charge.id)).all()
    assert _inv(inv_id).total == D("199.80")
    result = run_action(rt, EDIT, [inv_id], {"charge_id": second, "amount": "79.90",
                                             "justification": "Desconto negociado", "confirmed": True}, admin)
    assert result.done == [inv_id], result.refused
    new, row, charges = _replacement(inv_id)
    assert new.total == D("179.80") and new.number == 2 and row.number == 1
    assert row.comments == "Desconto negociado"
    assert [(c.id, c.amount) for c in charges] == [(first, D("99.90")), (second, D("79.90"))]
    with unit_of_work(readonly=True) as s:
        [entry] = audit.history(s, "receivables_charge", second)
        assert entry.action == EDIT and entry.changes["amount"] == ["99.90", "79.90"]
        assert entry.justification == "Desconto negociado"
    assert seen.created[-1] == (2, D("179.80"), True) and seen.removed == [inv_id]


def test_editing_description_period_or_account_keeps_the_invoice(env, factory):
    rt, seen = env
    [inv_id], admin, company_id = _billed(rt, factory, 1)
    with unit_of_work(rt.engine) as s:
        [charge_id] = s.scalars(select(Charge.id).where(Charge.invoice_id == inv_id)).all()
        synthetic = Account(company_id=company_id, code="3.1", name="Receitas", kind="revenue",
                            is_synthetic=True, active=True)
        analytic = Account(company_id=company_id, code="3.1.1.01", name="Mensalidades", kind="revenue",
                           is_synthetic=False, active=True)
        s.add_all([synthetic, analytic])
        s.flush()
        synthetic_id, analytic_id = synthetic.id, analytic.id
    created_before = len(seen.created)
    base = {"charge_id": charge_id, "justification": "Ajuste de cadastro", "confirmed": True}
    with pytest.raises(ValidationError, match="A conta 3.1 do plano de contas é sintética"):
        run_action(rt, EDIT, [inv_id], dict(base, revenue_account_id=synthetic_id), admin)
    with pytest.raises(ValidationError, match="A referência final é anterior à referência inicial"):
        run_action(rt, EDIT, [inv_id], dict(base, period_start="2026-11-10", period_end="2026-11-01"), admin)
    result = run_action(rt, EDIT, [inv_id], dict(base, description="Fibra 300 Mega — novembro",
                                                period_start="2026-11-02", revenue_account_id=analytic_id), admin)
    assert result.done == [inv_id]
    with unit_of_work(readonly=True) as s:
        inv, ch = s.get(Invoice, inv_id), s.get(Charge, charge_id)
        assert (inv.status, inv.number, inv.total) == ("aberta", 1, D("99.90"))
        assert (ch.description, ch.period_start, ch.revenue_account_id, ch.invoice_id) == (
            "Fibra 300 Mega — novembro", date(2026, 11, 2), analytic_id, inv_id)
        assert ch.competence == date(2026, 11, 1)  # a contract's competence stays
        assert removed_invoices(s) == []
        [entry] = audit.history(s, "receivables_charge", charge_id)
        assert set(entry.changes) >= {"description", "period_start", "revenue_account_id"}
    assert len(seen.created) == created_before  # no invoice created


def test_edit_blockers_and_the_invoice_charges_listed(env, factory):
    rt, _seen = env
    ids, admin, _ = _billed(rt, factory, 2)
    _set_status({ids[1]: "liquidada"})
    with unit_of_work(readonly=True) as s:
        charge_of = {i: s.scalar(select(Charge).where(Charge.invoice_id == i)) for i in ids}
        charge_of = {i: (c.id, c.description) for i, c in charge_of.items()}
    c0, desc0 = charge_of[ids[0]]
    n = [_inv(i).number for i in ids]
    params = {"charge_id": c0, "amount": "89.90", "justification": "Teste", "confirmed": True}
    result = run_action(rt, EDIT, ids, params, admin)
    assert result.done == [ids[0]]
    assert [b.message for b in result.refused[ids[1]]] == [
        f"A Fatura {n[1]} já está liquidada",
        f"A conta {c0} não faz parte da fatura {n[1]} (contas da fatura: {charge_of[ids[1]][0]} — "
        f"{charge_of[ids[1]][1]} R$ 99,90)"]
    new, _row, _charges = _replacement(ids[0])
    assert new.total == D("89.90")
    with pytest.raises(ValidationError, match="Informe ao menos um campo a alterar"):
        run_action(rt, EDIT, [new.id], {"charge_id": c0, "justification": "x", "confirmed": True}, admin)
    with pytest.raises(ValidationError, match=f"Nenhuma alteração informada para a conta {c0}"):
        run_action(rt, EDIT, [new.id], {"charge_id": c0, "amount": "89.90", "justification": "x",
                                        "confirmed": True}, admin)
    with pytest.raises(ValidationError, match="justification|Justificativa"):
        run_action(rt, EDIT, [new.id], {"charge_id": c0, "amount": "50.00", "confirmed": True}, admin)
    assert desc0


def test_both_tools_through_the_customer_panel_dialogs(env, factory):
    """The "Faturas a Receber" tab offers both tools; the generic dialog takes Brazilian input."""
    from fastapi.testclient import TestClient

    from core.web.app import create_app
    from tests.browser.uisupport import add_user, login

    rt, _seen = env
    ids, _admin, _ = _billed(rt, factory, 2)
    party_id = _inv(ids[0]).party_id
    add_user(rt.engine, "operador", admin=True)
    with TestClient(create_app(rt)) as client:
        token = login(client, "operador")
        tab = client.get(f"/pessoas/{party_id}/painel/aba/faturas").text
        assert 'data-action="receivables.invoice.add_charge"' in tab
        assert 'data-action="receivables.invoice.edit_charge"' in tab
        dialog = client.get(f"/acoes/{ADD}/dialogo", params={"ids": ",".join(map(str, ids))}).text
        for label in ("Incluir cobrança adicional às faturas selecionadas", "Descrição da cobrança", "Valor",
                      "Referência inicial", "Referência da unidade de plano de contas"):
            assert label in dialog
        done = client.post(f"/acoes/{ADD}/executar", data={
            "ids": ",".join(map(str, ids)), "description": "Visita técnica", "amount": "15,00",
            "period_start": "01/11/2026", "confirmed": "true", "csrf_token": token})
        assert done.status_code == 200 and done.headers.get("HX-Trigger") == "quita:action-done", done.text
        new_first = _replacement(ids[0])[0]
        assert (new_first.total, _replacement(ids[1])[0].total) == (D("114.90"), D("99.90") + D("15.00"))
        with unit_of_work(readonly=True) as s:
            other = s.scalar(select(Charge.id).where(Charge.invoice_id == _replacement(ids[1])[0].id))
        preview = client.post(f"/acoes/{EDIT}/previa", data={
            "ids": str(new_first.id), "charge_id": str(other), "amount": "10,00", "justification": "Teste",
            "csrf_token": token}).text
        assert f"A conta {other} não faz parte da fatura {new_first.number} (contas da fatura:" in preview
