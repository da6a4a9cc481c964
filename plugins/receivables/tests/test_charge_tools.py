"""Unbilled charges tools: insert avulsa with replications, edit, remove, suspend / cancel
suspension, invoice manually (field-locking rule, gapless numbers) and the manual's refusals."""

import types
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.actions import Blocker, preview_action, run_action
from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.audit import AuditEntry
from core.models.reasons import Reason
from core.runtime import bootstrap
from hooks import hookimpl
from plugins.receivables import charge_tools as tools
from plugins.receivables.charge_tools import InsertParams
from plugins.receivables.models import Charge, Invoice
from tests.conftest import make_config


def _setup(factory, *, contract=True):
    """A company, a party with (optionally) an active contract; returns ids."""
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule, party = f.company(), f.plan(), f.due_rule(), f.party("Ana")
        cid = f.contract(party, company, plan, rule).id if contract else None
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        return types.SimpleNamespace(company=company.id, party=party.id, contract=cid, admin=admin)


def _admin(ids):
    with unit_of_work(readonly=True) as s:
        from core.models.users import User

        user = s.get(User, ids.admin.id)
        s.expunge(user)
        return user


def _insert(ids, **kw):
    data = {"description": "Instalação", "amount": Decimal("150.00"), "due_date": date(2026, 12, 10)}
    data.update(kw)
    with unit_of_work() as s:
        return [c.id for c in tools.insert_manual_charges(s, ids.party, InsertParams(**data))]


def _charge(s, cid) -> Charge:
    return s.get(Charge, cid)


def test_insert_avulsa_with_replications_every_interval(runtime, factory):
    ids = _setup(factory)
    created = _insert(ids, description="Equipamento — roteador", amount=Decimal("99.90"),
                      period_start=date(2026, 12, 1), period_end=date(2026, 12, 31), replications=2,
                      interval_days=30)
    assert len(created) == 3
    with unit_of_work(readonly=True) as s:
        rows = [_charge(s, i) for i in created]
        assert [(c.due_date, c.installment, c.installments) for c in rows] == [
            (date(2026, 12, 10), 1, 3), (date(2027, 1, 9), 2, 3), (date(2027, 2, 8), 3, 3)]
        assert [(c.period_start, c.period_end) for c in rows] == [
            (date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 12, 31), date(2027, 1, 30)),
            (date(2027, 1, 30), date(2027, 3, 1))]
        assert [c.competence for c in rows] == [date(2026, 12, 1), date(2026, 12, 1), date(2027, 1, 1)]
        assert {(c.amount, c.status, c.origin, c.company_id, c.contract_id) for c in rows} == {
            (Decimal("99.90"), "aberta", "avulsa", ids.company, None)}
        audited = s.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "receivables.charge.insert"))
        assert sorted(audited) == sorted(created)
        assert [c.id for c in tools.unbilled_charges(s, ids.party)] == created


def test_insert_refuses_bad_input(runtime, factory):
    ids = _setup(factory)
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="O valor da conta deve ser maior que zero.") as e:
            tools.insert_manual_charges(s, ids.party, InsertParams(description="X", amount=Decimal("0.00"),
                                                                   due_date=date(2026, 12, 10)))
        assert e.value.field == "amount"
        with pytest.raises(ValidationError, match="referência final é anterior") as e:
            tools.insert_manual_charges(s, ids.party, InsertParams(
                description="X", amount=Decimal("10.00"), due_date=date(2026, 12, 10),
                period_start=date(2026, 12, 31), period_end=date(2026, 12, 1)))
        from core.ledger.models import Account

        synthetic = Account(company_id=ids.company, code="3", name="Receitas", is_synthetic=True, kind="other")
        s.add(synthetic)
        s.flush()
        with pytest.raises(ValidationError, match="é sintética") as e:
            tools.insert_manual_charges(s, ids.party, InsertParams(
                description="X", amount=Decimal("10.00"), due_date=date(2026, 12, 10),
                revenue_account_id=synthetic.id))
        assert e.value.field == "revenue_account_id"
        assert s.scalar(select(Charge.id)) is None


