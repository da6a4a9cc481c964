"""A big OFX import as a background job (`core.jobs`), with its progress (lines read / new / already).

`submit_statement(session, runtime, data, filename, …)` parses the file once and resolves its
accounts (every refusal of `import_statement`: bad file, `AccountChoiceNeeded`, link conflicts —
nothing written). A file with at most `[plugins.reconciliation] ofx_job_threshold` lines (default
5,000) is imported inline (`import_statement`, the report comes back at once); a bigger one stores
the file and the import rows (counters at zero) and plans a job of kind `reconciliation.ofx_import`
whose parts are **whole days** of one account (`ofx_chunk_size` lines, default 5,000; a day is never
split). Each part runs `statement_import.apply_lines` in its own transaction with its claim, so:

- deduplication is exactly the inline one: the fingerprint includes the date, so lines of
  different days never match, and each part matches its days against what is stored for them;
- a crash rolls back only the current part; the next run (`quita jobs worker`, opening the
  import's page, `quita ofx import`) does it again — the dedup key (conta, FITID, impressão digital,
  ocorrência) and the done parts mean nothing is stored twice;
- the counters of the import rows grow by SQL increments (parts may run on several workers).

The parsed statement is kept in a small per-process cache keyed by (file id, SHA-256); the job
re-parses the stored bytes after a restart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import NotFound
from core.job_threads import JobThreads
from core.jobs import JobSpec, submit, work
from core.ledger.models import Account
from core.models.jobs import Job
from plugins.reconciliation.models import StatementFile, StatementImport
from plugins.reconciliation.settings import settings_of
from plugins.reconciliation.statement_import import (apply_lines, describe_ofx_account, import_statement,
                                                     new_import_row, parse_statement, resolve_accounts, store_file)

JOB_KIND = "reconciliation.ofx_import"

_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 2


def job_key(file_id: int) -> str:
    return f"{JOB_KIND}:{file_id}"


def _parsed(session: Session, file_id: int):
    """The stored file parsed: from the cache when its (id, SHA-256) is there (the id alone could be
    another database's file in a process that serves several), else read and parsed again."""
    sha = session.scalar(select(StatementFile.sha256).where(StatementFile.id == file_id))
    key = (file_id, sha)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    stored = session.get(StatementFile, file_id)
    statement = parse_statement(stored.content, stored.filename)
    _remember(stored, statement)
    return statement


def _remember(stored: StatementFile, statement) -> None:
    key = (stored.id, stored.sha256)
    with _CACHE_LOCK:
        _CACHE[key] = statement
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _by_date(txns: list) -> list:
    return sorted(txns, key=lambda t: t.date)  # stable: the file's order within a day is kept


def day_parts(txns: list, size: int) -> list[tuple[int, int]]:
    """[start, end) ranges of the date-sorted lines, about `size` lines each, never splitting a day."""
    ordered = _by_date(txns)
    parts, start = [], 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or (i - start >= size and ordered[i].date != ordered[i - 1].date):
            parts.append((start, i))
            start = i
    return parts


def plan_import(session: Session, params: dict) -> list[dict]:
    statement = _parsed(session, int(params["file_id"]))
    out = []
    for acc in params["accounts"]:
        if acc["import_id"] is None:
            continue
        txns = statement.accounts[acc["index"]].transactions
        out += [{"import_id": acc["import_id"], "index": acc["index"], "start": a, "end": b}
                for a, b in day_parts(txns, int(params["chunk_size"]))]
    return out


def run_import_chunk(session: Session, params: dict, payload: dict) -> dict:
    statement = _parsed(session, int(params["file_id"]))
    txns = _by_date(statement.accounts[int(payload["index"])].transactions)[int(payload["start"]):int(payload["end"])]
    row = session.get(StatementImport, int(payload["import_id"]))
    return apply_lines(session, row, session.get(Account, row.bank_account_id), txns)


OFX_JOB = JobSpec(kind=JOB_KIND, label="Importação de extrato bancário (OFX)", plan=plan_import,
                  run_chunk=run_import_chunk)


@dataclass
class Submitted:
    file_id: int
    job_id: int | None       # None: imported inline
    report: dict | None      # the inline report (None while the job runs)
    lines: int


def submit_statement(session: Session, runtime, data: bytes, filename: str, *, bank_account_id: int | None = None,
                     accounts: dict[str, int] | None = None, user=None, threshold: int | None = None,
                     chunk_size: int | None = None) -> Submitted:
    """Import inline (small file) or store the file and plan its job (big file), in the caller's unit
    of work. The refusals are `import_statement`'s, before anything is written."""
    cfg = settings_of(runtime)
    threshold = cfg.ofx_job_threshold if threshold is None else threshold
    statement = parse_statement(data, filename)
    lines = sum(len(a.transactions) for a in statement.accounts)
    if lines <= threshold:
        report = import_statement(session, data, filename, bank_account_id=bank_account_id, accounts=accounts,
                                  user=user, statement=statement)
        return Submitted(report.file.id, None, report.as_dict(), lines)
    results = resolve_accounts(session, statement, bank_account_id=bank_account_id, accounts=accounts, user=user)
    stored = store_file(session, data, filename, statement, user)
    _remember(stored, statement)
    described, company_id = [], None
    for index, r in enumerate(results):
        row = new_import_row(session, stored, r.ofx, r.bank_account) if r.bank_account is not None else None
        if r.bank_account is not None:
            company_id = company_id or r.bank_account.company_id
        described.append({"index": index, "import_id": row.id if row else None, "linked_now": r.linked_now,
                          "ofx_account": describe_ofx_account(r.ofx), "lines_in_file": len(r.ofx.transactions)})
    job = submit(session, runtime, JOB_KIND, {"file_id": stored.id, "chunk_size": int(chunk_size or cfg.ofx_chunk_size),
                                              "accounts": described},
                 key=job_key(stored.id), company_id=company_id, user_id=getattr(user, "id", None))
    return Submitted(stored.id, job.id, None, lines)


def _job_of(session: Session, file_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.key == job_key(file_id)))


