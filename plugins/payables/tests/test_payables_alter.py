"""Alterar Pagamento: in place under the protection date, relaunch (reversal + new entry) otherwise,
split cancelled by a new value or histórico, and every refusal of the manual."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit import history
from core.auth import create_user, ensure_role
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import AccountingTemplate, JournalEntry
from core.models.company import Company
from core.parties.models import Party
from plugins.payables.alter import APPROVED_ALERT, INTEGRATED_ALERT, PERM_ALTER_INTEGRATED, AlterRequest, alter_invoice
from plugins.payables.tests.payables_world import D, EMISSION, assert_books
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, invoice, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import BLOCKED_CARRIER_ALERT, WriteOffRequest, write_off
from tests.worldkit import entry_lines

PROTECT = date(2026, 11, 30)
ON = date(2026, 12, 1)


@pytest.fixture
def rt(make):
    return make()


def _protect(rt, ww, until=PROTECT):
    with unit_of_work(rt.engine) as s:
        s.get(Company, ww.w.company_id).protect_before = until


def _alter(rt, code, user=None, on=None, runtime=None, **fields):
    with unit_of_work(rt.engine) as s:
        r = alter_invoice(s, inst(s, code), AlterRequest(**fields), runtime=runtime or rt, user=user, on=on)
        return r.changed, r.relaunched, r.reversal_entry_id, r.entry_id


def _entries(s) -> int:
    return s.scalar(select(func.count()).select_from(JournalEntry))


def test_protected_launch_changes_due_date_note_and_buyer_in_place(rt):
    ww = seed_writeoff(rt.engine, rt)
    _protect(rt, ww)
    with unit_of_work(rt.engine) as s:
        buyer = Party(code=9, person_type="PF", name="Carlos Comprador", classification="funcionario", active=True)
        s.add(buyer)
        s.flush()
        buyer_id, entries, entry_id = buyer.id, _entries(s), invoice(s, ww).entry_id
    changed, relaunched, *_ = _alter(rt, 1, user=ww.w.admin, due_date=date(2026, 12, 20), note="Boleto reemitido",
                                     buyer_id=buyer_id)
    assert (changed, relaunched) == (["buyer_id", "due_date", "note"], False)
    with unit_of_work(rt.engine, readonly=True) as s:
        p, inv = inst(s, 1), invoice(s, ww)
        assert (p.due_date, p.note, inv.buyer_id) == (date(2026, 12, 20), "Boleto reemitido", buyer_id)
        assert (_entries(s), inv.entry_id, inv.launch_date) == (entries, entry_id, EMISSION)
        assert [a.action for a in history(s, "payables.invoice", inv.id)][0] == "alter"
        assert_books(s, ww.w)


def test_protected_launch_with_new_value_is_relaunched_and_the_split_cancelled(rt):
    seed_writeoff(rt.engine, rt)
    ww = seed_split(rt)
    _protect(rt, ww)
    with unit_of_work(rt.engine, readonly=True) as s:
        old_entry = invoice(s, ww).entry_id
    changed, relaunched, reversal_id, entry_id = _alter(rt, ww.codes[0], user=ww.w.admin, on=ON, amount="400,00")
    assert (changed, relaunched) == (["amount"], True)
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = invoice(s, ww)
        rev, new = s.get(JournalEntry, reversal_id), s.get(JournalEntry, entry_id)
        assert (rev.reversal_of_id, rev.date, new.date, inv.entry_id, inv.launch_date) == (old_entry, ON, ON, entry_id, ON)
        assert (inv.total, inv.net, [p.amount for p in inv.parcels]) == (
            D("1066.66"), D("1066.66"), [D("400.00"), D("333.33"), D("333.33")])
        assert [(x.account_id, x.amount) for x in inv.debit_splits] == [(ww.accounts["4.1.03"], D("1066.66"))]
        assert entry_lines(s, entry_id) == [("2.1.01", D("0.00"), D("1066.66")), ("4.1.03", D("1066.66"), D("0.00"))]
        assert entry_lines(s, reversal_id) == [(c, cr, d) for c, d, cr in entry_lines(s, old_entry)]
        assert_books(s, ww.w)


def seed_split(rt):
    """A second launch with the manual's split: 4.1.03 = 600,00 and 4.1.04 = 400,00."""
    from plugins.payables.launch import launch_invoice
    from plugins.payables.tests.payables_writeoff_world import WoWorld

    with unit_of_work(rt.engine) as s:
        w = _world(s)
        a = w.accounts
        inv = launch_invoice(s, w.request(category="Links", cash_flow_account_id=a["1.1.1.02"], document="4513",
                                          debit_splits=[(a["4.1.03"], "600,00"), (a["4.1.04"], "400,00")]),
                             runtime=rt, user=w.admin)
        return WoWorld(w, inv.id, [p.code for p in inv.parcels], None)


def _world(s):
    from core.auth import authenticate
    from core.ledger.models import Account
    from plugins.payables.tests.payables_world import World

    company = s.scalar(select(Company))
    accounts = {a.code: a.id for a in s.scalars(select(Account).where(Account.company_id == company.id))}
    tpl = s.scalar(select(AccountingTemplate).where(AccountingTemplate.code == "410"))
    supplier = s.scalar(select(Party).where(Party.code == 1))
    return World(company.id, supplier.id, accounts, {}, tpl.id, authenticate(s, "gerente", "senha-muito-forte-1"))


