"""Contract tools of the manual's "Contratos" panel not in `contracts.py`: remove the
awaiting-activation instruction, change the payment profile, general changes, renew installments
manually, and the contract's attachments / the customer's image bank (on `core.attachments`).

Every service takes the caller's `Session`, never commits and raises `core.errors.ValidationError`
(pt-BR). The same refusals are the blockers of the kernel actions (`ACTIONS`).

- **Remover instrução de aguardando ativação** (`remove_awaiting_instruction`): the awaiting
  contract becomes active on the given date WITHOUT generating any charge (unlike "Ativar
  contrato aguardando ativação", which creates the month's charge); the next billing run bills
  it from that date.
- **Trocar profile de pagamento** (`change_payment_profile`): the options come from the hook
  `payment_profile_choices(session, company_id)` (normally `bank_profiles`); with no plugin
  answering the only option is the default "Carteira". The contract keeps the profile id
  (`payment_profile_id`, no foreign key) and its label as `wallet`.
- **Alterações gerais** (`general_changes`): pure data (descrição, observação, envia fatura por
  e-mail) change only the contract; the special price re-plans the future UNBILLED charges
  (`contracts.replan_unbilled`, like trocar plano); the carteira text changes the invoices.
- Changes that reach the invoices (profile, carteira) RECREATE the contract's OPEN invoices:
  each one is removed and a new one with a new number is created with the same charges and due
  date and the new carteira (`invoice_tools.recreate_invoice`) — the manual's warning
  (`RECREATION_WARNING`, the actions' confirmation): the boleto must be sent again, it gets a new
  nosso número. Settled, partially settled, suspended and removed invoices are not touched. An
  invoice holding charges of other contracts too (same grouping) is recreated whole.
- **Renovar parcelas manualmente** (`renew_installments`): for a contract with a fixed number of
  installments (`Contract.installments`), create N more monthly charges for the competences
  after the contract's last recurring charge (the activation month when it has none), numbered
  after the ones it already has ("parcela 13/15"); the term (`installments`) grows when the
  renewal passes it and `installments_generated` records how many exist. Same idempotency key as
  the billing run — (contract, competence, "mensalidade") with ON CONFLICT DO NOTHING — so a
  renewed competence is never billed twice, and the billing run invoices the renewed charges
  when they fall due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import attachments as att
from core.actions import Action, ActionContext, Blocker
from core.errors import ValidationError
from core.i18n import _
from core.money import from_cents, round_money
from plugins.receivables.contracts import PERM_MANAGE, refuse_activate, refuse_change, replan_unbilled
from plugins.receivables.models import (CHARGE_OPEN, CHARGE_REMOVED, CONTRACT_ACTIVE, CONTRACT_AWAITING,
                                        CONTRACT_CANCELLED, INVOICE_OPEN, ORIGIN_CONTRACT, RECURRING_MONTHLY, Charge,
                                        Contract, Invoice)

PERM_ATTACH = "receivables.contract.attachments"
PERMISSIONS = {PERM_ATTACH: ("Anexar arquivos aos contratos e imagens ao cliente", "Contratos")}

DEFAULT_WALLET = "Carteira"
MAX_RENEW = 120
CONTRACT_KIND = Contract.__tablename__
PARTY_KIND = "party"

RECREATION_WARNING = (
    "Atenção: Ao realizar as alterações necessárias e efetivar a alteração automaticamente será removido as "
    "faturas antigas e será criado uma nova fatura. Portanto, caso você já tenha entregue o boleto para o seu "
    "cliente, será necessário realizar o envio novamente, pois após a remoção e inserção de uma nova fatura será "
    "gerado também um novo nosso número para o boleto.")

PURE_FIELDS = ("description", "notes", "email_billing")      # contract data only
REPLAN_FIELDS = ("price_override",)                          # future unbilled charges
INVOICE_FIELDS = ("wallet",)                                 # open invoices recreated
GENERAL_FIELDS = PURE_FIELDS + REPLAN_FIELDS + INVOICE_FIELDS


@dataclass
class ChangeResult:
    """What a contract change did: fields changed, charges re-planned, invoices recreated
    ((old number, new number) pairs)."""

    changed: list[str] = field(default_factory=list)
    replanned: int = 0
    recreated: list[tuple[int, int]] = field(default_factory=list)


# --- refusals -----------------------------------------------------------------------------------

def refuse_remove_awaiting(c: Contract) -> str | None:
    return refuse_activate(c)  # "O contrato X não está aguardando ativação."


def refuse_renew(c: Contract) -> str | None:
    if c.status == CONTRACT_CANCELLED:
        return _("O contrato {id} está cancelado e não pode ser alterado.").format(id=c.id)
    if c.status == CONTRACT_AWAITING:
        return _("O contrato {id} aguarda ativação.").format(id=c.id)
    if c.installments is None:
        return _("O contrato {id} não possui parcelas fixas.").format(id=c.id)
    return None


def _require(refusal: str | None, field: str | None = None) -> None:
    if refusal:
        raise ValidationError(refusal, field=field)


# --- remove the awaiting-activation instruction -------------------------------------------------

def remove_awaiting_instruction(session: Session, contract: Contract, on: date) -> None:
    """Active from `on`, no charge generated now (the billing run bills it from `on`)."""
    _require(refuse_remove_awaiting(contract))
    contract.status = CONTRACT_ACTIVE
    contract.activated_on = on
    session.flush()


# --- open invoices: recreation ------------------------------------------------------------------

def open_invoices_of(session: Session, contract: Contract) -> list[Invoice]:
    """The contract's OPEN invoices (those holding at least one of its charges), by number."""
    inv_ids = select(Charge.invoice_id).where(Charge.contract_id == contract.id, Charge.invoice_id.is_not(None))
    return list(session.scalars(select(Invoice).where(Invoice.id.in_(inv_ids), Invoice.status == INVOICE_OPEN)
                                .order_by(Invoice.number)))


