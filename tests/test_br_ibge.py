"""The bundled IBGE municipality table: real codes, check digits, UF prefixes, look-ups."""

from collections import Counter

from core.br.ibge import (
    UF_CODES, UFS, all_cities, capitals, check_digit, cities_in_uf, city_by_code, find_city,
    is_valid_city_code, uf_of_code,
)


def test_every_code_has_the_uf_prefix_and_the_ibge_check_digit():
    cities = all_cities()
    assert len(cities) >= 27 + 150
    for c in cities:
        assert len(c.code) == 7 and c.code.isdigit(), c
        assert int(c.code[:2]) == UF_CODES[c.uf], c
        assert check_digit(c.code[:6]) == int(c.code[6]), c


def test_codes_and_names_are_unique_and_every_uf_is_present():
    cities = all_cities()
    assert len({c.code for c in cities}) == len(cities)
    assert len({(c.name, c.uf) for c in cities}) == len(cities)
    per_uf = Counter(c.uf for c in cities)
    assert set(per_uf) == set(UFS) and len(UFS) == 27


def test_all_27_capitals():
    caps = {c.uf: c.name for c in capitals()}
    assert len(caps) == 27
    assert caps["SP"] == "São Paulo" and caps["DF"] == "Brasília" and caps["TO"] == "Palmas"


def test_lookups():
    assert city_by_code("3550308").name == "São Paulo"
    assert city_by_code(4106902).uf == "PR"
    assert city_by_code("9999999") is None
    assert find_city("sao paulo", "sp").code == "3550308"
    assert find_city("FLORIANOPOLIS", "SC").code == "4205407"
    assert find_city("São Paulo", "RJ") is None
    names = [c.name for c in cities_in_uf("ES")]
    assert "Vitória" in names and names.index("São Mateus") < names.index("Serra")  # accents ignored


def test_check_digit_rule_and_validity():
    assert check_digit("355030") == 8
    assert is_valid_city_code("3550308")
    assert not is_valid_city_code("3550307")   # wrong check digit
    assert not is_valid_city_code("9950308")   # no such UF
    assert not is_valid_city_code("355030")
    assert uf_of_code("3304557") == "RJ"
    assert uf_of_code("99") is None
