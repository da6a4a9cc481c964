"""Cash flow through its outputs: `quita cashflow` and `quita previsao-despesas` (real command line),
the page /financeiro/fluxo-de-caixa (real app over HTTP: permission, menu, filters form, chart, table
in both views, refusals) and the CSV / xlsx exports (read back with the csv module and openpyxl)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from core.db import unit_of_work
from core.web.app import create_app
from plugins.payables.cashflow import PERM_CASHFLOW, cash_flow
from plugins.payables.cashflow_chart import chart_svg
from plugins.payables.cashflow_export import horizontal, to_csv, to_xlsx, vertical
from plugins.payables.tests.payables_cashflow_world import makers, seed_cashflow  # noqa: F401
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker

D = Decimal
URL = "/financeiro/fluxo-de-caixa"
QUERY = "de=2026-12-01&ate=2027-02-28&periodo=mensal"


@pytest.fixture
def cli(makers, database_url, tmp_path, monkeypatch):
    only, _both = makers
    return cli_invoker(only, database_url, tmp_path, monkeypatch, ["payables"])


def test_cli_cashflow_json_text_and_files(cli, makers, tmp_path):
    only, _both = makers
    seed_cashflow(only.engine, only)
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2027-02-28", "--period", "monthly", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    side = data["sides"]["previsto"]
    assert [p["label"] for p in data["periods"]] == ["dez/2026", "jan/2027", "fev/2027"]
    assert [p["total"]["outflow"] for p in side["periods"]] == ["333.34", "333.33", "333.33"]
    assert (side["summary"]["opening"], side["summary"]["closing"]) == ("10500.00", "9500.00")
    out = cli("cashflow", "--from", "01/12/2026", "--to", "31/12/2026", "--kind", "previsto_x_realizado",
              "--conta", "1.1.1.02", "--csv", str(tmp_path / "f.csv"), "--xlsx", str(tmp_path / "f.xlsx"))
    assert out.exit_code == 0, out.output
    first = re.sub(r"\s+", " ", out.output.splitlines()[0])
    assert first == ("dez/2026 Prev. saldo inicial R$ 10.000,00 entradas R$ 0,00 saídas R$ 333,34 "
                     "saldo final R$ 9.666,66")
    assert re.sub(r"\s+", " ", out.output.splitlines()[1]).startswith("dez/2026 Real. saldo inicial R$ 10.000,00")
    rows = list(csv.reader(io.StringIO((tmp_path / "f.csv").read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:6] == ["dez/2026", "1.1.1.02 - Banco do Brasil c/c", "10000,00", "0,00", "333,34", "9666,66"]
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet["E2"].value == 333.34 and sheet["A1"].font.bold
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--kind", "realizado", "--previsoes")
    assert out.exit_code == 2 and "Previsões de despesas não compensadas" in out.output
    assert "campo: include_forecasts" in out.output
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2026-12-31", "--conta", "9.9.9")
    assert out.exit_code == 2 and "Conta 9.9.9 não encontrada" in out.output


def test_cli_expense_forecasts(cli, makers):
    only, _both = makers
    seed_cashflow(only.engine, only)
    out = cli("previsao-despesas", "add", "--conta", "1.1.1.02", "--descricao", "Aluguel", "--valor", "1.500,00",
              "--data", "10/12/2026", "--mensal-ate", "10/02/2027", "--json")
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)
    assert (row["recurrence"], row["amount"], row["until"]) == ("mensal", "1500.00", "2027-02-10")
    out = cli("previsao-despesas", "compensar", str(row["id"]), "--ate", "10/12/2026")
    assert out.exit_code == 0 and "compensada até 10/12/2026" in out.output
    out = cli("previsao-despesas", "list")
    assert "Aluguel" in out.output and "R$ 1.500,00" in out.output and "compensada até 2026-12-10" in out.output
    out = cli("cashflow", "--from", "2026-12-01", "--to", "2027-02-28", "--previsoes", "--json")
    outflows = [p["total"]["by_source"].get("previsao", {}).get("outflow") for p in
                json.loads(out.output)["sides"]["previsto"]["periods"]]
    assert outflows == [None, "1500.00", "1500.00"]
    out = cli("previsao-despesas", "add", "--conta", "4.1.03", "--descricao", "X", "--valor", "10,00",
              "--data", "10/12/2026")
    assert out.exit_code == 2 and "conta fluxo" in out.output


def test_exports_and_chart_follow_the_report(makers):
    only, _both = makers
    w = seed_cashflow(only.engine, only)
    with unit_of_work(only.engine, readonly=True) as s:
        r = cash_flow(s, runtime=only, companies=[w.company_id], date_from=date(2026, 12, 1),
                      date_to=date(2027, 2, 28), kind="previsto_x_realizado")
    v = vertical(r)
    assert v.header[-1] == "Diferença (realizado − previsto)" and "Previsto — Saldo inicial" in v.header
    totals = [row for row in v.rows if row.style == "total"]
    assert [row.cells[:2] for row in totals] == [["dez/2026", "Total"], ["jan/2027", "Total"], ["fev/2027", "Total"]]
    assert totals[0].cells[-1] == D("333.34")  # realizado kept the money the previsto spends
    h = horizontal(r)
    assert h.header == ["Conta", "Linha", "dez/2026", "jan/2027", "fev/2027", "Total"]
    lines = {(row.cells[0], row.cells[1]): row.cells[2:] for row in h.rows[:8]}
    assert lines[("Todas as contas", "Saídas — Contas a pagar")] == [D("333.34"), D("333.33"), D("333.33"), D("1000.00")]
    assert lines[("Todas as contas", "Saldo final")][-1] == D("9500.00")
    text = to_csv(h).decode("utf-8")
    assert text.startswith("\ufeffConta;Linha;dez/2026") and "333,34;333,33;333,33;1000,00" in text
    assert load_workbook(io.BytesIO(to_xlsx(h))).active.max_row == len(h.rows) + 1
    svg = chart_svg(r)
    bars = re.findall(r'<rect class="bar bar-(\w+) bar-(\w+)" data-period="([\d-]+)"[^>]*data-cents="(-?\d+)"', svg)
    assert len(bars) == 3 * 4  # 3 months × (entradas, saídas) × (previsto, realizado)
    assert ("outflow", "previsto", "2026-12-01", "33334") in bars
    assert len(re.findall(r'<polyline class="balance-line', svg)) == 2
    assert 'data-cents="1016666"' in svg  # December's closing balance (previsto, both accounts) as a point


def test_page_permission_filters_chart_views_and_exports(makers):
    _only, both = makers
    w = seed_cashflow(both.engine, both)
    add_user(both.engine, "tesoureiro", permissions=[PERM_CASHFLOW])
    add_user(both.engine, "atendente", permissions=["receivables.contract.manage"])
    with TestClient(create_app(both)) as client:
        login(client, "atendente")
        assert f'href="{URL}"' not in client.get("/").text
        assert client.get(URL).status_code == 403
    with TestClient(create_app(both)) as client:
        login(client, "tesoureiro")
        assert f'href="{URL}"' in client.get("/").text
        page = client.get(URL)  # defaults: this month, monthly, previsto
        assert page.status_code == 200 and 'name="empresa" value="1" checked' in page.text
        page = client.get(f"{URL}?{QUERY}&tipo=previsto_x_realizado&visao=horizontal&empresa={w.company_id}")
        assert page.status_code == 200, page.text
        html = page.text
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="cashflow-chart"' in html
        assert html.count('class="bar bar-') == 12 and 'data-view="horizontal"' in html
        assert "Saídas — Contas a pagar" in html and "R$ 9.500,00" in html
        assert '<option value="previsto_x_realizado" selected>' in html
        page = client.get(f"{URL}?{QUERY}&conta={w.bank}")
        assert '1.1.1.02 - Banco do Brasil c/c' in page.text and "1.1.1.01 - Caixa geral</td>" not in page.text
        bad = client.get(f"{URL}?de=2027-01-01&ate=2026-01-01")
        assert bad.status_code == 400 and "A data final não pode ser anterior à data inicial." in bad.text
        assert 'data-field="date_to"' in bad.text
        bad = client.get(f"{URL}?{QUERY}&tipo=previsto&transferencias=1")
        assert bad.status_code == 400 and "Transferências" in bad.text
        exported = client.get(f"{URL}/exportar?{QUERY}&formato=csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert 'filename="fluxo-de-caixa-2026-12-01-2027-02-28.csv"' in exported.headers["content-disposition"]
        assert "dez/2026;Total;10500,00;0,00;333,34;10166,66" in exported.content.decode("utf-8-sig")
        exported = client.get(f"{URL}/exportar?{QUERY}&formato=xlsx&visao=horizontal")
        sheet = load_workbook(io.BytesIO(exported.content)).active
        assert sheet["A1"].value == "Conta" and sheet["C1"].value == "dez/2026"
        assert client.get(f"{URL}/exportar?de=x&formato=csv").status_code == 400
    with TestClient(create_app(both)) as client:  # the register's low-code pages (role financeiro)
        add_user(both.engine, "financeiro1", roles=["financeiro"])
        login(client, "financeiro1")
        assert 'href="/doc/payables_expense_forecast"' in client.get("/").text
        form = client.get("/doc/payables_expense_forecast/novo")
        assert form.status_code == 200 and "Conta fluxo (banco/caixa)" in form.text and "Compensada até" in form.text
