"""The monthly billing run started from the web page, in the background, with its progress.

`core.jobs` has no worker inside the web process: a job's chunks run wherever `core.jobs.work`
is called (`quita billing run`, `quita jobs worker`). The "Faturamento mensal" page therefore
submits the run and starts ONE daemon thread of the web process for that job
(`ensure_worker`), then answers at once; the page polls `billing_progress` every second.

Safety:

- the submission (job, chunks, audit entry) is its own unit of work, committed before the thread
  starts; each chunk then runs in its own transaction (`core.jobs.run_one`), so a crash of the
  web process rolls back only the current chunk: the job stays "queued"/"running" with its
  chunks queued, and clicking "Faturar" again for that competence (or `quita jobs worker`, or
  `quita billing run`) resumes it — the final state is that of an uninterrupted run;
- one run per competence at a time: while a job of the competence is unfinished, "Faturar"
  shows THAT job (and makes sure a thread of this process works on it) instead of submitting
  another. The check is repeated inside the submitting transaction, and every web run has the
  idempotency key `receivables.billing:AAAA-MM:N` (N = that competence's Nth web run), so two
  simultaneous clicks on PostgreSQL collide on the key and the second one shows the first's job;
- `quita jobs worker` processes may work on the same job at the same time: chunks are claimed
  with `SKIP LOCKED` (PostgreSQL) or serialised by `BEGIN IMMEDIATE` (SQLite).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from threading import Thread

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.db import unit_of_work
from core.errors import NotFound
from core.i18n import _
from core.job_threads import JobThreads
from core.model import utcnow
from core.models.jobs import Job, JobChunk

PERM_BILLING = "receivables.billing.run"
FINISHED = ("done", "failed")



@dataclass(frozen=True)
class StartedRun:
    job_id: int
    already_running: bool  # True: a run of the competence was unfinished; it is the one shown


def run_key(competence: date, n: int) -> str:
    """Idempotency key of the competence's Nth run started from the page."""
    from plugins.receivables.billing import JOB_KIND

    return f"{JOB_KIND}:{competence:%Y-%m}:{n}"


def _unfinished(session, competence: date) -> int | None:
    from plugins.receivables.billing import unfinished_jobs

    ids = unfinished_jobs(session, competence)
    return ids[0] if ids else None


def start_billing(runtime, competence: str | date, user=None, *, chunk_size: int | None = None) -> StartedRun:
    """Submit the billing of `competence` and start its background thread; or, when a run of
    that competence is unfinished, return it (resuming it in this process if nobody works on it).
    `ValidationError` (pt-BR) for a bad competence, before anything is written."""
    from core.audit import record
    from plugins.receivables.billing import JOB_KIND, parse_competence, submit_billing

    comp = parse_competence(competence)
    with unit_of_work(runtime.engine, readonly=True) as s:
        running = _unfinished(s, comp)
    if running is not None:
        ensure_worker(runtime, running)
        return StartedRun(running, True)
    key = None
    try:
        with unit_of_work(runtime.engine) as s:
            running = _unfinished(s, comp)  # again, inside the writing transaction
            if running is None:
                prefix = run_key(comp, 0)[:-1]
                n = s.scalar(select(func.count()).select_from(Job).where(Job.kind == JOB_KIND,
                                                                         Job.key.like(prefix + "%")))
                key = run_key(comp, n + 1)
                job = submit_billing(s, runtime, comp, chunk_size=chunk_size, user_id=getattr(user, "id", None),
                                     key=key)
                record(s, action=PERM_BILLING, target_kind=JOB_KIND, target_id=job.id, user=user,
                       after={"competence": comp.isoformat(), "chunks": job.total_chunks})
                job_id = job.id
    except IntegrityError:  # a simultaneous click committed the same key first: show its job
        with unit_of_work(runtime.engine, readonly=True) as s:
            running = s.scalar(select(Job.id).where(Job.key == key))
        if running is None:
            raise
    if running is not None:
        ensure_worker(runtime, running)
        return StartedRun(running, True)
    ensure_worker(runtime, job_id)
    return StartedRun(job_id, False)


def ensure_worker(runtime, job_id: int) -> Thread | None:
    """Start a daemon thread running the job's queued chunks, unless one of this process already
    does. None when the job has nothing left to run."""
    with unit_of_work(runtime.engine, readonly=True) as s:
        status = s.scalar(select(Job.status).where(Job.id == job_id))
        queued = s.scalar(select(func.count()).select_from(JobChunk).where(JobChunk.job_id == job_id,
                                                                          JobChunk.status == "queued"))
    if status is None or not queued:
        return None
    return _THREADS.start(runtime, job_id)


def _work(runtime, job_id: int) -> None:
    from plugins.receivables.billing import work_job

    work_job(runtime, job_id)


_THREADS = JobThreads("faturamento", _work)
is_working = _THREADS.is_working
wait_for = _THREADS.wait_for  # join the job's thread in this process (tests, shutdown)


# --- progress -----------------------------------------------------------------------------------

def billing_progress(session, job_id: int, *, now: datetime | None = None) -> dict:
    """What the page's progress fragment shows for a billing job: state, chunks done/total,
    percentage, contracts processed, invoices created, total invoiced (centavos), elapsed
    seconds, the skipped contracts by reason and the chunks' errors (pt-BR)."""
    from plugins.receivables.billing import JOB_KIND, job_summary

    job = session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND:
        raise NotFound(_("Faturamento {n} não encontrado.").format(n=job_id))
    out = job_summary(session, job_id)
    total, done = out["chunks"], out["chunks_done"]
    end = job.finished_at or now or utcnow()
    errors = []
    for seq, attempts, error in session.execute(
            select(JobChunk.seq, JobChunk.attempts, JobChunk.error)
            .where(JobChunk.job_id == job_id, JobChunk.error.is_not(None)).order_by(JobChunk.seq)):
        message = re.sub(r"^[A-Za-z_][\w.]*: ", "", error)  # "ValidationError: …" ⇒ the message itself
        errors.append(_("Parte {seq}: {e} ({n} tentativa(s))").format(seq=seq, e=message, n=attempts))
    if job.error and not errors:
        errors.append(job.error)
    out.update(
        finished=job.status in FINISHED,
        percent=100 if total == 0 else min(100, done * 100 // total),
        contracts_processed=out["contracts_billed"] + out["already_billed"] + out["skipped"],
        elapsed_seconds=max(0, int((end - job.created_at).total_seconds())),
        skipped_reasons=[(key, label, out[key]) for key, label in SKIP_REASONS if out[key]],
        errors=errors, created_at=job.created_at, finished_at=job.finished_at, error=job.error)
    return out


SKIP_REASONS = (
    ("already_billed", "já faturados nesta competência (nada foi duplicado)"),
    ("skipped", "sem dias a faturar (suspensos o mês inteiro)"),
    ("rolled_over", "contas transferidas para a fatura seguinte (abaixo do valor mínimo)"),
)


def format_elapsed(seconds: int) -> str:
    """12 ⇒ '12 s'; 75 ⇒ '1 min 15 s'; 3725 ⇒ '1 h 02 min'."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
