"""Transfers between accounts ("Transferência entre Contas" of the manual) and their reconciliation.

Services take the caller's session, never commit, raise `ValidationError` in pt-BR.

- `create_transfer` / `alter_transfer` / `delete_transfer`: a transfer between two active analytic
  bank/cash accounts of one company posts ONE balanced entry dated the emission date: D "Conta de
  Entrada" (to), C "Conta de Saída" (from). Altering reverses the current entry (dated its own date,
  so that day's balance is what it was) and posts the new one; deleting reverses it and, as the
  manual says ("o lançamento correspondente será desconciliado"), frees the statement lines
  reconciled with it. Every change is refused inside the protected period with the kernel's message
  (`check_protection`, old and new dates). Altering a reconciled transfer is refused.
- `list_transfers(session, company_id, period=…)`: the "Listagem de Transferências" with the
  manual's period filter (hoje, 7, 15, 30 dias, or an informed period).
- `remembered_fields` / `remember_fields`: the last-used histórico, accounts and cost centre of a
  user, for 30 days.
- Reconciliation: `transfer_candidates_on` is the automatic rule 3 ("data de emissão e valor igual ao
  do extrato": a debit of the amount on the from-account's statement, a credit on the
  to-account's), used by `matching.find_automatic`; `transfer_candidates` lists them for one line;
  `reconcile_transfer` reconciles by hand; `unreconcile_transfer_lines` (called by
  `reconcile.unreconcile`) frees a line and, when the transfer is also reconciled on the other
  account, refuses with `PairConfirmationNeeded` unless `confirm_pair` — then both sides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationError
from core.ledger.models import Account, CostCentre
from core.ledger.services import LineSpec, check_protection, post_entry, reverse_entry
from core.model import utcnow
from core.money import format_brl, parse_money
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.reconcile_models import ORIGIN_MANUAL, Reconciliation, ReconciliationItem, Suggestion
from plugins.reconciliation.transfers_models import Transfer, TransferMemory

AUDIT_KIND = "reconciliation_transfer"
ORIGIN_KIND = "reconciliation.transfer"
MONEY_KINDS = ("bank", "cash")
MEMORY_DAYS = 30
PERIODS = {"hoje": 0, "7": 7, "15": 15, "30": 30}


class PairConfirmationNeeded(ValidationError):
    """The transfer is reconciled on both accounts: unreconciling one needs the operator's confirmation."""


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class TransferFields:
    issued_on: date
    amount: Decimal | str
    from_account_id: int
    to_account_id: int
    description: str
    note: str = ""
    cost_centre_id: int | None = None


def money_account(session: Session, account_id: int, field: str, company_id: int | None = None) -> Account:
    acc = session.get(Account, int(account_id)) if account_id is not None else None
    if acc is None or acc.kind not in MONEY_KINDS or acc.is_synthetic or not acc.active:
        raise ValidationError("Informe uma conta do tipo Banco ou Caixa, analítica e ativa.", field=field)
    if company_id is not None and acc.company_id != company_id:
        raise ValidationError(f"A conta {acc.code} - {acc.name} é de outra empresa.", field=field)
    return acc


def money_account_by_code(session: Session, code: str, field: str) -> Account:
    """The active analytic bank/cash account with that ledger code (one company)."""
    found = list(session.scalars(select(Account).where(Account.code == code.strip(), Account.kind.in_(MONEY_KINDS),
                                                       Account.is_synthetic.is_(False), Account.active.is_(True))))
    if len(found) != 1:
        raise ValidationError(f"Conta «{code}» não encontrada no plano de contas (contas do tipo Banco ou Caixa, "
                              "analíticas e ativas, de uma só empresa).", field=field)
    return found[0]


def _checked(session: Session, f: TransferFields) -> tuple[Account, Account, Decimal, str]:
    if not isinstance(f.issued_on, date):
        raise ValidationError("Informe a data da transferência.", field="issued_on")
    try:
        amount = parse_money(f.amount)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Valor da transferência: {exc}", field="amount") from None
    if amount <= 0:
        raise ValidationError("O valor da transferência deve ser maior que zero.", field="amount")
    src = money_account(session, f.from_account_id, "from_account_id")
    dst = money_account(session, f.to_account_id, "to_account_id", src.company_id)
    if src.id == dst.id:
        raise ValidationError("A conta de saída e a conta de entrada devem ser diferentes.", field="to_account_id")
    description = (f.description or "").strip()
    if not description:
        raise ValidationError("Informe o histórico da transferência.", field="description")
    if f.cost_centre_id is not None:
        cc = session.get(CostCentre, int(f.cost_centre_id))
        if cc is None or cc.company_id != src.company_id:
            raise ValidationError("Centro de custo não encontrado na empresa.", field="cost_centre_id")
    check_protection(session, src.company_id, f.issued_on, field="issued_on")
    return src, dst, amount, description


