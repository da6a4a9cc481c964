"""CPF / CNPJ (numeric and alphanumeric) validation and formatting, CEP."""

import pytest

from core.br.cep import format_cep, normalize_cep
from core.br.documents import (
    cnpj_check_digits, cpf_check_digits, format_cnpj, format_cpf, format_document, is_valid_cnpj,
    is_valid_cpf, normalize_document, only_digits, validate_document,
)

VALID_CPFS = ["529.982.247-25", "52998224725", "111.444.777-35", "123.456.789-09", "935.411.347-80"]
VALID_CNPJS = ["11.222.333/0001-81", "11222333000181", "45.723.174/0001-10", "06.990.590/0001-23",
               "33.000.167/0001-01"]


@pytest.mark.parametrize("cpf", VALID_CPFS)
def test_valid_cpfs(cpf):
    assert is_valid_cpf(cpf)


@pytest.mark.parametrize("cpf", [
    "000.000.000-00", "111.111.111-11", "99999999999",   # repeated digits
    "529.982.247-24", "529.982.247-15",                     # wrong check digits
    "5299822472", "529982247250", "", None, "abc.def.ghi-jk", "52998224A25",
])
def test_invalid_cpfs(cpf):
    assert not is_valid_cpf(cpf)


def test_cpf_check_digits_are_computed():
    assert cpf_check_digits("529982247") == "25"
    assert cpf_check_digits("111444777") == "35"


@pytest.mark.parametrize("cnpj", VALID_CNPJS)
def test_valid_numeric_cnpjs(cnpj):
    assert is_valid_cnpj(cnpj)


def test_official_alphanumeric_cnpj_example():
    # IN RFB 2.229/2024 example: base 12ABC34501DE has check digits 35.
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert is_valid_cnpj("12.ABC.345/01DE-35")
    assert is_valid_cnpj("12abc34501de35")  # lowercase is normalized
    assert not is_valid_cnpj("12.ABC.345/01DE-36")
    assert not is_valid_cnpj("12.ABC.345/01DF-35")


def test_alphanumeric_value_is_ord_minus_48():
    # Worked by hand: "AB1234567890" ⇒ values 17,18,1,2,3,4,5,6,7,8,9,0.
    # DV1: 17·5+18·4+1·3+2·2+3·9+4·8+5·7+6·6+7·5+8·4+9·3+0·2 = 388; 388 % 11 = 3 ⇒ 11-3 = 8.
    # DV2: 17·6+18·5+1·4+2·3+3·2+4·9+5·8+6·7+7·6+8·5+9·4+0·3+8·2 = 460; 460 % 11 = 9 ⇒ 2.
    assert cnpj_check_digits("AB1234567890") == "82"
    assert is_valid_cnpj("AB.123.456/7890-82")
    assert cnpj_check_digits("11222333000A") != cnpj_check_digits("112223330001")


@pytest.mark.parametrize("cnpj", [
    "11111111111111", "00000000000000", "11.222.333/0001-82", "11.222.333/0001-8",
    "12.ABC.345/01DE-3A",  # check digits must be numeric
    "12.ABC.345/01D@-35", "", None, "1122233300018100",
])
def test_invalid_cnpjs(cnpj):
    assert not is_valid_cnpj(cnpj)


def test_normalize_and_only_digits():
    assert normalize_document(" 12.abc.345/01de-35 ") == "12ABC34501DE35"
    assert only_digits("(11) 98765-4321") == "11987654321"
    assert only_digits(None) == ""


def test_validate_document_by_person_type():
    assert validate_document("529.982.247-25", "PF") == "52998224725"
    assert validate_document("12.ABC.345/01DE-35", "PJ") == "12ABC34501DE35"
    assert validate_document("", "PRE") == ""
    assert validate_document("11.222.333/0001-81", "PRE") == "11222333000181"
    with pytest.raises(ValueError, match="CPF inválido"):
        validate_document("529.982.247-24", "PF")
    with pytest.raises(ValueError, match="Informe o CPF"):
        validate_document("", "PF")
    with pytest.raises(ValueError, match="CNPJ inválido"):
        validate_document("529.982.247-25", "PJ")  # a CPF is not a CNPJ
    with pytest.raises(ValueError, match="Documento inválido"):
        validate_document("123", "PRE")
    with pytest.raises(ValueError, match="Tipo de pessoa inválido"):
        validate_document("529.982.247-25", "XX")


def test_formatting():
    assert format_cpf("52998224725") == "529.982.247-25"
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"
    assert format_cnpj("12abc34501de35") == "12.ABC.345/01DE-35"
    assert format_document("52998224725") == "529.982.247-25"
    assert format_document("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert format_document("123") == "123"
    assert format_document(None) == ""


def test_cep():
    assert normalize_cep("01310-100") == "01310100"
    assert normalize_cep(" 30160011 ") == "30160011"
    assert format_cep("01310100") == "01310-100"
    for bad in ("0131010", "013101000", "01310-10A", "", None, "00000-000"):
        with pytest.raises(ValueError, match="CEP inválido"):
            normalize_cep(bad)
