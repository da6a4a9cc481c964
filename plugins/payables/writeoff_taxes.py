"""CSRF/IRRF of a service invoice at write-off ("Baixa de faturas de serviços").

The manual's formula, per tax:

    lançamento do imposto = (Valor da Fatura / (Total da Nota − Total das retenções)) × valor do imposto

"Valor da Fatura" is the part of the installment settled by this write-off (the whole installment
in a total write-off, the paid principal in a partial one); "Total da Nota" is the invoice's total;
the retentions are IRRF + PIS + COFINS + CSLL (CSRF = PIS + COFINS + CSLL). Each value is rounded
half up to centavos. The manual's worked example — note R$ 1.000,00, IRRF 20,00, PIS 6,50,
COFINS 30,00, CSLL 10,00, installment 140,02 — gives 3,00 / 0,97 / 4,50 / 1,50
(140,02 / 933,50 × 20,00 = 2,9999 ⇒ 3,00).

Each tax is posted through its "operação padrão" — a kernel histórico (`AccountingTemplate`) whose
code comes from `[plugins.payables] retention_template_codes` (defaults: the manual's numbers,
IRRF 105, PIS 100, COFINS 101, CSLL 102): debit the histórico's debit account, credit its credit
account. A tax the invoice retains whose histórico is missing, inactive or without both accounts
refuses the write-off with the manual's alert (`RETENTION_ALERT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import AccountingTemplate
from core.ledger.services import LineSpec
from core.money import ZERO, round_money

TAXES = (("irrf", "IRRF"), ("pis", "PIS"), ("cofins", "COFINS"), ("csll", "CSLL"))
RETENTION_ALERT = ("As operações padrões para as retenções de PIS, COFINS, IRRF e CSLL não estão devidamente "
                   "configuradas: a baixa não pode ser efetuada. Consulte o manual Operações Padrões.")


@dataclass(frozen=True)
class TaxPosting:
    tax: str            # irrf, pis, cofins, csll
    amount: Decimal
    debit_account_id: int
    credit_account_id: int


def proportional_tax(settled: Decimal, note_total: Decimal, retentions_total: Decimal, tax: Decimal) -> Decimal:
    """The manual's formula (module docstring), rounded half up to centavos."""
    base = note_total - retentions_total
    if base <= 0:
        raise ValidationError("As retenções devem somar menos que o valor total da nota.", field="irrf")
    return round_money(Decimal(settled) * Decimal(tax) / base)


def retention_amounts(invoice, settled: Decimal) -> dict[str, Decimal]:
    """{tax: value posted now} for the taxes the invoice retains (zero taxes left out)."""
    if not invoice.service_invoice:
        return {}
    retained = {k: getattr(invoice, k) or ZERO for k, _label in TAXES}
    total = sum(retained.values(), ZERO)
    if not total:
        return {}
    out = {k: proportional_tax(settled, invoice.total, total, v) for k, v in retained.items() if v}
    return {k: v for k, v in out.items() if v}


def tax_postings(session: Session, invoice, settled: Decimal, codes: dict[str, str]) -> list[TaxPosting]:
    """The tax postings of a write-off settling `settled` of `invoice`; refuses (RETENTION_ALERT,
    naming the missing operations) when a retained tax has no usable histórico."""
    amounts = retention_amounts(invoice, settled)
    postings, missing = [], []
    labels = dict(TAXES)
    for tax, amount in amounts.items():
        code = (codes or {}).get(tax)
        tpl = session.scalar(select(AccountingTemplate).where(AccountingTemplate.company_id == invoice.company_id,
                                                              AccountingTemplate.code == code)) if code else None
        if tpl is None or not tpl.active or not tpl.debit_account_id or not tpl.credit_account_id:
            missing.append(f"Retenção de {labels[tax]} ({code or 'sem código'})")
            continue
        postings.append(TaxPosting(tax, amount, tpl.debit_account_id, tpl.credit_account_id))
    if missing:
        raise ValidationError(f"{RETENTION_ALERT} Operação padrão ausente ou incompleta: {', '.join(missing)}.",
                              field="retentions")
    return postings


def tax_lines(postings: list[TaxPosting]) -> list[LineSpec]:
    """A debit/credit pair per tax (the histórico's accounts)."""
    lines: list[LineSpec] = []
    for p in postings:
        lines += [LineSpec.dr(p.debit_account_id, p.amount, memo=p.tax.upper()),
                  LineSpec.cr(p.credit_account_id, p.amount, memo=p.tax.upper())]
    return lines
