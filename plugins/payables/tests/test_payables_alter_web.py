""""Alterar fatura a pagar" through the pages (TestClient): the buttons of alter / annotate / approve
on the list "Faturas a pagar" and on the panel tab "Faturas a Pagar", the dialog's fields, and the
generic action endpoint (`/acoes/{name}/executar`) — alteration with relaunch, a refused field in
the dialog, the refusals per record for a paid invoice and for several invoices at once."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from core.actions import run_action
from core.db import unit_of_work
from core.web.app import create_app
from plugins.payables.annotations import ANNOTATE, annotations_of
from plugins.payables.approval import APPROVE
from plugins.payables.delete import DELETE
from plugins.payables.installment_actions import ALTER, WRITE_OFF
from plugins.payables.tests.payables_world import assert_books
from plugins.payables.tests.payables_writeoff_world import inst, invoice, make, seed_writeoff  # noqa: F401
from tests.browser.uisupport import add_user, login

D = Decimal


def _button(page: str, name: str) -> str:
    found = re.search(rf'<button [^>]*data-action="{re.escape(name)}"[^>]*>', page)
    assert found, f"botão {name} ausente"
    return found.group(0)


def _run(client, csrf: str, name: str, ids, **params):
    data = {"csrf_token": csrf, "ids": ",".join(str(i) for i in ids), **params}
    resp = client.post(f"/acoes/{name}/executar", data=data)
    assert resp.status_code == 200, resp.text
    return html.unescape(re.sub(r"\s+", " ", resp.text))


def test_payables_alter_web_buttons_dialog_and_refusals(make):
    rt = make()
    ww = seed_writeoff(rt.engine, rt)
    add_user(rt.engine, "alterador", permissions=["payables.invoice.alter", "doc.party.read"])
    with unit_of_work(rt.engine, readonly=True) as s:
        ids = [inst(s, c).id for c in ww.codes]
        entry_before = invoice(s, ww).entry_id

    with TestClient(create_app(rt)) as client:
        csrf = login(client, "alterador")
        listing = client.get("/pagar/faturas")  # the alteration permission opens the list
        assert listing.status_code == 200
        tab = client.get(f"/pessoas/{ww.w.supplier_id}/painel/aba/pagar_faturas")
        assert tab.status_code == 200
        for page in (listing.text, tab.text):
            assert "disabled" not in _button(page, ALTER) and "disabled" not in _button(page, ANNOTATE)
            assert "disabled" not in _button(page, DELETE)
            assert "disabled" in _button(page, APPROVE) and "disabled" in _button(page, WRITE_OFF)

        dialog = client.get(f"/acoes/{ALTER}/dialogo", params={"ids": str(ids[0])})
        assert dialog.status_code == 200
        for name in ("vencimento", "observacao", "numero", "valor", "comprador", "historico", "anotacao"):
            assert f'name="{name}"' in dialog.text, name
        forms = re.search(r'<select name="forma_pagamento"[^>]*>(.*?)</select>', dialog.text, re.S).group(1)
        assert ("crediario", "Crediário") in re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]*)</option>', forms)

        # a field refused by the service: the dialog comes back with the message, nothing changed
        text = _run(client, csrf, ALTER, [ids[0]], comprador="99999", observacao="Boleto novo")
        assert "Comprador 99999 não encontrado." in text
        text = _run(client, csrf, ALTER, [ids[0]], anotacao="Conferido!", observacao="Boleto novo")
        assert "caracteres especiais não são aceitos (!)" in text
        with unit_of_work(rt.engine, readonly=True) as s:
            assert inst(s, ww.codes[0]).note is None and invoice(s, ww).entry_id == entry_before

        # the alteration: new due date, note and value ⇒ relaunch; the annotation is kept
        text = _run(client, csrf, ALTER, [ids[0]], vencimento="20/12/2026", observacao="Boleto novo",
                    valor="400,00", anotacao="Valor conferido com a NF")
        assert "1 processado(s)" in text and "Concluído" in text, text
        with unit_of_work(rt.engine, readonly=True) as s:
            first, inv = inst(s, ww.codes[0]), invoice(s, ww)
            assert (first.due_date, first.note, first.amount) == (date(2026, 12, 20), "Boleto novo", D("400.00"))
            assert inv.net == D("1066.66") and inv.entry_id != entry_before
            entry_after = inv.entry_id
            assert [a.text for a in annotations_of(s, inv.id)] == ["Valor conferido com a NF"]
            assert_books(s, ww.w)

        # several invoices at once: each one refused
        text = _run(client, csrf, ALTER, ids[1:], observacao="Lote")
        assert text.count("Selecione uma fatura só para alterar.") == 2 and "2 recusado(s)" in text

    # a paid invoice is no longer "em aberto": the refusal of the service, per record
    assert run_action(rt, WRITE_OFF, [ids[1]], {"paid_on": "05/12/2026"}, ww.w.admin).done == [ids[1]]
    with TestClient(create_app(rt)) as client:
        csrf = login(client, "alterador")
        text = _run(client, csrf, ALTER, [ids[1]], observacao="Depois da baixa")
        assert "1 recusado(s)" in text
        assert (f'data-code="alteracao.recusada">A fatura {ww.codes[1]} está liquidada: somente faturas com o status '
                '"Em aberto" podem ser alteradas.') in text
        text = _run(client, csrf, DELETE, [ids[1]], deletion_reason="Duplicada", confirmed="1")
        assert "podem ser excluídas." in text and "1 recusado(s)" in text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert inst(s, ww.codes[1]).note is None and invoice(s, ww).entry_id == entry_after
        assert invoice(s, ww).status != "excluida"
        assert_books(s, ww.w)
