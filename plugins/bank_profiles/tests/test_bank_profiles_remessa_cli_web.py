"""`quita remessa gerar | list | transmitida | descartar` through the real command line, and the page
"Arquivos de remessa" of the real host app (generate, state buttons, list, download byte for byte,
permission)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.parties.models import Party
from core.web.app import create_app
from plugins.bank_profiles.remessa_instructions import queue_instruction
from plugins.bank_profiles.remessa_models import Remessa, RemessaInstrucao
from plugins.receivables.models import Invoice
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.tests.conftest import Factory
from tests.browser.uisupport import add_user, csrf_of, login
from plugins.bank_profiles.tests.cli_fixtures import ENABLED, bank_cli, bank_rt  # noqa: F401  (fixtures rt, cli)


def _bill(rt):
    _company, (pid,), _c = seed(Factory, contracts=2, profiles=(ITAU,))
    with unit_of_work() as s:
        for p, doc in zip(s.scalars(select(Party).order_by(Party.id)), ("52998224725", "11144477735")):
            p.document = doc
    assert run_billing(rt, "2026-12")["invoices_created"] == 2
    return pid


def test_cli_generates_lists_and_refuses_when_nothing_to_send(rt, cli, tmp_path):
    pid = _bill(rt)
    out_file = tmp_path / "saida.rem"
    out = cli("remessa", "gerar", "--profile", str(pid), "--out", str(out_file))
    assert out.exit_code == 0, out.output
    assert "NSA 1, 2 título(s), 0 instrução(ões), valor R$ 199,80" in out.output
    with unit_of_work(readonly=True) as s:
        stored = s.scalar(select(Remessa))
        assert out_file.read_bytes() == bytes(stored.content)
    out = cli("remessa", "gerar", "--profile", str(pid))
    assert out.exit_code == 2
    assert "Erro: Nada a enviar: o perfil «Itaú cobrança 109» não tem boletos novos nem instruções" in out.output
    out = cli("remessa", "list", "--json")
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    assert (row["profile_id"], row["nsa"], row["titulos"], row["valor_total"], row["estado"]) == (
        pid, 1, 2, "199.80", "gerada")
    out = cli("remessa", "list")
    assert out.exit_code == 0 and "gerada       2 título(s)  0 instrução(ões)  R$ 199,80" in out.output, out.output
    # discarded: the invoices go in the next file, NSA 2 (1 stays used)
    out = cli("remessa", "descartar", str(row["id"]))
    assert out.exit_code == 0 and "descartada" in out.output and "o NSA 1 continua usado" in out.output, out.output
    out = cli("remessa", "descartar", str(row["id"]))
    assert out.exit_code == 2 and "está descartada; só uma remessa gerada (não transmitida)" in out.output
    out = cli("remessa", "gerar", "--profile", str(pid))
    assert out.exit_code == 0 and "NSA 2, 2 título(s)" in out.output, out.output
    second = json.loads(cli("remessa", "list", "--json").output)[0]["id"]
    out = cli("remessa", "transmitida", str(second))
    assert out.exit_code == 0 and "(NSA 2) marcada como transmitida" in out.output, out.output
    with unit_of_work(readonly=True) as s:
        assert all(s.scalars(select(Invoice.remessa_transmitted)))
    out = cli("remessa", "descartar", str(second))
    assert out.exit_code == 2 and "está transmitida; só uma remessa gerada" in out.output
    # instructions: queue, list, refuse what Itaú 400 does not take
    with unit_of_work(readonly=True) as s:
        number = s.scalar(select(Invoice.number).order_by(Invoice.id))
    out = cli("remessa", "instrucao", "concessao_abatimento", "--fatura", str(number), "--valor", "10,00")
    assert out.exit_code == 0 and "(04) enfileirada" in out.output, out.output
    out = cli("remessa", "instrucao", "concessao_desconto", "--fatura", str(number), "--valor", "1,00",
              "--data", "2026-12-01")
    assert out.exit_code == 2 and "não aceita «Concessão de desconto»" in out.output, out.output
    [pending] = json.loads(cli("remessa", "instrucoes", "--json").output)
    assert (pending["fatura"], pending["tipo"], pending["movimento"], pending["valor"]) == (
        number, "concessao_abatimento", "04", "10.00")
    out = cli("remessa", "instrucoes")
    assert f"fatura {number}" in out.output and "04 Concessão de abatimento  valor R$ 10,00" in out.output
    out = cli("remessa", "gerar", "--profile", str(pid))
    assert out.exit_code == 0 and "NSA 3, 0 título(s), 1 instrução(ões)" in out.output, out.output
    assert "Nenhuma instrução pendente." in cli("remessa", "instrucoes").output
    out = cli("remessa", "gerar", "--profile", "999")
    assert out.exit_code == 2 and "Perfil de pagamento 999 não existe" in out.output


def test_page_generates_lists_and_downloads(rt):
    pid = _bill(rt)
    add_user(rt.engine, "gerente", admin=True)
    add_user(rt.engine, "atendente")
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        page = client.get("/cobranca/remessas")
        assert page.status_code == 200 and "Nenhuma remessa gerada." in page.text
        done = client.post("/cobranca/remessas", data={"profile_id": str(pid), "csrf_token": csrf_of(page.text)})
        assert done.status_code == 200, done.text
        assert "NSA 1, 2 título(s), 0 instrução(ões)." in done.text
        with unit_of_work(readonly=True) as s:
            r = s.scalar(select(Remessa))
            rid, name, content = r.id, r.filename, bytes(r.content)
        assert f'/cobranca/remessas/{rid}/arquivo' in done.text and name in done.text
        assert 'data-estado="gerada"' in done.text and "Gerada (aguarda transmissão)" in done.text
        assert f'/cobranca/remessas/{rid}/transmitida' in done.text and "data-descartar" in done.text
        sent = client.post(f"/cobranca/remessas/{rid}/transmitida", data={"csrf_token": csrf_of(done.text)})
        assert sent.status_code == 200 and "marcada como transmitida" in sent.text, sent.text
        assert 'data-estado="transmitida"' in sent.text and "data-descartar" not in sent.text
        refused = client.post(f"/cobranca/remessas/{rid}/descartar", data={"csrf_token": csrf_of(sent.text)})
        assert refused.status_code == 400 and "está transmitida" in refused.text
        with unit_of_work() as s:
            assert all(s.scalars(select(Invoice.remessa_transmitted)))
            inv = s.scalar(select(Invoice).order_by(Invoice.id))
            queue_instruction(s, inv.id, "protestar", user="gerente")
            number = inv.number
        listed = client.get("/cobranca/remessas")
        row = listed.text[listed.text.index("data-instrucoes"):]
        assert "Instruções pendentes" in listed.text and f"<td>{number}</td>" in row and "Protestar" in row
        again = client.post("/cobranca/remessas", data={"profile_id": str(pid), "csrf_token": csrf_of(done.text)})
        assert again.status_code == 200 and "0 título(s), 1 instrução(ões)" in again.text, again.text
        again = client.post("/cobranca/remessas", data={"profile_id": str(pid), "csrf_token": csrf_of(done.text)})
        assert again.status_code == 400 and "Nada a enviar" in again.text
        file = client.get(f"/cobranca/remessas/{rid}/arquivo")
        assert file.status_code == 200 and file.content == content
        assert f'filename="{name}"' in file.headers["content-disposition"]
        assert client.get("/cobranca/remessas/9999/arquivo").status_code == 404
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert client.get("/cobranca/remessas").status_code == 403


def test_invoice_action_dialogs_queue_an_instruction_and_show_the_banks_refusal(rt):
    from plugins.bank_profiles.remessa import gerar_remessa
    from plugins.bank_profiles.remessa_marks import transmitir

    pid = _bill(rt)
    with unit_of_work() as s:
        transmitir(s, gerar_remessa(s, pid).id)
        first, second = s.scalars(select(Invoice.id).order_by(Invoice.id)).all()
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        dialog = client.get(f"/acoes/bank_profiles.instrucao.concessao_abatimento/dialogo?ids={first}")
        assert dialog.status_code == 200 and "Conceder abatimento" in dialog.text and 'name="valor"' in dialog.text
        done = client.post("/acoes/bank_profiles.instrucao.concessao_abatimento/executar",
                           data={"ids": str(first), "valor": "7,50", "csrf_token": csrf_of(dialog.text)})
        assert done.status_code == 200, done.text
        refused = client.get(f"/acoes/bank_profiles.instrucao.concessao_desconto/dialogo?ids={second}")
        assert "não aceita «Concessão de desconto» por arquivo de remessa no leiaute CNAB 400" in refused.text
    with unit_of_work(readonly=True) as s:
        [row] = s.scalars(select(RemessaInstrucao)).all()
        assert (row.invoice_id, row.tipo, row.movimento, row.valor, row.created_by) == (
            first, "concessao_abatimento", "04", Decimal("7.50"), "gerente")
