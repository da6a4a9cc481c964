"""CNAB 400 of Banco do Brasil (convênio 7), Santander (with the PIX type-8/type-2 records), Sicoob and
Unicred: the writer rebuilds brcobranca's golden files field by field, a written remessa reads back
with the same values, and the retornos give known values normalized per the bank's own table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import read_retorno
from plugins.bank_profiles.cnab.writer import build_remessa, pix_key_kind, pix_titulo
from plugins.bank_profiles.tests.cnab_support import (FIXTURES, GENERATED_AT, PAGADOR, assert_reads_back,
                                                      assert_same_fields, fixture_lines)
from plugins.bank_profiles.tests.retorno_files import build_retorno

DAY = date(2015, 7, 14)
TITULO = {**PAGADOR, "nosso_numero": 123, "valor": D("199.90"), "vencimento": DAY, "emissao": DAY}
EMPRESA = {"numero_inscricao": "12345678910", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}

BB_HEADER = {**EMPRESA, "agencia": "1234", "agencia_dv": "3", "conta": "1234", "conta_dv": "3",
             "convenio": "1234567", "convenio_lider": "7654321", "carteira": "12", "modalidade": "123",
             "tipo_cobranca": "04DSC"}
SANTANDER_HEADER = {**EMPRESA, "codigo_transmissao": "17777751042700080112"}
SANTANDER_TITULO = {**TITULO, "uso_empresa": "6969", "multa_codigo": 4, "multa_valor": D("2.00"),
                    "instrucao_1": "06", "juros_valor": D("8.00"), "identificador_complemento": "I",
                    "complemento_conta": "78", "protesto_prazo": 6}
SICOOB_HEADER = {**EMPRESA, "agencia": "4327", "agencia_dv": "3", "codigo_beneficiario": "12345678",
                 "codigo_beneficiario_dv": "9", "conta": "12345678", "conta_dv": "1"}
UNICRED_HEADER = {"nome_empresa": EMPRESA["nome_empresa"], "codigo_beneficiario": "1234567890", "agencia": "1234",
                  "agencia_dv": "3", "conta": "12345", "conta_dv": "1", "carteira": "21"}
UNICRED_TITULO = {"nosso_numero": 72000031, "numero_documento": "0000001/01", "valor": D("199.90"),
                  "vencimento": DAY, "emissao": DAY, "multa_codigo": 3, "protesto_codigo": 2, "protesto_prazo": 5,
                  "juros_valor": D("2.00"), "pagador_tipo_inscricao": 2, "pagador_inscricao": "12345678901",
                  "pagador_nome": "AKRETION LTDA", "pagador_endereco": "AVENIDA PAULISTA 1", "pagador_bairro": "CENTRO",
                  "pagador_cep": "12345678", "pagador_cidade": "SAO PAULO", "pagador_uf": "SP"}
PIX = {"pix_chave": "12345678910"}


def lines_of(text: str) -> list[str]:
    return text.split("\r\n")[:-1]


@pytest.mark.parametrize(
    ("layout_id", "header", "titulo", "fixture", "ignore"),
    [
        ("bb_400", BB_HEADER, TITULO, "remessa_cnab400_bb_brcobranca.rem", set()),
        ("santander_400", SANTANDER_HEADER, SANTANDER_TITULO, "remessa_cnab400_santander_brcobranca.rem", set()),
        ("santander_400", SANTANDER_HEADER, {**SANTANDER_TITULO, **PIX}, "remessa_cnab400_santander_pix_brcobranca.rem", set()),
        ("sicoob_400", SICOOB_HEADER, TITULO, "remessa_cnab400_sicoob_brcobranca.rem", set()),
        # brcobranca left Unicred's variação (108-110) and file sequence (111-117) blank in that file
        ("unicred_400", UNICRED_HEADER, UNICRED_TITULO, "remessa_cnab400_unicred_brcobranca.rem", {"variacao_carteira", "nsa"}),
    ],
)
def test_remessa_rebuilds_the_brcobranca_fixture_field_by_field(layout_id, header, titulo, fixture, ignore):
    layout = load_layout(layout_id)
    produced = build_remessa(layout, header, [titulo], nsa=1, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines(fixture, 400), ignore=ignore)


def test_bb_400_detail_is_type_7_with_convenio_and_nosso_numero_and_a_type_5_multa():
    lines = lines_of(build_remessa(load_layout("bb_400"), BB_HEADER, [{**TITULO, "multa_codigo": 2,
                                                                       "multa_data": date(2015, 7, 15),
                                                                       "multa_valor": D("2.00")}],
                                   nsa=12, gerado_em=GENERATED_AT))
    assert [ln[0] for ln in lines] == ["0", "7", "5", "9"]
    assert lines[0][100:107] == "0000012" and lines[0][129:136] == "7654321"  # NSA, convênio líder
    assert lines[1][31:38] == "1234567" and lines[1][63:80] == "1234567" + "0000000123"  # convênio + NN (17)
    assert lines[2][:22] == "599" + "2" + "150715" + "000000000200"
    assert [ln[394:] for ln in lines] == ["000001", "000002", "000003", "000004"]


def test_santander_400_pix_record_and_trailer_count_and_total():
    titulos = [{**SANTANDER_TITULO, **PIX, "pix_txid": "TX123"}, {**SANTANDER_TITULO, "nosso_numero": 124,
                                                                  "valor": D("10.05")}]
    lines = lines_of(build_remessa(load_layout("santander_400"), SANTANDER_HEADER, titulos, nsa=3, gerado_em=GENERATED_AT))
    assert [ln[0] for ln in lines] == ["0", "1", "8", "1", "9"]  # type 8 only for the título with a PIX key
    pix = lines[2]
    assert pix[42] == "1" and pix[43:120].rstrip() == "12345678910" and pix[120:155].rstrip() == "TX123"
    assert pix[6:19] == "0000000019990" and pix[19:24] == "10000"  # valor máximo = valor, 100,00 %
    assert lines[4][:20] == "9" + "000005" + "0000000020995"


def test_pix_key_kind_and_the_titulo_keys_from_a_static_br_code():
    assert [pix_key_kind(k) for k in ("123.456.789-09", "12345678000195", "+5511999998888", "a@b.com",
                                      "39a1178e-db6b-4407-bc7b-b674390acf5f", "")] == [
        "cpf", "cnpj", "telefone", "email", "aleatoria", None]
    from plugins.bank_profiles.boleto.pix import brcode_estatico

    code = brcode_estatico("a@b.com", "LOJA", "SAO PAULO", valor=D("10.00"), txid="FAT123")
    assert pix_titulo(code) == {"pix_chave": "a@b.com", "pix_txid": "FAT123", "pix_tipo_chave": "email"}
    assert pix_titulo(None) == {}


@pytest.mark.parametrize(
    ("layout_id", "header", "titulo"),
    [
        ("bb_400", BB_HEADER, TITULO),
        ("santander_400", SANTANDER_HEADER, {**SANTANDER_TITULO, **PIX, "pix_txid": "ABC"}),
        ("sicoob_400", SICOOB_HEADER, {**TITULO, "juros_taxa": D("1.2345"), "multa_taxa": D("2")}),
        ("unicred_400", UNICRED_HEADER, UNICRED_TITULO),
    ],
)
def test_written_remessa_reads_back_with_identical_values(layout_id, header, titulo):
    layout = load_layout(layout_id)
    second = {**titulo, "nosso_numero": 777, "valor": D("1234.56"), "vencimento": date(2030, 12, 31),
              "movimento": layout.movement_codes["baixa"]}
    assert_reads_back(layout, header, [titulo, second])


def test_bb_400_retorno_liquidacao():
    ret = read_retorno((FIXTURES / "retorno_cnab400_bb_laravel.ret").read_bytes(), arquivo="bb.ret")
    assert ret.layout.id == "bb_400" and ret.avisos == []
    assert (ret.header["agencia"], ret.header["conta"], ret.header["convenio"], ret.header["nsa"]) == (
        "3344", "00001111", "1112245", "0000017")
    (t,) = ret.titulos
    assert (t.nosso_numero, t.ocorrencia_codigo, t.ocorrencia, t.ocorrencia_descricao) == (
        "11122450000000290", "06", "liquidada", "Liquidação normal")
    assert (t.valor_titulo, t.valor_pago, t.tarifa, t.juros_multa, t.desconto) == (D("25.00"), D("25.00"), D("9.00"), D("0.00"), D("0.00"))
    assert (t.data_ocorrencia, t.data_credito) == (date(2015, 9, 8), date(2015, 9, 10))


def test_santander_400_retorno_with_its_type_2_pix_record():
    ret = read_retorno((FIXTURES / "retorno_cnab400_santander_pix_laravel.ret").read_bytes(), arquivo="s.ret")
    assert ret.layout.id == "santander_400"
    (t,) = ret.titulos
    assert (t.nosso_numero, t.ocorrencia, t.valor_titulo, t.vencimento) == ("00000019", "entrada_confirmada", D("100.00"), date(2016, 10, 20))
    assert t.campos["pix_tipo_chave"] == "aleatoria"
    assert t.campos["pix_chave"].strip() == "39a1178e-db6b-4407-bc7b-b674390acf5f"
    assert t.campos["pix_txid"].strip() == "id-da-transcao-pix"  # laravel's sample right-aligns both


def test_unicred_400_retorno_of_the_central_read_with_the_unicred_layout():
    raw = (FIXTURES / "retorno_cnab400_unicred_brcobranca.ret").read_bytes()
    ret = read_retorno(raw, arquivo="u.ret", layout=load_layout("unicred_400"))
    assert ret.header["banco"] == "001"  # the quirk: the central's header names BB
    (t,) = ret.titulos
    assert (t.nosso_numero, t.ocorrencia_codigo, t.ocorrencia) == ("00000000000000116", "06", "liquidada")
    assert (t.valor_titulo, t.valor_pago, t.tarifa) == (D("444.00"), D("444.00"), D("1.60"))
    assert (t.vencimento, t.data_ocorrencia, t.data_credito) == (date(2015, 5, 13), date(2015, 5, 15), date(2015, 5, 18))


def test_sicoob_400_synthetic_retorno_normalized_per_sicoob_table():
    header = {"agencia": "4327", "codigo_beneficiario": "12345678", "nsa": 42}
    common = {"valor_titulo": D("50.00"), "vencimento": date(2026, 12, 10), "data_ocorrencia": date(2026, 12, 14)}
    raw = build_retorno("sicoob_400", header, [
        {**common, "nosso_numero": "000000004297", "ocorrencia_codigo": "06", "valor_pago": D("51.20"),
         "juros_multa": D("1.20"), "tarifa": D("1.95"), "data_credito": date(2026, 12, 15)},
        {**common, "nosso_numero": "000000004300", "ocorrencia_codigo": "10"},
        {**common, "nosso_numero": "000000004319", "ocorrencia_codigo": "23"},
    ])
    ret = read_retorno(raw, arquivo="sicoob.ret")
    assert ret.layout.id == "sicoob_400" and ret.header["nsa"] == "0000042"
    assert [(t.nosso_numero, t.ocorrencia) for t in ret.titulos] == [
        ("000000004297", "liquidada"), ("000000004300", "baixada"), ("000000004319", "protesto")]
    paid = ret.titulos[0]
    assert (paid.valor_pago, paid.juros_multa, paid.tarifa, paid.data_credito) == (D("51.20"), D("1.20"), D("1.95"), date(2026, 12, 15))
