"""`quita ofx parse | import` and `quita bench ofx` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.runtime import bootstrap
from plugins.reconciliation.tests.ofx_files import company_accounts, sgml, stmtrs, stmttrn
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"
ENABLED = ["receivables", "reconciliation"]


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED))


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED)


@pytest.fixture
def bank(rt):
    return company_accounts((("1.1.1.01", "Banco Santander", "bank"),))["1.1.1.01"]


def test_parse_json_has_exactly_the_agreed_keys(cli):
    out = cli("ofx", "parse", str(FIXTURES / "santander_2014_mixed_decimal_comma_crlf.ofx"), "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert list(doc) == ["accounts", "warnings"] and doc["warnings"] == []
    (account,) = doc["accounts"]
    assert list(account) == ["bank_id", "branch_id", "account_id", "type", "currency", "balance", "balance_date",
                             "transactions"]
    assert (account["bank_id"], account["account_id"], account["balance"], account["balance_date"]) == (
        "033", "9999999999999", "9999.99", "2014-02-03")
    assert account["transactions"][1] == {
        "fitid": "00000105", "date": "2013-11-07", "amount": "-222.22", "type": "OTHER",
        "memo": "COMPENSACAO INTERNA DE CHEQUE", "payee": "", "checknum": "00000105", "refnum": ""}


def test_parse_text_output_and_errors(cli, tmp_path):
    out = cli("ofx", "parse", str(FIXTURES / "caixa_2022_blank_amount_saldo_dia.ofx"))
    assert out.exit_code == 0, out.output
    assert "Conta 0000000000001 (banco 0104, agência -, CHECKING, BRL): 0 lançamentos; saldo R$ 0,00 em 12/04/2022" in out.output
    assert "Aviso: linha 42: lançamento sem valor ignorado (SALDO DIA)" in out.output
    bad = tmp_path / "ruim.ofx"
    bad.write_text(sgml(stmtrs(stmttrn(amount="-10.005"))), encoding="ascii")
    out = cli("ofx", "parse", str(bad))
    assert out.exit_code == 2 and "Erro: ruim.ofx, linha 38: <TRNAMT>: valor com mais de duas casas decimais" in out.output
    assert cli("ofx", "parse", str(tmp_path / "nada.ofx")).exit_code == 2


def test_import_asks_for_the_account_then_uses_the_link(cli, bank):
    path = str(FIXTURES / "santander_2014_mixed_decimal_comma_crlf.ofx")
    out = cli("ofx", "import", path)
    assert out.exit_code == 2
    assert "ainda não está vinculada a nenhuma conta bancária; informe --account CÓDIGO" in out.output
    out = cli("ofx", "import", path, "--account", "1.1.1.01")
    assert out.exit_code == 0, out.output
    assert ("banco 033 conta 9999999999999 → 1.1.1.01 - Banco Santander (vinculada agora): 3 no arquivo; novos: 3; "
            "já importados: 0; restaurados: 0") in out.output
    out = cli("ofx", "import", path, "--json")
    assert out.exit_code == 0, out.output
    (account,) = json.loads(out.output)["accounts"]
    assert (account["new"], account["already_imported"], account["restored"]) == (0, 3, 0)
    out = cli("ofx", "import", path, "--account", "9.9.9")
    assert out.exit_code == 2 and "Conta bancária «9.9.9» não encontrada" in out.output


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # bs4's findAll inside raw ofxparse
def test_bench_ofx_prints_its_figures(cli):
    out = cli("bench", "ofx", "--lines", "400", "--raw-lines", "200", "--runs", "1", "--json")
    assert out.exit_code == 0, out.output
    r = json.loads(out.output)
    assert (r["lines"], r["raw_lines"], r["raw_half_lines"], r["import_first_new"], r["import_again_new"]) == (
        400, 200, 100, 400, 0)
    assert r["adapter_parse_s"] > 0 and r["raw_ofxparse_s"] > 0 and r["raw_measured"] is False
    assert (r["job_new"], r["job_parts"]) == (400, 1) and r["job_total_s"] >= r["job_submit_s"] > 0  # statement_jobs
