"""After the launch: edit each installment's número, vencimento, valor, observação and portador
(manual: "Após a confirmação dos dados será possível alterar os campos: número, vencimento, valor,
observação e portador").

    edit_installments(session, invoice, [InstallmentEdit(sequence=1, amount="500,00"),
                                         InstallmentEdit(sequence=2, amount="500,00")], user=u)

All edits of one call are applied together and checked together: only invoices and installments
em aberto; the installments still add up to the invoice's value (net = total − discount); a due
date is not before the emission date; a número is 1–20 characters and unique in the invoice; the
carrier exists and is active. The launch's journal entry records the invoice's value, which an
edit cannot change, so the ledger stays right with no new entry (the supplier's balance still
equals the open installments). Each changed installment is audited (before/after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from core.audit import record, snapshot
from core.errors import ValidationError
from core.money import format_brl
from plugins.payables.launch import money_field, text_field
from plugins.payables.models import (STATUS_DELETED, STATUS_LABELS, STATUS_OPEN, Carrier, PayableInstallment,
                                     PayableInvoice)

UNSET = object()


@dataclass
class InstallmentEdit:
    """New values of one installment (by its sequence 1..N); UNSET fields stay as they are."""

    sequence: int
    number: object = UNSET
    due_date: object = UNSET
    amount: object = UNSET
    note: object = UNSET
    carrier_id: object = UNSET


def active_carrier(session: Session, carrier_id, field: str) -> int | None:
    if carrier_id is None:
        return None
    carrier = session.get(Carrier, int(carrier_id))
    if carrier is None or not carrier.active:
        raise ValidationError(f"Portador {carrier_id} não encontrado ou inativo.", field=field)
    return carrier.id


def _changes(session: Session, invoice: PayableInvoice, p: PayableInstallment, e: InstallmentEdit) -> dict:
    """The checked new values of one installment ({attribute: value}); changes nothing."""
    out: dict = {}
    where = f"parcels.{p.sequence}"
    if p.status != STATUS_OPEN:
        raise ValidationError(f"A parcela {p.sequence} (fatura {p.code}) está {STATUS_LABELS[p.status].lower()} e "
                              "não pode ser alterada.", field=where)
    if e.number is not UNSET:
        number = text_field(e.number, f"{where}.number", f"Número da parcela {p.sequence}", 20)
        if number is None:
            raise ValidationError(f"Informe o número da parcela {p.sequence}.", field=f"{where}.number")
        out["number"] = number
    if e.due_date is not UNSET:
        if not isinstance(e.due_date, date):
            raise ValidationError(f"Informe o vencimento da parcela {p.sequence}.", field=f"{where}.due_date")
        if e.due_date < invoice.emission_date:
            raise ValidationError(f"O vencimento da parcela {p.sequence} ({e.due_date:%d/%m/%Y}) não pode ser "
                                  f"anterior à emissão ({invoice.emission_date:%d/%m/%Y}).", field=f"{where}.due_date")
        out["due_date"] = e.due_date
    if e.amount is not UNSET:
        amount = money_field(e.amount, f"{where}.amount", f"valor da parcela {p.sequence}")
        if amount <= 0:
            raise ValidationError(f"O valor da parcela {p.sequence} deve ser maior que zero.", field=f"{where}.amount")
        out["amount"] = amount
    if e.note is not UNSET:
        out["note"] = text_field(e.note, f"{where}.note", f"Observação da parcela {p.sequence}", 250)
    if e.carrier_id is not UNSET:
        out["carrier_id"] = active_carrier(session, e.carrier_id, f"{where}.carrier_id")
    return out


def edit_installments(session: Session, invoice: PayableInvoice, edits: list[InstallmentEdit], *,
                      user=None) -> list[PayableInstallment]:
    """Apply `edits` (see the module docstring); returns the changed installments. Never commits;
    every edit is checked before any installment changes, so a refusal leaves them untouched."""
    if invoice.status != STATUS_OPEN:
        raise ValidationError(f"A fatura {invoice.number} está {STATUS_LABELS[invoice.status].lower()}; somente "
                              "faturas em aberto podem ser alteradas.", field="invoice")
    by_seq = {p.sequence: p for p in invoice.parcels}
    planned: dict[int, dict] = {}
    for e in edits:
        p = by_seq.get(int(e.sequence))
        if p is None or p.sequence in planned:
            raise ValidationError(f"Parcela {e.sequence} inexistente (ou repetida) na fatura {invoice.number}.",
                                  field="parcels")
        planned[p.sequence] = _changes(session, invoice, p, e)

    def value(p: PayableInstallment, attr: str):
        return planned.get(p.sequence, {}).get(attr, getattr(p, attr))

    live = [p for p in invoice.parcels if p.status != STATUS_DELETED]  # e.g. a reversed partial's remainder
    numbers = [value(p, "number") for p in live]
    if len(set(numbers)) != len(numbers):
        raise ValidationError("Cada parcela precisa de um número diferente.", field="parcels")
    total = sum((value(p, "amount") for p in live), Decimal("0.00"))
    if total != invoice.net:
        raise ValidationError(f"A soma das parcelas ({format_brl(total)}) deve ser igual ao valor da fatura "
                              f"({format_brl(invoice.net)}).", field="parcels")
    before = {seq: snapshot(by_seq[seq]) for seq in planned}
    for seq, values in planned.items():
        for attr, v in values.items():
            setattr(by_seq[seq], attr, v)
    session.flush()
    changed = []
    for seq, old in before.items():
        p = by_seq[seq]
        new = snapshot(p)
        if new != old:
            changed.append(p)
            record(session, action="edit_installment", target_kind="payables.installment", target_id=p.id,
                   user=user, before=old, after=new, company_id=p.company_id)
    return changed
