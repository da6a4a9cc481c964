"""Demo data of the reconciliation plugin (`quita demo`): a Banco do Brasil statement (OFX) of the
first demo company's bank account 1.1.02, from the first day of last month to yesterday, imported
through `import_statement` (which links the file's account to 1.1.02) and then the automatic
reconciliation — so the statement page shows reconciled lines and the suggestions of the others.

The statement is what the books say happened in that account, plus what the bank saw first:

- customer payments the operator had already registered: invoices (without boleto of another bank)
  settled into 1.1.02 one to four days before their due date — credits on the settlement dates,
  each with a (date, value) of its own, so the automatic pass reconciles them (rule 2);
- invoices whose (due date, value) is unique among the open ones, paid on the due date and not yet
  registered — the automatic pass settles and reconciles them (rule 1);
- PIX payments on the due date of invoices sharing their (due date, value) with others — ambiguous,
  stored with their suggestions (the customer's CPF/CNPJ in the memo ranks the right one first);
- late payments with fine and interest — no exact candidate, suggestions within ±10 %;
- the company's unidentified deposits (receivables demo), the payables demo's payments from 1.1.02
  (debits), bank fees and a couple of unrelated lines (investment redemption, a transfer).

The user rule "Tarifas bancárias" (`fee_rule`: debit, memo contains "TARIFA", up to R$ 100,00 ⇒
classified into 4.1.01) is created before the automatic pass, which reconciles the fee lines with it.

Runs after the payables demo (120): order 130.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import unit_of_work
from core.parties.rules import fold
from plugins.receivables.billing import add_months

BANK = "1.1.02"
CENTS = Decimal("0.01")
FILENAME = "extrato_bb_{start:%Y%m%d}_{end:%Y%m%d}.ofx"
SETTLED_SHARE, PIX_SHARE, LATE_SHARE = 0.45, 0.06, 0.03
MAX_PIX_LINES, MAX_LATE_LINES = 12, 6  # each of these lines stores ~100 suggestions


@dataclass(frozen=True)
class Txn:
    """One line of the generated statement (amount > 0: credit)."""

    posted_on: date
    amount: Decimal
    memo: str
    payee: str = ""


def _sgml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def statement_ofx(account, txns: list[Txn], *, start: date, end: date, balance: Decimal) -> bytes:
    """An OFX 1.02 SGML statement as Banco do Brasil sends it (CRLF, cp1252, element tags left open,
    `[-3:BRT]` dates, one FITID per line)."""
    head = ["OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII", "CHARSET:1252",
            "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", ""]
    body = ["<OFX>", "<SIGNONMSGSRSV1>", "<SONRS>", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>",
            f"<DTSERVER>{end:%Y%m%d}180000[-3:BRT]", "<LANGUAGE>POR", "</SONRS>", "</SIGNONMSGSRSV1>",
            "<BANKMSGSRSV1>", "<STMTTRNRS>", "<TRNUID>1", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>",
            "<STMTRS>", "<CURDEF>BRL", "<BANKACCTFROM>", f"<BANKID>{int(account.bank_code):04d}",
            f"<BRANCHID>{account.branch}-{account.branch_digit}",
            f"<ACCTID>{account.account_number}-{account.account_digit}", "<ACCTTYPE>CHECKING", "</BANKACCTFROM>",
            "<BANKTRANLIST>", f"<DTSTART>{start:%Y%m%d}", f"<DTEND>{end:%Y%m%d}"]
    for i, t in enumerate(sorted(txns, key=lambda t: t.posted_on), 1):
        body += ["<STMTTRN>", f"<TRNTYPE>{'CREDIT' if t.amount > 0 else 'DEBIT'}",
                 f"<DTPOSTED>{t.posted_on:%Y%m%d}120000[-3:BRT]", f"<TRNAMT>{t.amount:.2f}",
                 f"<FITID>{t.posted_on:%Y%m%d}{i:06d}", f"<CHECKNUM>{i:06d}", f"<MEMO>{_sgml(t.memo)}"]
        if t.payee:
            body.append(f"<NAME>{_sgml(t.payee)}")
        body.append("</STMTTRN>")
    body += ["</BANKTRANLIST>", "<LEDGERBAL>", f"<BALAMT>{balance:.2f}", f"<DTASOF>{end:%Y%m%d}", "</LEDGERBAL>",
             "</STMTRS>", "</STMTTRNRS>", "</BANKMSGSRSV1>", "</OFX>", ""]
    return "\r\n".join(head + body).encode("cp1252", errors="replace")


def _upper(text: str | None, size: int = 30) -> str:
    """Memo text as banks write it: upper case, no accents, cut to `size`."""
    return fold(text)[:size].strip()


def _invoices(s, runtime, company_id: int, start: date, end: date) -> list:
    """(invoice, party document, party name) of the company's open invoices due in the period, without
    a boleto of another bank (bank_profiles), in id order."""
    from core.parties.models import Party
    from plugins.receivables.models import INVOICE_OPEN, Invoice

    stmt = (select(Invoice, Party.document, Party.name).join(Party, Party.id == Invoice.party_id)
            .where(Invoice.company_id == company_id, Invoice.status == INVOICE_OPEN,
                   Invoice.due_date.between(start, end)).order_by(Invoice.id))
    if "bank_profiles" in runtime.config.enabled_plugins:
        from plugins.bank_profiles.models import Boleto

        stmt = stmt.where(Invoice.id.not_in(select(Boleto.invoice_id)))
    return s.execute(stmt).all()


def _unique_open_keys(s, company_id: int, start: date, end: date) -> set[tuple[date, Decimal]]:
    """(due date, total) keys held by exactly one open invoice of the company: rule 1 settles them."""
    from plugins.receivables.models import INVOICE_OPEN, Invoice

    return {(d, t) for d, t in s.execute(
        select(Invoice.due_date, Invoice.total).where(Invoice.company_id == company_id, Invoice.status == INVOICE_OPEN,
                                                      Invoice.due_date.between(start, end))
        .group_by(Invoice.due_date, Invoice.total).having(func.count() == 1))}


def _customer_payments(s, runtime, rnd: random.Random, user, company_id: int, bank_id: int, start: date,
                       end: date) -> tuple[list[Txn], int]:
    """The customers' credits of the statement and the settlements registered before it (count)."""
    from plugins.receivables.settlement_batch import SettleRequest, settle_invoices

    unique_open = _unique_open_keys(s, company_id, start, end)
    used: set[tuple[date, Decimal]] = set()
    txns, to_settle, pix, late = [], [], 0, 0
    for inv, document, name in _invoices(s, runtime, company_id, start, end):
        payer = _upper(name)
        key = (inv.due_date, inv.total)
        roll = rnd.random()
        if key in unique_open:  # paid on the due date, not registered yet: the automatic pass settles it
            txns.append(Txn(inv.due_date, inv.total, f"PIX RECEBIDO {payer}"))
            continue
        if roll < SETTLED_SHARE:
            days = [inv.due_date - timedelta(days=k) for k in (1, 2, 3, 4)]
            free = [d for d in days if max(inv.issue_date, start) <= d <= end and (d, inv.total) not in used]
            if free:
                paid_on = free[rnd.randrange(len(free))]
                used.add((paid_on, inv.total))
                to_settle.append(SettleRequest(inv.id, paid_on, inv.total))
                txns.append(Txn(paid_on, inv.total, f"PIX RECEBIDO {payer}"))
                continue
            roll = SETTLED_SHARE  # no day of its own: paid on the due date (ambiguous)
        if roll < SETTLED_SHARE + PIX_SHARE and pix < MAX_PIX_LINES and inv.due_date <= end:
            pix += 1
            txns.append(Txn(inv.due_date, inv.total, f"PIX RECEBIDO {document or ''} {payer}".replace("  ", " ")))
        elif roll < SETTLED_SHARE + PIX_SHARE + LATE_SHARE and late < MAX_LATE_LINES:
            on = inv.due_date + timedelta(days=rnd.randint(2, 3))
            if on <= end:
                late += 1
                days = (on - inv.due_date).days
                amount = (inv.total * (1 + Decimal("0.02") + Decimal("0.00033") * days)).quantize(CENTS)
                txns.append(Txn(on, amount, f"DEP DINHEIRO AG {rnd.randint(1000, 9999)} {payer}"))
    results = settle_invoices(s, to_settle, bank_account_id=bank_id, user=user, runtime=runtime,
                              description="Recebimentos por PIX (demonstração)") if to_settle else []
    refused = {(r.paid_on, r.amount) for r, res in zip(to_settle, results) if isinstance(res, Exception)}
    txns = [t for t in txns if (t.posted_on, t.amount) not in refused]  # (date, value) keys are unique here
    return txns, len(to_settle) - len(refused)