def test_insert_action_on_the_party_through_run_action(runtime, factory):
    ids = _setup(factory, contract=False)  # no contract: the only company is used
    admin = _admin(ids)
    with pytest.raises(ValidationError, match="Confirme a operação"):
        run_action(runtime, "receivables.charge.insert", [ids.party],
                   {"description": "Taxa de religação", "amount": "30,00", "due_date": "15/12/2026"}, admin)
    result = run_action(runtime, "receivables.charge.insert", [ids.party],
                        {"description": "Taxa de religação", "amount": "30,00", "due_date": "15/12/2026",
                         "replications": "1", "interval_days": "31", "confirmed": "true"}, admin)
    assert result.done == [ids.party]
    with unit_of_work(readonly=True) as s:
        rows = tools.unbilled_charges(s, ids.party)
        assert [(c.amount, c.due_date, c.installment) for c in rows] == [
            (Decimal("30.00"), date(2026, 12, 15), 1), (Decimal("30.00"), date(2027, 1, 15), 2)]


def test_edit_changes_only_given_fields_and_refusals(runtime, factory):
    ids = _setup(factory)
    a, b, c = _insert(ids, replications=2)
    admin = _admin(ids)
    with unit_of_work() as s:
        _charge(s, b).status = "liquidada"
        _charge(s, c).status = "removida"
    result = run_action(runtime, "receivables.charge.edit", [a, b, c],
                        {"amount": "175,50", "description": "Instalação (fibra)", "confirmed": True}, admin)
    assert result.done == [a]
    assert [x.message for x in result.refused[b]] == ["ERRO! Você não pode efetuar alterações em contas liquidadas."]
    assert [x.message for x in result.refused[c]] == [
        "ERRO! Essa conta não pode mais sofrer nenhum tipo de alteração."]
    with unit_of_work(readonly=True) as s:
        ch = _charge(s, a)
        assert (ch.amount, ch.description, ch.due_date) == (Decimal("175.50"), "Instalação (fibra)",
                                                            date(2026, 12, 10))
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "receivables.charge.edit")).one()
        assert entry.changes["amount"] == ["150.00", "175.50"]
    with pytest.raises(ValidationError, match="Informe ao menos um campo"):
        run_action(runtime, "receivables.charge.edit", [a], {"confirmed": True}, admin)


def test_suspend_cancel_suspension_and_remove_with_manual_messages(runtime, factory):
    ids = _setup(factory)
    a, b, c = _insert(ids, replications=2)
    admin = _admin(ids)
    with unit_of_work() as s:
        s.add(Reason(kind="suspensao_conta", code="NEG", description="Negociação em andamento"))
        _charge(s, c).status = "liquidada"
    with pytest.raises(ValidationError, match="Informe o motivo"):
        run_action(runtime, "receivables.charge.suspend", [a], {"confirmed": True}, admin)
    result = run_action(runtime, "receivables.charge.suspend", [a, c],
                        {"reason": "NEG", "justification": "Cliente pediu prazo", "confirmed": True}, admin)
    assert result.done == [a]
    assert [x.message for x in result.refused[c]] == [f"A Conta {c} já está liquidada"]
    again = preview_action(runtime, "receivables.charge.suspend", [a], {}, admin)
    assert [x.message for x in again.refused[a]] == [f"A Conta {a} já está com o status de suspenso."]
    with unit_of_work(readonly=True) as s:
        assert _charge(s, a).status == "suspensa"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "receivables.charge.suspend")).one()
        assert (entry.reason, entry.justification) == ("NEG — Negociação em andamento", "Cliente pediu prazo")
    # Cancel suspension: b was never suspended.
    result = run_action(runtime, "receivables.charge.cancel_suspension", [a, b, c], {"confirmed": True}, admin)
    assert result.done == [a]
    assert [x.message for x in result.refused[b]] == [f"A Conta {b} não está mais suspensa"]
    assert [x.message for x in result.refused[c]] == [f"A Conta {c} já está liquidada"]
    # Remove: a is removed; the settled c is refused; removing a again is refused.
    result = run_action(runtime, "receivables.charge.remove", [a, c], {"confirmed": True}, admin)
    assert result.done == [a] and [x.message for x in result.refused[c]] == [f"A Conta {c} já está liquidada"]
    with unit_of_work(readonly=True) as s:
        assert _charge(s, a).status == "removida"
        assert [x.id for x in tools.unbilled_charges(s, ids.party)] == [b]
        with pytest.raises(ValidationError, match=f"A Conta {a} já foi removida."):
            tools.remove_charge(s, _charge(s, a))


