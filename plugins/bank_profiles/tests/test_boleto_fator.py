"""Fator de vencimento, the 2025-02-22 reset, the second reset and decoding with a reference date.

Dates from /work/shared/reference/banks.md §2.3 (Itaú table quoted in eduardocereto/pyboleto
issue 75; brcobranca `calculo_data.rb`) and issue 4.
"""

from datetime import date, timedelta

import pytest

from plugins.bank_profiles.boleto.erros import ErroBoleto
from plugins.bank_profiles.boleto.fator import datas_do_fator, fator_vencimento, vencimento_do_fator


@pytest.mark.parametrize(
    "vencimento, fator",
    [
        (date(1997, 10, 7), 0),  # data-base
        (date(2000, 7, 3), 1000),
        (date(2000, 7, 4), 1001),  # brcobranca's example
        (date(2008, 2, 2), 3770),  # brcobranca Itaú vector '…1 37700000013500'
        (date(2025, 2, 20), 9998),  # Itaú table
        (date(2025, 2, 21), 9999),
        (date(2025, 2, 22), 1000),  # first reset
        (date(2025, 2, 23), 1001),
        (date(2029, 5, 20), 2548),  # brcobranca Itaú vector after the reset '…4 25480000675787'
        (date(2049, 10, 13), 9999),  # Itaú table: 9999 13/10/2049
        (date(2049, 10, 14), 1000),  # second reset
        (date(2074, 6, 4), 9999),
        (date(2074, 6, 5), 1000),  # third reset
        (date(2099, 12, 31), 1340),
    ],
)
def test_boleto_fator_vencimento(vencimento, fator):
    assert fator_vencimento(vencimento) == fator


def test_boleto_fator_always_four_digits_up_to_2100():
    dia = date(2000, 7, 3)
    while dia <= date(2100, 12, 31):
        assert 1000 <= fator_vencimento(dia) <= 9999, dia
        dia += timedelta(days=97)


def test_boleto_fator_before_base_date_is_refused():
    with pytest.raises(ErroBoleto, match="anterior à data-base"):
        fator_vencimento(date(1997, 10, 6))


@pytest.mark.parametrize(
    "fator, referencia, vencimento",
    [
        # 1001 is both 2000-07-04 and 2025-02-23 (issue 4): the reference decides
        (1001, date(2000, 6, 1), date(2000, 7, 4)),
        (1001, date(2025, 1, 10), date(2025, 2, 23)),
        (1001, date(2049, 9, 1), date(2049, 10, 15)),
        (9999, date(2025, 2, 21), date(2025, 2, 21)),
        (1000, date(2025, 2, 21), date(2025, 2, 22)),  # the day before the reset, a boleto for tomorrow
        (9999, date(2025, 2, 22), date(2025, 2, 21)),  # the day of the reset, yesterday's boleto
        (9999, date(2026, 11, 22), date(2025, 2, 21)),
        (9999, date(2049, 10, 13), date(2049, 10, 13)),
        (1000, date(2049, 10, 14), date(2049, 10, 14)),
        (1340, date(2099, 12, 1), date(2099, 12, 31)),
        # brcobranca's window example, today 2014-03-13 (fator 6001): oldest 3000, latest 2501
        (3000, date(2014, 3, 13), date(2005, 12, 24)),
        (2501, date(2014, 3, 13), date(2029, 4, 3)),
    ],
)
def test_boleto_vencimento_do_fator(fator, referencia, vencimento):
    assert vencimento_do_fator(fator, referencia) == vencimento


def test_boleto_fator_outside_febraban_window_is_refused_with_the_window():
    # on 2014-03-13 factor 2999 (2005-12-23) is one day too old and 2502 (2029-04-04) one too far
    with pytest.raises(ErroBoleto, match=r"janela de validade FEBRABAN de 24/12/2005 a 03/04/2029"):
        vencimento_do_fator(2999, date(2014, 3, 13))
    with pytest.raises(ErroBoleto, match="Fator de vencimento 2502"):
        vencimento_do_fator(2502, date(2014, 3, 13))


def test_boleto_fator_zero_means_no_due_date():
    assert vencimento_do_fator(0, date(2026, 1, 1)) is None


def test_boleto_fator_round_trip_every_day_with_itself_as_reference():
    dia = date(1997, 10, 8)
    while dia <= date(2100, 12, 31):
        assert vencimento_do_fator(fator_vencimento(dia), dia) == dia
        dia += timedelta(days=13)


def test_boleto_fator_out_of_range_is_refused():
    with pytest.raises(ErroBoleto, match="entre 0001 e 9999"):
        vencimento_do_fator(10000, date(2026, 1, 1))


def test_boleto_fator_1001_dates_in_every_cycle():
    assert datas_do_fator(1001, date(2080, 1, 1)) == [date(2000, 7, 4), date(2025, 2, 23), date(2049, 10, 15), date(2074, 6, 6)]
    assert datas_do_fator(999, date(2080, 1, 1)) == [date(2000, 7, 2)]  # factors below 1000 never come back
