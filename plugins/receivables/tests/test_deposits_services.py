"""Unidentified deposits (depósitos não identificados) on real runtimes: registering and cancelling
(ledger entries), and paying invoices with them — the manual's three cases ("Depósitos não
Identificados", Baixa de faturas): deposit equal to the invoice; larger ⇒ a new unidentified
deposit with the rest, usable in other settlements; smaller ⇒ like a partial settlement, a new
invoice with the remainder and the origin invoice's data — plus reversal, refusals, the kernel
action and two operators using one deposit at the same moment."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import JournalEntry
from core.models.company import Company
from core.runtime import bootstrap, set_current
from plugins.receivables.deposit_models import UnidentifiedDeposit
from plugins.receivables.deposits import (cancel_deposit, list_deposits, open_deposits, open_deposits_text,
                                          register_deposit, settle_with_deposit)
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.settlement import SettlementRefused, reverse_settlement
from plugins.receivables.settlement_models import Settlement
from plugins.receivables.tests.deposits_world import (ACCOUNTS, DEPOSIT_ACCOUNT, SETTINGS, D, assert_books, invoice,
                                                      lines, seed)
from tests.conftest import make_config, truncate_all

SETTLE_WITH_DEPOSIT = "receivables.invoice.settle_with_deposit"
CANCEL = "receivables.deposit.cancel"
REVERSE = "receivables.invoice.reverse"


@pytest.fixture
def rt(database_url):
    config = make_config(database_url, enabled=["receivables"], plugin_settings=SETTINGS)
    runtime = bootstrap(config, make_current=False)
    yield runtime
    truncate_all(runtime.engine)
    runtime.dispose()
    set_current(None)


def _deposit(rt, w, amount, on=date(2026, 12, 5), account="1.1.1.02", text="PIX RECEBIDO JOSE S") -> int:
    with unit_of_work(rt.engine) as s:
        return register_deposit(s, company_id=w.company_id, deposited_on=on, amount=amount, account=account,
                                description=text, document="E0000123", user=w.admin, runtime=rt).id


def _settle(rt, w, inv_id, dep_id, **kw):
    with unit_of_work(rt.engine) as s:
        out = settle_with_deposit(s, s.get(Invoice, inv_id), dep_id, user=w.admin, runtime=rt, **kw)
        return out.settlement.id, out.rest_deposit.id if out.rest_deposit else None, \
            out.remainder_invoice.id if out.remainder_invoice else None, out.warnings


# --- register / cancel ---------------------------------------------------------------------------

def test_register_posts_bank_against_unidentified_deposit_account(rt, factory):
    w = seed(rt.engine, factory)
    dep_id = _deposit(rt, w, "150,00")
    with unit_of_work(rt.engine, readonly=True) as s:
        d = s.get(UnidentifiedDeposit, dep_id)
        assert (d.amount, d.status, d.deposited_on, d.account_id, d.document) == \
            (D("150.00"), "aberto", date(2026, 12, 5), w.bank_id, "E0000123")
        entry = s.get(JournalEntry, d.entry_id)
        assert entry.date == date(2026, 12, 5) and entry.origin_kind == "receivables_unidentified_deposit"
        assert lines(s, entry.id) == [("1.1.1.02", D("150.00"), D("0.00")), (DEPOSIT_ACCOUNT, D("0.00"), D("150.00"))]
        assert [x.id for x in open_deposits(s, w.company_id)] == [dep_id]
        assert "Nº {} — 05/12/2026 — R$ 150,00 — PIX RECEBIDO JOSE S".format(dep_id) in \
            open_deposits_text(s, w.company_id)
        assert_books(s, w)


@pytest.mark.parametrize("kwargs, field, text", [
    ({"amount": "0,00"}, "amount", "O valor do depósito deve ser maior que zero."),
    ({"amount": "abc"}, "amount", "Valor do depósito"),
    ({"amount": 150.0}, "amount", "não float"),
    ({"description": "  "}, "description", "Informe o histórico do depósito"),
    ({"account": "1.1.3.01"}, "account", "não é uma conta banco, caixa ou cofre"),
    ({"account": "9.9.9"}, "account", "Conta banco/caixa 9.9.9 não encontrada"),
    ({"deposited_on": "2026-12-05"}, "deposited_on", "Informe a data do depósito."),
])
def test_register_refusals_name_the_field(rt, factory, kwargs, field, text):
    w = seed(rt.engine, factory)
    args = {**dict(company_id=w.company_id, deposited_on=date(2026, 12, 5), amount="150,00", account="1.1.1.02",
                   description="PIX", runtime=rt), **kwargs}
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError) as err:
            register_deposit(s, **args)
    assert err.value.field == field and text in str(err.value)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(UnidentifiedDeposit)) == 0


def test_register_respects_protection_date_and_needs_the_configured_account(rt, factory, database_url):
    w = seed(rt.engine, factory)
    with unit_of_work(rt.engine) as s:
        s.get(Company, w.company_id).protect_before = date(2026, 12, 31)
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError) as err:
            register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 5), amount="10,00",
                             account=w.bank_id, description="PIX", runtime=rt)
    assert err.value.field == "deposited_on" and "31/12/2026" in str(err.value)
    other = bootstrap(make_config(database_url, enabled=["receivables"],
                                  plugin_settings={"receivables": {k: v for k, v in ACCOUNTS.items()
                                                                   if k != "unidentified_deposit_account_code"}}),
                      make_current=False)
    try:
        with unit_of_work(other.engine) as s:
            with pytest.raises(ValidationError) as err:
                register_deposit(s, company_id=w.company_id, deposited_on=date(2027, 1, 5), amount="10,00",
                                 account=w.bank_id, description="PIX", runtime=other)
        assert err.value.field == "unidentified_deposit_account_code"  # the default code, absent from this chart
        assert str(err.value) == (f"A conta 2.1.02 (depósito não identificado, configuração "
                                  f"unidentified_deposit_account_code) não existe no plano de contas da empresa "
                                  f"{w.company_id}.")
    finally:
        other.dispose()


def test_cancel_reverses_the_entry_and_refuses_used_or_cancelled(rt, factory):
    w = seed(rt.engine, factory)
    dep_id = _deposit(rt, w, "150,00")
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError) as err:
            cancel_deposit(s, dep_id, on=date(2026, 12, 20), justification="", runtime=rt)
        assert err.value.field == "justification"
        with pytest.raises(ValidationError) as err:
            cancel_deposit(s, dep_id, on=date(2026, 12, 1), justification="Devolvido", runtime=rt)
        assert err.value.field == "on" and "anterior à data do depósito (05/12/2026)" in str(err.value)
    with unit_of_work(rt.engine) as s:
        d = cancel_deposit(s, dep_id, on=date(2026, 12, 20), justification="Devolvido ao depositante",
                           user=w.admin, runtime=rt)
        reversal = s.get(JournalEntry, d.cancel_entry_id)
        assert reversal.date == date(2026, 12, 20) and reversal.reversal_of_id == d.entry_id
        assert lines(s, reversal.id) == [("1.1.1.02", D("0.00"), D("150.00")),
                                         (DEPOSIT_ACCOUNT, D("150.00"), D("0.00"))]
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError) as err:
            cancel_deposit(s, dep_id, on=date(2026, 12, 21), justification="de novo", runtime=rt)
        assert str(err.value) == f"O depósito não identificado {dep_id} já está cancelado."
    used = _deposit(rt, w, "99,90")
    inv_id = invoice(rt.engine, w)
    _settle(rt, w, inv_id, used)
    with unit_of_work(rt.engine) as s:
        number = s.get(Invoice, inv_id).number
        with pytest.raises(ValidationError) as err:
            cancel_deposit(s, used, on=date(2026, 12, 21), justification="engano", runtime=rt)
        assert str(err.value) == (f"O depósito não identificado {used} já foi utilizado na liquidação da fatura "
                                  f"{number}. Estorne a liquidação antes de cancelar o depósito.")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [d.id for d in list_deposits(s, status="cancelado")] == [dep_id]
        assert_books(s, w)


# --- the manual's three cases --------------------------------------------------------------------

def test_deposit_equal_to_the_invoice_settles_it(rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w, total="99.90")
    dep_id = _deposit(rt, w, "99,90")
    st_id, rest_id, remainder_id, warnings = _settle(rt, w, inv_id, dep_id)
    assert (rest_id, remainder_id, warnings) == (None, None, [])
    with unit_of_work(rt.engine, readonly=True) as s:
        inv, st, dep = s.get(Invoice, inv_id), s.get(Settlement, st_id), s.get(UnidentifiedDeposit, dep_id)
        assert inv.status == "liquidada"
        assert (st.method, st.amount, st.paid_on, st.bank_account_id) == \
            ("deposito_nao_identificado", D("99.90"), date(2026, 12, 5), w.deposit_account_id)
        assert st.justification == f"Depósito não identificado {dep_id}"
        assert (dep.status, dep.settlement_id) == ("utilizado", st_id)
        # the money is already in the bank: D depósito não identificado / C clientes
        assert lines(s, st.entry_id) == [("1.1.3.01", D("0.00"), D("99.90")), (DEPOSIT_ACCOUNT, D("99.90"), D("0.00"))]
        assert_books(s, w)


def test_larger_deposit_leaves_a_new_deposit_with_the_rest(rt, factory):
    """Invoice 99,90 paid with a deposit of 150,00 ⇒ a new unidentified deposit of 50,10."""
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w, total="99.90")
    dep_id = _deposit(rt, w, "150,00")
    st_id, rest_id, remainder_id, _w = _settle(rt, w, inv_id, dep_id)
    assert remainder_id is None
    with unit_of_work(rt.engine, readonly=True) as s:
        inv, st = s.get(Invoice, inv_id), s.get(Settlement, st_id)
        dep, rest = s.get(UnidentifiedDeposit, dep_id), s.get(UnidentifiedDeposit, rest_id)
        assert inv.status == "liquidada" and inv.total == D("99.90")  # no surcharge: the rest is a deposit
        assert (st.amount, st.surcharge) == (D("99.90"), D("0.00"))
        assert dep.status == "utilizado"
        assert (rest.amount, rest.status, rest.origin_deposit_id, rest.origin_settlement_id, rest.entry_id) == \
            (D("50.10"), "aberto", dep_id, st_id, None)
        assert (rest.deposited_on, rest.account_id, rest.document) == (date(2026, 12, 5), w.bank_id, "E0000123")
        assert rest.description == f"Restante do depósito {dep_id}: PIX RECEBIDO JOSE S"
        assert lines(s, st.entry_id) == [("1.1.3.01", D("0.00"), D("99.90")), (DEPOSIT_ACCOUNT, D("99.90"), D("0.00"))]
        assert_books(s, w)  # the deposit account still holds 50,10 = the open rest
    # the rest is usable in other settlements
    other = invoice(rt.engine, w, total="50.10")
    _st, rest2, _rem, _w = _settle(rt, w, other, rest_id)
    assert rest2 is None
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, other).status == "liquidada"
        assert s.get(UnidentifiedDeposit, rest_id).status == "utilizado"
        assert_books(s, w)


def test_smaller_deposit_is_a_partial_settlement_with_a_remainder_invoice(rt, factory):
    """Deposit of 60,00 on an invoice of 99,90 ⇒ a new invoice of 39,90 with the origin's data."""
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w, total="99.90", due=date(2026, 12, 10))
    dep_id = _deposit(rt, w, "60,00")
    st_id, rest_id, remainder_id, _w = _settle(rt, w, inv_id, dep_id)
    assert rest_id is None
    with unit_of_work(rt.engine, readonly=True) as s:
        inv, st, new = s.get(Invoice, inv_id), s.get(Settlement, st_id), s.get(Invoice, remainder_id)
        assert inv.status == "parcialmente_liquidada"
        assert (st.partial, st.amount, st.invoice_amount, st.remainder_invoice_id) == (True, D("60.00"), D("60.00"),
                                                                                       remainder_id)
        assert (new.total, new.status, new.number) == (D("39.90"), "aberta", inv.number + 1)
        assert (new.party_id, new.company_id, new.wallet, new.competence, new.due_date) == \
            (inv.party_id, inv.company_id, inv.wallet, inv.competence, date(2026, 12, 10))
        assert s.get(UnidentifiedDeposit, dep_id).status == "utilizado"
        assert lines(s, st.entry_id) == [("1.1.3.01", D("0.00"), D("60.00")), (DEPOSIT_ACCOUNT, D("60.00"), D("0.00"))]
        assert_books(s, w)


