"""`quita transferencia criar | alterar | list | excluir` (`--json` on each): transfers between bank/cash accounts
(`transfers.py`), one unit of work per command; pt-BR errors, exit code 2."""

from __future__ import annotations

import json
from datetime import date
from typing import Optional

import typer

from core.money import format_brl
from plugins.reconciliation.cli_support import run_session as _run


def _day(text: str | None, option: str) -> date | None:
    from core.cli import fail

    from core.doctype.fields import parse_date_text

    if text is None:
        return None
    try:
        return parse_date_text(text)
    except ValueError:
        fail(f"{option}: data inválida «{text}» (use DD/MM/AAAA)")


def _text(r: dict) -> str:
    d = date.fromisoformat(r["issued_on"]).strftime("%d/%m/%Y")
    rec = f" — conciliada (lançamentos {', '.join(map(str, r['reconciled_line_ids']))})" if r["reconciled_line_ids"] else ""
    return (f"{r['id']}  {d}  {format_brl(r['amount']):>14}  {r['from_account']} → {r['to_account']}  "
            f"{r['description']}{rec}")


def register(cli: typer.Typer) -> None:
    group = typer.Typer(help="Transferências entre contas (banco/caixa), com lançamento contábil.",
                        no_args_is_help=True)

    @group.command("criar")
    def criar(
        data: str = typer.Option(..., "--data", help="Data de emissão (DD/MM/AAAA)."),
        valor: str = typer.Option(..., "--valor", help="Valor, ex.: 500,00."),
        de: str = typer.Option(..., "--de", help="Código da conta de saída (Banco ou Caixa)."),
        para: str = typer.Option(..., "--para", help="Código da conta de entrada (Banco ou Caixa)."),
        historico: str = typer.Option(..., "--historico", help="Histórico."),
        observacao: str = typer.Option("", "--observacao", help="Observação."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Cria a transferência e o lançamento contábil (D entrada / C saída)."""
        from plugins.reconciliation.transfers import TransferFields, create_transfer, money_account_by_code, snapshot

        def work(s):
            src, dst = money_account_by_code(s, de, "from_account_id"), money_account_by_code(s, para, "to_account_id")
            t = create_transfer(s, TransferFields(_day(data, "--data"), valor, src.id, dst.id, historico, observacao))
            return snapshot(s, t)

        r = _run(work)
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else
                   f"Transferência {r['id']} criada (lançamento contábil {r['entry_id']}): {_text(r)}")

    @group.command("alterar")
    def alterar(
        transfer_id: int = typer.Option(..., "--id", help="Número da transferência."),
        data: Optional[str] = typer.Option(None, "--data", help="Nova data de emissão (DD/MM/AAAA)."),
        valor: Optional[str] = typer.Option(None, "--valor", help="Novo valor, ex.: 500,00."),
        de: Optional[str] = typer.Option(None, "--de", help="Código da nova conta de saída."),
        para: Optional[str] = typer.Option(None, "--para", help="Código da nova conta de entrada."),
        historico: Optional[str] = typer.Option(None, "--historico", help="Novo histórico."),
        observacao: Optional[str] = typer.Option(None, "--observacao", help="Nova observação."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Altera a transferência (o que não for informado fica como está): estorna o lançamento e lança de novo."""
        from plugins.reconciliation.transfers import (TransferFields, alter_transfer, get_transfer,
                                                      money_account_by_code, snapshot)

        def work(s):
            t = get_transfer(s, transfer_id)
            src = money_account_by_code(s, de, "from_account_id").id if de else t.from_account_id
            dst = money_account_by_code(s, para, "to_account_id").id if para else t.to_account_id
            fields = TransferFields(_day(data, "--data") if data else t.issued_on, valor if valor else t.amount, src, dst,
                                    t.description if historico is None else historico,
                                    t.note if observacao is None else observacao, t.cost_centre_id)
            return snapshot(s, alter_transfer(s, transfer_id, fields))

        r = _run(work)
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else
                   f"Transferência {r['id']} alterada (lançamento contábil {r['entry_id']}): {_text(r)}")

    @group.command("list")
    def listar(
        empresa: Optional[int] = typer.Option(None, "--empresa", help="Id da empresa (padrão: a única cadastrada)."),
        periodo: Optional[str] = typer.Option(None, "--periodo", help="hoje, 7, 15 ou 30 (últimos dias)."),
        de_data: Optional[str] = typer.Option(None, "--de-data", help="Período informado: data inicial."),
        ate_data: Optional[str] = typer.Option(None, "--ate-data", help="Período informado: data final."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Listagem de transferências, com o filtro de período."""
        from core.cli import echo_rows
        from core.errors import ValidationError
        from core.models.company import Company
        from plugins.reconciliation.transfers import list_transfers
        from sqlalchemy import select

        def work(s):
            company_id = empresa
            if company_id is None:
                ids = list(s.scalars(select(Company.id).limit(2)))
                if len(ids) != 1:
                    raise ValidationError("Informe a empresa (--empresa).", field="company_id")
                company_id = ids[0]
            return list_transfers(s, company_id, period=periodo, date_from=_day(de_data, "--de-data"),
                                  date_to=_day(ate_data, "--ate-data"))

        echo_rows(_run(work), as_json=as_json, empty="Nenhuma transferência no período.", line=_text)

    @group.command("excluir")
    def excluir(
        transfer_id: int = typer.Option(..., "--id", help="Número da transferência."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Exclui a transferência: estorna o lançamento e desconcilia os lançamentos do extrato."""
        from plugins.reconciliation.transfers import delete_transfer

        freed = _run(lambda s: delete_transfer(s, transfer_id))
        if as_json:
            typer.echo(json.dumps({"id": transfer_id, "freed_line_ids": freed}, ensure_ascii=False))
            return
        typer.echo(f"Transferência {transfer_id} excluída (lançamento estornado).")
        if freed:
            typer.echo(f"Lançamentos do extrato desconciliados: {', '.join(map(str, freed))}")

    cli.add_typer(group, name="transferencia")
