"""The payment profile as a low-code document: REST API and /doc pages of the real host app, with
the plugin's pt-BR validation messages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.web.app import create_app
from plugins.bank_profiles.tests.profiles_world import ITAU
from plugins.receivables.tests.conftest import Factory
from tests.browser.uisupport import add_user, login

DOC = "bank_profiles_payment_profile"


def test_profile_through_the_rest_api_and_pages(runtime):
    with unit_of_work() as s:
        company_id = Factory(s).company().id
    add_user(runtime.engine, "gerente", admin=True)
    with TestClient(create_app(runtime)) as client:
        login(client, "gerente")
        bad = client.post(f"/api/doc/{DOC}", json={**ITAU, "company_id": company_id, "agencia": "12345"})
        assert bad.status_code == 422
        assert "«Agência» tem no máximo 4 dígitos no banco 341 (Itaú) (veio «12345»)." in bad.text
        ok = client.post(f"/api/doc/{DOC}", json={**ITAU, "company_id": company_id})
        assert ok.status_code in (200, 201), ok.text
        listing = client.get(f"/doc/{DOC}")
        assert listing.status_code == 200 and "Itaú cobrança 109" in listing.text
        form = client.get(f"/doc/{DOC}/novo")
        assert form.status_code == 200 and "341 — Itaú" in form.text and "Chave PIX (boleto híbrido)" in form.text
