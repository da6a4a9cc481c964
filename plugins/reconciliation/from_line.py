"""New receivable / payable / transfer from a statement line (the reconciler's "Nova Fatura a Receber",
"Nova Fatura a Pagar", "Nova Transferência"), and what unreconciling does to what they created.

Services take the caller's session, never commit, raise `ValidationError` in pt-BR; any refusal
(of these checks or of the receivables / payables / transfers services they call) leaves nothing
written once the caller's unit of work rolls back. Each one creates the object, settles it at the
line's date and value into the line's bank account and reconciles it (origin "manual"), marking the
item `created_object` ("criado pelo conciliador"):

- `new_receivable_from_line(session, line_id, ReceivableFields, *, runtime, user)` — credit lines only:
  an avulsa charge of the customer (`charge_tools.insert_manual_charges`: histórico, value = the
  line's, due date = the line's date by default, charge/plan account), invoiced alone
  (`invoice_charges`, issued on the line's date: D clientes / C receita) and settled at once
  (`settlement.settle_invoice`: D banco / C clientes);
- `new_payable_from_line(session, line_id, PayableFields, *, runtime, user)` — debit lines only, and
  only when the `payables` plugin is enabled: a fatura a pagar of the supplier (`launch_invoice`,
  one installment, emission/launch = the line's date, histórico or debit account, categoria) and its
  total write-off (`write_off`, paid on the line's date from the line's bank account);
- `new_transfer_from_line(session, line_id, TransferFromLine, *, user)` — either sign: the line's
  account is the "Conta de Saída" of a debit and the "Conta de Entrada" of a credit; the other
  account comes from the form (`transfers.create_transfer` + `reconcile_transfer`). The manual:
  "Centro de custo … é obrigatório quando o lançamento do extrato for positivo".

Unreconciling (`reconcile.unreconcile`) calls `delete_created_invoice` / `delete_created_payable`
and `transfers.delete_transfer`: the receivable's settlement is reversed and the invoice removed
("Faturas que foram excluídas", reason "Desconciliação"; its charge is removed too), the payable's
write-off reversed and the launch deleted (`payables.delete.delete_invoice`, reason
"Desconciliação"), the transfer deleted (its entry reversed).

Receivables' estorno of an invoice the reconciler reconciled: `before_reverse` (hook of
`hooks/receivables.py`, implemented in `plugin.py`) calls `reversal_refusal` — refused for
"faturas conciliadas em lote" and for users without the permission "Conciliador bancário"
(`reconciler_web.PERM_RECONCILE`, the manual's "Conciliação Bancária") — and then
`free_reversed_settlement`: the statement line becomes "Não conciliado" in the same unit of work.
Payables' estorno of a reconciled write-off: the same rules (`before_payable_reverse`, hook of
`hooks/payables.py`) by `payable_reversal_refusal` / `free_reversed_writeoff`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account, CostCentre
from core.money import format_brl
from plugins.reconciliation.matching import Candidate
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import ORIGIN_MANUAL, Reconciliation, ReconciliationItem

REMOVAL_REASON = "Desconciliação"
BATCH_REVERSAL_REFUSED = ("A fatura {n} foi conciliada em lote no Conciliador Bancário: faturas conciliadas em lote "
                          "não podem ser estornadas.")
PERMISSION_REVERSAL_REFUSED = ("A fatura {n} foi baixada e conciliada pelo Conciliador Bancário: somente usuários com "
                               "a permissão \"Conciliação Bancária\" podem estorná-la.")


@dataclass(frozen=True)
class ReceivableFields:
    """"Nova Fatura a Receber": customer, histórico, due date (default: the line's date), plan account."""

    party_id: int | None
    description: str
    due_date: date | None = None
    revenue_account_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class PayableFields:
    """"Nova Fatura a Pagar": supplier, categoria, histórico (template) and/or debit account."""

    supplier_id: int | None
    category: str | None
    template_id: int | None = None
    debit_account_id: int | None = None
    document: str | None = None
    series: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TransferFromLine:
    """"Nova Transferência": the other account, histórico, observação, centro de custo."""

    other_account_id: int | None
    description: str
    note: str = ""
    cost_centre_id: int | None = None


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _free_line(session: Session, line_id: int, *, sign: int | None, what: str) -> tuple[StatementLine, Account]:
    from plugins.reconciliation.reconcile import _check_protection, free_line

    line = free_line(session, line_id)
    if sign is not None and (line.amount > 0) != (sign > 0):
        kind = "a crédito (recebimentos)" if sign > 0 else "a débito (pagamentos)"
        raise ValidationError(f"{what} só pode ser gerada a partir de um lançamento {kind}; o lançamento de "
                              f"{_fmt(line.posted_on)} é de {format_brl(line.amount)}.", field="line_id")
    bank = session.get(Account, line.bank_account_id)
    _check_protection(session, bank.company_id, line.posted_on)
    return line, bank


def _reconcile_created(session: Session, line: StatementLine, bank: Account, candidate: Candidate, *,
                       created_settlement: bool, user, audit_after: dict, **item_values) -> Reconciliation:
    from plugins.reconciliation.reconcile import AUDIT_KIND, record_line

    rec = record_line(session, bank, line, candidate, created_settlement, origin=ORIGIN_MANUAL, user=user,
                      created_object=True, **item_values)
    audit.record(session, action="reconciliation.reconcile", target_kind=AUDIT_KIND, target_id=line.id, user=user,
                 after={"reconciliation_id": rec.id, "origin": ORIGIN_MANUAL, "created_by_reconciler": True,
                        **audit_after}, company_id=bank.company_id)
    session.flush()
    return rec


# --- Nova Fatura a Receber -------------------------------------------------------------------------

def new_receivable_from_line(session: Session, line_id: int, fields: ReceivableFields, *, runtime,
                             user=None) -> Reconciliation:
    """Avulsa invoice of the line's value, settled at its date into its bank account and reconciled."""
    from core.parties.models import Party
    from plugins.receivables.charge_tools import InsertParams, insert_manual_charges, invoice_charges
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement import settle_invoice
    from plugins.receivables.settlement_models import METHOD_PROFILE
    from plugins.reconciliation.reconcile import line_label

    line, bank = _free_line(session, line_id, sign=+1, what="A fatura a receber")
    party = session.get(Party, int(fields.party_id)) if fields.party_id else None
    if party is None:
        raise ValidationError("Informe o cliente da fatura.", field="party_id")
    description = (fields.description or "").strip()
    if not description:
        raise ValidationError("Informe o histórico da fatura.", field="description")
    if len(description) > 200:
        raise ValidationError("O histórico da fatura deve ter no máximo 200 caracteres.", field="description")
    due = fields.due_date or line.posted_on
    if not isinstance(due, date):
        raise ValidationError("Vencimento inválido.", field="due_date")
    params = InsertParams(description=description, amount=line.amount, due_date=due,
                          revenue_account_id=fields.revenue_account_id, company_id=bank.company_id)
    (charge,) = insert_manual_charges(session, party.id, params, company_id=bank.company_id, user=user)
    (invoice_id,) = invoice_charges(session, [charge], today=line.posted_on, runtime=runtime, user=user)
    invoice = session.get(Invoice, invoice_id)
    note = (fields.note or "").strip()
    why = f"Nova fatura a receber do Conciliador Bancário: lançamento do extrato {line_label(line)}"
    settlement = settle_invoice(session, invoice, paid_on=line.posted_on, amount=line.amount, method=METHOD_PROFILE,
                                bank_account_id=bank.id, justification=(why + (f" — {note}" if note else ""))[:250],
                                user=user, runtime=runtime).settlement
    return _reconcile_created(session, line, bank, Candidate(invoice.id, settlement.id, settlement.entry_id),
                              created_settlement=True, user=user,
                              audit_after={"invoice": invoice.number, "settlement_id": settlement.id})


def delete_created_invoice(session: Session, invoice, *, user=None, comments: str | None = None):
    """Remove a reconciler-created receivable whose settlement was just reversed: "Faturas que foram
    excluídas" with the reason "Desconciliação"; its avulsa charge is removed with it."""
    from plugins.receivables.invoice_tools import remove_invoice
    from plugins.receivables.models import CHARGE_REMOVED, Charge

    row = remove_invoice(session, invoice, user=user, comments=comments, release=False)
    row.reason_text = REMOVAL_REASON
    for ch in session.scalars(select(Charge).where(Charge.invoice_id == invoice.id)):
        ch.status = CHARGE_REMOVED
    session.flush()
    return row


# --- Nova Fatura a Pagar ---------------------------------------------------------------------------

def payables_enabled(runtime) -> bool:
    """The payables plugin is enabled (the one check of the plugin: `payables_match.payables_enabled`)."""
    from plugins.reconciliation.payables_match import payables_enabled as enabled

    return enabled(runtime)


# payables has no "Dinheiro" form (the manual: "utilizarão a forma de pagamento Dinheiro"); à vista is the nearest
PAYABLE_PAYMENT_FORM = "chq_vista"


def new_payable_from_line(session: Session, line_id: int, fields: PayableFields, *, runtime,
                          user=None) -> Reconciliation:
    """Fatura a pagar of the line's value, written off in full at its date from its bank account and
    reconciled. Only with the payables plugin enabled."""
    if not payables_enabled(runtime):
        raise ValidationError("Nova fatura a pagar: o módulo Contas a Pagar não está habilitado.", field="line_id")
    from plugins.payables.launch import LaunchRequest, launch_invoice
    from plugins.payables.writeoff import WriteOffRequest, write_off

    line, bank = _free_line(session, line_id, sign=-1, what="A fatura a pagar")
    if not fields.supplier_id:
        raise ValidationError("Informe o fornecedor da fatura.", field="supplier_id")
    if not (fields.category or "").strip():
        raise ValidationError("Informe a categoria financeira.", field="category")
    if fields.template_id is None and fields.debit_account_id is None:
        raise ValidationError("Informe o histórico ou a conta débito.", field="debit_account_id")
    req = LaunchRequest(company_id=bank.company_id, supplier_id=int(fields.supplier_id), emission_date=line.posted_on,
                        launch_date=line.posted_on, total=-line.amount, installments=1, term_days=0,
                        payment_form=PAYABLE_PAYMENT_FORM, template_id=fields.template_id,
                        debit_account_id=fields.debit_account_id, document=fields.document or None,
                        series=fields.series or None, standard_note=fields.note or None, category=fields.category,
                        cash_flow_account_id=bank.id)
    invoice = launch_invoice(session, req, runtime=runtime, user=user)
    (inst,) = invoice.parcels
    wo = write_off(session, inst, WriteOffRequest(paid_on=line.posted_on, cash_account_id=bank.id,
                                                  history_note="Conciliador Bancário"), runtime=runtime, user=user)
    return _reconcile_created(session, line, bank, Candidate(None, None, wo.entry_id), created_settlement=False,
                              user=user, audit_after={"payable_invoice": invoice.number, "installment": inst.code},
                              payable_installment_id=inst.id, payable_writeoff_id=wo.id)


def delete_created_payable(session: Session, item: ReconciliationItem, *, runtime, user=None,
                           why: str) -> int:
    """Reverse the write-off of a reconciler-created fatura a pagar and delete its launch (reason
    "Desconciliação"): the installment code, for the report."""
    from plugins.payables.delete import delete_invoice
    from plugins.payables.models import PayableInstallment, PayableWriteOff
    from plugins.payables.reversal import reverse_writeoff

    inst = session.get(PayableInstallment, item.payable_installment_id)
    wo = session.get(PayableWriteOff, item.payable_writeoff_id) if item.payable_writeoff_id else None
    if wo is not None and not wo.reversed:
        reverse_writeoff(session, inst, reason=f"{REMOVAL_REASON}: {why}"[:250], on=wo.paid_on, user=user,
                         runtime=runtime)  # the reconciliation is already undone: the hook lets it through
    delete_invoice(session, inst, reason=f"{REMOVAL_REASON}: {why}"[:250], runtime=runtime, user=user)
    return inst.code


# --- Nova Transferência ----------------------------------------------------------------------------

def new_transfer_from_line(session: Session, line_id: int, fields: TransferFromLine, *, user=None) -> Reconciliation:
    """Transfer of the line's value between its account and another, reconciled with the line."""
    from plugins.reconciliation.transfers import TransferFields, create_transfer, money_account, reconcile_transfer

    line, bank = _free_line(session, line_id, sign=None, what="A transferência")
    if line.amount == 0:
        raise ValidationError("Lançamento do extrato sem valor.", field="line_id")
    if not fields.other_account_id:
        raise ValidationError("Informe a conta de entrada." if line.amount < 0 else "Informe a conta de saída.",
                              field="other_account_id")
    other = money_account(session, fields.other_account_id, "other_account_id", bank.company_id)
    if other.id == bank.id:
        raise ValidationError("A conta de saída e a conta de entrada devem ser diferentes.", field="other_account_id")
    if line.amount > 0 and fields.cost_centre_id is None:
        raise ValidationError("Informe o centro de custo (obrigatório quando o lançamento do extrato é positivo).",
                              field="cost_centre_id")
    if fields.cost_centre_id is not None:
        cc = session.get(CostCentre, int(fields.cost_centre_id))
        if cc is None or cc.company_id != bank.company_id or not getattr(cc, "active", True):
            raise ValidationError("Centro de custo não encontrado na empresa.", field="cost_centre_id")
    src, dst = (bank.id, other.id) if line.amount < 0 else (other.id, bank.id)
    t = create_transfer(session, TransferFields(line.posted_on, abs(line.amount), src, dst, fields.description,
                                                fields.note or "", fields.cost_centre_id), user=user)
    reconcile_transfer(session, line.id, t.id, origin=ORIGIN_MANUAL, user=user)
    session.refresh(line)
    rec = session.get(Reconciliation, line.reconciliation_id)
    item = session.scalar(select(ReconciliationItem).where(ReconciliationItem.reconciliation_id == rec.id))
    item.created_object = True
    session.flush()
    return rec


# --- estorno of a reconciled settlement (receivables) or write-off (payables) ------------------------

def _active_items_of(session: Session, settlement_id: int | None = None, *,
                     payable_writeoff_id: int | None = None) -> list[tuple[ReconciliationItem, Reconciliation]]:
    """The items of current (not undone) reconciliations holding a receivables settlement or a payables
    write-off."""
    target = (ReconciliationItem.settlement_id == settlement_id if payable_writeoff_id is None
              else ReconciliationItem.payable_writeoff_id == payable_writeoff_id)
    return list(session.execute(
        select(ReconciliationItem, Reconciliation)
        .join(Reconciliation, Reconciliation.id == ReconciliationItem.reconciliation_id)
        .where(target, Reconciliation.undone_at.is_(None))).all())


def _is_batch(session: Session, rec: Reconciliation) -> bool:
    if getattr(rec, "batch_key", None):
        return True
    items = session.scalar(select(func.count()).select_from(ReconciliationItem)
                           .where(ReconciliationItem.reconciliation_id == rec.id))
    return items > 1


def _refusal(session: Session, found, n, user) -> str | None:
    """The manual's refusals for reconciled items `found` of the invoice named `n` (None = allowed)."""
    from core.auth import has_permission
    from plugins.reconciliation.reconciler_web import PERM_RECONCILE

    if not found:
        return None
    if any(_is_batch(session, rec) for _item, rec in found):
        return BATCH_REVERSAL_REFUSED.format(n=n)
    if user is not None and not has_permission(user, PERM_RECONCILE):
        return PERMISSION_REVERSAL_REFUSED.format(n=n)
    return None


def _free(session: Session, found, *, user, reason: str) -> list[int]:
    """Undo the reconciliations of `found` (allowed by `_refusal`), audited: the freed line ids."""
    from plugins.reconciliation.reconcile import AUDIT_KIND
    from plugins.reconciliation.transfers import _undo

    recs = list({rec.id: rec for _item, rec in found}.values())
    freed = _undo(session, recs, user=user)
    for rec in recs:
        audit.record(session, action="reconciliation.unreconcile", target_kind=AUDIT_KIND,
                     target_id=freed[0] if freed else rec.id, user=user,
                     before={"reconciliation_id": rec.id}, after={"line_ids": freed, "reason": reason},
                     company_id=rec.company_id)
    session.flush()
    return freed


def reversal_refusal(session: Session, invoice, settlement, user) -> str | None:
    """Why receivables may not reverse `settlement` of `invoice` (None = allowed): a reconciled settlement
    of a batch ("faturas conciliadas em lote não podem ser estornadas"), or one the reconciler settled
    and the user lacks the permission "Conciliação Bancária". `user` None = the system (CLI)."""
    return _refusal(session, _active_items_of(session, settlement.id), invoice.number, user)


def free_reversed_settlement(session: Session, invoice, settlement, *, user=None) -> list[int]:
    """Receivables is reversing `settlement` (allowed by `reversal_refusal`): its reconciliation is undone
    and its statement lines become "Não conciliado" (their ids). The reconciler does not reverse anything
    itself: the estorno posts the counter-entry. Linking the invoice again is done in the reconciler."""
    found = _active_items_of(session, settlement.id)
    refusal = _refusal(session, found, invoice.number, user)
    if refusal:
        raise ValidationError(refusal, field="invoice")
    return _free(session, found, user=user, reason=f"estorno da fatura {invoice.number} no contas a receber")


def payable_reversal_refusal(session: Session, installment, writeoff, user) -> str | None:
    """The same refusals for payables' estorno of a reconciled write-off (`writeoff` of the fatura a pagar
    `installment`): "A fatura a pagar 12 foi conciliada em lote …" / "… somente usuários com a permissão …"."""
    return _refusal(session, _active_items_of(session, payable_writeoff_id=writeoff.id),
                    f"a pagar {installment.code}", user)


def free_reversed_writeoff(session: Session, installment, writeoff, *, user=None) -> list[int]:
    """Payables is reversing `writeoff` (hook `before_payable_reverse`): refused as `payable_reversal_refusal`
    says, otherwise its reconciliation is undone and the statement lines become "Não conciliado" (their ids).
    The reconciler's own reversals (unreconcile, a divergent write-off made again) reach here with no
    current reconciliation of the write-off: nothing to do."""
    found = _active_items_of(session, payable_writeoff_id=writeoff.id)
    refusal = _refusal(session, found, f"a pagar {installment.code}", user)
    if refusal:
        raise ValidationError(refusal, field="installment")
    return _free(session, found, user=user,
                 reason=f"estorno da baixa da fatura a pagar {installment.code} no contas a pagar")


def created_payable_label(session: Session, item: ReconciliationItem) -> str:
    """"Fatura a pagar 12 — Fornecedor" of an item (the payables tables exist when the item does)."""
    from core.parties.models import Party
    from plugins.payables.models import PayableInstallment, PayableInvoice

    inst = session.get(PayableInstallment, item.payable_installment_id)
    inv = session.get(PayableInvoice, inst.invoice_id) if inst else None
    party = session.get(Party, inv.supplier_id) if inv else None
    return f"Fatura a pagar {inst.code if inst else item.payable_installment_id}" + (f" — {party.name}" if party else "")
