"""`quita cnab parse | check | remessa | retorno` through the real command line (tests/cli_runner.py):
JSON shape and normalized fields, human output, problems by line and columns with exit codes, and the
remessa/retorno commands delegating to the same code as `quita remessa gerar` / `quita retorno importar`."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.db import unit_of_work
from core.parties.models import Party
from plugins.bank_profiles.remessa_models import Remessa
from plugins.bank_profiles.tests.cnab_support import FIXTURES
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_cli_web import cli, rt  # noqa: F401  (fixtures)
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import ITAU_HEADER, liquidacao
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import world  # noqa: F401  (fixture)

NORMALIZED = {"nosso_numero", "numero_documento", "ocorrencia_codigo", "ocorrencia", "motivos", "valor_titulo",
              "valor_pago", "valor_liquido", "juros_multa", "desconto", "abatimento", "tarifa", "data_ocorrencia",
              "data_credito"}


def test_parse_json_gives_the_normalized_titulos(cli):
    out = cli("cnab", "parse", str(FIXTURES / "retorno_cnab240_bb_laravel.ret"), "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["bank"], data["layout"], data["kind"]) == ("001", "bb_240", "retorno")
    assert data["header"]["nsa"] == "000257" and data["header"]["data_geracao"] == "2011-03-21"
    assert len(data["titulos"]) == 5 and NORMALIZED <= set(data["titulos"][0])
    first = data["titulos"][0]
    assert (first["nosso_numero"], first["ocorrencia_codigo"], first["ocorrencia"]) == ("32948600000000196", "06", "liquidada")
    assert (first["valor_titulo"], first["valor_pago"], first["valor_liquido"], first["tarifa"]) == ("40.00", "40.00", "35.00", "5.00")
    assert (first["data_ocorrencia"], first["data_credito"], first["motivos"]) == ("2011-03-21", "2011-03-23", [])
    assert any("241 colunas" in a for a in data["avisos"])


def test_parse_motivos_carry_code_and_text_and_the_human_output(cli):
    out = cli("cnab", "parse", str(FIXTURES / "retorno_cnab240_santander_brcobranca.ret"), "--json")
    titulos = json.loads(out.output)["titulos"]
    assert [t["ocorrencia"] for t in titulos] == ["entrada_confirmada", "liquidada"]
    assert titulos[1]["motivos"] == [{"codigo": "04", "descricao": "Compensação eletrônica"}]
    out = cli("cnab", "parse", str(FIXTURES / "retorno_cnab400_itau_laravel.ret"))
    assert out.exit_code == 0, out.output
    assert "Retorno CNAB 400 do banco 341 (itau_400): retorno_cnab400_itau_laravel.ret, 4 título(s)" in out.output
    assert "linha 2  nosso número 00231327  06 liquidada (Liquidação normal)  valor R$ 389,75  pago R$ 209,97" in out.output


def test_parse_a_remessa_with_pix_and_a_file_read_with_another_layout(cli):
    out = cli("cnab", "parse", str(FIXTURES / "remessa_cnab400_santander_pix_brcobranca.rem"), "--json")
    data = json.loads(out.output)
    assert (data["layout"], data["kind"]) == ("santander_400", "remessa")
    (t,) = data["titulos"]
    assert (t["nosso_numero"], t["movimento_codigo"], t["valor_titulo"], t["vencimento"], t["pix_chave"]) == (
        "00000123", "01", "199.90", "2015-07-14", "12345678910")
    out = cli("cnab", "parse", str(FIXTURES / "retorno_cnab400_unicred_brcobranca.ret"), "--layout", "unicred_400", "--json")
    assert out.exit_code == 0 and json.loads(out.output)["titulos"][0]["valor_pago"] == "444.00"
    out = cli("cnab", "parse", str(FIXTURES / "retorno_cnab400_unicred_brcobranca.ret"))
    assert out.exit_code == 2 and "linha 2: tipo de registro desconhecido para bb_400.toml" in out.output
    assert cli("cnab", "parse", str(FIXTURES / "nada.ret")).exit_code == 2


def test_check_exit_codes_and_every_problem_by_line_and_columns(cli, tmp_path):
    clean = cli("cnab", "check", str(FIXTURES / "remessa_cnab240_caixa_brcobranca.rem"))
    assert clean.exit_code == 0 and "(remessa caixa_240, 7 linhas): nenhum problema." in clean.output
    lines = (FIXTURES / "retorno_cnab400_bradesco_brcobranca.ret").read_bytes().split(b"\r\n")
    lines[2] = lines[2][:253] + b"00000000000A0" + lines[2][266:]
    lines[4] = b"5" + lines[4][1:]
    bad = tmp_path / "bradesco.ret"
    bad.write_bytes(b"\r\n".join(lines))
    out = cli("cnab", "check", str(bad))
    assert out.exit_code == 1, out.output
    assert "bradesco.ret, linha 3, colunas 254-266: registro detalhe_retorno, campo valor_pago (posições 254-266): valor não numérico '00000000000A0'" in out.output
    assert "bradesco.ret, linha 5, colunas 1, 2: tipo de registro desconhecido para bradesco_400.toml (coluna 1 = '5', coluna 2 = '0')" in out.output
    assert "2 problema(s)." in out.output
    report = json.loads(cli("cnab", "check", str(bad), "--json").output)
    assert [(p["linha"], p["colunas"]) for p in report["problemas"]] == [(3, "254-266"), (5, "1, 2")]


def test_cnab_remessa_and_retorno_are_the_remessa_and_retorno_commands(rt, cli, world, tmp_path):
    with unit_of_work() as s:
        for party, doc in zip(s.scalars(select(Party).order_by(Party.id)), ("52998224725", "11144477735", "39053344705")):
            party.document = doc
    out_file = tmp_path / "itau.rem"
    out = cli("cnab", "remessa", "--profile", str(world["profile"]), "--out", str(out_file))
    assert out.exit_code == 0, out.output
    assert "NSA 1, 3 título(s)" in out.output
    with unit_of_work(readonly=True) as s:
        assert out_file.read_bytes() == bytes(s.scalar(select(Remessa)).content)
    check = cli("cnab", "check", str(out_file))
    assert check.exit_code == 0, check.output
    ret = tmp_path / "itau.ret"
    ret.write_bytes(build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(77, "10.00")]))
    out = cli("cnab", "retorno", str(ret))
    assert out.exit_code == 0, out.output
    assert "Títulos: 2   Liquidados: 1" in out.output and "nosso número 00000077: não encontrado" in out.output
    again = cli("cnab", "retorno", str(ret), "--json")
    assert again.exit_code == 2 and "já foi importado" in again.output
