"""Faixa de cheques of the credit account (Baixar Pagamento, Nota): "Se a conta crédito selecionada
possuir alguma faixa de cheque cadastrada, o número informado no campo 'Nosso Número' deverá estar
dentro desta faixa de numeração, caso contrário, a fatura não será baixada." — the write-off
(individual, batch, preview) refuses on the field; accounts without ranges accept anything; the
ranges are a low-code document with its own checks."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.errors import ValidationError
from core.web.app import create_app
from plugins.payables.cheque_ranges import ChequeRange
from plugins.payables.tests.payables_writeoff_world import inst, make, rt, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, preview_writeoff, write_off, write_off_batch
from tests.browser.uisupport import login

RANGE_ALERT = ("O nosso número {n} está fora da faixa de cheques da conta crédito 1.1.1.02 - {name} (1001 a 1050, "
               "3001 a 3010): a fatura não será baixada.")


def test_nosso_numero_inside_the_credit_accounts_cheque_ranges(rt):
    ww = seed_writeoff(rt.engine, rt)
    bank, cash = ww.accounts["1.1.1.02"], ww.accounts["1.1.1.01"]
    with unit_of_work(rt.engine) as s:
        s.add_all([ChequeRange(company_id=ww.w.company_id, account_id=bank, first_number=1001, last_number=1050),
                   ChequeRange(company_id=ww.w.company_id, account_id=bank, first_number=3001, last_number=3010),
                   ChequeRange(company_id=ww.w.company_id, account_id=bank, first_number=5000, last_number=5999,
                               active=False)])
        from core.ledger.models import Account

        bank_name = s.get(Account, bank).name
    paid_on = date(2026, 12, 5)
    for number in ("2000", "5500", "CH-1010"):
        with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError) as exc:
            preview_writeoff(s, inst(s, 1), WriteOffRequest(paid_on=paid_on, our_number=number), runtime=rt)
        assert exc.value.field == "our_number"
        assert str(exc.value) == RANGE_ALERT.format(n=number, name=bank_name)
    with unit_of_work(rt.engine) as s, pytest.raises(ValidationError) as exc:  # the batch refuses it too
        write_off_batch(s, [(inst(s, 1), WriteOffRequest(paid_on=paid_on, our_number="1001")),
                            (inst(s, 2), WriteOffRequest(paid_on=paid_on, our_number="1051"))], runtime=rt)
    assert str(exc.value).startswith("Fatura 2: O nosso número 1051 está fora da faixa")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert inst(s, 1).status == "em_aberto"  # nothing written
    with unit_of_work(rt.engine) as s:
        assert write_off(s, inst(s, 1), WriteOffRequest(paid_on=paid_on, our_number="1050"), runtime=rt).our_number \
            == "1050"
        write_off(s, inst(s, 2), WriteOffRequest(paid_on=paid_on), runtime=rt)  # nothing informed: not checked
        # an account without ranges accepts any nosso número
        write_off(s, inst(s, 3), WriteOffRequest(paid_on=paid_on, our_number="ABC-9", cash_account_id=cash),
                  runtime=rt)


def test_cheque_range_document(rt):
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        for values, field in ((dict(first_number=0, last_number=10), "first_number"),
                              (dict(first_number=10, last_number=9), "last_number"),
                              (dict(first_number=1, last_number=9, account_id=ww.accounts["4.2.01"]), "account_id")):
            doc = ChequeRange(**{"company_id": ww.w.company_id, "account_id": ww.accounts["1.1.1.02"], **values})
            with pytest.raises(ValidationError) as exc:
                doc.validate(s)
            assert exc.value.field == field
    with TestClient(create_app(rt)) as client:
        login(client, "gerente", "senha-muito-forte-1")
        page = client.get("/doc/payables_cheque_range")
        assert page.status_code == 200 and "Faixas de cheques" in page.text
