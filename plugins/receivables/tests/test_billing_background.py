""""Faturamento mensal" in the background (billing_background + web): the POST answers at once with
the progress fragment; the fragment polled every second shows chunks done/total, contracts
processed, invoices created, elapsed time, and once finished the summary (total in R$, contracts
skipped and why, errors in pt-BR). A second click while a run of the competence is unfinished
shows that run (no second job); a run interrupted after one chunk is resumed by the click and ends
as an uninterrupted run would. Real app (TestClient), real threads, real database."""

from __future__ import annotations

import re
import time
import types
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.errors import ValidationError
from core.jobs import work
from core.models.jobs import Job
from core.runtime import bootstrap
from core.web.app import create_app
from hooks import hookimpl
from plugins.receivables import billing_background
from plugins.receivables.billing import submit_billing
from plugins.receivables.models import ContractSuspension, Invoice
from plugins.receivables.tests.billing_page_support import billing_summary as _summary
from tests.browser.uisupport import add_user, csrf_of, login
from tests.conftest import make_config
from tests.pluginkit import plugin_module

FRAGMENT = "/receber/faturamento/tarefas/{}"


def _runtime(database_url, extra=None):
    """Every built-in plugin (+ `extra`), billing chunks of 2 parties (the 6 parties make 3 chunks)."""
    config = make_config(database_url, enabled=[*BUILTIN_PLUGINS, *(extra or {})],
                         plugin_settings={"receivables": {"billing_chunk_size": 2}})
    return bootstrap(config, extra_plugins=extra, make_current=False)


@pytest.fixture
def rt(runtime, database_url):
    rt = _runtime(database_url)
    yield rt
    _join_all()
    rt.dispose()


def _join_all():
    for job_id in billing_background._THREADS.job_ids():
        assert billing_background.wait_for(job_id, timeout=30), f"tarefa {job_id} não terminou"


def _contracts(factory, engine) -> types.SimpleNamespace:
    """November 2026 (30 days): Ana activated on 16/11 ⇒ 15/30 × 99,90 = R$ 49,95 (the manual's
    example); Bruno, Carla, Davi and Eva the whole month ⇒ 4 × R$ 99,90; Fábio suspended since
    October ⇒ no billable day (skipped). Total invoiced: R$ 449,55 in 5 invoices."""
    with unit_of_work(engine) as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        ids = {}
        ana = f.party("Ana Souza")
        ids["ana"] = f.contract(ana, company, plan, rule, activated_on=date(2026, 11, 16)).id
        for name in ("Bruno Lima", "Carla Dias", "Davi Rocha", "Eva Nunes"):
            f.contract(f.party(name), company, plan, rule, activated_on=date(2026, 10, 1))
        fabio = f.contract(f.party("Fábio Alves"), company, plan, rule, status="suspenso",
                           activated_on=date(2026, 9, 1))
        s.add(ContractSuspension(contract_id=fabio.id, starts_on=date(2026, 10, 1), ends_on=None))
        s.flush()
        return types.SimpleNamespace(**ids)