def recreate_open_invoices(session: Session, contract: Contract, *, action: str, user=None,
                           justification: str | None = None, ctx: ActionContext | None = None) -> list[tuple[int, int]]:
    """Remove each open invoice of the contract and create it again (new number, the contract's
    current carteira). Returns (old number, new number) pairs."""
    from plugins.receivables.invoice_tools import recreate_invoice

    done = []
    for inv in open_invoices_of(session, contract):
        new = recreate_invoice(session, inv, user=user, justification=justification, ctx=ctx, action=action,
                               wallet=contract.wallet)
        done.append((inv.number, new.number))
    return done


# --- payment profile ----------------------------------------------------------------------------

def payment_profile_options(runtime, session: Session, company_id: int | None) -> list[tuple[int | None, str]]:
    """(profile id, label) offered to a contract of `company_id`: the hook's answers, or only the
    default (None, "Carteira") when no plugin answers."""
    found: list[tuple[int | None, str]] = []
    seen: set[int] = set()
    if runtime is not None:
        for answer in runtime.hook.payment_profile_choices(session=session, company_id=company_id):
            for pid, label in answer or ():
                if int(pid) not in seen:
                    seen.add(int(pid))
                    found.append((int(pid), str(label)))
    return found or [(None, DEFAULT_WALLET)]


def change_payment_profile(session: Session, contract: Contract, profile_id: int | None, *, runtime=None,
                           user=None, justification: str | None = None,
                           ctx: ActionContext | None = None) -> ChangeResult:
    """Trocar profile de pagamento; recreates the contract's open invoices with the new carteira."""
    _require(refuse_change(contract))
    label = _profile_label(runtime, session, contract, profile_id)
    if label is None:
        raise ValidationError(_("Profile de pagamento inexistente para a empresa do contrato: {id}")
                              .format(id=profile_id), field="payment_profile_id")
    _require(refuse_same_profile(runtime, session, contract, profile_id), "payment_profile_id")
    contract.payment_profile_id = profile_id
    contract.wallet = label
    session.flush()
    recreated = recreate_open_invoices(session, contract, action="receivables.contract.change_payment_profile",
                                       user=user, justification=justification, ctx=ctx)
    return ChangeResult(changed=["payment_profile_id", "wallet"], recreated=recreated)


