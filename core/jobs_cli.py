"""`quita jobs …`: list jobs, run a worker, retry failed chunks."""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

jobs_app = typer.Typer(help="Tarefas em segundo plano (faturamento, remessas, retornos…).", no_args_is_help=True)


@jobs_app.command("list")
def list_jobs(as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
              limit: int = typer.Option(20, help="Quantas tarefas mostrar (as mais recentes).")):
    """Lista as tarefas mais recentes com o andamento de cada uma."""
    from core.cli import runtime
    from core.db import unit_of_work
    from core.jobs import summary
    from core.models.jobs import Job

    rt = runtime(check_schema=True)
    with unit_of_work(rt.engine, readonly=True) as s:
        ids = s.scalars(select(Job.id).order_by(Job.id.desc()).limit(limit)).all()
        rows = [summary(s, i) for i in ids]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['id']:6} {r['kind']:28} {r['status']:8} {r['done_chunks']}/{r['total_chunks']}"
                   + (f"  erro: {r['error']}" if r["error"] else ""))


@jobs_app.command("worker")
def worker(once: bool = typer.Option(False, "--once", help="Processa o que houver na fila e termina."),
           poll: float = typer.Option(2.0, help="Segundos entre consultas à fila vazia.")):
    """Executa partes de tarefas da fila (vários workers podem rodar juntos no PostgreSQL)."""
    from core.cli import runtime
    from core.jobs import serve_forever, work

    rt = runtime(check_schema=True)
    if once:
        typer.echo(f"Partes processadas: {work(rt)}")
        return
    serve_forever(rt, poll_seconds=poll)


@jobs_app.command("retry")
def retry(job_id: int = typer.Argument(..., help="Número da tarefa.")):
    """Recoloca na fila as partes com falha de uma tarefa."""
    from core.cli import runtime
    from core.db import unit_of_work
    from core.jobs import retry_failed

    rt = runtime(check_schema=True)
    with unit_of_work(rt.engine) as s:
        n = retry_failed(s, job_id)
    typer.echo(f"Partes recolocadas na fila: {n}")
