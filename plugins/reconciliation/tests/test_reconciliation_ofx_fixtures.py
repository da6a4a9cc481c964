"""Every OFX fixture parses with the right number of lines and the right balance (counted by hand
from the files: `grep -c '<STMTTRN>'`, the `<BALAMT>` of `<LEDGERBAL>`, the sum of the `<TRNAMT>`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from plugins.reconciliation.ofx import parse_ofx

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"

# file: [(bank_id, branch_id, account_id, type, balance, balance_date, lines, sum of amounts)], warnings
EXPECTED = {
    "bb_2017_two_stmtrs_crlf_cp1252.ofx": (
        [("001", "", "455000-5", "CHECKING", D("0.00"), date(2017, 3, 29), 0, D("0")),
         ("001", "", "655000-2", "CHECKING", D("4555.28"), date(2017, 3, 29), 36, D("-3648.66"))], 0),
    "caixa_2022_blank_amount_saldo_dia.ofx": (
        [("0104", "", "0000000000001", "CHECKING", D("0.00"), date(2022, 4, 12), 0, D("0"))], 1),
    "inter_2021_like_duplicate_fitid.ofx": (
        [("077", "0001-9", "12345678", "CHECKING", D("7.47"), date(2021, 2, 1), 12, D("49.08"))], 0),
    "itau_2014_anon_crlf.ofx": (
        [("0341", "", "9999 99999-9", "CHECKING", D("-9999.99"), date(2014, 3, 4), 3, D("-644.44"))], 0),
    "itau_2016_like_checking.ofx": (
        [("0341", "", "1000123456", "CHECKING", D("-972.65"), date(2016, 4, 21), 8, D("-158.12"))], 0),
    "nubank_cc_2018_memo_quotes.ofx": (
        [("", "", "99999999-9999-9999-9999-999999999999", "CREDITCARD", D("-734.05"), date(2018, 10, 13), 16,
          D("393.82"))], 0),
    "santander_2014_mixed_decimal_comma_crlf.ofx": (
        [("033", "", "9999999999999", "CHECKING", D("9999.99"), date(2014, 2, 3), 3, D("-566.66"))], 0),
}


def test_every_fixture_is_listed_with_its_bytes_intact():
    import hashlib
    import re

    assert sorted(p.name for p in FIXTURES.glob("*.ofx")) == sorted(EXPECTED)
    rows = re.findall(r"^\| `([a-z0-9_]+\.ofx)` \|.*\| ([0-9a-f]{64}) \|$", (FIXTURES / "PROVENANCE.md").read_text(), re.M)
    assert sorted(name for name, _sha in rows) == sorted(EXPECTED)
    for name, sha in rows:                      # CRLF and encodings are test data (.gitattributes: -text)
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == sha, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_with_the_right_lines_and_balance(name):
    accounts, warnings = EXPECTED[name]
    st = parse_ofx((FIXTURES / name).read_bytes(), name)
    got = [(a.bank_id, a.branch_id, a.account_id, a.type, a.balance, a.balance_date, len(a.transactions),
            sum((t.amount for t in a.transactions), D("0"))) for a in st.accounts]
    assert got == accounts
    assert len(st.warnings) == warnings, st.warnings
    for a in st.accounts:
        assert a.currency == "BRL"
        for t in a.transactions:
            assert t.amount == t.amount.quantize(D("0.01")) and t.amount.as_tuple().exponent == -2
            assert t.fitid


def test_bb_cp1252_trailing_spaces_and_first_last_lines():
    st = parse_ofx((FIXTURES / "bb_2017_two_stmtrs_crlf_cp1252.ofx").read_bytes(), "bb.ofx")
    assert st.encoding == "cp1252"
    txns = st.accounts[1].transactions
    assert (txns[0].date, txns[0].amount, txns[0].type) == (date(2017, 3, 1), D("13318.36"), "DEP")
    assert txns[-1].amount == D("-68.00")
    assert st.accounts[1].transactions[0].line > st.accounts[1].line > st.accounts[0].line


def test_caixa_blank_amount_is_skipped_with_a_warning_naming_the_line():
    st = parse_ofx((FIXTURES / "caixa_2022_blank_amount_saldo_dia.ofx").read_bytes(), "cef.ofx")
    assert st.accounts[0].transactions == []
    assert st.warnings == ["linha 42: lançamento sem valor ignorado (SALDO DIA): <TRNAMT>."]


def test_inter_latin1_one_decimal_amounts_and_repeated_fitids():
    st = parse_ofx((FIXTURES / "inter_2021_like_duplicate_fitid.ofx").read_bytes(), "inter.ofx")
    assert st.encoding == "cp1252"
    txns = st.accounts[0].transactions
    first_day = [t for t in txns if t.date == date(2021, 1, 4)]
    assert len(first_day) == 6 and {t.fitid for t in first_day} == {"04/01/2021077"}
    assert txns[0].memo == "PIX ENVIADO - Contraparte: 11111111-1-0001-PADARIA SÃO JOSÉ"
    assert (txns[0].amount, txns[0].checknum, txns[0].refnum) == (D("-30.00"), "077", "077")
    assert (txns[3].checknum, txns[3].refnum, txns[3].memo) == ("", "", "PAGAMENTO DE CONVENIO - Taxa Eleição")
    assert txns[1] != txns[2] and (txns[1].amount, txns[1].memo) == (txns[2].amount, txns[2].memo)


def test_santander_mixed_decimal_separators():
    st = parse_ofx((FIXTURES / "santander_2014_mixed_decimal_comma_crlf.ofx").read_bytes(), "s.ofx")
    assert [t.amount for t in st.accounts[0].transactions] == [D("-11.11"), D("-222.22"), D("-333.33")]
    assert st.accounts[0].transactions[0].memo == "DEBITO VISA ELECTRON BRASIL"


def test_nubank_credit_card_amounts_without_cents_and_quotes_in_memo():
    st = parse_ofx((FIXTURES / "nubank_cc_2018_memo_quotes.ofx").read_bytes(), "nu.ofx")
    txns = st.accounts[0].transactions
    assert {D("-140.00"), D("600.00"), D("-33.30")} <= {t.amount for t in txns}
    assert any('"' in t.memo for t in txns)


def test_itau_local_dates_and_checknum():
    st = parse_ofx((FIXTURES / "itau_2016_like_checking.ofx").read_bytes(), "itau.ofx")
    t = st.accounts[0].transactions[0]
    assert (t.fitid, t.checknum, t.date, t.memo) == ("20160401001", "20160401001", date(2016, 4, 1), "RSHOP-PADARIA -01/04")