# --- general changes ----------------------------------------------------------------------------

def _normal(name: str, value):
    if name in ("description", "notes", "wallet"):
        text = (value or "").strip()
        limit = {"description": 200, "wallet": 60}.get(name)
        if limit and len(text) > limit:
            raise ValidationError(_("O campo {name} aceita no máximo {n} caracteres.").format(name=name, n=limit),
                                  field=name)
        return text or None
    if name == "price_override":
        if value is None:
            return None
        amount = round_money(Decimal(value))
        if amount < 0:
            raise ValidationError(_("O preço especial não pode ser negativo."), field="price_override")
        return amount
    return bool(value)


def general_changes(session: Session, contract: Contract, changes: dict, *, from_competence: date | None = None,
                    user=None, justification: str | None = None, ctx: ActionContext | None = None) -> ChangeResult:
    """Alterações gerais: `changes` maps fields of `GENERAL_FIELDS` to new values (absent = kept).
    Pure data only change the contract; the special price re-plans the future unbilled charges;
    the carteira recreates the open invoices (see the module docstring)."""
    _require(refuse_change(contract))
    unknown = sorted(set(changes) - set(GENERAL_FIELDS))
    if unknown:
        raise ValidationError(_("Campo não alterável em alterações gerais: {names}").format(names=", ".join(unknown)),
                              field=unknown[0])
    result = ChangeResult()
    for name in GENERAL_FIELDS:
        if name not in changes:
            continue
        value = _normal(name, changes[name])
        if getattr(contract, name) != value:
            setattr(contract, name, value)
            result.changed.append(name)
    if not result.changed:
        raise ValidationError(_("Nenhuma alteração informada para o contrato {id}.").format(id=contract.id),
                              field="changes")
    session.flush()
    if any(n in REPLAN_FIELDS for n in result.changed):
        result.replanned = replan_unbilled(session, contract, (from_competence or date.today()).replace(day=1))
    if any(n in INVOICE_FIELDS for n in result.changed):
        result.recreated = recreate_open_invoices(session, contract, action="receivables.contract.general_changes",
                                                  user=user, justification=justification, ctx=ctx)
    return result


# --- renew installments -------------------------------------------------------------------------

def _insert_ignore(session: Session, row: dict) -> int | None:
    """INSERT … ON CONFLICT (contract, competence, kind) DO NOTHING; the new id, None when it existed."""
    table = Charge.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(**row).on_conflict_do_nothing(
        index_elements=[table.c.contract_id, table.c.competence, table.c.recurring_kind]).returning(table.c.id)
    return session.execute(stmt).scalar_one_or_none()


def renew_installments(session: Session, contract: Contract, count: int) -> list[Charge]:
    """Renovar parcelas manualmente: `count` more installment charges after the last one (see the
    module docstring). Returns the charges created (open, not invoiced)."""
    from plugins.receivables.billing import add_months, recurring_charges

    _require(refuse_renew(contract))
    if not 1 <= int(count) <= MAX_RENEW:
        raise ValidationError(_("Informe de 1 a {n} parcelas.").format(n=MAX_RENEW), field="count")
    if session.get_bind().dialect.name == "postgresql":  # concurrent renewals of one contract queue here
        session.execute(select(Contract.id).where(Contract.id == contract.id).with_for_update())
    recurring = (Charge.contract_id == contract.id, Charge.recurring_kind == RECURRING_MONTHLY)
    last = session.scalar(select(func.max(Charge.competence)).where(*recurring))
    existing = session.scalar(select(func.count()).select_from(Charge).where(
        *recurring, Charge.status != CHARGE_REMOVED)) or 0
    competence = add_months(last, 1) if last is not None else contract.activated_on.replace(day=1)
    number = existing
    total = max(int(contract.installments or 0), existing + int(count))
    made: list[int] = []
    for _i in range(int(count)):
        computed = recurring_charges(session, competence, party_from=contract.party_id, party_to=contract.party_id,
                                     contract_ids=[contract.id])
        if computed:
            ch = computed[0]
            number += 1
            row = {"party_id": ch.party_id, "company_id": ch.company_id, "contract_id": ch.contract_id,
                   "description": f"{ch.description} — parcela {number}/{total}"[:200],
                   "amount": from_cents(ch.cents), "due_date": ch.due_date, "competence": competence,
                   "period_start": ch.period_start, "period_end": _month_end(competence), "installment": number,
                   "installments": total, "revenue_account_id": ch.revenue_account_id, "status": CHARGE_OPEN,
                   "invoice_id": None, "origin": ORIGIN_CONTRACT, "recurring_kind": RECURRING_MONTHLY}
            if _insert_ignore(session, row) is not None:
                made.append(competence)
            else:
                number -= 1
        competence = add_months(competence, 1)
    contract.installments = max(int(contract.installments), number)
    contract.installments_generated = number
    session.flush()
    return list(session.scalars(select(Charge).where(*recurring, Charge.competence.in_(made))
                                .order_by(Charge.competence))) if made else []


