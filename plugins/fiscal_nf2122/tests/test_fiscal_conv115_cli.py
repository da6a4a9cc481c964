"""`quita conv115 check` and `quita bench conv115` through the real command line (tests/cli_runner.py):
the JSON shape of the issue, human output, exit codes."""

from __future__ import annotations

import json

import pytest

from core.runtime import bootstrap
from plugins.fiscal_nf2122.conv115.writer import write_file_set
from plugins.fiscal_nf2122.tests.conv115_support import FIXTURE_D, FIXTURE_I, FIXTURE_M, documento, entrega
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

ENABLED = ["receivables", "fiscal_nf2122"]
FILE_KEYS = {"name", "type", "records", "record_length", "totals", "errors", "warnings"}


@pytest.fixture(name="cli")
def _cli(database_url, tmp_path, monkeypatch):
    with runtime_maker(bootstrap) as make:
        rt = make(make_config(database_url, enabled=ENABLED))
        yield cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED)


def test_check_json_on_the_fixture_set(cli):
    out = cli("conv115", "check", str(FIXTURE_M), str(FIXTURE_I), str(FIXTURE_D), "--json")
    assert out.exit_code == 1, out.output
    data = json.loads(out.output)
    assert list(data) == ["files"] and [set(f) for f in data["files"]] == [FILE_KEYS] * 3
    m, i, d = data["files"]
    assert (m["name"], m["type"], m["records"], m["record_length"]) == (FIXTURE_M.name, "M", 2, 425)
    assert m["totals"] == {"valor_total": "277.84", "bc_icms": "277.84", "icms": "0.00"} and m["errors"] == []
    assert [(e["record"], e["field"].split(" ")[1]) for e in i["errors"]] == [
        (2, "descricao"), (2, "md5_registro"), (8, "descricao"), (8, "md5_registro")]
    assert set(i["errors"][0]) == {"record", "field", "message"}
    assert (d["type"], d["record_length"], d["errors"]) == ("D", 287, [])
    assert all(set(w) == {"record", "field", "message"} for w in m["warnings"])


def test_check_human_output_and_a_clean_generated_set(cli, tmp_path):
    out = cli("conv115", "check", str(FIXTURE_I))
    assert out.exit_code == 1
    assert f"{FIXTURE_I.name}: itens (I), 8 registro(s) de 331 bytes; valor total R$ 299,70" in out.output
    assert "ERRO registro 2, campo 13 descricao (Descrição do serviço, posições 60-99): registro com 332 bytes" in out.output
    paths = []
    for f in write_file_set(entrega(), [documento(1), documento(2)]):
        (tmp_path / f.name).write_bytes(f.data)
        paths.append(str(tmp_path / f.name))
    out = cli("conv115", "check", *paths)
    assert out.exit_code == 0, out.output
    assert "controle (C), 1 registro(s) de 797 bytes; valor total R$ 209,80" in out.output
    assert out.output.count("0 erro(s), 0 aviso(s)") == 4


def test_check_missing_file_exits_2(cli, tmp_path):
    out = cli("conv115", "check", str(tmp_path / "nada.001"))
    assert out.exit_code == 2 and "não encontrado" in out.output


def test_bench_conv115_json(cli):
    out = cli("bench", "conv115", "--documents", "40", "--json")
    assert out.exit_code == 0, out.output
    r = json.loads(out.output)
    assert (r["documents"], r["items"], r["files"], r["errors"], r["warnings"]) == (40, 80, 4, 0, 0)
    assert r["write_docs_per_s"] > 0 and r["check_docs_per_s"] > 0
