"""Printing through the real app (TestClient): "Imprimir Fatura" and "Imprimir recibo de liquidação"
buttons in "Faturas a Receber" (a GET form the row checkboxes belong to), the PDF routes
(content type, file name, permission, company scoping, pt-BR refusals) and the receipt link of
"Contas a Receber Liquidadas"."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from core.db import unit_of_work
from core.models.users import User
from core.web.app import create_app
from plugins.receivables.printing import PERM_PRINT
from plugins.receivables.tests.printing_support import (CUSTOMER, need_poppler, pdf_text, render_pages, seed_world,
                                                        settle)
from tests.browser.uisupport import add_user, login


@pytest.fixture
def client(runtime):
    need_poppler()
    with TestClient(create_app(runtime)) as c:
        yield c


def test_invoice_pdf_route_and_carne(client, runtime, factory, tmp_path):
    w = seed_world(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")

    one = client.get("/receber/faturas/pdf", params={"ids": str(w.invoice_ids[1])})
    assert one.status_code == 200, one.text
    assert one.headers["content-type"] == "application/pdf"
    assert one.headers["content-disposition"] == f'inline; filename="fatura-{w.numbers[1]}.pdf"'
    text = pdf_text(one.content, tmp_path, "web1")
    assert CUSTOMER in text and "10/12/2026" in text and "R$ 99,90" in text

    # what the tab's form sends: ids repeated
    carne = client.get("/receber/faturas/pdf?" + "&".join(f"ids={i}" for i in w.invoice_ids))
    assert carne.status_code == 200
    assert carne.headers["content-disposition"] == 'inline; filename="carne-maria-da-conceicao-araujo.pdf"'
    assert "Parcela 2 de 3" in pdf_text(carne.content, tmp_path, "web2")
    assert len(render_pages(carne.content, tmp_path, "web2")) == 1

    # and the comma form of the brief: ?ids=1,2,3
    same = client.get("/receber/faturas/pdf", params={"ids": ",".join(map(str, w.invoice_ids))})
    assert same.content == carne.content

    empty = client.get("/receber/faturas/pdf")
    assert empty.status_code == 400 and "Selecione ao menos uma fatura." in empty.text
    missing = client.get("/receber/faturas/pdf", params={"ids": "424242"})
    assert missing.status_code == 404 and "Fatura 424242 não encontrada." in missing.text


def test_receipt_routes(client, runtime, factory, tmp_path):
    w = seed_world(runtime, factory)
    sid = settle(runtime, w.invoice_ids[0])
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    by_invoice = client.get("/receber/faturas/recibo.pdf", params={"ids": str(w.invoice_ids[0])})
    assert by_invoice.status_code == 200 and by_invoice.headers["content-type"] == "application/pdf"
    assert by_invoice.headers["content-disposition"] == f'inline; filename="recibo-fatura-{w.numbers[0]}.pdf"'
    assert "(noventa reais)" in pdf_text(by_invoice.content, tmp_path, "r1")
    by_settlement = client.get(f"/receber/liquidacoes/{sid}/recibo.pdf")
    assert by_settlement.status_code == 200 and by_settlement.content == by_invoice.content
    assert by_settlement.headers["content-disposition"] == f'inline; filename="recibo-liquidacao-{sid}.pdf"'

    refused = client.get("/receber/faturas/recibo.pdf", params={"ids": str(w.invoice_ids[1])})
    assert refused.status_code == 400
    assert f"A fatura {w.numbers[1]} não possui liquidação para emitir recibo." in refused.text

    settled_tab = client.get(f"/pessoas/{w.party_id}/painel/aba/liquidadas").text
    assert f'href="/receber/faturas/recibo.pdf?ids={w.invoice_ids[0]}"' in settled_tab
    assert "Imprimir recibo de liquidação" in settled_tab


def test_print_buttons_in_faturas_a_receber(client, runtime, factory):
    w = seed_world(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    tab = client.get(f"/pessoas/{w.party_id}/painel/aba/faturas").text
    form = re.search(r'<form id="rcv-print-form"[^>]*>', tab).group(0)
    assert 'method="get"' in form and 'action="/receber/faturas/pdf"' in form and 'target="_blank"' in form
    buttons = re.findall(r'<button type="submit"[^>]*form="rcv-print-form"[^>]*>([^<]*)</button>', tab)
    assert buttons == ["Imprimir Fatura", "Imprimir recibo de liquidação"]
    assert 'formaction="/receber/faturas/recibo.pdf"' in tab
    for inv_id in w.invoice_ids:  # the row checkboxes belong to the print form
        assert re.search(rf'<input type="checkbox" name="ids" value="{inv_id}" form="rcv-print-form"', tab)
    assert "Você não tem permissão" not in tab


def test_print_permission_and_company(client, runtime, factory):
    w = seed_world(runtime, factory)
    sid = settle(runtime, w.invoice_ids[0])
    add_user(runtime.engine, "atendente", roles=["atendimento"])
    login(client, "atendente")
    tab = client.get(f"/pessoas/{w.party_id}/painel/aba/faturas").text
    button = re.search(r'<button type="submit"[^>]*data-print="fatura"[^>]*>', tab).group(0)
    assert "disabled" in button
    assert "Você não tem permissão para esta ação (Imprimir faturas, carnês e recibos de liquidação)" in tab
    for url in (f"/receber/faturas/pdf?ids={w.invoice_ids[0]}", f"/receber/faturas/recibo.pdf?ids={w.invoice_ids[0]}",
                f"/receber/liquidacoes/{sid}/recibo.pdf"):
        denied = client.get(url)
        assert denied.status_code == 403 and PERM_PRINT in denied.text
        assert denied.headers["content-type"].startswith("text/html")

    # a user bound to another company prints nothing of this one
    with unit_of_work() as s:
        f = factory(s)
        other = f.company(code="2", cnpj="11444777000161")
        other_id = other.id
    uid = add_user(runtime.engine, "filial", permissions=[PERM_PRINT])
    with unit_of_work() as s:
        s.execute(update(User).where(User.id == uid).values(company_id=other_id))
    client.cookies.clear()
    login(client, "filial")
    refused = client.get("/receber/faturas/pdf", params={"ids": str(w.invoice_ids[0])})
    assert refused.status_code == 400 and f"A fatura {w.numbers[0]} pertence a outra empresa." in refused.text
    refused = client.get(f"/receber/liquidacoes/{sid}/recibo.pdf")
    assert refused.status_code == 400 and f"A liquidação {sid} pertence a outra empresa." in refused.text
