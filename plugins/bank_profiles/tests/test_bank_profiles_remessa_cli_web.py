"""`quita remessa gerar | list` through the real command line, and the page "Arquivos de remessa"
of the real host app (generate, list, download byte for byte, permission)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import unit_of_work
from core.parties.models import Party
from core.web.app import create_app
from plugins.bank_profiles.remessa_models import Remessa
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
    assert "NSA 1, 2 título(s), 0 pedido(s) de baixa, valor R$ 199,80" in out.output
    with unit_of_work(readonly=True) as s:
        stored = s.scalar(select(Remessa))
        assert out_file.read_bytes() == bytes(stored.content)
    out = cli("remessa", "gerar", "--profile", str(pid))
    assert out.exit_code == 2
    assert "Erro: Nada a enviar: o perfil «Itaú cobrança 109» não tem boletos novos nem pedidos de baixa" in out.output
    out = cli("remessa", "list", "--json")
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    assert (row["profile_id"], row["nsa"], row["titulos"], row["valor_total"]) == (pid, 1, 2, "199.80")
    out = cli("remessa", "list")
    assert out.exit_code == 0 and "2 título(s)  0 baixa(s)  R$ 199,80" in out.output, out.output
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
        assert "NSA 1, 2 título(s), 0 pedido(s) de baixa." in done.text
        with unit_of_work(readonly=True) as s:
            r = s.scalar(select(Remessa))
            rid, name, content = r.id, r.filename, bytes(r.content)
        assert f'/cobranca/remessas/{rid}/arquivo' in done.text and name in done.text
        again = client.post("/cobranca/remessas", data={"profile_id": str(pid), "csrf_token": csrf_of(done.text)})
        assert again.status_code == 400 and "Nada a enviar" in again.text
        file = client.get(f"/cobranca/remessas/{rid}/arquivo")
        assert file.status_code == 200 and file.content == content
        assert f'filename="{name}"' in file.headers["content-disposition"]
        assert client.get("/cobranca/remessas/9999/arquivo").status_code == 404
    with TestClient(create_app(rt)) as client:
        login(client, "atendente")
        assert client.get("/cobranca/remessas").status_code == 403
