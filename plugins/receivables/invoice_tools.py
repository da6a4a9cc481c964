"""Invoice tools of the "Faturas a Receber" panel: remove, suspend / cancel suspension, alter
(description, due date with surcharge, value, discount/instruction), comment, add to SPC, mark /
unmark "remessa transmitida".

Every service takes the caller's `Session`, never commits, and raises
`core.errors.ValidationError` (pt-BR) when the invoice may not undergo the change. The same
refusals are the blockers of the kernel actions (`ACTIONS`), with the manual's texts and the
invoice NUMBER in place of X, so a bulk action reports each refused invoice with all its reasons.
Guards owned by other plugins (remessa transmitida, documentos fiscais, conciliação) come through
the kernel `action_blockers` hook; they are not modelled here.

Rules (manual "Painel do Cliente"):

- Remove: the invoice becomes "excluida" and is recorded in "Faturas que foram excluídas"
  (`RemovedInvoice`: who, when, reason, comments). Its charges are NOT removed: they return to
  open and unbilled ("aberta", no invoice) — the manual's warning: remove them in "contas não
  faturadas" or the next billing run invoices them again. `on_invoice_removed` is sent after
  commit.
- Suspend: status "suspensa" with a reason (kind "suspensao_fatura") and notes; cancelling the
  suspension makes it "aberta" again. An invoice with remessa transmitted may be suspended
  (`suspension_warnings` gives the manual's "ATENÇÃO…" text, the suspend action's `warn`: shown in
  the dialog before confirming and returned in `ActionResult.warnings`).
- Alter: a justification is required. Description and discount/instruction change the invoice in
  place. A new due date (optionally with a surcharge) or a new value REMOVES the invoice and
  RECREATES a new one with a new number (so a new nosso número can be drawn): the charges move to
  the new invoice, a surcharge becomes a new charge "Acréscimo…", a new value becomes an
  adjustment charge (acréscimo, or a negative "Desconto…" charge) so that the invoice total is
  always the sum of its charges. `on_invoice_created` is called for the new invoice inside the
  unit of work; `on_invoice_removed` for the old one after commit.
- Comments are append-only. SPC is an internal marker (no integration); `spc_invoices` lists them.
- Remessa: `Invoice.remessa_transmitted` set/cleared by hand, each change logged with who/when.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Optional
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.actions import Action, ActionContext, Advice, Blocker, NoParams
from core.db import after_commit
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.money import ZERO, round_money
from plugins.receivables.invoice_log import (InvoiceComment, InvoiceRemessaMark, InvoiceSpcEntry,
                                             InvoiceSuspension, RemovedInvoice)
from plugins.receivables.models import (CHARGE_INVOICED, CHARGE_OPEN, INVOICE_OPEN, INVOICE_PARTIAL,
                                        INVOICE_REMOVED, INVOICE_SETTLED, INVOICE_SUSPENDED, ORIGIN_MANUAL, Charge,
                                        Invoice)

REASON_REMOVAL = "exclusao_fatura"
REASON_SUSPENSION = "suspensao_fatura"
REASON_KINDS = {REASON_REMOVAL: "Exclusão de fatura", REASON_SUSPENSION: "Suspensão de fatura"}

PERM_MANAGE = "receivables.invoice.manage"
PERM_REMOVE = "receivables.invoice.remove"
PERM_COMMENT = "receivables.invoice.comment"
PERMISSIONS = {
    PERM_MANAGE: ("Suspender e alterar faturas, SPC e marcação de remessa", "Faturas a receber"),
    PERM_REMOVE: ("Remover faturas", "Faturas a receber"),
    PERM_COMMENT: ("Inserir comentários nas faturas", "Faturas a receber"),
}

LOCAL_TZ = ZoneInfo("America/Sao_Paulo")
_CHUNK = 500

# --- blockers: code and the manual's text ----------------------------------------------------------

SETTLED = "fatura.liquidada"
REMOVED = "fatura.excluida"
PARTIAL = "fatura.liquidacao_parcial"
SUSPENDED = "fatura.suspensa"
NOT_SUSPENDED = "fatura.nao_suspensa"
IN_SPC = "fatura.no_spc"
REMESSA_MARKED = "fatura.remessa_transmitida"
REMESSA_NOT_MARKED = "fatura.sem_remessa_transmitida"


def _settled(inv: Invoice) -> Blocker | None:
    if inv.status == INVOICE_SETTLED:
        return Blocker(inv.id, SETTLED, _("A Fatura {n} já está liquidada").format(n=inv.number))
    return None


def _removed(inv: Invoice) -> Blocker | None:
    if inv.status == INVOICE_REMOVED:
        return Blocker(inv.id, REMOVED, _("A fatura {n} está com status de excluída").format(n=inv.number))
    return None


def _suspended(inv: Invoice) -> Blocker | None:
    if inv.status == INVOICE_SUSPENDED:
        return Blocker(inv.id, SUSPENDED, _("A fatura {n} já está com o status de suspenso.").format(n=inv.number))
    return None


def _partial_on_remove(inv: Invoice) -> Blocker | None:
    if inv.status == INVOICE_PARTIAL:
        return Blocker(inv.id, PARTIAL, _("Esta fatura possui liquidações parciais"))
    return None


def _partial_on_alter(inv: Invoice) -> Blocker | None:
    if inv.status == INVOICE_PARTIAL:
        return Blocker(inv.id, PARTIAL, _("A fatura está com liquidação parcial"))
    return None


def _not_suspended(inv: Invoice) -> Blocker | None:
    if inv.status != INVOICE_SUSPENDED:
        return Blocker(inv.id, NOT_SUSPENDED, _("A fatura {n} não está suspensa.").format(n=inv.number))
    return None


def _remessa_marked(inv: Invoice) -> Blocker | None:
    if inv.remessa_transmitted:
        return Blocker(inv.id, REMESSA_MARKED,
                       _("A fatura {n} já está com remessa transmitida.").format(n=inv.number))
    return None


def _remessa_not_marked(inv: Invoice) -> Blocker | None:
    if not inv.remessa_transmitted:
        return Blocker(inv.id, REMESSA_NOT_MARKED,
                       _("A fatura {n} não está com remessa transmitida.").format(n=inv.number))
    return None


REMOVE_RULES = (_settled, _removed, _partial_on_remove)
SUSPEND_RULES = (_settled, _removed, _suspended)
CANCEL_SUSPENSION_RULES = (_not_suspended,)
ALTER_RULES = (_settled, _removed, _suspended, _partial_on_alter)
SPC_RULES = (_settled, _removed)
MARK_REMESSA_RULES = (_removed, _remessa_marked)
UNMARK_REMESSA_RULES = (_remessa_not_marked,)


def blockers(rules, invoice: Invoice) -> list[Blocker]:
    """Every blocker of `rules` for `invoice` (empty = allowed)."""
    return [b for rule in rules if (b := rule(invoice)) is not None]


def _require(rules, invoice: Invoice) -> None:
    found = blockers(rules, invoice)
    if found:
        raise ValidationError(" / ".join(b.message for b in found), field="invoice")


def suspension_warnings(invoices: list[Invoice]) -> dict[int, str]:
    """Invoices that may be suspended but already have a remessa (the manual's warning)."""
    return {inv.id: _("ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada.")
            for inv in invoices if inv.remessa_transmitted and not blockers(SUSPEND_RULES, inv)}


# --- helpers ----------------------------------------------------------------------------------

def _username(user) -> str | None:
    return getattr(user, "username", None)


def _reason_text(reason) -> str | None:
    return f"{reason.code} — {reason.description}"[:250] if reason is not None else None


def _notify_removed(session: Session, ctx: ActionContext | None, invoice_id: int, reason_code: str | None) -> None:
    if ctx is None or ctx.runtime is None:
        return
    from core.plugins import notify_each

    runtime = ctx.runtime
    after_commit(session, lambda: notify_each(runtime.hook.on_invoice_removed, invoice_id=invoice_id,
                                              reason=reason_code, ctx=ctx))


def _charges(session: Session, invoice: Invoice) -> list[Charge]:
    return list(session.scalars(select(Charge).where(Charge.invoice_id == invoice.id).order_by(Charge.id)))


def release_charges(session: Session, invoice_ids: list[int]) -> int:
    """Set-based: the charges of these invoices go back to open and unbilled. Returns how many."""
    changed = 0
    for start in range(0, len(invoice_ids), _CHUNK):
        chunk = invoice_ids[start:start + _CHUNK]
        changed += session.execute(update(Charge).where(Charge.invoice_id.in_(chunk))
                                   .values(invoice_id=None, status=CHARGE_OPEN)).rowcount
    return changed


def _record_removal(session: Session, invoice: Invoice, *, user, now: datetime, reason=None,
                    comments: str | None = None, replaced_by: int | None = None,
                    flush: bool = True) -> RemovedInvoice:
    invoice.status = INVOICE_REMOVED
    row = RemovedInvoice(invoice_id=invoice.id, party_id=invoice.party_id, company_id=invoice.company_id,
                         number=invoice.number, total=invoice.total, removed_at=now,
                         removed_by_id=getattr(user, "id", None), removed_by=_username(user),
                         reason_id=getattr(reason, "id", None), reason_text=_reason_text(reason),
                         comments=comments, replaced_by_invoice_id=replaced_by)
    session.add(row)
    if flush:
        session.flush()
    return row


# --- remove -----------------------------------------------------------------------------------

def remove_invoice(session: Session, invoice: Invoice, *, user=None, reason=None, comments: str | None = None,
                   ctx: ActionContext | None = None, release: bool = True,
                   flush: bool = True) -> RemovedInvoice:
    """Remove an invoice: status "excluida", recorded in "Faturas excluídas"; its charges go back
    to open/unbilled. With `ctx.runtime`, `on_invoice_removed` is sent after commit.
    `release=False` (the caller releases the charges with `release_charges`) and `flush=False`
    are for bulk callers."""
    _require(REMOVE_RULES, invoice)
    now = ctx.now if ctx is not None else utcnow()
    from plugins.receivables.accrual import reverse_invoice  # D receita / C clientes, on the removal date

    reverse_invoice(session, ctx.runtime if ctx is not None else None, invoice, on=_local_today(now), user=user,
                    reason=comments)
    if release:
        session.flush()
        release_charges(session, [invoice.id])
    row = _record_removal(session, invoice, user=user, now=now, reason=reason, comments=comments, flush=flush)
    _notify_removed(session, ctx, invoice.id, getattr(reason, "code", None))
    return row


def removed_invoices(session: Session, *, party_id: int | None = None,
                     company_id: int | None = None) -> list[RemovedInvoice]:
    """The "Faturas que foram excluídas" panel: latest removal first."""
    stmt = select(RemovedInvoice)
    if party_id is not None:
        stmt = stmt.where(RemovedInvoice.party_id == party_id)
    if company_id is not None:
        stmt = stmt.where(RemovedInvoice.company_id == company_id)
    return list(session.scalars(stmt.order_by(RemovedInvoice.removed_at.desc(), RemovedInvoice.id.desc())))


# --- suspend ----------------------------------------------------------------------------------

def suspend_invoice(session: Session, invoice: Invoice, *, reason=None, notes: str | None = None, user=None,
                    now: datetime | None = None) -> InvoiceSuspension:
    _require(SUSPEND_RULES, invoice)
    invoice.status = INVOICE_SUSPENDED
    row = InvoiceSuspension(invoice_id=invoice.id, reason_id=getattr(reason, "id", None),
                            reason_text=_reason_text(reason), notes=notes, suspended_at=now or utcnow(),
                            suspended_by=_username(user))
    session.add(row)
    session.flush()
    return row


def cancel_invoice_suspension(session: Session, invoice: Invoice, *, user=None, now: datetime | None = None) -> None:
    _require(CANCEL_SUSPENSION_RULES, invoice)
    invoice.status = INVOICE_OPEN
    for row in session.scalars(select(InvoiceSuspension).where(InvoiceSuspension.invoice_id == invoice.id,
                                                               InvoiceSuspension.lifted_at.is_(None))):
        row.lifted_at = now or utcnow()
        row.lifted_by = _username(user)
    session.flush()


# --- alter ------------------------------------------------------------------------------------

def alter_description(session: Session, invoice: Invoice, description: str) -> None:
    _require(ALTER_RULES, invoice)
    text = (description or "").strip()
    if not text:
        raise ValidationError(_("Informe a descrição da fatura."), field="description")
    invoice.description = text[:200]
    session.flush()


def alter_discount(session: Session, invoice: Invoice, *, discount_amount: Decimal | None,
                   discount_until: date | None, instruction: str | None) -> None:
    """Discount for paying on time (up to `discount_until`) and the boleto's instruction text."""
    _require(ALTER_RULES, invoice)
    if discount_amount is not None:
        discount_amount = round_money(discount_amount)
        if discount_amount < ZERO:
            raise ValidationError(_("O desconto não pode ser negativo."), field="discount_amount")
        if discount_amount >= invoice.total:
            raise ValidationError(_("O desconto deve ser menor que o valor da fatura."), field="discount_amount")
        if discount_amount > ZERO and discount_until is None:
            raise ValidationError(_("Informe a data máxima para concessão do desconto."), field="discount_until")
    if discount_until is not None and discount_until > invoice.due_date:
        raise ValidationError(_("A data máxima do desconto não pode ser posterior ao vencimento."),
                              field="discount_until")
    invoice.discount_amount = discount_amount if discount_amount else None
    invoice.discount_until = discount_until if discount_amount else None
    invoice.instruction = (instruction or "").strip()[:250] or None
    session.flush()


def _local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


_KEEP = object()


def _recreate(session: Session, old: Invoice, *, due_date: date, extra: list[tuple[str, Decimal]],
              move_due_dates: bool, user, justification: str | None, ctx: ActionContext | None,
              action: str, wallet=_KEEP) -> Invoice:
    """Remove `old` and create its replacement (new number) holding its charges plus `extra`.
    `wallet` (payment profile/carteira text) replaces the old invoice's when given."""
    from plugins.receivables.invoicing import draw_numbers

    now = ctx.now if ctx is not None else utcnow()
    from plugins.receivables import accrual  # old leaves clientes today; the new one is accounted below

    accrual.reverse_invoice(session, ctx.runtime if ctx is not None else None, old, on=_local_today(now),
                            user=user, reason=justification)
    charges = _charges(session, old)
    number = draw_numbers(session, old.company_id, 1)
    issue = min(_local_today(now), due_date)
    new = Invoice(party_id=old.party_id, company_id=old.company_id, number=number, issue_date=issue,
                  due_date=due_date, total=ZERO, status=INVOICE_OPEN, description=old.description,
                  wallet=old.wallet if wallet is _KEEP else wallet, competence=old.competence,
                  remessa_transmitted=False,
                  remessa_write_off_pending=False, discount_amount=None, discount_until=None,
                  instruction=old.instruction, payment_form=old.payment_form, created_at=now)
    session.add(new)
    session.flush()
    for ch in charges:
        ch.invoice_id = new.id
        if move_due_dates:
            ch.due_date = due_date
    competence = old.competence or due_date.replace(day=1)
    for description, amount in extra:
        charges.append(Charge(party_id=old.party_id, company_id=old.company_id, description=description[:200],
                              amount=amount, due_date=due_date, competence=competence, status=CHARGE_INVOICED,
                              invoice_id=new.id, origin=ORIGIN_MANUAL))
        session.add(charges[-1])
    new.total = sum((ch.amount for ch in charges), ZERO)
    if new.total <= ZERO:
        raise ValidationError(_("O valor da fatura deve ser maior que zero."), field="total")
    _record_removal(session, old, user=user, now=now, comments=justification, replaced_by=new.id)
    session.flush()
    audit.record(session, action=action, target_kind=Invoice.__tablename__, target_id=new.id, user=user,
                 before=None, after=audit.snapshot(new), justification=justification)
    accrual.accrue_invoices(session, ctx.runtime if ctx is not None else None, [new.id], user=user)
    if ctx is not None and ctx.runtime is not None:
        ctx.runtime.hook.on_invoice_created(invoice=new, ctx=ctx)
        session.flush()
    _notify_removed(session, ctx, old.id, None)
    return new


def recreate_invoice(session: Session, invoice: Invoice, *, user=None, justification: str | None = None,
                     ctx: ActionContext | None = None, action: str, wallet=_KEEP) -> Invoice:
    """Remove `invoice` and create an identical one with a new number (so a new nosso número is
    drawn by `on_invoice_created`), optionally with another `wallet`; same due date and charges.
    Used by the contract tools (trocar profile / alterações gerais). Refused like "Alterar fatura"."""
    _require(ALTER_RULES, invoice)
    return _recreate(session, invoice, due_date=invoice.due_date, extra=[], move_due_dates=False, user=user,
                     justification=justification, ctx=ctx, action=action, wallet=wallet)


def alter_due_date(session: Session, invoice: Invoice, due_date: date, *, surcharge: Decimal | None = None,
                   user=None, justification: str | None = None, ctx: ActionContext | None = None,
                   action: str = "receivables.invoice.alter") -> Invoice:
    """New due date (and optional surcharge): the invoice is removed and recreated; returns the new one."""
    _require(ALTER_RULES, invoice)
    if due_date == invoice.due_date:
        raise ValidationError(_("A nova data de vencimento é igual à atual."), field="due_date")
    extra = []
    if surcharge is not None:
        surcharge = round_money(surcharge)
        if surcharge < ZERO:
            raise ValidationError(_("O acréscimo não pode ser negativo."), field="surcharge")
        if surcharge > ZERO:
            extra.append((_("Acréscimo por alteração de vencimento ({old} → {new})").format(
                old=f"{invoice.due_date:%d/%m/%Y}", new=f"{due_date:%d/%m/%Y}"), surcharge))
    return _recreate(session, invoice, due_date=due_date, extra=extra, move_due_dates=True, user=user,
                     justification=justification, ctx=ctx, action=action)


def alter_value(session: Session, invoice: Invoice, new_total: Decimal, *, user=None,
                justification: str | None = None, ctx: ActionContext | None = None,
                action: str = "receivables.invoice.alter") -> Invoice:
    """New value: the invoice is removed and recreated with an adjustment charge; returns the new one."""
    _require(ALTER_RULES, invoice)
    new_total = round_money(new_total)
    if new_total <= ZERO:
        raise ValidationError(_("O valor da fatura deve ser maior que zero."), field="new_total")
    difference = new_total - invoice.total
    if difference == ZERO:
        raise ValidationError(_("O novo valor é igual ao valor atual da fatura."), field="new_total")
    label = _("Acréscimo") if difference > ZERO else _("Desconto")
    text = _("{label} por alteração do valor da fatura {n}").format(label=label, n=invoice.number)
    return _recreate(session, invoice, due_date=invoice.due_date, extra=[(text, difference)],
                     move_due_dates=False, user=user, justification=justification, ctx=ctx, action=action)


# --- comments, SPC, remessa mark ----------------------------------------------------------------

def add_comment(session: Session, invoice: Invoice, text: str, *, user=None, now: datetime | None = None,
                flush: bool = True) -> InvoiceComment:
    body = (text or "").strip()
    if not body:
        raise ValidationError(_("Informe o comentário."), field="text")
    row = InvoiceComment(invoice_id=invoice.id, text=body, created_at=now or utcnow(),
                         user_id=getattr(user, "id", None), username=_username(user))
    session.add(row)
    if flush:
        session.flush()
    return row


def invoice_comments(session: Session, invoice_id: int) -> list[InvoiceComment]:
    """An invoice's comments, oldest first."""
    return list(session.scalars(select(InvoiceComment).where(InvoiceComment.invoice_id == invoice_id)
                                .order_by(InvoiceComment.created_at, InvoiceComment.id)))


def spc_blockers(session: Session, invoices: list[Invoice]) -> list[Blocker]:
    """Blockers of "Adicionar ao SPC" for many invoices (one query per 500 for the entries)."""
    ids = [inv.id for inv in invoices]
    present: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        present.update(session.scalars(select(InvoiceSpcEntry.invoice_id)
                                       .where(InvoiceSpcEntry.invoice_id.in_(ids[start:start + _CHUNK]))))
    found = []
    for inv in invoices:
        found.extend(blockers(SPC_RULES, inv))
        if inv.id in present:
            found.append(Blocker(inv.id, IN_SPC, _("A fatura {n} já foi adicionada ao SPC.").format(n=inv.number)))
    return found


def add_to_spc(session: Session, invoice: Invoice, *, user=None, now: datetime | None = None,
               checked: bool = False, flush: bool = True) -> InvoiceSpcEntry:
    """Mark the invoice as sent to the SPC (`checked=True`: the caller already collected the blockers)."""
    found = [] if checked else spc_blockers(session, [invoice])
    if found:
        raise ValidationError(" / ".join(b.message for b in found), field="invoice")
    row = InvoiceSpcEntry(invoice_id=invoice.id, company_id=invoice.company_id, added_at=now or utcnow(),
                          added_by=_username(user))
    session.add(row)
    if flush:
        session.flush()
    return row


def spc_invoices(session: Session, company_id: int | None = None) -> list[tuple[Invoice, InvoiceSpcEntry]]:
    """"Faturas Cadastradas ao SPC" (collections manager): (invoice, entry), latest added first."""
    stmt = select(Invoice, InvoiceSpcEntry).join(InvoiceSpcEntry, InvoiceSpcEntry.invoice_id == Invoice.id)
    if company_id is not None:
        stmt = stmt.where(InvoiceSpcEntry.company_id == company_id)
    stmt = stmt.order_by(InvoiceSpcEntry.added_at.desc(), InvoiceSpcEntry.id.desc())
    return [(inv, entry) for inv, entry in session.execute(stmt)]


def set_remessa_mark(session: Session, invoice: Invoice, transmitted: bool, *, user=None,
                     now: datetime | None = None) -> InvoiceRemessaMark:
    """Include (True) or remove (False) the "remessa transmitida" mark, logging who/when."""
    _require(MARK_REMESSA_RULES if transmitted else UNMARK_REMESSA_RULES, invoice)
    invoice.remessa_transmitted = transmitted
    row = InvoiceRemessaMark(invoice_id=invoice.id, transmitted=transmitted, at=now or utcnow(),
                             username=_username(user))
    session.add(row)
    session.flush()
    return row


def remessa_marks(session: Session, invoice_id: int) -> list[InvoiceRemessaMark]:
    return list(session.scalars(select(InvoiceRemessaMark).where(InvoiceRemessaMark.invoice_id == invoice_id)
                                .order_by(InvoiceRemessaMark.at, InvoiceRemessaMark.id)))


# --- kernel actions -----------------------------------------------------------------------------

class RemoveParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    comments: Optional[str] = Field(default=None, title="Comentários", max_length=2000)


class SuspendParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    notes: Optional[str] = Field(default=None, title="Observações adicionais", max_length=500)


class CommentParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(title="Comentário", min_length=1, max_length=4000)


ALTER_WHAT = Literal["descricao", "vencimento", "valor", "desconto_instrucao"]


class AlterParams(BaseModel):
    """"Alterar Fatura": what to change and the fields of that change; justification required."""

    model_config = ConfigDict(extra="ignore")
    justification: str = Field(title="Justificativa", min_length=1, max_length=500)
    what: ALTER_WHAT = Field(title="O que alterar")
    description: Optional[str] = Field(default=None, title="Descrição da fatura", max_length=200)
    due_date: Optional[date] = Field(default=None, title="Nova data de vencimento")
    surcharge: Optional[Decimal] = Field(default=None, title="Acréscimo pelo novo vencimento", ge=0)
    new_total: Optional[Decimal] = Field(default=None, title="Novo valor da fatura", gt=0)
    discount_amount: Optional[Decimal] = Field(default=None, title="Valor do desconto", ge=0)
    discount_until: Optional[date] = Field(default=None, title="Data máxima do desconto")
    instruction: Optional[str] = Field(default=None, title="Instrução do boleto", max_length=250)

    @model_validator(mode="after")
    def _fields_of_the_change(self):
        if not self.justification.strip():
            raise ValueError(_("Informe a justificativa."))
        if self.what == "descricao" and not (self.description or "").strip():
            raise ValueError(_("Informe a descrição da fatura."))
        if self.what == "vencimento" and self.due_date is None:
            raise ValueError(_("Informe a nova data de vencimento."))
        if self.what == "valor" and self.new_total is None:
            raise ValueError(_("Informe o novo valor da fatura."))
        return self


def _checker(rules):
    def check(ctx, records, params):
        return [b for inv in records for b in blockers(rules, inv)]
    return check


def _check_spc(ctx, records, params):
    return spc_blockers(ctx.session, records)


def _run_remove(ctx, records, params):
    for inv in records:  # charges released after: the removal entry splits revenue by them
        remove_invoice(ctx.session, inv, user=ctx.user, reason=ctx.reason,
                       comments=params.comments or ctx.justification, ctx=ctx, release=False, flush=False)
    release_charges(ctx.session, [inv.id for inv in records])


def _run_suspend(ctx, records, params):
    for inv in records:
        suspend_invoice(ctx.session, inv, reason=ctx.reason, notes=params.notes or ctx.justification, user=ctx.user,
                        now=ctx.now)


REMESSA_GENERATED = "fatura.remessa_gerada"


def _warn_suspend(ctx, records, params):
    """`suspension_warnings` as the suspend action's warnings (shown before confirming)."""
    return [Advice(rid, REMESSA_GENERATED, text) for rid, text in suspension_warnings(records).items()]


def _run_cancel_suspension(ctx, records, params):
    for inv in records:
        cancel_invoice_suspension(ctx.session, inv, user=ctx.user, now=ctx.now)


def _run_alter(ctx, records, params):
    for inv in records:
        if params.what == "descricao":
            alter_description(ctx.session, inv, params.description)
        elif params.what == "desconto_instrucao":
            alter_discount(ctx.session, inv, discount_amount=params.discount_amount,
                           discount_until=params.discount_until, instruction=params.instruction)
        elif params.what == "vencimento":
            alter_due_date(ctx.session, inv, params.due_date, surcharge=params.surcharge, user=ctx.user,
                           justification=params.justification, ctx=ctx)
        else:
            alter_value(ctx.session, inv, params.new_total, user=ctx.user, justification=params.justification,
                        ctx=ctx)


def _run_comment(ctx, records, params):
    for inv in records:
        add_comment(ctx.session, inv, params.text, user=ctx.user, now=ctx.now, flush=False)


def _run_spc(ctx, records, params):
    for inv in records:
        add_to_spc(ctx.session, inv, user=ctx.user, now=ctx.now, checked=True, flush=False)


def _run_mark(ctx, records, params):
    for inv in records:
        set_remessa_mark(ctx.session, inv, True, user=ctx.user, now=ctx.now)


def _run_unmark(ctx, records, params):
    for inv in records:
        set_remessa_mark(ctx.session, inv, False, user=ctx.user, now=ctx.now)


ACTIONS = (
    Action("receivables.invoice.remove", "Remover fatura", Invoice, PERM_REMOVE, _run_remove, RemoveParams,
           confirm="Tem certeza que deseja remover a(s) fatura(s) selecionada(s)?", reason_kind=REASON_REMOVAL,
           check=_checker(REMOVE_RULES),
           description="A fatura vai para “Faturas que foram excluídas”. As contas NÃO são removidas: voltam "
                       "para “Contas não faturadas” — remova-as lá, ou o próximo faturamento as cobrará de novo."),
    Action("receivables.invoice.suspend", "Suspender fatura", Invoice, PERM_MANAGE, _run_suspend, SuspendParams,
           reason_kind=REASON_SUSPENSION, check=_checker(SUSPEND_RULES), warn=_warn_suspend,
           description="Use quando não desejar cobrar a fatura do cliente."),
    Action("receivables.invoice.cancel_suspension", "Cancelar suspensão da fatura", Invoice, PERM_MANAGE,
           _run_cancel_suspension, NoParams, check=_checker(CANCEL_SUSPENSION_RULES)),
    Action("receivables.invoice.alter", "Alterar fatura", Invoice, PERM_MANAGE, _run_alter, AlterParams,
           check=_checker(ALTER_RULES),
           description="Alteração de data de vencimento e de valor remove a fatura e cria uma nova, com novo "
                       "número (e novo nosso número para o boleto)."),
    Action("receivables.invoice.comment", "Inserir comentário na fatura", Invoice, PERM_COMMENT, _run_comment,
           CommentParams),
    Action("receivables.invoice.add_to_spc", "Adicionar fatura selecionada ao SPC", Invoice, PERM_MANAGE, _run_spc,
           NoParams, check=_check_spc,
           description="Controle interno: a fatura passa a constar em “Faturas Cadastradas ao SPC”; não há "
                       "integração com o SPC."),
    Action("receivables.invoice.mark_remessa", "Incluir marcação de remessa transmitida", Invoice, PERM_MANAGE,
           _run_mark, NoParams, check=_checker(MARK_REMESSA_RULES),
           description="A fatura não entrará mais nos filtros de novas remessas."),
    Action("receivables.invoice.unmark_remessa", "Remover marcação de remessa transmitida", Invoice, PERM_MANAGE,
           _run_unmark, NoParams, check=_checker(UNMARK_REMESSA_RULES),
           description="Libera a fatura para alterações; depois gere um novo arquivo de remessa."),
)
