"""Background jobs: chunked, idempotent, resumable.

A job kind (`JobSpec`, registered with the `register_jobs` hook) plans its work as chunks when
the job is submitted; each chunk then runs in its own transaction *together with its claim*:

- on PostgreSQL, workers claim chunks with `SELECT … FOR UPDATE SKIP LOCKED`, so any number of
  `quita jobs worker` processes share the queue and a chunk is done exactly once;
- on SQLite, writers are serialised by `BEGIN IMMEDIATE`; the same code runs in-process.

A crash (killed process, lost connection) rolls the chunk back: it is still queued and the next
run takes it again — the final state is the same as an uninterrupted run. An exception inside a
chunk is recorded (attempts, error) and retried up to `max_attempts`, then the chunk and its job
are marked failed with the message. Submitting twice with the same `key` returns the same job.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import QuitaError
from core.model import utcnow
from core.models.jobs import Job, JobChunk


@dataclass(frozen=True)
class JobSpec:
    kind: str
    label: str
    plan: Callable[[Session, dict], list[dict]]
    run_chunk: Callable[[Session, dict, dict], dict | None]
    max_attempts: int = 3


def _spec(runtime, kind: str) -> JobSpec:
    spec = runtime.registry.jobs.get(kind)
    if spec is None:
        raise QuitaError(f"Tipo de tarefa desconhecido ou de plugin desabilitado: {kind}")
    return spec


def submit(session: Session, runtime, kind: str, params: dict | None = None, *, key: str | None = None,
           company_id: int | None = None, user_id: int | None = None) -> Job:
    """Create a job and its chunks in the caller's unit of work (nothing runs yet)."""
    spec = _spec(runtime, kind)
    params = dict(params or {})
    if key is not None:
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    payloads = spec.plan(session, params)
    job = Job(kind=kind, key=key, params=params, status="queued" if payloads else "done",
              total_chunks=len(payloads), company_id=company_id, user_id=user_id,
              finished_at=None if payloads else utcnow())
    session.add(job)
    session.flush()
    if payloads:
        session.execute(JobChunk.__table__.insert(),
                        [{"job_id": job.id, "seq": i, "payload": p, "status": "queued", "attempts": 0}
                         for i, p in enumerate(payloads)])
    return job


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(runtime, *, job_id: int | None = None, worker: str | None = None) -> bool:
    """Claim one queued chunk and run it in the same transaction. False when none is left."""
    worker = worker or default_worker_name()
    with unit_of_work(runtime.engine) as session:
        query = (select(JobChunk).where(JobChunk.status == "queued")
                 .order_by(JobChunk.job_id, JobChunk.seq).limit(1)
                 .with_for_update(skip_locked=True))
        if job_id is not None:
            query = query.where(JobChunk.job_id == job_id)
        chunk = session.scalars(query).first()
        if chunk is None:
            return False
        job = session.get(Job, chunk.job_id)
        spec = _spec(runtime, job.kind)
        chunk.worker = worker
        try:
            with session.begin_nested():
                result = spec.run_chunk(session, job.params, chunk.payload)
        except Exception as exc:  # recorded and retried; a BaseException (crash) rolls everything back
            chunk.attempts += 1
            chunk.error = f"{type(exc).__name__}: {exc}"
            if chunk.attempts >= spec.max_attempts:
                chunk.status = "failed"
                session.execute(update(Job).where(Job.id == job.id).values(
                    status="failed", error=f"Parte {chunk.seq} falhou: {exc}", finished_at=utcnow()))
            return True
        chunk.status = "done"
        chunk.result = result
        chunk.error = None
        chunk.finished_at = utcnow()
        session.execute(update(Job).where(Job.id == job.id).values(done_chunks=Job.done_chunks + 1))
        session.flush()
        done, total, status = session.execute(
            select(Job.done_chunks, Job.total_chunks, Job.status).where(Job.id == job.id)).one()
        if status != "failed":
            session.execute(update(Job).where(Job.id == job.id).values(
                status="done" if done >= total else "running",
                finished_at=utcnow() if done >= total else None))
        return True


def work(runtime, *, job_id: int | None = None, worker: str | None = None,
         progress: Callable[[int], None] | None = None, max_chunks: int | None = None) -> int:
    """Run queued chunks until none is left (or `max_chunks`); return how many ran."""
    ran = 0
    while max_chunks is None or ran < max_chunks:
        if not run_one(runtime, job_id=job_id, worker=worker):
            break
        ran += 1
        if progress:
            progress(1)
    return ran


def work_until_finished(runtime, job_id: int, *, progress: Callable[[int], None] | None = None,
                        timeout: float = 300.0, poll_seconds: float = 0.05) -> str | None:
    """Run the job's queued chunks here and then wait until it is done or failed: a chunk another
    worker is running is skipped by `run_one` (SKIP LOCKED), so `work` alone may return while the
    job is still running elsewhere; a chunk given back by a crashed worker is taken here. Returns
    the job's status (still "running" after `timeout` seconds if another worker holds a chunk)."""
    deadline = time.monotonic() + timeout
    while True:
        work(runtime, job_id=job_id, progress=progress)
        with unit_of_work(runtime.engine, readonly=True) as session:
            status = session.scalar(select(Job.status).where(Job.id == job_id))
        if status in ("done", "failed", None) or time.monotonic() >= deadline:
            return status
        time.sleep(poll_seconds)


def serve_forever(runtime, *, poll_seconds: float = 2.0, worker: str | None = None) -> None:
    """A worker process: run chunks as they appear (`quita jobs worker`)."""
    while True:
        if work(runtime, worker=worker) == 0:
            time.sleep(poll_seconds)


def retry_failed(session: Session, job_id: int) -> int:
    """Put a failed job's failed chunks back in the queue; return how many."""
    n = session.execute(update(JobChunk).where(JobChunk.job_id == job_id, JobChunk.status == "failed")
                        .values(status="queued", attempts=0, error=None)).rowcount
    session.execute(update(Job).where(Job.id == job_id).values(status="running", error=None, finished_at=None))
    return n


def summary(session: Session, job_id: int) -> dict:
    job = session.get(Job, job_id)
    if job is None:
        raise QuitaError(f"Tarefa {job_id} não encontrada")
    counts = dict(session.execute(select(JobChunk.status, func.count()).where(JobChunk.job_id == job_id)
                                  .group_by(JobChunk.status)).all())
    return {"id": job.id, "kind": job.kind, "status": job.status, "total_chunks": job.total_chunks,
            "done_chunks": job.done_chunks, "failed_chunks": counts.get("failed", 0),
            "queued_chunks": counts.get("queued", 0), "error": job.error}


def run_with_progress(runtime, job_id: int, label: str) -> dict:
    """Run a job in-process with a progress bar (the CLI's way on SQLite or without workers)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with unit_of_work(runtime.engine, readonly=True) as s:
        info = summary(s, job_id)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn()) as bar:
        task = bar.add_task(label, total=info["total_chunks"], completed=info["done_chunks"])
        work(runtime, job_id=job_id, progress=lambda n: bar.advance(task, n))
    with unit_of_work(runtime.engine, readonly=True) as s:
        return summary(s, job_id)