def test_late_invoice_due_includes_interest_and_penalty(rt, factory):
    """Invoice 100,00 due 10/12/2026, deposit of 15/12/2026: due 107,00 (juros 5,00 + multa 2,00,
    see test_settlement); a deposit of 150,00 leaves 43,00; one of 103,00 covers the invoice but
    not all of the charges: settled with a 4,00 discount and a warning."""
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w, total="100.00")
    dep_id = _deposit(rt, w, "150,00", on=date(2026, 12, 15))
    st_id, rest_id, _rem, _w = _settle(rt, w, inv_id, dep_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.get(Settlement, st_id)
        assert (st.amount, st.interest, st.penalty) == (D("107.00"), D("5.00"), D("2.00"))
        assert s.get(UnidentifiedDeposit, rest_id).amount == D("43.00")
        assert lines(s, st.entry_id) == [("1.1.3.01", D("0.00"), D("100.00")), (DEPOSIT_ACCOUNT, D("107.00"), D("0.00")),
                                         ("3.1.2.01", D("0.00"), D("7.00"))]
        assert_books(s, w)
    inv2 = invoice(rt.engine, w, total="100.00")
    dep2 = _deposit(rt, w, "103,00", on=date(2026, 12, 15))
    st2, rest2, rem2, warnings = _settle(rt, w, inv2, dep2)
    assert (rest2, rem2) == (None, None)
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, inv2).number
        st = s.get(Settlement, st2)
        assert (st.amount, st.discount) == (D("103.00"), D("4.00"))
        assert warnings == [f"O depósito não identificado {dep2} (R$ 103,00) cobre o valor da fatura {number}, mas "
                            f"não todos os encargos (devido R$ 107,00); a diferença de R$ 4,00 foi lançada como "
                            f"desconto."]
        assert_books(s, w)


