"""Page "Faturas no SPC" through the real app: the invoices an operator added to the SPC list
(kernel action "Adicionar fatura selecionada ao SPC") appear with customer, days late and value;
the menu and the page need the invoice-management permission; the company filter narrows it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from core.actions import run_action
from core.runtime import bootstrap, set_current
from core.web.app import create_app
from plugins.receivables.collections_web import spc_rows
from plugins.receivables.tests.deposits_world import SETTINGS, invoice, seed
from tests.browser.uisupport import add_user, login
from tests.conftest import make_config, truncate_all

URL = "/receber/spc"


@pytest.fixture
def rt(database_url):
    runtime = bootstrap(make_config(database_url, plugin_settings=SETTINGS))
    yield runtime
    truncate_all(runtime.engine)
    set_current(None)
    runtime.dispose()


def _rows(html: str) -> list[list[str]]:
    body = html.split('id="rcv-spc-grid"', 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr data-id=\"\d+\".*?</tr>", body, re.S)]


def test_spc_page_lists_marked_invoices_with_days_late(rt, factory):
    w = seed(rt.engine, factory)
    late = invoice(rt.engine, w, total="99.90", issue=date(2026, 10, 1), due=date(2026, 10, 10))
    other = invoice(rt.engine, w, total="49.95", issue=date(2026, 11, 1), due=date(2026, 11, 10))
    out = run_action(rt, "receivables.invoice.add_to_spc", [late], {}, w.admin)
    assert out.done == [late], out.refused
    again = run_action(rt, "receivables.invoice.add_to_spc", [late], {}, w.admin)
    assert again.done == [] and late in again.refused  # the list holds an invoice once

    from core.db import unit_of_work

    with unit_of_work(rt.engine, readonly=True) as s:
        rows = spc_rows(s, w.company_id, date(2026, 11, 22))
    assert [(r["invoice_id"], r["days_late"], str(r["total"])) for r in rows] == [(late, 43, "99.90")]
    assert other not in {r["invoice_id"] for r in rows}

    add_user(rt.engine, "cobranca", permissions=["receivables.invoice.manage"])
    add_user(rt.engine, "atendente", permissions=["receivables.contract.manage"])
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert 'href="/receber/spc"' not in client.get("/").text
        assert client.get(URL).status_code == 403
    with TestClient(create_app(rt)) as client:
        login(client, "cobranca")
        assert 'href="/receber/spc"' in client.get("/").text
        page = client.get(URL)
        assert page.status_code == 200
        [row] = _rows(page.text)
        assert row[1].endswith("Maria da Silva") and row[2] == "10/10/2026" and row[4] == "R$ 99,90"
        assert int(row[3]) >= 43 and row[5] == "Aberta"
        assert "1 fatura(s)" in page.text
        other_company = client.get(URL, params={"empresa": str(w.company_id + 999)})
        assert "Nenhuma fatura no SPC." in other_company.text
