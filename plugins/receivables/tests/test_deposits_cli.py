"""`quita deposits add | list | cancel` through the real command line (Typer's runner, a real
quita.toml pointing at the test database)."""

from __future__ import annotations

import json

import pytest

from core.db import unit_of_work
from core.runtime import bootstrap
from plugins.receivables.tests.deposits_world import ACCOUNTS, SETTINGS, assert_books, seed
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=["receivables"], plugin_settings=SETTINGS), make_current=False)


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ["receivables"], {"receivables": ACCOUNTS})


def test_cli_add_list_and_cancel(cli, rt, factory):
    w = seed(rt.engine, factory)
    out = cli("deposits", "add", "--company", str(w.company_id), "--date", "2026-12-05", "--amount", "150,00",
              "--account", "1.1.1.02", "--description", "PIX RECEBIDO JOSE S")
    assert out.exit_code == 0, out.output
    assert "Depósito não identificado nº 1 lançado: R$ 150,00 em 1.1.1.02 - Banco do Brasil c/c." in out.output
    out = cli("deposits", "add", "--company", str(w.company_id), "--date", "06/12/2026", "--amount", "20,00",
              "--account", "1.1.1.01", "--description", "DINHEIRO NO CAIXA", "--json")
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)
    assert (row["id"], row["amount"], row["deposited_on"], row["status"]) == (2, "20.00", "2026-12-06", "aberto")

    out = cli("deposits", "list", "--status", "aberto", "--json")
    rows = json.loads(out.output)
    assert [(r["id"], r["amount"], r["account"]) for r in rows] == [(2, "20.00", "1.1.1.01 - Caixa geral"),
                                                                    (1, "150.00", "1.1.1.02 - Banco do Brasil c/c")]
    out = cli("deposits", "list")
    assert "05/12/2026" in out.output and "R$ 150,00" in out.output and "Aberto" in out.output

    out = cli("deposits", "cancel", "2", "--date", "2026-12-07", "--justification", "Lançado em duplicidade")
    assert out.exit_code == 0 and "Depósito não identificado nº 2 cancelado." in out.output
    out = cli("deposits", "list", "--status", "cancelado", "--json")
    assert [r["id"] for r in json.loads(out.output)] == [2]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert_books(s, w)


def test_cli_refusals_name_the_field(cli, rt, factory):
    w = seed(rt.engine, factory)
    out = cli("deposits", "add", "--company", str(w.company_id), "--date", "2026-12-05", "--amount", "abc",
              "--account", "1.1.1.02", "--description", "PIX")
    assert out.exit_code == 2 and "(campo: amount)" in out.output and "Valor do depósito" in out.output
    out = cli("deposits", "add", "--company", str(w.company_id), "--date", "31/02/2026", "--amount", "10,00",
              "--account", "1.1.1.02", "--description", "PIX")
    assert out.exit_code == 2 and "Data inválida: 31/02/2026 (use dd/mm/aaaa) (campo: deposited_on)" in out.output
    out = cli("deposits", "add", "--company", str(w.company_id), "--date", "2026-12-05", "--amount", "10,00",
              "--account", "1.1.3.01", "--description", "PIX")
    assert out.exit_code == 2 and "(campo: account)" in out.output
    out = cli("deposits", "list", "--status", "pendente")
    assert out.exit_code == 2 and "Situação inválida: \"pendente\"" in out.output
    out = cli("deposits", "list")
    assert out.exit_code == 0 and "Nenhum depósito não identificado." in out.output