def test_unprotected_launch_is_relaunched_on_its_launch_date_even_for_the_due_date(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        old_entry, entries = invoice(s, ww).entry_id, _entries(s)
    changed, relaunched, reversal_id, entry_id = _alter(rt, 2, due_date=date(2027, 1, 10))
    assert (changed, relaunched) == (["due_date"], True)
    with unit_of_work(rt.engine, readonly=True) as s:
        rev, new = s.get(JournalEntry, reversal_id), s.get(JournalEntry, entry_id)
        assert (rev.reversal_of_id, rev.date, new.date, _entries(s)) == (old_entry, EMISSION, EMISSION, entries + 2)
        assert entry_lines(s, entry_id) == entry_lines(s, old_entry)
        assert inst(s, 2).due_date == date(2027, 1, 10)
        assert_books(s, ww.w)


def test_protected_launch_other_fields_relaunch_outside_the_protected_period(rt):
    ww = seed_writeoff(rt.engine, rt)
    _protect(rt, ww)
    with pytest.raises(ValidationError) as exc:  # the new entry can't go into the protected period
        _alter(rt, 1, document="9999", on=date(2026, 11, 20))
    assert exc.value.field == "on" and "protegidos" in str(exc.value)
    changed, relaunched, _rev, entry_id = _alter(rt, 1, document="9999", due_date=date(2026, 12, 20), on=ON)
    assert (changed, relaunched) == (["document", "due_date"], True)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert (invoice(s, ww).document, s.get(JournalEntry, entry_id).date) == ("9999", ON)
        assert_books(s, ww.w)


def test_new_template_changes_the_accounts_and_cancels_the_split(rt):
    ww = seed_split(_seeded(rt))
    with unit_of_work(rt.engine) as s:
        a = ww.accounts
        tpl = AccountingTemplate(company_id=ww.w.company_id, code="420", description="Aluguel de postes",
                                 debit_account_id=a["4.1.05"], credit_account_id=a["2.1.01"], active=True)
        s.add(tpl)
        s.flush()
        tpl_id = tpl.id
    with pytest.raises(ValidationError) as exc:
        _alter(rt, ww.codes[0], debit_account_id=ww.accounts["4.1.05"])
    assert "somente" not in str(exc.value) and "quando o histórico for alterado" in str(exc.value)
    changed, relaunched, _rev, entry_id = _alter(rt, ww.codes[0], template_id=tpl_id)
    assert (changed, relaunched) == (["template_id"], True)
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = invoice(s, ww)
        assert (inv.template_id, [(x.account_id, x.amount) for x in inv.debit_splits]) == (
            tpl_id, [(ww.accounts["4.1.05"], D("1000.00"))])
        assert entry_lines(s, entry_id) == [("2.1.01", D("0.00"), D("1000.00")), ("4.1.05", D("1000.00"), D("0.00"))]
        assert_books(s, ww.w)


def _seeded(rt):
    seed_writeoff(rt.engine, rt)
    return rt


def test_only_open_invoices_and_nothing_half_written(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 1), WriteOffRequest(paid_on=PAID_ON), runtime=rt)
    for code in (1, 2):  # the paid one and its sibling (the launch is partially paid)
        with pytest.raises(ValidationError) as exc:
            _alter(rt, code, note="x")
        assert 'somente faturas com o status "Em aberto" podem ser alteradas' in str(exc.value)
    ww2 = seed_split(rt)
    with pytest.raises(ValidationError) as exc:
        _alter(rt, ww2.codes[0], amount="0,00", note="não grava")
    assert exc.value.field == "amount"
    with pytest.raises(ValidationError, match="Nenhuma alteração"):
        _alter(rt, ww2.codes[0], note=None)
    with pytest.raises(ValidationError, match="anterior à emissão"):
        _alter(rt, ww2.codes[0], due_date=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="já é de outra parcela"):
        _alter(rt, ww2.codes[0], number="4513-2")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert inst(s, ww2.codes[0]).note is None
        assert_books(s, ww.w)


def test_integrated_invoices_need_the_permission(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        invoice(s, ww).integrated_from = "Entrada de compras 77"
        clerk = create_user(s, "joana", "senha-muito-forte-2", roles=["financeiro"])
        boss = create_user(s, "paulo", "senha-muito-forte-3", roles=["fiscal"])
        ensure_role(s, "fiscal", permissions=[PERM_ALTER_INTEGRATED])
    with unit_of_work(rt.engine, readonly=True) as s:
        from core.auth import authenticate

        clerk, boss = authenticate(s, "joana", "senha-muito-forte-2"), authenticate(s, "paulo", "senha-muito-forte-3")
    with pytest.raises(ValidationError) as exc:
        _alter(rt, 1, user=clerk, note="x")
    assert str(exc.value) == f"{INTEGRATED_ALERT} Fatura 1 gerada por: Entrada de compras 77."
    assert _alter(rt, 1, user=boss, note="x")[0] == ["note"]


def test_blocked_carriers_and_approved_invoices_cannot_be_altered(make):
    rt = make(blocked_carriers={"gerente": ["BB"]}, require_approval=True)
    ww = seed_writeoff(rt.engine, rt)
    with pytest.raises(ValidationError) as exc:  # choosing a blocked carrier
        _alter(rt, 1, user=ww.w.admin, carrier_id=ww.carrier_id)
    assert str(exc.value).startswith(BLOCKED_CARRIER_ALERT) and "BB - Banco do Brasil" in str(exc.value)
    _alter(rt, 1, carrier_id=ww.carrier_id)  # the command line (no login) is not blocked
    with pytest.raises(ValidationError, match="portadores bloqueados"):  # the invoice's carrier is blocked
        _alter(rt, 2, user=ww.w.admin, note="x")
    from core.model import utcnow

    with unit_of_work(rt.engine) as s:
        invoice(s, ww).approved_at = utcnow()
    with pytest.raises(ValidationError) as exc:
        _alter(rt, 1, note="x")
    assert str(exc.value) == f"{APPROVED_ALERT} Fatura 1."
    _alter(rt, 1, runtime=make(), note="x")  # without "Bloqueia faturas aprovadas"