def _books_lines(s, runtime, company_id: int, bank_id: int, start: date, end: date) -> list[Txn]:
    """The account's other movements the bank also shows: manual entries (the kernel demo's month),
    unidentified deposits and the payments of supplier invoices (payables) from this account."""
    from core.ledger.models import JournalEntry, JournalLine
    from plugins.receivables.deposit_models import UnidentifiedDeposit

    out = [Txn(on, debit - credit, _upper(text, 60)) for on, debit, credit, text in s.execute(
        select(JournalLine.date, JournalLine.debit, JournalLine.credit, JournalEntry.description)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.account_id == bank_id, JournalEntry.origin_kind.is_(None),
               JournalLine.date.between(start, end)))]
    for on, amount, text in s.execute(select(UnidentifiedDeposit.deposited_on, UnidentifiedDeposit.amount,
                                             UnidentifiedDeposit.description).where(
            UnidentifiedDeposit.company_id == company_id, UnidentifiedDeposit.account_id == bank_id,
            UnidentifiedDeposit.deposited_on.between(start, end))):
        out.append(Txn(on, amount, _upper(text, 60)))
    if "payables" in runtime.config.enabled_plugins:
        from core.parties.models import Party
        from plugins.payables.models import PayableInstallment, PayableInvoice, PayableWriteOff

        for on, paid, name, doc in s.execute(
                select(PayableWriteOff.paid_on, PayableWriteOff.paid, Party.trade_name, PayableInvoice.document)
                .join(PayableInstallment, PayableInstallment.id == PayableWriteOff.installment_id)
                .join(PayableInvoice, PayableInvoice.id == PayableInstallment.invoice_id)
                .join(Party, Party.id == PayableInvoice.supplier_id)
                .where(PayableWriteOff.company_id == company_id, PayableWriteOff.cash_account_id == bank_id,
                       PayableWriteOff.reversed.is_(False), PayableWriteOff.paid_on.between(start, end))):
            out.append(Txn(on, -paid, f"PAGTO BOLETO {_upper(name, 24)} {doc or ''}".strip()))
    return out