def _poll(client, job_id: int, *, limit: float = 20.0) -> str:
    """Poll the fragment like the page (bounded); return the final one (polling attribute gone)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        resp = client.get(FRAGMENT.format(job_id), headers={"HX-Request": "true"})
        assert resp.status_code == 200, resp.text
        if 'hx-trigger="every 1s"' not in resp.text:
            return resp.text
        assert "data-billing-summary" not in resp.text  # the summary only when finished
        time.sleep(0.05)
    raise AssertionError(f"o faturamento {job_id} não terminou em {limit} s")


def _facts(html: str) -> dict:
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in
            re.findall(r'<dd data-progress="([a-z]+)">(.*?)</dd>', html, re.S)}


def _job_of(html: str) -> int:
    m = re.search(r'data-billing-progress data-job="(\d+)"', html)
    assert m, "progresso ausente"
    return int(m.group(1))


def _login(client, rt) -> str:
    add_user(rt.engine, "gerente", admin=True)
    login(client, "gerente")
    return csrf_of(client.get("/receber/faturamento").text)


def test_faturar_returns_at_once_and_the_fragment_reports_progress_then_the_summary(rt, factory):
    _contracts(factory, rt.engine)
    with TestClient(create_app(rt)) as client:
        token = _login(client, rt)
        resp = client.post("/receber/faturamento", data={"competence": "11/2026", "csrf_token": token},
                           headers={"HX-Request": "true"})
        assert resp.status_code == 200 and "<html" not in resp.text
        job_id = _job_of(resp.text)
        assert "competência 11/2026" in resp.text
        assert re.search(r'data-progress="chunks">\d de 3<', resp.text)  # 6 parties, chunks of 2
        final = _poll(client, job_id)

    facts = _facts(final)
    assert facts["state"] == "Concluído" and facts["chunks"] == "3 de 3"
    assert facts["contracts"] == "6" and facts["invoices"] == "5"
    assert re.fullmatch(r"\d+ s|\d+ min \d\d s", facts["elapsed"])
    summary = _summary(final)
    assert summary["status"] == "Concluído (3 de 3 parte(s))"
    assert summary["invoices_created"] == "5" and summary["contracts_billed"] == "5"
    assert summary["skipped"] == "1" and summary["invoiced_total"] == "R$ 449,55"  # 49,95 + 4 × 99,90
    skipped = re.search(r"<ul data-billing-skipped>(.*?)</ul>", final, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", skipped).split() == "1 sem dias a faturar (suspensos o mês inteiro)".split()
    assert "data-billing-errors" not in final and 'progress id="billing-progress-bar" max="3" value="3"' in final
    # The last runs are refreshed out of band, with the run's total.
    runs = re.search(r'<section class="billing-runs" id="billing-runs" hx-swap-oob="true">(.*?)</section>', final, re.S)
    assert runs and f'<tr data-id="{job_id}">' in runs.group(1) and "R$ 449,55" in runs.group(1)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert sorted(str(t) for t in s.scalars(select(Invoice.total))) == ["49.95"] + ["99.90"] * 4
        assert s.scalar(select(Job.key).where(Job.id == job_id)) == "receivables.billing:2026-11:1"


def test_second_click_while_unfinished_shows_that_run_and_an_interrupted_run_is_resumed(rt, factory):
    _contracts(factory, rt.engine)
    # A run planned and interrupted after its first chunk (as after a crash of the web process).
    with unit_of_work(rt.engine) as s:
        job_id = submit_billing(s, rt, "2026-11").id
    assert work(rt, job_id=job_id, max_chunks=1) == 1
    with TestClient(create_app(rt)) as client:
        token = _login(client, rt)
        page = client.get("/receber/faturamento").text
        assert _job_of(page) == job_id and 'hx-trigger="every 1s"' in page  # the page follows the unfinished run
        resp = client.post("/receber/faturamento", data={"competence": "11/2026", "csrf_token": token},
                           headers={"HX-Request": "true"})
        assert _job_of(resp.text) == job_id
        assert (f"Já existe um faturamento desta competência em andamento (tarefa {job_id}): acompanhe-o abaixo; "
                "nenhum outro foi iniciado.") in resp.text
        final = _poll(client, job_id)
    summary = _summary(final)
    assert summary["status"] == "Concluído (3 de 3 parte(s))"
    assert summary["invoices_created"] == "5" and summary["invoiced_total"] == "R$ 449,55"
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 1
        assert s.scalar(select(func.count()).select_from(Invoice)) == 5


def test_next_run_of_a_finished_competence_gets_the_next_key_and_bills_nothing_twice(rt, factory):
    _contracts(factory, rt.engine)
    first = billing_background.start_billing(rt, "2026-11")
    assert not first.already_running
    assert billing_background.wait_for(first.job_id, timeout=30)
    second = billing_background.start_billing(rt, "11/2026")
    assert not second.already_running and second.job_id != first.job_id
    assert billing_background.wait_for(second.job_id, timeout=30)
    with unit_of_work(rt.engine, readonly=True) as s:
        keys = s.scalars(select(Job.key).order_by(Job.id)).all()
        assert keys == ["receivables.billing:2026-11:1", "receivables.billing:2026-11:2"]
        p = billing_background.billing_progress(s, second.job_id)
        assert p["invoices_created"] == 0 and p["already_billed"] == 5 and p["invoiced_cents"] == 0
        assert [r[:2] for r in p["skipped_reasons"]][0][0] == "already_billed"
        assert s.scalar(select(func.count()).select_from(Invoice)) == 5
    with pytest.raises(ValidationError, match="mês deve ser de 1 a 12"):
        billing_background.start_billing(rt, "13/2026")


def test_a_failing_chunk_is_reported_in_portuguese(runtime, database_url, factory):
    """A plugin refusing every new invoice in `on_invoice_created`: each chunk fails its 3
    attempts, the job ends "Falhou" and the fragment lists the errors."""
    @hookimpl
    def on_invoice_created(invoice, ctx):
        raise ValidationError("Plugin de teste recusou a fatura")

    rt = _runtime(database_url, extra={"recusa": plugin_module("recusa", on_invoice_created=on_invoice_created)})
    try:
        _contracts(factory, rt.engine)
        with TestClient(create_app(rt)) as client:
            token = _login(client, rt)
            resp = client.post("/receber/faturamento", data={"competence": "11/2026", "csrf_token": token},
                               headers={"HX-Request": "true"})
            final = _poll(client, _job_of(resp.text))
    finally:
        _join_all()
        rt.dispose()
    assert _facts(final)["state"] == "Falhou"
    errors = re.search(r"<div class=\"alert alert-error\" role=\"alert\" data-billing-errors>(.*?)</div>", final, re.S)
    assert errors, final
    text = re.sub(r"<[^>]+>", " ", errors.group(1))
    assert "Erros no faturamento:" in text
    assert "Parte 0: Plugin de teste recusou a fatura (3 tentativa(s))" in text  # chunks are retried in order
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0  # every chunk rolled back


def test_progress_of_an_unknown_job_is_404(rt):
    with TestClient(create_app(rt)) as client:
        _login(client, rt)
        resp = client.get(FRAGMENT.format(999), headers={"HX-Request": "true"})
        assert resp.status_code == 404 and "Faturamento 999 não encontrado." in resp.text


def test_elapsed_format():
    assert billing_background.format_elapsed(12) == "12 s"
    assert billing_background.format_elapsed(75) == "1 min 15 s"
    assert billing_background.format_elapsed(3725) == "1 h 02 min"
