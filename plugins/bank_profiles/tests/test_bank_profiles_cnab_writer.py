"""Remessa writer: the brcobranca/OCA golden files rebuilt from plain data, field by field."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.writer import RemessaError, build_remessa
from plugins.bank_profiles.tests.cnab_support import GENERATED_AT, PAGADOR, assert_same_fields, fixture_lines

CAIXA_HEADER = {
    "agencia": "12345", "agencia_dv": "1", "codigo_beneficiario": "123456",
    "numero_inscricao": "12345678901", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    "versao_aplicativo": "1234",
}
CAIXA_TITULO = {
    **PAGADOR, "nosso_numero": 123, "modalidade": "14", "numero_documento": 6969,
    "valor": Decimal("199.90"), "vencimento": date(2015, 7, 14), "emissao": date(2015, 7, 14),
    "juros_codigo": 1, "juros_data": date(2015, 7, 15), "protesto_codigo": 3, "protesto_prazo": 0,
    "baixa_codigo": 1, "baixa_prazo": 120, "multa_codigo": 2, "multa_data": date(2015, 7, 15),
}
ITAU_HEADER = {
    "agencia": "1234", "conta": "12345", "conta_dv": "1", "carteira": "123",
    "numero_inscricao": "12345678910", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
}
ITAU_TITULO = {
    **PAGADOR, "nosso_numero": 123, "uso_empresa": "6969", "valor": Decimal("199.90"),
    "vencimento": date(2015, 7, 14), "emissao": date(2015, 7, 14),
    "multa_codigo": 1, "multa_data": date(2015, 7, 14), "multa_valor": Decimal("2.00"),
}


def test_caixa_240_remessa_rebuilds_the_brcobranca_fixture():
    layout = load_layout("caixa_240")
    produced = build_remessa(layout, CAIXA_HEADER, [CAIXA_TITULO], nsa=1, gerado_em=GENERATED_AT)
    fixture = fixture_lines("remessa_cnab240_caixa_brcobranca.rem", 240)
    assert len(fixture) == 7  # header arquivo, header lote, P, Q, R, trailer lote, trailer arquivo
    assert_same_fields(layout, produced, fixture)
    lines = produced.split("\r\n")
    # SIGCB nosso número 14 + 15 digits at P 41-57; valor 199,90 at 86-100; trailer counts.
    assert lines[2][40:57] == "14000000000000123"
    assert lines[2][85:100] == "000000000019990"
    assert lines[5][17:23] == "000005" and lines[6][17:29] == "000001000007"


def test_caixa_240_remessa_with_two_titulos_rebuilds_the_oca_fixture():
    layout = load_layout("caixa_240")
    header = {"agencia": "1565", "agencia_dv": "1", "codigo_beneficiario": "122",
              "numero_inscricao": "97231608000169", "nome_empresa": "SUA EMPRESA LTDA"}
    common = {"emissao": date(2021, 6, 16), "juros_codigo": 3, "protesto_codigo": 0, "baixa_codigo": 2,
              "pagador_inscricao": "11034414000158", "pagador_nome": "AKRETION LTDA",
              "pagador_endereco": "AVENIDA PAULISTA 807", "pagador_bairro": "CENTRO",
              "pagador_cep": "01311915", "pagador_cidade": "SAO PAULO", "pagador_uf": "SP"}
    titulos = [
        {**common, "nosso_numero": 1, "numero_documento": 40, "valor": Decimal("300.00"), "vencimento": date(2021, 6, 16)},
        {**common, "nosso_numero": 2, "numero_documento": 40, "valor": Decimal("700.00"), "vencimento": date(2021, 7, 31)},
    ]
    produced = build_remessa(layout, header, titulos, nsa=1, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab240_caixa_entrada_oca.rem", 240))
    lines = produced.split("\r\n")
    # sequential numbering inside the lote: P=1,Q=2,R=3,P=4,Q=5,R=6; 8 records in the lote, 10 in the file
    assert [ln[8:14] for ln in lines[2:8]] == ["00001P", "00002Q", "00003R", "00004P", "00005Q", "00006R"]
    assert lines[8][17:23] == "000008" and lines[9][23:29] == "000010"


def test_itau_400_remessa_rebuilds_the_brcobranca_fixture_with_the_multa_record():
    layout = load_layout("itau_400")
    produced = build_remessa(layout, ITAU_HEADER, [ITAU_TITULO], nsa=1, gerado_em=GENERATED_AT)
    fixture = fixture_lines("remessa_cnab400_itau_brcobranca.rem", 400)
    assert_same_fields(layout, produced, fixture)
    lines = produced.split("\r\n")
    assert lines[1][62:70] == "00000123" and lines[1][83:86] == "123" and lines[1][107] == "I"
    assert lines[2].startswith("21") and [ln[394:] for ln in lines[:4]] == ["000001", "000002", "000003", "000004"]


def test_santander_240_remessa_rebuilds_the_brcobranca_fixture():
    layout = load_layout("santander_240")
    header = {"agencia": "0001", "agencia_dv": "9", "conta": "013001234", "conta_dv": "3",
              "codigo_transmissao": "000100001234567", "numero_inscricao": "28254225000193",
              "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}
    titulo = {**PAGADOR, "nosso_numero": "12345679", "numero_documento": "9999", "uso_empresa": "9999",
              "valor": Decimal("199.90"), "vencimento": date(2015, 7, 14), "emissao": date(2015, 7, 14),
              "baixa_codigo": 3, "baixa_prazo": 0}
    produced = build_remessa(layout, header, [titulo], nsa=1, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab240_santander_brcobranca.rem", 240))
    lines = produced.split("\r\n")
    # Santander's own positions: código de transmissão at 33-47, nosso número (with DV) at P 45-57
    assert lines[0][32:47] == "000100001234567" and lines[2][44:57] == "0000012345679"
    assert lines[0][151:157] == "      "  # Santander leaves the generation time blank


def test_bradesco_400_remessa_rebuilds_the_brcobranca_fixture():
    layout = load_layout("bradesco_400")
    header = {"codigo_empresa": "123", "carteira": "01", "agencia": "12345", "conta": "1234567",
              "conta_dv": "1", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}
    titulo = {"nosso_numero": 123, "nosso_numero_dv": "P", "numero_documento": "1", "uso_empresa": "6969",
              "valor": Decimal("199.90"), "vencimento": date(2015, 7, 14), "emissao": date(2015, 7, 14),
              "multa_codigo": 2, "multa_valor": Decimal("2.00"), "pagador_inscricao": "12345678901",
              "pagador_nome": PAGADOR["pagador_nome"], "pagador_endereco": "RUA RIO GRANDE DO SU SANTA RITA DE CSP",
              "pagador_cep": "12345678"}
    produced = build_remessa(layout, header, [titulo], nsa=1, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab400_bradesco_brcobranca.rem", 400))
    detail = produced.split("\r\n")[1]
    # identificação da empresa 0 + carteira + agência + conta + DV at 21-37; NN + DV "P" at 71-82
    assert detail[20:37] == "00011234512345671" and detail[70:82] == "00000000123P"
    assert detail[66:70] == "0200"  # multa 2,00 %


def test_sicredi_240_remessa_rebuilds_the_brcobranca_fixture():
    layout = load_layout("sicredi_240")
    header = {"agencia": "0165", "conta": "00623", "conta_dv": "8", "numero_inscricao": "74576177000177",
              "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}
    titulo = {**PAGADOR, "pagador_inscricao": "82136760505", "pagador_uf": "RJ",
              "nosso_numero": "072000031", "numero_documento": 6969, "uso_empresa": "6969".rjust(25),
              "valor": Decimal("50.00"), "vencimento": date(2007, 7, 14), "emissao": date(2007, 7, 14),
              "juros_codigo": 1, "juros_data": date(2007, 7, 15)}
    produced = build_remessa(layout, header, [titulo], nsa=0, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab240_sicredi_brcobranca.rem", 240))
    p = produced.split("\r\n")[2]
    # Sicredi defaults: tipo de documento 1, espécie 03, desconto code 1, baixa 1 after 060 days
    assert (p[59], p[106:108], p[141], p[223:227]) == ("1", "03", "1", "1060")


def test_sicoob_240_remessa_rebuilds_the_brcobranca_fixture_with_trailer_totals():
    layout = load_layout("sicoob_240")
    header = {"agencia": "4327", "agencia_dv": "3", "conta": "03666", "conta_dv": "8",
              "numero_inscricao": "74576177000177", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}
    titulo = {**PAGADOR, "pagador_inscricao": "82136760505", "pagador_uf": "RJ",
              "nosso_numero": "0000429715", "numero_documento": 6969, "uso_empresa": "6969".rjust(25),
              "valor": Decimal("50.00"), "vencimento": date(2015, 7, 14), "emissao": date(2015, 7, 14),
              "juros_codigo": 0, "protesto_codigo": 1}
    produced = build_remessa(layout, header, [titulo], nsa=0, gerado_em=GENERATED_AT)
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab240_sicoob_brcobranca.rem", 240))
    lines = produced.split("\r\n")
    assert lines[2][37:57] == "0000429715" + "01" + "01" + "4" + " " * 5  # NN+DV, parcela, modalidade, formulário
    assert lines[5][23:46] == "000001" + "00000000000005000"  # 1 título, R$ 50,00 in the trailer de lote
    two = build_remessa(layout, header, [titulo, {**titulo, "valor": Decimal("10.05")}], nsa=0, gerado_em=GENERATED_AT)
    assert two.split("\r\n")[8][17:46] == "000008" + "000002" + "00000000000006005"


def test_itau_400_without_multa_has_no_type_2_record():
    layout = load_layout("itau_400")
    titulo = {**ITAU_TITULO, "multa_codigo": None}
    lines = build_remessa(layout, ITAU_HEADER, [titulo], nsa=7, gerado_em=GENERATED_AT).split("\r\n")[:-1]
    assert [ln[0] for ln in lines] == ["0", "1", "9"]
    assert lines[2][394:] == "000003"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nosso_numero": 1234567890123456}, "Título 1 (nosso número 1234567890123456): registro segmento_p, campo nosso_numero (posições 43-57): valor '1234567890123456' tem 16 dígitos; o campo aceita 15"),
        ({"valor": Decimal("-10.00")}, "registro segmento_p, campo valor (posições 86-100): valor negativo -10.00"),
        ({"valor": Decimal("10.005")}, "campo valor (posições 86-100): valor 10.005 tem mais de 2 casas decimais"),
        ({"vencimento": "2015-02-30"}, "campo vencimento (posições 78-85): data inválida '2015-02-30' (use AAAA-MM-DD)"),
        ({"pagador_uf": "São Paulo"}, "registro segmento_q, campo pagador_uf (posições 152-153): valor 'SAO PAULO' tem 9 posições; o campo aceita 2"),
        ({"pagador_nome": ""}, "registro segmento_q, campo pagador_nome (posições 34-73): campo obrigatório não informado"),
        ({"numero_documento": "12A"}, "campo numero_documento (posições 63-73): valor não numérico '12A'"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_titulo_record_and_field(change, message):
    with pytest.raises(RemessaError) as exc:
        build_remessa(load_layout("caixa_240"), CAIXA_HEADER, [{**CAIXA_TITULO, **change}], nsa=1, gerado_em=GENERATED_AT)
    assert message in str(exc.value)


def test_header_errors_name_the_header_and_free_text_is_cut_not_refused():
    with pytest.raises(RemessaError, match=r"^Cabeçalho: registro header_arquivo, campo codigo_beneficiario \(posições 59-64\): valor '1234567' tem 7 dígitos"):
        build_remessa(load_layout("caixa_240"), {**CAIXA_HEADER, "codigo_beneficiario": "1234567"}, [CAIXA_TITULO], nsa=1, gerado_em=GENERATED_AT)
    text = build_remessa(load_layout("caixa_240"), CAIXA_HEADER, [CAIXA_TITULO], nsa=1, gerado_em=GENERATED_AT)
    assert text.split("\r\n")[0][72:102] == "SOCIEDADE BRASILEIRA DE ZOOLOG"


def test_no_titulos_or_a_layout_without_remessa_is_refused():
    with pytest.raises(RemessaError, match="Remessa sem títulos"):
        build_remessa(load_layout("caixa_240"), CAIXA_HEADER, [], nsa=1, gerado_em=GENERATED_AT)
    layout = load_layout("caixa_240")
    without = replace(layout, remessa={**layout.remessa, "detalhe": ()})
    with pytest.raises(RemessaError, match="caixa_240.toml não descreve a remessa"):
        build_remessa(without, CAIXA_HEADER, [CAIXA_TITULO], nsa=1, gerado_em=GENERATED_AT)
