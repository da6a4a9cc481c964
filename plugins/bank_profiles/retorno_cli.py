"""`quita retorno importar arquivo.ret [--profile N] [--json]`: import a bank's retorno file
(`retorno.importar_retorno`, one unit of work) and print the summary. Errors in pt-BR, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from core.money import format_brl

RESULTADOS = {"liquidada": "liquidada", "ja_liquidada": "já liquidada", "ja_aplicado": "já aplicada",
              "nao_encontrado": "não encontrado", "registrado": "registrado", "rejeitado": "rejeitado",
              "baixado": "baixado", "registrado_apenas": "registrada", "erro": "ERRO"}


def print_summary(report: dict) -> None:
    from decimal import Decimal

    typer.echo(f"Importação {report['id']}: {report['arquivo']} (banco {report['banco']}, {report['layout']}, "
               f"perfil {report['perfil_id']})")
    typer.echo(f"Títulos: {report['titulos']}   Liquidados: {report['liquidados']}   "
               f"Valor total: {format_brl(Decimal(report['valor_total']))}")
    typer.echo(f"Não encontrados: {report['nao_encontrados']}   Rejeitados: {report['rejeitados']}   "
               f"Erros: {report['erros']}")
    for i in report["itens"]:
        if i["resultado"] != "liquidada" or i["diferenca"]:  # a payment off the value is shown too
            typer.echo(f"  linha {i['linha']}, nosso número {i['nosso_numero']}: "
                       f"{RESULTADOS.get(i['resultado'], i['resultado'])} — {i['mensagem']}")


def register(cli: typer.Typer) -> None:
    retorno = typer.Typer(help="Retorno bancário (CNAB 240/400): importar e liquidar as faturas.",
                          no_args_is_help=True)

    @retorno.command("importar")
    def retorno_importar(
        arquivo: Path = typer.Argument(..., help="Arquivo de retorno do banco (.ret)."),
        profile: Optional[int] = typer.Option(None, "--profile", help="Id do perfil de pagamento (padrão: pelo "
                                                                      "cabeçalho do arquivo)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Importa um retorno: liquida as faturas pagas, registra entradas, baixas e rejeições."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.bank_profiles.retorno import importar_retorno, summary

        if not arquivo.is_file():
            fail(f"arquivo {arquivo} não encontrado")
        data = arquivo.read_bytes()
        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                report = summary(s, importar_retorno(s, data, arquivo.name, profile_id=profile, runtime=rt))
        except ValidationError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        print_summary(report)

    cli.add_typer(retorno, name="retorno")
