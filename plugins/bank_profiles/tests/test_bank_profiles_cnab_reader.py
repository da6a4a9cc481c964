"""Retorno reader: every real fixture parses with the values of its PROVENANCE row; bad input is
refused naming file, line and field."""

import gc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import RetornoError, detect_layout, read_retorno

FIXTURES = Path(__file__).parent / "fixtures" / "cnab"
D = Decimal


def read(name: str):
    return read_retorno((FIXTURES / name).read_bytes(), arquivo=name)


def test_every_retorno_fixture_parses_with_its_bank_layout():
    expected = {
        "retorno_cnab240_bb_laravel.ret": ("bb_240", 5),
        "retorno_cnab240_caixa_laravel.ret": ("caixa_240", 9),
        "retorno_cnab240_itau_pythoncnab.ret": ("itau_240", 2),
        "retorno_cnab240_santander_brcobranca.ret": ("santander_240", 2),
        "retorno_cnab240_sicredi_brcobranca.ret": ("sicredi_240", 2),
        "retorno_cnab240_sicoob_brcobranca.ret": ("sicoob_240", 3),
        "retorno_cnab400_bradesco_brcobranca.ret": ("bradesco_400", 6),
        "retorno_cnab400_itau_laravel.ret": ("itau_400", 4),
        "retorno_cnab400_bb_laravel.ret": ("bb_400", 1),
        "retorno_cnab400_santander_pix_laravel.ret": ("santander_400", 1),
        # the Unicred central's header says 001 (BB): read with the profile's layout, unicred_400
        "retorno_cnab400_unicred_brcobranca.ret": ("unicred_400", 1),
    }
    assert sorted(p.name for p in FIXTURES.glob("retorno_*")) == sorted(expected)
    for name, (layout_id, count) in expected.items():
        chosen = load_layout(layout_id) if "unicred" in name else None
        ret = read_retorno((FIXTURES / name).read_bytes(), arquivo=name, layout=chosen)
        assert (ret.layout.id, len(ret.titulos)) == (layout_id, count), name


def test_bb_240_five_liquidacoes_each_net_five_reais_less():
    ret = read("retorno_cnab240_bb_laravel.ret")
    assert ret.banco == "001" and ret.header["nsa"] == "000257"
    assert ret.header["data_geracao"] == date(2011, 3, 21)
    assert [t.valor_titulo for t in ret.titulos] == [D("40.00"), D("30.00"), D("15.00"), D("15.00"), D("28.80")]
    for t in ret.titulos:
        assert (t.ocorrencia_codigo, t.ocorrencia, t.ocorrencia_descricao) == ("06", "liquidada", "Liquidação")
        assert t.valor_pago == t.valor_titulo
        assert t.valor_liquido == t.valor_pago - D("5.00")
        assert t.tarifa == D("5.00")
        assert (t.data_ocorrencia, t.data_credito) == (date(2011, 3, 21), date(2011, 3, 23))
        assert t.nosso_numero.startswith("3294860") and len(t.nosso_numero) == 17
        assert t.motivos == []
    assert ret.titulos[0].nosso_numero == "32948600000000196"
    # the 241-column line (a stray blank) is accepted with a warning; its shifted header field too
    assert any("linha 2: 241 colunas" in a for a in ret.avisos)
    assert any("linha 2, registro header_lote_retorno, campo numero_remessa (posições 184-191)" in a for a in ret.avisos)


def test_sicoob_240_trimmed_lines_and_malformed_header_still_give_three_payments():
    ret = read("retorno_cnab240_sicoob_brcobranca.ret")
    assert [t.nosso_numero for t in ret.titulos] == ["0000000083", "0000000116", "0000000123"]
    for t in ret.titulos:
        assert (t.ocorrencia_codigo, t.ocorrencia) == ("06", "liquidada")
        assert (t.valor_titulo, t.valor_pago, t.tarifa) == (D("2.00"), D("2.00"), D("1.70"))
        assert t.vencimento == date(2015, 8, 13)
        assert (t.data_ocorrencia, t.data_credito) == (date(2015, 8, 10), date(2015, 8, 10))
        assert [(m.codigo, m.descricao) for m in t.motivos] == [("03", "Liquidação no guichê de caixa em dinheiro")]
        assert t.campos["parcela"] == "01" and t.campos["modalidade"] == "01"
    # header fields 17 columns off are skipped with a warning naming line and field, not fatal
    assert ret.header.get("data_geracao") is None
    assert any("linha 1, registro header_arquivo, campo data_geracao (posições 144-151): data inválida '00108500'" in a for a in ret.avisos)
    assert any("10 linha(s) com menos de 240 colunas" in a for a in ret.avisos)


