"""`quita remessa gerar --profile N [--out arquivo]`, `quita remessa list [--json]`,
`quita remessa transmitida ID`, `quita remessa descartar ID`, `quita remessa instrucoes [--profile N]
[--json]` and `quita remessa instrucao --fatura N TIPO [--vencimento D] [--valor V] [--data D]`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

from core.money import format_brl


def _echo(rows_of, *, as_json: bool, empty: str, line) -> None:
    """Rows read by `rows_of(session)` in a read-only unit of work, printed by `echo_rows`."""
    from core.cli import echo_rows, runtime
    from core.db import unit_of_work

    rt = runtime(check_schema=True)
    with unit_of_work(rt.engine, readonly=True) as s:
        rows = rows_of(s)
    echo_rows(rows, as_json=as_json, empty=empty, line=line)


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
        typer.echo(f"Remessa {rid} gerada: {name} — NSA {nsa}, {titulos} título(s), {baixas} instrução(ões), "
                   f"valor {format_brl(total)}" + (f"; gravada em {out}" if out is not None else "")
                   + ". Envie o arquivo ao banco e marque-o: quita remessa transmitida " + str(rid))

    @remessa.command("list")
    def remessa_list(
        profile: Optional[int] = typer.Option(None, "--profile", "--perfil", help="Só deste perfil."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista as remessas geradas (mais recentes primeiro)."""
        from plugins.bank_profiles.remessa import list_remessas

        _echo(lambda s: [{"id": r.id, "profile_id": r.profile_id, "nsa": r.nsa, "arquivo": r.filename,
                          "titulos": r.titulos, "instrucoes": r.instrucoes, "valor_total": str(r.valor_total),
                          "estado": r.estado, "gerado_em": r.created_at.isoformat(), "por": r.created_by}
                         for r in list_remessas(s, profile_id=profile)],
              as_json=as_json, empty="Nenhuma remessa gerada.",
              line=lambda r: f"{r['id']:>5}  perfil {r['profile_id']}  NSA {r['nsa']:>4}  {r['arquivo']}  "
                             f"{r['estado']:<11}  {r['titulos']} título(s)  {r['instrucoes']} instrução(ões)  "
                             f"{format_brl(Decimal(r['valor_total']))}")

    def _state_change(remessa_id: int, change, done: str) -> None:
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine) as s:
                r = change(s, remessa_id, user="cli")
                text = done.format(f=r.filename, nsa=r.nsa)
        except ValidationError as exc:
            fail(str(exc))
        typer.echo(text)

    @remessa.command("transmitida")
    def remessa_transmitida(remessa_id: int = typer.Argument(..., help="Id da remessa (quita remessa list).")):
        """Marca a remessa como transmitida ao banco: suas faturas recebem a marcação "remessa transmitida"."""
        from plugins.bank_profiles.remessa_marks import transmitir

        _state_change(remessa_id, transmitir, "Remessa {f} (NSA {nsa}) marcada como transmitida.")

    @remessa.command("descartar")
    def remessa_descartar(remessa_id: int = typer.Argument(..., help="Id da remessa (quita remessa list).")):
        """Descarta uma remessa gerada e não transmitida: faturas e instruções vão na próxima (o NSA não é reusado)."""
        from plugins.bank_profiles.remessa_marks import descartar

        _state_change(remessa_id, descartar, "Remessa {f} (NSA {nsa}) descartada: suas faturas e instruções vão na "
                                             "próxima remessa; o NSA {nsa} continua usado (a numeração não tem "
                                             "lacunas nem reaproveita números).")

    @remessa.command("instrucoes")
    def remessa_instrucoes(
        profile: Optional[int] = typer.Option(None, "--profile", "--perfil", help="Só deste perfil."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Instruções pendentes (vão na próxima remessa de cada perfil)."""
        from plugins.bank_profiles.remessa_instructions import pending_list

        _echo(lambda s: [{**r, "vencimento": r["vencimento"] and r["vencimento"].isoformat(),
                          "valor": r["valor"] and str(r["valor"]), "data": r["data"] and r["data"].isoformat(),
                          "em": r["em"].isoformat()} for r in pending_list(s, profile_id=profile)],
              as_json=as_json, empty="Nenhuma instrução pendente.",
              line=lambda r: f"{r['id']:>5}  perfil {r['profile_id']}  fatura {r['fatura']}  nosso número "
                             f"{r['nosso_numero']}  {r['movimento']} {r['instrucao']}"
                             + (f"  vencimento {r['vencimento']}" if r["vencimento"] else "")
                             + (f"  valor {format_brl(Decimal(r['valor']))}" if r["valor"] else "")
                             + (f"  até {r['data']}" if r["data"] else ""))

    @remessa.command("instrucao")
    def remessa_instrucao(
        tipo: str = typer.Argument(..., help="baixa, alteracao_vencimento, alteracao_valor, concessao_abatimento, "
                                             "cancelamento_abatimento, concessao_desconto, cancelamento_desconto, "
                                             "protestar, sustar_protesto"),
        fatura: int = typer.Option(..., "--fatura", "--invoice", help="Número da fatura."),
        vencimento: Optional[str] = typer.Option(None, "--vencimento", help="Novo vencimento (AAAA-MM-DD)."),
        valor: Optional[str] = typer.Option(None, "--valor", help="Valor (novo valor, abatimento ou desconto)."),
        data: Optional[str] = typer.Option(None, "--data", help="Data limite do desconto (AAAA-MM-DD)."),
    ):
        """Enfileira uma instrução ao banco para a próxima remessa do perfil da fatura."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import ValidationError
        from core.money import parse_money
        from plugins.bank_profiles.remessa_instructions import queue_instruction
        from plugins.receivables.models import Invoice
        from sqlalchemy import select

        rt = runtime(check_schema=True)
        try:
            when = date.fromisoformat(vencimento) if vencimento else None
            until = date.fromisoformat(data) if data else None
        except ValueError as exc:
            fail(f"Data inválida: {exc}")
        try:
            amount = parse_money(valor) if valor else None
            with unit_of_work(rt.engine) as s:
                inv_id = s.scalar(select(Invoice.id).where(Invoice.number == fatura).order_by(Invoice.id.desc()))
                if inv_id is None:
                    raise ValidationError(f"Fatura {fatura} não existe")
                row = queue_instruction(s, inv_id, tipo, vencimento=when, valor=amount, data=until, user="cli")
                text = f"Instrução {row.id} ({row.movimento}) enfileirada para a fatura {fatura}: vai na próxima remessa."
        except (ValidationError, ValueError) as exc:
            fail(str(exc))
        typer.echo(text)

    cli.add_typer(remessa, name="remessa")
