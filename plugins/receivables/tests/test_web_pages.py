"""Receivables pages through the real app (TestClient): "Faturamento mensal" (permission, CSRF,
competence validation, the pt-BR summary with the manual's pro-rata example, idempotent second
run, last runs list) and the "Gerenciador de cancelamentos" (queue, kernel action buttons,
permission, retaining a contract through the kernel's bulk-action endpoint)."""

import re
import types
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.models.audit import AuditEntry
from core.web.app import create_app
from plugins.receivables.contracts import PERM_CANCEL
from plugins.receivables.models import Charge, Contract, Invoice
from plugins.receivables.tests.billing_page_support import billing_summary as _summary
from tests.browser.uisupport import add_user, csrf_of, login


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c


def _contracts(factory) -> types.SimpleNamespace:
    """Ana: R$ 99,90 activated on 16/11/2026 (manual: 15/30 × 99,90 = R$ 49,95 for 11/2026);
    Bruno: the whole of November (R$ 99,90); Carla: activated in December (not in 11/2026)."""
    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        ana, bruno, carla = f.party("Ana Souza"), f.party("Bruno Lima"), f.party("Carla Dias")
        c_ana = f.contract(ana, company, plan, rule, activated_on=date(2026, 11, 16))
        c_bruno = f.contract(bruno, company, plan, rule, activated_on=date(2026, 10, 1))
        c_carla = f.contract(carla, company, plan, rule, activated_on=date(2026, 12, 3))
        return types.SimpleNamespace(ana=ana.id, bruno=bruno.id, carla=carla.id, c_ana=c_ana.id,
                                     c_bruno=c_bruno.id, c_carla=c_carla.id)


def _finished(client, html: str) -> str:
    """The run started by a POST answer runs in the background: poll its progress fragment (as the
    page does every second) until the summary is there; return the final fragment."""
    import time

    job = re.search(r'data-billing-progress data-job="(\d+)"', html)
    assert job, "progresso do faturamento ausente"
    for _ in range(200):
        fragment = client.get(f"/receber/faturamento/tarefas/{job.group(1)}", headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        if "data-billing-summary" in fragment.text:
            return fragment.text
        time.sleep(0.05)
    raise AssertionError("o faturamento não terminou em 10 s")


def test_billing_page_permission_and_menu(client, runtime):
    add_user(runtime.engine, "gerente", admin=True)
    add_user(runtime.engine, "atendente", permissions=["receivables.contract.manage"])
    login(client, "atendente")
    assert "Faturamento mensal" not in client.get("/").text
    denied = client.get("/receber/faturamento")
    assert denied.status_code == 403
    assert "receivables.billing.run" in denied.text
    assert client.post("/receber/faturamento", data={"competence": "11/2026",
                                                     "csrf_token": csrf_of(client.get("/").text)}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})

    login(client, "gerente")
    home = client.get("/").text
    assert 'href="/receber/faturamento"' in home and 'href="/receber/cancelamentos"' in home
    page = client.get("/receber/faturamento")
    assert page.status_code == 200
    assert "Competência (mm/aaaa)" in page.text and "Nenhum faturamento executado." in page.text


def test_billing_needs_csrf(client, runtime, factory):
    _contracts(factory)
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    resp = client.post("/receber/faturamento", data={"competence": "11/2026"})
    assert resp.status_code == 403
    assert "Token CSRF inválido ou ausente" in resp.text
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0


def test_billing_run_summary_and_second_run(client, runtime, factory):
    ns = _contracts(factory)
    uid = add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    token = csrf_of(client.get("/receber/faturamento").text)

    first = client.post("/receber/faturamento", data={"competence": "11/2026", "csrf_token": token})
    assert first.status_code == 200, first.text
    done = _finished(client, first.text)
    summary = _summary(done)
    assert "competência 11/2026" in done
    assert summary["contracts_billed"] == "2"  # Carla starts in December
    assert summary["charges_created"] == "2"
    assert summary["invoices_created"] == "2"
    assert summary["already_billed"] == "0"
    assert summary["rolled_over"] == "0"
    assert summary["status"].startswith("Concluído")
    with unit_of_work(readonly=True) as s:
        totals = dict(s.execute(select(Invoice.party_id, Invoice.total)).all())
        assert totals == {ns.ana: Decimal("49.95"), ns.bruno: Decimal("99.90")}
        (job_id,) = s.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "receivables.billing.run"))
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "receivables.billing.run")).one()
        assert entry.user_id == uid

    # Running the same competence again bills nothing new (idempotent) and says so.
    again = client.post("/receber/faturamento", data={"competence": "2026-11", "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert "<html" not in again.text  # an HTMX fragment
    summary = _summary(_finished(client, again.text))
    assert summary["contracts_billed"] == "0" and summary["charges_created"] == "0"
    assert summary["invoices_created"] == "0" and summary["already_billed"] == "2"
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 2

    page = client.get("/receber/faturamento").text
    rows = re.findall(r'<tr data-id="(\d+)">(.*?)</tr>', page, re.S)
    assert [int(r[0]) for r in rows][1] == job_id  # newest first
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[1][1], re.S)]
    assert cells[1] == "11/2026" and cells[3] == "Concluído" and cells[5:8] == ["2", "2", "2"]


