"""Jobs: chunked, idempotent by key, resumable after a crash, retried on error, shared by workers."""

from __future__ import annotations

import threading
import types

import pytest
from sqlalchemy import func, select

from core.config import BUILTIN_PLUGINS, parse_config
from core.db import unit_of_work
from core.jobs import JobSpec, retry_failed, submit, summary, work, work_until_finished
from core.models import Company
from core.models.jobs import JobChunk
from core.runtime import bootstrap, set_current
from hooks import hookimpl


class Crash(BaseException):
    """Stands for a killed process: not an Exception, so nothing records it."""


BEHAVIOUR: dict = {}


def plan(session, params):
    return [{"code": f"J{i:03d}"} for i in range(params["n"])]


def run_chunk(session, params, payload):
    code = payload["code"]
    if code == BEHAVIOUR.get("crash_once_at"):
        BEHAVIOUR.pop("crash_once_at")
        session.add(Company(code=code, name="meio caminho", cnpj=f"9{code[1:]:0>13}"))
        session.flush()
        raise Crash()
    if code == BEHAVIOUR.get("always_fail_at"):
        raise ValueError(f"parte {code} com dado inválido")
    if code == BEHAVIOUR.get("slow_at"):  # another worker holds this chunk for a while
        BEHAVIOUR["slow_started"].set()
        BEHAVIOUR["slow_release"].wait(10)
    session.add(Company(code=code, name=f"Empresa {code}", cnpj=f"1{code[1:]:0>13}"))
    return {"created": code}


def jobs_plugin():
    mod = types.ModuleType("jobs_plugin")

    @hookimpl
    def register_jobs(register):
        register(JobSpec(kind="test.companies", label="Criar empresas", plan=plan, run_chunk=run_chunk))

    mod.register_jobs = register_jobs
    return mod


@pytest.fixture
def rt(runtime):
    cfg = parse_config({"database": {"url": runtime.config.database_url},
                        "plugins": {"enabled": [*BUILTIN_PLUGINS, "jobsplugin"]}})
    r = bootstrap(cfg, extra_plugins={"jobsplugin": jobs_plugin()})
    BEHAVIOUR.clear()
    yield r
    r.dispose()
    set_current(runtime)


def count_companies(rt) -> int:
    with unit_of_work(rt.engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(Company))


def test_hook_register_jobs(rt):
    assert rt.registry.jobs["test.companies"].label == "Criar empresas"
    with unit_of_work(rt.engine) as s:
        job_id = submit(s, rt, "test.companies", {"n": 5}).id
    assert count_companies(rt) == 0  # submitting plans, it does not run
    assert work(rt, job_id=job_id) == 5
    with unit_of_work(rt.engine, readonly=True) as s:
        info = summary(s, job_id)
    assert info["status"] == "done" and info["done_chunks"] == 5
    assert count_companies(rt) == 5


def test_same_key_returns_the_same_job(rt):
    with unit_of_work(rt.engine) as s:
        a = submit(s, rt, "test.companies", {"n": 3}, key="lote-1").id
    with unit_of_work(rt.engine) as s:
        b = submit(s, rt, "test.companies", {"n": 3}, key="lote-1").id
        chunks = s.scalar(select(func.count()).select_from(JobChunk))
    assert a == b and chunks == 3


def test_crash_mid_run_then_rerun_reaches_the_same_final_state(rt):
    BEHAVIOUR["crash_once_at"] = "J004"
    with unit_of_work(rt.engine) as s:
        job_id = submit(s, rt, "test.companies", {"n": 8}).id
    with pytest.raises(Crash):
        work(rt, job_id=job_id)
    assert count_companies(rt) == 4          # J000..J003 committed; J004's half-work rolled back
    with unit_of_work(rt.engine, readonly=True) as s:
        assert summary(s, job_id)["status"] == "running"
    work(rt, job_id=job_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        names = s.scalars(select(Company.name).order_by(Company.code)).all()
        assert summary(s, job_id)["status"] == "done"
    assert len(names) == 8 and "meio caminho" not in names


def test_failing_chunk_is_retried_then_fails_the_job_with_its_message(rt):
    BEHAVIOUR["always_fail_at"] = "J001"
    with unit_of_work(rt.engine) as s:
        job_id = submit(s, rt, "test.companies", {"n": 3}).id
    work(rt, job_id=job_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        info = summary(s, job_id)
        chunk = s.scalar(select(JobChunk).where(JobChunk.job_id == job_id, JobChunk.seq == 1))
    assert info["status"] == "failed" and "parte J001 com dado inválido" in info["error"]
    assert chunk.attempts == 3 and chunk.status == "failed"
    assert count_companies(rt) == 2
    BEHAVIOUR.clear()
    with unit_of_work(rt.engine) as s:
        assert retry_failed(s, job_id) == 1
    work(rt, job_id=job_id)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert summary(s, job_id)["status"] == "done"
    assert count_companies(rt) == 3


def test_two_workers_share_the_queue_and_do_each_chunk_once(rt):
    with unit_of_work(rt.engine) as s:
        job_id = submit(s, rt, "test.companies", {"n": 40}).id
    ran = {}
    errors = []

    def worker(name):
        try:
            ran[name] = work(rt, job_id=job_id, worker=name)
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(ran.values()) == 40
    assert count_companies(rt) == 40
    with unit_of_work(rt.engine, readonly=True) as s:
        assert summary(s, job_id)["done_chunks"] == 40


def test_work_until_finished_waits_for_the_chunk_another_worker_runs(rt):
    """`work` returns as soon as no chunk is free; a run that must report the job's end (quita
    billing run) waits for the chunk another worker still holds."""
    with unit_of_work(rt.engine) as s:
        job_id = submit(s, rt, "test.companies", {"n": 3}).id
    started, release = threading.Event(), threading.Event()
    BEHAVIOUR.update(slow_at="J000", slow_started=started, slow_release=release)
    other = threading.Thread(target=lambda: work(rt, job_id=job_id, worker="outro", max_chunks=1))
    other.start()
    assert started.wait(10)
    threading.Timer(0.5, release.set).start()
    assert work_until_finished(rt, job_id, poll_seconds=0.02) == "done"
    other.join(10)
    with unit_of_work(rt.engine, readonly=True) as s:
        info = summary(s, job_id)
    assert info["status"] == "done" and info["done_chunks"] == 3 and count_companies(rt) == 3
