"""A retorno import as a background job (`core.jobs`), with its progress (títulos done / total).

`submit_import` = `retorno.start_import` (every refusal of the file, nothing written before) plus a
job of kind `bank_profiles.retorno` whose chunks are ranges of títulos
(`[plugins.bank_profiles] retorno_chunk_size`, default 5,000). Each chunk runs
`retorno.apply_range` in its own transaction together with the chunk's claim — the same code the
inline `importar_retorno` runs for the whole file — so:

- a crash rolls back only the current part; the job stays queued and running it again
  (`quita jobs worker`, opening the import's page, `quita retorno importar` of the same file is
  refused but the page resumes it) finishes the rest; a part whose títulos are already stored is
  skipped, and each título keeps its savepoint and its idempotency key (perfil + nosso número +
  código + data de ocorrência, within and across files);
- the parts of one import run one at a time (the import row is locked by each part), in order;
- the last part posts the fees (`retorno_tarifas`) and marks the import finished.

The web page starts one daemon thread of its own process for the job (`ensure_worker`), waits a
moment (small files come back finished) and otherwise polls `import_progress`.
"""

from __future__ import annotations

from contextvars import ContextVar
from threading import Thread
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import NotFound
from core.i18n import _
from core.job_threads import JobThreads
from core.jobs import JobSpec, submit, work
from core.models.jobs import Job
from plugins.bank_profiles.retorno import apply_range, start_import
from plugins.bank_profiles.retorno_models import RetornoImport
from plugins.bank_profiles.settings import settings_of

JOB_KIND = "bank_profiles.retorno"
_RUNTIME: ContextVar = ContextVar("bank_profiles_retorno_runtime", default=None)


def plan_import(session: Session, params: dict) -> list[dict]:
    imp = session.get(RetornoImport, int(params["import_id"]))
    size = int(params["chunk_size"])
    return [{"start": i, "end": min(i + size, imp.titulos)} for i in range(0, imp.titulos, size)] or [
        {"start": 0, "end": 0}]  # a file without títulos still finishes its import


def run_import_chunk(session: Session, params: dict, payload: dict) -> dict:
    return apply_range(session, int(params["import_id"]), int(payload["start"]), int(payload["end"]),
                       runtime=_RUNTIME.get())


RETORNO_JOB = JobSpec(kind=JOB_KIND, label="Importação de retorno bancário", plan=plan_import,
                      run_chunk=run_import_chunk)


def submit_import(session: Session, runtime, data: bytes, filename: str, *, profile_id: int | None = None,
                  user=None, chunk_size: int | None = None) -> RetornoImport:
    """Store the file (refusing it like `importar_retorno`) and plan its job, in the caller's unit of
    work; nothing is applied until the job runs (`work_import`)."""
    imp = start_import(session, data, filename, profile_id=profile_id, user=user, runtime=runtime)
    size = int(chunk_size or settings_of(runtime).retorno_chunk_size)
    job = submit(session, runtime, JOB_KIND, {"import_id": imp.id, "chunk_size": size}, key=f"{JOB_KIND}:{imp.sha256}",
                 company_id=imp.company_id, user_id=getattr(user, "id", None))
    imp.job_id = job.id
    session.flush()
    return imp


def work_import(runtime, job_id: int, progress: Callable[[int], None] | None = None) -> int:
    """Run the job's queued parts in this process (with this runtime); returns how many ran."""
    token = _RUNTIME.set(runtime)
    try:
        return work(runtime, job_id=job_id, progress=progress)
    finally:
        _RUNTIME.reset(token)


def import_progress(session: Session, import_id: int) -> dict:
    """What the page shows while an import runs: títulos done / total, percentage, job state, error."""
    imp = session.get(RetornoImport, import_id)
    if imp is None:
        raise NotFound(_("Importação {id} não existe").format(id=import_id))
    job = session.get(Job, imp.job_id) if imp.job_id is not None else None
    status = "done" if imp.finished_at is not None else (job.status if job is not None else "queued")
    return {"id": imp.id, "arquivo": imp.filename, "titulos": imp.titulos, "processados": imp.processados,
            "percent": 100 if not imp.titulos else min(100, imp.processados * 100 // imp.titulos),
            "finished": imp.finished_at is not None, "failed": status == "failed", "status": status,
            "error": job.error if job is not None else None, "job_id": imp.job_id}


# --- a thread of the web process working on one import -------------------------------------------

def ensure_worker(runtime, job_id: int) -> Thread | None:
    """A daemon thread of this process running the job, unless one already does or nothing is queued."""
    with unit_of_work(runtime.engine, readonly=True) as s:
        status = s.scalar(select(Job.status).where(Job.id == job_id))
    if status not in ("queued", "running"):
        return None
    return _THREADS.start(runtime, job_id)


_THREADS = JobThreads("retorno", lambda runtime, job_id: work_import(runtime, job_id))
