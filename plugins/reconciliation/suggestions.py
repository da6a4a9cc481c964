"""Suggestions ("Sugestões" / "Listagem de Sugestões" of the manual) for one statement line.

Candidates of a free CREDIT line (invoices of the bank account's company):

- open invoices ("aberta") with due date within ± `DAYS` (3) days of the line's date;
- settled invoices whose active full settlement (not reconciled yet) has its payment date within
  ± 3 days;

and a value within the manual's windows: pass "exata" = value ± R$ 0,10; pass "aproximada" = value
within ± 10 % of the statement's value ("aproximando o valor em 10% para mais ou para menos"). The
manual leaves the days of the first pass unnumbered ("+ ou - dias"): both passes use its ± 3 days.
Indexed: `receivables_invoice (due_date, total)` and `receivables_settlement (paid_on, amount)`.

Each candidate carries the reasons that made it one, stored (`Suggestion.reasons`, JSON) and returned:
"valor igual" / "diferença de R$ x", "mesma data" / "N dia(s) de diferença", the customer's CPF/CNPJ
found in the memo, the invoice number found in the memo, the boleto's nosso número found in the memo
(when `bank_profiles` is enabled). Ranked: pass "exata" first, then more evidence found in the memo,
smaller value difference, fewer days, lower invoice number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from core.errors import ValidationError
from core.ledger.models import Account
from core.money import format_brl, round_money
from core.parties.models import Party
from plugins.receivables.models import INVOICE_OPEN, INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from plugins.reconciliation.matching import reconciled_settlements
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import PASS_APPROX, PASS_EXACT, Suggestion

EXACT_TOLERANCE = Decimal("0.10")
APPROX_PERCENT = Decimal("10")
DAYS = 3


@dataclass
class InvoiceCandidate:
    """An open invoice (by due date) or an unreconciled settlement a credit line may match."""
    invoice_id: int
    number: int
    party_id: int
    settlement_id: int | None
    when: date
    amount: Decimal


def value_window(amount: Decimal) -> tuple[Decimal, Decimal]:
    """[low, high] of the candidate values for a statement value (the wider of ± R$ 0,10 and ± 10 %)."""
    spread = max(EXACT_TOLERANCE, round_money(abs(amount) * APPROX_PERCENT / 100))
    return amount - spread, amount + spread


def get_line(session: Session, line_id: int) -> StatementLine:
    line = session.get(StatementLine, int(line_id))
    if line is None or line.deleted:
        raise ValidationError(f"Lançamento do extrato {line_id} não encontrado.", field="line_id")
    return line


def _candidates(session: Session, line: StatementLine, company_id: int) -> list[InvoiceCandidate]:
    low, high = value_window(line.amount)
    first, last = line.posted_on - timedelta(days=DAYS), line.posted_on + timedelta(days=DAYS)
    # status and company checked here so the (due_date, total) index is the one used (see matching.py)
    out = [InvoiceCandidate(i, n, p, None, d, t) for i, n, p, d, t, status, cid in session.execute(
        select(Invoice.id, Invoice.number, Invoice.party_id, Invoice.due_date, Invoice.total, Invoice.status,
               Invoice.company_id)
        .where(Invoice.due_date.between(first, last), Invoice.total.between(low, high)))
        if status == INVOICE_OPEN and cid == company_id]
    out += [InvoiceCandidate(i, n, p, s, d, a) for i, n, p, s, d, a in session.execute(
        select(Invoice.id, Invoice.number, Invoice.party_id, Settlement.id, Settlement.paid_on, Settlement.amount)
        .join(Invoice, Invoice.id == Settlement.invoice_id)
        .where(Settlement.paid_on.between(first, last), Settlement.amount.between(low, high),
               Settlement.reversed.is_(False), Settlement.partial.is_(False), Settlement.company_id == company_id,
               Invoice.status == INVOICE_SETTLED, ~reconciled_settlements()))]
    return out


def _nosso_numeros(session: Session, invoice_ids: list[int], runtime) -> dict[int, int]:
    """invoice id ⇒ nosso número of its boleto, when bank_profiles is enabled."""
    if not invoice_ids or runtime is None or not runtime.plugins.is_enabled("bank_profiles"):
        return {}
    from plugins.bank_profiles.models import Boleto

    return dict(session.execute(select(Boleto.invoice_id, Boleto.nosso_numero)
                                .where(Boleto.invoice_id.in_(invoice_ids))).all())


def _number_in(number: int | str, text: str) -> bool:
    return re.search(rf"(?<!\d)0*{int(number)}(?!\d)", text) is not None


def _days_text(days: int, kind: str) -> str:
    if days == 0:
        return f"mesma data ({kind})"
    return f"{abs(days)} dia(s) {'depois' if days > 0 else 'antes'} d{kind}"


def document_reason(document: str | None, memo_digits: str, whose: str) -> str | None:
    """"CPF do cliente (…) no histórico" when the party's CPF/CNPJ stands in the memo's digits, else None."""
    doc = only_digits(document or "")
    if len(doc) in (11, 14) and doc in memo_digits:
        return f"{'CPF' if len(doc) == 11 else 'CNPJ'} {whose} ({document}) no histórico"
    return None


def reasons_for(line: StatementLine, found: InvoiceCandidate, *, document: str | None, nosso_numero: int | None) -> tuple[list, int]:
    """(reasons, evidence found in the memo) of one candidate."""
    diff = line.amount - found.amount
    days = (line.posted_on - found.when).days
    kind = "o vencimento" if found.settlement_id is None else "a baixa"
    reasons = ["valor igual" if not diff else
               f"diferença de {format_brl(abs(diff))} (extrato {'maior' if diff > 0 else 'menor'})",
               _days_text(days, kind)]
    memo = f"{line.memo} {line.payee}"
    digits, evidence = only_digits(memo), 0
    doc_reason = document_reason(document, digits, "do cliente")
    if doc_reason:
        reasons.append(doc_reason)
        evidence += 1
    if _number_in(found.number, memo):
        reasons.append(f"número da fatura {found.number} no histórico")
        evidence += 1
    if nosso_numero and _number_in(nosso_numero, memo):
        reasons.append(f"nosso número {nosso_numero} no histórico")
        evidence += 1
    return reasons, evidence


def suggest(session: Session, line_id: int, runtime=None) -> list[dict]:
    """Compute, store (replacing the line's previous ones) and return the ranked suggestions of a line
    (`runtime`: to look up nosso números when bank_profiles is enabled)."""
    line = get_line(session, line_id)
    session.execute(delete(Suggestion).where(Suggestion.line_id == line.id))
    if line.reconciliation_id is not None or line.amount == 0:
        return []
    if line.amount < 0:  # debit: faturas a pagar (payables enabled) and transfers (payables_match.py)
        from plugins.reconciliation.payables_match import debit_suggestions

        return debit_suggestions(session, line, runtime)
    company_id = session.get(Account, line.bank_account_id).company_id
    found = _candidates(session, line, company_id)
    parties = {pid: (name, document) for pid, name, document in session.execute(
        select(Party.id, Party.name, Party.document).where(Party.id.in_({f.party_id for f in found})))}
    nossos = _nosso_numeros(session, [f.invoice_id for f in found], runtime)
    scored = []
    for f in found:
        reasons, evidence = reasons_for(line, f, document=parties[f.party_id][1], nosso_numero=nossos.get(f.invoice_id))
        diff = line.amount - f.amount
        match_pass = PASS_EXACT if abs(diff) <= EXACT_TOLERANCE else PASS_APPROX
        days = (line.posted_on - f.when).days
        key = (match_pass != PASS_EXACT, -evidence, abs(diff), abs(days), f.number)
        scored.append((key, f, match_pass, diff, days, reasons))
    scored.sort(key=lambda item: item[0])
    out = []
    for rank, (_key, f, match_pass, diff, days, reasons) in enumerate(scored, start=1):
        row = Suggestion(line_id=line.id, invoice_id=f.invoice_id, settlement_id=f.settlement_id, rank=rank,
                         match_pass=match_pass, candidate_date=f.when, candidate_amount=f.amount, amount_diff=diff,
                         days=days, reasons=json.dumps(reasons, ensure_ascii=False))
        session.add(row)
        out.append((row, f))
    session.flush()
    from plugins.reconciliation.payables_match import transfer_suggestions

    return [suggestion_dict(row, f.number, parties[f.party_id][0]) for row, f in out] + \
        transfer_suggestions(session, line, first_rank=len(out) + 1)  # transfers entering the account


def suggestion_dict(row: Suggestion, number: int, party: str | None) -> dict:
    return {"id": row.id, "rank": row.rank, "pass": row.match_pass, "kind": "receber", "invoice_id": row.invoice_id,
            "invoice_number": number, "status": INVOICE_OPEN if row.settlement_id is None else INVOICE_SETTLED,
            "settlement_id": row.settlement_id, "customer": party, "date": row.candidate_date.isoformat(),
            "amount": str(row.candidate_amount), "amount_diff": str(row.amount_diff), "days": row.days,
            "reasons": json.loads(row.reasons)}


def stored_suggestions(session: Session, line_id: int) -> list[dict]:
    """The suggestions stored for a line (as `suggest` returned them), without recomputing."""
    from plugins.reconciliation.payables_match import stored_other_suggestions

    rows = session.execute(select(Suggestion, Invoice.number, Party.name)
                           .join(Invoice, Invoice.id == Suggestion.invoice_id)
                           .join(Party, Party.id == Invoice.party_id)
                           .where(Suggestion.line_id == int(line_id)).order_by(Suggestion.rank)).all()
    out = [suggestion_dict(row, number, name) for row, number, name in rows] + stored_other_suggestions(session, line_id)
    return sorted(out, key=lambda g: g["rank"])