def _post(session: Session, t: Transfer, src: Account, dst: Account, user) -> None:
    entry = post_entry(session, company_id=t.company_id, date=t.issued_on,
                       description=f"Transferência {t.id}: {t.description} ({src.code} → {dst.code})",
                       lines=[LineSpec.dr(dst.id, t.amount, cost_centre_id=t.cost_centre_id),
                              LineSpec.cr(src.id, t.amount, cost_centre_id=t.cost_centre_id)],
                       origin_kind=ORIGIN_KIND, origin_id=t.id, origin=f"Transferência {t.id}", user=user)
    t.entry_id = entry.id


def _reverse(session: Session, t: Transfer, why: str, user) -> None:
    check_protection(session, t.company_id, t.issued_on, field="issued_on")
    reverse_entry(session, t.entry_id, on=t.issued_on, user=user, reason=why)


def snapshot(session: Session, t: Transfer) -> dict:
    src, dst = session.get(Account, t.from_account_id), session.get(Account, t.to_account_id)
    return {"id": t.id, "company_id": t.company_id, "issued_on": t.issued_on.isoformat(), "amount": str(t.amount),
            "from_account": f"{src.code} - {src.name}", "to_account": f"{dst.code} - {dst.name}",
            "from_account_id": src.id, "to_account_id": dst.id, "description": t.description, "note": t.note,
            "cost_centre_id": t.cost_centre_id, "entry_id": t.entry_id,
            "reconciled_line_ids": reconciled_lines(session, t.id)}


def create_transfer(session: Session, fields: TransferFields, *, user=None) -> Transfer:
    src, dst, amount, description = _checked(session, fields)
    t = Transfer(company_id=src.company_id, issued_on=fields.issued_on, amount=amount, from_account_id=src.id,
                 to_account_id=dst.id, description=description, note=(fields.note or "").strip(),
                 cost_centre_id=fields.cost_centre_id, user_id=getattr(user, "id", None))
    session.add(t)
    session.flush()
    _post(session, t, src, dst, user)
    remember_fields(session, user, t)
    audit.record(session, action="create", target_kind=AUDIT_KIND, target_id=t.id, user=user,
                 after=snapshot(session, t), company_id=t.company_id)
    session.flush()
    return t


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    t = session.get(Transfer, int(transfer_id))
    if t is None or t.deleted_at is not None:
        raise ValidationError(f"Transferência {transfer_id} não encontrada.", field="transfer_id")
    session.flush()
    session.refresh(t, with_for_update=True)
    return t


def alter_transfer(session: Session, transfer_id: int, fields: TransferFields, *, user=None) -> Transfer:
    """Reverse the current entry and post the altered transfer (refused when reconciled)."""
    t = get_transfer(session, transfer_id)
    if reconciled_lines(session, t.id):
        raise ValidationError(f"A transferência {t.id} está conciliada; desconcilie-a antes de alterar.",
                              field="transfer_id")
    src, dst, amount, description = _checked(session, fields)
    if src.company_id != t.company_id:
        raise ValidationError("A transferência não pode mudar de empresa.", field="from_account_id")
    before = snapshot(session, t)
    _reverse(session, t, f"Alteração da transferência {t.id}", user)
    t.issued_on, t.amount, t.from_account_id, t.to_account_id = fields.issued_on, amount, src.id, dst.id
    t.description, t.note, t.cost_centre_id = description, (fields.note or "").strip(), fields.cost_centre_id
    t.updated_at = utcnow()
    _post(session, t, src, dst, user)
    remember_fields(session, user, t)
    audit.record(session, action="update", target_kind=AUDIT_KIND, target_id=t.id, user=user, before=before,
                 after=snapshot(session, t), company_id=t.company_id)
    session.flush()
    return t


def delete_transfer(session: Session, transfer_id: int, *, user=None) -> list[int]:
    """Reverse the entry, free the statement lines reconciled with it (their ids) and mark it deleted."""
    t = get_transfer(session, transfer_id)
    before = snapshot(session, t)
    _reverse(session, t, f"Exclusão da transferência {t.id}", user)
    freed = _undo(session, _active_reconciliations(session, t.id), user=user)
    t.deleted_at, t.deleted_by, t.entry_id = utcnow(), getattr(user, "id", None), None
    audit.record(session, action="delete", target_kind=AUDIT_KIND, target_id=t.id, user=user, before=before,
                 after={"freed_line_ids": freed}, company_id=t.company_id)
    session.flush()
    return freed


# --- Listing (period filter) ---------------------------------------------------------------------

