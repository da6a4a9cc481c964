"""Payment profile (perfil de pagamento) validation at save time, its label and the
`payment_profile_choices` hook; bank fields come from `boleto.banks` (widths, defaults)."""

from __future__ import annotations

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, create_profile
from plugins.receivables.tests.conftest import Factory


@pytest.fixture
def company_id(runtime):
    with unit_of_work() as s:
        return Factory(s).company().id


def _errors(company_id, **data):
    with unit_of_work() as s:
        with pytest.raises(ValidationError) as exc:
            create_profile(s, company_id, **data)
    return exc.value.errors


def test_valid_profiles_are_saved_with_their_label(runtime, company_id):
    from plugins.bank_profiles.profiles import profile_label

    with unit_of_work() as s:
        itau = create_profile(s, company_id, **ITAU)
        sicoob = create_profile(s, company_id, **SICOOB)
        assert profile_label(itau) == "Itaú 109 — ag. 1234 c/c 56789-0"
        assert profile_label(sicoob) == "Sicoob 1 — ag. 3069 c/c 123456-7"


def test_bank_required_fields_and_widths_named_in_pt_br(runtime, company_id):
    errors = _errors(company_id, **{**ITAU, "agencia": None, "conta": "123456"})
    assert errors["agencia"] == "O banco 341 (Itaú) exige o campo «Agência» (4 dígitos)."
    assert errors["conta"] == "«Conta» tem no máximo 5 dígitos no banco 341 (Itaú) (veio «123456»)."
    errors = _errors(company_id, **{**SICOOB, "codigo_beneficiario": "12A4567"})
    assert errors == {"codigo_beneficiario": "«Código do beneficiário» aceita só dígitos para o banco 756 (Sicoob) "
                                             "(veio «12A4567»)."}
    # Sicoob's carteira and modalidade have defaults (1 and 01): not required.
    with unit_of_work() as s:
        create_profile(s, company_id, **{**SICOOB, "carteira": None, "modalidade": None})
    # Sicredi asks posto and byte_idt.
    errors = _errors(company_id, name="Sicredi", banco="748", agencia="0165", codigo_beneficiario="00623",
                     nosso_numero_inicio=1, nosso_numero_fim=99999)
    assert set(errors) == {"posto", "byte_idt"}
    assert errors["posto"] == "O banco 748 (Sicredi) exige o campo «Posto» (2 dígitos)."


def test_bank_specific_rules_reach_the_form(runtime, company_id):
    errors = _errors(company_id, name="BB", banco="001", agencia="1234", conta="12345678", carteira="18",
                     convenio="12345", nosso_numero_inicio=1, nosso_numero_fim=99)
    assert errors == {"convenio": "Banco 001 (Banco do Brasil): convênio deve ter 4, 6, 7 ou 8 dígitos (veio '12345')."}
    errors = _errors(company_id, **{**ITAU, "banco": "999"})
    assert errors["banco"] == "O valor «999» não é uma opção válida para «Banco»."


def test_nosso_numero_range_must_be_sane(runtime, company_id):
    assert _errors(company_id, **{**ITAU, "nosso_numero_inicio": 500, "nosso_numero_fim": 100}) == {
        "nosso_numero_fim": "O fim da faixa do nosso número (100) é menor que o início (500)."}
    assert _errors(company_id, **{**ITAU, "nosso_numero_fim": 123_456_789}) == {
        "nosso_numero_fim": "O fim da faixa do nosso número (123456789) não cabe nos 8 dígitos do nosso número "
                            "do banco 341 (Itaú)."}
    assert _errors(company_id, **{**ITAU, "nosso_numero_inicio": 10, "nosso_numero_fim": 20,
                                  "nosso_numero_proximo": 21}) == {
        "nosso_numero_proximo": "O primeiro nosso número a usar (21) está fora da faixa 10 a 20."}


def test_pix_key_checked_with_the_pix_rules(runtime, company_id):
    errors = _errors(company_id, **{**SICOOB, "pix_chave": "11222333000180"})
    assert errors == {"pix_chave": "PIX: chave '11222333000180' inválida; use CPF ou CNPJ (com dígitos verificadores "
                                   "válidos), e-mail, telefone no formato +5511999998888 ou chave aleatória (UUID)."}
    with unit_of_work() as s:
        create_profile(s, company_id, **{**SICOOB, "pix_chave": "financeiro@provedor.com.br"})


def test_percentages_and_days(runtime, company_id):
    errors = _errors(company_id, **{**ITAU, "multa_percentual": "120", "protesto_dias": -1})
    assert errors == {"multa_percentual": "«Multa (%)» deve estar entre 0 e 100.",
                      "protesto_dias": "«Protestar após (dias)» não pode ser negativo."}


def test_hook_payment_profile_choices(runtime, company_id):
    """Active profiles of the contract's company, labelled; the receivables dialog gets them."""
    from plugins.receivables.contract_tools import payment_profile_options

    with unit_of_work() as s:
        other = Factory(s).company(code="2", cnpj="11444777000161").id
        itau = create_profile(s, company_id, **ITAU)
        sicoob = create_profile(s, company_id, **SICOOB)
        create_profile(s, company_id, **{**ITAU, "name": "Itaú antigo", "active": False})
        create_profile(s, other, **{**ITAU, "name": "Itaú da filial"})
    with unit_of_work(readonly=True) as s:
        found = runtime.hook.payment_profile_choices(session=s, company_id=company_id)
        assert [(sicoob.id, "Sicoob 1 — ag. 3069 c/c 123456-7"), (itau.id, "Itaú 109 — ag. 1234 c/c 56789-0")] \
            not in found  # ordered by name: Itaú first
        assert [(itau.id, "Itaú 109 — ag. 1234 c/c 56789-0"), (sicoob.id, "Sicoob 1 — ag. 3069 c/c 123456-7")] in found
        assert payment_profile_options(runtime, s, company_id)[:2] == [
            (itau.id, "Itaú 109 — ag. 1234 c/c 56789-0"), (sicoob.id, "Sicoob 1 — ag. 3069 c/c 123456-7")]
