"""CNAB 240: the Banco do Brasil remessa (brcobranca's golden file) and Santander's PIX segment Y-03,
written when the título has a PIX key and read back, in a remessa and in a retorno."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import group_titulos, read_remessa, read_retorno
from plugins.bank_profiles.cnab.writer import build_remessa
from plugins.bank_profiles.tests.cnab_support import (FIXTURES, GENERATED_AT, PAGADOR, assert_reads_back,
                                                      assert_same_fields, fixture_lines)

DAY = date(2015, 7, 14)
BB_HEADER = {"numero_inscricao": "12345678901", "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
             "convenio": "1234567", "carteira": "12", "modalidade": "123", "agencia": "1234", "agencia_dv": "3",
             "conta": "12345", "conta_dv": "5", "versao_layout": "083", "versao_lote": "042",
             "densidade": 0, "reservado_banco": "0" * 20, "reservado_empresa": "0" * 20}
BB_TITULO = {**PAGADOR, "nosso_numero": 123, "numero_documento": "000000000006969", "uso_empresa": "6969".rjust(25),
             "valor": D("199.90"), "vencimento": DAY, "emissao": DAY, "codigo_carteira": 7, "tipo_documento": " ",
             "emissao_boleto": 0, "distribuicao_boleto": "0", "baixa_codigo": 0}
SANTANDER_HEADER = {"agencia": "0001", "agencia_dv": "9", "conta": "013001234", "conta_dv": "3",
                    "codigo_transmissao": "000100001234567", "numero_inscricao": "28254225000193",
                    "nome_empresa": "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"}
SANTANDER_TITULO = {**PAGADOR, "nosso_numero": "12345679", "numero_documento": "9999", "valor": D("199.90"),
                    "vencimento": DAY, "emissao": DAY}


def test_bb_240_remessa_rebuilds_the_brcobranca_fixture():
    layout = load_layout("bb_240")
    produced = build_remessa(layout, BB_HEADER, [BB_TITULO], nsa=0, gerado_em=GENERATED_AT)
    # brcobranca leaves "quantidade de contas" (trailer 30-35) blank, Quita writes zeros; its bank name
    # is "BANCO DO BRASIL SA", the spec's "BANCO DO BRASIL S.A."
    assert_same_fields(layout, produced, fixture_lines("remessa_cnab240_bb_brcobranca.rem", 240),
                       ignore={"qtd_contas", "nome_banco"})
    lines = produced.split("\r\n")
    # convênio 9 + "0014" + carteira + variação in the headers; convênio 7 + NN 10 in segment P
    assert lines[0][32:52] == "001234567" + "0014" + "12" + "123" + "  "
    assert lines[1][33:53] == "001234567" + "0014" + "12" + "123" + "  "
    assert lines[2][37:57] == "1234567" + "0000000123" + "   "


def test_bb_240_and_santander_240_with_pix_remessas_read_back_with_identical_values():
    bb = {k: v for k, v in BB_TITULO.items() if k != "tipo_documento"}  # BB's default "2", not the fixture's blank
    assert_reads_back(load_layout("bb_240"), BB_HEADER, [bb, {**bb, "nosso_numero": 9_999_999_999, "valor": D("0.01"),
                                                              "movimento": "02"}])
    assert_reads_back(load_layout("santander_240"), SANTANDER_HEADER, [
        {**SANTANDER_TITULO, "pix_chave": "+5511999998888", "pix_txid": "T1"}, SANTANDER_TITULO])


def test_bb_240_retorno_keeps_the_20_position_convenio_whole():
    ret = read_retorno((FIXTURES / "retorno_cnab240_bb_laravel.ret").read_bytes(), arquivo="bb.ret")
    assert ret.header["convenio"] == "0032948600014"


def test_santander_240_segment_y03_is_written_only_with_a_pix_key_and_counted():
    layout = load_layout("santander_240")
    titulos = [{**SANTANDER_TITULO, "pix_chave": "28254225000193", "pix_txid": "QUITA0001"},
               {**SANTANDER_TITULO, "nosso_numero": "12345680"}]
    lines = build_remessa(layout, SANTANDER_HEADER, titulos, nsa=5, gerado_em=GENERATED_AT).split("\r\n")[:-1]
    assert [ln[13] for ln in lines[2:-2]] == ["P", "Q", "R", "Y", "P", "Q", "R"]
    y = lines[5]
    assert y[:17] == "03300013" + "00004" + "Y 01" and y[17:19] == "03"
    assert y[80] == "2" and y[81:158].rstrip() == "28254225000193" and y[158:193].rstrip() == "QUITA0001"
    assert y[19:80].strip() == "" and y[193:].strip() == ""
    assert lines[-2][17:23] == "000009" and lines[-1][23:29] == "000011"  # Y counted in the lote and the file


def test_santander_240_remessa_with_y03_reads_back_with_the_pix_values():
    layout = load_layout("santander_240")
    titulo = {**SANTANDER_TITULO, "pix_chave": "ab@cd.com.br", "pix_txid": "TX9"}
    text = build_remessa(layout, SANTANDER_HEADER, [titulo], nsa=5, gerado_em=GENERATED_AT)
    _layout, parsed, avisos = read_remessa(text, arquivo="s.rem")
    _head, ((_linha, campos),) = group_titulos(parsed, layout.remessa, "s.rem")
    assert (campos["pix_tipo_chave"], campos["pix_chave"], campos["pix_txid"]) == ("email", "AB@CD.COM.BR", "TX9")
    assert int(campos["nosso_numero"]) == 12345679 and campos["valor"] == D("199.90")


def test_santander_240_retorno_accepts_y03_and_other_y_records_after_t_u():
    raw = (FIXTURES / "retorno_cnab240_santander_brcobranca.ret").read_bytes().decode("ascii").split("\r\n")
    y03 = ("0339692300003Y 0603" + " " * 61 + "5" + "39a1178e-db6b-4407-bc7b-b674390acf5f".ljust(77)
           + "TXIDQUITA".ljust(35)).ljust(240)
    y01 = "0339692300003Y 0601" + "2" + "28254225000193".rjust(15, "0")
    lines = raw[:4] + [y03] + raw[4:6] + [y01] + raw[6:]
    ret = read_retorno("\r\n".join(lines), arquivo="santander.ret")
    assert [t.ocorrencia for t in ret.titulos] == ["entrada_confirmada", "liquidada"]
    first, second = ret.titulos
    assert (first.campos["pix_tipo_chave"], first.campos["pix_chave"], first.campos["pix_txid"]) == (
        "aleatoria", "39a1178e-db6b-4407-bc7b-b674390acf5f", "TXIDQUITA")
    assert second.campos["registro_opcional"] == "01" and second.valor_pago == D("10.00")
