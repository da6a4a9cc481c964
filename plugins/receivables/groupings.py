"""Gerenciar agrupamentos: named groupings of a customer's contracts.

A grouping belongs to one customer (party) and has a name (up to 30 characters, unique per
customer). A contract is in a grouping when its `Contract.grouping_key` holds the grouping's
name; the billing run (`plugins.receivables.invoicing.group_charges`) invoices together the
charges of a customer's contracts that share the grouping (and due date), and separately those
of other groupings ("" = no grouping: together with the customer's other charges).

Services (caller's `Session`, never commit, pt-BR `ValidationError`):
`create_grouping`, `rename_grouping` (the contracts in it follow the new name),
`remove_grouping` (refused while it has contracts), `move_contracts` (to a grouping of the
contract's own customer, or out of any grouping), `groupings_of` (with contract counts).
Moving contracts regroups their OPEN invoices at once (`regroup_open_invoices`: removed and issued
again by the billing's grouping rule, new numbers — the manual's recreation warning is the
action's confirmation); settled/suspended/partial invoices stay as they are.

Kernel actions: `receivables.grouping.create|rename|remove` target the customer (the panel's party
id, like "Inserir conta"); `receivables.contract.move_grouping` targets contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import audit
from core.actions import Action, Blocker
from core.errors import ValidationError
from core.i18n import _
from core.model import Base, UTCDateTime, utcnow
from plugins.receivables.contract_tools import CONFIRM as RECREATION_CONFIRM
from plugins.receivables.models import Contract

PERM_GROUPINGS = "receivables.contract.groupings"
PERMISSIONS = {PERM_GROUPINGS: ("Gerenciar agrupamentos de contratos", "Contratos")}
NAME_MAX = 30  # Contract.grouping_key is String(30)


class ContractGrouping(Base):
    """One named grouping of a customer's contracts."""

    __tablename__ = "receivables_contract_grouping"
    __table_args__ = (UniqueConstraint("party_id", "name", name="uq_receivables_contract_grouping_party_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(150))


@dataclass
class GroupingRow:
    id: int
    name: str
    contracts: int


def _clean(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError(_("Informe o nome do agrupamento."), field="name")
    if len(text) > NAME_MAX:
        raise ValidationError(_("O nome do agrupamento aceita no máximo {n} caracteres.").format(n=NAME_MAX),
                              field="name")
    return text


def find_grouping(session: Session, party_id: int, name: str) -> ContractGrouping | None:
    return session.scalar(select(ContractGrouping).where(ContractGrouping.party_id == party_id,
                                                         ContractGrouping.name == " ".join((name or "").split())))


def _require_grouping(session: Session, party_id: int, name: str) -> ContractGrouping:
    found = find_grouping(session, party_id, name)
    if found is None:
        raise ValidationError(_("O agrupamento «{name}» não existe para este cliente.").format(name=name), field="name")
    return found


def _contracts_in(session: Session, party_id: int, name: str) -> int:
    return session.scalar(select(func.count()).select_from(Contract).where(
        Contract.party_id == party_id, Contract.grouping_key == name)) or 0


def _snap(g: ContractGrouping) -> dict:
    return {"party_id": g.party_id, "name": g.name}


def create_grouping(session: Session, party_id: int, name: str, *, user=None) -> ContractGrouping:
    text = _clean(name)
    if find_grouping(session, party_id, text) is not None:
        raise ValidationError(_("Já existe o agrupamento «{name}» para este cliente.").format(name=text), field="name")
    g = ContractGrouping(party_id=party_id, name=text, created_by=getattr(user, "username", None))
    session.add(g)
    session.flush()
    audit.record(session, action="receivables.grouping.create", target_kind=ContractGrouping.__tablename__,
                 target_id=g.id, user=user, after=_snap(g))
    return g


def rename_grouping(session: Session, party_id: int, name: str, new_name: str, *, user=None) -> int:
    """Rename; the customer's contracts in the grouping follow. Returns how many contracts moved."""
    g = _require_grouping(session, party_id, name)
    text = _clean(new_name)
    if text == g.name:
        raise ValidationError(_("O novo nome é igual ao atual."), field="new_name")
    if find_grouping(session, party_id, text) is not None:
        raise ValidationError(_("Já existe o agrupamento «{name}» para este cliente.").format(name=text),
                              field="new_name")
    before = _snap(g)
    moved = session.execute(update(Contract).where(Contract.party_id == party_id, Contract.grouping_key == g.name)
                            .values(grouping_key=text).execution_options(synchronize_session="fetch")).rowcount
    g.name = text
    session.flush()
    audit.record(session, action="receivables.grouping.rename", target_kind=ContractGrouping.__tablename__,
                 target_id=g.id, user=user, before=before, after=_snap(g))
    return moved


def remove_grouping(session: Session, party_id: int, name: str, *, user=None) -> None:
    g = _require_grouping(session, party_id, name)
    count = _contracts_in(session, party_id, g.name)
    if count:
        raise ValidationError(_("O agrupamento «{name}» possui {n} contrato(s); mova-os para outro agrupamento "
                                "antes de removê-lo.").format(name=g.name, n=count), field="name")
    audit.record(session, action="receivables.grouping.remove", target_kind=ContractGrouping.__tablename__,
                 target_id=g.id, user=user, before=_snap(g))
    session.delete(g)
    session.flush()


def refuse_move(session: Session, contract: Contract, name: str | None) -> str | None:
    """Why `contract` cannot go to grouping `name` (None/"" = out of any grouping)."""
    text = " ".join((name or "").split())
    if text and find_grouping(session, contract.party_id, text) is None:
        return _("O agrupamento «{name}» não existe para o cliente do contrato {id}.").format(name=text, id=contract.id)
    if (contract.grouping_key or "") == text:
        return (_("O contrato {id} já está no agrupamento «{name}».").format(id=contract.id, name=text) if text
                else _("O contrato {id} não está em nenhum agrupamento.").format(id=contract.id))
    return None


def move_contracts(session: Session, contracts: list[Contract], name: str | None, *, regroup: bool = True,
                   user=None, justification: str | None = None, ctx=None) -> list[tuple[int, list[int]]]:
    """Move the contracts to grouping `name` ("" / None = out of any grouping). With `regroup`,
    their OPEN invoices are regrouped at once (`regroup_open_invoices`); returns what it did."""
    text = " ".join((name or "").split())
    for c in contracts:
        refusal = refuse_move(session, c, text)
        if refusal:
            raise ValidationError(refusal, field="grouping")
        c.grouping_key = text or None
    session.flush()
    if not regroup:
        return []
    return regroup_open_invoices(session, [c.id for c in contracts], user=user, justification=justification, ctx=ctx)


def regroup_open_invoices(session: Session, contract_ids: list[int], *, user=None, justification: str | None = None,
                          ctx=None) -> list[tuple[int, list[int]]]:
    """The OPEN invoices holding charges of these contracts are removed (their charges released,
    `invoice_tools.remove_invoice`) and the released charges invoiced again by the billing's
    grouping rule (`invoicing.group_charges`: customer, company, the contracts' CURRENT grouping,
    due date; no minimum) with new numbers. Returns (old number, [new numbers]) pairs."""
    from plugins.receivables.billing import notify_invoices_created
    from plugins.receivables.invoice_log import RemovedInvoice
    from plugins.receivables.invoice_tools import remove_invoice
    from plugins.receivables.invoicing import group_charges, issue_invoices, open_charges
    from plugins.receivables.models import INVOICE_OPEN, Charge, Invoice

    if not contract_ids:
        return []
    held = select(Charge.invoice_id).where(Charge.contract_id.in_(contract_ids), Charge.invoice_id.is_not(None))
    old = list(session.scalars(select(Invoice).where(Invoice.id.in_(held), Invoice.status == INVOICE_OPEN)
                               .order_by(Invoice.number)))
    if not old:
        return []
    old_of = {inv.id: inv for inv in old}
    origin: dict[int, Invoice] = {cid: old_of[iid] for cid, iid in session.execute(  # charge id -> its invoice
        select(Charge.id, Charge.invoice_id).where(Charge.invoice_id.in_(list(old_of))))}
    removals = {inv.id: remove_invoice(session, inv, user=user, comments=justification, ctx=ctx) for inv in old}
    parties = sorted({inv.party_id for inv in old})
    released = [ch for ch in open_charges(session, party_from=parties[0], party_to=parties[-1], due_until=date.max,
                                          party_ids=parties) if ch.id in origin]
    new_of: dict[int, list[int]] = {inv.id: [] for inv in old}
    created: list[int] = []
    for group in group_charges(released):
        first = origin[group.charges[0].id]
        (new_id,) = issue_invoices(session, [group], competence=first.competence, description=first.description)
        created.append(new_id)
        for ch in group.charges:
            if new_id not in new_of[origin[ch.id].id]:
                new_of[origin[ch.id].id].append(new_id)
    session.flush()
    new_invoices = {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_(created)))}
    for inv in old:
        row: RemovedInvoice = removals[inv.id]
        row.replaced_by_invoice_id = new_of[inv.id][0] if new_of[inv.id] else None
    for new_id in created:
        audit.record(session, action="receivables.contract.move_grouping", target_kind=Invoice.__tablename__,
                     target_id=new_id, user=user, after=audit.snapshot(new_invoices[new_id]),
                     justification=justification)
    from plugins.receivables.accrual import accrue_invoices  # D clientes / C receita per new invoice

    accrue_invoices(session, getattr(ctx, "runtime", None), created, user=user)
    notify_invoices_created(session, getattr(ctx, "runtime", None), created)
    return [(inv.number, sorted(new_invoices[i].number for i in new_of[inv.id])) for inv in old]


def groupings_of(session: Session, party_id: int) -> list[GroupingRow]:
    """The customer's groupings by name, each with how many of its contracts are in it."""
    counts = dict(session.execute(select(Contract.grouping_key, func.count()).where(
        Contract.party_id == party_id, Contract.grouping_key.is_not(None)).group_by(Contract.grouping_key)).all())
    return [GroupingRow(g.id, g.name, int(counts.get(g.name, 0))) for g in session.scalars(
        select(ContractGrouping).where(ContractGrouping.party_id == party_id).order_by(ContractGrouping.name))]


# --- kernel actions -----------------------------------------------------------------------------

class CreateParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(title="Nome do agrupamento", min_length=1, max_length=NAME_MAX)


class RenameParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(title="Agrupamento", min_length=1, max_length=NAME_MAX)
    new_name: str = Field(title="Novo nome", min_length=1, max_length=NAME_MAX)


class RemoveParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(title="Agrupamento", min_length=1, max_length=NAME_MAX)


class MoveParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    grouping: Optional[str] = Field(default=None, title="Agrupamento (vazio = sem agrupamento)", max_length=NAME_MAX)


def _check_create(ctx, records, params):
    return [Blocker(p.id, "agrupamento.existente",
                    _("Já existe o agrupamento «{name}» para este cliente.").format(name=" ".join(params.name.split())))
            for p in records if params.name and find_grouping(ctx.session, p.id, params.name) is not None]


def _check_exists(ctx, records, params):
    return [Blocker(p.id, "agrupamento.inexistente",
                    _("O agrupamento «{name}» não existe para este cliente.").format(name=params.name))
            for p in records if params.name and find_grouping(ctx.session, p.id, params.name) is None]


def _check_remove(ctx, records, params):
    found = list(_check_exists(ctx, records, params))
    for p in records:
        g = find_grouping(ctx.session, p.id, params.name or "")
        if g is not None and (n := _contracts_in(ctx.session, p.id, g.name)):
            found.append(Blocker(p.id, "agrupamento.com_contratos",
                                 _("O agrupamento «{name}» possui {n} contrato(s); mova-os para outro agrupamento "
                                   "antes de removê-lo.").format(name=g.name, n=n)))
    return found


def _check_move(ctx, records, params):
    return [Blocker(c.id, "agrupamento.movimento_invalido", msg) for c in records
            if (msg := refuse_move(ctx.session, c, params.grouping))]


def _run_create(ctx, records, params):
    for p in records:
        create_grouping(ctx.session, p.id, params.name, user=ctx.user)


def _run_rename(ctx, records, params):
    for p in records:
        rename_grouping(ctx.session, p.id, params.name, params.new_name, user=ctx.user)


def _run_remove(ctx, records, params):
    for p in records:
        remove_grouping(ctx.session, p.id, params.name, user=ctx.user)


def _run_move(ctx, records, params):
    move_contracts(ctx.session, list(records), params.grouping, user=ctx.user, justification=ctx.justification,
                   ctx=ctx)


def _party_class():
    from core.parties.models import Party

    return Party


ACTIONS = (
    Action("receivables.grouping.create", "Criar agrupamento de contratos", _party_class(), PERM_GROUPINGS,
           _run_create, CreateParams, check=_check_create,
           description="Contratos do mesmo agrupamento saem juntos na mesma fatura no faturamento."),
    Action("receivables.grouping.rename", "Renomear agrupamento de contratos", _party_class(), PERM_GROUPINGS,
           _run_rename, RenameParams, check=_check_exists),
    Action("receivables.grouping.remove", "Remover agrupamento de contratos", _party_class(), PERM_GROUPINGS,
           _run_remove, RemoveParams, check=_check_remove),
    Action("receivables.contract.move_grouping", "Mover contratos para agrupamento", Contract, PERM_GROUPINGS,
           _run_move, MoveParams, check=_check_move, confirm=RECREATION_CONFIRM,
           description="As faturas EM ABERTO dos contratos são refeitas pelo novo agrupamento (removidas e "
                       "emitidas de novo, com novos números); o faturamento seguinte já agrupa assim."),
)
