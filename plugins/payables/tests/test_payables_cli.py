"""`quita pagar lancar | list` through the real command line (Typer's runner, a real quita.toml)."""

from __future__ import annotations

import json

import pytest

from core.db import unit_of_work
from core.runtime import bootstrap
from plugins.payables.apportionment import SPLIT_SUM_ALERT
from plugins.payables.tests.payables_world import assert_books, make_runtime, seed
from tests.cli_runner import cli_invoker
from tests.worldkit import runtime_maker

LAUNCH = ("pagar", "lancar", "--fornecedor", "11.444.777/0001-61", "--total", "1000,00", "--parcelas", "3",
          "--prazo", "30", "--emissao", "05/11/2026", "--lancamento", "05/11/2026", "--historico", "410",
          "--documento", "4512", "--serie", "1")


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as m:
        yield make_runtime(m, database_url)


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ["payables"])


def test_launch_and_list(cli, rt):
    w = seed(rt.engine)
    out = cli(*LAUNCH)
    assert out.exit_code == 0, out.output
    assert "Fatura a pagar nº 1 lançada: R$ 1.000,00 em 3 parcela(s)" in out.output
    assert "05/12/2026" in out.output and "R$ 333,34" in out.output
    out = cli(*LAUNCH, "--conta-debito", "4.1.03=600,00", "--conta-debito", "4.1.04=400,00",
              "--centro-custo", "ADM=60", "--centro-custo", "TEC=40", "--categoria", "Links", "--criar-categoria",
              "--forma-pagamento", "chq_prazo", "--adiantamento", "--pedido", "PED-9", "--comprador", "1",
              "--conta-fluxo", "1.1.1.02", "--json")
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)
    assert (row["number"], row["net"], row["payment_form_label"]) == (2, "1000.00", "Chq. Prazo")
    assert (row["advance"], row["order_number"]) == (True, "PED-9")
    assert [s["amount"] for s in row["debit_splits"]] == ["600.00", "400.00"]
    assert [(i["code"], i["due_date"], i["amount"]) for i in row["installments"]] == [
        (4, "2026-12-05", "333.34"), (5, "2027-01-04", "333.33"), (6, "2027-02-03", "333.33")]

    out = cli("pagar", "list", "--json")
    assert [r["number"] for r in json.loads(out.output)] == [2, 1]
    out = cli("pagar", "list", "--fornecedor", "11444777000161")
    assert "Atacado de Links S.A." in out.output and "R$ 1.000,00" in out.output and "Em aberto" in out.output
    with unit_of_work(rt.engine, readonly=True) as s:
        assert_books(s, w)


def test_preview_writes_nothing(cli, rt):
    seed(rt.engine)
    out = cli(*LAUNCH, "--vencimento-fixo", "--previa", "--json")
    assert out.exit_code == 0, out.output
    assert [i["due_date"] for i in json.loads(out.output)["installments"]] == ["2026-12-05", "2027-01-05",
                                                                               "2027-02-05"]
    assert json.loads(cli("pagar", "list", "--json").output) == []
    assert "Nenhuma fatura a pagar." in cli("pagar", "list").output


def test_refusals_name_the_field(cli, rt):
    seed(rt.engine)
    out = cli(*LAUNCH, "--conta-debito", "4.1.03=600,00", "--conta-debito", "4.1.04=300,00")
    assert out.exit_code == 2 and SPLIT_SUM_ALERT in out.output and "(campo: debit_splits)" in out.output
    out = cli(*LAUNCH[:-4], "--parcelas", "37")
    assert out.exit_code == 2 and "(campo: installments)" in out.output
    out = cli(*LAUNCH, "--comprador", "77.777.777/0001-00")
    assert out.exit_code == 2 and "(campo: buyer_id)" in out.output
    out = cli("pagar", "lancar", "--fornecedor", "99999", "--total", "10,00")
    assert out.exit_code == 2 and "Fornecedor 99999 não encontrado" in out.output
    assert json.loads(cli("pagar", "list", "--json").output) == []