def test_santander_240_reads_its_moved_t_fields_and_retorno_headers():
    ret = read("retorno_cnab240_santander_brcobranca.ret")
    assert (ret.header["codigo_beneficiario"], ret.header["agencia"], ret.header["nsa"]) == ("007401949", "3163", "000034")
    entrada, liquidacao = ret.titulos
    assert (entrada.ocorrencia, entrada.tarifa) == ("entrada_confirmada", D("3.92"))
    assert (liquidacao.ocorrencia, liquidacao.nosso_numero, liquidacao.numero_documento) == ("liquidada", "0000000001406", "0000001406")
    assert (liquidacao.valor_titulo, liquidacao.valor_pago, liquidacao.vencimento) == (D("10.00"), D("10.00"), date(2016, 4, 1))
    assert (liquidacao.data_ocorrencia, liquidacao.data_credito) == (date(2016, 4, 1), date(2016, 4, 4))
    assert [(m.codigo, m.descricao) for m in liquidacao.motivos] == [("04", "Compensação eletrônica")]
    # the FEBRABAN positions would misread it: T 38-57 is not Santander's nosso número
    febraban_nn = load_layout("bb_240").record("segmento_t").field("nosso_numero")
    t_line = (FIXTURES / "retorno_cnab240_santander_brcobranca.ret").read_text("ascii").splitlines()[2]
    assert febraban_nn.slice(t_line) != liquidacao.nosso_numero


def test_caixa_240_sigcb_nosso_numero_and_nine_liquidacoes():
    ret = read("retorno_cnab240_caixa_laravel.ret")
    assert (ret.header["codigo_beneficiario"], ret.header["nsa"], ret.header["versao_layout"]) == ("043210", "001622", "040")
    assert {t.ocorrencia for t in ret.titulos} == {"liquidada"}
    first = ret.titulos[0]
    assert (first.campos["modalidade"], first.nosso_numero) == ("24", "000000011136997")  # T 40-41 + 42-56
    assert (first.valor_titulo, first.valor_pago, first.tarifa) == (D("80.00"), D("80.00"), D("1.25"))
    assert (first.data_ocorrencia, first.data_credito) == (date(2014, 1, 6), date(2014, 1, 7))
    assert sum(t.valor_pago for t in ret.titulos) == D("1010.00")
    assert sum(t.tarifa for t in ret.titulos) == D("12.70")
    # Caixa's payment-channel codes are its own: no FEBRABAN table C text is borrowed
    assert [(m.codigo, m.descricao) for m in first.motivos] == [("02", None), ("01", None), ("01", None)]


def test_sicredi_240_entrada_and_tarifa_with_bank_specific_reason_codes():
    ret = read("retorno_cnab240_sicredi_brcobranca.ret")
    assert (ret.header["nsa"], ret.header["data_geracao"]) == ("000005", date(2017, 4, 7))
    entrada, tarifa = ret.titulos
    assert (entrada.nosso_numero, entrada.ocorrencia, entrada.valor_titulo) == ("172000595", "entrada_confirmada", D("9.95"))
    assert [(m.codigo, m.descricao) for m in entrada.motivos] == [("A4", None)]  # letters allowed
    assert (tarifa.ocorrencia_codigo, tarifa.ocorrencia, tarifa.tarifa) == ("28", "tarifa", D("3.80"))
    # Sicredi's own tarifa codes are not FEBRABAN table B: no borrowed text
    assert [(m.codigo, m.descricao) for m in tarifa.motivos] == [("05", None)]
    assert load_layout("bb_240").reason_text("28", "05") == "Tarifa de outras instruções"


def test_bradesco_400_five_entradas_and_one_baixa_code_10():
    ret = read("retorno_cnab400_bradesco_brcobranca.ret")
    assert ret.header["data_geracao"] == date(2015, 5, 15)
    assert [t.ocorrencia_codigo for t in ret.titulos] == ["02"] * 5 + ["10"]
    assert [t.valor_titulo for t in ret.titulos[:5]] == [D("1450.00"), D("180.00"), D("720.00"), D("200.00"), D("180.00")]
    assert {t.ocorrencia for t in ret.titulos[:5]} == {"entrada_confirmada"}
    last = ret.titulos[5]
    assert (last.ocorrencia, last.ocorrencia_descricao) == ("baixada", "Baixado conforme instruções da agência")
    assert ret.titulos[1].nosso_numero.endswith("P")  # Bradesco DV "P"
    assert ret.avisos == []


