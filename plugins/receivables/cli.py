"""Command line of the receivables plugin: `quita billing run`, `quita invoices list`, `quita invoices pdf`."""

from __future__ import annotations

import json
from typing import Optional

import typer


def register(cli: typer.Typer) -> None:
    billing = typer.Typer(help="Faturamento mensal dos contratos.", no_args_is_help=True)
    invoices = typer.Typer(help="Faturas a receber.", no_args_is_help=True)

    @billing.command("run")
    def billing_run(
        competence: str = typer.Option(..., "--competence", help="Competência (mês de uso), ex.: 2026-12."),
        chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1,
                                                 help="Clientes por parte (padrão: configuração do plugin)."),
        as_json: bool = typer.Option(False, "--json", help="Resumo em JSON."),
    ):
        """Gera as contas do mês de todos os contratos ativos (com proporcionais) e as faturas.

        Pode ser executado de novo sem duplicar nada; retoma de onde parou após uma falha."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.jobs import run_with_progress
        from plugins.receivables.billing import job_summary, submit_billing, unfinished_jobs

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=True) as s:
                interrupted = unfinished_jobs(s, competence)
            for old in interrupted:  # a run killed before the end: finish its queued chunks first
                typer.echo(f"Retomando a tarefa interrompida {old}…")
                run_with_progress(rt, old, f"Faturamento {competence} (tarefa {old})")
            with unit_of_work(rt.engine) as s:
                job_id = submit_billing(s, rt, competence, chunk_size=chunk_size).id
        except QuitaError as exc:
            fail(str(exc))
        run_with_progress(rt, job_id, f"Faturamento {competence}")
        with unit_of_work(rt.engine, readonly=True) as s:
            summary = job_summary(s, job_id)
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False))
        else:
            typer.echo(f"Faturamento da competência {summary['competence'][:7]} — tarefa {job_id} ({summary['status']})")
            typer.echo(f"  contratos faturados: {summary['contracts_billed']}")
            typer.echo(f"  contas criadas:      {summary['charges_created']}")
            typer.echo(f"  já faturados antes:  {summary['already_billed']}")
            typer.echo(f"  faturas criadas:     {summary['invoices_created']}")
            typer.echo(f"  contas adiadas (valor mínimo): {summary['rolled_over']}")
            typer.echo(f"  contratos ignorados (sem dias a cobrar): {summary['skipped']}")
            for label, count in (summary.get("extra") or {}).items():  # plugins' lines (on_invoices_issued)
                typer.echo(f"  {label}: {count}")
        if summary["status"] == "failed":
            if not as_json and summary.get("error"):
                typer.echo(f"  erro: {summary['error']}", err=True)
            raise typer.Exit(1)

    @invoices.command("list")
    def invoices_list(
        party: int = typer.Option(..., "--party", help="Id do cliente."),
        status: Optional[str] = typer.Option(None, "--status", help="Filtrar pela situação (aberta, liquidada…)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista as faturas de um cliente."""
        from decimal import Decimal

        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from core.money import format_brl
        from plugins.receivables.invoicing import invoice_as_dict, list_invoices

        rt = runtime(check_schema=True)
        with unit_of_work(rt.engine, readonly=True) as s:
            rows = [invoice_as_dict(i) for i in list_invoices(s, party, status=status)]
        echo_rows(rows, as_json=as_json, empty="Nenhuma fatura para este cliente.",
                  line=lambda r: f"{r['number']:>8}  venc. {r['due_date']}  {format_brl(Decimal(r['total'])):>14}  "
                                 f"{r['status']}")

    @invoices.command("pdf")
    def invoices_pdf(
        ids: str = typer.Option(..., "--ids", help="Ids das faturas separados por vírgula (várias: um carnê)."),
        out: Optional[str] = typer.Option(None, "--out", help="Arquivo PDF de saída (padrão: fatura-N.pdf ou "
                                                               "carne-<cliente>.pdf na pasta atual)."),
        receipt: bool = typer.Option(False, "--recibo", help="Imprimir o recibo de liquidação das faturas."),
    ):
        """Imprime faturas em PDF ("Imprimir Fatura"): uma fatura em A4 ou várias em um carnê."""
        from pathlib import Path

        from core.cli import fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from plugins.receivables.printing import print_invoices, print_settlement_receipts

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=True) as s:
                pdf = (print_settlement_receipts(s, ids) if receipt else print_invoices(s, ids, runtime=rt))
        except QuitaError as exc:
            fail(str(exc))
        target = Path(out or pdf.filename)
        target.write_bytes(pdf.content)
        typer.echo(f"{target} ({len(pdf.content)} bytes)")

    cli.add_typer(billing, name="billing")
    cli.add_typer(invoices, name="invoices")