def period_range(period: str | None, *, today: date, date_from: date | None = None,
                 date_to: date | None = None) -> tuple[date | None, date | None]:
    """The manual's "Período": "hoje", "7", "15", "30" (últimos N dias, hoje incluído) or the informed dates."""
    if period is None:
        return date_from, date_to
    if period not in PERIODS:
        raise ValidationError("Período inválido: use hoje, 7, 15 ou 30 (dias), ou informe as datas.", field="period")
    days = PERIODS[period]
    return today - timedelta(days=max(days - 1, 0)), today


def list_transfers(session: Session, company_id: int, *, period: str | None = None, date_from: date | None = None,
                   date_to: date | None = None, today: date | None = None) -> list[dict]:
    start, end = period_range(period, today=today or date.today(), date_from=date_from, date_to=date_to)
    stmt = select(Transfer).where(Transfer.company_id == company_id, Transfer.deleted_at.is_(None))
    if start is not None:
        stmt = stmt.where(Transfer.issued_on >= start)
    if end is not None:
        stmt = stmt.where(Transfer.issued_on <= end)
    return [snapshot(session, t) for t in session.scalars(stmt.order_by(Transfer.issued_on, Transfer.id))]


# --- Last-used fields (30 days) ------------------------------------------------------------------

def remember_fields(session: Session, user, t: Transfer) -> None:
    uid = getattr(user, "id", None)
    if uid is None:
        return
    row = session.scalar(select(TransferMemory).where(TransferMemory.user_id == uid,
                                                      TransferMemory.company_id == t.company_id))
    if row is None:
        row = TransferMemory(user_id=uid, company_id=t.company_id)
        session.add(row)
    row.from_account_id, row.to_account_id = t.from_account_id, t.to_account_id
    row.description, row.cost_centre_id, row.saved_at = t.description, t.cost_centre_id, utcnow()


def remembered_fields(session: Session, user, company_id: int, *, now: datetime | None = None) -> dict | None:
    """The user's last histórico / accounts / cost centre when saved in the last 30 days, else None."""
    uid = getattr(user, "id", None)
    if uid is None:
        return None
    row = session.scalar(select(TransferMemory).where(TransferMemory.user_id == uid,
                                                      TransferMemory.company_id == company_id))
    if row is None or (now or utcnow()) - row.saved_at > timedelta(days=MEMORY_DAYS):
        return None
    return {"from_account_id": row.from_account_id, "to_account_id": row.to_account_id,
            "description": row.description, "cost_centre_id": row.cost_centre_id,
            "saved_at": row.saved_at.isoformat()}


# --- Reconciliation ------------------------------------------------------------------------------

def _active_reconciliations(session: Session, transfer_id: int) -> list[Reconciliation]:
    return list(session.scalars(
        select(Reconciliation).join(ReconciliationItem, ReconciliationItem.reconciliation_id == Reconciliation.id)
        .where(ReconciliationItem.transfer_id == transfer_id, Reconciliation.undone_at.is_(None))
        .order_by(Reconciliation.id)))


def reconciled_lines(session: Session, transfer_id: int) -> list[int]:
    return list(session.scalars(
        select(StatementLine.id).join(ReconciliationItem,
                                      ReconciliationItem.reconciliation_id == StatementLine.reconciliation_id)
        .where(ReconciliationItem.transfer_id == transfer_id).order_by(StatementLine.id)))


def _reconciled_on(bank_account_id: int):
    """Transfers already reconciled on that account's statement (a subquery of ids)."""
    return (select(ReconciliationItem.transfer_id)
            .join(Reconciliation, Reconciliation.id == ReconciliationItem.reconciliation_id)
            .where(ReconciliationItem.transfer_id.is_not(None), Reconciliation.undone_at.is_(None),
                   Reconciliation.bank_account_id == bank_account_id))


def transfer_candidates_on(session: Session, bank_account_id: int, day: date,
                           amounts: list[Decimal]) -> dict[Decimal, list[tuple[int, int]]]:
    """Rule 3: {signed line amount: [(transfer id, entry id)]} of transfers emitted on `day` that leave
    (debit −amount) or enter (credit +amount) the account and are not reconciled on it yet."""
    out: dict[Decimal, list[tuple[int, int]]] = defaultdict(list)
    wanted = sorted({abs(a) for a in amounts})
    taken = _reconciled_on(bank_account_id)
    for i in range(0, len(wanted), 500):
        for t_id, amount, src, dst, entry_id in session.execute(
                select(Transfer.id, Transfer.amount, Transfer.from_account_id, Transfer.to_account_id, Transfer.entry_id)
                .where(Transfer.issued_on == day, Transfer.amount.in_(wanted[i:i + 500]),
                       Transfer.deleted_at.is_(None), Transfer.id.not_in(taken))):
            if src == bank_account_id:
                out[-amount].append((t_id, entry_id))
            if dst == bank_account_id:
                out[amount].append((t_id, entry_id))
    return out


