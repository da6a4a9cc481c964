"""`quita retorno importar` through the real command line and the "Arquivos de retorno" page
(multipart upload + CSRF) through the real app."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from core.runtime import bootstrap
from core.web.app import create_app
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import (ACCOUNTS, ENABLED, FIXTURES, ITAU_HEADER,
                                                                           liquidacao)
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import world  # noqa: F401  (fixture)
from tests.browser.uisupport import add_user, csrf_of, login
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings={"receivables": ACCOUNTS}))


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, {"receivables": ACCOUNTS})


def test_cli_imports_prints_the_summary_and_refuses_the_same_file(cli, world, tmp_path):
    path = tmp_path / "itau.ret"
    path.write_bytes(build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "99.90"),
                                                            liquidacao(88, "50.00")]))
    out = cli("retorno", "importar", str(path))
    assert out.exit_code == 0, out.output
    assert "Títulos: 3   Liquidados: 2   Valor total: R$ 199,80" in out.output
    assert "Não encontrados: 1   Rejeitados: 0   Erros: 0" in out.output
    assert "linha 4, nosso número 00000088: não encontrado" in out.output
    again = cli("retorno", "importar", str(path), "--json")
    assert again.exit_code == 2 and "Erro: O arquivo itau.ret já foi importado (importação " in again.output
    other = tmp_path / "sicoob.ret"
    other.write_bytes((FIXTURES / "retorno_cnab240_sicoob_brcobranca.ret").read_bytes())
    out = cli("retorno", "importar", str(other), "--profile", str(world["profile"]), "--json")
    assert out.exit_code == 2 and "é do banco 756, mas o perfil «Itaú cobrança 109» é do banco 341" in out.output
    assert cli("retorno", "importar", str(tmp_path / "nada.ret")).exit_code == 2


def test_page_uploads_shows_the_report_and_lists_imports(rt, world):
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente")
    data = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(99, "10.00")])
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        page = client.get("/cobranca/retornos")
        assert page.status_code == 200 and "Nenhum retorno importado." in page.text
        done = client.post("/cobranca/retornos", data={"csrf_token": csrf_of(page.text), "profile_id": ""},
                           files={"file": ("itau.ret", data, "application/octet-stream")})
        assert done.status_code == 200, done.text
        assert "Retorno itau.ret importado." in done.text
        assert 'data-resultado="liquidada"' in done.text and 'data-resultado="nao_encontrado"' in done.text
        assert "R$ 99,90" in done.text
        again = client.post("/cobranca/retornos", data={"csrf_token": csrf_of(done.text)},
                            files={"file": ("de-novo.ret", data, "application/octet-stream")})
        assert again.status_code == 400 and "O arquivo de-novo.ret já foi importado" in again.text
        no_csrf = client.post("/cobranca/retornos", files={"file": ("x.ret", b"x", "application/octet-stream")})
        assert no_csrf.status_code in (400, 403)
        listing = client.get("/cobranca/retornos")
        assert "itau.ret" in listing.text and "de-novo.ret" not in listing.text
        assert client.get("/cobranca/retornos/9999").status_code == 404
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert client.get("/cobranca/retornos").status_code == 403


def test_cli_shows_a_liquidation_paid_below_the_value(cli, world, tmp_path):
    path = tmp_path / "menor.ret"
    path.write_bytes(build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "95.00"), liquidacao(2, "99.90")]))
    out = cli("retorno", "importar", str(path))
    assert out.exit_code == 0, out.output
    assert ("linha 2, nosso número 00000001: liquidada — Fatura 1 liquidada em 08/01/2027: R$ 95,00 "
            "(pago a menor: desconto de R$ 4,90 na liquidação).") in out.output
    assert "linha 3," not in out.output  # paid exactly: only counted
