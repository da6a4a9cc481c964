"""Itaú CNAB 240 (`itau_240.toml`): the writer rebuilds python-cnab's real remessa field by field, the
real files read with known values (and the remessa round-trips, `test_bank_profiles_cnab_roundtrip`),
reasons come from Itaú's own tables, `quita cnab check` is clean, and an Itaú profile with layout 240
sends its billed invoices in a remessa read back with the same values, then a retorno written from
the spec for those boletos settles them (`retorno.importar_retorno`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.parties.models import Party
from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import group_titulos, read_remessa, read_retorno
from plugins.bank_profiles.cnab.writer import build_remessa
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.remessa import gerar_remessa
from plugins.bank_profiles.retorno import importar_retorno, summary
from plugins.bank_profiles.tests.cnab_support import (FIXTURES, GENERATED_AT, assert_reads_back, assert_same_fields,
                                                      fixture_lines)
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_cnab_roundtrip import REMESSAS
from plugins.bank_profiles.tests.test_bank_profiles_retorno_cli_web import cli, rt  # noqa: F401  (fixtures)
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import CHART
from plugins.receivables.billing import run_billing
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.tests.conftest import Factory
from tests.worldkit import add_accounts

REMESSA = "remessa_cnab240_itau_pythoncnab.rem"
RETORNO = "retorno_cnab240_itau_pythoncnab.ret"
# python-cnab's beneficiário and its two títulos (tests/arquivos/cobranca.itau.rem)
TRACY = {"numero_inscricao": "15594050000111", "nome_empresa": "TRACY TECNOLOGIA LTDA ME", "agencia": "4459",
         "conta": "17600", "conta_dv": "6", "carteira": "109"}
AVALISTA = {"avalista_tipo_inscricao": 2, "avalista_inscricao": "15594050000111",
            "avalista_nome": "TRACY TECNOLOGIA LTDA ME"}
COMMON = {"especie": "08", "aceite": "A", "emissao": date(2012, 6, 27), "juros_valor": D("2.00"),
          "pagador_cidade": "RIBEIRAO PRETO", "pagador_uf": "SP", **AVALISTA}
TITULOS = [
    {**COMMON, "nosso_numero": 90000000, "nosso_numero_dv": "2", "numero_documento": "9999999998",
     "vencimento": date(2012, 6, 30), "valor": D("100.00"), "pagador_inscricao": "36644661874",
     "pagador_nome": "DAVI OLIVEIRA CAMPOS", "pagador_endereco": "RUA ARLINDO CATELLI 735 AP 12",
     "pagador_bairro": "JD PALMARES", "pagador_cep": "14092530"},
    {**COMMON, "nosso_numero": 1, "nosso_numero_dv": "0", "numero_documento": "9999999999",
     "vencimento": date(2012, 7, 1), "valor": D("200.00"), "pagador_inscricao": "33155515880",
     "pagador_nome": "SERGIO OLIVEIRA CAMPOS", "pagador_endereco": "RUA MAESTRO JOAQUIM THOME LEITE 713",
     "pagador_bairro": "CASTELO BRANCO", "pagador_cep": "14090610"},
]


def test_spec_moves_the_account_block_and_nosso_numero_to_itau_positions():
    layout = load_layout("itau_240")
    assert (layout.bank, layout.cnab, layout.version) == ("341", 240, "040")

    def pos(record, name):
        f = layout.record(record).field(name)
        return f.start, f.end

    assert [pos("header_arquivo", n) for n in ("agencia", "conta", "conta_dv")] == [(54, 57), (66, 70), (72, 72)]
    assert [pos("header_lote", n) for n in ("agencia", "conta", "conta_dv")] == [(55, 58), (67, 71), (73, 73)]
    for seg in ("segmento_p", "segmento_t"):
        assert [pos(seg, n) for n in ("agencia", "conta", "carteira", "nosso_numero", "nosso_numero_dv")] == [
            (19, 22), (31, 35), (38, 40), (41, 48), (49, 49)], seg
    p = layout.record("segmento_p")
    assert pos("segmento_p", "baixa_prazo") == (225, 226)
    assert not {"juros_codigo", "desconto_codigo", "moeda", "convenio"} & {f.name for f in p.fields}
    assert (pos("segmento_t", "motivos"), pos("segmento_t", "codigo_liquidacao")) == ((214, 221), (222, 223))
    assert layout.record("segmento_r").when == "multa_codigo"  # R only with multa (nota 31)
    assert layout.movement_codes == {"entrada": "01", "baixa": "02", "concessao_abatimento": "04",
                                     "cancelamento_abatimento": "05", "alteracao_vencimento": "06",
                                     "protestar": "09", "sustar_protesto": "18"}
    assert layout.movements["10"].startswith("Não protestar") and "47" not in layout.movements


def test_writer_rebuilds_the_python_cnab_remessa_field_by_field():
    layout = load_layout("itau_240")
    produced = build_remessa(layout, TRACY, TITULOS, nsa=900001, gerado_em=GENERATED_AT)
    # the sample's lote header numbers the file 90000001 where its file header says 900001
    assert_same_fields(layout, produced, fixture_lines(REMESSA, 240), ignore={"numero_remessa"})


def test_real_remessa_reads_with_its_values_and_is_in_the_round_trip():
    assert REMESSA in REMESSAS  # test_bank_profiles_cnab_roundtrip regenerates it byte for byte
    raw = (FIXTURES / REMESSA).read_bytes()
    layout, parsed, avisos = read_remessa(raw, arquivo=REMESSA)
    assert (layout.id, avisos) == ("itau_240", [])
    head, groups = group_titulos(parsed, layout.remessa, REMESSA)
    assert (head["agencia"], head["conta"], head["conta_dv"], head["nsa"]) == ("4459", "17600", "6", "900001")
    got = [(c["carteira"], c["nosso_numero"], c["nosso_numero_dv"], c["valor"], c["vencimento"], c["movimento"])
           for _linha, c in groups]
    assert got == [("109", "90000000", "2", D("100.00"), date(2012, 6, 30), "01"),
                   ("109", "00000001", "0", D("200.00"), date(2012, 7, 1), "01")]
    trailer = next(p for p in parsed if p.record.name == "trailer_lote").values
    assert (trailer["qtd_simples"], trailer["valor_simples"]) == ("000002", D("300.00"))


def test_real_retorno_two_entradas_confirmadas_with_tarifa():
    ret = read_retorno((FIXTURES / RETORNO).read_bytes(), arquivo=RETORNO)
    assert (ret.layout.id, ret.banco, ret.header["nsa"], ret.avisos) == ("itau_240", "341", "000004", [])
    assert ret.header["data_geracao"] == date(2012, 7, 5) and ret.header["agencia"] == "4459"
    got = [(t.nosso_numero, t.campos["nosso_numero_dv"], t.numero_documento, t.ocorrencia_codigo, t.ocorrencia,
            t.valor_titulo, t.vencimento, t.tarifa, t.data_ocorrencia, t.data_credito, t.motivos) for t in ret.titulos]
    assert got == [
        ("00000005", "0", "9999999996", "02", "entrada_confirmada", D("200.00"), date(2012, 7, 1), D("3.50"),
         date(2012, 7, 5), None, []),
        ("90000004", "4", "9999999997", "02", "entrada_confirmada", D("100.00"), date(2012, 6, 30), D("3.50"),
         date(2012, 7, 5), None, []),
    ]


def test_retorno_reasons_and_codes_come_from_itaus_tables():
    base = dict(carteira=109, vencimento=date(2027, 1, 10), valor_titulo=D("99.90"), data_ocorrencia=date(2027, 1, 8))
    raw = build_retorno("itau_240", {"agencia": "1234", "conta": "56789", "conta_dv": "0"}, [
        {**base, "nosso_numero": 7, "nosso_numero_dv": "3", "ocorrencia_codigo": "03", "motivos": "1408"},
        {**base, "nosso_numero": 8, "nosso_numero_dv": "1", "ocorrencia_codigo": "06", "valor_pago": D("101.90"),
         "juros_multa": D("2.00"), "valor_liquido": D("100.40"), "tarifa": D("1.50"), "codigo_liquidacao": "B1",
         "data_credito": date(2027, 1, 11)},
        {**base, "nosso_numero": 9, "nosso_numero_dv": "9", "ocorrencia_codigo": "16", "motivos": "22"},
        {**base, "nosso_numero": 9, "nosso_numero_dv": "9", "ocorrencia_codigo": "28", "tarifa": D("0.80")},
    ])
    rejected, paid, instr, fee = read_retorno(raw, arquivo="itau240.ret").titulos
    assert (rejected.ocorrencia, rejected.ocorrencia_descricao) == ("rejeitada", "Entrada rejeitada")
    assert [(m.codigo, m.descricao) for m in rejected.motivos] == [
        ("14", "Nosso número já registrado no cadastro do banco ou fora da faixa"),
        ("08", "Nome do pagador não informado ou deslocado")]  # FEBRABAN's 08 would be "nosso número inválido"
    assert (paid.ocorrencia, paid.valor_pago, paid.valor_liquido, paid.juros_multa, paid.campos["codigo_liquidacao"]) == (
        "liquidada", D("101.90"), D("100.40"), D("2.00"), "B1")
    assert [(m.codigo, m.descricao) for m in instr.motivos] == [("22", "Título baixado ou liquidado")]
    assert (fee.ocorrencia, fee.ocorrencia_descricao, fee.tarifa) == ("tarifa", "Tarifa de relação das liquidações",
                                                                     D("0.80"))


def test_entrada_with_multa_gets_segment_r_and_reads_back():
    layout = load_layout("itau_240")
    multa = {**TITULOS[0], "multa_codigo": "2", "multa_data": date(2012, 7, 1), "multa_valor": D("2.00"),
             "protesto_codigo": "1", "protesto_prazo": 5, "baixa_codigo": "1", "baixa_prazo": 30}
    text = build_remessa(layout, TRACY, [multa, TITULOS[1]], nsa=3, gerado_em=GENERATED_AT)
    segments = [ln[13] for ln in text.split("\r\n")[:-1] if ln[7] == "3"]
    assert segments == ["P", "Q", "R", "P", "Q"]  # no R for the título without multa
    r = next(ln for ln in text.split("\r\n") if ln[7:8] == "3" and ln[13] == "R")
    assert (r[65], r[66:74], r[74:89]) == ("2", "01072012", "000000000000200")
    assert_reads_back(layout, TRACY, [multa, TITULOS[1]])


def test_cnab_check_on_the_fixtures_is_clean(cli):
    for name in (REMESSA, RETORNO):
        out = cli("cnab", "check", str(FIXTURES / name))
        assert out.exit_code == 0, out.output
        assert "itau_240" in out.output


PROFILE = {**ITAU, "name": "Itaú cobrança 109 (240)", "layout": "240", "conta_contabil": "1.1.1.02",
           "multa_percentual": D("2"), "juros_percentual": D("1"), "juros_tipo": "mensal", "protesto_dias": 5}
CPFS = ["52998224725", "11144477735", "12345678909"]


@pytest.fixture
def itau240(rt):
    company, (pid,), _contracts = seed(Factory, contracts=3, profiles=(PROFILE,))
    with unit_of_work() as s:
        add_accounts(s, company, CHART)
        for p, doc in zip(s.scalars(select(Party).order_by(Party.id)), CPFS):
            p.document, p.street, p.city, p.uf, p.cep = doc, "Rua A", "Taubaté", "SP", "12000000"
    assert run_billing(rt, "2026-12")["invoices_created"] == 3
    with unit_of_work(readonly=True) as s:
        boletos = s.execute(select(Boleto.nosso_numero, Boleto.nosso_numero_dv, Boleto.valor, Boleto.vencimento,
                                   Boleto.invoice_id).where(Boleto.profile_id == pid)
                            .order_by(Boleto.nosso_numero)).all()
    return pid, boletos


def test_profile_remessa_reads_back_and_a_retorno_for_its_boletos_settles_them(rt, itau240):
    pid, boletos = itau240
    assert [b.nosso_numero for b in boletos] == [1, 2, 3]
    with unit_of_work() as s:
        content = bytes(gerar_remessa(s, pid, user="op").content)
    layout, parsed, avisos = read_remessa(content, arquivo="CB.REM")
    assert (layout.id, avisos) == ("itau_240", [])
    head, groups = group_titulos(parsed, layout.remessa, "CB.REM")
    assert (head["agencia"], head["conta"], head["conta_dv"], head["nsa"]) == ("1234", "56789", "0", "000001")
    assert [name for name in (p.record.name for p in parsed) if name.startswith("segmento")] == [
        "segmento_p", "segmento_q", "segmento_r"] * 3
    for b, (_linha, t) in zip(boletos, groups):
        assert (int(t["nosso_numero"]), t["nosso_numero_dv"], t["carteira"]) == (b.nosso_numero, b.nosso_numero_dv, "109")
        assert (t["valor"], t["vencimento"], t["movimento"]) == (b.valor, b.vencimento, "01")
        # 1 % ao mês → valor × 1 % / 30 per day; multa 2 % from the day after; protesto after 5 days
        assert t["juros_valor"] == (b.valor / D(3000)).quantize(D("0.01"))
        assert (t["multa_codigo"], t["multa_valor"], t["protesto_codigo"], t["protesto_prazo"]) == ("2", D("2.00"), "1", "05")
        assert t["pagador_inscricao"].lstrip("0") in CPFS
    liquidacoes = [dict(nosso_numero=b.nosso_numero, nosso_numero_dv=b.nosso_numero_dv, carteira=109,
                        ocorrencia_codigo="06", vencimento=b.vencimento, valor_titulo=b.valor, valor_pago=b.valor,
                        valor_liquido=b.valor - D("1.50"), tarifa=D("1.50"), codigo_liquidacao="B1",
                        data_ocorrencia=date(2027, 1, 8), data_credito=date(2027, 1, 11)) for b in boletos]
    data = build_retorno("itau_240", {"agencia": "1234", "conta": "56789", "conta_dv": "0"}, liquidacoes)
    with unit_of_work() as s:
        report = summary(s, importar_retorno(s, data, "ITAU240.RET", runtime=rt))
    total = sum((b.valor for b in boletos), D("0"))
    assert (report["titulos"], report["liquidados"], report["nao_encontrados"], report["valor_total"]) == (
        3, 3, 0, f"{total:.2f}")
    with unit_of_work(readonly=True) as s:
        assert {s.get(Invoice, b.invoice_id).status for b in boletos} == {INVOICE_SETTLED}