def _month_end(competence: date) -> date:
    from plugins.receivables.billing import month_end

    return month_end(competence)


# --- attachments and the image bank -------------------------------------------------------------

def max_attachment_bytes(runtime) -> int:
    from plugins.receivables.settings import settings_of

    return settings_of(runtime).attachment_max_kb * 1024


def attach_to_contract(session: Session, contract: Contract, *, filename: str, content: bytes,
                       declared_type: str | None = None, runtime=None, user=None, description: str | None = None):
    """"Anexar arquivos": any file type up to `[plugins.receivables] attachment_max_kb`."""
    return att.add_attachment(session, target_kind=CONTRACT_KIND, target_id=contract.id, filename=filename,
                              content=content, declared_type=declared_type, kind=att.KIND_FILE,
                              max_bytes=max_attachment_bytes(runtime), description=description,
                              company_id=contract.company_id, user=user)


def contract_attachments(session: Session, contract_id: int):
    return att.list_attachments(session, CONTRACT_KIND, contract_id, kind=att.KIND_FILE)


def add_customer_image(session: Session, party_id: int, *, filename: str, content: bytes, runtime=None, user=None,
                       description: str | None = None):
    """"Banco de Imagens": images of the customer (magic bytes checked, not the extension)."""
    return att.add_attachment(session, target_kind=PARTY_KIND, target_id=party_id, filename=filename,
                              content=content, kind=att.KIND_IMAGE, max_bytes=max_attachment_bytes(runtime),
                              description=description, user=user)


def customer_images(session: Session, party_id: int):
    return att.list_attachments(session, PARTY_KIND, party_id, kind=att.KIND_IMAGE)


# --- kernel actions -----------------------------------------------------------------------------

class RemoveAwaitingParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    activated_on: date = Field(title="Data de ativação")


class ProfileParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    payment_profile_id: Optional[int] = Field(default=None, title="Profile de pagamento",
                                              json_schema_extra={"choices": "receivables.payment_profiles"})


class GeneralParams(BaseModel):
    """Empty fields are kept as they are."""

    model_config = ConfigDict(extra="ignore")
    description: Optional[str] = Field(default=None, title="Descrição do contrato", max_length=200)
    notes: Optional[str] = Field(default=None, title="Observação", max_length=4000,
                                 json_schema_extra={"widget": "textarea"})
    email_billing: Optional[Literal["sim", "nao"]] = Field(default=None, title="Envia fatura por e-mail (sim/nao)")
    price_override: Optional[Decimal] = Field(default=None, title="Preço especial", ge=0)
    wallet: Optional[str] = Field(default=None, title="Carteira", max_length=60)
    from_competence: Optional[date] = Field(default=None, title="Preço a partir da competência")


class RenewParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    count: int = Field(title="Quantidade de parcelas a renovar", ge=1, le=MAX_RENEW)


def _checker(refuse, code: str):
    def check(ctx, records, params):
        return [Blocker(r.id, code, msg) for r in records if (msg := refuse(r))]
    return check


def _changes(params: GeneralParams) -> dict:
    found = {k: getattr(params, k) for k in GENERAL_FIELDS if getattr(params, k) is not None}
    if "email_billing" in found:
        found["email_billing"] = found["email_billing"] == "sim"
    return found


