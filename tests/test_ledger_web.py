"""Ledger pages through FastAPI's TestClient: list, detail, manual entry, trial balance, permissions."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from browser.uisupport import add_user, login
from core.db import unit_of_work
from core.ledger.models import Account, JournalEntry
from core.ledger.services import LineSpec, post_entry, reverse_entry
from core.models.company import Company
from core.web.app import create_app


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


@pytest.fixture
def books(runtime):
    with unit_of_work(runtime.engine) as s:
        company = Company(code="01", name="Fibra Norte Telecom Ltda", trade_name="Fibra Norte", cnpj="11222333000181",
                          protect_before=date(2026, 10, 31))
        s.add(company)
        s.flush()

        def acc(code, name, kind, synthetic=False, parent=None):
            a = Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=synthetic,
                        parent_id=parent, active=True)
            s.add(a)
            s.flush()
            return a.id

        root = acc("1", "Ativo", "asset", True)
        ids = {"company": company.id, "root": root,
               "bank": acc("1.01", "Banco Inter", "bank", parent=root),
               "clients": acc("1.02", "Clientes", "receivable", parent=root),
               "revenue": acc("3.01", "Receita de internet", "revenue")}
        entry = post_entry(s, company_id=company.id, date=date(2026, 11, 5), description="Mensalidades de novembro",
                           lines=[LineSpec.dr(ids["clients"], "1499.00"), LineSpec.cr(ids["revenue"], "1499.00")])
        paid = post_entry(s, company_id=company.id, date=date(2026, 11, 12), description="Recebimento boleto",
                          lines=[LineSpec.dr(ids["bank"], "99.90"), LineSpec.cr(ids["clients"], "99.90")])
        rev = reverse_entry(s, paid, on=date(2026, 11, 13), reason="Boleto devolvido")
        ids.update(entry=entry.id, paid=paid.id, rev=rev.id)
        return ids


def test_entries_list_and_detail(client, runtime, books):
    add_user(runtime.engine, "contador", admin=True)
    login(client, "contador")
    home = client.get("/")
    assert "Contabilidade" in home.text and "/contabilidade/balancete" in home.text
    page = client.get(f"/contabilidade/lancamentos?empresa={books['company']}")
    assert page.status_code == 200
    assert "Mensalidades de novembro" in page.text and "R$ 1.499,00" in page.text
    assert "Estornado" in page.text and "Estorno do lançamento 2: Recebimento boleto" in page.text
    assert "3 lançamento(s)" in page.text
    assert "31/10/2026" in page.text  # the protection date is shown
    only_bank = client.get(f"/contabilidade/lancamentos?empresa={books['company']}&conta={books['bank']}")
    assert "2 lançamento(s)" in only_bank.text and "Mensalidades de novembro" not in only_bank.text
    detail = client.get(f"/contabilidade/lancamentos/{books['entry']}")
    assert detail.status_code == 200
    assert "1.02 Clientes" in detail.text and "3.01 Receita de internet" in detail.text
    assert 'data-action="ledger.entry.reverse"' in detail.text and "disabled" not in detail.text.split(
        'data-action="ledger.entry.reverse"')[1].split(">")[0]
    reversed_page = client.get(f"/contabilidade/lancamentos/{books['paid']}")
    assert "Estornado por" in reversed_page.text and 'data-action="ledger.entry.reverse"' not in reversed_page.text
    reversal_page = client.get(f"/contabilidade/lancamentos/{books['rev']}")
    assert "Estorno de" in reversal_page.text and "Boleto devolvido" in reversal_page.text
    assert client.get("/contabilidade/lancamentos/999999").status_code == 404
    hist = client.get(f"/historico/ledger_entry/{books['paid']}")
    assert "Estornar lançamento contábil" in hist.text and "Boleto devolvido" in hist.text


def test_manual_entry_form_posts_or_explains_the_refusal(client, runtime, books):
    add_user(runtime.engine, "contador", admin=True)
    token = login(client, "contador")
    form = client.get(f"/contabilidade/lancamentos/novo?empresa={books['company']}")
    assert form.status_code == 200 and "Banco Inter" in form.text
    assert "1 Ativo" not in form.text  # synthetic accounts are not offered
    base = {"csrf_token": token, "company": str(books["company"]), "description": "Venda avulsa",
            "l0_account": str(books["bank"]), "l0_debit": "1.234,56",
            "l1_account": str(books["revenue"]), "l1_credit": "1.234,55"}
    bad = client.post("/contabilidade/lancamentos/novo", data={**base, "date": "2026-11-20"})
    assert bad.status_code == 422
    assert "a soma dos débitos (R$ 1.234,56) difere da soma dos créditos (R$ 1.234,55)" in bad.text
    assert 'value="1.234,55"' in bad.text  # what the operator typed is kept
    protected = client.post("/contabilidade/lancamentos/novo",
                            data={**base, "l1_credit": "1.234,56", "date": "2026-10-15"})
    assert protected.status_code == 422
    assert ("Lançamentos anteriores ou iguais a 31/10/2026 estão protegidos (Proteger lançamentos anteriores a). "
            "Data informada: 15/10/2026.") in protected.text
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.execute(select(func.count()).select_from(JournalEntry)).scalar_one() == 3
    ok = client.post("/contabilidade/lancamentos/novo", data={**base, "l1_credit": "1.234,56", "date": "2026-11-20"},
                     follow_redirects=False)
    assert ok.status_code == 303
    entry_id = int(re.search(r"/contabilidade/lancamentos/(\d+)", ok.headers["location"]).group(1))
    with unit_of_work(runtime.engine, readonly=True) as s:
        entry = s.get(JournalEntry, entry_id)
        assert entry.number == 4 and entry.total == __import__("decimal").Decimal("1234.56")
        assert entry.created_by is not None and entry.origin == "Lançamento manual"
    assert "Lançamento 4 gravado." in client.get(ok.headers["location"]).text
    no_csrf = client.post("/contabilidade/lancamentos/novo", data={k: v for k, v in base.items() if k != "csrf_token"})
    assert no_csrf.status_code == 403


def test_trial_balance_page(client, runtime, books):
    add_user(runtime.engine, "contador", admin=True)
    login(client, "contador")
    page = client.get(f"/contabilidade/balancete?empresa={books['company']}&de=2026-11-01&ate=2026-11-30")
    assert page.status_code == 200
    rows = dict(re.findall(r'data-code="([^"]+)">(.*?)</tr>', page.text, re.S))
    assert set(rows) == {"1", "1.01", "1.02", "3.01"}
    assert "R$ 1.499,00" in rows["1.02"] and "R$ 0,00" in rows["1.01"]
    assert "-R$ 1.499,00" in rows["3.01"]
    bad = client.get(f"/contabilidade/balancete?empresa={books['company']}&de=2026-11-30&ate=2026-11-01")
    assert "A data final (01/11/2026) é anterior à data inicial (30/11/2026)." in bad.text


def test_pages_need_the_ledger_permissions(client, runtime, books):
    add_user(runtime.engine, "leitor", permissions=["ledger.entry.read"])
    login(client, "leitor")
    assert client.get("/contabilidade/lancamentos").status_code == 200
    assert client.get("/contabilidade/balancete").status_code == 200
    assert client.get("/contabilidade/lancamentos/novo").status_code == 403
    detail = client.get(f"/contabilidade/lancamentos/{books['entry']}")
    button = detail.text.split('data-action="ledger.entry.reverse"')[1].split(">")[0]
    assert "disabled" in button  # no permission to reverse: shown disabled
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', detail.text).group(1)})
    add_user(runtime.engine, "atendente", permissions=["core.users.manage"])
    login(client, "atendente")
    assert client.get("/contabilidade/lancamentos").status_code == 403
    assert "/contabilidade/lancamentos" not in client.get("/").text
