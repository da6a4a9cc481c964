"""`quita cnab …`: read and check bank files, and the remessa/retorno commands under the CNAB name.

- `quita cnab parse ARQUIVO [--json] [--layout ID]`: bank, layout, kind, header and títulos
  (`cnab.summary.parse_file`); money as "135.00", dates ISO in JSON.
- `quita cnab check ARQUIVO [--json] [--layout ID]`: every problem by line and columns
  (`cnab.reader.check_file`); exit 1 when there are problems, 0 when the file is clean.
- `quita cnab remessa --profile P [--out F]` and `quita cnab retorno ARQUIVO [--profile P] [--json]`:
  the very commands `quita remessa gerar` and `quita retorno importar` (same callbacks, registered
  again under this group), so there is one implementation of each.

Errors in pt-BR, exit code 2 (unreadable file, unknown layout).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

import typer

from core.money import format_brl


def _command(register: Callable[[typer.Typer], None], group: str, name: str):
    """The callback of `quita <group> <name>` as `register` defines it (to register it again)."""
    scratch = typer.Typer()
    register(scratch)
    sub = next(g.typer_instance for g in scratch.registered_groups if g.name == group)
    return next(c.callback for c in sub.registered_commands if c.name == name)


ARQUIVO = typer.Argument(..., help="Arquivo de remessa ou retorno.")
JSON = typer.Option(False, "--json", help="Saída em JSON.")
LAYOUT = typer.Option(None, "--layout", help="Layout (ex.: unicred_400) em vez do indicado no cabeçalho.")


def _guarded(read, arquivo: Path):
    """`read(bytes of arquivo)`; a missing file or an unreadable one ends the command (exit 2)."""
    from core.cli import fail
    from plugins.bank_profiles.cnab.reader import RetornoError

    if not arquivo.is_file():
        fail(f"arquivo {arquivo} não encontrado")
    try:
        return read(arquivo.read_bytes())
    except RetornoError as exc:
        fail(str(exc))


def _money(value) -> str:
    from decimal import Decimal

    return "—" if value is None else format_brl(Decimal(value))


def _day(value) -> str:
    from datetime import date

    return "—" if not value else date.fromisoformat(value).strftime("%d/%m/%Y")


def print_parsed(result: dict) -> None:
    kind = "Retorno" if result["kind"] == "retorno" else "Remessa"
    typer.echo(f"{kind} CNAB {result['cnab']} do banco {result['bank']} ({result['layout']}): {result['arquivo']}, "
               f"{len(result['titulos'])} título(s)")
    for key, value in result["header"].items():
        if value not in (None, ""):
            typer.echo(f"  {key}: {value}")
    for t in result["titulos"]:
        if result["kind"] == "retorno":
            motivos = "; ".join(f"{m['codigo']} {m['descricao'] or ''}".strip() for m in t["motivos"])
            typer.echo(f"linha {t['linha']}  nosso número {t['nosso_numero']}  {t['ocorrencia_codigo']} "
                       f"{t['ocorrencia']} ({t['ocorrencia_descricao']})  valor {_money(t['valor_titulo'])}  "
                       f"pago {_money(t['valor_pago'])}  tarifa {_money(t['tarifa'])}  "
                       f"ocorrência {_day(t['data_ocorrencia'])}  crédito {_day(t['data_credito'])}"
                       + (f"  motivos: {motivos}" if motivos else ""))
        else:
            typer.echo(f"linha {t['linha']}  nosso número {t.get('nosso_numero')}  {t['movimento_codigo']} "
                       f"{t['movimento']}  valor {_money(t['valor_titulo'])}  vencimento {_day(t.get('vencimento'))}")
    for aviso in result["avisos"]:
        typer.echo(f"Aviso: {aviso}")


def print_check(report) -> None:
    where = f"{report.kind} {report.layout.id}" if report.layout else report.kind
    for p in report.problems:
        typer.echo(f"{report.arquivo}, {p}")
    for aviso in report.avisos:
        typer.echo(f"Aviso: {aviso}")
    typer.echo(f"{report.arquivo} ({where}, {report.lines} linhas): "
               + (f"{len(report.problems)} problema(s)." if report.problems else "nenhum problema."))


def register(cli: typer.Typer) -> None:
    from plugins.bank_profiles import remessa_cli, retorno_cli

    cnab = typer.Typer(help="Arquivos CNAB 240/400: ler, conferir, gerar remessa e importar retorno.",
                       no_args_is_help=True)

    @cnab.command("parse")
    def cnab_parse(arquivo: Path = ARQUIVO, as_json: bool = JSON, layout: Optional[str] = LAYOUT):
        """Lê o arquivo: banco, layout, cabeçalho e títulos com os campos normalizados."""
        from plugins.bank_profiles.cnab.summary import parse_file

        result = _guarded(lambda data: parse_file(data, arquivo=arquivo.name, layout_id=layout), arquivo)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        print_parsed(result)

    @cnab.command("check")
    def cnab_check(arquivo: Path = ARQUIVO, as_json: bool = JSON, layout: Optional[str] = LAYOUT):
        """Confere o arquivo e explica cada problema por linha e colunas (código de saída 1 se houver)."""
        from plugins.bank_profiles.cnab.reader import check_file
        from plugins.bank_profiles.cnab.summary import choose_layout

        def check(data: bytes):
            chosen = choose_layout(data, arquivo.name, layout) if layout else None
            return check_file(data, arquivo=arquivo.name, layout=chosen)

        report = _guarded(check, arquivo)
        if as_json:
            typer.echo(json.dumps({"arquivo": report.arquivo, "layout": report.layout.id if report.layout else None,
                                   "kind": report.kind, "linhas": report.lines, "avisos": report.avisos,
                                   "problemas": [{"linha": p.linha, "colunas": p.colunas, "mensagem": p.mensagem}
                                                 for p in report.problems]}, ensure_ascii=False))
        else:
            print_check(report)
        if report.problems:
            raise typer.Exit(1)

    cnab.command("remessa", help="Gera a remessa do perfil (o mesmo que `quita remessa gerar`).")(
        _command(remessa_cli.register, "remessa", "gerar"))
    cnab.command("retorno", help="Importa um retorno e liquida as faturas (o mesmo que `quita retorno importar`).")(
        _command(retorno_cli.register, "retorno", "importar"))
    cli.add_typer(cnab, name="cnab")