# --- refusals -----------------------------------------------------------------------------------

def test_refusals_used_cancelled_other_company_date_and_settled_invoice(rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w)
    used = _deposit(rt, w, "99,90")
    _settle(rt, w, inv_id, used)
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, inv_id).number
    inv2 = invoice(rt.engine, w)
    with unit_of_work(rt.engine) as s:
        with pytest.raises(SettlementRefused) as err:
            settle_with_deposit(s, s.get(Invoice, inv2), used, runtime=rt)
        assert str(err.value) == f"O depósito não identificado {used} já foi utilizado na liquidação da fatura {number}."
    fresh = _deposit(rt, w, "99,90")
    with unit_of_work(rt.engine) as s:  # the manual's blocker of an already settled invoice
        with pytest.raises(SettlementRefused) as err:
            settle_with_deposit(s, s.get(Invoice, inv_id), fresh, runtime=rt)
        assert str(err.value) == f"A Fatura {number} já está liquidada"
        with pytest.raises(ValidationError) as err:
            settle_with_deposit(s, s.get(Invoice, inv2), fresh, paid_on=date(2026, 12, 4), runtime=rt)
        assert err.value.field == "paid_on"
        assert str(err.value) == "A data de liquidação (04/12/2026) não pode ser anterior à data do depósito (05/12/2026)."
    with unit_of_work(rt.engine) as s:
        cancel_deposit(s, fresh, on=date(2026, 12, 6), justification="Devolvido", runtime=rt)
    with unit_of_work(rt.engine) as s:
        with pytest.raises(SettlementRefused) as err:
            settle_with_deposit(s, s.get(Invoice, inv2), fresh, runtime=rt)
        assert str(err.value) == f"O depósito não identificado {fresh} está cancelado."
    w2 = seed(rt.engine, factory, cnpj="45723174000110", code="2", username="outro")
    foreign = _deposit(rt, w2, "99,90")
    with unit_of_work(rt.engine) as s:
        with pytest.raises(SettlementRefused) as err:
            settle_with_deposit(s, s.get(Invoice, inv2), foreign, runtime=rt)
        inv2_number = s.get(Invoice, inv2).number
        assert str(err.value) == (f"O depósito não identificado {foreign} é de outra empresa; a fatura {inv2_number} "
                                  f"não pode ser liquidada com ele.")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv2).status == "aberta"
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1


