"""`quita conv115 …`: the Convênio 115 file commands.

- `quita conv115 check ARQUIVOS... [--json]`: validates a file set (M, I, D and the controle, any
  layout) with `conv115.check.check_files`; `--json` prints
  `{"files": [{"name", "type", "records", "record_length", "totals": {"valor_total", "bc_icms",
  "icms"}, "errors": [{"record", "field", "message"}], "warnings": [...]}]}` (money as "1234.56");
  exit 1 when any file has errors, 2 when a file cannot be read.

- `quita conv115 generate --period AAMM --company C [--model 21] [--serie U] [--substituta] [--out DIR]
  [--json]`: the period's file set from the stored documents (`period_files.generate_period`),
  stored in the database and written to DIR (default: the current folder); exit 1 when refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from core.i18n import _

TYPE_NAMES = {"M": "mestre", "I": "itens", "D": "dados cadastrais", "C": "controle", None: "tipo desconhecido"}


def _problem_line(kind: str, p: dict) -> str:
    where = [] if p["record"] is None else [_("registro {n}").format(n=p["record"])]
    if p["field"]:
        where.append(_("campo {f}").format(f=p["field"]))
    prefix = ", ".join(where) or _("arquivo")
    return f"  {kind} {prefix}: {p['message']}"


def print_report(reports: list[dict]) -> None:
    from decimal import Decimal

    from core.money import format_brl

    for r in reports:
        totals = r["totals"]
        money = "" if totals["valor_total"] is None else _(
            "; valor total {v}, BC ICMS {b}, ICMS {i}").format(
            v=format_brl(Decimal(totals["valor_total"])), b=format_brl(Decimal(totals["bc_icms"])),
            i=format_brl(Decimal(totals["icms"])))
        typer.echo(_("{name}: {kind} ({t}), {n} registro(s) de {length} bytes{money} — {e} erro(s), {w} aviso(s)").format(
            name=r["name"], kind=TYPE_NAMES.get(r["type"], r["type"]), t=r["type"] or "?", n=r["records"],
            length=r["record_length"] or "?", money=money, e=len(r["errors"]), w=len(r["warnings"])))
        for p in r["errors"]:
            typer.echo(_problem_line(_("ERRO"), p))
        for p in r["warnings"]:
            typer.echo(_problem_line(_("aviso"), p))


def register(cli: typer.Typer) -> None:
    group = typer.Typer(help="Arquivos do Convênio ICMS 115/03 (NF modelos 21 e 22).", no_args_is_help=True)
    cli.add_typer(group, name="conv115")

    @group.command("check")
    def check_cmd(
        arquivos: list[Path] = typer.Argument(..., help="Arquivos do conjunto (mestre, itens, dados cadastrais, controle)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Valida arquivos do Convênio 115: tamanhos, campos, MD5 (documento, registro e arquivo) e totais."""
        from core.cli import fail
        from plugins.fiscal_nf2122.conv115.check import check_files

        files = []
        for path in arquivos:
            if not path.is_file():
                fail(_("arquivo {p} não encontrado").format(p=path))
            files.append((path.name, path.read_bytes()))
        reports = [r.as_dict() for r in check_files(files)]
        if as_json:
            typer.echo(json.dumps({"files": reports}, ensure_ascii=False))
        else:
            print_report(reports)
        if any(r["errors"] for r in reports):
            raise typer.Exit(1)

    @group.command("generate")
    def generate_cmd(
        period: str = typer.Option(..., "--period", help="Período de apuração AAMM (ex.: 2611)."),
        company: str = typer.Option(..., "--company", help="Código da empresa emitente."),
        model: Optional[int] = typer.Option(None, "--model", help="Modelo 21 ou 22 (padrão: o da configuração)."),
        serie: Optional[str] = typer.Option(None, "--serie", help="Série (padrão: a da configuração)."),
        substituta: bool = typer.Option(False, "--substituta", help="Entrega substituta (status S, próxima sequência)."),
        out: Path = typer.Option(Path("."), "--out", help="Pasta onde gravar os arquivos."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Gera os arquivos do Convênio 115 do período a partir dos documentos fiscais gerados."""
        from sqlalchemy import select

        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from core.models.company import Company
        from plugins.fiscal_nf2122.period_files import generate_period, write_files
        from plugins.fiscal_nf2122.settings import settings_of

        rt = runtime()
        settings = settings_of(rt)
        try:
            with unit_of_work(rt.engine) as s:
                found = s.scalar(select(Company).where(Company.code == company))
                if found is None:
                    fail(_("empresa {c} não encontrada").format(c=company))
                delivery, files = generate_period(s, found, period, model=model or settings.model,
                                                  serie=serie or settings.serie, substitute=substituta)
                paths = write_files(files, out)
        except ValidationError as exc:
            typer.secho(_("Recusado: {msg}").format(msg=exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        rows = [{"name": f.name, "type": f.type, "records": f.records, "path": str(p)} for f, p in zip(files, paths)]
        if as_json:
            typer.echo(json.dumps({"id": delivery.id, "period": delivery.period, "status": delivery.status,
                                   "sequencia": delivery.sequencia, "documents": delivery.documents,
                                   "files": rows}, ensure_ascii=False))
            return
        typer.echo(_("Entrega {st}{sq:02d} do período {p}: {n} documento(s)").format(
            st=delivery.status, sq=delivery.sequencia, p=delivery.period, n=delivery.documents))
        for r in rows:
            typer.echo(f"  {r['path']} ({r['type']}, {r['records']} registro(s))")
