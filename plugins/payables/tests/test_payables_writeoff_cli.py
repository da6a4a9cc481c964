"""`quita pagar baixar | estornar` through the real command line (Typer's runner, a real quita.toml)."""

from __future__ import annotations

import json

import pytest

from core.db import unit_of_work
from plugins.payables.tests.payables_world import assert_books
from plugins.payables.tests.payables_writeoff_world import inst, make, rt, seed_writeoff  # noqa: F401
from tests.cli_runner import cli_invoker


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    """quita.toml with "Lançamento Efetivado" on (`--compensado` is used below)."""
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ["payables"],
                       {"payables": {"lancamento_efetivado": "true"}})


def test_total_partial_and_reversal(cli, rt):
    ww = seed_writeoff(rt.engine, rt)
    out = cli("pagar", "baixar", "--fatura", "1", "--data", "05/12/2026", "--juros", "1,00", "--nosso-numero", "NN-1",
              "--cheque", "000123", "--compensado")
    assert out.exit_code == 0, out.output
    assert "Fatura 1 baixada (baixa total): R$ 334,34 pagos; lançamento contábil 2." in out.output
    out = cli("pagar", "baixar", "--fatura", "2", "--data", "05/12/2026", "--valor-pago", "100,00",
              "--novo-vencimento", "15/01/2027", "--json")
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)[0]
    assert (row["kind"], row["paid"], row["remainder"]) == ("parcial", "100.00",
                                                            {"code": 4, "amount": "233.33", "due_date": "2027-01-15"})
    out = cli("pagar", "estornar", "--nosso-numero", "NN-1", "--json")
    assert [r["code"] for r in json.loads(out.output)] == [1]
    out = cli("pagar", "estornar", "--fornecedor", "11.444.777/0001-61")
    assert "Atacado de Links S.A." in out.output and "Liquidada" in out.output
    out = cli("pagar", "estornar", "--fatura", "2", "--motivo", "Valor errado", "--data", "10/12/2026")
    assert out.exit_code == 0, out.output
    assert "Baixa da fatura 2 estornada; lançamento de estorno 4." in out.output
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (inst(s, 2).status, inst(s, 4).status) == ("em_aberto", "excluida")
        assert_books(s, ww.w)


def test_preview_and_batch(cli, rt):
    ww = seed_writeoff(rt.engine, rt)
    out = cli("pagar", "baixar", "--fatura", "1", "--valor-pago", "100,00", "--data", "05/12/2026", "--previa")
    assert out.exit_code == 0, out.output
    assert "Atenção: O valor pago (R$ 100,00) é inferior ao valor da fatura (R$ 333,34)" in out.output
    assert "Prévia (nada gravado)" in out.output
    out = cli("pagar", "baixar", "--lote", "--vencimento-de", "01/01/2027", "--vencimento-ate", "28/02/2027",
              "--data", "05/12/2026", "--json")
    assert out.exit_code == 0, out.output
    assert [(r["code"], r["kind"]) for r in json.loads(out.output)] == [(2, "lote"), (3, "lote")]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [inst(s, c).status for c in ww.codes] == ["em_aberto", "liquidada", "liquidada"]


def test_errors_exit_2_in_portuguese(cli, rt):
    seed_writeoff(rt.engine, rt)
    out = cli("pagar", "baixar", "--fatura", "99")
    assert out.exit_code == 2 and "Fatura a pagar 99 não encontrada nesta empresa. (campo: installment)" in out.output
    out = cli("pagar", "baixar", "--fatura", "1", "--valor-pago", "10,00", "--data", "05/12/2026")
    assert out.exit_code == 2 and "Informe a nova data de vencimento. (campo: new_due_date)" in out.output
    out = cli("pagar", "baixar")
    assert out.exit_code == 2 and "Informe o número da fatura" in out.output
    out = cli("pagar", "estornar", "--fatura", "1", "--motivo", "x")
    assert out.exit_code == 2 and "A fatura 1 não tem baixa a estornar." in out.output
    out = cli("pagar", "baixar", "--lote", "--faixa", "a-b")
    assert out.exit_code == 2 and "Faixa de faturas inválida" in out.output
