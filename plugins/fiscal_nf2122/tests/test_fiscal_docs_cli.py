"""`quita fiscal pendentes | gerar | efetivar | list | cancelar | anular` and `quita conv115 generate`
through the real command line; the generated period files pass `quita conv115 check`."""

from __future__ import annotations

import json

import pytest

from plugins.fiscal_nf2122.tests.fiscal_docs_world import ENABLED, make_runtime, seed
from tests.cli_runner import cli_invoker
from tests.worldkit import runtime_maker


@pytest.fixture
def world(database_url, tmp_path, monkeypatch):
    with runtime_maker(make_runtime) as make:
        rt = make(database_url)
        w = seed(rt)
        w.cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, {"fiscal_nf2122": {"serie": "U"}})
        w.n = [w.numbers[i] for i in w.ids]
        yield w


def _list(cli) -> list[dict]:
    out = cli("fiscal", "list", "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_generate_annul_cancel_and_period_files_from_the_command_line(world, tmp_path):
    cli, n = world.cli, world.n
    pending = json.loads(cli("fiscal", "pendentes", "--json").output)
    assert [r["number"] for r in pending] == n
    out = cli("fiscal", "gerar", "--invoice", str(n[0]))
    assert out.exit_code == 0 and "NF 21 série U nº 1 de" in out.output, out.output
    assert cli("fiscal", "gerar", "--invoice", str(n[1]), "--agendar").exit_code == 0
    assert [(d["number"], d["status"]) for d in _list(cli)] == [(1, "gerado"), (None, "pendente")]
    out = cli("fiscal", "efetivar")
    assert out.exit_code == 0 and "1 documento(s) efetivado(s)." in out.output, out.output
    for number in n[2:]:
        assert cli("fiscal", "gerar", "--invoice", str(number)).exit_code == 0
    again = cli("fiscal", "gerar", "--invoice", str(n[0]))
    assert again.exit_code == 1 and f"A fatura {n[0]} já possui documentos fiscais gerados." in again.output

    docs = _list(cli)
    assert [(d["number"], d["invoice_number"], d["status"]) for d in docs] == [
        (1, n[0], "gerado"), (2, n[1], "gerado"), (3, n[2], "gerado"), (4, n[3], "gerado")]
    not_last = cli("fiscal", "anular", str(docs[2]["id"]), "--motivo", "erro")
    assert not_last.exit_code == 1 and "Somente a última nota da série pode ser anulada" in not_last.output
    assert cli("fiscal", "anular", str(docs[3]["id"]), "--motivo", "valor errado").exit_code == 0
    out = cli("fiscal", "gerar", "--invoice", str(n[3]))
    assert out.exit_code == 0 and "NF 21 série U nº 4 de" in out.output, out.output
    out = cli("fiscal", "cancelar", str(docs[1]["id"]), "--motivo", "CPF errado", "--substituir")
    assert out.exit_code == 0 and "situação S, cancelado" in out.output and "NF 21 série U nº 5" in out.output

    docs = _list(cli)
    assert [(d["number"], d["situacao"], d["status"]) for d in docs] == [
        (1, "N", "gerado"), (2, "S", "cancelado"), (3, "N", "gerado"), (4, "N", "anulado"), (4, "N", "gerado"),
        (5, "R", "gerado")]
    period, out_dir = docs[0]["period"], tmp_path / "conv115"
    out = cli("conv115", "generate", "--period", period, "--company", "1", "--out", str(out_dir), "--json")
    assert out.exit_code == 0, out.output
    delivery = json.loads(out.output)
    assert (delivery["status"], delivery["sequencia"], delivery["documents"]) == ("N", 1, 5)
    assert [f["type"] for f in delivery["files"]] == ["M", "I", "D", "C"]
    check = cli("conv115", "check", *[f["path"] for f in delivery["files"]], "--json")
    assert check.exit_code == 0, check.output
    assert [(f["errors"], f["warnings"]) for f in json.loads(check.output)["files"]] == [([], [])] * 4
    assert {d["period_file_id"] for d in _list(cli) if d["status"] != "anulado"} == {delivery["id"]}
    twice = cli("conv115", "generate", "--period", period, "--company", "1", "--out", str(out_dir))
    assert twice.exit_code == 1 and "já tem arquivo gerado" in twice.output
    bad = cli("conv115", "generate", "--period", "2613", "--company", "1")
    assert bad.exit_code == 1 and "Período '2613' inválido" in bad.output
