"""Convênio 115 file names: build and parse (current and old forms), série padding, short names."""

from __future__ import annotations

from plugins.fiscal_nf2122.conv115.naming import FileName, build_name, parse_name, serie_problem, short_name


def test_parse_and_build_the_current_name():
    name, warnings = parse_name("SP07861033000175210011701N01M.001")
    assert warnings == []
    assert name == FileName(uf="SP", cnpj="07861033000175", modelo="21", serie="001", periodo="1701", status="N",
                            sequencia=1, tipo="M", volume=1)
    assert build_name(name) == "SP07861033000175210011701N01M.001"
    assert build_name(name.with_type("I", 2)) == "SP07861033000175210011701N01I.002"


def test_serie_is_blank_padded_not_zero_padded():
    name = FileName(uf="PB", cnpj="13049421000310", modelo="22", serie="1", periodo="1808")
    assert build_name(name) == "PB13049421000310221  1808N01M.001"
    assert parse_name("PB13049421000310221  1808N01M.001")[0].serie == "1  "


def test_fixture_name_with_placeholder_uf_parses_with_a_warning():
    name, warnings = parse_name("dir/__UF9999999999999921U  1701N01I.001")
    assert (name.uf, name.cnpj, name.serie, name.periodo, name.tipo) == ("__UF", "99999999999999", "U  ", "1701", "I")
    assert warnings == ["nome do arquivo: UF '__UF' inválida (esperadas 2 letras de uma UF)"]


def test_old_names_and_the_controle_short_names():
    name, _w = parse_name("TO0011207NM.001")
    assert (name.old, name.uf, name.serie, name.periodo, name.tipo) == (True, "TO", "001", "1207", "M")
    assert short_name(name) == "TO0011207NM.001" and short_name(name, with_uf=False) == "0011207NM.001"
    assert parse_name("remessa.txt") == (None, ["nome do arquivo 'remessa.txt' fora do padrão UF+CNPJ+MO+SSS+AAMM+ST+SQ+T.VVV"])


def test_serie_rules():
    assert serie_problem("U") is None and serie_problem("A1") is None and serie_problem("1") is None
    assert serie_problem("") == "série em branco"
    assert "inválida" in serie_problem("-A") and "inválida" in serie_problem("Ç") and "inválida" in serie_problem("0")
