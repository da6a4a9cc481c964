"""Command line of the cash flow and of the expense forecasts:

    quita cashflow --from 2026-01-01 --to 2026-12-31 --period monthly [--kind previsto|realizado|
        previsto_x_realizado] [--empresa 1 ...] [--conta 1.1.1.02 ...] [--previsoes] [--transferencias]
        [--projecao 10] [--visao vertical|horizontal] [--csv FILE] [--xlsx FILE] [--json] [--usuario LOGIN]
    quita previsao-despesas add --conta 1.1.1.02 --descricao Aluguel --valor 1500,00 --data 10/01/2027
        [--mensal-ate 10/12/2027] [--empresa 1] [--json]
    quita previsao-despesas list [--empresa 1] [--json]
    quita previsao-despesas compensar ID --ate 10/03/2027

Accounts by their code in the company's chart (every selected company is searched); the company by
its code or id (default: all companies for the report, the only one for `add`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from plugins.payables.cli_support import company_id as company_id_of, run as _run


def _companies(session, keys: List[str], user=None) -> list[int]:
    """The companies typed, else every company the user may see (all without `--usuario`)."""
    from plugins.payables.cashflow import user_companies

    if not keys:
        return user_companies(session, user)
    return [company_id_of(session, k) for k in keys]


def _user(session, login: Optional[str]):
    """`--usuario LOGIN` ⇒ the user (refusal naming the option when unknown); None without it."""
    from sqlalchemy import select

    from core.errors import ValidationError
    from core.models.users import User

    if not login:
        return None
    found = session.scalar(select(User).where(User.username == login.strip()))
    if found is None:
        raise ValidationError(f"Usuário {login} não encontrado.", field="usuario")
    return found


def _accounts(session, companies: list[int], codes: List[str]) -> list[int] | None:
    from sqlalchemy import select

    from core.errors import ValidationError
    from core.ledger.models import Account

    if not codes:
        return None
    out = []
    for code in codes:
        found = list(session.scalars(select(Account.id).where(Account.company_id.in_(companies),
                                                              Account.code == code.strip())))
        if not found:
            raise ValidationError(f"Conta {code} não encontrada nas empresas selecionadas.", field="accounts")
        out += found
    return out


def _line(report, side: str, i: int) -> str:
    from core.money import format_brl

    c = report.totals[(side, i)]
    label = {"previsto": "Prev.", "realizado": "Real."}[side]
    return (f"{report.periods[i].label:<12} {label}  saldo inicial {format_brl(c.opening):>16}  entradas "
            f"{format_brl(c.inflow):>16}  saídas {format_brl(c.outflow):>16}  saldo final {format_brl(c.closing):>16}")


def register(cli: typer.Typer) -> None:
    @cli.command("cashflow")
    def cashflow_cmd(
        date_from: str = typer.Option(..., "--from", "--de", help="Data inicial (aaaa-mm-dd ou dd/mm/aaaa)."),
        date_to: str = typer.Option(..., "--to", "--ate", help="Data final."),
        period: str = typer.Option("monthly", "--period", "--periodo", help="daily|monthly (diario|mensal)."),
        kind: str = typer.Option("previsto", "--kind", "--tipo", help="previsto, realizado ou previsto_x_realizado."),
        empresa: List[str] = typer.Option([], "--empresa", help="Código ou id da empresa; pode repetir (padrão: todas)."),
        conta: List[str] = typer.Option([], "--conta", help="Código da conta fluxo; pode repetir (padrão: todas)."),
        previsoes: bool = typer.Option(False, "--previsoes", help="Considerar previsões de despesas não compensadas."),
        transferencias: bool = typer.Option(False, "--transferencias", help="Considerar transferências entre contas."),
        projecao: Optional[str] = typer.Option(None, "--projecao", help="Porcentagem de projeção para dinheiro e "
                                                                        "débito (ex.: 10 ou -5)."),
        visao: str = typer.Option("vertical", "--visao", help="vertical ou horizontal (CSV/xlsx)."),
        csv_path: Optional[Path] = typer.Option(None, "--csv", help="Grava o relatório em CSV neste arquivo."),
        xlsx_path: Optional[Path] = typer.Option(None, "--xlsx", help="Grava o relatório em xlsx neste arquivo."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
        usuario: Optional[str] = typer.Option(None, "--usuario", help="Login: só as empresas que o usuário tem "
                                                                      "permissão (padrão: todas)."),
    ):
        """Fluxo de caixa: entradas, saídas e saldos previstos e/ou realizados por dia ou mês."""
        from core.parties.search import parse_date
        from plugins.payables.cashflow import cash_flow
        from plugins.payables.cashflow_export import table_of, to_csv, to_xlsx

        def work(s, rt):
            user = _user(s, usuario)
            companies = _companies(s, empresa, user)
            return cash_flow(s, runtime=rt, companies=companies, date_from=parse_date(date_from, "date_from"),
                             date_to=parse_date(date_to, "date_to"), period=period, kind=kind,
                             accounts=_accounts(s, companies, conta), include_forecasts=previsoes,
                             include_transfers=transferencias, projection_percent=projecao, user=user)

        report = _run(work, readonly=True)
        table = table_of(report, visao)
        if csv_path:
            csv_path.write_bytes(to_csv(table))
        if xlsx_path:
            xlsx_path.write_bytes(to_xlsx(table))
        if as_json:
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        for side in report.sides:
            for i in range(len(report.periods)):
                typer.echo(_line(report, side, i))

    forecasts = typer.Typer(help="Previsão de despesas (entra no fluxo de caixa previsto).", no_args_is_help=True)

    @forecasts.command("add")
    def add(
        conta: str = typer.Option(..., "--conta", help="Código da conta fluxo (banco/caixa) de saída."),
        descricao: str = typer.Option(..., "--descricao", help="Descrição da despesa."),
        valor: str = typer.Option(..., "--valor", help="Valor (ex.: 1500,00)."),
        data: str = typer.Option(..., "--data", help="Data (1º vencimento)."),
        mensal_ate: Optional[str] = typer.Option(None, "--mensal-ate", help="Repete todo mês até esta data."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa (opcional se houver uma)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Cadastra uma previsão de despesa (única ou mensal)."""
        from plugins.payables.cashflow_forecasts import add_forecast, forecast_as_dict

        def work(s, rt):
            company_id = company_id_of(s, empresa)
            account = _accounts(s, [company_id], [conta])[0]
            return forecast_as_dict(add_forecast(s, company_id=company_id, account_id=account, description=descricao,
                                                 amount=valor, due_date=data, monthly_until=mensal_ate, runtime=rt))

        row = _run(work)
        typer.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"Previsão de despesa {row['id']} cadastrada: {row['description']} — {row['amount_brl']} "
                   f"({row['recurrence_label']}).")

    @forecasts.command("list")
    def list_cmd(
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista as previsões de despesas."""
        from core.cli import echo_rows
        from plugins.payables.cashflow_forecasts import forecast_as_dict, list_forecasts

        rows = _run(lambda s, _rt: [forecast_as_dict(f) for f in list_forecasts(
            s, company_id=company_id_of(s, empresa) if empresa else None)], readonly=True)
        echo_rows(rows, as_json=as_json, empty="Nenhuma previsão de despesa.",
                  line=lambda r: f"{r['id']:>5}  {r['due_date']}  {r['description'][:30]:<30}  {r['amount_brl']:>14}  "
                                 f"{r['recurrence_label']}{' até ' + r['until'] if r['until'] else ''}"
                                 f"{'  compensada até ' + r['compensated_until'] if r['compensated_until'] else ''}")

    @forecasts.command("compensar")
    def compensate_cmd(
        forecast_id: int = typer.Argument(..., help="Número da previsão."),
        ate: str = typer.Option(..., "--ate", help="Ocorrências até esta data já foram lançadas."),
    ):
        """Marca as ocorrências até uma data como compensadas (saem do fluxo previsto)."""
        from plugins.payables.cashflow_forecasts import compensate

        def work(s, rt):
            f = compensate(s, forecast_id, through=ate, runtime=rt)
            return f"Previsão de despesa {f.id} compensada até {f.compensated_until:%d/%m/%Y}."

        typer.echo(_run(work))

    cli.add_typer(forecasts, name="previsao-despesas")
