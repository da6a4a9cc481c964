"""Nosso número drawn when an invoice is created (`on_invoice_created`): through the real billing
run, receivables' alteration tools and the "Trocar profile de pagamento" action — sequential per
profile, no gap, never reused; range exhausted rolls the creation back; plugin disabled (or its
setting off) ⇒ no boleto."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import ActionContext, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.numbering import peek_next
from core.runtime import bootstrap, set_current
from plugins.bank_profiles.assignment import COUNTER_KIND
from plugins.bank_profiles.boleto.calculo import calcular_boleto
from plugins.bank_profiles.boleto.codigo_barras import decodificar
from plugins.bank_profiles.boleto.pix import ler_brcode
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.models import INVOICE_OPEN, INVOICE_REMOVED, Charge, Invoice
from plugins.receivables.tests.conftest import Factory
from tests.conftest import make_config, truncate_all


@pytest.fixture
def factory():
    return Factory


def _boletos(s):
    return s.execute(select(Boleto.profile_id, Boleto.nosso_numero, Invoice.number, Invoice.status)
                     .join(Invoice, Invoice.id == Boleto.invoice_id).order_by(Boleto.profile_id, Boleto.nosso_numero)).all()


def _invoice_of_contract(s, contract_id, status=INVOICE_OPEN):
    return s.scalar(select(Invoice).join(Charge, Charge.invoice_id == Invoice.id)
                    .where(Charge.contract_id == contract_id, Invoice.status == status))


def test_billing_draws_sequential_numbers_per_profile_and_stores_the_boleto(runtime, factory):
    _company, (itau, sicoob), contracts = seed(factory, contracts=6, profiles=(ITAU, SICOOB),
                                               assign=[0, 1, 0, None, 1, 0])
    summary = run_billing(runtime, "2026-12", chunk_size=2)
    assert summary["invoices_created"] == 6
    with unit_of_work(readonly=True) as s:
        rows = _boletos(s)
        assert [(p, nn) for p, nn, _n, _st in rows] == [(itau, 1), (itau, 2), (itau, 3), (sicoob, 1), (sicoob, 2)]
        assert _invoice_of_contract(s, contracts[3]) is not None
        assert s.scalar(select(func.count()).select_from(Boleto).where(
            Boleto.invoice_id == _invoice_of_contract(s, contracts[3]).id)) == 0  # no profile, no boleto
        inv = _invoice_of_contract(s, contracts[0])
        b = s.scalar(select(Boleto).where(Boleto.invoice_id == inv.id))
        expected = calcular_boleto("341", {"agencia": "1234", "conta": "56789", "carteira": "109", "nosso_numero": 1},
                                   valor=inv.total, vencimento=inv.due_date)
        assert (b.codigo_barras, b.linha_digitavel, b.nosso_numero_formatado, b.valor, b.vencimento) == (
            expected.codigo_barras, expected.linha_formatada, "109/00000001-" + expected.nosso_numero_dv,
            Decimal("99.90"), date(2027, 1, 10))
        back = decodificar(b.linha_digitavel, date(2026, 12, 1))
        assert (back.banco, back.valor, back.vencimento) == ("341", Decimal("99.90"), date(2027, 1, 10))
        assert b.pix_brcode is None  # the Itaú profile has no PIX key
        hybrid = s.scalar(select(Boleto).where(Boleto.profile_id == sicoob, Boleto.nosso_numero == 1))
        pix = ler_brcode(hybrid.pix_brcode)
        assert (pix.chave, pix.valor) == ("11222333000181", Decimal("99.90"))
        assert peek_next(s, kind=COUNTER_KIND, company_id=_company, series=str(itau)) == 4


def test_alteration_draws_a_new_number_and_removal_never_gives_one_back(runtime, factory):
    from plugins.receivables import invoice_tools as tools

    company, (itau,), contracts = seed(factory, contracts=2)
    run_billing(runtime, "2026-12")
    with unit_of_work() as s:
        inv = _invoice_of_contract(s, contracts[0])
        ctx = ActionContext(session=s, user=None, runtime=runtime)
        new = tools.alter_due_date(s, inv, date(2027, 1, 20), ctx=ctx)
        first = s.scalar(select(Boleto).where(Boleto.invoice_id == new.id))
        assert (first.nosso_numero, first.vencimento) == (3, date(2027, 1, 20))  # 1 and 2 went to the billing
        newer = tools.alter_value(s, new, Decimal("89.90"), ctx=ctx)
        assert s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == newer.id)) == 4
        other = _invoice_of_contract(s, contracts[1])
        tools.remove_invoice(s, other, ctx=ctx)
    run_billing(runtime, "2027-01")  # the removed invoice's charge is billed again: a new number
    with unit_of_work(readonly=True) as s:
        rows = _boletos(s)
        numbers = [nn for _p, nn, _n, _st in rows]
        assert numbers == sorted(set(numbers)) == list(range(1, len(numbers) + 1))  # no gap, no reuse
        assert [(nn, st) for _p, nn, _n, st in rows][:4] == [(1, INVOICE_REMOVED), (2, INVOICE_REMOVED),
                                                             (3, INVOICE_REMOVED), (4, INVOICE_OPEN)]
        assert len(numbers) >= 6


def test_exhausted_range_rolls_the_creation_back(runtime, factory):
    from plugins.receivables import invoice_tools as tools

    company, (itau,), contracts = seed(factory, contracts=2, profiles=({**ITAU, "nosso_numero_inicio": 41,
                                                                        "nosso_numero_fim": 42},))
    run_billing(runtime, "2026-12")
    with unit_of_work(readonly=True) as s:
        assert [nn for _p, nn, _n, _st in _boletos(s)] == [41, 42]
        old_id = _invoice_of_contract(s, contracts[0]).id
        invoices = s.scalar(select(func.count()).select_from(Invoice))
    with pytest.raises(ValidationError) as exc:
        with unit_of_work() as s:
            ctx = ActionContext(session=s, user=None, runtime=runtime)
            tools.alter_due_date(s, s.get(Invoice, old_id), date(2027, 1, 20), ctx=ctx)
    assert str(exc.value) == ("A faixa de nosso número do perfil de pagamento «Itaú cobrança 109» acabou (último: 42); "
                              "amplie a faixa no cadastro do perfil antes de emitir a fatura 3.")
    with unit_of_work(readonly=True) as s:  # nothing half-written
        assert s.get(Invoice, old_id).status == INVOICE_OPEN
        assert s.scalar(select(func.count()).select_from(Invoice)) == invoices
        assert peek_next(s, kind=COUNTER_KIND, company_id=company, series=str(itau)) == 3
    with unit_of_work() as s:  # the operator widens the range: the next number is 43
        from core.doctype.service import update_doc

        update_doc(s, s.get(PaymentProfile, itau), {"nosso_numero_fim": 100})
        new = tools.alter_due_date(s, s.get(Invoice, old_id), date(2027, 1, 20),
                                   ctx=ActionContext(session=s, user=None, runtime=runtime))
        assert s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == new.id)) == 43


def test_exhausted_range_fails_the_billing_chunk(runtime, factory):
    seed(factory, contracts=3, profiles=({**ITAU, "nosso_numero_fim": 2},))
    summary = run_billing(runtime, "2026-12", chunk_size=10)
    assert summary["status"] == "failed" and summary["invoices_created"] == 0
    assert "A faixa de nosso número do perfil de pagamento «Itaú cobrança 109» acabou (último: 2)" in summary["error"]
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        assert s.scalar(select(func.count()).select_from(Boleto)) == 0


def test_range_start_cannot_move_after_the_first_boleto(runtime, factory):
    from core.doctype.service import update_doc

    _company, (itau,), _contracts = seed(factory, contracts=1)
    run_billing(runtime, "2026-12")
    with pytest.raises(ValidationError) as exc:
        with unit_of_work() as s:
            update_doc(s, s.get(PaymentProfile, itau), {"nosso_numero_inicio": 1000})
    assert exc.value.errors == {"nosso_numero_inicio": "Já há boletos emitidos por este perfil: «Nosso número: início "
                                                       "da faixa» não pode mudar (o nosso número nunca é reutilizado)."}


def test_change_payment_profile_action_recreates_with_the_new_profiles_number(runtime, factory):
    from core.auth import create_user

    _company, (itau, sicoob), contracts = seed(factory, contracts=1, profiles=(ITAU, SICOOB))
    run_billing(runtime, "2026-12")
    with unit_of_work() as s:
        user = create_user(s, "gerente", "senha-forte-123", is_admin=True)
    result = run_action(runtime, "receivables.contract.change_payment_profile", contracts,
                        {"payment_profile_id": str(sicoob), "confirmed": "1"}, user)
    assert result.done == contracts, result
    with unit_of_work(readonly=True) as s:
        assert [(p, nn, st) for p, nn, _n, st in _boletos(s)] == [(itau, 1, INVOICE_REMOVED), (sicoob, 1, INVOICE_OPEN)]
        assert _invoice_of_contract(s, contracts[0]).wallet == "Sicoob 1 — ag. 3069 c/c 123456-7"


@pytest.mark.parametrize("how", ["plugin_disabled", "setting_off"])
def test_no_assignment_when_disabled(database_url, factory, how):
    enabled = ["receivables"] if how == "plugin_disabled" else ["receivables", "bank_profiles"]
    settings = {"bank_profiles": {"assign_on_invoice_created": False}} if how == "setting_off" else None
    rt = bootstrap(make_config(database_url, enabled=enabled, plugin_settings=settings))
    try:
        seed(factory, contracts=2)
        summary = run_billing(rt, "2026-12")
        assert summary["invoices_created"] == 2
        with unit_of_work(readonly=True) as s:
            assert s.scalar(select(func.count()).select_from(Boleto)) == 0
    finally:
        truncate_all(rt.engine)
        set_current(None)
        rt.dispose()
