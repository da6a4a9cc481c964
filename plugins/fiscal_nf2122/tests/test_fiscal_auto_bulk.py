""""Gerar todos" (bulk.py): the background job through `quita fiscal gerar --todas`, resumed after a
crash without gaps nor duplicates; a settlement and the job generating the same invoice at the same
time make one note (real concurrent transactions)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.models.jobs import JobChunk
from plugins.fiscal_nf2122 import auto, bulk
from plugins.fiscal_nf2122.tests.fiscal_docs_world import ENABLED, SETTINGS, documents, make_runtime, seed
from plugins.fiscal_nf2122.tests.test_fiscal_docs_concurrency import WAIT, Holder, Runner
from plugins.receivables.models import Invoice
from tests.cli_runner import cli_invoker
from tests.worldkit import runtime_maker


@pytest.fixture
def world(database_url, tmp_path, monkeypatch):
    with runtime_maker(make_runtime) as make:
        rt = make(database_url)
        w = seed(rt)
        w.rt = rt
        w.cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, {"fiscal_nf2122": {"serie": "U"}})
        w.make = make
        yield w


class OwnUnit(Runner):
    """A Runner whose work opens its own unit of work."""

    def __init__(self, work):
        super().__init__(None, work)

    def run(self):
        try:
            self.result = self.work()
        except Exception as exc:  # reported to the test
            self.error = exc


def _numbers(rt) -> list[tuple[int, int | None, str]]:
    return [(d.invoice_id, d.number, d.status) for d in documents(rt)]


def test_generate_all_from_the_command_line(world):
    out = world.cli("fiscal", "gerar", "--todas", "--competencia", "2612", "--chunk-size", "3")
    assert out.exit_code == 0, out.output
    assert "4 fatura(s) pendente(s); 4 documento(s) gerado(s), 0 aguardando efetivação, 0 não gerado(s)" in out.output
    assert "2 de 4 fatura(s)" not in out.output  # chunks of 3: 3 then 4
    assert "3 de 4 fatura(s) processada(s)" in out.output and "4 de 4 fatura(s) processada(s)" in out.output
    assert _numbers(world.rt) == [(i, n, "gerado") for n, i in enumerate(world.ids, 1)]
    again = world.cli("fiscal", "gerar", "--todas")
    assert again.exit_code == 0 and "0 fatura(s) pendente(s)" in again.output, again.output
    assert len(documents(world.rt)) == 4
    other = world.cli("fiscal", "gerar", "--todas", "--competencia", "2613")
    assert other.exit_code == 1 and "Competência inválida: '2613' (use AAMM, ex.: 2612)" in other.output
    assert world.cli("fiscal", "gerar").exit_code != 0
    assert json.loads(world.cli("fiscal", "pendencias", "--json").output) == []


def test_generate_all_records_the_refusals_as_pendencias(world):
    from datetime import date

    from plugins.fiscal_nf2122.documents import generate
    from plugins.fiscal_nf2122.settings import settings_of

    with unit_of_work(world.rt.engine) as s:  # the série's last note dated far ahead: today's are refused
        generate(s, s.get(Invoice, world.ids[0]), settings_of(world.rt), issue_date=date(2099, 1, 4))
    out = world.cli("fiscal", "gerar", "--todas")
    assert out.exit_code == 0, out.output
    assert "3 fatura(s) pendente(s); 0 documento(s) gerado(s), 0 aguardando efetivação, 3 não gerado(s)" in out.output
    rows = json.loads(world.cli("fiscal", "pendencias", "--json").output)
    assert [(r["invoice_id"], r["origin"]) for r in rows] == [(i, "lote") for i in world.ids[1:]]
    assert all("anterior à do último documento da série U (04/01/2099)" in r["message"] for r in rows)
    text = world.cli("fiscal", "pendencias").output
    assert f"fatura {world.numbers[world.ids[1]]} (lote): Data de emissão" in text


def test_job_resumes_after_a_crash_without_gaps_or_duplicates(world, monkeypatch):
    with unit_of_work(world.rt.engine) as s:
        job_id = bulk.submit_generation(s, world.rt, chunk_size=2).id
    real_effect, calls = auto.effect, {"n": 0}

    def crash_in_the_second_chunk(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 3:  # chunk 2's first note drawn its number when the process "dies"
            raise KeyboardInterrupt("processo interrompido")
        return real_effect(*a, **kw)

    monkeypatch.setattr(auto, "effect", crash_in_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        bulk.work_job(world.rt, job_id)
    monkeypatch.setattr(auto, "effect", real_effect)
    assert _numbers(world.rt) == [(world.ids[0], 1, "gerado"), (world.ids[1], 2, "gerado")]
    with unit_of_work(world.rt.engine, readonly=True) as s:
        assert list(s.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id).order_by(JobChunk.seq))) == [
            "done", "queued"]
        assert bulk.progress(s, job_id)["processed"] == 2
    out = world.cli("fiscal", "gerar", "--todas")  # resumes the interrupted job (same filters)
    assert out.exit_code == 0 and f"Tarefa {job_id} (done)" in out.output, out.output
    assert _numbers(world.rt) == [(i, n, "gerado") for n, i in enumerate(world.ids, 1)]
    with unit_of_work(world.rt.engine, readonly=True) as s:
        p = bulk.progress(s, job_id)
    assert (p["total"], p["processed"], p["generated"], p["failed"], p["percent"]) == (4, 4, 4, 0, 100)


def test_web_thread_runs_the_job(world):
    job_id = bulk.start_generation(world.rt, user="gerente")
    assert bulk.THREADS.wait_for(job_id, WAIT)
    with unit_of_work(world.rt.engine, readonly=True) as s:
        p = bulk.progress(s, job_id)
    assert (p["status"], p["generated"]) == ("done", 4)
    assert {d.created_by for d in documents(world.rt)} == {"gerente"}
    assert bulk.start_generation(world.rt) != job_id  # a new job: nothing pending, done at once


@pytest.mark.parametrize("first", ["job", "settlement"])
def test_settlement_and_bulk_job_on_the_same_invoice_make_one_note(world, database_url, first):
    """Two real transactions: the one that locks the invoice first generates; the other waits for
    its commit, then finds the note and does nothing."""
    from plugins.receivables.settlement import settle_invoice
    from plugins.fiscal_nf2122.settings import settings_of

    target = world.ids[0]
    with unit_of_work(world.rt.engine) as s:  # settled while the moment is "manual": no note yet
        inv = s.get(Invoice, target)
        sid = settle_invoice(s, inv, paid_on=inv.issue_date, method="outros", runtime=world.rt).settlement.id
    at_settlement = world.make(database_url, {"fiscal_nf2122": {**SETTINGS["fiscal_nf2122"],
                                                                "generation_moment": "liquidacao"}})
    assert documents(world.rt) == []

    def job_part(s):
        return auto.auto_generate(s, s.get(Invoice, target), settings_of(world.rt), origin="lote", effect_now=True)

    def settlement_part(s=None):
        return auto.generate_at_settlement(at_settlement, target, sid)

    if first == "job":
        holder = Holder(world.rt, job_part)
        second = OwnUnit(settlement_part)  # after_settle opens its own unit of work
    else:
        holder = Holder(at_settlement, lambda s: auto.auto_generate(
            s, s.get(Invoice, target), settings_of(at_settlement), origin="liquidacao", effect_now=True))
        second = Runner(world.rt, job_part)
    holder.start()
    assert holder.holding.wait(WAIT) and holder.error is None, holder.error
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second generation should wait for the invoice's lock"
    holder.release.set()
    holder.join(WAIT)
    second.join(WAIT)
    assert holder.error is None and second.error is None and not second.is_alive()
    assert holder.result.outcome == "gerado" and second.result is None  # nothing to do: already generated
    assert _numbers(world.rt) == [(target, 1, "gerado")]


def test_page_generate_all_with_progress(world):
    """The page: pending count, "Gerar todos" (htmx answer = the progress fragment, polled), the
    finished job's figures; a bad competência is refused in the fragment; pendências listed."""
    from fastapi.testclient import TestClient

    from core.web.app import create_app
    from tests.browser.uisupport import add_user, login

    add_user(world.rt.engine, "maria", admin=True)
    with TestClient(create_app(world.rt)) as client:
        csrf = login(client, "maria")
        page = client.get("/fiscal/pendentes")
        assert page.status_code == 200 and "4 fatura(s) aguardando geração de nota fiscal." in page.text
        assert "Gerar todos" in page.text and "Nenhuma pendência fiscal." in page.text
        bad = client.post("/fiscal/pendentes/gerar", data={"csrf_token": csrf, "competencia": "26-12"},
                          headers={"HX-Request": "true"})
        assert bad.status_code == 200 and "Competência inválida: &#39;26-12&#39; (use AAMM, ex.: 2612)" in bad.text
        started = client.post("/fiscal/pendentes/gerar", data={"csrf_token": csrf, "competencia": "2612"},
                              headers={"HX-Request": "true"})
        assert started.status_code == 200 and 'id="fiscal-bulk-progress"' in started.text, started.text
        job_id = int(started.text.split('data-job="', 1)[1].split('"', 1)[0])
        assert bulk.THREADS.wait_for(job_id, WAIT)
        done = client.get(f"/fiscal/pendentes/tarefas/{job_id}")
        assert 'data-state="done"' in done.text and "hx-trigger" not in done.text
        assert '<dd data-progress="processed">4 de 4</dd>' in done.text
        assert '<dd data-progress="generated">4</dd>' in done.text
        assert "0 fatura(s) aguardando" in client.get("/fiscal/pendentes").text
    assert len(documents(world.rt)) == 4
