""""Gerar todos": the fiscal documents of every pending invoice as a background job (`core.jobs`).

Kind "fiscal_nf2122.generate". Submitting plans chunks of pending invoices by id range (filters:
company, competência AAMM of the invoice); `params["invoices"]` keeps how many were pending, for
the progress. Each chunk runs in ONE transaction with its claim (`core.jobs.run_one`): the
invoices of the range still pending are generated in id order through `auto.auto_generate`
(request + efetivação, a SAVEPOINT each; a refusal is recorded as a "pendência" and the chunk goes
on), so the numbers are drawn inside the chunk's transaction — a crash rolls the chunk back with
its numbers and the next run takes it again: no gap, no duplicate. An invoice that got its note
meanwhile (settlement, the operator) is skipped, and the invoice row lock makes a simultaneous
generation of the same invoice wait and then skip it.

Runs: `quita fiscal gerar --todas [--company C] [--competencia AAMM]` (in the process, progress on
stderr; an unfinished job of the same filters is resumed first), the page "Documentos fiscais
pendentes" → "Gerar todos" (a daemon thread of the web process, `core.job_threads.JobThreads`,
polled progress), or any `quita jobs worker`.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import ValidationError
from core.i18n import _
from core.job_threads import JobThreads
from core.jobs import JobSpec, submit, work_until_finished
from core.models.jobs import Job, JobChunk

JOB_KIND = "fiscal_nf2122.generate"
RESULT_KEYS = ("generated", "awaiting", "failed", "skipped")
DEFAULT_CHUNK = 500


def parse_competencia(value: str | None) -> str | None:
    """'2612' (AAMM) ⇒ '2026-12-01'; None stays None; anything else ⇒ ValidationError."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if len(text) != 4 or not text.isdigit() or not 1 <= int(text[2:]) <= 12:
        raise ValidationError(_("Competência inválida: {v!r} (use AAMM, ex.: 2612)").format(v=value), field="competencia")
    return date(2000 + int(text[:2]), int(text[2:]), 1).isoformat()


def _pending_ids(session: Session, params: dict, *, id_from: int | None = None, id_to: int | None = None):
    """The statement of the pending invoices' ids (documents.pending_invoices' rule) with the job's filters."""
    from plugins.fiscal_nf2122.documents import ELIGIBLE_INVOICE_STATUSES
    from plugins.fiscal_nf2122.models import GERADO, FiscalDocument
    from plugins.receivables.models import Invoice

    generated = select(FiscalDocument.id).where(FiscalDocument.invoice_id == Invoice.id,
                                                FiscalDocument.status == GERADO).exists()
    stmt = select(Invoice.id).where(Invoice.status.in_(ELIGIBLE_INVOICE_STATUSES), Invoice.total > 0, ~generated)
    if params.get("company_id") is not None:
        stmt = stmt.where(Invoice.company_id == int(params["company_id"]))
    if params.get("competence"):
        stmt = stmt.where(Invoice.competence == date.fromisoformat(params["competence"]))
    if id_from is not None:
        stmt = stmt.where(Invoice.id.between(id_from, id_to))
    return stmt.order_by(Invoice.id)


def plan_generation(session: Session, params: dict) -> list[dict]:
    ids = list(session.scalars(_pending_ids(session, params)))
    size = int(params.get("chunk_size") or DEFAULT_CHUNK)
    params["invoices"] = len(ids)  # stored with the job (core.jobs.submit keeps this dict)
    return [{"from": ids[i], "to": ids[min(i + size, len(ids)) - 1]} for i in range(0, len(ids), size)]


_RUNNING: ContextVar = ContextVar("fiscal_generate_runtime", default=None)


def _runtime():
    from core.runtime import current

    return _RUNNING.get() or current()


def run_generation_chunk(session: Session, params: dict, payload: dict) -> dict:
    from plugins.fiscal_nf2122.auto import ORIGIN_BULK, auto_generate, count_outcomes
    from plugins.fiscal_nf2122.settings import settings_of
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement import active_settlements

    settings = settings_of(_runtime())
    ids = list(session.scalars(_pending_ids(session, params, id_from=int(payload["from"]), id_to=int(payload["to"]))))
    invoices = list(session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id))) if ids else []
    # a settled invoice's note follows its settlement (auto.apply_settlement: the part paid, the
    # settlement's discounts with "pelo valor de liquidação", never its juros/multa)
    settled = active_settlements(session, ids) if ids else {}
    user = params.get("user")
    rows = [auto_generate(session, inv, settings, origin=ORIGIN_BULK, effect_now=True, settlement=settled.get(inv.id),
                          user=user) for inv in invoices]
    counts = count_outcomes(rows)
    return {"generated": counts["gerado"], "awaiting": counts["aguarda"], "failed": counts["falhou"],
            "skipped": counts["skipped"]}


