"""`quita boleto compute | decode | show` through the real command line (Typer's runner, a real
quita.toml pointing at the test database)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.tests.conftest import Factory
from plugins.bank_profiles.tests.cli_fixtures import ENABLED, bank_cli, bank_rt  # noqa: F401  (fixtures rt, cli)


# brcobranca's Itaú vector (spec/brcobranca/boleto/itau_spec.rb): carteira 175, 02/02/2008, R$ 135,00.
ITAU_BARCODE = "34191377000000135001751234567840810536789000"
ITAU_LINHA = "34191.75124 34567.840813 05367.890000 1 37700000013500"


def test_compute_in_the_issue_form_and_with_options(cli):
    out = cli("boleto", "compute", "--bank", "341", "agencia=0810", "conta=53678", "carteira=175",
              "nosso_numero=12345678", "valor=135.00", "vencimento=2008-02-02", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["barcode"], data["linha_digitavel"], data["nosso_numero_dv"], data["fator_vencimento"],
            data["nosso_numero"]) == (ITAU_BARCODE, ITAU_LINHA, "4", "3770", "175/12345678-4")
    out = cli("boleto", "compute", "--banco", "341", "--agencia", "0810", "--conta", "53678", "--carteira", "175",
              "--nosso-numero", "12345678", "--valor", "135,00", "--vencimento", "02/02/2008")
    assert out.exit_code == 0, out.output
    assert f"Linha digitável:  {ITAU_LINHA}" in out.output and "Nosso número:     175/12345678-4" in out.output
    assert "Valor:            R$ 135,00" in out.output


def test_compute_refusals_are_pt_br(cli):
    out = cli("boleto", "compute", "--banco", "341", "--agencia", "12345", "--conta", "53678", "--carteira", "175",
              "--nosso-numero", "1", "--valor", "99,90", "--vencimento", "2026-12-10")
    assert out.exit_code == 2
    assert "Erro: Banco 341 (Itaú): campo 'agencia' aceita no máximo 4 dígitos (veio '12345')." in out.output
    out = cli("boleto", "compute", "--banco", "341", "agencia=1", "conta=1", "carteira=175", "nosso_numero=1",
              "valor=99,90", "vencimento=31/02/2026")
    assert out.exit_code == 2 and "vencimento: data inválida '31/02/2026' (use aaaa-mm-dd ou dd/mm/aaaa)" in out.output
    out = cli("boleto", "compute", "--banco", "341", "agencia1234")
    assert out.exit_code == 2 and "argumento 'agencia1234': use campo=valor (ex.: agencia=1234)" in out.output
    out = cli("boleto", "compute", "--banco", "999", "valor=1", "vencimento=2026-12-10")
    assert out.exit_code == 2 and "Banco 999: sem perfil de boleto." in out.output


def test_decode_with_reference_date(cli):
    out = cli("boleto", "decode", ITAU_LINHA, "--referencia", "2008-01-15", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["banco"], data["valor"], data["vencimento"], data["barcode"]) == ("341", "135.00", "2008-02-02",
                                                                                   ITAU_BARCODE)
    out = cli("boleto", "decode", ITAU_BARCODE, "--reference-date", "2008-01-15")
    assert out.exit_code == 0 and "Vencimento:       02/02/2008 (fator 3770)" in out.output
    assert "Valor:            R$ 135,00" in out.output
    broken = ITAU_LINHA.replace("34191.75124", "34191.75125")
    out = cli("boleto", "decode", broken, "--referencia", "2008-01-15")
    assert out.exit_code == 2 and out.output.startswith("Erro: ")


def test_show_the_boleto_of_an_invoice(cli, rt):
    _company, (itau, sicoob), _contracts = seed(Factory, contracts=2, profiles=(ITAU, SICOOB), assign=[0, 1])
    run_billing(rt, "2026-12")
    with unit_of_work(readonly=True) as s:
        inv_itau = s.scalar(select(Boleto.invoice_id).where(Boleto.profile_id == itau))
        b = s.scalar(select(Boleto).where(Boleto.profile_id == sicoob))
        inv_sicoob, linha, pix = b.invoice_id, b.linha_digitavel, b.pix_brcode
    out = cli("boleto", "show", "--invoice", str(inv_sicoob), "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["profile"], data["nosso_numero"], data["linha_digitavel"], data["pix_brcode"]) == (
        "Sicoob 1 — ag. 3069 c/c 123456-7", 1, linha, pix)
    out = cli("boleto", "show", "--invoice", str(inv_itau))
    assert out.exit_code == 0 and "Itaú 109 — ag. 1234 c/c 56789-0" in out.output and "109/00000001-" in out.output
    out = cli("boleto", "show", "--invoice", "999999")
    assert out.exit_code == 2 and "Erro: fatura 999999 não existe" in out.output
