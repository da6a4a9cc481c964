"""The reconciler's "Buscar lançamento" for several lines of a day × several invoices (TestClient): the
checkboxes, the totals panel the server computes (htmx POST …/busca/totais) with the manual's fields,
"Conciliar" only at zero difference, the grey legend of a multiple reconciliation, unreconcile of the
group; and a batch credit shown and reconciled from the pane."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.web.app import create_app
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.tests.reconcile_world import (  # noqa: F401 (rt: fixture)
    import_lines, invoice, number_of, rt, seed)
from tests.browser.uisupport import add_user, login

HX = {"HX-Request": "true"}
PERIOD = {"de": "2026-12-01", "ate": "2026-12-31"}


def status(invoice_id: int) -> str:
    with unit_of_work(readonly=True) as s:
        return s.get(Invoice, invoice_id).status


def total(html: str, key: str) -> str:
    m = re.search(rf'data-total="{key}"[^>]*>([^<]*)<', html)
    assert m, key
    return m.group(1).strip()


def test_two_lines_three_invoices_totals_reconcile_legend_and_unreconcile(rt):
    w = seed()
    a = invoice(w, "100.00", date(2026, 12, 10))
    b = invoice(w, "30.00", date(2026, 12, 8), party_id=w.other_party_id)
    c = invoice(w, "22.50", date(2026, 12, 9))
    l1, l2, l3 = import_lines(w, ("100,00", "20261210", "PIX RECEBIDO"), ("50,00", "20261210", "PIX RECEBIDO"),
                              ("7,00", "20261211", "PIX"))
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        post = {**HX, "X-CSRF-Token": token}
        pane = client.get(url + f"/painel?linhas={l1}&linhas={l2}", headers=HX)
        assert "data-rc-buscar-varios" in pane.text and f"/busca?linhas={l1}&linhas={l2}" in pane.text
        other_day = client.get(url + f"/busca?linhas={l1}&linhas={l3}", headers=HX)
        assert other_day.status_code == 400 and "Selecione apenas lançamentos do mesmo dia" in other_day.text
        found = client.get(url + f"/busca?linhas={l1}&linhas={l2}", headers=HX)
        assert found.status_code == 200 and found.text.count('type="checkbox" name="fatura"') == 3
        assert 'type="radio"' not in found.text and total(found.text, "extrato") == "R$ 150,00"
        assert total(found.text, "diferenca") == "R$ 150,00" and "data-rc-conciliar disabled" in found.text
        form = {"linhas": [str(l1), str(l2)], "fatura": [str(a), str(b), str(c)],
                f"desconto_{a}": "4,00", f"juros_{a}": "0,00", f"desconto_{b}": "0,00", f"juros_{b}": "2,50",
                f"desconto_{c}": "0,00", f"juros_{c}": "0,00"}
        panel = client.post(url + "/busca/totais", data=form, headers=post)
        assert panel.status_code == 200
        assert [total(panel.text, k) for k in ("qtd", "bruto", "desconto", "juros", "taxa", "subtotal", "extrato",
                                               "diferenca")] == ["3", "R$ 152,50", "R$ 4,00", "R$ 2,50", "R$ 0,00",
                                                                 "R$ 151,00", "R$ 150,00", "-R$ 1,00"]
        assert "data-rc-conciliar disabled" in panel.text
        assert f'<span id="rc-net-{a}" hx-swap-oob="true">R$ 96,00</span>' in panel.text
        bad = client.post(url + "/busca/totais", data={**form, f"juros_{b}": "abc"}, headers=post)
        assert total(bad.text, "diferenca") == "—" and "data-rc-totais-erro" in bad.text and "Fatura" in bad.text
        off = client.post(url + "/conciliar", data={**form, **PERIOD}, headers=post)
        assert off.status_code == 400 and ("Diferença de -R$ 1,00 entre o valor do extrato (R$ 150,00) e o subtotal "
                                           "das faturas (R$ 151,00): só é possível conciliar com diferença zero.") in off.text
        assert status(a) == "aberta"
        form[f"desconto_{a}"] = "5,00"
        panel = client.post(url + "/busca/totais", data=form, headers=post)
        assert total(panel.text, "diferenca") == "R$ 0,00" and "data-rc-conciliar disabled" not in panel.text
        done = client.post(url + "/conciliar", data={**form, **PERIOD}, headers=post)
        assert done.status_code == 200, done.text
        assert "2 lançamento(s) do extrato conciliado(s) com 3 fatura(s)." in done.text
        assert {status(a), status(b), status(c)} == {"liquidada"}
        with unit_of_work(readonly=True) as s:
            rec_id = s.get(StatementLine, l1).reconciliation_id
            assert rec_id is not None and s.get(StatementLine, l2).reconciliation_id == rec_id
        # the lines of the multiple reconciliation carry its id (grey legend) and the pane explains it
        assert f'data-line="{l2}"' in done.text and re.search(rf'data-line="{l2}"[^>]*data-rec="{rec_id}"', done.text)
        assert "data-rc-legenda-multipla" in done.text and "Conciliação múltipla: 2 lançamentos" in done.text
        undone = client.post(url + f"/linhas/{l2}/desconciliar", data=PERIOD, headers=post)
        assert undone.status_code == 200 and "Lançamento desconciliado." in undone.text
        assert {status(a), status(b), status(c)} == {"aberta"}
        with unit_of_work(readonly=True) as s:
            assert s.get(StatementLine, l1).reconciliation_id is None


def test_one_line_search_with_two_invoices_uses_the_same_service(rt):
    w = seed()
    a = invoice(w, "60.00", date(2026, 12, 10))
    b = invoice(w, "40.00", date(2026, 12, 10))
    (lid,) = import_lines(w, ("100,00", "20261210", "DEPOSITO"))
    add_user(rt.engine, "gerente", admin=True)
    url = f"/conciliacao/contas/{w.bank_id}"
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        ok = client.post(url + f"/linhas/{lid}/conciliar",
                         data={"fatura": [str(a), str(b)], **PERIOD}, headers={**HX, "X-CSRF-Token": token})
        assert ok.status_code == 200 and "1 lançamento(s) do extrato conciliado(s) com 2 fatura(s)." in ok.text
        assert status(a) == status(b) == "liquidada"
        assert number_of(a) and number_of(b)