GENERATION_JOB = JobSpec(kind=JOB_KIND, label="Gerar documentos fiscais pendentes", plan=plan_generation,
                         run_chunk=run_generation_chunk)


def submit_generation(session: Session, runtime, *, company_id: int | None = None, competencia: str | None = None,
                      chunk_size: int | None = None, user=None) -> Job:
    """Plan the job in the caller's unit of work (nothing generated yet)."""
    params = {"company_id": company_id, "competence": parse_competencia(competencia),
              "chunk_size": int(chunk_size or DEFAULT_CHUNK), "user": getattr(user, "username", None) or user}
    return submit(session, runtime, JOB_KIND, params, company_id=company_id, user_id=getattr(user, "id", None))


def unfinished(session: Session, *, company_id: int | None = None, competencia: str | None = None) -> list[int]:
    """Ids of the generation jobs with the same filters still queued or running (interrupted)."""
    competence = parse_competencia(competencia)
    rows = session.execute(select(Job.id, Job.params).where(Job.kind == JOB_KIND,
                                                            Job.status.in_(("queued", "running"))).order_by(Job.id))
    return [jid for jid, p in rows if (p or {}).get("company_id") == company_id
            and (p or {}).get("competence") == competence]


def work_job(runtime, job_id: int, progress: Callable[[int], None] | None = None) -> str | None:
    """Run the job's queued chunks here until it is finished (the chunks see this runtime)."""
    token = _RUNNING.set(runtime)
    try:
        return work_until_finished(runtime, job_id, progress=progress, timeout=3600)
    finally:
        _RUNNING.reset(token)


def progress(session: Session, job_id: int) -> dict:
    """processed / total invoices, generated, awaiting, failed, skipped; state; chunk errors."""
    job = session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND:
        from core.errors import NotFound

        raise NotFound(_("Tarefa {n} não encontrada.").format(n=job_id))
    out = dict.fromkeys(RESULT_KEYS, 0)
    for (result,) in session.execute(select(JobChunk.result).where(JobChunk.job_id == job_id,
                                                                   JobChunk.status == "done")):
        for key in RESULT_KEYS:
            out[key] += int((result or {}).get(key) or 0)
    errors = [f"Parte {seq}: {err}" for seq, err in session.execute(
        select(JobChunk.seq, JobChunk.error).where(JobChunk.job_id == job_id, JobChunk.error.is_not(None))
        .order_by(JobChunk.seq))]
    total = int((job.params or {}).get("invoices") or 0)
    processed = sum(out[k] for k in RESULT_KEYS)
    if job.status == "done":  # invoices generated elsewhere meanwhile were not counted by any chunk
        out["skipped"] += max(0, total - processed)
        processed = total
    out.update(job_id=job.id, status=job.status, total=total, processed=processed, chunks=job.total_chunks,
               chunks_done=job.done_chunks, finished=job.status in ("done", "failed"), error=job.error,
               errors=errors, percent=100 if not total else min(100, processed * 100 // total))
    return out


def start_generation(runtime, *, company_id: int | None = None, competencia: str | None = None, user=None,
                     chunk_size: int | None = None) -> int:
    """The page's "Gerar todos": resume the unfinished job of the same filters or submit a new one,
    and make sure a daemon thread of this process works on it; the job id."""
    with unit_of_work(runtime.engine) as s:
        running = unfinished(s, company_id=company_id, competencia=competencia)
        job_id = running[0] if running else submit_generation(s, runtime, company_id=company_id,
                                                               competencia=competencia, chunk_size=chunk_size,
                                                               user=user).id
    with unit_of_work(runtime.engine, readonly=True) as s:
        queued = s.scalar(select(func.count()).select_from(JobChunk).where(JobChunk.job_id == job_id,
                                                                          JobChunk.status == "queued"))
    if queued:
        THREADS.start(runtime, job_id)
    return job_id


THREADS = JobThreads("documentos-fiscais", lambda runtime, job_id: work_job(runtime, job_id))
