"""Settlement (liquidação avulsa), partial settlement, reversal (estorno) and their ledger entries,
with the manual's rules ("Liquidação avulsa de faturas", "Estorno de Faturas", "Baixar Faturas",
"Estornar Faturas") on real runtimes: the receivables plugin plus in-test plugins where a hook
is under test (before_settle, compute_interest, action_blockers, after_settle/after_reverse).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import Blocker, preview_action, run_action
from core.auth import create_user
from core.db import unit_of_work
from core.errors import PermissionDenied, ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from core.runtime import bootstrap
from hooks import hookimpl
from hooks.receivables import SettlementAdjustment
from plugins.receivables.interest import compute_charges
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.settlement import (ORIGIN_SETTLEMENT, SettlementRefused, reverse_settlement,
                                            settle_invoice, settle_partial, settlement_receipt)
from plugins.receivables.settlement_models import METHOD_OTHER, METHOD_PROFILE, Settlement, SettlementCharge
from plugins.receivables.tests.invoice_world import add_invoice
from tests.conftest import make_config
from tests.pluginkit import plugin_module
from tests.worldkit import add_accounts, runtime_maker
from tests.worldkit import entry_lines as _lines

D = Decimal
ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}
# 1 % a day simple interest after 2 days of grace; 2 % penalty with no grace (the plugin's default).
INTEREST = {"daily_rate_percent": "1", "interest_grace_days": 2}
SETTINGS = {"receivables": {**ACCOUNTS, "interest": INTEREST}}
SETTLE = "receivables.invoice.settle"
REVERSE = "receivables.invoice.reverse"


@pytest.fixture
def make_rt(database_url):
    def build(modules: dict | None = None, settings: dict | None = None):
        modules = modules or {}
        config = make_config(database_url, enabled=["receivables", *modules],
                             plugin_settings=SETTINGS if settings is None else settings)
        return bootstrap(config, extra_plugins=modules, make_current=False)

    with runtime_maker(build) as make:
        yield make


@dataclasses.dataclass
class World:
    company_id: int
    party_id: int
    cash_id: int
    other_cash_id: int
    admin: object


def _seed(rt, factory) -> World:
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        party = f.party("Maria da Silva")
        accounts = add_accounts(s, company.id, (
            ("1.1.1.01", "Caixa geral", "cash"), ("1.1.1.02", "Cofre", "cash"), ("1.1.3.01", "Clientes", "receivable"),
            ("3.1.2.01", "Juros e multas recebidos", "revenue"), ("3.2.1.01", "Descontos concedidos", "discount"),
            ("3.1.3.01", "Acréscimos recebidos", "surcharge")))
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        s.flush()
        return World(company.id, party.id, accounts["1.1.1.01"], accounts["1.1.1.02"], admin)


def _invoice(rt, w: World, total="99.90", issue=date(2026, 11, 30), due=date(2026, 12, 10), status="aberta") -> int:
    with unit_of_work(rt.engine) as s:
        return add_invoice(s, w.company_id, w.party_id, total, issue, due, status=status)


def _settlement_charges(s, invoice_id) -> list[tuple[str, Decimal, str]]:
    rows = s.execute(select(SettlementCharge.kind, Charge.amount, Charge.description)
                     .join(Charge, Charge.id == SettlementCharge.charge_id)
                     .where(Charge.invoice_id == invoice_id).order_by(SettlementCharge.kind)).all()
    return [tuple(r) for r in rows]


def _params(w: World, **extra) -> dict:
    return {"method": METHOD_PROFILE, "paid_on": "10/12/2026", "bank_account_id": w.cash_id,
            "justification": "Pagamento no caixa", **extra}


# --- liquidação avulsa -----------------------------------------------------------------------------

def test_lower_value_adds_discount_charge_and_posts_balanced_entry(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    result = run_action(rt, SETTLE, [inv_id], _params(w, amount="90,00"), w.admin)
    assert result.done == [inv_id] and not result.refused
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        assert inv.status == "liquidada" and inv.total == D("90.00")  # total = sum of its charges
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert (st.amount, st.invoice_amount, st.discount, st.surcharge) == (D("90.00"), D("99.90"), D("9.90"), D("0.00"))
        assert st.paid_on == date(2026, 12, 10) and st.justification == "Pagamento no caixa"
        assert _settlement_charges(s, inv_id) == [("desconto", D("-9.90"), f"Desconto na liquidação da fatura {inv.number}")]
        statuses = sorted(s.scalars(select(Charge.status).where(Charge.invoice_id == inv_id)))
        assert statuses == ["liquidada", "liquidada"]
        entry = s.get(JournalEntry, st.entry_id)
        assert entry.date == date(2026, 12, 10)
        assert _lines(s, entry.id) == [("1.1.1.01", D("90.00"), D("0.00")), ("1.1.3.01", D("0.00"), D("99.90")),
                                       ("3.2.1.01", D("9.90"), D("0.00"))]
        # audit: the action's entry on the invoice and the service's own on the settlement
        from core.audit import history
        assert [e.action for e in history(s, "receivables_settlement", st.id)] == ["receivables.settlement.create"]
        assert history(s, "receivables_invoice", inv_id)[0].action == SETTLE


def test_higher_value_adds_surcharge_charge(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    run_action(rt, SETTLE, [inv_id], _params(w, amount="105,00"), w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert (st.amount, st.surcharge, st.discount) == (D("105.00"), D("5.10"), D("0.00"))
        number = s.get(Invoice, inv_id).number
        assert _settlement_charges(s, inv_id) == [("acrescimo", D("5.10"), f"Acréscimo na liquidação da fatura {number}")]
        assert _lines(s, st.entry_id) == [("1.1.1.01", D("105.00"), D("0.00")), ("1.1.3.01", D("0.00"), D("99.90")),
                                          ("3.1.3.01", D("0.00"), D("5.10"))]


def test_default_amount_adds_interest_and_penalty_retroactive_date(make_rt, factory):
    """Due 10/12/2026, paid 15/12/2026: 5 days late (> 2 days of grace) ⇒ juros 100,00 × 1 % × 5 =
    5,00 and multa 2 % = 2,00; the settlement is typed later (retroactive date)."""
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w, total="100.00")
    run_action(rt, SETTLE, [inv_id], _params(w, paid_on="15/12/2026"), w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert (st.amount, st.interest, st.penalty) == (D("107.00"), D("5.00"), D("2.00"))
        assert [k for k, _, _ in _settlement_charges(s, inv_id)] == ["juros", "multa"]
        entry = s.get(JournalEntry, st.entry_id)
        assert entry.date == date(2026, 12, 15)
        assert _lines(s, entry.id) == [("1.1.1.01", D("107.00"), D("0.00")), ("1.1.3.01", D("0.00"), D("100.00")),
                                       ("3.1.2.01", D("0.00"), D("7.00"))]


def test_compute_interest_replaced_by_a_plugin_changes_the_default_amount(make_rt, factory):
    """A bank plugin answers compute_interest (tryfirst over the plugin's trylast default): its
    wallet charges no penalty and clears in D+2 ⇒ 5 − 2 = 3 days of interest = 3,00."""

    @hookimpl
    def compute_interest(invoice, as_of, policy):
        bank_policy = dataclasses.replace(policy, compensation_days=2, penalty_percent=D("0"))
        return compute_charges(invoice.total, invoice.due_date, as_of, bank_policy)

    rt = make_rt({"test_bank_interest": plugin_module("test_bank_interest", compute_interest=compute_interest)})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w, total="100.00")
    with unit_of_work(rt.engine) as s:
        out = settle_invoice(s, s.get(Invoice, inv_id), paid_on=date(2026, 12, 15), method=METHOD_PROFILE,
                             bank_account_id=w.cash_id, user=w.admin, runtime=rt)
        assert (out.settlement.amount, out.settlement.interest, out.settlement.penalty) == \
            (D("103.00"), D("3.00"), D("0.00"))


def test_manual_blockers_of_liquidacao_avulsa(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    settled = _invoice(rt, w, status="liquidada")
    removed = _invoice(rt, w, status="excluida")
    suspended = _invoice(rt, w, status="suspensa")
    partial = _invoice(rt, w, status="parcialmente_liquidada")
    ok = _invoice(rt, w)
    ids = [settled, removed, suspended, partial, ok]
    with unit_of_work(rt.engine, readonly=True) as s:
        n = {i: s.get(Invoice, i).number for i in ids}
    preview = preview_action(rt, SETTLE, ids, _params(w), w.admin)
    assert preview.done == [ok]
    messages = {i: [b.message for b in bs] for i, bs in preview.refused.items()}
    assert messages == {
        settled: [f"A Fatura {n[settled]} já está liquidada"],
        removed: [f"A fatura {n[removed]} está com status de excluída"],
        suspended: [f"A fatura {n[suspended]} já está com o status de suspenso."],
        partial: ["Esta fatura possui liquidações parciais"],
    }
    result = run_action(rt, SETTLE, ids, _params(w), w.admin)
    assert result.done == [ok] and set(result.refused) == {settled, removed, suspended, partial}
    with unit_of_work(rt.engine) as s:
        with pytest.raises(SettlementRefused) as err:
            settle_invoice(s, s.get(Invoice, settled), paid_on=date(2026, 12, 10), method=METHOD_OTHER, runtime=rt)
        assert str(err.value) == f"A Fatura {n[settled]} já está liquidada"


def test_settlement_date_before_issue_and_protected_date_are_refused(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        inv = s.get(Invoice, inv_id)
        with pytest.raises(ValidationError) as err:
            settle_invoice(s, inv, paid_on=date(2026, 11, 29), method=METHOD_PROFILE, bank_account_id=w.cash_id,
                           runtime=rt)
        assert err.value.field == "paid_on"
        assert str(err.value) == (f"A data de liquidação (29/11/2026) não pode ser anterior à data de emissão da "
                                  f"fatura {inv.number} (30/11/2026).")
        s.get(Company, w.company_id).protect_before = date(2026, 12, 31)
    with pytest.raises(ValidationError) as err:
        run_action(rt, SETTLE, [inv_id], _params(w), w.admin)
    assert err.value.field == "paid_on" and "31/12/2026" in str(err.value) and "10/12/2026" in str(err.value)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "aberta"
        assert s.scalar(select(func.count()).select_from(Settlement)) == 0
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_method_outros_changes_status_only_without_ledger_entry(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    run_action(rt, SETTLE, [inv_id], {"method": METHOD_OTHER, "paid_on": "10/12/2026", "amount": "95,00"}, w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert s.get(Invoice, inv_id).status == "liquidada"
        assert st.entry_id is None and st.bank_account_id is None and st.discount == D("4.90")
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_profile_method_requires_bank_account_and_configured_accounts(make_rt, factory):
    rt = make_rt(settings={"receivables": {"receivable_account_code": "1.1.3.01"}})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with pytest.raises(ValidationError) as err:
        run_action(rt, SETTLE, [inv_id], {"method": METHOD_PROFILE, "paid_on": "10/12/2026"}, w.admin)
    assert err.value.field == "bank_account_id"
    with pytest.raises(ValidationError) as err:
        run_action(rt, SETTLE, [inv_id], _params(w, amount="90,00"), w.admin)
    assert err.value.field == "discount_account_code"
    assert str(err.value) == ("Configure a conta de desconto em [plugins.receivables] discount_account_code para "
                              "lançar a liquidação.")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "aberta"
        assert s.scalar(select(func.count()).select_from(Charge)) == 1


def test_before_settle_plugin_vetoes_or_adjusts(make_rt, factory):
    calls = []

    @hookimpl
    def before_settle(invoice, settlement, ctx):
        calls.append((invoice.id, settlement.paid_on, settlement.method))
        if invoice.wallet == "bloqueada":
            return [Blocker(invoice.id, "banco.remessa", f"A fatura {invoice.number} está em uma remessa "
                                                         "transmitida ao banco")]
        return [SettlementAdjustment("tarifa_boleto", D("2.50"), "Tarifa do boleto")]

    rt = make_rt({"test_bank_guard": plugin_module("test_bank_guard", before_settle=before_settle)})
    w = _seed(rt, factory)
    blocked = _invoice(rt, w)
    adjusted = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        s.get(Invoice, blocked).wallet = "bloqueada"
        number = s.get(Invoice, blocked).number
    result = run_action(rt, SETTLE, [blocked, adjusted], _params(w), w.admin)
    assert result.done == [adjusted]
    assert [b.message for b in result.refused[blocked]] == [
        f"A fatura {number} está em uma remessa transmitida ao banco"]
    assert calls and calls[0][1:] == (date(2026, 12, 10), METHOD_PROFILE)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, blocked).status == "aberta"
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == adjusted)).one()
        assert (st.amount, st.surcharge) == (D("102.40"), D("2.50"))
        assert _settlement_charges(s, adjusted) == [("ajuste", D("2.50"), "Tarifa do boleto")]
    with unit_of_work(rt.engine) as s:  # the service refuses on its own too (outside the action)
        with pytest.raises(SettlementRefused) as err:
            settle_invoice(s, s.get(Invoice, blocked), paid_on=date(2026, 12, 10), method=METHOD_OTHER, runtime=rt)
        assert [b.code for b in err.value.blockers] == ["banco.remessa"]


def test_action_blockers_of_another_plugin_refuse_settlement(make_rt, factory):
    @hookimpl
    def action_blockers(action, records, params, ctx):
        if action.name != SETTLE:
            return None
        return [Blocker(r.id, "remessa_transmitida", f"A fatura {r.number} está com remessa transmitida")
                for r in records if r.remessa_transmitted]

    rt = make_rt({"test_remessa": plugin_module("test_remessa", action_blockers=action_blockers)})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        s.get(Invoice, inv_id).remessa_transmitted = True
        number = s.get(Invoice, inv_id).number
    result = run_action(rt, SETTLE, [inv_id], _params(w), w.admin)
    assert result.done == []
    assert [b.message for b in result.refused[inv_id]] == [f"A fatura {number} está com remessa transmitida"]


def test_permissions_and_labels(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    assert rt.registry.permissions["receivables.invoice.settle"] == ("Baixa de faturas", "Faturas a receber")
    assert rt.registry.permissions["receivables.invoice.reverse"] == ("Estorno de Faturas", "Faturas a receber")
    assert rt.registry.actions[SETTLE].label == "Liquidação avulsa de faturas"
    assert rt.registry.actions[REVERSE].label == "Estorno de Faturas"
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        clerk = create_user(s, "atendente", "senha-muito-forte-2")
    with pytest.raises(PermissionDenied):
        run_action(rt, SETTLE, [inv_id], _params(w), clerk)


# --- estorno ---------------------------------------------------------------------------------------

def test_reversal_is_dated_on_the_event_date_and_reopens_the_invoice(make_rt, factory):
    events = []

    @hookimpl
    def after_settle(invoice_id, settlement_id, ctx):
        events.append(("settle", invoice_id, settlement_id, ctx.session))

    @hookimpl
    def after_reverse(invoice_id, settlement_id, ctx):
        events.append(("reverse", invoice_id, settlement_id, ctx.justification))

    rt = make_rt({"test_events": plugin_module("test_events", after_settle=after_settle, after_reverse=after_reverse)})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    run_action(rt, SETTLE, [inv_id], _params(w, amount="90,00"), w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        st_id, entry_id = st.id, st.entry_id
    assert events == [("settle", inv_id, st_id, None)]
    with pytest.raises(ValidationError) as err:  # the manual: justify the reversal
        run_action(rt, REVERSE, [inv_id], {"on": "05/01/2027", "bank_account_id": w.cash_id}, w.admin)
    assert err.value.field == "justification"
    with pytest.raises(ValidationError) as err:  # same account as the payment, or balances break
        run_action(rt, REVERSE, [inv_id], {"on": "05/01/2027", "bank_account_id": w.other_cash_id,
                                           "justification": "Cheque devolvido"}, w.admin)
    assert err.value.field == "bank_account_id" and "1.1.1.01 - Caixa geral" in str(err.value)
    assert len(events) == 1
    result = run_action(rt, REVERSE, [inv_id], {"on": "05/01/2027", "bank_account_id": w.cash_id,
                                                "justification": "Cheque devolvido"}, w.admin)
    assert result.done == [inv_id]
    assert events[-1] == ("reverse", inv_id, st_id, "Cheque devolvido")
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        st = s.get(Settlement, st_id)
        assert inv.status == "aberta" and st.reversed and st.reversed_on == date(2027, 1, 5)
        assert inv.total == D("99.90")
        assert st.reversal_justification == "Cheque devolvido"
        reversal = s.get(JournalEntry, st.reversal_entry_id)
        assert reversal.date == date(2027, 1, 5) and reversal.reversal_of_id == entry_id
        assert _lines(s, reversal.id) == [("1.1.1.01", D("0.00"), D("90.00")), ("1.1.3.01", D("99.90"), D("0.00")),
                                          ("3.2.1.01", D("0.00"), D("9.90"))]
        # the discount charge is gone; the invoice's own charge is billed again
        charges = s.execute(select(Charge.origin, Charge.status).where(Charge.invoice_id == inv_id)).all()
        assert charges == [("contrato", "faturada")]
        assert s.scalar(select(func.count()).select_from(SettlementCharge)) == 0
    second = run_action(rt, REVERSE, [inv_id], {"on": "06/01/2027", "justification": "de novo"}, w.admin)
    assert [b.code for b in second.refused[inv_id]] == ["estorno.sem_liquidacao"]
    again = run_action(rt, SETTLE, [inv_id], _params(w, paid_on="06/01/2027"), w.admin)  # can be settled again
    assert again.done == [inv_id]


def test_reversal_inside_protection_period_is_refused(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    run_action(rt, SETTLE, [inv_id], _params(w), w.admin)
    with unit_of_work(rt.engine) as s:
        s.get(Company, w.company_id).protect_before = date(2027, 1, 31)
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        with pytest.raises(SettlementRefused) as err:
            reverse_settlement(s, st, on=date(2027, 1, 10), justification="Erro de digitação", runtime=rt)
        assert [b.code for b in err.value.blockers] == ["estorno.periodo_protegido"]
    result = run_action(rt, REVERSE, [inv_id], {"on": "10/01/2027", "justification": "Erro"}, w.admin)
    assert result.done == [] and "31/01/2027" in result.refused[inv_id][0].message
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "liquidada"
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1


# --- baixa parcial ---------------------------------------------------------------------------------

def test_partial_settlement_creates_remainder_invoice_with_next_number(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    older = _invoice(rt, w, issue=date(2026, 10, 31), due=date(2026, 11, 10))
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        inv = s.get(Invoice, inv_id)
        with pytest.raises(ValidationError) as err:  # "Juros/Multa na nova fatura" is off
            settle_partial(s, inv, paid_on=date(2026, 12, 10), amount=D("40.00"), new_due_date=date(2027, 1, 10),
                           remainder_interest=D("1.50"), bank_account_id=w.cash_id, runtime=rt)
        assert err.value.field == "remainder_interest"
        with pytest.raises(ValidationError) as err:
            settle_partial(s, inv, paid_on=date(2026, 12, 10), amount=D("99.90"), new_due_date=date(2027, 1, 10),
                           bank_account_id=w.cash_id, runtime=rt)
        assert err.value.field == "amount"
        out = settle_partial(s, inv, paid_on=date(2026, 12, 10), amount=D("40.00"), new_due_date=date(2027, 1, 10),
                             note="Cliente pagará o saldo em janeiro", bank_account_id=w.cash_id,
                             justification="Baixa parcial no caixa", user=w.admin, runtime=rt)
        older_number, number = s.get(Invoice, older).number, inv.number
        rest = out.remainder_invoice
        assert out.warnings == [f"Atenção: o cliente possui faturas em aberto com vencimento anterior ao da fatura "
                                f"{number}: {older_number}."]
        assert rest.number == number + 1  # gapless counter of the company
        assert (rest.total, rest.due_date, rest.issue_date, rest.status) == \
            (D("59.90"), date(2027, 1, 10), date(2026, 12, 10), "aberta")
        assert rest.description == "Cliente pagará o saldo em janeiro"
        assert inv.status == "parcialmente_liquidada" and inv.total == D("99.90")
        st = out.settlement
        assert (st.amount, st.invoice_amount, st.partial, st.remainder_invoice_id) == (D("40.00"), D("40.00"), True,
                                                                                       rest.id)
        assert _lines(s, st.entry_id) == [("1.1.1.01", D("40.00"), D("0.00")), ("1.1.3.01", D("0.00"), D("40.00"))]
        rest_charges = s.execute(select(Charge.amount, Charge.status).where(Charge.invoice_id == rest.id)).all()
        assert rest_charges == [(D("59.90"), "faturada")]
        rest_id = rest.id
    blocked = preview_action(rt, SETTLE, [inv_id], _params(w), w.admin)
    assert [b.message for b in blocked.refused[inv_id]] == ["Esta fatura possui liquidações parciais"]
    # reversal of the partial settlement removes the (still open) remainder invoice
    run_action(rt, REVERSE, [inv_id], {"on": "11/12/2026", "justification": "Valor lançado errado"}, w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "aberta"
        assert s.get(Invoice, rest_id).status == "excluida"
        assert set(s.scalars(select(Charge.status).where(Charge.invoice_id == rest_id))) == {"removida"}


def test_partial_settlement_interest_on_new_invoice_when_enabled(make_rt, factory):
    rt = make_rt(settings={"receivables": {**ACCOUNTS, "juros_multa_na_nova_fatura": True}})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine) as s:
        out = settle_partial(s, s.get(Invoice, inv_id), paid_on=date(2026, 12, 10), amount="40,00",
                             new_due_date=date(2027, 1, 10), remainder_interest="1,50", method=METHOD_OTHER,
                             runtime=rt)
        assert out.warnings == []
        assert out.remainder_invoice.total == D("61.40")
        kinds = s.execute(select(SettlementCharge.kind, Charge.amount).join(Charge, Charge.id == SettlementCharge.charge_id)
                          .where(Charge.invoice_id == out.remainder_invoice.id).order_by(SettlementCharge.kind)).all()
        assert kinds == [("juros_saldo", D("1.50")), ("saldo", D("59.90"))]


# --- recibo ----------------------------------------------------------------------------------------

def test_settlement_receipt_data(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    run_action(rt, SETTLE, [inv_id], _params(w, amount="90,00"), w.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        st_id = s.scalar(select(Settlement.id).where(Settlement.invoice_id == inv_id))
        receipt = settlement_receipt(s, st_id)
    assert receipt["customer"]["name"] == "Maria da Silva"
    assert receipt["company"]["cnpj"] == "11222333000181"
    assert receipt["invoice"]["total"] == D("99.90") and receipt["invoice"]["due_date"] == date(2026, 12, 10)
    assert (receipt["amount"], receipt["discount"], receipt["paid_on"]) == (D("90.00"), D("9.90"), date(2026, 12, 10))
    assert receipt["amount_text"] == "R$ 90,00"
    assert receipt["method_label"] == "Profile bancária (aguarda conciliação)"
    assert receipt["bank_account"] == "1.1.1.01 - Caixa geral" and receipt["reversed"] is False
    assert ORIGIN_SETTLEMENT == "liquidacao"


def test_concurrent_settlements_of_one_invoice_settle_it_once(make_rt, factory):
    """Two operators settle the same invoice at the same moment: one wins; the other is refused
    with the manual's message (in its blockers, or raised when its check ran before the winner
    committed and the invoice lock then showed it settled)."""
    import threading

    rt = make_rt()
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, inv_id).number
    barrier = threading.Barrier(2)
    outcomes = []

    def operator(amount):
        barrier.wait()
        try:
            outcomes.append(run_action(rt, SETTLE, [inv_id], _params(w, amount=amount), w.admin))
        except ValidationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=operator, args=(a,)) for a in ("90,00", "95,00")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [o for o in outcomes if not isinstance(o, Exception) and o.done]
    refused = [o for o in outcomes if o not in done]
    assert len(done) == 1 and len(refused) == 1
    loser = refused[0]
    message = str(loser) if isinstance(loser, Exception) else loser.refused[inv_id][0].message
    assert message == f"A Fatura {number} já está liquidada"
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert s.scalar(select(func.count()).select_from(SettlementCharge)) == 1
