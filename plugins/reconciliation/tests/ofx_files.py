"""Small synthetic OFX 1.02 SGML files for tests: `sgml(stmtrs(stmttrn(...) + ...))`."""

from __future__ import annotations

HEADER = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:{enc}\nCHARSET:{cs}\n"
          "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n")
SIGNON = "<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<DTSERVER>20260105\n</SONRS>\n</SIGNONMSGSRSV1>\n"


def stmttrn(amount="-10.00", fitid="1", posted="20260105", memo="TARIFA", extra=""):
    return (f"<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>{posted}\n<TRNAMT>{amount}\n<FITID>{fitid}\n"
            f"<MEMO>{memo}\n{extra}</STMTTRN>\n")


def stmtrs(txns: str, acctid="12345-6", balance="100,00", bank="341"):
    return (f"<STMTRS>\n<CURDEF>BRL\n<BANKACCTFROM>\n<BANKID>{bank}\n<BRANCHID>1234\n<ACCTID>{acctid}\n"
            f"<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n<DTSTART>20260101\n<DTEND>20260131\n{txns}"
            f"</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>{balance}\n<DTASOF>20260131\n</LEDGERBAL>\n</STMTRS>\n")


def sgml(statements: str, *, enc="USASCII", cs="1252", signon=SIGNON, nl="\n") -> str:
    text = (HEADER.format(enc=enc, cs=cs) + "<OFX>\n" + signon + "<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>1\n"
            + statements + "</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n")
    return text.replace("\n", nl)


def company_accounts(chart) -> dict[str, int]:
    """A company with the analytic accounts `(code, name, kind)` of `chart`: {code: id} (committed)."""
    from core.db import unit_of_work
    from core.models.company import Company
    from tests.worldkit import add_accounts

    with unit_of_work() as s:
        company = Company(code="1", name="Provedor", cnpj="00000000000191", uf="PE")
        s.add(company)
        s.flush()
        return add_accounts(s, company.id, chart)
