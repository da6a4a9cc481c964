"""The OFX adapter on the quirks of Brazilian banks (synthetic files, one quirk each) and on bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ofxparse import OfxParser

from plugins.reconciliation.bench import generate_ofx
from plugins.reconciliation.ofx import OfxError, parse_ofx
from plugins.reconciliation.tests.ofx_files import sgml, stmtrs, stmttrn

def one(text: str | bytes, name="x.ofx"):
    data = text.encode("cp1252") if isinstance(text, str) else text
    return parse_ofx(data, name)


@pytest.mark.parametrize("enc,cs", [("USASCII", "NONE"), ("UTF8", "NONE"), ("UTF-8", "NONE"),
                                    ("USASCII", "WINDOWS-1252"), ("UNICODE", "1252"), ("USASCII", "8859-1")])
def test_header_variants_that_break_ofxparse_are_read(enc, cs):
    st = one(sgml(stmtrs(stmttrn(memo="PAGTO CONCESSIONÁRIA")), enc=enc, cs=cs).encode("utf-8"))
    assert st.accounts[0].transactions[0].memo == "PAGTO CONCESSIONÁRIA"
    assert st.encoding == "utf-8"


def test_utf8_bytes_labelled_1252_are_read_as_utf8_with_a_warning():
    st = one(sgml(stmtrs(stmttrn(memo="SERVIÇOS Á VISTA"))).encode("utf-8"))
    assert st.accounts[0].transactions[0].memo == "SERVIÇOS Á VISTA"
    assert st.warnings == ["o arquivo declara CHARSET:1252, mas os bytes não são dessa codificação; lido como utf-8"]


def test_cp1252_bytes_declared_utf8_fall_back_to_cp1252():
    st = one(sgml(stmtrs(stmttrn(memo="AÇÃO")), enc="UTF-8").encode("cp1252"))
    assert st.accounts[0].transactions[0].memo == "AÇÃO" and st.encoding == "cp1252"


def test_bare_cr_line_ends_and_line_numbers():
    text = sgml(stmtrs(stmttrn(amount="   .  ", memo="SALDO DIA") + stmttrn(fitid="2")), nl="\r")
    st = one(text)
    assert len(st.accounts[0].transactions) == 1
    blank_line = text.split("\r").index("<TRNAMT>   .  ") + 1
    assert st.warnings == [f"linha {blank_line}: lançamento sem valor ignorado (SALDO DIA): <TRNAMT>."]


def test_ofx2_xml_with_accents():
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<?OFX OFXHEADER="200" VERSION="211" '
           'SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>'
           "<CURDEF>BRL</CURDEF><BANKACCTFROM><BANKID>237</BANKID><BRANCHID>0001</BRANCHID><ACCTID>999-1</ACCTID>"
           "<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT</TRNTYPE>"
           "<DTPOSTED>20260105</DTPOSTED><TRNAMT>1.234,56</TRNAMT><FITID>A 1: PIX</FITID>"
           "<NAME>José &amp; Filhos</NAME><MEMO>Transferência recebida</MEMO><MEMO/></STMTTRN></BANKTRANLIST>"
           "<LEDGERBAL><BALAMT>1234.56</BALAMT><DTASOF>20260105</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS>"
           "</BANKMSGSRSV1></OFX>")
    t = one(xml.encode("utf-8")).accounts[0].transactions[0]
    assert (t.amount, t.fitid, t.payee, t.memo) == (D("1234.56"), "A 1: PIX", "José & Filhos", "Transferência recebida")


def test_two_statements_in_one_file_and_a_credit_card_statement():
    cc = ("<CREDITCARDMSGSRSV1>\n<CCSTMTTRNRS>\n<TRNUID>1\n<CCSTMTRS>\n<CURDEF>BRL\n<CCACCTFROM>\n<ACCTID>abc-uuid\n"
          "</CCACCTFROM>\n<BANKTRANLIST>\n" + stmttrn(amount="-99,90", fitid="cc1") + "</BANKTRANLIST>\n<LEDGERBAL>\n"
          "<BALAMT>-99,90\n<DTASOF>20260131\n</LEDGERBAL>\n</CCSTMTRS>\n</CCSTMTTRNRS>\n</CREDITCARDMSGSRSV1>\n")
    text = sgml(stmtrs(stmttrn(), acctid="111") + stmtrs(stmttrn(fitid="2") + stmttrn(fitid="3"), acctid="222"))
    text = text.replace("</OFX>", cc + "</OFX>")
    st = one(text)
    assert [(a.account_id, a.type, len(a.transactions), a.balance) for a in st.accounts] == [
        ("111", "CHECKING", 1, D("100.00")), ("222", "CHECKING", 2, D("100.00")), ("abc-uuid", "CREDITCARD", 1, D("-99.90"))]


def test_missing_closing_tags_are_closed_with_a_warning():
    txns = stmttrn(fitid="1").replace("</STMTTRN>\n", "") + stmttrn(fitid="2", extra="<CHECKNUM>77\n")
    text = sgml(stmtrs(txns).replace("</BANKTRANLIST>\n", ""))
    st = one(text)
    got = [(t.fitid, t.checknum) for t in st.accounts[0].transactions]
    assert got == [("1", ""), ("2", "77")]            # the first line does not take the second's CHECKNUM
    assert st.accounts[0].balance == D("100.00")
    lines = text.split("\n")
    assert st.warnings == [f"linha {lines.index('<STMTTRN>', lines.index('<FITID>1')) + 1}: faltava </STMTTRN> antes de <STMTTRN>",
                           f"linha {lines.index('<LEDGERBAL>') + 1}: faltava </BANKTRANLIST> antes de <LEDGERBAL>"]


def test_empty_elements_are_empty_values():
    extra = "<NAME>\n<CHECKNUM></CHECKNUM>\n<REFNUM/>\n"
    text = sgml(stmtrs(stmttrn(extra=extra).replace("<TRNTYPE>DEBIT", "<TRNTYPE>").replace("<MEMO>TARIFA", "<MEMO>")))
    t = one(text).accounts[0].transactions[0]
    assert (t.type, t.payee, t.checknum, t.refnum, t.memo, t.amount) == ("", "", "", "", "", D("-10.00"))
    blank = one(sgml(stmtrs(stmttrn(amount="") + stmttrn(fitid="2") + stmttrn(amount="null", fitid="3"), balance="")))
    assert len(blank.accounts[0].transactions) == 1 and blank.accounts[0].balance is None
    assert [w.split(": ", 1)[1] for w in blank.warnings] == [
        "lançamento sem valor ignorado (TARIFA): <TRNAMT>", "lançamento sem valor ignorado (TARIFA): <TRNAMT>null",
        "saldo (<BALAMT>) em branco ou inválido; extrato sem saldo"]


@pytest.mark.parametrize("raw,value", [("-222,22", "-222.22"), ("6000.000,00", "6000000.00"), ("1,234.56", "1234.56"),
                                       ("+10", "10.00"), ("-30.0", "-30.00"), ("600", "600.00"), (" 7,47 ", "7.47")])
def test_amounts(raw, value):
    assert one(sgml(stmtrs(stmttrn(amount=raw)))).accounts[0].transactions[0].amount == D(value)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # bs4's findAll inside raw ofxparse
def test_dtserver_zeros_sonrq_and_local_dates():
    signon = "<SIGNONMSGSRQV1>\n<SONRQ>\n<DTCLIENT>00000000000000\n<USERID>x\n</SONRQ>\n</SIGNONMSGSRQV1>\n"
    text = sgml(stmtrs(stmttrn(posted="20260131220000[-3:BRT]") + stmttrn(fitid="2", posted="20260201000000[-03:00]")),
                signon=signon.replace("<DTCLIENT>", "<DTSERVER>"))
    txns = one(text).accounts[0].transactions
    assert [t.date for t in txns] == [date(2026, 1, 31), date(2026, 2, 1)]
    # ofxparse alone moves the 22:00 BRT posting to the next day (UTC):
    from io import BytesIO
    raw = OfxParser.parse(BytesIO(sgml(stmtrs(stmttrn(posted="20260131220000[-3:BRT]"))).encode()))
    assert raw.accounts[0].statement.transactions[0].date.date() == date(2026, 2, 1)


@pytest.mark.parametrize("amount,message", [
    ("12,3,4", "valor inválido: «12,3,4»"), ("-10.005", "valor com mais de duas casas decimais: «-10.005»"),
    ("abc", "valor inválido: «abc»")])
def test_bad_amount_is_an_error_naming_file_and_line(amount, message):
    text = sgml(stmtrs(stmttrn() + stmttrn(amount=amount, fitid="2")))
    line = text.split("\n").index(f"<TRNAMT>{amount}") + 1
    with pytest.raises(OfxError) as err:
        one(text, "extrato.ofx")
    assert str(err.value) == f"extrato.ofx, linha {line}: <TRNAMT>: {message}"


def test_bad_date_missing_fitid_and_not_ofx():
    text = sgml(stmtrs(stmttrn(posted="20261345")))
    with pytest.raises(OfxError, match=r"^x.ofx, linha \d+: <DTPOSTED>: data inválida: «20261345»$"):
        one(text)
    no_fitid = sgml(stmtrs(stmttrn().replace("<FITID>1\n", "")))
    with pytest.raises(OfxError, match=r"^x.ofx, linha \d+: lançamento sem identificador \(<FITID>\)$"):
        one(no_fitid)
    with pytest.raises(OfxError, match="^x.ofx: não é um arquivo OFX"):
        one(b"Data;Valor\n01/01/2026;10,00\n")
    with pytest.raises(OfxError, match="^x.ofx: o arquivo não tem extrato"):
        one(sgml(""))
    with pytest.raises(OfxError, match="^x.ofx: arquivo vazio"):
        one(b"  \n")


def test_generated_statement_parses_and_matches_its_balance():
    st = parse_ofx(generate_ofx(3000), "big.ofx")
    account = st.accounts[0]
    assert len(account.transactions) == 3000 and st.warnings == []
    assert sum(t.amount for t in account.transactions) == account.balance
    assert len({t.fitid for t in account.transactions}) == 3000
