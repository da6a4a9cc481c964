"""The list "Faturas a pagar" finished (issue 6): the menu item for any payables permission, the
supplier filter by name (accents ignored, through the parties' normalized search columns), the
approval column and filter when "Usa aprovação de faturas" is on; the write-off dialog's amount due
before typing; the documents (recibo, autorização, borderô) linked from the list after a write-off."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from core.actions import preview_action
from core.db import unit_of_work
from core.parties.models import Party
from core.parties.rules import search_columns
from core.web.app import create_app
from plugins.payables.approval import approve_invoice
from plugins.payables.installment_actions import WRITE_OFF
from plugins.payables.launch import launch_invoice
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_writeoff_world import inst, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, installment_balance, write_off
from plugins.payables.writeoff_search import InstallmentFilter, search_installments, supplier_name_condition
from plugins.receivables.tests.printing_support import need_poppler, pdf_text
from tests.browser.uisupport import add_user, login

D = Decimal


def _codes(html: str) -> list[int]:
    return [int(c) for c in re.findall(r'<tr data-id="\d+" data-code="(\d+)"', html)]


def _second_supplier(rt, ww) -> list[int]:
    """"Companhia Elétrica do Sul" (name with accents) and its launch of R$ 200,00 in 2 installments."""
    with unit_of_work(rt.engine) as s:
        s.execute(update(Party).where(Party.id == ww.w.supplier_id).values(
            **search_columns({"name": "Atacado de Links S.A.", "trade_name": "Atacadão"})))
        energy = Party(code=3, person_type="PJ", name="Companhia Elétrica do Sul", document="11222333000262",
                       classification="fornecedor", active=True, **search_columns({"name": "Companhia Elétrica do Sul"}))
        s.add(energy)
        s.flush()
        inv = launch_invoice(s, ww.w.request(supplier_id=energy.id, total="200,00", installments=2, document="77",
                                             category="Links"), user=ww.w.admin)
        return [p.code for p in inv.parcels]


def test_menu_and_list_for_any_payables_permission(make):
    rt = make()
    seed_writeoff(rt.engine, rt)
    add_user(rt.engine, "atendente", permissions=["receivables.contract.manage"])
    for login_name, perm in (("alterador", "payables.invoice.alter"), ("aprovador", "payables.invoice.approve"),
                             ("estornador", "payables.invoice.reverse"), ("lancador", "payables.invoice.launch")):
        add_user(rt.engine, login_name, permissions=[perm])
        with TestClient(create_app(rt)) as client:
            login(client, login_name)
            assert 'href="/pagar/faturas"' in client.get("/").text, login_name
            page = client.get("/pagar/faturas")
            assert page.status_code == 200 and _codes(page.text) == [1, 2, 3]
            # the page opens, the write-off stays disabled without "Baixa de Faturas"
            assert re.search(r'<button [^>]*data-action="payables.installment.write_off"[^>]* disabled', page.text)
            assert "<th>Aprovação</th>" not in page.text  # approval not in use
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert 'href="/pagar/faturas"' not in client.get("/").text
        assert client.get("/pagar/faturas").status_code == 403


def test_supplier_by_name_and_approval_filter(make):
    rt = make(require_approval=True)
    ww = seed_writeoff(rt.engine, rt)
    energy_codes = _second_supplier(rt, ww)
    with unit_of_work(rt.engine) as s:
        approve_invoice(s, inst(s, 1), user=ww.w.admin)
    with TestClient(create_app(rt)) as client:
        login(client, "gerente", "senha-muito-forte-1")
        everything = client.get("/pagar/faturas").text
        assert sorted(_codes(everything)) == [1, 2, 3] + energy_codes
        # by a part of the name, accents and case ignored; the trade name too
        assert sorted(_codes(client.get("/pagar/faturas?fornecedor=eletrica").text)) == energy_codes
        assert sorted(_codes(client.get("/pagar/faturas?fornecedor=ATACADAO").text)) == [1, 2, 3]
        assert sorted(_codes(client.get("/pagar/faturas?fornecedor=links s.a").text)) == [1, 2, 3]
        assert _codes(client.get("/pagar/faturas?fornecedor=zzz").text) == []
        # CPF/CNPJ and code still work; digits that match nobody are refused on the field
        assert sorted(_codes(client.get("/pagar/faturas?fornecedor=11.222.333/0002-62").text)) == energy_codes
        assert sorted(_codes(client.get("/pagar/faturas?fornecedor=3").text)) == energy_codes
        bad = client.get("/pagar/faturas?fornecedor=99999")
        assert bad.status_code == 400 and 'data-field="fornecedor"' in bad.text
        assert "Fornecedor 99999 não encontrado (informe o nome, o CPF/CNPJ ou o código)." in bad.text
        # approval: column and filter
        assert "<th>Aprovação</th>" in everything and '<select name="aprovacao">' in everything
        assert sorted(_codes(client.get("/pagar/faturas?aprovacao=aprovadas").text)) == [1, 2, 3]
        waiting = client.get("/pagar/faturas?aprovacao=aguardando").text
        assert sorted(_codes(waiting)) == energy_codes
        assert waiting.count('data-approval="aguardando"') == 2 and "Aguardando aprovação</td>" in waiting
        approved = client.get("/pagar/faturas?aprovacao=aprovadas&fornecedor=atacado").text
        assert approved.count('data-approval="aprovada"') == 3
        assert re.search(r'data-approval="aprovada">Aprovada \d\d/\d\d/\d{4} \d\d:\d\d</td>', approved)
        assert client.get("/pagar/faturas?aprovacao=talvez").status_code == 400
    # the service: the name condition goes through the normalized column (trigram-indexed on PostgreSQL)
    sql = str(supplier_name_condition("Elétrica").compile(compile_kwargs={"literal_binds": True}))
    assert "name_search LIKE '%ELETRICA%'" in sql and "lower(" not in sql
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [p.code for p in search_installments(s, InstallmentFilter(supplier_name="elétrica", approved=False))] \
            == energy_codes
        assert search_installments(s, InstallmentFilter(supplier_name="elétrica", approved=True)) == []


def test_amount_due_in_dialog_and_documents_on_the_list(make, tmp_path):
    need_poppler()
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    user = ww.w.admin
    with unit_of_work(rt.engine, readonly=True) as s:
        first = inst(s, 1).id
    # before typing anything: valor da parcela, já pago, restante
    preview = preview_action(rt, WRITE_OFF, [first], {}, user)
    assert [(a.code, a.message) for a in preview.warnings[first]] == [
        ("baixa.valor_devido", "Fatura 1: valor da parcela R$ 333,34; já pago R$ 0,00; restante a pagar R$ 333,34.")]
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5), paid="100,00",
                                                      new_due_date=date(2027, 1, 15)), user=user)
        wo_id, rest_id = wo.id, wo.remainder_installment_id
        assert installment_balance(s, inst(s, 1)).paid == D("100.00")
    preview = preview_action(rt, WRITE_OFF, [rest_id], {"interest": "10,00"}, user)
    assert [a.message for a in preview.warnings[rest_id]] == [
        "Fatura 4: valor da parcela R$ 333,34; já pago R$ 100,00; restante a pagar R$ 233,34. Devido nesta baixa "
        "(com juros, taxa, desconto e abatimento): R$ 243,34."]
    with TestClient(create_app(rt)) as client:
        login(client, "gerente", "senha-muito-forte-1")
        dialog = client.get(f"/acoes/{WRITE_OFF}/dialogo?ids={rest_id}").text
        assert "Fatura 4: valor da parcela R$ 333,34; já pago R$ 100,00; restante a pagar R$ 233,34." in dialog
        listing = client.get("/pagar/faturas?situacao=").text
        row1 = re.search(r'<tr data-id="\d+" data-code="1">(.*?)</tr>', listing, re.S).group(1)
        assert f'href="/pagar/baixas/{wo_id}/recibo.pdf"' in row1
        assert f'href="/pagar/lancamentos/{ww.invoice_id}/autorizacao.pdf"' in row1
        row2 = re.search(r'<tr data-id="\d+" data-code="2">(.*?)</tr>', listing, re.S).group(1)
        assert 'data-doc="recibo"' not in row2 and 'data-doc="autorizacao"' in row2
        receipt = client.get(f"/pagar/baixas/{wo_id}/recibo.pdf")
        assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
        text = " ".join(pdf_text(receipt.content, tmp_path, "recibo").split())
        assert "a importância de R$ 100,00 (cem reais)" in text and "pagamento parcial" in text
        auth = client.get(f"/pagar/lancamentos/{ww.invoice_id}/autorizacao.pdf")
        assert auth.status_code == 200 and "AUTORIZAÇÃO DE PAGAMENTO" in pdf_text(auth.content, tmp_path, "aut")
        link = re.search(r'href="(/pagar/bordero\.pdf\?[^"]+)"', listing).group(1).replace("&amp;", "&")
        bordero = client.get(link)
        assert bordero.status_code == 200
        btext = pdf_text(bordero.content, tmp_path, "bordero")
        assert "BORDERÔ DE PAGAMENTO" in btext and "4 fatura(s) · 1 baixada(s)" in btext
        assert [ln.split()[0] for ln in btext.splitlines() if "Atacado de Links" in ln] == ["1", "2", "4", "3"]
        assert "Total a pagar/pago: R$ 1.000,00 (mil reais)" in btext
        assert client.get("/pagar/bordero.pdf?codes=1,x").status_code == 400
        assert client.get("/pagar/baixas/999/recibo.pdf").status_code == 404
        # the panel tab links the receipt too
        tab = client.get(f"/pessoas/{ww.w.supplier_id}/painel/aba/pagar_faturas").text
        assert f'href="/pagar/baixas/{wo_id}/recibo.pdf"' in tab
        with unit_of_work(rt.engine) as s:
            reverse_writeoff(s, inst(s, 1), reason="Valor errado", on=date(2026, 12, 6), user=user)
        after = client.get("/pagar/faturas?situacao=").text
        row1 = re.search(r'<tr data-id="\d+" data-code="1">(.*?)</tr>', after, re.S).group(1)
        assert 'data-doc="recibo"' not in row1
        gone = client.get(f"/pagar/baixas/{wo_id}/recibo.pdf")
        assert gone.status_code == 400 and "Esta baixa foi estornada: não há recibo." in gone.text
    # a user bound to another company gets no document of this one
    from core.models.company import Company
    from core.models.users import User

    add_user(rt.engine, "outra", permissions=["payables.invoice.write_off"])
    with unit_of_work(rt.engine) as s:
        other = Company(code="2", name="Provedor 2 Ltda", cnpj="11444777000242")
        s.add(other)
        s.flush()
        s.scalar(select(User).where(User.username == "outra")).company_id = other.id
    with TestClient(create_app(rt)) as client:
        login(client, "outra")
        assert client.get(f"/pagar/lancamentos/{ww.invoice_id}/autorizacao.pdf").status_code == 403