def test_invoice_one_per_charge_uses_the_charges_due_and_description(runtime, factory):
    ids = _setup(factory)
    with unit_of_work() as s:
        from plugins.receivables.contracts import activate, get_contract

        c = get_contract(s, ids.contract)
        c.status = "aguardando_ativacao"
        c.activated_on = None
        s.flush()
        activate(s, c, date(2026, 11, 16))  # pro-rata 15/30 × 99,90 = 49,95, due 10/12/2026
        contract_charge = s.scalar(select(Charge.id).where(Charge.contract_id == ids.contract))
    avulsa = _insert(ids, description="Instalação", amount=Decimal("150.00"), due_date=date(2026, 12, 20))[0]
    admin = _admin(ids)
    # Locked fields: one charge (or one invoice per charge) takes due date and description from the charge.
    with pytest.raises(ValidationError, match="Vencimento e descrição são bloqueados") as e:
        run_action(runtime, "receivables.charge.invoice", [avulsa],
                   {"due_date": "30/12/2026", "confirmed": True}, admin)
    assert e.value.field == "due_date"
    result = run_action(runtime, "receivables.charge.invoice", [contract_charge, avulsa],
                        {"method": "uma_por_conta", "confirmed": True}, admin)
    assert result.done == [contract_charge, avulsa]
    with unit_of_work(readonly=True) as s:
        invoices = list(s.scalars(select(Invoice).order_by(Invoice.number)))
        assert [(i.number, i.due_date, i.total, i.wallet) for i in invoices] == [
            (1, date(2026, 12, 10), Decimal("49.95"), "cobranca"), (2, date(2026, 12, 20), Decimal("150.00"), None)]
        assert invoices[1].description == "Instalação"
        assert "proporcional 15/30 dias" in invoices[0].description
        assert {(_charge(s, contract_charge).invoice_id, _charge(s, avulsa).invoice_id)} == {
            (invoices[0].id, invoices[1].id)}
        assert _charge(s, avulsa).status == "faturada"
        audited = s.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "receivables.charge.invoice",
                                                               AuditEntry.target_kind == "receivables_invoice"))
        assert sorted(audited) == [i.id for i in invoices]
    again = preview_action(runtime, "receivables.charge.invoice", [avulsa], {}, admin)
    assert [x.message for x in again.refused[avulsa]] == ["Esta conta já faz parte de uma fatura"]
    refused = preview_action(runtime, "receivables.charge.remove", [avulsa], {}, admin)
    assert [x.message for x in refused.refused[avulsa]] == [f"A Conta {avulsa} faz parte de uma fatura"]
    refused = preview_action(runtime, "receivables.charge.suspend", [avulsa], {}, admin)
    assert [x.message for x in refused.refused[avulsa]] == ["Esta conta já faz parte de uma fatura"]


def test_invoice_all_charges_in_one_invoice_frees_due_and_description(runtime, factory):
    ids = _setup(factory)
    a, b = _insert(ids, amount=Decimal("99.90"), replications=1, interval_days=30)
    admin = _admin(ids)
    result = run_action(runtime, "receivables.charge.invoice", [a, b],
                        {"method": "todas_em_uma", "due_date": "05/01/2027", "description": "Acordo — 2 parcelas",
                         "wallet": "carteira-17", "confirmed": True}, admin)
    assert result.done == [a, b]
    with unit_of_work(readonly=True) as s:
        inv = s.scalars(select(Invoice)).one()
        assert (inv.number, inv.due_date, inv.total, inv.description, inv.wallet) == (
            1, date(2027, 1, 5), Decimal("199.80"), "Acordo — 2 parcelas", "carteira-17")
        assert {_charge(s, a).invoice_id, _charge(s, b).invoice_id} == {inv.id}
    # Without due date / description: the latest due date of the charges, the default description.
    c, d = _insert(ids, amount=Decimal("10.00"), replications=1, interval_days=10)
    run_action(runtime, "receivables.charge.invoice", [c, d], {"method": "todas_em_uma", "confirmed": True}, admin)
    with unit_of_work(readonly=True) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == 2)).one()
        assert (inv.due_date, inv.total) == (date(2026, 12, 20), Decimal("20.00"))