def transfer_candidates(session: Session, line_id: int) -> list[dict]:
    """Transfers with the line's date and amount on its side (what the automatic rule sees)."""
    from plugins.reconciliation.suggestions import get_line

    line = get_line(session, line_id)
    found = transfer_candidates_on(session, line.bank_account_id, line.posted_on, [line.amount])
    return [snapshot(session, session.get(Transfer, t_id)) for t_id, _e in found.get(line.amount, [])]


def reconcile_transfer(session: Session, line_id: int, transfer_id: int, *, origin: str = ORIGIN_MANUAL,
                       user=None) -> Reconciliation:
    """Reconcile a free statement line with a transfer that leaves (debit) or enters (credit) its account
    with the same amount. Never commits."""
    from plugins.reconciliation.matching import Candidate, FreeLine, record_reconciliations
    from plugins.reconciliation.reconcile import AUDIT_KIND as LINE_KIND, _check_protection, free_line

    line = free_line(session, line_id)
    t = get_transfer(session, transfer_id)
    side = {t.from_account_id: -t.amount, t.to_account_id: t.amount}.get(line.bank_account_id)
    if side is None:
        raise ValidationError(f"A transferência {t.id} não movimenta a conta bancária do lançamento.",
                              field="transfer_id")
    if side != line.amount:
        raise ValidationError(f"O valor do extrato ({format_brl(line.amount)}) difere do da transferência {t.id} "
                              f"nesta conta ({format_brl(side)}): só é possível conciliar com diferença zero.",
                              field="transfer_id")
    if session.scalar(_reconciled_on(line.bank_account_id).where(ReconciliationItem.transfer_id == t.id).limit(1)):
        raise ValidationError(f"A transferência {t.id} já está conciliada nesta conta.", field="transfer_id")
    bank = session.get(Account, line.bank_account_id)
    _check_protection(session, bank.company_id, line.posted_on)
    record_reconciliations(session, bank, [(FreeLine(line.id, line.posted_on, line.amount),
                                            Candidate(None, None, t.entry_id, t.id), False)],
                           origin=origin, user=user)
    session.refresh(line)
    audit.record(session, action="reconciliation.reconcile", target_kind=LINE_KIND, target_id=line.id, user=user,
                 after={"reconciliation_id": line.reconciliation_id, "origin": origin, "transfer_id": t.id},
                 company_id=bank.company_id)
    session.flush()
    return session.get(Reconciliation, line.reconciliation_id)


def _undo(session: Session, recs: list[Reconciliation], *, user=None, disable_auto: bool = False) -> list[int]:
    """Mark the reconciliations undone and free their lines: the freed line ids."""
    freed: list[int] = []
    for rec in recs:
        rec.undone_at, rec.undone_by = utcnow(), getattr(user, "id", None)
        for ln in session.scalars(select(StatementLine).where(StatementLine.reconciliation_id == rec.id)):
            ln.reconciliation_id = None
            ln.auto_disabled = ln.auto_disabled or disable_auto
            freed.append(ln.id)
    if freed:
        session.execute(delete(Suggestion).where(Suggestion.line_id.in_(freed)))
    return freed


def unreconcile_transfer_lines(session: Session, rec: Reconciliation, *, confirm_pair: bool = False,
                               disable_auto: bool = False, user=None) -> list[int]:
    """Undo a reconciliation holding transfer(s) (the caller checked the protection date of `rec`); when a
    transfer is also reconciled on another account, that one is undone too — only with `confirm_pair`
    ("Ao selecionar a opção "Sim" a desconciliação ocorrerá nas duas contas")."""
    transfer_ids = list(session.scalars(select(ReconciliationItem.transfer_id).where(
        ReconciliationItem.reconciliation_id == rec.id, ReconciliationItem.transfer_id.is_not(None))))
    others = [o for t_id in transfer_ids for o in _active_reconciliations(session, t_id) if o.id != rec.id]
    if others and not confirm_pair:
        acc = session.get(Account, others[0].bank_account_id)
        raise PairConfirmationNeeded(
            f"A transferência {', '.join(map(str, transfer_ids))} também está conciliada na conta {acc.code} - "
            f"{acc.name} (lançamento de {_fmt(others[0].posted_on)}, {format_brl(others[0].amount)}). Confirme para "
            "desconciliar as duas contas.", field="confirm_pair")
    return _undo(session, [rec, *others], user=user, disable_auto=disable_auto)
