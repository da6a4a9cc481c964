"""Command line of unidentified deposits: `quita deposits add | list | cancel`.

    quita deposits add --company 1 --date 2026-12-05 --amount 150,00 --account 1.1.1.02 \\
        --description "PIX RECEBIDO JOSE S" [--document 123456]
    quita deposits list [--status aberto] [--company 1] [--json]
    quita deposits cancel 7 --date 2026-12-20 --justification "Devolvido ao depositante"
"""

from __future__ import annotations

import json
from datetime import date
from typing import Optional

import typer


def _date(text: str, field: str) -> date:
    from core.parties.search import parse_date

    return parse_date(text, field)


def register(cli: typer.Typer) -> None:
    deposits = typer.Typer(help="Depósitos não identificados.", no_args_is_help=True)

    @deposits.command("add")
    def deposits_add(
        company: int = typer.Option(..., "--company", help="Id da empresa."),
        on: str = typer.Option(..., "--date", help="Data do depósito (2026-12-05 ou 05/12/2026)."),
        amount: str = typer.Option(..., "--amount", help="Valor, ex.: 150,00."),
        account: str = typer.Option(..., "--account", help="Código (ou id) da conta banco/caixa, ex.: 1.1.1.02."),
        description: str = typer.Option(..., "--description", help="Histórico do extrato bancário."),
        document: Optional[str] = typer.Option(None, "--document", help="Documento / referência."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lança um depósito não identificado (D banco / C conta para depósito não identificado)."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.money import format_brl
        from plugins.receivables.deposits import deposit_as_dict, register_deposit

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                d = register_deposit(s, company_id=company, deposited_on=_date(on, "deposited_on"), amount=amount,
                                     account=account, description=description, document=document, runtime=rt)
                row = deposit_as_dict(s, d)
        except QuitaError as exc:
            field = getattr(exc, "field", None)
            fail(f"{exc}" + (f" (campo: {field})" if field else ""))
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            from decimal import Decimal

            typer.echo(f"Depósito não identificado nº {row['id']} lançado: {format_brl(Decimal(row['amount']))} "
                       f"em {row['account']}.")

    @deposits.command("list")
    def deposits_list(
        status: Optional[str] = typer.Option(None, "--status", help="aberto, utilizado ou cancelado."),
        company: Optional[int] = typer.Option(None, "--company", help="Id da empresa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista os depósitos não identificados (mais recentes primeiro)."""
        from decimal import Decimal

        from core.cli import echo_rows, fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.money import format_brl
        from plugins.receivables.deposits import deposits_as_dicts, list_deposits

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=True) as s:
                rows = deposits_as_dicts(s, list_deposits(s, company_id=company, status=status))
        except QuitaError as exc:
            fail(str(exc))

        def line(r):
            d = date.fromisoformat(r["deposited_on"])
            return (f"{r['id']:>6}  {d:%d/%m/%Y}  {format_brl(Decimal(r['amount'])):>14}  {r['status_label']:<10} "
                    f" {r['description']}")

        echo_rows(rows, as_json=as_json, empty="Nenhum depósito não identificado.", line=line)

    @deposits.command("cancel")
    def deposits_cancel(
        deposit_id: int = typer.Argument(..., help="Nº do depósito."),
        on: str = typer.Option(..., "--date", help="Data do cancelamento (estorno do lançamento)."),
        justification: str = typer.Option(..., "--justification", help="Motivo do cancelamento."),
    ):
        """Cancela um depósito em aberto (o lançamento é estornado na data informada)."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from plugins.receivables.deposits import cancel_deposit, get_deposit

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                cancel_deposit(s, get_deposit(s, deposit_id), on=_date(on, "on"), justification=justification,
                               runtime=rt)
        except QuitaError as exc:
            fail(str(exc))
        typer.echo(f"Depósito não identificado nº {deposit_id} cancelado.")

    cli.add_typer(deposits, name="deposits")
