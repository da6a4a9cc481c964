"""Links of the statement's accounts: list with the lines imported through each, change (next files go
to the new bank account, imported lines stay), remove only without lines (pt-BR refusal naming how
many); the section of the bank accounts page and `quita ofx vinculos`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.runtime import bootstrap
from core.web.app import create_app
from plugins.reconciliation.account_links import change_link, link_rows, remove_link
from plugins.reconciliation.models import AccountLink, StatementLine
from plugins.reconciliation.statement_import import import_statement
from plugins.reconciliation.tests.ofx_files import company_accounts
from tests.browser.uisupport import add_user, csrf_of, login
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"
ENABLED = ["receivables", "reconciliation"]
CHART = (("1.1.1.01", "Banco Itaú", "bank"), ("1.1.1.02", "Banco Inter", "bank"), ("1.1.1.03", "Itaú Empresas", "bank"),
         ("1.1.2.01", "Caixa", "cash"))
ITAU = (FIXTURES / "itau_2016_like_checking.ofx").read_bytes()


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED))


@pytest.fixture
def world(rt):
    banks = company_accounts(CHART)
    with unit_of_work() as s:
        import_statement(s, ITAU, "itau.ofx", bank_account_id=banks["1.1.1.01"])  # 8 lines through the link
        empty = AccountLink(bank_id="077", branch_id="0001", account_id="123456", bank_account_id=banks["1.1.1.02"])
        s.add(empty)
        s.flush()
        itau = s.scalar(select(AccountLink.id).where(AccountLink.bank_id == "341"))
        return {"banks": banks, "itau": itau, "empty": empty.id}


def _lines(bank_id: int) -> int:
    with unit_of_work(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(StatementLine).where(StatementLine.bank_account_id == bank_id))


def test_list_change_and_remove(rt, world):
    banks = world["banks"]
    with unit_of_work(readonly=True) as s:
        rows = {r["id"]: r for r in link_rows(s)}
    assert rows[world["itau"]]["ofx_account"] == "banco 341 conta 1000123456"
    assert (rows[world["itau"]]["lines"], rows[world["itau"]]["bank_account"]) == (8, "1.1.1.01 - Banco Itaú")
    assert (rows[world["empty"]]["lines"], rows[world["empty"]]["ofx_account"]) == (0, "banco 077 agência 0001 conta 123456")
    with pytest.raises(ValidationError) as refused, unit_of_work() as s:
        remove_link(s, world["itau"])
    assert str(refused.value) == ("O vínculo da conta do extrato banco 341 conta 1000123456 com a conta 1.1.1.01 - Banco "
                                  "Itaú não pode ser removido: 8 lançamento(s) do extrato foram importados por ele. "
                                  "Altere o vínculo para outra conta bancária, se for o caso.")
    for target, message in ((banks["1.1.1.01"], "já está vinculada à conta 1.1.1.01 - Banco Itaú"),
                            (banks["1.1.2.01"], "não é uma conta bancária analítica e ativa")):
        with pytest.raises(ValidationError, match=message), unit_of_work() as s:
            change_link(s, world["itau"], target)
    with unit_of_work() as s:
        done = change_link(s, world["itau"], banks["1.1.1.03"])
    assert done["message"] == ("Vínculo alterado: banco 341 conta 1000123456 → 1.1.1.03 - Itaú Empresas. Os 8 "
                               "lançamento(s) já importado(s) continuam na conta em que foram importados; os próximos "
                               "arquivos vão para a nova conta.")
    assert _lines(banks["1.1.1.01"]) == 8  # imported lines stay where they were reconciled
    with unit_of_work() as s:  # the next file of that account goes to the new bank account
        report = import_statement(s, ITAU, "itau-de-novo.ofx").as_dict()
    assert report["accounts"][0]["bank_account"] == "1.1.1.03 - Itaú Empresas" and report["accounts"][0]["new"] == 8
    with unit_of_work(readonly=True) as s:
        assert {r["id"]: r["lines"] for r in link_rows(s, [banks["1.1.1.03"]])} == {world["itau"]: 16}
    with unit_of_work() as s:
        assert remove_link(s, world["empty"])["message"].startswith("Vínculo removido: banco 077 agência 0001 conta 123456")
    with unit_of_work(readonly=True) as s:
        assert s.get(AccountLink, world["empty"]) is None


def test_page_section(rt, world):
    banks = world["banks"]
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente")
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        page = client.get("/conciliacao/contas")
        assert page.status_code == 200 and "Vínculos de contas do extrato" in page.text
        assert page.text.count("data-vinculo=") == 2
        refused = client.post(f"/conciliacao/contas/vinculos/{world['itau']}/remover",
                              data={"csrf_token": csrf_of(page.text)})
        assert refused.status_code == 400 and "8 lançamento(s) do extrato foram importados por ele" in refused.text
        changed = client.post(f"/conciliacao/contas/vinculos/{world['itau']}",
                              data={"csrf_token": csrf_of(page.text), "bank_account_id": str(banks["1.1.1.03"])})
        assert changed.status_code == 200 and "data-rc-link-message" in changed.text
        assert "Vínculo alterado: banco 341 conta 1000123456 → 1.1.1.03 - Itaú Empresas." in changed.text
        removed = client.post(f"/conciliacao/contas/vinculos/{world['empty']}/remover",
                              data={"csrf_token": csrf_of(page.text)})
        assert removed.status_code == 200 and removed.text.count("data-vinculo=") == 1
        unknown = client.post("/conciliacao/contas/vinculos/9999", data={"csrf_token": csrf_of(page.text),
                                                                          "bank_account_id": str(banks["1.1.1.01"])})
        assert unknown.status_code == 400 and "Vínculo 9999 não encontrado." in unknown.text
    with unit_of_work(readonly=True) as s:
        assert s.get(AccountLink, world["itau"]).bank_account_id == banks["1.1.1.03"]
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        home = client.get("/")
        assert client.post(f"/conciliacao/contas/vinculos/{world['itau']}",
                           data={"csrf_token": csrf_of(home.text),
                                 "bank_account_id": str(banks["1.1.1.01"])}).status_code == 403
    with unit_of_work(readonly=True) as s:
        assert s.get(AccountLink, world["itau"]).bank_account_id == banks["1.1.1.03"]


def test_cli(rt, world, database_url, tmp_path, monkeypatch):
    cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED)
    out = cli("ofx", "vinculos", "list", "--json")
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.output)}
    assert rows[world["itau"]]["lines"] == 8
    out = cli("ofx", "vinculos", "list")
    assert f"{world['itau']}: banco 341 conta 1000123456 → 1.1.1.01 - Banco Itaú (8 lançamento(s) importado(s))" in out.output
    out = cli("ofx", "vinculos", "remover", "--id", str(world["itau"]))
    assert out.exit_code == 2 and "8 lançamento(s) do extrato foram importados por ele" in out.output
    out = cli("ofx", "vinculos", "alterar", "--id", str(world["itau"]), "--conta", "1.1.1.03", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["to"] == "1.1.1.03 - Itaú Empresas"
    out = cli("ofx", "vinculos", "alterar", "--id", str(world["itau"]), "--conta", "9.9.9")
    assert out.exit_code == 2 and "Conta bancária «9.9.9» não encontrada" in out.output
    assert cli("ofx", "vinculos", "remover", "--id", str(world["empty"])).exit_code == 0
