"""Page "Depósitos não identificados" and the invoice action "Liquidar com depósito não
identificado" through the real app (TestClient, HTTP): permission and menu, CSRF, registering a
deposit with pt-BR errors naming the field, status filters, the action dialog's select of open
deposits, paying an invoice (the rest shows up as a new open deposit) and cancelling through the
kernel's bulk-action endpoint."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.runtime import bootstrap, set_current
from core.web.app import create_app
from plugins.receivables.deposit_models import UnidentifiedDeposit
from plugins.receivables.deposits import register_deposit
from plugins.receivables.models import Invoice
from plugins.receivables.tests.deposits_world import SETTINGS, D, assert_books, invoice, seed
from tests.browser.uisupport import add_user, csrf_of, login
from tests.conftest import make_config, truncate_all

URL = "/receber/depositos"
SEED_PASSWORD = "senha-muito-forte-1"  # deposits_world.seed's administrator "gerente"


@pytest.fixture
def rt(database_url):
    runtime = bootstrap(make_config(database_url, plugin_settings=SETTINGS))
    yield runtime
    truncate_all(runtime.engine)
    set_current(None)
    runtime.dispose()


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def _form(w, **extra) -> dict:
    return {"company_id": str(w.company_id), "deposited_on": "05/12/2026", "amount": "150,00",
            "account": str(w.bank_id), "description": "PIX RECEBIDO JOSE S", "document": "E0000123", **extra}


def _rows(html: str) -> list[tuple[str, str]]:
    """(deposit id, status) of the table rows."""
    return re.findall(r'<tr data-id="(\d+)" data-status="([a-z]+)">', html)


def _count(rt) -> int:
    with unit_of_work(rt.engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(UnidentifiedDeposit))


def test_page_permission_menu_and_csrf(client, rt, factory):
    w = seed(rt.engine, factory, username="dono")
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente", permissions=["receivables.contract.manage"])
    login(client, "atendente")
    assert 'href="/receber/depositos"' not in client.get("/").text
    assert client.get(URL).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    login(client, "gerente")
    assert 'href="/receber/depositos"' in client.get("/").text
    page = client.get(URL)
    assert page.status_code == 200
    assert "Lançar depósito" in page.text and "Nenhum depósito não identificado com estes filtros." in page.text
    resp = client.post(URL, data=_form(w))  # no CSRF token
    assert resp.status_code == 403 and "Token CSRF inválido ou ausente" in resp.text
    assert _count(rt) == 0


@pytest.mark.parametrize("extra, field, message", [
    ({"amount": "abc"}, "amount", "Valor do depósito"),
    ({"amount": "0"}, "amount", "O valor do depósito deve ser maior que zero."),
    ({"deposited_on": "31/02/2026"}, "deposited_on", "Data do depósito inválida: 31/02/2026 (use dd/mm/aaaa)."),
    ({"account": ""}, "account", "Informe a conta banco/caixa em que o valor foi depositado."),
    ({"description": ""}, "description", "Informe o histórico do depósito (descrição do extrato bancário)."),
    ({"company_id": ""}, "company_id", "Informe a empresa do depósito."),
])
def test_register_form_errors_name_the_field(client, rt, factory, extra, field, message):
    w = seed(rt.engine, factory)
    login(client, "gerente", SEED_PASSWORD)
    token = csrf_of(client.get(URL).text)
    resp = client.post(URL, data={**_form(w, **extra), "csrf_token": token})
    assert resp.status_code == 400
    assert message in resp.text
    assert re.search(rf'<div class="field has-error">\s*<label class="field-label" for="campo-{field}">', resp.text)
    assert 'value="PIX RECEBIDO JOSE S"' in resp.text or field == "description"  # typed values kept
    assert _count(rt) == 0


def test_register_list_filter_and_pay_an_invoice_through_the_action_dialog(client, rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w, total="99.90")
    login(client, "gerente", SEED_PASSWORD)
    token = csrf_of(client.get(URL).text)
    resp = client.post(URL, data={**_form(w), "csrf_token": token})
    assert resp.status_code == 200, resp.text
    dep_id = int(re.search(r'data-deposit-created="(\d+)"', resp.text).group(1))
    assert f"Depósito não identificado nº {dep_id} lançado." in resp.text
    assert _rows(resp.text) == [(str(dep_id), "aberto")]
    assert "R$ 150,00" in resp.text
    with unit_of_work(rt.engine, readonly=True) as s:
        d = s.get(UnidentifiedDeposit, dep_id)
        assert (d.amount, d.deposited_on, d.account_id, d.user_id is not None) == (D("150.00"), date(2026, 12, 5),
                                                                                    w.bank_id, True)
        assert_books(s, w)

    # the customer panel's "Faturas a Receber" has the action's button; its dialog offers the open deposits
    tab = client.get(f"/pessoas/{w.party_id}/painel/aba/faturas").text
    assert 'data-action="receivables.invoice.settle_with_deposit"' in tab
    assert "Liquidar com depósito não identificado" in tab
    dialog = client.get(f"/acoes/receivables.invoice.settle_with_deposit/dialogo?ids={inv_id}")
    assert dialog.status_code == 200
    assert re.search(rf'<option value="{dep_id}"[^>]*>Nº {dep_id} — 05/12/2026 — R\$ 150,00 — PIX RECEBIDO JOSE S',
                     dialog.text)
    preview = client.post("/acoes/receivables.invoice.settle_with_deposit/previa",
                          data={"ids": str(inv_id), "deposit_id": str(dep_id), "csrf_token": token})
    with unit_of_work(rt.engine, readonly=True) as s:
        number = s.get(Invoice, inv_id).number
    assert (f"O depósito {dep_id} (R$ 150,00) é maior que o devido da fatura {number} (R$ 99,90): o restante de "
            f"R$ 50,10 ficará como um novo depósito não identificado.") in preview.text
    done = client.post("/acoes/receivables.invoice.settle_with_deposit/executar",
                       data={"ids": str(inv_id), "deposit_id": str(dep_id), "csrf_token": token})
    assert done.status_code == 200, done.text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(Invoice, inv_id).status == "liquidada"
        rest_id = s.scalar(select(UnidentifiedDeposit.id).where(UnidentifiedDeposit.origin_deposit_id == dep_id))
        assert s.get(UnidentifiedDeposit, rest_id).amount == D("50.10")
        assert_books(s, w)

    # filters: open (default) shows the rest only; used; all
    assert _rows(client.get(URL).text) == [(str(rest_id), "aberto")]
    used = client.get(URL + "?situacao=utilizado").text
    assert _rows(used) == [(str(dep_id), "utilizado")] and f'<td class="num">{number}</td>' in used
    assert sorted(_rows(client.get(URL + "?situacao=todos").text)) == sorted([(str(dep_id), "utilizado"),
                                                                              (str(rest_id), "aberto")])
    assert _rows(client.get(URL + f"?situacao=todos&empresa={w.company_id + 99}").text) == []

    # cancel the rest through the kernel's bulk-action endpoint (justification required by the service)
    refused = client.post("/acoes/receivables.deposit.cancel/executar",
                          data={"ids": str(rest_id), "on": "2026-12-20", "csrf_token": token})
    assert "Justifique o cancelamento do depósito não identificado." in refused.text
    ok = client.post("/acoes/receivables.deposit.cancel/executar",
                     data={"ids": str(rest_id), "on": "2026-12-20", "justification": "Devolvido ao depositante",
                           "csrf_token": token})
    assert ok.status_code == 200
    assert _rows(client.get(URL + "?situacao=cancelado").text) == [(str(rest_id), "cancelado")]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert_books(s, w)


def test_open_deposit_choices_are_the_open_ones_only(client, rt, factory):
    w = seed(rt.engine, factory)
    inv_id = invoice(rt.engine, w)
    with unit_of_work(rt.engine) as s:
        a = register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 5), amount="10,00",
                             account=w.bank_id, description="TED A", runtime=rt).id
        b = register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 6), amount="20,00",
                             account=w.cash_id, description="DINHEIRO B", runtime=rt).id
    with unit_of_work(rt.engine) as s:
        from plugins.receivables.deposits import cancel_deposit

        cancel_deposit(s, b, on=date(2026, 12, 7), justification="Erro", runtime=rt)
    login(client, "gerente", SEED_PASSWORD)
    dialog = client.get(f"/acoes/receivables.invoice.settle_with_deposit/dialogo?ids={inv_id}").text
    block = re.search(r'<select name="deposit_id"[^>]*>(.*?)</select>', dialog, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', block) == [str(a)]
