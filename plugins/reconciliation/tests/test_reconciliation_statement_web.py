"""Page "Extratos bancários (OFX)" through the real app: upload asks for the account once, then the
link answers; re-upload adds nothing; lines listed; permission enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.runtime import bootstrap
from core.web.app import create_app
from plugins.reconciliation.tests.ofx_files import company_accounts
from tests.browser.uisupport import add_user, csrf_of, login
from tests.conftest import make_config
from tests.worldkit import runtime_maker

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"
URL = "/conciliacao/extratos"


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=["receivables", "reconciliation"]))


def test_upload_links_once_and_lists_the_lines(rt):
    banks = company_accounts((("1.1.1.01", "Banco Itaú", "bank"), ("1.1.2.01", "Caixa", "cash")))
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente")
    data = (FIXTURES / "itau_2016_like_checking.ofx").read_bytes()
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        page = client.get(URL)
        assert page.status_code == 200 and "Nenhum extrato importado." in page.text
        assert "1.1.1.01 - Banco Itaú" in page.text and "1.1.2.01 - Caixa" not in page.text
        asked = client.post(URL, data={"csrf_token": csrf_of(page.text), "bank_account_id": ""},
                            files={"file": ("itau.ofx", data, "application/x-ofx")})
        assert asked.status_code == 400 and "data-extrato-ask" in asked.text
        assert "banco 0341 conta 1000123456" in asked.text
        done = client.post(URL, data={"csrf_token": csrf_of(asked.text), "bank_account_id": str(banks["1.1.1.01"])},
                           files={"file": ("itau.ofx", data, "application/x-ofx")})
        assert done.status_code == 200, done.text
        assert "Extrato itau.ofx importado." in done.text and "(vinculada agora)" in done.text
        assert '<span data-novos>8</span>' in done.text
        assert done.text.count("data-line-id=") == 8 and "R$ 1.500,00" in done.text and "RSHOP-PADARIA -01/04" in done.text
        again = client.post(URL, data={"csrf_token": csrf_of(done.text), "bank_account_id": ""},
                            files={"file": ("itau-de-novo.ofx", data, "application/x-ofx")})
        assert again.status_code == 200 and '<span data-novos>0</span>' in again.text
        assert '<span data-ja>8</span>' in again.text and "(vinculada agora)" not in again.text
        bad = client.post(URL, data={"csrf_token": csrf_of(again.text)},
                          files={"file": ("ruim.ofx", b"nada de OFX", "application/x-ofx")})
        assert bad.status_code == 400 and "ruim.ofx: não é um arquivo OFX" in bad.text
        listing = client.get(f"{URL}?conta={banks['1.1.1.01']}")
        assert listing.text.count("data-import-id=") == 2 and listing.text.count("data-line-id=") == 8
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert client.get(URL).status_code == 403
