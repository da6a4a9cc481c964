""""Lançamento apenas nos Históricos" (Lançar Pagamento, Notas): «Para definir os históricos que
estarão disponíveis no lançamento de faturas basta configurá-los em … permissão "Lançamento apenas nos
Históricos"». Setting `allowed_templates` (login ⇒ códigos): the listed user launches only with those
históricos (service refusal on the field, preview too), the launch page lists only them; users not
listed keep every histórico."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import AccountingTemplate
from core.web.app import create_app
from plugins.payables.launch import launch_invoice, preview_launch
from plugins.payables.tests.payables_world import seed
from plugins.payables.tests.payables_writeoff_world import make  # noqa: F401
from tests.browser.uisupport import add_user, login


def _template_options(html: str) -> list[str]:
    block = re.search(r'<select[^>]*name="template_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', block)


def test_user_launches_only_with_allowed_templates(make):
    rt = make(lancamento_apenas_nos_historicos={"maria": ["420"]})
    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        energy = AccountingTemplate(company_id=w.company_id, code="420", description="Energia elétrica",
                                    debit_account_id=w.accounts["4.1.04"], credit_account_id=w.accounts["2.1.01"],
                                    active=True)
        s.add(energy)
        s.flush()
        energy_id = energy.id
    maria = add_user(rt.engine, "maria", permissions=["payables.invoice.launch"])
    add_user(rt.engine, "joao", permissions=["payables.invoice.launch"])
    refusal = ("O histórico 410 - Compra de link de internet não está liberado para o usuário maria (\"Lançamento "
               "apenas nos Históricos\"). Históricos permitidos: 420.")
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError) as exc:  # the preview (req.user_id, as the page does)
            preview_launch(s, w.request(user_id=maria), runtime=rt)
        assert (exc.value.field, str(exc.value)) == ("template_id", refusal)
        with pytest.raises(ValidationError) as exc:  # no histórico at all: she must pick an allowed one
            preview_launch(s, w.request(user_id=maria, template_id=None, debit_account_id=w.accounts["4.1.03"]),
                           runtime=rt)
        assert exc.value.field == "template_id" and "só pode lançar nos históricos 420" in str(exc.value)
        inv = launch_invoice(s, w.request(user_id=maria, template_id=energy_id), runtime=rt)
        assert inv.template_id == energy_id
        # not listed ⇒ every histórico; the administrator launches with 410
        assert launch_invoice(s, w.request(), runtime=rt, user=w.admin).template_id == w.template_id
    with TestClient(create_app(rt)) as client:
        csrf = login(client, "maria")
        assert _template_options(client.get("/pagar/lancar").text) == ["420 - Energia elétrica"]
        form = {"company_id": str(w.company_id), "supplier_id": str(w.supplier_id), "emission_date": "2026-11-05",
                "launch_date": "2026-11-05", "total": "100,00", "installments": "1", "term_days": "30",
                "due_mode": "prazo", "payment_form": "crediario", "template_id": str(w.template_id),
                "csrf_token": csrf}
        page = client.post("/pagar/lancar/previa", data=form).text
        assert "não está liberado para o usuário maria" in page
        login(client, "joao")
        assert _template_options(client.get("/pagar/lancar").text) == ["410 - Compra de link de internet",
                                                                        "420 - Energia elétrica"]
