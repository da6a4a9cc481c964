"""Warnings in the receivables actions (the kernel's `Advice` channel), "Baixa parcial" as a kernel
action, and the bank/cash account picker of the settlement dialogs.

Manual ("Baixar Faturas"): "Se o cliente tiver faturas em aberto com vencimento anterior à fatura
que está sendo baixada, o sistema mostrará uma mensagem de advertência." Painel do cliente
(Suspender fatura): "ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada."
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.actions import preview_action, run_action
from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account, JournalLine
from core.models import Reason
from core.runtime import bootstrap
from core.web.app import create_app
from plugins.receivables.models import Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.receivables.tests.invoice_world import add_invoice
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

D = Decimal
PASSWORD = "senha-muito-forte-1"
ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}
SETTLE = "receivables.invoice.settle"
PARTIAL = "receivables.invoice.settle_partial"
REVERSE = "receivables.invoice.reverse"
SUSPEND = "receivables.invoice.suspend"
OLDER = "fatura.vencimento_anterior_em_aberto"


@pytest.fixture
def make_rt(database_url):
    def build(settings: dict | None = None):
        config = make_config(database_url, enabled=["receivables"],
                             plugin_settings={"receivables": {**ACCOUNTS, **(settings or {})}},
                             secret_key="segredo-baixa-parcial")
        return bootstrap(config, make_current=False)

    with runtime_maker(build) as make:
        yield make


@dataclasses.dataclass
class World:
    company_id: int
    party_id: int
    accounts: dict
    admin: object

    @property
    def cash_id(self) -> int:
        return self.accounts["1.1.1.01"]


def _seed(rt, factory) -> World:
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        other = f.company(code="2", cnpj="11444777000161")
        party = f.party("Maria da Silva")
        accounts = add_accounts(s, company.id, (
            ("1.1.1.01", "Caixa geral", "cash"), ("1.1.1.02", "Cofre", "cash"), ("1.1.2.01", "Banco do Brasil", "bank"),
            ("1.1.3.01", "Clientes", "receivable"), ("3.1.2.01", "Juros e multas recebidos", "revenue"),
            ("3.2.1.01", "Descontos concedidos", "discount"), ("3.1.3.01", "Acréscimos recebidos", "surcharge"),
            ("1.1.1.01", "Caixa da filial", "cash", other.id)))
        admin = create_user(s, "gerente", PASSWORD, is_admin=True)
        admin.company_id = company.id
        s.add(Reason(kind="suspensao_fatura", code="NEG", description="Negociação em andamento", active=True))
        s.flush()
        return World(company.id, party.id, accounts, admin)


def _invoice(rt, w: World, total="99.90", issue=date(2026, 11, 30), due=date(2026, 12, 10), status="aberta",
             remessa=False, payment_form="crediario") -> int:
    with unit_of_work(rt.engine) as s:
        return add_invoice(s, w.company_id, w.party_id, total, issue, due, status=status,
                           remessa_transmitted=remessa, payment_form=payment_form)


def _number(rt, inv_id) -> int:
    with unit_of_work(rt.engine, readonly=True) as s:
        return s.get(Invoice, inv_id).number


def _advice(result, inv_id) -> list[tuple[str, str]]:
    return [(a.code, a.message) for a in result.warnings.get(inv_id, [])]


def _settle_params(w, **extra) -> dict:
    return {"method": "profile_aguardando_conciliacao", "paid_on": "10/12/2026", "bank_account_id": w.cash_id,
            "justification": "Pagamento no caixa", **extra}


# --- warnings ------------------------------------------------------------------------------------

def test_settle_warns_about_older_open_invoices_but_settles(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    older = _invoice(rt, w, issue=date(2026, 10, 31), due=date(2026, 11, 10))
    oldest = _invoice(rt, w, issue=date(2026, 9, 30), due=date(2026, 10, 10))
    inv_id = _invoice(rt, w)
    n, n_older, n_oldest = _number(rt, inv_id), _number(rt, older), _number(rt, oldest)
    text = (f"Atenção: o cliente possui faturas em aberto com vencimento anterior ao da fatura {n}: "
            f"{n_oldest}, {n_older}.")
    preview = preview_action(rt, SETTLE, [inv_id], _settle_params(w), w.admin)
    assert preview.done == [inv_id] and _advice(preview, inv_id) == [(OLDER, text)]
    result = run_action(rt, SETTLE, [inv_id], _settle_params(w), w.admin)
    assert result.done == [inv_id] and _advice(result, inv_id) == [(OLDER, text)]
    assert result.as_dict()["warnings"][inv_id][0]["message"] == text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "liquidada"            # a warning, not a refusal
    # settling the older ones together: none warns about an invoice settled by the same action
    both = run_action(rt, SETTLE, [oldest, older], _settle_params(w), w.admin)
    assert both.done == [oldest, older] and both.warnings == {}


def test_suspend_warns_when_the_invoice_has_remessa(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    plain = _invoice(rt, w)
    sent = _invoice(rt, w, remessa=True)
    params = {"reason": "NEG", "notes": "Cliente negociando acordo"}
    preview = preview_action(rt, SUSPEND, [plain, sent], params, w.admin)
    expected = [("fatura.remessa_gerada", "ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada.")]
    assert preview.done == [plain, sent] and list(preview.warnings) == [sent]
    assert _advice(preview, sent) == expected
    result = run_action(rt, SUSPEND, [plain, sent], params, w.admin)
    assert result.done == [plain, sent] and _advice(result, sent) == expected and plain not in result.warnings
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [s.get(Invoice, i).status for i in (plain, sent)] == ["suspensa", "suspensa"]


# --- baixa parcial as a kernel action ---------------------------------------------------------------

def _partial(w, **extra) -> dict:
    return {"paid_on": "10/12/2026", "amount": "40,00", "new_due_date": "10/01/2027", "bank_account_id": w.cash_id,
            "note": "Cliente pagará o saldo em janeiro", "justification": "Baixa parcial no caixa", **extra}


def test_partial_settlement_action_creates_the_remainder_invoice(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    older = _invoice(rt, w, issue=date(2026, 10, 31), due=date(2026, 11, 10))
    inv_id = _invoice(rt, w, payment_form="cartao")
    n = _number(rt, inv_id)
    result = run_action(rt, PARTIAL, [inv_id], _partial(w), w.admin)
    assert result.done == [inv_id] and not result.refused
    assert _advice(result, inv_id) == [(OLDER, "Atenção: o cliente possui faturas em aberto com vencimento anterior "
                                               f"ao da fatura {n}: {_number(rt, older)}.")]
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = s.get(Invoice, inv_id)
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        rest = s.get(Invoice, st.remainder_invoice_id)
        assert inv.status == "parcialmente_liquidada"
        assert (st.partial, st.amount, st.justification, st.note) == (True, D("40.00"), "Baixa parcial no caixa",
                                                                      "Cliente pagará o saldo em janeiro")
        assert (rest.number, rest.total, rest.due_date, rest.status, rest.description, rest.payment_form) == \
            (n + 1, D("59.90"), date(2027, 1, 10), "aberta", "Cliente pagará o saldo em janeiro", "cartao")
        lines = s.execute(select(Account.code, JournalLine.debit, JournalLine.credit)
                          .join(Account, Account.id == JournalLine.account_id)
                          .where(JournalLine.entry_id == st.entry_id).order_by(Account.code)).all()
        assert [tuple(x) for x in lines] == [("1.1.1.01", D("40.00"), D("0.00")), ("1.1.3.01", D("0.00"), D("40.00"))]
    # the partially settled invoice: full settlement and a second partial are refused by the manual's text
    again = preview_action(rt, PARTIAL, [inv_id], _partial(w), w.admin)
    assert [b.message for b in again.refused[inv_id]] == ["Esta fatura possui liquidações parciais"]


def test_partial_settlement_action_refusals(make_rt, factory):
    rt = make_rt()
    w = _seed(rt, factory)
    a = _invoice(rt, w)
    b = _invoice(rt, w)
    settled = _invoice(rt, w, status="liquidada")
    two = preview_action(rt, PARTIAL, [a, b], _partial(w), w.admin)
    assert two.done == [] and {m.message for m in two.refused[a]} == {
        "A baixa parcial é feita em uma fatura por vez: selecione somente uma fatura."}
    done = run_action(rt, PARTIAL, [settled], _partial(w), w.admin)
    assert done.done == [] and [m.message for m in done.refused[settled]] == [
        f"A Fatura {_number(rt, settled)} já está liquidada"]
    with pytest.raises(ValidationError) as err:                           # not less than the total
        run_action(rt, PARTIAL, [a], _partial(w, amount="99,90"), w.admin)
    assert err.value.field == "amount" and "menor que o total da fatura" in str(err.value)
    with pytest.raises(ValidationError) as err:                           # "Juros/Multa na nova fatura" off
        run_action(rt, PARTIAL, [a], _partial(w, remainder_interest="1,50"), w.admin)
    assert err.value.field == "remainder_interest"
    with pytest.raises(ValidationError) as err:
        run_action(rt, PARTIAL, [a], _partial(w, new_due_date=""), w.admin)
    assert err.value.field == "new_due_date" and "Nova data de vencimento" in str(err.value)
    with unit_of_work(rt.engine, readonly=True) as s:                     # nothing half-written
        assert s.get(Invoice, a).status == "aberta" and not s.scalars(select(Settlement)).all()


def test_partial_settlement_action_with_interest_on_the_new_invoice(make_rt, factory):
    rt = make_rt({"juros_multa_na_nova_fatura": True})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    result = run_action(rt, PARTIAL, [inv_id], _partial(w, remainder_interest="1,50"), w.admin)
    assert result.done == [inv_id]
    with unit_of_work(rt.engine, readonly=True) as s:
        st = s.scalars(select(Settlement).where(Settlement.invoice_id == inv_id)).one()
        assert s.get(Invoice, st.remainder_invoice_id).total == D("61.40")   # 59,90 + 1,50 "Juros em R$"


# --- account picker ----------------------------------------------------------------------------------

def _login(client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post("/login", data={"username": "gerente", "password": PASSWORD, "next": "/",
                                       "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303


@pytest.mark.parametrize("action", [SETTLE, PARTIAL, REVERSE])
def test_settlement_dialogs_pick_the_bank_cash_account(make_rt, factory, action):
    rt = make_rt({"bank_account_code": "1.1.2.01"})
    w = _seed(rt, factory)
    inv_id = _invoice(rt, w)
    with TestClient(create_app(rt)) as client:
        _login(client)
        dialog = client.get(f"/acoes/{action}/dialogo", params={"ids": str(inv_id)})
        assert dialog.status_code == 200
        html = re.search(r'<select name="bank_account_id"[^>]*>(.*?)</select>', dialog.text, re.S).group(1)
        options = re.findall(r'<option value="(\d*)"\s*(selected)?>([^<]*)</option>', html)
        if action != REVERSE:  # the method select shows the manual's labels (json_schema_extra "labels")
            method = re.search(r'<select name="method"[^>]*>(.*?)</select>', dialog.text, re.S).group(1)
            assert re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]*)</option>', method) == [
                ("profile_aguardando_conciliacao", "Profile bancária (aguarda conciliação)"),
                ("outros", "Outros (sem integração)")]
    ids = w.accounts
    # bank/cash accounts of the user's company only (not the branch's "Caixa da filial"), by code;
    # the one of `bank_account_code` preselected
    assert options == [("", "", "—"), (str(ids["1.1.1.01"]), "", "1.1.1.01 - Caixa geral"),
                       (str(ids["1.1.1.02"]), "", "1.1.1.02 - Cofre"),
                       (str(ids["1.1.2.01"]), "selected", "1.1.2.01 - Banco do Brasil")]
