"""`quita retorno importar arquivo.ret [--profile N] [--json]`: import a bank's retorno file and print
the summary. The file is stored and checked in one unit of work (`retorno_jobs.submit_import`; a
refusal writes nothing), then its títulos are applied right here, part by part (each part its own
transaction, the same job a web upload runs), with a progress line on stderr when there is more than
one part. Errors in pt-BR, exit code 2; a part that failed after its retries: the summary of what was
done, the error on stderr, exit code 1 (the job stays resumable: `quita jobs worker`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from core.money import format_brl
from plugins.bank_profiles.retorno_models import RetornoImport

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


def _progress_line(rt, import_id: int, total: int, name: str):
    """Per part applied: "Retorno X: N de M títulos aplicados" on stderr (files of more than one part)."""
    from core.db import unit_of_work
    from plugins.bank_profiles.retorno_jobs import import_progress
    from plugins.bank_profiles.settings import settings_of

    if total <= settings_of(rt).retorno_chunk_size:
        return None

    def progress(_n: int) -> None:
        with unit_of_work(rt.engine, readonly=True) as s:
            done = import_progress(s, import_id)["processados"]
        typer.echo(f"Retorno {name}: {done} de {total} títulos aplicados", err=True)

    return progress


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
        from plugins.bank_profiles.retorno import summary
        from plugins.bank_profiles.retorno_jobs import import_progress, submit_import, work_import

        if not arquivo.is_file():
            fail(f"arquivo {arquivo} não encontrado")
        data = arquivo.read_bytes()
        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                imp = submit_import(s, rt, data, arquivo.name, profile_id=profile)
                import_id, job_id, total = imp.id, imp.job_id, imp.titulos
        except ValidationError as exc:
            fail(str(exc))
        work_import(rt, job_id, progress=_progress_line(rt, import_id, total, arquivo.name))
        with unit_of_work(rt.engine, readonly=True) as s:
            report = summary(s, s.get(RetornoImport, import_id))
            state = import_progress(s, import_id)
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
        else:
            print_summary(report)
        if not state["finished"]:
            typer.secho(f"Erro: importação {import_id} interrompida ({state['processados']} de {total} títulos): "
                        f"{state['error'] or 'tarefa ' + str(job_id) + ' pendente'}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1)

    cli.add_typer(retorno, name="retorno")
