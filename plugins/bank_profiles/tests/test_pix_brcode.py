"""PIX BR Code: BCB manual vector, CRC, BCB length/character rules, reader and round trips.

Vector: BCB *Manual de Padrões para Iniciação do Pix*, p. 26 (quoted in
/work/shared/reference/banks.md §2.5).
"""

from decimal import Decimal

import pytest

from plugins.bank_profiles.boleto.erros import ErroPix
from plugins.bank_profiles.boleto.pix import (
    brcode_dinamico,
    brcode_estatico,
    crc16_ccitt_false,
    ler_brcode,
    sem_acentos,
)

BCB = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)


def test_pix_crc_check_value():
    assert crc16_ccitt_false("123456789") == "29B1"  # CRC-16/CCITT-FALSE check value


def test_pix_crc_is_always_four_uppercase_hex_digits():
    vistos = set()
    for n in range(3000):
        crc = crc16_ccitt_false(f"payload{n}")
        assert len(crc) == 4 and crc == crc.upper()
        vistos.add(crc[0])
    assert "0" in vistos  # CRCs below 0x1000 keep their leading zero (laravel-boleto's bug)


def test_pix_static_bcb_manual_vector():
    assert brcode_estatico("123e4567-e12b-12d1-a456-426655440000", "Fulano de Tal", "BRASILIA") == BCB


def test_pix_read_bcb_manual_vector():
    lido = ler_brcode(BCB)
    assert lido.chave == "123e4567-e12b-12d1-a456-426655440000"
    assert (lido.nome, lido.cidade, lido.txid, lido.valor, lido.crc) == ("Fulano de Tal", "BRASILIA", None, None, "1D3D")
    assert not lido.dinamico and not lido.unico


def test_pix_static_with_amount_txid_description_round_trip():
    payload = brcode_estatico(
        "financeiro@provedor.com.br", "Provedor São João Ltda", "São Carlos", valor="1234.50", txid="FAT2026000123",
        descricao="Fatura março",
    )
    assert "5407" + "1234.50" in payload
    assert "0212Fatura marco" in payload
    lido = ler_brcode(payload)
    assert lido.valor == Decimal("1234.50")
    assert lido.txid == "FAT2026000123"
    assert lido.nome == "Provedor Sao Joao Ltda"
    assert lido.cidade == "Sao Carlos"
    assert lido.descricao == "Fatura marco"
    assert lido.chave == "financeiro@provedor.com.br"
    assert payload.endswith("6304" + crc16_ccitt_false(payload[:-4]))


def test_pix_dynamic_location_and_txid():
    payload = brcode_dinamico("https://pix.banco.com.br/qr/v2/cobv/9d36b84fc70b478fb95c12729b90ca25", "Provedor X", "Curitiba", txid="ABC123")
    assert payload.startswith("000201" + "010212" + "26")
    assert "2560pix.banco.com.br/qr/v2/cobv/9d36b84fc70b478fb95c12729b90ca25" in payload
    assert "https" not in payload
    assert "54" not in ler_brcode(payload).campos
    lido = ler_brcode(payload)
    assert lido.dinamico and lido.unico
    assert lido.url == "pix.banco.com.br/qr/v2/cobv/9d36b84fc70b478fb95c12729b90ca25"
    assert lido.txid == "ABC123"
    assert "62070503***" in brcode_dinamico("pix.banco.com.br/x", "Provedor X", "Curitiba")


@pytest.mark.parametrize(
    "chave, no_payload",
    [
        ("123.456.789-09", "12345678909"),
        ("11.222.333/0001-81", "11222333000181"),
        ("+5511999998888", "+5511999998888"),
        ("Fulano@Example.com", "fulano@example.com"),
    ],
)
def test_pix_key_kinds(chave, no_payload):
    assert ler_brcode(brcode_estatico(chave, "Fulano", "Recife")).chave == no_payload


@pytest.mark.parametrize(
    "kwargs, mensagem",
    [
        (dict(nome="Provedor de Internet Fibra Ótica do Vale"), "nome do recebedor aceita no máximo 25 caracteres (veio 40"),
        (dict(cidade="São José dos Campos"), "cidade do recebedor aceita no máximo 15 caracteres (veio 19: 'Sao Jose dos Campos')"),
        (dict(nome="  "), "nome do recebedor é obrigatório"),
        (dict(txid="FAT-2026"), "txid 'FAT-2026' inválido"),
        (dict(txid="A" * 26), "de 1 a 25 letras ou dígitos"),
        (dict(chave="11999998888"), "chave '11999998888' inválida"),  # a phone without +55 is no CPF
        (dict(chave="11.222.333/0001-82"), "com dígitos verificadores válidos"),
        (dict(valor="0.00"), "valor deve ser maior que zero"),
        (dict(valor="10000000000.00"), "não cabe nos 13 caracteres do campo 54"),
        (dict(valor="1,999"), "mais de duas casas decimais"),
        (dict(descricao="x" * 72), "encurte a descrição"),
    ],
)
def test_pix_bcb_rules_are_enforced(kwargs, mensagem):
    dados = dict(chave="123e4567-e12b-12d1-a456-426655440000", nome="Fulano de Tal", cidade="BRASILIA") | kwargs
    with pytest.raises(ErroPix) as erro:
        brcode_estatico(**dados)
    assert mensagem in str(erro.value)


def test_pix_accents_are_normalised():
    assert sem_acentos("  Conceição   do Araguaia ÇÃÕ ") == "Conceicao do Araguaia CAO"


def test_pix_reader_rejects_wrong_crc_with_position():
    adulterado = BCB.replace("Fulano", "Fulana")
    with pytest.raises(ErroPix, match=r"CRC \(campo 63, posição 134\) deveria ser [0-9A-F]{4}, veio 1D3D"):
        ler_brcode(adulterado)
    with pytest.raises(ErroPix, match="6304XXXX"):
        ler_brcode(BCB[:-8])


def _com_crc(corpo: str) -> str:
    corpo += "6304"
    return corpo + crc16_ccitt_false(corpo)


def test_pix_reader_rejects_broken_tlv_and_missing_fields():
    with pytest.raises(ErroPix, match=r"campo 59 na posição \d+: tamanho 40 passa do fim"):
        ler_brcode(_com_crc("000201" + "26580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000" + "5940Fulano"))
    with pytest.raises(ErroPix, match="campo obrigatório 60 ausente"):
        ler_brcode(_com_crc("000201" + "26580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
                            + "520400005303986" + "5802BR" + "5906Fulano"))
    with pytest.raises(ErroPix, match="a chave \\(01\\) ou a URL de location \\(25\\)"):
        ler_brcode(_com_crc("000201" + "26180014br.gov.bcb.pix" + "520400005303986" + "5802BR" + "5906Fulano" + "6006Recife"))


def test_pix_reader_accepts_uppercase_gui_and_unknown_fields():
    # real-world payloads use "BR.GOV.BCB.PIX" and add field 61 (CEP); both are valid
    payload = _com_crc(
        "000201" + "26330014BR.GOV.BCB.PIX0111123456789095204000053039865405" + "10.30" + "5802BR"
        + "5908PAGSMILE" + "6014Belo Horizonte" + "610830380403" + "62070503***"
    )
    lido = ler_brcode(payload)
    assert lido.valor == Decimal("10.30")
    assert lido.chave == "12345678909"
    assert lido.campos["61"] == "30380403"