def _bank_only_lines(rnd: random.Random, start: date, end: date) -> list[Txn]:
    """What only the bank knows yet: fees, an investment redemption, a transfer out."""
    out = []
    first = start
    while first <= end:
        out.append(Txn(first + timedelta(days=2) if first + timedelta(days=2) <= end else first,
                       Decimal("-89.90"), "TARIFA PACOTE DE SERVICOS"))
        first = add_months(first, 1)
    for _ in range(4):
        out.append(Txn(start + timedelta(days=rnd.randint(0, max(0, (end - start).days))), Decimal("-2.50"),
                       "TARIFA PIX ENVIADO"))
    mid = start + timedelta(days=(end - start).days // 2)
    out += [Txn(mid, Decimal("15000.00"), "RESGATE BB CDB DI"),
            Txn(mid + timedelta(days=1), Decimal("-12000.00"), "TED ENVIADA 341 0001 CONECTA NORTE TELECOM")]
    return out


FEE_RULE = "Tarifas bancárias"
FEE_ACCOUNT = "4.1.01"  # the kernel demo chart's "Tarifas bancárias" (expense)


def fee_rule(s, company_id: int, user=None):
    """The demo's user rule (rules.py): debits up to R$ 100,00 whose memo contains "TARIFA" are classified
    into 4.1.01. The ceiling keeps out the kernel demo's "Tarifas de cobrança" (R$ 412,30), already in
    the books: "classificar" would post it a second time. None when the chart has no 4.1.01."""
    from core.ledger.models import Account
    from plugins.reconciliation.rules import RuleFields, create_rule
    from plugins.reconciliation.rules_models import (ACTION_CLASSIFY, DIRECTION_DEBIT, TEXT_CONTAINS,
                                                     ReconciliationRule)

    found = s.scalar(select(ReconciliationRule).where(ReconciliationRule.company_id == company_id,
                                                      ReconciliationRule.name == FEE_RULE))
    if found is not None:
        return found
    fees = s.scalar(select(Account).where(Account.company_id == company_id, Account.code == FEE_ACCOUNT))
    if fees is None:
        return None
    return create_rule(s, company_id, RuleFields(
        name=FEE_RULE, action=ACTION_CLASSIFY, direction=DIRECTION_DEBIT, text_mode=TEXT_CONTAINS, text="TARIFA",
        amount_max=Decimal("100.00"), ledger_account_id=fees.id, description="Tarifa bancária"), user=user)


def load(runtime, rnd: random.Random, echo) -> dict:
    from core.ledger.models import Account
    from core.ledger.services import account_balance
    from core.models import Company, User
    from plugins.reconciliation.matching import reconcile_automatic
    from plugins.reconciliation.statement_import import import_statement
    from plugins.reconciliation.suggestions import stored_suggestions, suggest

    today = date.today()
    start, end = add_months(today, -1), today - timedelta(days=1)
    with unit_of_work(runtime.engine) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        bank = s.scalar(select(Account).where(Account.company_id == company_id, Account.code == BANK)) \
            if company_id is not None else None
        if bank is None or not bank.bank_code or end < start:
            echo(f"  conciliação: conta {BANK} de demonstração ausente; nenhum extrato importado")
            return {}
        user = s.scalar(select(User).where(User.username == "admin"))
        txns, settled = _customer_payments(s, runtime, rnd, user, company_id, bank.id, start, end)
        txns += _books_lines(s, runtime, company_id, bank.id, start, end) + _bank_only_lines(rnd, start, end)
        opening = account_balance(s, bank.id, until=start - timedelta(days=1))
        balance = opening + sum((t.amount for t in txns), Decimal("0.00"))
        data = statement_ofx(bank, txns, start=start, end=end, balance=balance)
        report = import_statement(s, data, FILENAME.format(start=start, end=end), bank_account_id=bank.id, user=user)
        fee_rule(s, company_id, user)  # "Tarifas bancárias": applied by the automatic pass after its rule 1
        auto = reconcile_automatic(s, bank, runtime=runtime, user=user)
        from plugins.reconciliation.matching import free_lines

        suggested = sum(1 for line in free_lines(s, bank.id, credits_only=True)
                        if stored_suggestions(s, line.id) or suggest(s, line.id, runtime))
        lines = report.results[0].import_row.new_lines
    payables = auto.payables + auto.payables_already  # supplier debits × payables write-offs (payables_match.py)
    echo(f"  conciliação: extrato OFX com {lines} lançamentos importado na conta {BANK}; {settled} faturas "
         f"liquidadas antes; {auto.settled + auto.already_settled + payables} conciliados automaticamente "
         f"({auto.settled} baixadas agora; {payables} pagamentos a fornecedores); {suggested} com sugestões; "
         f"{(auto.rules or {}).get('reconciled', 0)} tarifas classificadas pela regra «{FEE_RULE}»")
    return {"statement_lines": lines, "statement_settled_before": settled,
            "reconciled_automatically": auto.settled + auto.already_settled + payables,
            "reconciled_settled_now": auto.settled, "reconciled_payables": payables,
            "lines_with_suggestions": suggested, "reconciled_by_rules": (auto.rules or {}).get("reconciled", 0)}