# --- reversal -----------------------------------------------------------------------------------

def test_reversal_restores_the_deposit_and_cancels_the_unused_rest(rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w)
    dep_id = _deposit(rt, w, "150,00")
    st_id, rest_id, _rem, _w = _settle(rt, w, inv_id, dep_id)
    with unit_of_work(rt.engine) as s:
        reverse_settlement(s, s.get(Settlement, st_id), on=date(2026, 12, 20), justification="Depósito era de outro",
                           user=w.admin, runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        dep, rest = s.get(UnidentifiedDeposit, dep_id), s.get(UnidentifiedDeposit, rest_id)
        assert (dep.status, dep.settlement_id) == ("aberto", None)
        assert (rest.status, rest.cancelled_on, rest.cancel_entry_id) == ("cancelado", date(2026, 12, 20), None)
        assert rest.cancel_justification.startswith(f"Estorno da liquidação {st_id} da fatura ")
        assert s.get(Invoice, inv_id).status == "aberta"
        st = s.get(Settlement, st_id)
        assert lines(s, st.reversal_entry_id) == [("1.1.3.01", D("99.90"), D("0.00")),
                                                  (DEPOSIT_ACCOUNT, D("0.00"), D("99.90"))]
        assert_books(s, w)  # the account holds the whole 150,00 again
    # the restored deposit pays the invoice again (smaller invoice this time, a new rest)
    _st2, rest2, _rem2, _w2 = _settle(rt, w, inv_id, dep_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(UnidentifiedDeposit, rest2).amount == D("50.10") and rest2 != rest_id
        assert_books(s, w)


def test_reversal_of_partial_settlement_removes_the_remainder_and_reopens_the_deposit(rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w)
    dep_id = _deposit(rt, w, "60,00")
    st_id, _rest, remainder_id, _w = _settle(rt, w, inv_id, dep_id)
    # the dialog may preselect a bank account: for a deposit it does not apply (the deposit account is credited)
    result = run_action(rt, REVERSE, [inv_id], {"on": "20/12/2026", "justification": "Engano",
                                                "bank_account_id": w.bank_id}, w.admin)
    assert result.done == [inv_id], result.refused
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(UnidentifiedDeposit, dep_id).status == "aberto"
        assert s.get(Invoice, remainder_id).status == "excluida"
        assert s.get(Invoice, inv_id).status == "aberta"
        assert_books(s, w)


def test_reversal_refused_when_the_rest_was_used_or_cancelled(rt, factory):
    w = seed(rt.engine, factory)
    first = invoice(rt.engine, w)
    second = invoice(rt.engine, w, total="30.00")
    dep_id = _deposit(rt, w, "150,00")
    st_id, rest_id, _rem, _w = _settle(rt, w, first, dep_id)
    _settle(rt, w, second, rest_id)  # 50,10 pays 30,00: the rest of the rest is 20,10
    with unit_of_work(rt.engine, readonly=True) as s:
        second_number = s.get(Invoice, second).number
        rest_of_rest = s.scalar(select(UnidentifiedDeposit.id).where(UnidentifiedDeposit.origin_deposit_id == rest_id))
        assert s.get(UnidentifiedDeposit, rest_of_rest).amount == D("20.10")
    result = run_action(rt, REVERSE, [first], {"on": "20/12/2026", "justification": "Engano"}, w.admin)
    assert result.done == []
    assert [b.message for b in result.refused[first]] == [
        f"O depósito não identificado {rest_id}, com o restante do depósito {dep_id}, já foi utilizado; estorne antes "
        f"a liquidação que o utilizou. O depósito não identificado {rest_id} já foi utilizado na liquidação da fatura "
        f"{second_number}."]
    # reversing the second settlement first makes the first one reversible again
    assert run_action(rt, REVERSE, [second], {"on": "20/12/2026", "justification": "Engano"}, w.admin).done == [second]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(UnidentifiedDeposit, rest_id).status == "aberto"
        assert s.get(UnidentifiedDeposit, rest_of_rest).status == "cancelado"
    # an operator cancels the rest: the original can no longer be restored
    with unit_of_work(rt.engine) as s:
        cancel_deposit(s, rest_id, on=date(2026, 12, 21), justification="Devolvido", runtime=rt)
        rest = s.get(UnidentifiedDeposit, rest_id)
        assert lines(s, rest.cancel_entry_id) == [("1.1.1.02", D("0.00"), D("50.10")),
                                                  (DEPOSIT_ACCOUNT, D("50.10"), D("0.00"))]
    with unit_of_work(rt.engine) as s:
        with pytest.raises(SettlementRefused) as err:
            reverse_settlement(s, s.get(Settlement, st_id), on=date(2026, 12, 22), justification="Engano", runtime=rt)
        assert [b.code for b in err.value.blockers] == ["estorno.deposito_restante_cancelado"]
        assert str(err.value) == (f"O depósito não identificado {rest_id}, com o restante do depósito {dep_id}, foi "
                                  f"cancelado; não é possível restaurar o depósito {dep_id}.")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, first).status == "liquidada"
        assert_books(s, w)


# --- kernel action ------------------------------------------------------------------------------

def test_kernel_action_settles_with_a_deposit_and_previews_blockers(rt, factory):
    w = seed(rt.engine, factory)
    action = rt.registry.actions[SETTLE_WITH_DEPOSIT]
    assert action.label == "Liquidar com depósito não identificado"
    assert action.permission == "receivables.invoice.settle"
    inv_id = invoice(rt.engine, w)
    inv2 = invoice(rt.engine, w)
    dep_id = _deposit(rt, w, "150,00")
    with pytest.raises(ValidationError) as err:  # one invoice per deposit
        run_action(rt, SETTLE_WITH_DEPOSIT, [inv_id, inv2], {"deposit_id": dep_id}, w.admin)
    assert err.value.field == "ids"
    preview = preview_action(rt, SETTLE_WITH_DEPOSIT, [inv_id], {"deposit_id": dep_id}, w.admin)
    assert preview.done == [inv_id] and not preview.refused
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, inv_id).number
    assert [a.message for a in preview.warnings[inv_id]] == [
        f"O depósito {dep_id} (R$ 150,00) é maior que o devido da fatura {number} (R$ 99,90): o restante de R$ 50,10 "
        f"ficará como um novo depósito não identificado."]
    small = _deposit(rt, w, "60,00")
    preview = preview_action(rt, SETTLE_WITH_DEPOSIT, [inv_id], {"deposit_id": small}, w.admin)
    assert [a.message for a in preview.warnings[inv_id]] == [
        f"O depósito {small} (R$ 60,00) é menor que a fatura {number} (R$ 99,90): baixa parcial; o saldo de R$ 39,90 "
        f"irá para uma nova fatura."]
    result = run_action(rt, SETTLE_WITH_DEPOSIT, [inv_id], {"deposit_id": str(dep_id), "paid_on": "06/12/2026",
                                                           "justification": "Identificado pelo extrato"}, w.admin)
    assert result.done == [inv_id]
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert (st.paid_on, st.justification) == (date(2026, 12, 6), "Identificado pelo extrato")
        number = s.get(Invoice, inv_id).number
    again = preview_action(rt, SETTLE_WITH_DEPOSIT, [inv2], {"deposit_id": dep_id}, w.admin)
    assert [b.message for b in again.refused[inv2]] == [
        f"O depósito não identificado {dep_id} já foi utilizado na liquidação da fatura {number}."]
    # cancelling through the kernel action (on the deposits)
    with unit_of_work(rt.engine, readonly=True) as s:
        rest_id = s.scalar(select(UnidentifiedDeposit.id).where(UnidentifiedDeposit.origin_deposit_id == dep_id))
    blocked = preview_action(rt, CANCEL, [dep_id], {"on": "20/12/2026"}, w.admin)
    assert blocked.refused[dep_id][0].code == "deposito.utilizado"
    done = run_action(rt, CANCEL, [rest_id], {"on": "20/12/2026", "justification": "Devolvido"}, w.admin)
    assert done.done == [rest_id]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(UnidentifiedDeposit, rest_id).status == "cancelado"
        assert_books(s, w)


