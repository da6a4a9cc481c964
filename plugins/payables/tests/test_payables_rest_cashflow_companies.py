"""Fluxo de caixa, empresas do usuário (manual: «As empresas exibidas neste campo serão apenas as que o
usuário tem permissão, e por padrão, estará selecionada a empresa logada.»). The kernel binds a user to a
company with `app_user.company_id` (unbound = every company): the page offers only the user's companies,
the service refuses another one (also typed in the URL), `quita cashflow --usuario` applies the same."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.errors import ValidationError
from core.models.company import Company
from core.models.users import User
from core.web.app import create_app
from plugins.payables.cashflow import PERM_CASHFLOW, cash_flow, user_companies
from plugins.payables.tests.payables_cashflow_world import seed_cashflow
from plugins.payables.tests.payables_writeoff_world import make  # noqa: F401
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker
from tests.worldkit import add_accounts

URL = "/financeiro/fluxo-de-caixa"
QUERY = "de=2026-12-01&ate=2026-12-31&periodo=mensal"


def _companies_offered(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="empresa" value="(\d+)"', html)


def test_only_the_users_companies(make, database_url, tmp_path, monkeypatch):
    only = make()
    w = seed_cashflow(only.engine, only)
    first = w.company_id
    with unit_of_work(only.engine) as s:
        branch = Company(code="2", name="Provedor Filial Ltda", cnpj="11222333000262")
        s.add(branch)
        s.flush()
        add_accounts(s, branch.id, (("1.1.1.02", "Banco da filial", "bank"),))
        second = branch.id
    add_user(only.engine, "filial", permissions=[PERM_CASHFLOW])
    add_user(only.engine, "matriz", permissions=[PERM_CASHFLOW])
    with unit_of_work(only.engine) as s:
        bound = s.query(User).filter_by(username="filial").one()
        bound.company_id = second
        s.flush()
        assert user_companies(s, bound) == [second]
        assert user_companies(s, s.query(User).filter_by(username="matriz").one()) == [first, second]
        with pytest.raises(ValidationError) as exc:
            cash_flow(s, runtime=only, companies=[first, second], date_from=None, date_to=None, user=bound)
        assert exc.value.field == "companies"
        assert str(exc.value) == ("Empresa 1 - Provedor 1 Ltda: o fluxo de caixa mostra apenas as empresas que o "
                                  "usuário filial tem permissão.")
        report = cash_flow(s, runtime=only, companies=[second], date_from=w.ww.w.request().emission_date,
                           date_to=w.ww.w.request().emission_date, user=bound)
        assert [a.name for a in report.accounts] == ["Banco da filial"]
    with TestClient(create_app(only)) as client:
        login(client, "filial")
        page = client.get(f"{URL}?{QUERY}")
        assert page.status_code == 200 and _companies_offered(page.text) == [str(second)]
        assert "Banco da filial" in page.text and "Banco do Brasil" not in page.text
        refused = client.get(f"{URL}?{QUERY}&empresa={first}")
        assert refused.status_code == 400 and "apenas as empresas que o usuário filial tem permissão" in refused.text
        login(client, "matriz")
        assert _companies_offered(client.get(f"{URL}?{QUERY}").text) == [str(first), str(second)]
    cli = cli_invoker(only, database_url, tmp_path, monkeypatch, ["payables"])
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--usuario", "filial", "--json")
    assert out.exit_code == 0, out.output
    assert [a["name"] for a in json.loads(out.output)["accounts"]] == ["Banco da filial"]
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--usuario", "filial", "--empresa", "1")
    assert out.exit_code == 2 and "apenas as empresas que o usuário filial tem permissão" in out.output
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--usuario", "ninguem")
    assert out.exit_code == 2 and "Usuário ninguem não encontrado." in out.output
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--json")  # no user: every company
    assert {a["name"] for a in json.loads(out.output)["accounts"]} >= {"Banco da filial", "Banco do Brasil c/c"}
