"""Customer-panel tabs "Documentos fiscais gerados" / "Documentos fiscais pendentes" (with the
action buttons) and the audit history of a document, through the real web app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.browser.uisupport import add_user, login
from core.actions import run_action
from core.db import unit_of_work
from core.web.app import create_app
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)
from plugins.receivables.models import Invoice


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def test_panel_tabs_and_history(rt, client):
    world = seed(rt)
    run_action(rt, "fiscal_nf2122.invoice.generate", world.ids[:1], {"confirmed": True}, world.admin)
    (doc,) = documents(rt)
    assert doc.observation_1 == "obs de Ana Souza"
    edited = run_action(rt, "fiscal_nf2122.document.edit_info", [doc.id],
                        {"observation_1": "Cliente desde 2020", "observation_4": "Contrato 12"}, world.admin)
    assert edited.done == [doc.id]
    assert [(d.observation_1, d.observation_2, d.observation_4) for d in documents(rt)] == [
        ("Cliente desde 2020", None, "Contrato 12")]
    run_action(rt, "fiscal_nf2122.document.cancel", [doc.id], {"motivo": "CPF errado", "confirmed": True}, world.admin)
    with unit_of_work(rt.engine, readonly=True) as s:
        ana, bruno = (s.get(Invoice, i).party_id for i in world.ids[:2])
    add_user(rt.engine, "maria", admin=True)
    add_user(rt.engine, "ana", roles=["atendimento"])
    login(client, "maria")
    panel = client.get(f"/pessoas/{ana}/painel")
    assert "Documentos fiscais gerados" in panel.text and "Documentos fiscais pendentes" in panel.text
    tab = client.get(f"/pessoas/{ana}/painel/aba/documentos-fiscais")
    assert tab.status_code == 200
    assert "NF 21 série U nº 1" in tab.text and "CPF errado" in tab.text and "Cancelado" in tab.text
    assert "Cancelar documento" in tab.text and "Anular documento" in tab.text
    assert "Editar informações do documento fiscal" in tab.text
    pending = client.get(f"/pessoas/{ana}/painel/aba/documentos-pendentes")  # cancelled ⇒ pending again
    assert f'value="{world.ids[0]}"' in pending.text and "Gerar documento fiscal" in pending.text
    other = client.get(f"/pessoas/{bruno}/painel/aba/documentos-fiscais")
    assert "Nenhum documento fiscal gerado." in other.text
    dialog = client.get(f"/acoes/fiscal_nf2122.document.annul/dialogo?ids={doc.id}")
    assert dialog.status_code == 200 and "Anular documento" in dialog.text
    assert "NF 21 série U nº 1" in dialog.text and "NF 21 série U nº 1 está cancelado." in dialog.text
    history = client.get(f"/historico/fiscal_document/{doc.id}")
    assert history.status_code == 200 and "NF 21 série U nº 1" in history.text and "CPF errado" in history.text
    assert "Cliente desde 2020" in history.text
    client.cookies.clear()
    login(client, "ana")  # without fiscal_nf2122.document.read
    assert client.get(f"/pessoas/{ana}/painel/aba/documentos-fiscais").status_code == 404