def import_progress(session: Session, file_id: int) -> dict:
    """Lines read / new / already imported / restored of a file's import, its job state, and the
    final report (the inline one's keys) once finished."""
    stored = session.get(StatementFile, file_id)
    if stored is None:
        raise NotFound(f"Importação de extrato {file_id} não existe")
    job = _job_of(session, file_id)
    rows = list(session.scalars(select(StatementImport).where(StatementImport.file_id == file_id)
                                .order_by(StatementImport.id)))
    total = sum(r.lines_in_file for r in rows)
    new, already, restored = (sum(r.new_lines for r in rows), sum(r.already_imported for r in rows),
                              sum(r.restored for r in rows))
    read = new + already + restored
    status = job.status if job is not None else "done"
    finished = status == "done"
    return {"file_id": file_id, "filename": stored.filename, "lines": total, "read": read, "new": new,
            "already_imported": already, "restored": restored,
            "percent": 100 if not total else min(100, read * 100 // total), "status": status,
            "finished": finished, "failed": status == "failed", "error": job.error if job is not None else None,
            "job_id": job.id if job is not None else None,
            "report": report_of_file(session, stored, job) if finished else None}


def report_of_file(session: Session, stored: StatementFile, job: Job | None) -> dict:
    """`ImportReport.as_dict()` rebuilt from the stored rows (a job's import)."""
    rows = {r.id: r for r in session.scalars(select(StatementImport).where(StatementImport.file_id == stored.id))}
    described = job.params["accounts"] if job is not None else [
        {"import_id": r.id, "linked_now": False, "ofx_account": r.ofx_account_id, "lines_in_file": r.lines_in_file}
        for r in rows.values()]
    out = []
    for d in described:
        row = rows.get(d["import_id"]) if d["import_id"] is not None else None
        item = {"ofx_account": d["ofx_account"], "lines_in_file": d["lines_in_file"], "bank_account": None,
                "linked_now": d["linked_now"], "import_id": None, "new": 0, "already_imported": 0, "restored": 0,
                "balance": None, "balance_date": None}
        if row is not None:
            acc = session.get(Account, row.bank_account_id)
            item.update(bank_account=f"{acc.code} - {acc.name}", import_id=row.id, new=row.new_lines,
                        already_imported=row.already_imported, restored=row.restored,
                        balance=None if row.balance is None else str(row.balance),
                        balance_date=row.balance_date.isoformat() if row.balance_date else None)
        out.append(item)
    return {"file_id": stored.id, "filename": stored.filename, "accounts": out,
            "warnings": stored.warnings.split("\n") if stored.warnings else []}


def work_import(runtime, job_id: int, progress: Callable[[int], None] | None = None) -> int:
    """Run the job's queued parts in this process; returns how many ran."""
    return work(runtime, job_id=job_id, progress=progress)


def ensure_worker(runtime, job_id: int):
    """A daemon thread of this process running the job, unless one already does or nothing is queued."""
    with unit_of_work(runtime.engine, readonly=True) as s:
        status = s.scalar(select(Job.status).where(Job.id == job_id))
    if status not in ("queued", "running"):
        return None
    return _THREADS.start(runtime, job_id)


_THREADS = JobThreads("extrato-ofx", lambda runtime, job_id: work_import(runtime, job_id))
