"""The payables pages and actions without a browser (TestClient, kernel `run_action`): permissions and
menu, per-field refusals of the launch form, "only what the preview showed is launched", the
supplier search, the write-off action (partial alert, batch, refusals per record) and the reversal
action, the customer-panel tab "Contas a pagar"."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.web.app import create_app
from plugins.payables.installment_actions import REVERSE, WRITE_OFF
from plugins.payables.models import PayableInstallment, PayableInvoice, PayableWriteOff
from plugins.payables.tests.payables_world import seed
from plugins.payables.tests.payables_writeoff_world import inst, make, seed_writeoff  # noqa: F401
from tests.browser.uisupport import add_user, login

D = Decimal


def _launch_form(w, csrf: str, **over) -> dict:
    data = {"csrf_token": csrf, "company_id": str(w.company_id), "supplier_id": str(w.supplier_id),
            "emission_date": "2026-11-05", "launch_date": "2026-11-05", "document": "4512", "series": "1",
            "total": "1.000,00", "installments": "3", "term_days": "30", "due_mode": "prazo",
            "payment_form": "crediario", "template_id": str(w.template_id),
            "split_account_1": str(w.accounts["4.1.03"]), "split_amount_1": "600,00",
            "split_account_2": str(w.accounts["4.1.04"]), "split_amount_2": "400,00"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_pages_permissions_and_menu(make):
    rt = make()
    seed(rt.engine)
    add_user(rt.engine, "atendente", permissions=["receivables.contract.manage"])
    add_user(rt.engine, "lancador", permissions=["payables.invoice.launch"])
    add_user(rt.engine, "baixador", permissions=["payables.invoice.write_off"])
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        home = client.get("/").text
        assert 'href="/pagar/lancar"' not in home and 'href="/pagar/faturas"' not in home
        assert client.get("/pagar/lancar").status_code == 403
        assert client.get("/pagar/faturas").status_code == 403
        assert client.get("/pagar/fornecedores?fornecedor_busca=a").status_code == 403
    with TestClient(create_app(rt)) as client:
        login(client, "lancador")
        assert 'href="/pagar/lancar"' in client.get("/").text
        page = client.get("/pagar/lancar")
        assert page.status_code == 200 and "Atacado de Links S.A. (11.444.777/0001-61)" in page.text
        assert "Maria (cliente)" not in page.text  # not a supplier
        listing = client.get("/pagar/faturas")  # any payables permission reads the list ...
        assert listing.status_code == 200
        # ... but the write-off button is disabled, with the reason
        assert re.search(r'<button [^>]*data-action="payables.installment.write_off"[^>]* disabled', listing.text)
        assert 'title="Você não tem permissão para esta ação (' in listing.text
    with TestClient(create_app(rt)) as client:
        login(client, "baixador")
        assert 'href="/pagar/faturas"' in client.get("/").text
        assert client.get("/pagar/lancar").status_code == 403
        listing = client.get("/pagar/faturas")
        assert not re.search(r'data-action="payables.installment.write_off"[^>]* disabled', listing.text)
        bad = client.get("/pagar/faturas?vencimento_de=31-31-2026")
        assert bad.status_code == 400 and 'data-field="vencimento_de"' in bad.text


def test_launch_form_refusals_and_preview_signature(make):
    rt = make()
    w = seed(rt.engine)
    maria = add_user(rt.engine, "maria", admin=True)
    with TestClient(create_app(rt)) as client:
        csrf = login(client, "maria")
        found = client.get("/pagar/fornecedores?fornecedor_busca=atacado").text
        assert f'<option value="{w.supplier_id}" selected>1 - Atacado de Links S.A.' in found
        assert "Nenhum fornecedor encontrado" in client.get("/pagar/fornecedores?fornecedor_busca=zzz").text

        # refusals under their fields, nothing written
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, supplier_id=""))
        assert 'data-error-for="supplier_id"' in r.text and "Selecione o fornecedor" in r.text
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, installments="99"))
        assert 'data-error-for="installments"' in r.text and "Parcelas: informe de 1 a 36" in r.text
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, split_account_2=""))
        assert 'data-error-for="debit_splits"' in r.text and "escolha a conta débito" in r.text
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, emission_date="31/02/2026"))
        assert 'data-error-for="emission_date"' in r.text
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, buyer="99999"))
        assert 'data-error-for="buyer_id"' in r.text and "Comprador 99999 não encontrado" in r.text
        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf, irrf="15,00"))
        assert 'data-error-for="service_invoice"' in r.text and "só em fatura de serviço" in r.text

        r = client.post("/pagar/lancar/previa", data=_launch_form(w, csrf))
        assert r.status_code == 200 and 'id="launch-preview"' in r.text
        sig = re.search(r'name="signature" value="([0-9a-f]+)"', r.text).group(1)
        assert re.findall(r'data-due="([\d-]+)" data-amount="([\d.]+)"', r.text) == [
            ("2026-12-05", "333.34"), ("2027-01-04", "333.33"), ("2027-02-03", "333.33")]
        # the total changed after the preview: a new preview, nothing launched
        r = client.post("/pagar/lancar", data=_launch_form(w, csrf, signature=sig, total="1.200,00",
                                                           split_amount_2="600,00"))
        assert "Os dados mudaram depois da prévia" in r.text and 'data-amount="400.00"' in r.text
        with unit_of_work(rt.engine, readonly=True) as s:
            assert s.scalars(select(PayableInvoice)).all() == []
        # installment edits that do not add up: refused, nothing launched (one unit of work)
        r = client.post("/pagar/lancar", data=_launch_form(w, csrf, signature=sig, parc_1_amount="400,00",
                                                           parc_1_due="2026-12-05"))
        assert "A soma das parcelas (R$ 1.066,66) deve ser igual ao valor da fatura (R$ 1.000,00)." in r.text
        with unit_of_work(rt.engine, readonly=True) as s:
            assert s.scalars(select(PayableInvoice)).all() == []
        r = client.post("/pagar/lancar", data=_launch_form(w, csrf, signature=sig, parc_2_number="NF4512-B",
                                                           parc_2_due="2027-01-04", parc_2_amount="333,33"))
        assert r.status_code == 200, r.text
        assert "Fatura a pagar nº 1 lançada: R$ 1.000,00 em 3 parcela(s)" in r.text
        with unit_of_work(rt.engine, readonly=True) as s:
            inv = s.scalars(select(PayableInvoice)).one()
            assert [p.number for p in inv.parcels] == ["4512-1", "NF4512-B", "4512-3"]
            assert (inv.user_id, inv.service_invoice, inv.irrf) == (maria, False, None)
            supplier_id = inv.supplier_id
        tab = client.get(f"/pessoas/{supplier_id}/painel/aba/pagar_contas")
        assert tab.status_code == 200, tab.text
        row = re.sub(r"\s+", " ", re.search(r'<tr data-id="\d+"[^>]*>(.*?)</tr>', tab.text, re.S).group(1))
        assert re.sub(r"<[^>]+>", " ", row).split() == ["1", "05/11/2026", "05/11/2026", "4512/1", "R$", "1.000,00",
                                                       "R$", "0,00", "R$", "1.000,00", "3", "Crediário", "Em",
                                                       "aberto"]


def test_write_off_and_reversal_actions(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    user = ww.w.admin
    with unit_of_work(rt.engine, readonly=True) as s:
        ids = [inst(s, c).id for c in ww.codes]

    # the partial write-off's alert is a warning of the preview, not a refusal
    preview = preview_action(rt, WRITE_OFF, [ids[0]], {"paid_on": "05/12/2026", "paid": "100,00"}, user)
    assert preview.done == [ids[0]] and [a.code for a in preview.warnings[ids[0]]] == ["baixa.valor_devido",
                                                                                         "baixa.parcial"]
    # several installments with a "Valor pago": the batch is always total — every record refused
    result = run_action(rt, WRITE_OFF, ids[:2], {"paid_on": "05/12/2026", "paid": "100,00"}, user)
    assert result.done == [] and set(result.refused) == set(ids[:2])
    assert "A baixa em lote é sempre total" in result.refused[ids[0]][0].message
    # the batch: both paid in full, one entry each
    result = run_action(rt, WRITE_OFF, ids[:2], {"paid_on": "05/12/2026"}, user)
    assert result.done == ids[:2], result.as_dict()
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [s.get(PayableInstallment, i).status for i in ids] == ["liquidada", "liquidada", "em_aberto"]
        assert [wo.kind for wo in s.scalars(select(PayableWriteOff).order_by(PayableWriteOff.id))] == ["lote", "lote"]
    # a paid one cannot be paid again; the service's message is the blocker
    again = run_action(rt, WRITE_OFF, [ids[0]], {"paid_on": "06/12/2026"}, user)
    assert again.done == [] and "somente faturas em aberto podem ser baixadas" in again.refused[ids[0]][0].message

    # reversal: the open installment is refused (no write-off), the paid one returns to open
    result = run_action(rt, REVERSE, [ids[0], ids[2]], {"reversal_reason": "Pago em duplicidade",
                                                         "on": "10/12/2026", "situation": "Aguardando"}, user)
    assert result.done == [ids[0]] and [b.code for b in result.refused[ids[2]]] == ["estorno.sem_baixa"]
    with unit_of_work(rt.engine, readonly=True) as s:
        first = s.get(PayableInstallment, ids[0])
        assert (first.status, first.situation) == ("em_aberto", "Aguardando")
        wo = s.scalars(select(PayableWriteOff).where(PayableWriteOff.installment_id == ids[0])).one()
        assert (wo.reversed, wo.reversed_on, wo.reversal_reason) == (True, date(2026, 12, 10), "Pago em duplicidade")
    try:
        run_action(rt, REVERSE, [ids[1]], {"on": "10/12/2026"}, user)
    except Exception as exc:  # the reason is required by the dialog's model
        assert getattr(exc, "field", None) == "reversal_reason"
    else:
        raise AssertionError("estorno sem motivo aceito")
