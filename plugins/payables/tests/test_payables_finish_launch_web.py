""""Repetir último lançamento" (Lançar Pagamento, last screen): the launch form pre-filled with the
user's own last launch (not another user's, not a deleted one), dates of today, no document; the
repeated values go through the launch rules again (preview)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.web.app import create_app
from plugins.payables.delete import delete_invoice
from plugins.payables.launch import launch_invoice, preview_launch
from plugins.payables.repeat import last_launch_form
from plugins.payables.tests.payables_world import seed
from plugins.payables.tests.payables_writeoff_world import make  # noqa: F401
from plugins.payables.web import LaunchForm, launch_request
from tests.browser.uisupport import add_user, login

D = Decimal


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def _selected(html: str, name: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    found = re.search(r'<option value="([^"]*)" selected', block.group(1)) if block else None
    return found.group(1) if found else None


def test_repeat_last_launch(make):
    rt = make()
    w = seed(rt.engine)
    maria = add_user(rt.engine, "maria", permissions=["payables.invoice.launch"])
    a, c = w.accounts, w.centres
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        empty = client.get("/pagar/lancar?repetir=1").text
        assert "Você ainda não lançou nenhuma fatura a pagar: não há lançamento para repetir." in empty
        assert 'href="/pagar/lancar?repetir=1"' in empty
    with unit_of_work(rt.engine) as s:
        first = launch_invoice(s, w.request(user_id=maria, total="1000,00", discount="10,00", installments=3,
                                            debit_splits=[(a["4.1.03"], "590,00"), (a["4.1.04"], "400,00")],
                                            cost_centres=[(c["ADM"], "60"), (c["TEC"], "40")], category="Links",
                                            create_category=True, standard_note="Contrato 2026", buyer_id=w.supplier_id,
                                            payment_form="chq_prazo", cash_flow_account_id=None))
        second = launch_invoice(s, w.request(user_id=maria, total="50,00", document="9999"))
        # another user's later launch is not maria's last one
        launch_invoice(s, w.request(total="777,00", document="8888"), user=w.admin)
        delete_invoice(s, second.parcels[0], reason="Lançada em duplicidade", user=w.admin)
        first_number = first.number
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        page = client.get("/pagar/lancar?repetir=1").text
        assert (f"Dados do lançamento nº {first_number} repetidos (datas de hoje; documento e nº do pedido em branco): "
                "confira e clique em Prévia.") in page
        assert _value(page, "total") == "1000,00" and _value(page, "discount") == "10,00"
        assert _value(page, "installments") == "3" and _value(page, "series") == "1"
        assert _value(page, "document") == "" and _value(page, "emission_date") == date.today().isoformat()
        assert _selected(page, "split_account_1") == str(a["4.1.03"]) and _value(page, "split_amount_1") == "590,00"
        assert _selected(page, "split_account_2") == str(a["4.1.04"]) and _value(page, "split_amount_2") == "400,00"
        assert _value(page, f"cc_{c['ADM']}") == "60" and _value(page, f"cc_{c['TEC']}") == "40"
        assert _value(page, "category") == "Links" and _selected(page, "payment_form") == "chq_prazo"
        assert _value(page, "buyer") == "11444777000161" and "Contrato 2026</textarea>" in page
        assert _selected(page, "supplier_id") == str(w.supplier_id)
    # the repeated values are a valid launch again: same value, debit split and apportionment
    with unit_of_work(rt.engine, readonly=True) as s:
        last = last_launch_form(s, maria)
        f = LaunchForm(dict(last.values, emission_date="2026-12-05"), last.splits, last.centres)
        preview = preview_launch(s, launch_request(f, None), runtime=rt)
    assert preview.net == D("990.00")
    assert [(x.account_id, x.amount) for x in preview.debit_splits] == [(a["4.1.03"], D("590.00")),
                                                                        (a["4.1.04"], D("400.00"))]
    assert sorted((x.cost_centre_id, x.amount) for x in preview.apportionment) == sorted(
        [(c["ADM"], D("594.00")), (c["TEC"], D("396.00"))])
