"""`parse_ofx(bytes, filename)`: an OFX statement as Brazilian banks send it → accounts + warnings.

ofxparse (0.21) is used behind this adapter, for what it does well — reading the statement
aggregates (`OfxParser.parseStmtrs` / `parseStatement` / `parseTransaction`: account ids, balances,
transactions, FITID, NAME, MEMO, CHECKNUM) — and kept away from what breaks on real files:

- decoding: `decoding.decode_ofx` decodes the bytes itself (ofxparse dies on `CHARSET:NONE`,
  `ENCODING:UTF8`, UTF-8 labelled 1252, OFX 2 with accents);
- pre-processing: `tree.build_tree` closes the SGML tags in one linear pass into an lxml tree
  (ofxparse's pre-processor is quadratic; BeautifulSoup is slow), handed to ofxparse as bs4-like
  nodes (`_Node`: `find`, `findAll`, `contents`);
- values: `_BrOfxParser` overrides ofxparse's amount and date readers with `values.parse_amount`
  (`-222,22`, `6000.000,00`, two places) and `values.parse_local_datetime` (local date kept).

A transaction with a blank amount is skipped with a warning naming its line; any other bad
transaction raises `OfxError` naming the file and line, in pt-BR.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ofxparse.ofxparse import AccountType, OfxParser

from plugins.reconciliation.ofx.decoding import decode_ofx
from plugins.reconciliation.ofx.tree import build_tree
from plugins.reconciliation.ofx.values import BlankAmount, parse_amount, parse_local_datetime

_OFX_START = re.compile(r"<OFX>", re.I)


class OfxError(ValueError):
    """A file that cannot be read as an OFX statement; the message names the file and the line."""

    def __init__(self, filename: str, message: str, line: int | None = None):
        self.filename, self.line, self.message = filename, line, message
        where = f"{filename}, linha {line}" if line else filename
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class OfxTransaction:
    fitid: str
    date: date
    amount: Decimal                 # two places; credit > 0, debit < 0
    type: str                       # TRNTYPE in upper case (CREDIT, DEBIT, PAYMENT, XFER…)
    memo: str
    payee: str                      # NAME
    checknum: str
    refnum: str
    line: int                       # line of <STMTTRN> in the file

    def as_json(self) -> dict:
        return {"fitid": self.fitid, "date": self.date.isoformat(), "amount": str(self.amount), "type": self.type,
                "memo": self.memo, "payee": self.payee, "checknum": self.checknum, "refnum": self.refnum}


@dataclass
class OfxAccount:
    bank_id: str
    branch_id: str
    account_id: str
    type: str                       # ACCTTYPE (CHECKING, SAVINGS…) or CREDITCARD
    currency: str
    balance: Decimal | None         # LEDGERBAL
    balance_date: date | None
    line: int                       # line of <STMTRS>/<CCSTMTRS>
    transactions: list[OfxTransaction] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"bank_id": self.bank_id, "branch_id": self.branch_id, "account_id": self.account_id,
                "type": self.type, "currency": self.currency,
                "balance": None if self.balance is None else str(self.balance),
                "balance_date": self.balance_date.isoformat() if self.balance_date else None,
                "transactions": [t.as_json() for t in self.transactions]}


@dataclass
class OfxStatement:
    filename: str
    encoding: str
    accounts: list[OfxAccount]
    warnings: list[str]

    def as_json(self) -> dict:
        return {"accounts": [a.as_json() for a in self.accounts], "warnings": list(self.warnings)}


class _Node:
    """The part of BeautifulSoup's Tag API that ofxparse's parse* methods use, over an lxml element."""

    __slots__ = ("el",)

    def __init__(self, el):
        self.el = el

    def find(self, name):
        for el in self.el.iterdescendants(name):   # bs4's find: first descendant in document order
            return _Node(el)
        return None

    def findAll(self, name):  # noqa: N802  (ofxparse's spelling)
        return [_Node(el) for el in self.el.iterdescendants(name)]

    find_all = findAll

    @property
    def contents(self) -> list[str]:
        return [self.el.text or ""]   # an empty <NAME>/<CHECKNUM>/<TRNTYPE> is "", not an ofxparse error

    @property
    def line(self) -> int:
        el = self.el
        while el.get("l") is None:     # leaves that messages never name carry no line (see tree.LINED)
            el = el.getparent()
        return int(el.get("l"))

    def text_of(self, name: str) -> str:
        node = self.find(name)
        return (node.el.text or "").strip() if node is not None else ""

    def __str__(self) -> str:
        return f"<{self.el.tag.upper()}> da linha {self.line}"


class _BrOfxParser(OfxParser):
    """ofxparse's statement parser with Brazilian amounts and local dates; never stops at the first
    bad transaction (`fail_fast = False`: the adapter explains each discarded one)."""

    fail_fast = False
    custom_date_format = None

    @classmethod
    def toDecimal(cls, tag):  # noqa: N802
        try:
            return parse_amount(tag.contents[0])
        except ValueError:
            raise decimal.InvalidOperation from None

    @classmethod
    def parseOfxDateTime(cls, ofxDateTime):  # noqa: N802,N803
        return parse_local_datetime(ofxDateTime)


def parse_ofx(data: bytes, filename: str = "extrato.ofx") -> OfxStatement:
    """Read `data` (the file's bytes). Raises OfxError (pt-BR, file and line) on a file it cannot trust."""
    if not data or not data.strip():
        raise OfxError(filename, "arquivo vazio")
    decoded = decode_ofx(data)
    m = _OFX_START.search(decoded.text)
    if m is None:
        raise OfxError(filename, "não é um arquivo OFX (falta a tag <OFX>)")
    first_line = decoded.text.count("\n", 0, m.start()) + 1
    root, tree_warnings = build_tree(decoded.text[m.start():], first_line=first_line)
    warnings = [*decoded.warnings, *tree_warnings]
    accounts = [_account(filename, _Node(el), warnings) for el in root.iter("stmtrs", "ccstmtrs")]
    if not accounts:
        raise OfxError(filename, "o arquivo não tem extrato de conta (<STMTRS>) nem de cartão (<CCSTMTRS>)")
    return OfxStatement(filename=filename, encoding=decoded.encoding, accounts=accounts, warnings=warnings)


def _account(filename: str, node: _Node, warnings: list[str]) -> OfxAccount:
    credit_card = node.el.tag == "ccstmtrs"
    parsed = _BrOfxParser.parseStmtrs([node], AccountType.CreditCard if credit_card else AccountType.Bank)[0]
    statement = parsed.statement
    balance = getattr(statement, "balance", None)
    balance_at = getattr(statement, "balance_date", None)
    account = OfxAccount(
        bank_id=parsed.routing_number or "", branch_id=parsed.branch_id or "", account_id=parsed.account_id or "",
        type="CREDITCARD" if credit_card else (parsed.account_type or "").upper(),
        currency=(parsed.curdef or "").upper(), balance=balance,
        balance_date=balance_at.date() if balance_at else None, line=node.line)
    if not account.account_id:
        raise OfxError(filename, "extrato sem o número da conta (<ACCTID>)", node.line)
    discarded = {id(entry["content"].el): entry for entry in statement.discarded_entries}
    kept = iter(statement.transactions)
    for txn_node in node.findAll("stmttrn"):
        if id(txn_node.el) in discarded:
            _explain_discarded(filename, txn_node, warnings)
            continue
        txn = next(kept)
        if not isinstance(txn.amount, Decimal):      # ofxparse turns a "null" amount into 0
            _explain_discarded(filename, txn_node, warnings)
            continue
        account.transactions.append(_transaction(filename, txn_node, txn))
    ledgerbal = node.find("ledgerbal")
    if ledgerbal is not None and balance is None and ledgerbal.find("balamt") is not None:
        warnings.append(f"linha {ledgerbal.find('balamt').line}: saldo (<BALAMT>) em branco ou inválido; "
                        "extrato sem saldo")
    return account


def _transaction(filename: str, node: _Node, txn) -> OfxTransaction:
    if txn.date is None:
        raise OfxError(filename, "lançamento sem data (<DTPOSTED>)", node.line)
    if not txn.id:
        raise OfxError(filename, "lançamento sem identificador (<FITID>)", node.line)
    return OfxTransaction(fitid=txn.id, date=txn.date.date(), amount=txn.amount, type=(txn.type or "").upper(),
                          memo=txn.memo or "", payee=txn.payee or "", checknum=txn.checknum or "",
                          refnum=node.text_of("refnum"), line=node.line)


def _explain_discarded(filename: str, node: _Node, warnings: list[str]) -> None:
    """Blank amount ⇒ warning (the line is skipped); anything else ⇒ OfxError naming the line."""
    amount = node.find("trnamt")
    if amount is None:
        raise OfxError(filename, "lançamento sem valor (<TRNAMT>)", node.line)
    try:
        parse_amount(amount.el.text)
    except BlankAmount:
        memo = node.text_of("memo")
        warnings.append(f"linha {amount.line}: lançamento sem valor ignorado"
                        f"{f' ({memo})' if memo else ''}: <TRNAMT>{(amount.el.text or '').strip()}")
        return
    except ValueError as exc:
        raise OfxError(filename, f"<TRNAMT>: {exc}", amount.line) from None
    posted = node.find("dtposted")
    if posted is None:
        raise OfxError(filename, "lançamento sem data (<DTPOSTED>)", node.line)
    try:
        parse_local_datetime(posted.el.text)
    except ValueError as exc:
        raise OfxError(filename, f"<DTPOSTED>: {exc}", posted.line) from None
    if not node.text_of("fitid"):
        raise OfxError(filename, "lançamento sem identificador (<FITID>)", node.line)
    raise OfxError(filename, "lançamento inválido", node.line)