def _profile_label(runtime, session: Session, contract: Contract, profile_id: int | None) -> str | None:
    """The label of `profile_id` among the contract's options (None when it is not offered)."""
    options = dict(payment_profile_options(runtime, session, contract.company_id))
    if profile_id is None:
        return options.get(None, DEFAULT_WALLET)[:60]
    return options[profile_id][:60] if profile_id in options else None


def refuse_same_profile(runtime, session: Session, c: Contract, profile_id: int | None) -> str | None:
    label = _profile_label(runtime, session, c, profile_id)
    if label is not None and c.payment_profile_id == profile_id and (c.wallet or "") == label:
        return _("O contrato {id} já usa o profile de pagamento «{label}».").format(id=c.id, label=label)
    return None


def _check_profile(ctx, records, params):
    found = _checker(refuse_change, "contrato.cancelado")(ctx, records, params)
    found.extend(Blocker(r.id, "contrato.mesmo_profile", msg) for r in records
                 if (msg := refuse_same_profile(ctx.runtime, ctx.session, r, params.payment_profile_id)))
    return found


def _check_general(ctx, records, params):
    found = _checker(refuse_change, "contrato.cancelado")(ctx, records, params)
    if not _changes(params):
        found.extend(Blocker(r.id, "contrato.sem_alteracao",
                             _("Nenhuma alteração informada para o contrato {id}.").format(id=r.id)) for r in records)
    return found


def _run_remove_awaiting(ctx, records, params):
    for c in records:
        remove_awaiting_instruction(ctx.session, c, params.activated_on)


def _run_profile(ctx, records, params):
    for c in records:
        change_payment_profile(ctx.session, c, params.payment_profile_id, runtime=ctx.runtime, user=ctx.user,
                               justification=ctx.justification, ctx=ctx)


def _run_general(ctx, records, params):
    for c in records:
        general_changes(ctx.session, c, _changes(params), from_competence=params.from_competence, user=ctx.user,
                        justification=ctx.justification, ctx=ctx)


def _run_renew(ctx, records, params):
    for c in records:
        renew_installments(ctx.session, c, params.count)


def _register_choices() -> None:
    try:
        from core.choices import Choices, choice_provider
    except ImportError:  # an older kernel without run-time choice lists: the dialog asks for the id
        return

    @choice_provider("receivables.payment_profiles")
    def _profiles(runtime, session, user):
        options = payment_profile_options(runtime, session, getattr(user, "company_id", None))
        return Choices([("" if pid is None else str(pid), label) for pid, label in options],
                       default="" if options[0][0] is None else str(options[0][0]))


_register_choices()

CONFIRM = RECREATION_WARNING + " Deseja continuar?"

ACTIONS = (
    Action("receivables.contract.remove_awaiting", "Remover instrução de aguardando ativação", Contract, PERM_MANAGE,
           _run_remove_awaiting, RemoveAwaitingParams,
           check=_checker(refuse_remove_awaiting, "contrato.nao_aguarda_ativacao"),
           description="O contrato passa a ativo SEM gerar as suas contas agora; o próximo faturamento cobra a "
                       "partir da data de ativação."),
    Action("receivables.contract.change_payment_profile", "Trocar profile de pagamento", Contract, PERM_MANAGE,
           _run_profile, ProfileParams, confirm=CONFIRM, check=_check_profile,
           description=RECREATION_WARNING),
    Action("receivables.contract.general_changes", "Alterações gerais do contrato", Contract, PERM_MANAGE,
           _run_general, GeneralParams, confirm=CONFIRM, check=_check_general,
           description="Campos vazios ficam como estão. Descrição, observação e envio por e-mail mudam só o "
                       "contrato; o preço especial recalcula as contas futuras não faturadas; a carteira recria as "
                       "faturas em aberto. " + RECREATION_WARNING),
    Action("receivables.contract.renew_installments", "Renovar parcelas manualmente", Contract, PERM_MANAGE,
           _run_renew, RenewParams, check=_checker(refuse_renew, "contrato.sem_parcelas"),
           description="Gera mais N parcelas mensais depois da última do contrato (cada competência uma vez só)."),
)
