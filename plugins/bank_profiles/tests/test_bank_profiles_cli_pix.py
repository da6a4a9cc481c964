"""The stable command line of issue 4 for integrators: `quita pix brcode` (static and dynamic BR
Code) and the JSON keys of `quita boleto compute | decode`, through the real `quita` CLI."""

from __future__ import annotations

import json

from plugins.bank_profiles.boleto.modulo import DV_GERAL, modulo11
from plugins.bank_profiles.boleto.pix import crc16_ccitt_false
from plugins.bank_profiles.tests.cli_fixtures import bank_cli, bank_rt  # noqa: F401  (fixtures rt, cli)

# BCB, Manual de Padrões para Iniciação do Pix, p. 26 (reference banks.md §2.5): CRC 1D3D.
BCB_EXAMPLE = ("00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
               "5913Fulano de Tal6008BRASILIA62070503***63041D3D")


def test_pix_brcode_reproduces_the_bcb_manual_example(cli):
    out = cli("pix", "brcode", "chave=123e4567-e12b-12d1-a456-426655440000", "nome=Fulano de Tal", "cidade=BRASILIA")
    assert out.exit_code == 0, out.output
    assert out.output.strip() == BCB_EXAMPLE
    data = json.loads(cli("pix", "brcode", "chave=123e4567-e12b-12d1-a456-426655440000", "nome=Fulano de Tal",
                          "cidade=BRASILIA", "--json").output)
    assert (data["payload"], data["tipo"], data["crc"], data["txid"], data["valor"]) == (
        BCB_EXAMPLE, "estatico", "1D3D", None, None)


def test_pix_brcode_static_with_value_txid_and_accents(cli):
    out = cli("pix", "brcode", "chave=11.222.333/0001-81", "nome=Provedor Fibra Ltda", "cidade=São Paulo",
              "valor=99,90", "txid=FAT000123", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    payload = data["payload"]
    # every TLV written by hand: key digits only, amount with a dot, accents dropped before counting
    body = ("000201" "26360014br.gov.bcb.pix0114" "11222333000181" "52040000" "5303986" "540599.90" "5802BR"
            "5919Provedor Fibra Ltda" "6009Sao Paulo" "62130509FAT000123" "6304")
    assert payload == body + crc16_ccitt_false(body)
    assert (data["chave"], data["valor"], data["cidade"], data["txid"], data["unico"]) == (
        "11222333000181", "99.90", "Sao Paulo", "FAT000123", False)
    unico = json.loads(cli("pix", "brcode", "chave=11222333000181", "nome=X", "cidade=Y", "--unico", "--json").output)
    assert unico["payload"].startswith("000201010212") and unico["unico"] is True


def test_pix_brcode_dynamic_with_location(cli):
    out = cli("pix", "brcode", "url=https://pix.exemplo.com.br/qr/v2/9d36b84f", "nome=Provedor Fibra",
              "cidade=Curitiba", "txid=ABC123", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    body = ("000201010212" "26550014br.gov.bcb.pix2533pix.exemplo.com.br/qr/v2/9d36b84f" "52040000" "5303986"
            "5802BR" "5914Provedor Fibra" "6008Curitiba" "62100506ABC123" "6304")
    assert data["payload"] == body + crc16_ccitt_false(body)
    assert (data["tipo"], data["url"], data["chave"]) == ("dinamico", "pix.exemplo.com.br/qr/v2/9d36b84f", None)


def test_pix_brcode_errors_name_the_field_and_exit_2(cli):
    cases = {
        ("nome=Fulano", "cidade=BRASILIA"): "informe chave=",
        ("chave=123e4567-e12b-12d1-a456-426655440000", "cidade=BRASILIA"): "informe nome=",
        ("chave=123e4567-e12b-12d1-a456-426655440000", "nome=Fulano"): "informe cidade=",
        ("chave=123.456.789-00", "nome=Fulano", "cidade=BRASILIA"): "PIX: chave '123.456.789-00' inválida",
        ("chave=11222333000181", "nome=Fulano", "cidade=Cidade Muito Comprida"):
            "PIX: cidade do recebedor aceita no máximo 15 caracteres",
        ("chave=11222333000181", "nome=Fulano", "cidade=X", "txid=com espaço"): "PIX: txid 'com espaço' inválido",
        ("chave=11222333000181", "nome=Fulano", "cidade=X", "valor=-1"): "PIX: valor deve ser maior que zero",
        ("chave=11222333000181", "nome=Fulano", "cidade=X", "moeda=986"): "campo desconhecido 'moeda'",
        ("url=pix.exemplo.com/x", "valor=1", "nome=Fulano", "cidade=X"): "valor= não cabe num BR Code dinâmico",
        ("chave11222333000181",): "argumento 'chave11222333000181': use campo=valor (ex.: nome=Fulano)",
    }
    for args, message in cases.items():
        out = cli("pix", "brcode", *args)
        assert out.exit_code == 2, (args, out.output)
        assert f"Erro: {message}" in out.output, (args, out.output)


def test_boleto_compute_json_has_the_issue_keys_and_decodes_back(cli):
    """The issue's exact command. Its campo livre is brcobranca's Itaú vector '175/12345678-4' (DV 4,
    campo livre 1751234567840810536789000); fator 3770 = 02/02/2008 − 07/10/1997; the general DV
    is recomputed here with módulo 11 over the 43 other digits."""
    out = cli("boleto", "compute", "--bank", "341", "agencia=0810", "conta=53678", "carteira=175",
              "nosso_numero=12345678", "valor=135.00", "vencimento=2008-02-02", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {"barcode", "linha_digitavel", "nosso_numero_dv", "fator_vencimento"} <= set(data)
    without_dv = "3419" + "3770" + "0000013500" + "1751234567840810536789000"
    assert data["barcode"] == without_dv[:4] + modulo11(without_dv, DV_GERAL) + without_dv[4:]
    assert (data["nosso_numero_dv"], data["fator_vencimento"]) == ("4", "3770")
    back = cli("boleto", "decode", data["linha_digitavel"], "--reference-date", "2008-01-20", "--json")
    assert back.exit_code == 0, back.output
    decoded = json.loads(back.output)
    assert (decoded["barcode"], decoded["vencimento"], decoded["valor"]) == (data["barcode"], "2008-02-02", "135.00")
