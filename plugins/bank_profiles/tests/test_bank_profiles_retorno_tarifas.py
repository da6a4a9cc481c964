"""Tarifas of a retorno as expenses: one entry per import and credit date, D despesas bancárias /
C the profile's bank account; nothing twice (re-import, repeated occurrence); refusals before
anything is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import Account, JournalEntry
from core.ledger.services import account_balance
from core.runtime import bootstrap
from plugins.bank_profiles.retorno import importar_retorno, summary
from plugins.bank_profiles.retorno_models import RetornoImport
from plugins.bank_profiles.retorno_tarifas import ORIGIN_KIND
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.receivables.settlement_models import Settlement
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import (ACCOUNTS, ENABLED, ITAU_HEADER, liquidacao,
                                                                           world)  # noqa: F401
from tests.conftest import make_config
from tests.worldkit import entry_lines, runtime_maker

D = Decimal


def _runtime(database_url, **bank_profiles):
    return make_config(database_url, enabled=ENABLED,
                       plugin_settings={"receivables": ACCOUNTS, "bank_profiles": bank_profiles})


@pytest.fixture
def rt(database_url, request):
    settings = getattr(request, "param", {})
    with runtime_maker(bootstrap) as make:
        yield make(_runtime(database_url, **settings))


def _balances(company: int) -> tuple[Decimal, Decimal]:
    with unit_of_work(readonly=True) as s:
        ids = dict(s.execute(select(Account.code, Account.id).where(Account.company_id == company)).all())
        return account_balance(s, ids["4.1.01"]), account_balance(s, ids["1.1.1.02"])


def _import(rt, data: bytes, name: str) -> dict:
    with unit_of_work() as s:
        return summary(s, importar_retorno(s, data, name, runtime=rt))


def test_fees_become_one_entry_per_credit_date_and_nothing_is_posted_twice(rt, world):
    entrada = dict(nosso_numero=3, carteira=109, ocorrencia_codigo="02", data_ocorrencia=date(2026, 12, 2),
                   tarifa=D("0.80"))
    unknown = liquidacao(77, "10.00", tarifa="2.00")
    data = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "99.90", tarifa="1.75"),
                                                   unknown, entrada])
    report = _import(rt, data, "tarifas.ret")
    assert (report["liquidados"], report["nao_encontrados"], report["tarifas"], report["situacao"]) == (
        2, 1, "6.05", "concluida")
    assert len(report["lancamentos_tarifas"]) == 2
    with unit_of_work(readonly=True) as s:
        entries = s.scalars(select(JournalEntry).where(JournalEntry.origin_kind == ORIGIN_KIND)
                            .order_by(JournalEntry.date)).all()
        assert [(e.date, e.origin_id) for e in entries] == [(date(2026, 12, 2), report["id"]),
                                                            (date(2027, 1, 9), report["id"])]
        assert entries[1].description == "Tarifas bancárias do retorno tarifas.ret: 3 título(s)"
        assert entry_lines(s, entries[0].id) == [("1.1.1.02", D("0"), D("0.80")), ("4.1.01", D("0.80"), D("0"))]
        assert entry_lines(s, entries[1].id) == [("1.1.1.02", D("0"), D("5.25")), ("4.1.01", D("5.25"), D("0"))]
    by_nn = {int(i["nosso_numero"]): i for i in report["itens"]}
    assert by_nn[77]["resultado"] == "nao_encontrado" and by_nn[77]["tarifa_lancamento_id"] == entries[1].id
    assert by_nn[3]["tarifa_lancamento_id"] == entries[0].id
    expense, bank = _balances(world["company"])
    assert expense == D("6.05")
    assert bank == D("199.80") - D("6.05")  # two settlements in, the fees out

    # the same file again: refused, nothing posted; another file repeating an occurrence: no fee for it
    with pytest.raises(ValidationError), unit_of_work() as s:
        importar_retorno(s, data, "de-novo.ret", runtime=rt)
    again = _import(rt, build_retorno("itau_400", {**ITAU_HEADER, "nsa": 2}, [liquidacao(1, "99.90"), unknown]),
                    "repete.ret")
    assert [i["resultado"] for i in again["itens"]] == ["ja_aplicado", "nao_encontrado"]
    assert again["tarifas"] == "0.00" and again["lancamentos_tarifas"] == []
    assert _balances(world["company"]) == (expense, bank)


@pytest.mark.parametrize("rt", [{"tariff_expense_account_code": "9.9.99"}], indirect=True)
def test_a_missing_expense_account_refuses_the_file_before_anything_is_written(rt, world):
    data = build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90")])
    with pytest.raises(ValidationError) as exc, unit_of_work() as s:
        importar_retorno(s, data, "sem-conta.ret", runtime=rt)
    assert str(exc.value).startswith("A conta de despesas bancárias 9.9.99 ([plugins.bank_profiles] "
                                     "tariff_expense_account_code) não existe no plano de contas da empresa")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(RetornoImport)) == 0
        assert s.scalar(select(func.count()).select_from(Settlement)) == 0


@pytest.mark.parametrize("rt", [{"tariff_expense_account_code": "9.9.99"}], indirect=True)
def test_a_file_without_fees_needs_no_expense_account(rt, world):
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90", tarifa="0")]), "sem-tarifa.ret")
    assert report["liquidados"] == 1 and report["tarifas"] == "0.00"


@pytest.mark.parametrize("rt", [{"tariff_expense_account_code": ""}], indirect=True)
def test_an_empty_setting_records_the_fee_on_the_title_but_posts_nothing(rt, world):
    report = _import(rt, build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90")]), "sem-lancar.ret")
    assert report["liquidados"] == 1 and report["itens"][0]["tarifa"] == "1.50"
    assert report["tarifas"] == "0.00" and report["itens"][0]["tarifa_lancamento_id"] is None
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)
                        .where(JournalEntry.origin_kind == ORIGIN_KIND)) == 0
