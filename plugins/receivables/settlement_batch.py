"""Full settlement of many invoices at once (a bank's retorno: thousands of liquidações), with the
rules of `settlement.settle_invoice` and a fraction of its per-invoice cost.

`settle_invoices(session, requests, *, bank_account_id, user, runtime, description)` → one result per
request, in order: `Settled(settlement_id, invoice_id, entry_id)`, or the `ValidationError` / `SettlementRefused` that refused
THAT invoice (nothing of it written; the others go on — what a savepoint per invoice gives, without
the savepoints).

Per invoice, exactly as `settle_invoice` with method "profile_aguardando_conciliacao" and the amount,
interest and discount the bank reported: the manual's blockers (`settle_blockers`), the settlement date
(not before the issue date, not in the protected period), the `before_settle` hook of every plugin
(blockers refuse, adjustments become charges), a lower amount ⇒ DISCOUNT charge, higher ⇒ SURCHARGE;
the `after_settle` event after commit; one audit entry. A second request for the same invoice in the
batch is refused as already settled.

In bulk: the invoices are locked and re-read as plain rows in one query per 1,000 (`FOR UPDATE` on
PostgreSQL: a concurrent settlement of one of them waits, then sees it settled; the ORM `Invoice` is
read too only when some plugin implements `before_settle`, which receives it), partial settlements,
settlements (driver executemany, ids read back), charges, audit entries (the JSON of the
columns shared by the batch built once) and the invoice / charge status changes are read/written a
statement per kind and 1,000 invoices, not per invoice; ORM copies of the invoices already in the
session get the new status and total. The LEDGER gets ONE entry per settlement date (like the
billing run's accrual entries), posted before the settlements are inserted pointing at it:

    D  bank account ............................... Σ amounts received
    D  discount_account_code ...................... Σ discounts (when any)
    C  receivable_account_code .................... Σ face values (one line, like the billing's accrual)
    C  revenue_account_code ....................... Σ interest + penalty (when any)
    C  surcharge_account_code ..................... Σ surcharges (when any)

Every settlement of that date points at it (`Settlement.entry_id`); reversing one of them posts the
counter-entry of its own lines only (`settlement.reverse_settlement`). The advertência about older open
invoices is not computed here (nobody reads it in a batch).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import audit
from core.db import after_commit, insert_rows
from core.errors import ValidationError
from core.i18n import _
from core.ledger.services import LineSpec, post_entry, protected_until, protection_message
from core.model import utcnow
from core.models.audit import AuditEntry
from core.money import ZERO
from plugins.receivables.models import CHARGE_INVOICED, CHARGE_SETTLED, INVOICE_SETTLED, Charge, Invoice
from plugins.receivables.settlement import (AUDIT_KIND, AUDIT_SETTLE, KIND_DISCOUNT, KIND_SURCHARGE, ORIGIN_SETTLEMENT,
                                            SettlementRefused, _bank_account, _charge_row, _check_date, _ctx,
                                            _due_parts, _event_ctx, _fmt, _money, _notify, _settlement_lines,
                                            _settlement_values, settle_blockers)
from plugins.receivables.settlement_models import METHOD_PROFILE, Settlement, SettlementCharge

CHUNK = 1000
_INVOICE_COLUMNS = ("id", "number", "status", "company_id", "party_id", "issue_date", "due_date", "competence", "total")


@dataclass(frozen=True)
class SettleRequest:
    invoice_id: int
    paid_on: date
    amount: Decimal
    reported_interest: Decimal = ZERO
    reported_discount: Decimal = ZERO
    justification: str | None = None


class _InvoiceRow:
    """The invoice columns the batch reads (a Core row, not an ORM object: no identity map per row);
    `before_settle` still gets the ORM `Invoice` (hook contract) when some plugin implements it."""

    __slots__ = _INVOICE_COLUMNS

    def __init__(self, row):
        for name, value in zip(_INVOICE_COLUMNS, row):
            setattr(self, name, value)


def _locked_invoices(session: Session, ids: list[int]) -> dict[int, _InvoiceRow]:
    session.flush()
    table = Invoice.__table__
    columns = [table.c[name] for name in _INVOICE_COLUMNS]
    out: dict[int, _InvoiceRow] = {}
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(select(*columns).where(table.c.id.in_(ids[i:i + CHUNK])).order_by(table.c.id)
                               .with_for_update())
        out.update((row[0], _InvoiceRow(row)) for row in rows)
    return out


def _hook_invoices(session: Session, runtime, ids: list[int]) -> dict[int, Invoice]:
    """The ORM invoices `before_settle` receives — read only when some plugin implements the hook."""
    if not runtime.hook.before_settle.get_hookimpls():
        return {}
    out: dict[int, Invoice] = {}
    for i in range(0, len(ids), CHUNK):
        out.update((inv.id, inv) for inv in session.scalars(
            select(Invoice).where(Invoice.id.in_(ids[i:i + CHUNK])).execution_options(populate_existing=True)))
    return out


def _with_partials(session: Session, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        found.update(session.scalars(select(Settlement.invoice_id).where(
            Settlement.invoice_id.in_(ids[i:i + CHUNK]), Settlement.partial.is_(True), Settlement.reversed.is_(False))))
    return found


def settle_invoices(session: Session, requests: list[SettleRequest], *, bank_account_id: int, user=None, runtime=None,
                    description: str) -> list:
    """Settle the requested invoices (see the module docstring); `description` names the batch in the
    ledger entries (e.g. "Retorno CB0101.RET"). Never commits."""
    if runtime is None:
        raise ValueError("settle_invoices: informe o runtime (hooks e configurações)")
    ids = sorted({r.invoice_id for r in requests})
    invoices = _locked_invoices(session, ids)
    hooked = _hook_invoices(session, runtime, ids)
    partials = _with_partials(session, ids)
    protection: dict[int, date | None] = {}
    banks: dict[int, object] = {}
    contexts: dict[int, object] = {}
    results: list = [None] * len(requests)
    accepted = []  # (index, request, invoice, parts)
    for i, r in enumerate(requests):
        invoice = invoices.get(r.invoice_id)
        try:
            if invoice is None:
                raise ValidationError(_("Fatura {id} não encontrada.").format(id=r.invoice_id), field="invoice")
            cid = invoice.company_id
            blockers = settle_blockers(session, invoice, partial=invoice.id in partials)
            if blockers:
                raise SettlementRefused(blockers)
            paid_on = _check_date(r.paid_on, "paid_on", _("data de liquidação"))
            if paid_on < invoice.issue_date:
                raise ValidationError(
                    _("A data de liquidação ({d}) não pode ser anterior à data de emissão da fatura {n} ({e}).")
                    .format(d=_fmt(paid_on), n=invoice.number, e=_fmt(invoice.issue_date)), field="paid_on")
            if cid not in protection:
                protection[cid] = protected_until(session, cid)
            if protection[cid] is not None and paid_on <= protection[cid]:
                raise ValidationError(protection_message(protection[cid], paid_on), field="paid_on")
            if cid not in banks:
                banks[cid] = _bank_account(session, cid, bank_account_id)
                contexts[cid] = _ctx(session, user, runtime, cid)
            received = _money(r.amount, _("Valor de liquidação"), "amount")
            if received <= 0:
                raise ValidationError(_("O valor de liquidação deve ser maior que zero."), field="amount")
            reported = (_money(r.reported_interest or ZERO, _("Juros"), "reported_interest"),
                        _money(r.reported_discount or ZERO, _("Desconto"), "reported_discount"))
            parts = _due_parts(hooked.get(invoice.id, invoice), paid_on=paid_on, received=received,
                               method=METHOD_PROFILE, runtime=runtime, ctx=contexts[cid], reported=reported)
            due = parts.amount
            if received < due:
                parts.add(KIND_DISCOUNT, _("Desconto na liquidação da fatura {n}").format(n=invoice.number),
                          received - due)
            elif received > due:
                parts.add(KIND_SURCHARGE, _("Acréscimo na liquidação da fatura {n}").format(n=invoice.number),
                          received - due)
        except ValidationError as exc:
            results[i] = exc
            continue
        invoice.status = INVOICE_SETTLED  # a 2nd request for it: "já está liquidada"
        accepted.append((i, r, invoice, parts))
    if accepted:
        _write(session, accepted, results, banks, contexts, user=user, runtime=runtime, description=description)
    return results


@dataclass(frozen=True)
class Settled:
    """A settlement the batch wrote (its row is read back only by who needs it)."""

    settlement_id: int
    invoice_id: int
    entry_id: int | None


def _write(session: Session, accepted: list, results: list, banks: dict, contexts: dict, *, user, runtime,
           description: str) -> None:
    now = utcnow()
    entry_of = _post_entries(session, accepted, banks, user=user, runtime=runtime, description=description)
    values = [{**_settlement_values(invoice, parts, paid_on=r.paid_on, method=METHOD_PROFILE,
                                    bank=banks[invoice.company_id], justification=r.justification, user=user,
                                    partial=False), "created_at": now, "entry_id": entry_id}
              for (_i, r, invoice, parts), entry_id in zip(accepted, entry_of)]
    ids = _insert_settlements(session, values)
    _update_invoices(session, accepted, ids)
    _audit(session, values, ids, now, user)
    events = [(v["invoice_id"], sid, _event_ctx(contexts[v["company_id"]])) for v, sid in zip(values, ids)]
    after_commit(session, lambda: [_notify(runtime, "after_settle", inv, sid, ctx) for inv, sid, ctx in events])
    for (i, _r, invoice, _p), sid, entry_id in zip(accepted, ids, entry_of):
        results[i] = Settled(sid, invoice.id, entry_id)


def _insert_settlements(session: Session, values: list[dict]) -> list[int]:
    """Insert the settlements (driver executemany, no ORM) and read their ids back: the newest
    settlement of each invoice — one per invoice in a batch, and the invoices are locked."""
    table = Settlement.__table__
    insert_rows(session, table, values)
    sid_of: dict[int, int] = {}
    invoice_ids = [v["invoice_id"] for v in values]
    for i in range(0, len(invoice_ids), CHUNK):
        sid_of.update(session.execute(select(table.c.invoice_id, func.max(table.c.id))
                                      .where(table.c.invoice_id.in_(invoice_ids[i:i + CHUNK]))
                                      .group_by(table.c.invoice_id)).all())
    return [sid_of[invoice_id] for invoice_id in invoice_ids]


def _update_invoices(session: Session, accepted: list, ids: list[int]) -> None:
    """Status (and, where the settlement added charges, total) of the settled invoices and their
    charges, in statements per 1,000 invoices; ORM copies already in the session follow."""
    charges, totals = [], []
    for (_i, _r, invoice, parts), sid in zip(accepted, ids):
        if parts.charges:
            charges.extend((sid, kind, _charge_row(invoice, text, signed)) for kind, text, signed in parts.charges)
            invoice.total = invoice.total + sum((signed for _k, _t, signed in parts.charges), ZERO)
            totals.append({"b_id": invoice.id, "b_total": invoice.total})
    inv = Invoice.__table__
    invoice_ids = [invoice.id for _i, _r, invoice, _p in accepted]
    for k in range(0, len(invoice_ids), CHUNK):
        chunk = invoice_ids[k:k + CHUNK]
        session.execute(update(inv).where(inv.c.id.in_(chunk)).values(status=INVOICE_SETTLED))
        session.execute(update(Charge).where(Charge.invoice_id.in_(chunk), Charge.status == CHARGE_INVOICED,
                                             Charge.origin != ORIGIN_SETTLEMENT)
                        .values(status=CHARGE_SETTLED).execution_options(synchronize_session=False))
    if totals:
        session.execute(update(inv).where(inv.c.id == bindparam("b_id")).values(total=bindparam("b_total")), totals)
    if charges:
        session.add_all([ch for _s, _k, ch in charges])
        session.flush()
        session.add_all([SettlementCharge(settlement_id=sid, charge_id=ch.id, kind=kind) for sid, kind, ch in charges])
    loaded = {obj.id: obj for obj in session.identity_map.values() if isinstance(obj, Invoice)}
    for _i, _r, invoice, _p in accepted:
        obj = loaded.get(invoice.id)
        if obj is not None:  # e.g. read by the caller or for `before_settle`: not stale after the Core UPDATE
            set_committed_value(obj, "status", INVOICE_SETTLED)
            set_committed_value(obj, "total", invoice.total)


def _audit(session: Session, values: list[dict], ids: list[int], now, user) -> None:
    """One audit entry per settlement, as `settle_invoice` writes it (`after` = the settlement's
    columns, `changes` = `audit.diff(None, after)`), built without ORM objects; the columns with one
    value for the whole batch (`_BATCH_CONSTANT`) are converted to JSON once."""
    json_value, ignored = audit.json_value, audit.DIFF_IGNORED
    columns = [attr.key for attr in Settlement.__mapper__.column_attrs]
    first = values[0]
    template = {key: json_value(first.get(key)) if key in _BATCH_CONSTANT else None for key in columns}
    varying = [key for key in columns if key in first and key not in _BATCH_CONSTANT]
    base = {"at": now, "user_id": getattr(user, "id", None), "username": getattr(user, "username", None),
            "action": AUDIT_SETTLE, "target_kind": AUDIT_KIND, "reason": None, "before": None}
    rows = []
    for v, sid in zip(values, ids):
        after = dict(template)
        for key in varying:
            after[key] = json_value(v[key])
        after["id"] = sid
        rows.append({**base, "company_id": v["company_id"], "target_id": sid, "justification": v["justification"],
                     "changes": {key: [None, value] for key, value in after.items()
                                 if value is not None and key not in ignored},
                     "after": after})
    insert_rows(session, AuditEntry.__table__, rows)


# Settlement columns with one value in a whole batch (`_write`: same method, bank account, user, time).
_BATCH_CONSTANT = frozenset({"method", "bank_account_id", "partial", "note", "user_id", "reversed", "created_at"})


def _post_entries(session: Session, accepted: list, banks: dict, *, user, runtime, description: str) -> list[int]:
    """One entry per (company, settlement date), posted before the settlements are inserted (they are
    inserted pointing at it): the settlements' lines merged per account and side (the customer on a
    line only when it is one customer — like the billing run's accrual entry, the per-invoice detail
    is in the settlements)."""
    groups: dict[tuple[int, date], list] = defaultdict(list)
    for k, (_i, r, invoice, parts) in enumerate(accepted):
        groups[(invoice.company_id, r.paid_on)].append((invoice, parts, k))
    entry_of: list = [None] * len(accepted)
    accounts: dict[int, dict] = defaultdict(dict)
    for (cid, paid_on), members in sorted(groups.items()):
        merged: dict[tuple, list] = {}  # (account, side) → [amount, parties, invoice numbers]
        for invoice, parts, _s in members:
            for ln in _settlement_lines(session, runtime, invoice, parts, banks[cid].id, accounts=accounts[cid]):
                side = "debit" if ln.debit is not None else "credit"
                acc = merged.setdefault((ln.account_id, side), [ZERO, set(), []])
                acc[0] += ln.debit if side == "debit" else ln.credit
                acc[1].add(ln.party_id)
                acc[2].append(invoice.number)
        lines = []
        for (account_id, side), (amount, parties, numbers) in merged.items():
            memo = (_("Fatura {n}").format(n=numbers[0]) if len(numbers) == 1
                    else _("{k} faturas").format(k=len(numbers)))
            make = LineSpec.dr if side == "debit" else LineSpec.cr
            lines.append(make(account_id, amount, party_id=next(iter(parties)) if len(parties) == 1 else None,
                              memo=memo))
        entry = post_entry(session, company_id=cid, date=paid_on,
                           description=_("Liquidação de {k} fatura(s) — {what}").format(k=len(members),
                                                                                       what=description)[:255],
                           lines=lines, user=user, origin_kind=AUDIT_KIND + "_lote", origin_id=None,
                           origin=description[:120])
        for _invoice, _parts, k in members:
            entry_of[k] = entry.id
    return entry_of
