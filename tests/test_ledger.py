"""Ledger basics: chart of accounts, journal entries, protection date, reversal, balances.

Every amount is a real figure in Decimal centavos; the suite runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text, update

from core.audit import history
from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account, AccountingTemplate, CostCentre, JournalEntry, JournalLine
from core.ledger.services import (LineSpec, account_balance, check_protection, entries_for_origin, list_entries,
                                  post_entry, post_from_template, reverse_entry, trial_balance)
from core.models.company import Company
from core.numbering import peek_next

D = Decimal


def add_company(session, code="01", cnpj="11222333000181", protect_before=None) -> Company:
    company = Company(code=code, name=f"Provedor {code} Ltda", cnpj=cnpj, protect_before=protect_before)
    session.add(company)
    session.flush()
    return company


def add_account(session, company, code, name, kind="other", *, synthetic=False, parent=None, **kw) -> Account:
    account = Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=synthetic,
                      parent_id=parent.id if parent is not None else None, active=kw.pop("active", True), **kw)
    account.validate(session)
    session.add(account)
    session.flush()
    return account


def build_chart(session, company) -> dict[str, Account]:
    """A small Brazilian chart: 1 Ativo > 1.1 Circulante > caixa, banco, clientes; 3 Receitas; 4 Despesas."""
    a = {}
    a["1"] = add_account(session, company, "1", "Ativo", "asset", synthetic=True)
    a["1.1"] = add_account(session, company, "1.1", "Ativo circulante", "asset", synthetic=True, parent=a["1"])
    a["caixa"] = add_account(session, company, "1.1.01", "Caixa geral", "cash", parent=a["1.1"])
    a["banco"] = add_account(session, company, "1.1.02", "Banco do Brasil c/c", "bank", parent=a["1.1"],
                             bank_code="001", branch="1234", branch_digit="5", account_number="98765",
                             account_digit="0")
    a["clientes"] = add_account(session, company, "1.1.03", "Clientes a receber", "receivable", parent=a["1.1"])
    a["3"] = add_account(session, company, "3", "Receitas", "revenue", synthetic=True)
    a["receita"] = add_account(session, company, "3.1", "Receita de internet", "revenue", parent=a["3"])
    a["4"] = add_account(session, company, "4", "Despesas", "expense", synthetic=True)
    a["descontos"] = add_account(session, company, "4.1", "Descontos concedidos", "discount", parent=a["4"])
    return a


@pytest.fixture
def books(runtime):
    """Two companies with their own charts; returns ids (objects are reloaded per unit of work)."""
    with unit_of_work(runtime.engine) as s:
        c1 = add_company(s, "01", "11222333000181")
        c2 = add_company(s, "02", "11444777000161")
        chart1 = build_chart(s, c1)
        chart2 = build_chart(s, c2)
        return {"c1": c1.id, "c2": c2.id,
                "a1": {k: v.id for k, v in chart1.items()}, "a2": {k: v.id for k, v in chart2.items()}}


def sale(a, amount="150.00"):
    return [LineSpec.dr(a["clientes"], amount), LineSpec.cr(a["receita"], amount)]


def count_entries(runtime) -> int:
    with unit_of_work(runtime.engine, readonly=True) as s:
        return s.execute(select(func.count()).select_from(JournalEntry)).scalar_one()


# --- posting --------------------------------------------------------------------------------------

def test_balanced_entry_is_posted_with_gapless_numbers_and_audit(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        e1 = post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Mensalidade novembro",
                        lines=sale(a, "99.90"), origin_kind="receivables.invoice", origin_id=77,
                        origin="Fatura 77")
        e2 = post_entry(s, company_id=books["c1"], date=date(2026, 11, 4), description="Recebimento em dinheiro",
                        lines=[LineSpec.dr(a["caixa"], "89.91"), LineSpec.dr(a["descontos"], "9.99"),
                               LineSpec.cr(a["clientes"], "99.90")])
        ids = (e1.id, e2.id)
    with unit_of_work(runtime.engine, readonly=True) as s:
        e1, e2 = s.get(JournalEntry, ids[0]), s.get(JournalEntry, ids[1])
        assert (e1.number, e2.number) == (1, 2)
        assert e1.total == D("99.90") and e2.total == D("99.90")
        assert [(ln.line_no, ln.account_id, ln.debit, ln.credit) for ln in e2.lines] == [
            (1, a["caixa"], D("89.91"), D("0.00")),
            (2, a["descontos"], D("9.99"), D("0.00")),
            (3, a["clientes"], D("0.00"), D("99.90")),
        ]
        assert all(ln.date == date(2026, 11, 4) and ln.company_id == books["c1"] for ln in e2.lines)
        assert [e.id for e in entries_for_origin(s, "receivables.invoice", 77)] == [ids[0]]
        audit = history(s, "ledger_entry", ids[0])
        assert [h.action for h in audit] == ["create"]
        assert audit[0].after["total"] == "99.90" and len(audit[0].after["lines"]) == 2
        assert account_balance(s, a["clientes"]) == D("0.00")
        assert account_balance(s, a["caixa"]) == D("89.91")
        assert account_balance(s, a["receita"]) == D("-99.90")


def test_unbalanced_entry_is_refused_with_both_totals_and_nothing_written(runtime, books):
    a = books["a1"]
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Venda",
                       lines=[LineSpec.dr(a["clientes"], "1234.56"), LineSpec.cr(a["receita"], "1234.55")])
    assert exc.value.field == "lines"
    assert str(exc.value) == ("Lançamento desbalanceado: a soma dos débitos (R$ 1.234,56) difere da soma "
                              "dos créditos (R$ 1.234,55).")
    assert count_entries(runtime) == 0
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert peek_next(s, kind="journal_entry", company_id=books["c1"]) == 1


@pytest.mark.parametrize("lines, field, fragment", [
    (lambda a: [LineSpec.dr(a["caixa"], "10.00")], "lines", "pelo menos duas linhas"),
    (lambda a: [LineSpec(a["caixa"], debit="10.00", credit="10.00"), LineSpec.cr(a["receita"], "0")],
     "lines.0.credit", "não ambos"),
    (lambda a: [LineSpec.dr(a["caixa"], "0,00"), LineSpec.cr(a["receita"], "0.00")],
     "lines.0.debit", "maior que zero"),
    (lambda a: [LineSpec.dr(a["caixa"], "-5.00"), LineSpec.cr(a["receita"], "-5.00")],
     "lines.0.debit", "negativo"),
    (lambda a: [LineSpec.dr(a["caixa"], 10.5), LineSpec.cr(a["receita"], "10.50")],
     "lines.0.debit", "float"),
    (lambda a: [LineSpec.dr(a["caixa"], D("10.005")), LineSpec.cr(a["receita"], D("10.005"))],
     "lines.0.debit", "mais de duas casas"),
    (lambda a: [LineSpec.dr(a["caixa"], "10.00"), LineSpec.cr(a["1.1"], "10.00")],
     "lines.1.account_id", "sintética"),
    (lambda a: [LineSpec.dr(999999, "10.00"), LineSpec.cr(a["receita"], "10.00")],
     "lines.0.account_id", "não encontrada"),
    (lambda a: [LineSpec.dr(a["caixa"], "10.00"), LineSpec.cr(0, "10.00")],
     "lines.1.account_id", "informe a conta contábil"),
])
def test_line_rules(runtime, books, lines, field, fragment):
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Teste",
                       lines=lines(books["a1"]))
    assert exc.value.field == field
    assert fragment in str(exc.value)
    assert count_entries(runtime) == 0


def test_synthetic_account_message_names_the_account(runtime, books):
    a = books["a1"]
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Teste",
                       lines=[LineSpec.dr(a["1"], "10.00"), LineSpec.cr(a["receita"], "10.00")])
    assert str(exc.value) == ("Linha 1: a conta 1 - Ativo é sintética e não recebe lançamentos; "
                              "escolha uma conta analítica.")


def test_inactive_account_and_foreign_cost_centre_are_refused(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        s.get(Account, a["caixa"]).active = False
        foreign = CostCentre(company_id=books["c2"], code="10", name="Rede")
        foreign.validate(s)
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id
    with pytest.raises(ValidationError, match="está inativa") as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Teste",
                       lines=[LineSpec.dr(a["caixa"], "1.00"), LineSpec.cr(a["receita"], "1.00")])
    assert exc.value.field == "lines.0.account_id"
    with pytest.raises(ValidationError, match="centro de custo") as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Teste",
                       lines=[LineSpec.dr(a["banco"], "1.00", cost_centre_id=foreign_id),
                              LineSpec.cr(a["receita"], "1.00")])
    assert exc.value.field == "lines.0.cost_centre_id"


def test_header_rules(runtime, books):
    a = books["a1"]
    cases = [
        (dict(company_id=books["c1"], date="2026-11-03", description="X"), "date"),
        (dict(company_id=books["c1"], date=date(2026, 11, 3), description="   "), "description"),
        (dict(company_id=424242, date=date(2026, 11, 3), description="X"), "company_id"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            with unit_of_work(runtime.engine) as s:
                post_entry(s, lines=sale(a), **kwargs)
        assert exc.value.field == field
    assert count_entries(runtime) == 0


def test_rolled_back_posting_consumes_no_number(runtime, books):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Desfeito",
                       lines=sale(books["a1"]))
            raise Boom()
    with unit_of_work(runtime.engine) as s:
        entry = post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Valendo",
                           lines=sale(books["a1"]))
        assert entry.number == 1


# --- multi-company --------------------------------------------------------------------------------

def test_companies_are_isolated(runtime, books):
    a1, a2 = books["a1"], books["a2"]
    with pytest.raises(ValidationError, match="pertence a outra empresa") as exc:
        with unit_of_work(runtime.engine) as s:
            post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Mistura",
                       lines=[LineSpec.dr(a1["caixa"], "10.00"), LineSpec.cr(a2["receita"], "10.00")])
    assert exc.value.field == "lines.1.account_id"
    with unit_of_work(runtime.engine) as s:
        e1 = post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Venda 1",
                        lines=sale(a1, "100.00"))
        e2 = post_entry(s, company_id=books["c2"], date=date(2026, 11, 3), description="Venda 2",
                        lines=sale(a2, "250.00"))
        e3 = post_entry(s, company_id=books["c2"], date=date(2026, 11, 4), description="Venda 3",
                        lines=sale(a2, "0.01"))
        assert (e1.number, e2.number, e3.number) == (1, 1, 2)
    with unit_of_work(runtime.engine, readonly=True) as s:
        tb1 = trial_balance(s, books["c1"], start=date(2026, 11, 1), end=date(2026, 11, 30))
        tb2 = trial_balance(s, books["c2"], start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert tb1.total_debit == D("100.00") and tb2.total_debit == D("250.01")
        assert {r.account_id for r in tb1.rows} <= set(a1.values())
        assert {r.account_id for r in tb2.rows} <= set(a2.values())
        assert list_entries(s, books["c1"])[1] == 1 and list_entries(s, books["c2"])[1] == 2


def test_same_account_code_in_two_companies_but_not_twice_in_one(runtime, books):
    with unit_of_work(runtime.engine, readonly=True) as s:
        codes = s.scalars(select(Account.company_id).where(Account.code == "1.1.01")).all()
        assert sorted(codes) == sorted([books["c1"], books["c2"]])
    with pytest.raises(ValidationError, match="Já existe conta contábil com o código 1.1.01") as exc:
        with unit_of_work(runtime.engine) as s:
            add_account(s, s.get(Company, books["c1"]), "1.1.01", "Outro caixa", "cash",
                        parent=s.get(Account, books["a1"]["1.1"]))
    assert exc.value.field == "code"


# --- protection date ------------------------------------------------------------------------------

def protect(runtime, company_id, until):
    with unit_of_work(runtime.engine) as s:
        s.get(Company, company_id).protect_before = until


def test_protection_date_refuses_entries_on_or_before_it(runtime, books):
    protect(runtime, books["c1"], date(2026, 10, 31))
    for day in (date(2026, 10, 15), date(2026, 10, 31)):
        with pytest.raises(ValidationError) as exc:
            with unit_of_work(runtime.engine) as s:
                post_entry(s, company_id=books["c1"], date=day, description="Retroativo", lines=sale(books["a1"]))
        assert exc.value.field == "date"
        assert str(exc.value) == (
            "Lançamentos anteriores ou iguais a 31/10/2026 estão protegidos (Proteger lançamentos anteriores a). "
            f"Data informada: {day.strftime('%d/%m/%Y')}.")
    assert count_entries(runtime) == 0
    with unit_of_work(runtime.engine) as s:
        entry = post_entry(s, company_id=books["c1"], date=date(2026, 11, 1), description="No prazo",
                           lines=sale(books["a1"]))
        assert entry.number == 1
        # the other company has no protection date
        post_entry(s, company_id=books["c2"], date=date(2026, 10, 15), description="Outra empresa",
                   lines=sale(books["a2"]))


def test_check_protection_for_plugins(runtime, books):
    protect(runtime, books["c1"], date(2026, 10, 31))
    with unit_of_work(runtime.engine, readonly=True) as s:
        check_protection(s, books["c1"], date(2026, 11, 1))
        check_protection(s, books["c2"], date(2000, 1, 1))
        with pytest.raises(ValidationError) as exc:
            check_protection(s, books["c1"], date(2026, 10, 31), field="due_date")
        assert exc.value.field == "due_date" and "31/10/2026" in str(exc.value)


# --- reversal -------------------------------------------------------------------------------------

def test_reversal_is_a_new_entry_dated_on_the_reversal_date(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        entry = post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Recebimento",
                           lines=[LineSpec.dr(a["banco"], "1234.56", memo="TED"),
                                  LineSpec.cr(a["clientes"], "1234.56")],
                           origin_kind="receivables.settlement", origin_id=9)
        entry_id = entry.id
    with unit_of_work(runtime.engine) as s:
        rev = reverse_entry(s, entry_id, on=date(2026, 11, 20), reason="Lançado em duplicidade")
        rev_id = rev.id
    with unit_of_work(runtime.engine, readonly=True) as s:
        original, rev = s.get(JournalEntry, entry_id), s.get(JournalEntry, rev_id)
        assert rev.date == date(2026, 11, 20) and rev.number == 2
        assert rev.reversal_of_id == entry_id and rev.reversal_reason == "Lançado em duplicidade"
        assert rev.description == "Estorno do lançamento 1: Recebimento"
        assert (rev.origin_kind, rev.origin_id) == ("receivables.settlement", 9)
        assert [(ln.account_id, ln.debit, ln.credit, ln.memo) for ln in rev.lines] == [
            (a["banco"], D("0.00"), D("1234.56"), "TED"), (a["clientes"], D("1234.56"), D("0.00"), None)]
        assert all(ln.date == date(2026, 11, 20) for ln in rev.lines)
        # the original is untouched
        assert original.date == date(2026, 11, 5) and original.lines[0].debit == D("1234.56")
        # balances: before the reversal date the money is in the bank; after, everything nets to zero
        assert account_balance(s, a["banco"], until=date(2026, 11, 19)) == D("1234.56")
        assert account_balance(s, a["banco"]) == D("0.00")
        assert account_balance(s, a["clientes"]) == D("0.00")
        assert account_balance(s, a["1"]) == D("0.00")
        assert [h.action for h in history(s, "ledger_entry", entry_id)] == ["ledger.entry.reverse", "create"]
        assert [e.id for e in entries_for_origin(s, "receivables.settlement", 9)] == [entry_id, rev_id]


def test_entry_can_be_reversed_only_once_and_a_reversal_cannot_be_reversed(runtime, books):
    with unit_of_work(runtime.engine) as s:
        entry = post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Venda",
                           lines=sale(books["a1"]))
        rev = reverse_entry(s, entry, on=date(2026, 11, 6))
        ids = entry.id, rev.id
    with pytest.raises(ValidationError, match="O lançamento 1 já foi estornado pelo lançamento 2"):
        with unit_of_work(runtime.engine) as s:
            reverse_entry(s, ids[0], on=date(2026, 11, 7))
    with pytest.raises(ValidationError, match="é o estorno do lançamento 1"):
        with unit_of_work(runtime.engine) as s:
            reverse_entry(s, ids[1], on=date(2026, 11, 7))
    with pytest.raises(ValidationError, match="não pode ser anterior") as exc:
        with unit_of_work(runtime.engine) as s:
            other = post_entry(s, company_id=books["c1"], date=date(2026, 11, 10), description="Outra",
                               lines=sale(books["a1"]))
            reverse_entry(s, other, on=date(2026, 11, 9))
    assert exc.value.field == "on"
    assert count_entries(runtime) == 2


def test_reversal_inside_protected_period_is_refused(runtime, books):
    with unit_of_work(runtime.engine) as s:
        entry_id = post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Venda",
                              lines=sale(books["a1"], "80.00")).id
    protect(runtime, books["c1"], date(2026, 11, 30))
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine) as s:
            reverse_entry(s, entry_id, on=date(2026, 11, 20))
    assert exc.value.field == "on"
    assert str(exc.value) == ("Lançamentos anteriores ou iguais a 30/11/2026 estão protegidos (Proteger "
                              "lançamentos anteriores a). Data informada: 20/11/2026.")
    assert count_entries(runtime) == 1
    # the original's date is protected, but a reversal dated after the protection date is allowed
    with unit_of_work(runtime.engine) as s:
        rev = reverse_entry(s, entry_id, on=date(2026, 12, 1))
        assert rev.date == date(2026, 12, 1)


def test_entries_cannot_be_deleted_or_changed(runtime, books):
    with unit_of_work(runtime.engine) as s:
        entry_id = post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Venda",
                              lines=sale(books["a1"])).id
    attempts = [
        lambda s: (s.delete(s.get(JournalEntry, entry_id)), s.flush()),
        lambda s: (s.delete(s.get(JournalEntry, entry_id).lines[0]), s.flush()),
        lambda s: (setattr(s.get(JournalEntry, entry_id), "description", "Outra"), s.flush()),
        lambda s: (setattr(s.get(JournalEntry, entry_id).lines[0], "debit", D("1.00")), s.flush()),
        lambda s: s.execute(delete(JournalLine).where(JournalLine.entry_id == entry_id)),
        lambda s: s.execute(update(JournalEntry).values(date=date(2026, 1, 1))),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="não podem ser (excluídos|alterados)"):
            with unit_of_work(runtime.engine) as s:
                attempt(s)
    with unit_of_work(runtime.engine, readonly=True) as s:
        entry = s.get(JournalEntry, entry_id)
        assert entry.description == "Venda" and entry.date == date(2026, 11, 5)
        assert [ln.debit for ln in entry.lines] == [D("150.00"), D("0.00")]


def test_database_refuses_a_second_reversal_even_without_the_service(runtime, books):
    """The unique reversal_of_id column is the last line of defence against double reversal."""
    from sqlalchemy.exc import IntegrityError

    with unit_of_work(runtime.engine) as s:
        entry = post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Venda",
                           lines=sale(books["a1"]))
        reverse_entry(s, entry, on=date(2026, 11, 6))
        entry_id = entry.id
    with pytest.raises(IntegrityError):
        with unit_of_work(runtime.engine) as s:
            s.add(JournalEntry(company_id=books["c1"], number=99, date=date(2026, 11, 7), description="x",
                               total=D("1.00"), reversal_of_id=entry_id))
            s.flush()


# --- balances and money exactness -----------------------------------------------------------------

def test_account_balance_until_and_synthetic_rollup(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        post_entry(s, company_id=books["c1"], date=date(2026, 10, 31), description="Saldo inicial",
                   lines=[LineSpec.dr(a["banco"], "5000.00"), LineSpec.cr(a["receita"], "5000.00")])
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 10), description="Saque para o caixa",
                   lines=[LineSpec.dr(a["caixa"], "700.35"), LineSpec.cr(a["banco"], "700.35")])
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 15), description="Faturamento",
                   lines=[LineSpec.dr(a["clientes"], "3210.99"), LineSpec.cr(a["receita"], "3210.99")])
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert account_balance(s, a["banco"], until=date(2026, 10, 30)) == D("0.00")
        assert account_balance(s, a["banco"], until=date(2026, 10, 31)) == D("5000.00")
        assert account_balance(s, a["banco"]) == D("4299.65")
        assert account_balance(s, a["caixa"]) == D("700.35")
        assert account_balance(s, a["1.1"]) == D("8210.99")
        assert account_balance(s, a["1"], until=date(2026, 11, 10)) == D("5000.00")
        assert account_balance(s, a["3"]) == D("-8210.99")


def test_trial_balance_with_opening_movement_and_rollup(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        post_entry(s, company_id=books["c1"], date=date(2026, 10, 31), description="Saldo anterior",
                   lines=[LineSpec.dr(a["banco"], "1000.00"), LineSpec.cr(a["receita"], "1000.00")])
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Mensalidades",
                   lines=[LineSpec.dr(a["clientes"], "449.70"), LineSpec.cr(a["receita"], "449.70")])
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 10), description="Recebimento com desconto",
                   lines=[LineSpec.dr(a["banco"], "439.70"), LineSpec.dr(a["descontos"], "10.00"),
                          LineSpec.cr(a["clientes"], "449.70")])
        post_entry(s, company_id=books["c1"], date=date(2026, 12, 1), description="Fora do período",
                   lines=[LineSpec.dr(a["caixa"], "5.00"), LineSpec.cr(a["receita"], "5.00")])
    with unit_of_work(runtime.engine, readonly=True) as s:
        tb = trial_balance(s, books["c1"], start=date(2026, 11, 1), end=date(2026, 11, 30))
    got = {r.code: (r.level, r.opening, r.debit, r.credit, r.closing) for r in tb.rows}
    assert [r.code for r in tb.rows] == ["1", "1.1", "1.1.02", "1.1.03", "3", "3.1", "4", "4.1"]
    assert got["1.1.02"] == (2, D("1000.00"), D("439.70"), D("0.00"), D("1439.70"))
    assert got["1.1.03"] == (2, D("0.00"), D("449.70"), D("449.70"), D("0.00"))
    assert got["1"] == (0, D("1000.00"), D("889.40"), D("449.70"), D("1439.70"))
    assert got["3.1"] == (1, D("-1000.00"), D("0.00"), D("449.70"), D("-1449.70"))
    assert got["4.1"] == (1, D("0.00"), D("10.00"), D("0.00"), D("10.00"))
    assert tb.total_debit == tb.total_credit == D("899.40")
    assert tb.total_opening == D("0.00") and tb.total_closing == D("0.00")
    with pytest.raises(ValidationError) as exc:
        with unit_of_work(runtime.engine, readonly=True) as s:
            trial_balance(s, books["c1"], start=date(2026, 11, 30), end=date(2026, 11, 1))
    assert exc.value.field == "end"


def test_money_is_exact_centavos(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        # 0.10 + 0.20 = 0.30 exactly (a float sum would be 0.30000000000000004)
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Centavos",
                   lines=[LineSpec.dr(a["caixa"], "0.10"), LineSpec.dr(a["caixa"], "0,20"),
                          LineSpec.cr(a["receita"], D("0.30"))])
        # 300 lines of R$ 0,01 against one of R$ 3,00
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 4), description="Muitos centavos",
                   lines=[LineSpec.dr(a["caixa"], "0.01") for _ in range(300)] + [LineSpec.cr(a["receita"], 3)])
        # large value
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 5), description="Grande",
                   lines=[LineSpec.dr(a["banco"], "98.765.432.109,87"), LineSpec.cr(a["receita"], "98765432109.87")])
    with unit_of_work(runtime.engine, readonly=True) as s:
        balance = account_balance(s, a["caixa"])
        assert balance == D("3.30") and isinstance(balance, Decimal) and balance.as_tuple().exponent == -2
        assert account_balance(s, a["banco"]) == D("98765432109.87")
        assert account_balance(s, a["receita"]) == D("-98765432113.17")
        raw = s.execute(text("SELECT debit, credit FROM ledger_entry_line WHERE account_id = :a ORDER BY id"),
                        {"a": a["caixa"]}).all()
        assert [tuple(int(v) for v in r) for r in raw[:2]] == [(10, 0), (20, 0)]  # integer centavos in the DB


# --- templates (históricos) and master data rules -------------------------------------------------

def test_post_from_template(runtime, books):
    from browser.uisupport import add_party

    a = books["a1"]
    party_id = add_party(runtime.engine, 1, "Maria da Silva")
    with unit_of_work(runtime.engine) as s:
        centre = CostCentre(company_id=books["c1"], code="10", name="Provedor")
        centre.validate(s)
        s.add(centre)
        s.flush()
        tpl = AccountingTemplate(company_id=books["c1"], code="101", description="Recebimento de mensalidade",
                                 credit_account_id=a["clientes"], cost_centre_id=centre.id)
        tpl.validate(s)
        s.add(tpl)
        s.flush()
        with pytest.raises(ValidationError) as exc:
            post_from_template(s, template=tpl, date=date(2026, 11, 3), amount="89.90")
        assert exc.value.field == "debit_account_id"
        with pytest.raises(ValidationError, match="pessoa 424242 não encontrada") as exc:
            post_from_template(s, template=tpl, date=date(2026, 11, 3), amount="89.90",
                               debit_account_id=a["banco"], party_id=424242)
        assert exc.value.field == "lines.0.party_id"
        entry = post_from_template(s, template=tpl.id, date=date(2026, 11, 3), amount="89.90",
                                   debit_account_id=a["banco"], party_id=party_id)
        assert entry.description == "Recebimento de mensalidade" and entry.template_id == tpl.id
        assert [(ln.account_id, ln.debit, ln.credit, ln.cost_centre_id, ln.party_id) for ln in entry.lines] == [
            (a["banco"], D("89.90"), D("0.00"), centre.id, party_id),
            (a["clientes"], D("0.00"), D("89.90"), centre.id, party_id)]


def test_template_and_account_validation(runtime, books):
    a1, a2 = books["a1"], books["a2"]
    with unit_of_work(runtime.engine) as s:
        c1 = s.get(Company, books["c1"])
        bad_templates = [
            (dict(debit_account_id=a1["1.1"], credit_account_id=a1["receita"]), "debit_account_id", "sintética"),
            (dict(debit_account_id=a1["caixa"], credit_account_id=a2["receita"]), "credit_account_id",
             "outra empresa"),
            (dict(debit_account_id=a1["caixa"], credit_account_id=a1["caixa"]), "credit_account_id", "diferentes"),
            (dict(), "debit_account_id", "ao menos"),
        ]
        for kwargs, field, fragment in bad_templates:
            tpl = AccountingTemplate(company_id=c1.id, code="1", description="Histórico", **kwargs)
            with pytest.raises(ValidationError, match=fragment) as exc:
                tpl.validate(s)
            assert exc.value.field == field
        parent_analytic = s.get(Account, a1["caixa"])
        with pytest.raises(ValidationError, match="é analítica") as exc:
            add_account(s, c1, "1.1.01.01", "Caixa loja", "cash", parent=parent_analytic)
        assert exc.value.field == "parent_id"
        with pytest.raises(ValidationError, match="agência") as exc:
            add_account(s, c1, "1.1.09", "Banco sem agência", "bank", parent=s.get(Account, a1["1.1"]),
                        bank_code="341")
        assert exc.value.field == "branch"
        with pytest.raises(ValidationError, match="código do banco") as exc:
            add_account(s, c1, "1.1.09", "Banco", "bank", bank_code="34", branch="1", account_number="2")
        assert exc.value.field == "bank_code"
        with pytest.raises(ValidationError, match="Código inválido") as exc:
            add_account(s, c1, "1..1", "Código ruim")
        assert exc.value.field == "code"
        with pytest.raises(ValidationError, match="outra empresa") as exc:
            add_account(s, c1, "9.1", "Filha de outra empresa", parent=s.get(Account, a2["1"]))
        assert exc.value.field == "parent_id"
    with pytest.raises(ValidationError, match="ciclo"):
        with unit_of_work(runtime.engine) as s:
            root = s.get(Account, a1["1"])
            root.parent_id = a1["1.1"]
            root.validate(s)
    with pytest.raises(ValidationError, match="agrupa outras contas") as exc:
        with unit_of_work(runtime.engine) as s:
            group = s.get(Account, a1["1.1"])
            group.is_synthetic = False
            group.validate(s)
    assert exc.value.field == "is_synthetic"


def test_used_account_cannot_become_synthetic_nor_be_deleted(runtime, books):
    a = books["a1"]
    with unit_of_work(runtime.engine) as s:
        post_entry(s, company_id=books["c1"], date=date(2026, 11, 3), description="Venda", lines=sale(a))
    with pytest.raises(ValidationError, match="já recebeu lançamentos") as exc:
        with unit_of_work(runtime.engine) as s:
            account = s.get(Account, a["receita"])
            account.is_synthetic = True
            account.validate(s)
    assert exc.value.field == "is_synthetic"
    with pytest.raises(ValidationError, match="possui lançamentos e não pode ser excluída"):
        with unit_of_work(runtime.engine) as s:
            s.delete(s.get(Account, a["receita"]))
            s.flush()
    with unit_of_work(runtime.engine) as s:  # an unused account can be deleted
        s.delete(s.get(Account, a["caixa"]))
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.get(Account, a["caixa"]) is None and s.get(Account, a["receita"]) is not None


def test_balance_of_an_unknown_account_is_a_clear_not_found(runtime):
    from core.errors import NotFound

    with unit_of_work(runtime.engine, readonly=True) as s:
        with pytest.raises(NotFound, match="Conta contábil 999999 não encontrada"):
            account_balance(s, 999999)
