"""`quita remessa gerar --profile N [--out arquivo]` and `quita remessa list [--json]`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

from core.money import format_brl


def register(cli: typer.Typer) -> None:
    remessa = typer.Typer(help="Arquivos de remessa CNAB dos perfis de pagamento.", no_args_is_help=True)

    @remessa.command("gerar")
    def remessa_gerar(
        profile: int = typer.Option(..., "--profile", "--perfil", help="Id do perfil de pagamento."),
        out: Optional[Path] = typer.Option(None, "--out", help="Grava o arquivo também neste caminho."),
    ):
        """Gera a remessa do perfil: boletos ainda não enviados e pedidos de baixa pendentes."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from plugins.bank_profiles.remessa import gerar_remessa

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                r = gerar_remessa(s, profile, user="cli")
                name, nsa, titulos, baixas, total, content = (r.filename, r.nsa, r.titulos, r.instrucoes,
                                                              r.valor_total, bytes(r.content))
                rid = r.id
        except ValidationError as exc:
            fail(str(exc))
        if out is not None:
            out.write_bytes(content)
        typer.echo(f"Remessa {rid} gerada: {name} — NSA {nsa}, {titulos} título(s), {baixas} pedido(s) de baixa, "
                   f"valor {format_brl(total)}" + (f"; gravada em {out}" if out is not None else ""))

    @remessa.command("list")
    def remessa_list(
        profile: Optional[int] = typer.Option(None, "--profile", "--perfil", help="Só deste perfil."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista as remessas geradas (mais recentes primeiro)."""
        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from plugins.bank_profiles.remessa import list_remessas

        rt = runtime(check_schema=True)
        with unit_of_work(rt.engine, readonly=True) as s:
            rows = [{"id": r.id, "profile_id": r.profile_id, "nsa": r.nsa, "arquivo": r.filename,
                     "titulos": r.titulos, "pedidos_baixa": r.instrucoes, "valor_total": str(r.valor_total),
                     "gerado_em": r.created_at.isoformat(), "por": r.created_by}
                    for r in list_remessas(s, profile_id=profile)]
        echo_rows(rows, as_json=as_json, empty="Nenhuma remessa gerada.",
                  line=lambda r: f"{r['id']:>5}  perfil {r['profile_id']}  NSA {r['nsa']:>4}  {r['arquivo']}  "
                                 f"{r['titulos']} título(s)  {r['pedidos_baixa']} baixa(s)  "
                                 f"{format_brl(Decimal(r['valor_total']))}")

    cli.add_typer(remessa, name="remessa")