def test_itau_400_three_liquidacoes_and_one_alegacao_do_pagador():
    ret = read("retorno_cnab400_itau_laravel.ret")
    assert ret.header["nome_banco"] == "BANCO ITAU S.A."
    assert [t.ocorrencia_codigo for t in ret.titulos] == ["06", "25", "06", "06"]
    assert sum(t.ocorrencia == "liquidada" for t in ret.titulos) == 3  # laravel: quantidadeLiquidados == 3
    alegacao = ret.titulos[1]
    assert (alegacao.ocorrencia, alegacao.ocorrencia_descricao) == ("outros", "Alegações do pagador")
    assert [m.codigo for m in alegacao.motivos] == ["18", "42"]
    first = ret.titulos[0]
    assert (first.nosso_numero, first.numero_documento, first.valor_titulo, first.valor_pago) == ("00231327", "1A", D("389.75"), D("209.97"))
    assert (first.data_ocorrencia, first.data_credito, first.vencimento) == (date(2013, 6, 20), date(2013, 6, 21), None)


def test_same_code_different_meaning_per_bank():
    # "10": baixa at Bradesco 400, liquidação at Itaú 400 (banks.md §3.4)
    assert load_layout("bradesco_400").occurrence("10").kind == "baixada"
    assert load_layout("itau_400").occurrence("10").kind == "liquidada"
    assert load_layout("itau_400").occurrence("06").meaning == "Liquidação normal"
    unknown = load_layout("itau_400").occurrence("99")
    assert unknown.kind == "outros" and "99" in unknown.meaning


def _bb_lines() -> list[str]:
    return (FIXTURES / "retorno_cnab240_bb_laravel.ret").read_text("ascii").split("\n")


def test_a_letter_in_a_value_field_names_file_line_and_field():
    lines = _bb_lines()
    u = lines[3]  # line 4: segment U of the first título
    lines[3] = u[:89] + "X" + u[90:]  # valor pago (78-92): 40,00 → "4X,00"
    with pytest.raises(RetornoError) as exc:
        read_retorno("\n".join(lines), arquivo="banco.ret")
    assert str(exc.value) == (
        "banco.ret, linha 4, registro segmento_u, campo valor_pago (posições 78-92): valor não numérico '000000000004X00'"
    )
    assert gc.isenabled()  # the reader pauses the cyclic collector only while it parses


def test_an_impossible_date_in_a_detail_names_file_line_and_field():
    lines = _bb_lines()
    lines[3] = lines[3][:137] + "32132011" + lines[3][145:]
    with pytest.raises(RetornoError, match=r"^banco.ret, linha 4, registro segmento_u, campo data_ocorrencia \(posições 138-145\): data inválida '32132011'$"):
        read_retorno("\n".join(lines), arquivo="banco.ret")


def test_unknown_record_type_is_refused_with_its_columns():
    lines = _bb_lines()
    lines[4] = lines[4][:13] + "Z" + lines[4][14:]
    with pytest.raises(RetornoError) as exc:
        read_retorno("\n".join(lines), arquivo="banco.ret")
    assert str(exc.value) == "banco.ret, linha 5: tipo de registro desconhecido para bb_240.toml (coluna 8 = '3', coluna 14 = 'Z')"


def test_data_beyond_the_layout_width_and_orphan_segments_are_refused():
    lines = _bb_lines()
    lines[2] = lines[2] + "X"
    with pytest.raises(RetornoError, match=r"^banco.ret, linha 3: a linha tem 241 colunas; o CNAB 240 tem 240 e as colunas 241-241 não estão em branco$"):
        read_retorno("\n".join(lines), arquivo="banco.ret")
    lines = _bb_lines()
    del lines[2]  # first T: its U is now an orphan
    with pytest.raises(RetornoError, match=r"^banco.ret, linha 3: registro segmento_u sem o registro segmento_t que o precede$"):
        read_retorno("\n".join(lines), arquivo="banco.ret")


def test_crlf_lf_bom_and_no_final_newline_read_the_same():
    raw = (FIXTURES / "retorno_cnab400_itau_laravel.ret").read_bytes()
    variants = [raw, raw.replace(b"\r\n", b"\n"), b"\xef\xbb\xbf" + raw, raw.rstrip(b"\r\n")]
    results = [[(t.nosso_numero, t.ocorrencia_codigo, t.valor_pago) for t in read_retorno(v, arquivo="itau.ret").titulos] for v in variants]
    assert all(r == results[0] for r in results) and len(results[0]) == 4


def test_a_remessa_or_an_unknown_file_is_not_taken_for_a_retorno():
    with pytest.raises(RetornoError, match=r"^rem.txt, linha 1: tipo de registro desconhecido para itau_400.toml \(coluna 1 = '0', coluna 2 = '1'\)$"):
        read_retorno((FIXTURES / "remessa_cnab400_itau_brcobranca.rem").read_bytes(), arquivo="rem.txt")
    with pytest.raises(RetornoError, match=r"^x.txt, linha 1: não é um arquivo CNAB 240 nem CNAB 400"):
        detect_layout("hello\n", "x.txt")
    with pytest.raises(RetornoError, match="não há layout CNAB 240 para o banco 999"):
        detect_layout("99900000" + " " * 232, "y.ret")
