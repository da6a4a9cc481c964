"""`quita pagar alterar | excluir | anotar | recibo | autorizacao | bordero` through the real command
line (Typer's runner, a real quita.toml)."""

from __future__ import annotations

import io
import json

import pytest

from core.db import unit_of_work
from plugins.payables.tests.payables_world import D, assert_books
from plugins.payables.tests.payables_writeoff_world import cli, inst, invoice, make, rt, seed_writeoff  # noqa: F401
from plugins.receivables.tests.printing_support import need_poppler, pdf_text



def test_alter_annotate_and_delete(cli, rt):
    ww = seed_writeoff(rt.engine, rt)
    out = cli("pagar", "alterar", "--fatura", "1", "--vencimento", "20/12/2026", "--valor", "400,00",
              "--observacao", "Boleto novo", "--portador", "BB", "--anotacao", "Valor corrigido conforme NF")
    assert out.exit_code == 0, out.output
    assert "Fatura 1 alterada (valor, portador, vencimento, observação)." in out.output
    assert "Lançamento refeito: estorno 2, novo lançamento contábil 3." in out.output
    out = cli("pagar", "alterar", "--fatura", "1", "--conta-debito", "4.1.04")
    assert out.exit_code == 2 and "só podem ser alteradas quando o histórico for alterado" in out.output
    out = cli("pagar", "anotar", "--fatura", "2", "--texto", "Pago?")
    assert out.exit_code == 2 and "caracteres especiais não são aceitos (?)" in out.output
    out = cli("pagar", "anotar", "--fatura", "2", "--json")
    assert [r["text"] for r in json.loads(out.output)] == ["Valor corrigido conforme NF"]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (invoice(s, ww).net, inst(s, 1).amount, inst(s, 1).carrier_id) == (D("1066.66"), D("400.00"),
                                                                                   ww.carrier_id)
        assert_books(s, ww.w)
    out = cli("pagar", "excluir", "--fatura", "3")
    assert out.exit_code == 2 and "Informe o motivo da exclusão. (campo: reason)" in out.output
    out = cli("pagar", "excluir", "--fatura", "3", "--motivo", "Lançada em duplicidade", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"invoice": 1, "codes": [1, 2, 3], "reason": "Lançada em duplicidade",
                                      "reversal_entry_id": 4}
    with unit_of_work(rt.engine, readonly=True) as s:
        assert invoice(s, ww).status == "excluida"
        assert_books(s, ww.w)


def test_documents(cli, rt, tmp_path):
    from openpyxl import load_workbook

    need_poppler()
    seed_writeoff(rt.engine, rt)
    out = cli("pagar", "recibo", "--fatura", "1", "--saida", str(tmp_path / "r.pdf"))
    assert out.exit_code == 2 and "A fatura 1 não tem baixa" in out.output
    assert cli("pagar", "baixar", "--fatura", "1", "--data", "05/12/2026").exit_code == 0
    out = cli("pagar", "recibo", "--fatura", "1", "--saida", str(tmp_path / "r.pdf"))
    assert out.exit_code == 0, out.output
    assert "RECIBO DE PAGAMENTO" in pdf_text((tmp_path / "r.pdf").read_bytes(), tmp_path, "r2")
    out = cli("pagar", "autorizacao", "--fatura", "2", "--saida", str(tmp_path / "a.pdf"))
    assert out.exit_code == 0, out.output
    assert "AUTORIZAÇÃO DE PAGAMENTO" in pdf_text((tmp_path / "a.pdf").read_bytes(), tmp_path, "a2")
    out = cli("pagar", "bordero", "--fatura", "1", "--fatura", "2", "--saida", str(tmp_path / "b.pdf"),
              "--xlsx", str(tmp_path / "b.xlsx"))
    assert out.exit_code == 0, out.output
    assert "     1  05/12/2026  Atacado de Links S.A." in out.output and "baixa 05/12/2026" in out.output
    assert "Total: 2 fatura(s), R$ 666,67." in out.output
    assert "BORDERÔ DE PAGAMENTO" in pdf_text((tmp_path / "b.pdf").read_bytes(), tmp_path, "b2")
    ws = load_workbook(io.BytesIO((tmp_path / "b.xlsx").read_bytes())).active
    assert [r[0] for r in ws.iter_rows(values_only=True)] == ["Fatura", 1, 2, "Total"]
    out = cli("pagar", "bordero", "--data-baixa", "05/12/2026", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [r["code"] for r in data["rows"]] == [1] and data["totals"]["to_pay"] == "333.34"
