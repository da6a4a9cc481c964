"""Statement import on the real database: links asked once, dedup (same, overlapping, repeated and
positional FITIDs, identical lines), deleted lines restored, nothing written on error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.db import unit_of_work
from core.errors import ValidationError
from core.runtime import bootstrap
from plugins.reconciliation.models import AccountLink, StatementFile, StatementImport, StatementLine
from plugins.reconciliation.statement_import import (AccountChoiceNeeded, bank_account_by_code, delete_line,
                                                     import_statement)
from plugins.reconciliation.tests.ofx_files import company_accounts, sgml, stmtrs, stmttrn
from tests.conftest import make_config
from tests.worldkit import runtime_maker

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"
ENABLED = ["receivables", "reconciliation"]
CHART = (("1.1.1.01", "Banco Itaú", "bank"), ("1.1.1.02", "Banco Inter", "bank"), ("1.1.1.03", "Banco do Brasil", "bank"),
         ("1.1.2.01", "Caixa", "cash"), ("3.1.01", "Receita", "revenue"))


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED))


@pytest.fixture
def accounts(rt):
    return company_accounts(CHART)


def run(data: bytes | str, name="extrato.ofx", **kw) -> dict:
    data = data.encode("cp1252") if isinstance(data, str) else data
    with unit_of_work() as s:
        return import_statement(s, data, name, **kw).as_dict()


def counts(report: dict, index: int = 0) -> tuple[int, int, int]:
    a = report["accounts"][index]
    return a["new"], a["already_imported"], a["restored"]


def lines(bank_account_id: int, *, deleted=None) -> list:
    with unit_of_work(readonly=True) as s:
        stmt = select(StatementLine).where(StatementLine.bank_account_id == bank_account_id)
        if deleted is not None:
            stmt = stmt.where(StatementLine.deleted.is_(deleted))
        return list(s.scalars(stmt.order_by(StatementLine.id)))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_link_is_asked_once_then_reused_and_reimport_adds_nothing(accounts):
    data = fixture("itau_2016_like_checking.ofx")
    with pytest.raises(AccountChoiceNeeded) as err:
        run(data, "itau.ofx")
    assert str(err.value).startswith("itau.ofx: escolha a conta bancária (plano de contas) de banco 0341 conta 1000123456")
    first = run(data, "itau.ofx", bank_account_id=accounts["1.1.1.01"])
    assert counts(first) == (8, 0, 0) and first["accounts"][0]["linked_now"] is True
    assert first["accounts"][0]["bank_account"] == "1.1.1.01 - Banco Itaú"
    again = run(data, "itau.ofx")                          # the link answers now
    assert counts(again) == (0, 8, 0) and again["accounts"][0]["linked_now"] is False
    assert counts(run(data, "itau.ofx", bank_account_id=accounts["1.1.1.01"])) == (0, 8, 0)
    with pytest.raises(ValidationError, match=r"já estão vinculadas \(banco 0341 conta 1000123456 → 1.1.1.01 - "
                                              r"Banco Itaú\); a conta escolhida não é nenhuma delas"):
        run(data, "itau.ofx", bank_account_id=accounts["1.1.1.02"])
    with unit_of_work(readonly=True) as s:
        link = s.scalar(select(AccountLink))
        assert (link.bank_id, link.branch_id, link.account_id, link.bank_account_id) == (
            "341", "", "1000123456", accounts["1.1.1.01"])
        assert s.scalar(select(func.count()).select_from(StatementFile)) == 3
        imp = s.scalar(select(StatementImport).order_by(StatementImport.id))
        assert (imp.lines_in_file, imp.balance, imp.balance_date, imp.first_date, imp.last_date) == (
            8, D("-972.65"), date(2016, 4, 21), date(2016, 4, 1), date(2016, 4, 20))
        cents = s.execute(text("SELECT amount FROM reconciliation_statement_line ORDER BY id")).scalars().all()
    assert cents[:3] == [-2750, -842, 150000]
    stored = lines(accounts["1.1.1.01"])
    assert len(stored) == 8 and sum(line.amount for line in stored) == D("-158.12")
    assert (stored[0].fitid, stored[0].memo, stored[0].checknum, stored[0].posted_on) == (
        "20160401001", "RSHOP-PADARIA -01/04", "20160401001", date(2016, 4, 1))


def test_repeated_fitids_and_identical_lines_are_all_kept(accounts):
    bank = accounts["1.1.1.02"]
    data = fixture("inter_2021_like_duplicate_fitid.ofx")
    assert counts(run(data, bank_account_id=bank)) == (12, 0, 0)
    stored = lines(bank)
    cafe = [line for line in stored if "CAFÉ DA ESQUINA" in line.memo]
    assert len(cafe) == 2 and {line.occurrence for line in cafe} == {1, 2}
    assert len({line.fitid for line in stored if line.posted_on == date(2021, 1, 4)}) == 1
    assert counts(run(data)) == (0, 12, 0)


def test_overlapping_statement_adds_only_the_new_lines(accounts):
    bank = accounts["1.1.1.01"]
    a = sgml(stmtrs(stmttrn(fitid="D1", memo="PIX A") + stmttrn(fitid="D1", memo="PIX A") +
                    stmttrn(fitid="D1", memo="TARIFA", amount="-5,00")))
    b = sgml(stmtrs(stmttrn(fitid="D1", memo="PIX A") + stmttrn(fitid="D1", memo="PIX A") +
                    stmttrn(fitid="D1", memo="TARIFA", amount="-5,00") + stmttrn(fitid="D1", memo="PIX A") +
                    stmttrn(fitid="D2", posted="20260106", memo="PIX B")))
    assert counts(run(a, bank_account_id=bank)) == (3, 0, 0)
    assert counts(run(a)) == (0, 3, 0)
    assert counts(run(b)) == (2, 3, 0)          # the third identical "PIX A" of the day and "PIX B"
    assert counts(run(b)) == (0, 5, 0)
    assert len(lines(bank)) == 5


def test_positional_fitids_renumbered_by_the_next_export_are_not_duplicated(accounts):
    bank = accounts["1.1.1.01"]
    a = sgml(stmtrs(stmttrn(fitid="X-1", memo="PIX JOAO", amount="50,00") +
                    stmttrn(fitid="X-2", memo="PIX MARIA", amount="70,00")))
    b = sgml(stmtrs(stmttrn(fitid="X-1", memo="BOLETO", amount="-20,00") +
                    stmttrn(fitid="X-2", memo="PIX JOAO", amount="50,00") +
                    stmttrn(fitid="X-3", memo="PIX MARIA", amount="70,00")))
    assert counts(run(a, bank_account_id=bank)) == (2, 0, 0)
    assert counts(run(b)) == (1, 2, 0)
    assert sorted(line.memo for line in lines(bank)) == ["BOLETO", "PIX JOAO", "PIX MARIA"]


def test_two_equal_lines_with_distinct_fitids_are_two_lines(accounts):
    bank = accounts["1.1.1.01"]
    one_file = sgml(stmtrs(stmttrn(fitid="A1", memo="PIX 50") + stmttrn(fitid="A2", memo="PIX 50")))
    assert counts(run(one_file, bank_account_id=bank)) == (2, 0, 0)
    assert counts(run(one_file)) == (0, 2, 0)


def test_deleted_lines_come_back_when_the_file_is_uploaded_again(accounts):
    bank = accounts["1.1.1.02"]
    data = fixture("inter_2021_like_duplicate_fitid.ofx")
    run(data, bank_account_id=bank)
    cafe = [line.id for line in lines(bank) if "CAFÉ" in line.memo]
    with unit_of_work() as s:
        for line_id in cafe:
            delete_line(s, line_id)
    assert len(lines(bank, deleted=False)) == 10
    assert counts(run(data)) == (0, 10, 2)
    assert len(lines(bank, deleted=False)) == 12 and len(lines(bank)) == 12


def test_file_with_two_accounts_skips_the_empty_unlinked_one(accounts):
    report = run(fixture("bb_2017_two_stmtrs_crlf_cp1252.ofx"), "bb.ofx", bank_account_id=accounts["1.1.1.03"])
    empty, full = report["accounts"]
    assert (empty["bank_account"], empty["import_id"], empty["lines_in_file"]) == (None, None, 0)
    assert (full["bank_account"], full["new"], full["balance"]) == ("1.1.1.03 - Banco do Brasil", 36, "4555.28")


def test_a_file_without_lines_can_still_be_linked(accounts):
    report = run(fixture("caixa_2022_blank_amount_saldo_dia.ofx"), "cef.ofx", bank_account_id=accounts["1.1.1.03"])
    (account,) = report["accounts"]
    assert (account["bank_account"], account["linked_now"], account["new"], account["balance"]) == (
        "1.1.1.03 - Banco do Brasil", True, 0, "0.00")
    assert report["warnings"] == ["linha 42: lançamento sem valor ignorado (SALDO DIA): <TRNAMT>."]
    assert run(fixture("caixa_2022_blank_amount_saldo_dia.ofx"), "cef.ofx")["accounts"][0]["import_id"] is not None


def test_several_unlinked_accounts_need_one_choice_each(accounts):
    data = sgml(stmtrs(stmttrn(), acctid="111") + stmtrs(stmttrn(fitid="2"), acctid="222"))
    with pytest.raises(ValidationError, match="o arquivo tem 2 contas sem vínculo"):
        run(data, bank_account_id=accounts["1.1.1.01"])
    report = run(data, accounts={"111": accounts["1.1.1.01"], "222": accounts["1.1.1.02"]})
    assert [(a["bank_account"], a["new"]) for a in report["accounts"]] == [
        ("1.1.1.01 - Banco Itaú", 1), ("1.1.1.02 - Banco Inter", 1)]
    with pytest.raises(ValidationError, match=r"banco 341 agência 1234 conta 111 já está vinculada à conta 1.1.1.01"):
        run(data, accounts={"111": accounts["1.1.1.02"]})


def test_only_bank_accounts_and_nothing_written_on_error(accounts):
    data = sgml(stmtrs(stmttrn()))
    with pytest.raises(ValidationError, match="não é uma conta bancária"):
        run(data, bank_account_id=accounts["1.1.2.01"])
    bad = sgml(stmtrs(stmttrn() + stmttrn(amount="1,2,3", fitid="2")))
    with pytest.raises(ValidationError, match=r"^ruim.ofx, linha \d+: <TRNAMT>: valor inválido"):
        run(bad, "ruim.ofx", bank_account_id=accounts["1.1.1.01"])
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(StatementFile)) == 0
        assert s.scalar(select(func.count()).select_from(AccountLink)) == 0
    with unit_of_work(readonly=True) as s:
        assert bank_account_by_code(s, "1.1.1.01").id == accounts["1.1.1.01"]
        with pytest.raises(ValidationError, match="Conta bancária «9.9» não encontrada"):
            bank_account_by_code(s, "9.9")


def test_two_imports_of_the_same_file_at_once_store_each_line_once(accounts, is_postgres):
    import threading

    bank = accounts["1.1.1.01"]
    data = fixture("itau_2016_like_checking.ofx")
    with unit_of_work() as s:                   # the link exists
        s.add(AccountLink(bank_id="341", branch_id="", account_id="1000123456", bank_account_id=bank))
    outcome = {}

    def second():
        try:
            outcome["report"] = run(data)
        except ValidationError as exc:
            outcome["error"] = str(exc)

    with unit_of_work() as s:
        import_statement(s, data, "primeiro.ofx")
        other = threading.Thread(target=second)
        other.start()
        other.join(1.0)                         # the second one waits for the first (lock / unique index)
        assert other.is_alive()
    other.join(30)
    if is_postgres:                             # READ COMMITTED: it read before the commit, then hit the key
        assert outcome["error"].startswith("Outra importação de extrato da conta 1.1.1.01 - Banco Itaú gravou")
    else:                                       # SQLite: BEGIN IMMEDIATE queues the whole second import
        assert counts(outcome["report"]) == (0, 8, 0)
    assert len(lines(bank)) == 8