@pytest.mark.parametrize("competence, message", [
    ("13/2026", "mês deve ser de 1 a 12"),
    ("novembro", "Competência inválida"),
    ("", "Informe a competência (mm/aaaa)."),
])
def test_billing_refuses_a_bad_competence(client, runtime, factory, competence, message):
    _contracts(factory)
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    token = csrf_of(client.get("/receber/faturamento").text)
    resp = client.post("/receber/faturamento", data={"competence": competence, "csrf_token": token})
    assert resp.status_code == 400
    assert message in resp.text
    htmx = client.post("/receber/faturamento", data={"competence": competence, "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "data-billing-error" in htmx.text and message in htmx.text
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0


def _request_cancellation(contract_ids) -> None:
    with unit_of_work() as s:
        for i, cid in enumerate(contract_ids):
            c = s.get(Contract, cid)
            c.cancellation_requested = True
            c.cancellation_requested_at = datetime(2026, 11, 20, 12, i, tzinfo=timezone.utc)


def test_retention_queue_lists_requests_and_retains(client, runtime, factory):
    ns = _contracts(factory)
    _request_cancellation([ns.c_bruno, ns.c_ana])
    add_user(runtime.engine, "atendente", permissions=["receivables.contract.manage"])
    add_user(runtime.engine, "retencao", permissions=[PERM_CANCEL])

    login(client, "atendente")
    assert client.get("/receber/cancelamentos").status_code == 403
    assert "Gerenciador de cancelamentos" not in client.get("/").text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})

    login(client, "retencao")
    page = client.get("/receber/cancelamentos")
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text)]
    assert ids == [ns.c_bruno, ns.c_ana]  # oldest request first
    row = re.search(rf'<tr data-id="{ns.c_ana}"[^>]*>(.*?)</tr>', page.text, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1:] == [str(ns.c_ana), f"{_code(ns.ana)} — Ana Souza", "Fibra 300 Mega", "R$ 99,90", "Ativo",
                         "16/11/2026", "20/11/2026 09:01"]
    for name in ("receivables.contract.retain", "receivables.contract.cancel"):
        button = re.search(rf'<button [^>]*data-action="{re.escape(name)}"[^>]*>', page.text).group(0)
        assert 'data-grid="#rcv-retencao-grid"' in button and "disabled" not in button

    resp = client.post("/acoes/receivables.contract.retain/executar",
                       data={"ids": str(ns.c_ana), "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 200, resp.text
    assert re.findall(r'<tr data-id="(\d+)"', client.get("/receber/cancelamentos").text) == [str(ns.c_bruno)]
    with unit_of_work(readonly=True) as s:
        assert s.get(Contract, ns.c_ana).cancellation_requested is False


def test_retention_queue_empty_message(client, runtime, factory):
    ns = _contracts(factory)
    _request_cancellation([ns.c_bruno])
    add_user(runtime.engine, "gerente", admin=True)
    login(client, "gerente")
    page = client.get("/receber/cancelamentos").text
    assert "Nenhuma solicitação de cancelamento pendente." not in page and "1 contrato(s)" in page
    with unit_of_work() as s:
        s.get(Contract, ns.c_bruno).cancellation_requested = False
    assert "Nenhuma solicitação de cancelamento pendente." in client.get("/receber/cancelamentos").text


def _code(party_id: int) -> int:
    from core.parties.models import Party

    with unit_of_work(readonly=True) as s:
        return s.get(Party, party_id).code