# --- concurrency --------------------------------------------------------------------------------

def test_two_operators_using_one_deposit_at_once_one_wins(rt, factory):
    """Two operators pick the same deposit for two invoices at the same moment: one settles, the
    other is refused with "já foi utilizado" (row lock + status check in the same transaction)."""
    w = seed(rt.engine, factory)
    invoices = [invoice(rt.engine, w), invoice(rt.engine, w)]
    dep_id = _deposit(rt, w, "99,90")
    barrier = threading.Barrier(2)
    outcomes = []

    def operator(inv_id):
        barrier.wait()
        try:
            outcomes.append((inv_id, run_action(rt, SETTLE_WITH_DEPOSIT, [inv_id], {"deposit_id": dep_id}, w.admin)))
        except ValidationError as exc:
            outcomes.append((inv_id, exc))

    threads = [threading.Thread(target=operator, args=(i,)) for i in invoices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [(i, o) for i, o in outcomes if not isinstance(o, Exception) and o.done]
    refused = [(i, o) for i, o in outcomes if (i, o) not in done]
    assert len(done) == 1 and len(refused) == 1
    winner = done[0][0]
    loser_id, loser = refused[0]
    message = str(loser) if isinstance(loser, Exception) else loser.refused[loser_id][0].message
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, winner).number
        assert message == f"O depósito não identificado {dep_id} já foi utilizado na liquidação da fatura {number}."
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1
        assert s.get(Invoice, loser_id).status == "aberta"
        assert s.scalar(select(func.count()).select_from(Charge).where(Charge.origin == "liquidacao")) == 0
        assert_books(s, w)