def test_suspended_charge_cannot_be_invoiced(runtime, factory):
    ids = _setup(factory)
    (a,) = _insert(ids)
    with unit_of_work() as s:
        tools.suspend_charge(s, _charge(s, a))
        with pytest.raises(ValidationError, match=f"A Conta {a} está suspensa"):
            tools.invoice_charges(s, [_charge(s, a)])


RECONCILED = "ERRO! Essa conta está associada a movimento bancário já conciliado."


def _reconciliation_probe(reconciled_ids):
    mod = types.ModuleType("reconciliation_probe")
    mod.LABEL = "Conciliação (teste)"

    @hookimpl
    def action_blockers(action, records, params, ctx):
        if action.name not in ("receivables.charge.edit", "receivables.charge.remove"):
            return None
        return [Blocker(r.id, "conciliacao.conciliada", RECONCILED) for r in records if r.id in reconciled_ids]

    mod.action_blockers = action_blockers
    return mod


def test_other_plugin_refuses_through_action_blockers(runtime, factory, database_url):
    ids = _setup(factory)
    a, b = _insert(ids, replications=1)
    admin = _admin(ids)
    cfg = make_config(database_url, enabled=list(make_config(database_url).enabled_plugins) + ["reconciliation_probe"])
    rt = bootstrap(cfg, extra_plugins={"reconciliation_probe": _reconciliation_probe({b})}, make_current=False)
    try:
        result = run_action(rt, "receivables.charge.edit", [a, b], {"amount": "10,00", "confirmed": True}, admin)
    finally:
        rt.dispose()
    assert result.done == [a]
    assert [(x.code, x.message) for x in result.refused[b]] == [("conciliacao.conciliada", RECONCILED)]
    with unit_of_work(readonly=True) as s:
        assert (_charge(s, a).amount, _charge(s, b).amount) == (Decimal("10.00"), Decimal("150.00"))


def test_manual_invoicing_calls_on_invoice_created_and_a_failure_gives_the_number_back(runtime, factory,
                                                                                      database_url):
    ids = _setup(factory)
    a, b = _insert(ids, replications=1)
    admin = _admin(ids)
    seen = []
    mod = types.ModuleType("boleto_probe")
    mod.LABEL = "Boletos (teste)"

    @hookimpl
    def on_invoice_created(invoice, ctx):
        if invoice.total == Decimal("150.00") and not seen:
            seen.append("falha")
            raise RuntimeError("banco fora do ar")
        seen.append(invoice.number)

    mod.on_invoice_created = on_invoice_created
    cfg = make_config(database_url, enabled=list(make_config(database_url).enabled_plugins) + ["boleto_probe"])
    rt = bootstrap(cfg, extra_plugins={"boleto_probe": mod}, make_current=False)
    try:
        with pytest.raises(RuntimeError, match="banco fora do ar"):
            run_action(rt, "receivables.charge.invoice", [a], {"confirmed": True}, admin)
        with unit_of_work(readonly=True) as s:
            assert s.scalar(select(Invoice.id)) is None and _charge(s, a).invoice_id is None
        run_action(rt, "receivables.charge.invoice", [a, b], {"confirmed": True}, admin)
    finally:
        rt.dispose()
    assert seen == ["falha", 1, 2]  # the rolled-back number 1 was given back: no gap
    with unit_of_work(readonly=True) as s:
        assert sorted(s.scalars(select(Invoice.number))) == [1, 2]
