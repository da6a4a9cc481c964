"""Manual reconciliation of one or several statement lines of the SAME bank account and day with one or
several invoices — or transfers between accounts — ("Buscar Lançamento" with several invoices, the
manual's Ctrl+click on lines of the same day). One reconciliation holds all the lines and items; the
reconciler page shows the other lines of it ("legenda em cinza") and `reconcile.unreconcile` of any of
its lines undoes the whole group.

Totals ("No lado direito da página serão apresentados os totais"), computed by ONE pure function,
`totals_of(rows, statement)` (= `reconciler_queries.totals`), for the page and here:

- quantidade de faturas, valor bruto (open: the invoice's total; settled: the face value its active
  settlement paid; a transfer: its amount, + entering / − leaving the account), desconto, juros,
  taxa adm. cartão (always R$ 0,00: invoices have no card fee field — "Tipo Cartão" / "Taxa Adm.
  Cartão" do not exist in receivables), subtotal = ((bruto − desconto) + juros), valor do extrato
  (Σ of the lines), diferença = extrato − subtotal;
- "Quando não houver divergência de valores entre o extrato e o subtotal das faturas a conciliação pode
  ser realizada": any other difference is refused with the numbers.

Effects, per invoice, at the lines' date into the lines' bank account
(`reconcile.settle_at_statement`, the path of `reconcile_line`): open ⇒ settled with its net value
((bruto − desconto) + juros) and the typed desconto/juros as the settlement's; settled with the same
date, net value and account ⇒ only reconciled; divergent ⇒ its settlement reversed and the invoice
settled again at the statement's date and value ("estorna a baixa … e realiza uma nova baixa").
Transfers are only reconciled (their entry exists). A group mixes invoices and transfers: refused
(unreconcile of a transfer group is `transfers.unreconcile_transfer_lines`, which knows no invoices).

`reconcile_many(session, line_ids, targets, *, runtime, user, origin)` takes the caller's session, never
commits; refusals are `ValidationError` in pt-BR naming the line / invoice / field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account
from core.model import utcnow
from core.money import CENT, ZERO, format_brl
from plugins.receivables.models import Invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import ORIGIN_MANUAL, Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.reconciler_queries import Totals, gross_of, totals

AUDIT_KIND = "reconciliation_statement_line"

totals_of = totals  # the one pure function of the totals (page and service)


@dataclass(frozen=True)
class Target:
    """An invoice (with the operator's desconto / juros) or a transfer to reconcile."""

    invoice_id: int | None = None
    transfer_id: int | None = None
    discount: Decimal = ZERO
    interest: Decimal = ZERO


def difference_message(t: Totals) -> str:
    return (f"Diferença de {format_brl(t.difference)} entre o valor do extrato ({format_brl(t.statement)}) e o "
            f"subtotal das faturas ({format_brl(t.subtotal)}): só é possível conciliar com diferença zero.")


def _fmt(d) -> str:
    return d.strftime("%d/%m/%Y")


def _lines(session: Session, line_ids: list[int]) -> list[StatementLine]:
    from plugins.reconciliation.reconcile import _locked_line, line_label

    ids = list(dict.fromkeys(int(i) for i in line_ids))
    if not ids:
        raise ValidationError("Selecione os lançamentos do extrato a conciliar.", field="linhas")
    lines = [_locked_line(session, i) for i in sorted(ids)]
    if len({ln.bank_account_id for ln in lines}) > 1:
        raise ValidationError("Selecione apenas lançamentos da mesma conta bancária para conciliá-los juntos.",
                              field="linhas")
    days = sorted({ln.posted_on for ln in lines})
    if len(days) > 1:
        raise ValidationError(f"Os lançamentos selecionados são de dias diferentes ({', '.join(map(_fmt, days))}): "
                              "selecione apenas lançamentos do mesmo dia para conciliá-los juntos.", field="linhas")
    for ln in lines:
        if ln.reconciliation_id is not None:
            raise ValidationError(f"O lançamento do extrato {line_label(ln)} já está conciliado.", field="linhas")
    return lines


def _money(value, label: str, invoice: Invoice, name: str) -> Decimal:
    v = Decimal(value if value is not None else ZERO)
    if v < 0:
        raise ValidationError(f"Fatura {invoice.number}: {label} não pode ser negativo.", field=f"{name}_{invoice.id}")
    if v != v.quantize(CENT):
        raise ValidationError(f"Fatura {invoice.number}: {label} com mais de duas casas decimais.",
                              field=f"{name}_{invoice.id}")
    return v.quantize(CENT)


def reconcile_many(session: Session, line_ids: list[int], targets: list[Target], *, runtime, user=None,
                   origin: str = ORIGIN_MANUAL) -> Reconciliation:
    """Reconcile the lines with the targets (module docstring). Never commits."""
    from plugins.reconciliation.reconcile import _check_protection, line_label, settle_at_statement
    from plugins.reconciliation.transfers import _reconciled_on, get_transfer

    lines = _lines(session, line_ids)
    bank = session.get(Account, lines[0].bank_account_id)
    day = lines[0].posted_on
    if not targets:
        raise ValidationError("Selecione as faturas a conciliar.", field="fatura")
    invoices = [t for t in targets if t.invoice_id is not None]
    transfers = [t for t in targets if t.transfer_id is not None]
    if invoices and transfers:
        raise ValidationError("Concilie faturas e transferências separadamente (uma conciliação com as duas ainda não "
                              "é possível).", field="fatura")
    seen = [t.invoice_id or t.transfer_id for t in targets]
    if len(set(seen)) != len(seen):
        raise ValidationError("A mesma fatura ou transferência foi selecionada mais de uma vez.", field="fatura")
    _check_protection(session, bank.company_id, day)
    rows, plan = [], []  # (gross, discount, interest); (kind, object, net / signed amount, discount, interest)
    for t in invoices:
        invoice = session.get(Invoice, int(t.invoice_id))
        if invoice is None or invoice.company_id != bank.company_id:
            raise ValidationError(f"Fatura {t.invoice_id} não encontrada na empresa da conta bancária.", field="fatura")
        d = _money(t.discount, "Desconto", invoice, "desconto")
        i = _money(t.interest, "Juros", invoice, "juros")
        gross = gross_of(session, invoice)
        net = gross - d + i
        if net <= 0:
            raise ValidationError(f"Fatura {invoice.number}: o valor líquido ({format_brl(net)}) deve ser maior que "
                                  "zero.", field=f"desconto_{invoice.id}")
        rows.append((gross, d, i))
        plan.append(("invoice", invoice, net, d, i))
    for t in transfers:
        tr = get_transfer(session, int(t.transfer_id))
        side = {tr.from_account_id: -tr.amount, tr.to_account_id: tr.amount}.get(bank.id)
        if side is None:
            raise ValidationError(f"A transferência {tr.id} não movimenta a conta bancária dos lançamentos.",
                                  field="transfer_id")
        if session.scalar(_reconciled_on(bank.id).where(ReconciliationItem.transfer_id == tr.id).limit(1)):
            raise ValidationError(f"A transferência {tr.id} já está conciliada nesta conta.", field="transfer_id")
        rows.append((side, ZERO, ZERO))
        plan.append(("transfer", tr, side, ZERO, ZERO))
    statement = sum((ln.amount for ln in lines), ZERO)
    t = totals_of(rows, statement)
    if t.difference:
        raise ValidationError(difference_message(t), field="fatura")
    labels = ", ".join(line_label(ln) for ln in lines)
    why = f"Conciliação bancária: lançamento(s) do extrato {labels}"
    items = []
    for kind, obj, amount, d, i in plan:
        if kind == "transfer":
            items.append({"transfer_id": obj.id, "entry_id": obj.entry_id, "amount": amount, "invoice_id": None,
                          "settlement_id": None, "created_settlement": False, "replaced_settlement_id": None})
            continue
        settlement, created, replaced = settle_at_statement(session, obj, paid_on=day, amount=amount,
                                                            bank_account_id=bank.id, why=why, user=user,
                                                            runtime=runtime, interest=i, discount=d)
        items.append({"invoice_id": obj.id, "settlement_id": settlement.id, "entry_id": settlement.entry_id,
                      "amount": amount, "created_settlement": created, "transfer_id": None,
                      "replaced_settlement_id": replaced.id if replaced is not None else None})
    rid = session.execute(insert(Reconciliation).returning(Reconciliation.id), [
        {"bank_account_id": bank.id, "company_id": bank.company_id, "origin": origin, "posted_on": day,
         "amount": statement, "user_id": getattr(user, "id", None), "created_at": utcnow()}]).scalar_one()
    session.execute(insert(ReconciliationItem), [{"reconciliation_id": rid, **item} for item in items])
    table = StatementLine.__table__
    session.execute(update(table).where(table.c.id == bindparam("lid")).values(reconciliation_id=bindparam("rid")),
                    [{"lid": ln.id, "rid": rid} for ln in lines])
    session.execute(delete(Suggestion).where(Suggestion.line_id.in_([ln.id for ln in lines])))
    for ln in lines:
        session.expire(ln, ["reconciliation_id"])
    audit.record(session, action="reconciliation.reconcile", target_kind=AUDIT_KIND, target_id=lines[0].id, user=user,
                 after={"reconciliation_id": rid, "origin": origin, "line_ids": [ln.id for ln in lines],
                        "invoices": [obj.number for kind, obj, *_r in plan if kind == "invoice"],
                        "transfers": [obj.id for kind, obj, *_r in plan if kind == "transfer"],
                        "totals": {"bruto": str(t.gross), "desconto": str(t.discount), "juros": str(t.interest),
                                   "taxa_cartao": str(t.card_fee), "subtotal": str(t.subtotal),
                                   "extrato": str(t.statement), "diferenca": str(t.difference)}},
                 company_id=bank.company_id)
    session.flush()
    return session.get(Reconciliation, rid)
