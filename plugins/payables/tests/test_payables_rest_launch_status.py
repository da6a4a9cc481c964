"""Status do lançamento (Lançar Pagamento, Notas: «Se no lançamento de faturas estiver aparecendo o campo
"Status" é porque existem status no sistema configurados para serem selecionados no lançamento de
faturas»): the register `LaunchStatus` (document with its checks, migration 0003), the launch's field
(service, page, CLI) kept on every installment, and the filter "Status" of the list "Faturas a pagar"."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.web.app import create_app
from plugins.payables.launch import launch_invoice, preview_launch
from plugins.payables.launch_statuses import LaunchStatus, statuses_for
from plugins.payables.models import PayableInstallment
from plugins.payables.tests.payables_world import seed
from plugins.payables.tests.payables_writeoff_world import make  # noqa: F401
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker


def _situations(s, invoice_id: int) -> list[str | None]:
    return list(s.scalars(select(PayableInstallment.situation).where(PayableInstallment.invoice_id == invoice_id)
                          .order_by(PayableInstallment.sequence)))


def test_status_field_only_with_configured_statuses(make, database_url, tmp_path, monkeypatch):
    rt = make()
    w = seed(rt.engine)
    add_user(rt.engine, "maria", permissions=["payables.invoice.launch", "payables.invoice.write_off"])
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        assert 'name="situation"' not in client.get("/pagar/lancar").text  # no statuses: no field
        assert 'name="status"' not in client.get("/pagar/faturas").text
    with unit_of_work(rt.engine) as s, pytest.raises(ValidationError) as exc:
        preview_launch(s, w.request(situation="Agendado"), runtime=rt)
    assert (exc.value.field, str(exc.value)) == (
        "situation", "Não há status configurados para o lançamento de faturas: deixe o Status em branco.")
    with unit_of_work(rt.engine) as s:
        s.add_all([LaunchStatus(code="AGD", name="Agendado"),
                   LaunchStatus(code="CHQ", name="Cheque emitido", payment_form="chq_vista"),
                   LaunchStatus(code="OLD", name="Antigo", active=False)])
        s.flush()
        assert [st.code for st in statuses_for(s, "crediario")] == ["AGD"]
        assert [st.code for st in statuses_for(s, "chq_vista")] == ["AGD", "CHQ"]
        with pytest.raises(ValidationError) as exc:
            preview_launch(s, w.request(situation="Antigo"), runtime=rt)
        assert str(exc.value) == "Status Antigo não cadastrado (ou inativo). Status disponíveis: Agendado."
        with pytest.raises(ValidationError) as exc:
            preview_launch(s, w.request(situation="CHQ"), runtime=rt)
        assert (exc.value.field, str(exc.value)) == (
            "situation", "O status Cheque emitido aceita somente a forma de pagamento Chq. Vista.")
        scheduled = launch_invoice(s, w.request(situation="agd"), runtime=rt, user=w.admin)  # code, case ignored
        assert _situations(s, scheduled.id) == ["Agendado"] * 3
        cheque = launch_invoice(s, w.request(situation="Cheque emitido", payment_form="chq_vista", installments=1),
                                runtime=rt, user=w.admin)
        assert _situations(s, cheque.id) == ["Cheque emitido"]
        plain = launch_invoice(s, w.request(installments=1), runtime=rt, user=w.admin)  # the field is optional
        assert _situations(s, plain.id) == [None]
        scheduled_codes = [p.code for p in scheduled.parcels]
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        page = client.get("/pagar/lancar").text
        block = re.search(r'<select name="situation">(.*?)</select>', page, re.S).group(1)
        assert re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', block) == [
            ("AGD", "Agendado"), ("CHQ", "Cheque emitido (Chq. Vista)")]
        listing = client.get("/pagar/faturas?situacao=&status=Agendado").text
        assert '<option value="Agendado" selected>Agendado</option>' in listing
        assert sorted(int(c) for c in re.findall(r'data-code="(\d+)"', listing)) == sorted(scheduled_codes)
        every = client.get("/pagar/faturas?situacao=").text  # no status filter: the 5 installments
        assert len(re.findall(r'data-code="(\d+)"', every)) == 5
    run = cli_invoker(rt, database_url, tmp_path, monkeypatch, ["payables"])
    out = run("pagar", "lancar", "--fornecedor", "11444777000161", "--total", "50,00", "--historico", "410",
              "--emissao", "05/11/2026", "--lancamento", "05/11/2026", "--status", "Inexistente")
    assert out.exit_code == 2 and "Status Inexistente não cadastrado" in out.output
    assert "(campo: situation)" in out.output
    out = run("pagar", "lancar", "--fornecedor", "11444777000161", "--total", "50,00", "--historico", "410",
              "--emissao", "05/11/2026", "--lancamento", "05/11/2026", "--status", "AGD", "--json")
    assert out.exit_code == 0, out.output
    with unit_of_work(rt.engine, readonly=True) as s:
        assert _situations(s, json.loads(out.output)["id"]) == ["Agendado"]
