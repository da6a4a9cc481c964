""""Liquidar agora" of the avulsa insertion (painel-do-cliente, "Inserir conta avulsa": "se deseja
aplicar o status de liquidação nessa fatura assim que efetivar o lançamento da mesma"): the new
charge is invoiced alone (accrual D clientes / C receita) and settled at once (D banco / C
clientes) in the same unit of work; with replications only the first one. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.actions import run_action
from core.auth import create_user
from core.db import unit_of_work
from core.errors import ValidationError
from plugins.receivables import charge_tools as tools
from plugins.receivables.charge_tools import InsertParams
from plugins.receivables.models import Charge, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.receivables.tests.accrual_support import accrual_rt  # noqa: F401  (the `rt` fixture)
from plugins.receivables.tests.accrual_support import D, add_chart, balance, entries, open_total, trial



def _world(rt, factory):
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company = f.company()
        chart = add_chart(s, company.id)
        party = f.party("Ana")
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        s.flush()
        return company.id, party.id, chart, admin.id


def _user(rt, user_id):
    from core.models.users import User

    with unit_of_work(rt.engine, readonly=True) as s:
        user = s.get(User, user_id)
        s.expunge(user)
        return user


def _check_books(rt, company_id, owed: str, cash: str) -> None:
    assert open_total(rt, company_id) == D(owed)
    assert balance(rt, company_id, "1.1.03") == D(owed)  # clientes
    assert balance(rt, company_id, "1.1.01") == D(cash)  # caixa/banco debited
    tb = trial(rt, company_id)
    assert tb.total_debit == tb.total_credit and tb.total_closing == 0


def test_settle_now_service_invoices_and_settles_in_one_unit_of_work(rt, factory):
    company_id, party_id, chart, _ = _world(rt, factory)
    with unit_of_work(rt.engine) as s:
        (charge,) = tools.insert_manual_charges(s, party_id, InsertParams(
            description="Taxa de instalação", amount=D("150.00"), due_date=date(2026, 12, 10)))
        outcome = tools.settle_now(s, charge, bank_account_id=chart["1.1.01"], today=date(2026, 12, 5), runtime=rt)
        settlement_id, invoice_id = outcome.settlement.id, outcome.settlement.invoice_id
    with unit_of_work(rt.engine, readonly=True) as s:
        inv = s.get(Invoice, invoice_id)
        assert (inv.status, inv.total, inv.issue_date, inv.due_date) == (
            "liquidada", D("150.00"), date(2026, 12, 5), date(2026, 12, 10))
        assert s.scalar(select(Charge.status).where(Charge.invoice_id == invoice_id)) == "liquidada"
        st = s.get(Settlement, settlement_id)
        assert (st.paid_on, st.amount, st.method, st.bank_account_id) == (
            date(2026, 12, 5), D("150.00"), "profile_aguardando_conciliacao", chart["1.1.01"])
    _check_books(rt, company_id, "0.00", "150.00")
    assert balance(rt, company_id, "3.1.01") == -D("150.00")  # receita credited by the accrual
    kinds = [(e[3], e[1]) for e in entries(rt, company_id)]
    assert kinds[0] == ("receivables_invoice", date(2026, 12, 5))  # accrual first, then the settlement
    assert len(kinds) == 2 and kinds[1][1] == date(2026, 12, 5)


def test_settle_now_with_a_given_earlier_date_issues_and_settles_on_that_date(rt, factory):
    company_id, party_id, chart, _ = _world(rt, factory)
    with unit_of_work(rt.engine) as s:
        (charge,) = tools.insert_manual_charges(s, party_id, InsertParams(
            description="Venda de roteador", amount=D("89.90"), due_date=date(2026, 12, 10)))
        outcome = tools.settle_now(s, charge, paid_on=date(2026, 12, 1), bank_account_id=chart["1.1.01"],
                                   today=date(2026, 12, 5), runtime=rt)
        inv = s.get(Invoice, outcome.settlement.invoice_id)
        assert (inv.issue_date, outcome.settlement.paid_on) == (date(2026, 12, 1), date(2026, 12, 1))
    assert {e[1] for e in entries(rt, company_id)} == {date(2026, 12, 1)}
    _check_books(rt, company_id, "0.00", "89.90")


def test_settle_now_action_with_replications_settles_only_the_first(rt, factory):
    company_id, party_id, chart, admin_id = _world(rt, factory)
    admin = _user(rt, admin_id)
    result = run_action(rt, "receivables.charge.insert", [party_id],
                        {"description": "Parcelamento de equipamento", "amount": "100,00", "due_date": "10/12/2026",
                         "replications": "2", "interval_days": "30", "settle_now": "true",
                         "settle_method": "profile_aguardando_conciliacao",
                         "bank_account_id": str(chart["1.1.01"]), "confirmed": "true"}, admin)
    assert result.done == [party_id]
    with unit_of_work(rt.engine, readonly=True) as s:
        rows = s.execute(select(Charge.installment, Charge.status, Charge.invoice_id)
                         .where(Charge.party_id == party_id).order_by(Charge.due_date)).all()
        assert [(r[0], r[1]) for r in rows] == [(1, "liquidada"), (2, "aberta"), (3, "aberta")]
        assert rows[1][2] is None and rows[2][2] is None
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1
    _check_books(rt, company_id, "0.00", "100.00")


def test_settle_now_without_bank_account_is_refused_and_nothing_is_written(rt, factory):
    company_id, party_id, chart, admin_id = _world(rt, factory)
    admin = _user(rt, admin_id)
    with pytest.raises(ValidationError, match="Liquidar agora: informe a conta banco/caixa") as e:
        run_action(rt, "receivables.charge.insert", [party_id],
                   {"description": "Taxa de instalação", "amount": "150,00", "due_date": "10/12/2026",
                    "settle_now": "true", "confirmed": "true"}, admin)
    assert e.value.field == "bank_account_id"
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
    assert entries(rt, company_id) == []


def test_settle_now_future_date_and_bank_of_another_kind_are_refused(rt, factory):
    company_id, party_id, chart, _ = _world(rt, factory)
    with pytest.raises(ValidationError, match="a data de liquidação não pode ser futura \\(06/12/2026\\)"):
        with unit_of_work(rt.engine) as s:
            (charge,) = tools.insert_manual_charges(s, party_id, InsertParams(
                description="Taxa", amount=D("10.00"), due_date=date(2026, 12, 10)))
            tools.settle_now(s, charge, paid_on=date(2026, 12, 6), bank_account_id=chart["1.1.01"],
                             today=date(2026, 12, 5), runtime=rt)
    with pytest.raises(ValidationError, match="não é uma conta banco, caixa ou cofre"):
        with unit_of_work(rt.engine) as s:
            (charge,) = tools.insert_manual_charges(s, party_id, InsertParams(
                description="Taxa", amount=D("10.00"), due_date=date(2026, 12, 10)))
            tools.settle_now(s, charge, bank_account_id=chart["3.1.01"], today=date(2026, 12, 5), runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:  # the settlement's refusal undid the invoice too
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
    assert entries(rt, company_id) == []
