"""Kernel actions on faturas a pagar (installments): "Baixar Pagamento" and "Estornar Pagamento".

Both open the kernel's bulk-action dialog (`core.web.pages.actions`) from the list page
(`/pagar/faturas`) and from the customer panel's tab "Faturas a Pagar"; the rules are the services'
(`writeoff.py`, `reversal.py`), so the page, the CLI and the tests refuse the same things:

- `payables.installment.write_off` ("Baixar fatura a pagar", permission "Baixa de Faturas"): one
  installment ⇒ individual write-off — "Valor Pago" empty is total; lower is PARTIAL: the dialog's
  preview shows the manual's alert (yellow, `Advice`) and the run needs "Nova data de vencimento";
  several installments ⇒ baixa em lote (always total; "Valor Pago" refused). A refusal of the
  service (status, approval, blocked carrier, protected period, …) is the record's blocker (red).
- `payables.installment.reverse` ("Estornar baixa", permission "Estorno de Faturas"): motivo,
  data do estorno, "Mudar status para".
- `payables.installment.alter` ("Alterar fatura a pagar", permission "Alteração/Exclusão de
  faturas"): one installment; the fields of `alter.AlterRequest` (empty = unchanged) + an annotation;
  `alter.check_changeable`'s refusals (not open, integrated, approved, blocked carrier) are blockers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.actions import Action, Advice, Blocker
from core.choices import Choices, choice_provider
from core.errors import ValidationError
from plugins.payables.alter import PERM_ALTER
from plugins.payables.models import PAYMENT_FORM_LABELS, Carrier, PayableInstallment

PERM_WRITE_OFF = "payables.invoice.write_off"
PERM_REVERSE = "payables.invoice.reverse"
WRITE_OFF = "payables.installment.write_off"
REVERSE = "payables.installment.reverse"
ALTER = "payables.installment.alter"
CARRIERS = "payables.carriers"
COST_CENTRES = "payables.cost_centres"
PARTIAL = "baixa.parcial"
AMOUNT_DUE = "baixa.valor_devido"
APPORTIONMENT = "baixa.rateio"
NO_EMAIL = "baixa.sem_email"


def apportionment_text(session, plan) -> str:
    """"Rateio de juros e taxa: ADM - Administrativo 60% (R$ 6,00); …" from the plan's ledger lines."""
    from collections import defaultdict

    from core.ledger.models import CostCentre
    from core.money import format_brl

    by_centre = defaultdict(lambda: Decimal("0.00"))
    for line in plan.lines:
        if line.cost_centre_id is not None and line.debit:
            by_centre[line.cost_centre_id] += Decimal(line.debit)
    parts = []
    for centre_id, pct in plan.centre_shares:
        c = session.get(CostCentre, centre_id)
        parts.append(f"{c.code} - {c.name} {format(Decimal(pct).normalize(), 'f').replace('.', ',')}% "
                     f"({format_brl(by_centre[centre_id])})")
    return "Rateio de juros e taxa entre centros de custo: " + "; ".join(parts) + "."


@choice_provider(CARRIERS)
def _carriers(runtime, session, user) -> Choices:
    rows = session.scalars(select(Carrier).where(Carrier.active.is_(True)).order_by(Carrier.code))
    return Choices([(str(c.id), f"{c.code} - {c.name}") for c in rows])


@choice_provider(COST_CENTRES)
def _cost_centres(runtime, session, user) -> Choices:
    from core.ledger.models import CostCentre

    stmt = select(CostCentre).where(CostCentre.active.is_(True)).order_by(CostCentre.company_id, CostCentre.code)
    company_id = getattr(user, "company_id", None)
    if company_id is not None:
        stmt = stmt.where(CostCentre.company_id == company_id)
    return Choices([(str(c.id), f"{c.code} - {c.name}") for c in session.scalars(stmt)])


class WriteOffParams(BaseModel):
    """The "Baixa de Faturas" dialog (the manual's fields; empty money fields are zero)."""

    model_config = ConfigDict(extra="ignore")
    paid_on: Optional[date] = Field(default=None, title="Data da baixa", description="Vazio: hoje.")
    paid: Optional[Decimal] = Field(default=None, title="Valor pago (R$)", ge=0,
                                    description="Vazio: baixa total. Menor que o devido: baixa parcial.")
    interest: Optional[Decimal] = Field(default=None, title="Juros (R$)", ge=0)
    discount: Optional[Decimal] = Field(default=None, title="Desconto (R$)", ge=0)
    fee: Optional[Decimal] = Field(default=None, title="Taxa financeira (R$)", ge=0)
    abatement: Optional[Decimal] = Field(default=None, title="Abatimento (R$)", ge=0)
    new_due_date: Optional[date] = Field(default=None, title="Baixa parcial: nova data de vencimento",
                                         description="Vencimento da nova fatura com o valor restante.")
    remainder_note: Optional[str] = Field(default=None, title="Baixa parcial: observação da nova fatura",
                                          max_length=250)
    remainder_interest: Optional[Decimal] = Field(
        default=None, title="Baixa parcial: juros em R$ na nova fatura", ge=0,
        description="Somente com o parâmetro “Juros/Multa na nova fatura” habilitado.")
    cash_account_id: Optional[int] = Field(default=None, title="Conta crédito (banco/caixa)",
                                           description="Vazio: a conta de fluxo de caixa do lançamento.",
                                           json_schema_extra={"choices": "ledger.cash_accounts"})
    cost_centre_id: Optional[int] = Field(default=None, title="Centro de custo (juros e taxa)",
                                          json_schema_extra={"choices": COST_CENTRES})
    account_date: Optional[date] = Field(default=None, title="Data para lançamento na conta",
                                         description="Vazio: a data da baixa.")
    category: Optional[str] = Field(default=None, title="Categoria financeira", max_length=60,
                                    description="Vazio: a categoria do lançamento.")
    cheque_number: Optional[str] = Field(default=None, title="Documento/Cheque", max_length=20)
    cheque_cleared: bool = Field(default=False, title="Lançamento efetivado/compensado",
                                 description="Somente com o parâmetro “Lançamento Efetivado” habilitado.")
    our_number: Optional[str] = Field(default=None, title="Nosso número", max_length=30)
    carrier_id: Optional[int] = Field(default=None, title="Portador", json_schema_extra={"choices": CARRIERS})
    situation: Optional[str] = Field(default=None, title="Status", max_length=30,
                                     description="Texto livre, ex.: Agendado.")
    history_note: Optional[str] = Field(default=None, title="Complemento do histórico", max_length=200,
                                        json_schema_extra={"widget": "textarea"})
    apportionment: Optional[str] = Field(
        default=None, title="Rateio entre centros de custo (juros e taxa)", max_length=300,
        description="CÓDIGO=% separados por ponto e vírgula, ex.: ADM=60; TEC=40 (somam 100). Vazio: o centro de "
                    "custo acima, senão o rateio do lançamento. Histórico com rateio fixo: os percentuais dele.")
    email_supplier: Optional[Literal["padrao", "sim", "nao"]] = Field(
        default=None, title="Enviar e-mail ao fornecedor (recibo em PDF)",
        description="Padrão: o parâmetro “Enviar e-mail ao fornecedor na baixa”. Só para fornecedor com e-mail.",
        json_schema_extra={"labels": {"padrao": "Padrão do parâmetro", "sim": "Sim", "nao": "Não"}})


class ReverseParams(BaseModel):
    """The "Estornar Pagamento" dialog."""

    model_config = ConfigDict(extra="ignore")
    reversal_reason: str = Field(title="Motivo do estorno", min_length=1, max_length=250,
                                 json_schema_extra={"widget": "textarea"})
    on: Optional[date] = Field(default=None, title="Data do estorno para lançamento na contabilidade",
                               description="Vazio: hoje.")
    situation: Optional[str] = Field(default=None, title="Mudar status para", max_length=30)


class AlterParams(BaseModel):
    """"Alterar Pagamento": empty fields stay as they are (names = the `quita pagar alterar` options)."""

    model_config = ConfigDict(extra="ignore")
    vencimento: Optional[date] = Field(default=None, title="Vencimento")
    observacao: Optional[str] = Field(default=None, title="Observação da fatura", max_length=250)
    numero: Optional[str] = Field(default=None, title="Número da fatura", max_length=20)
    valor: Optional[Decimal] = Field(default=None, title="Valor (R$)", gt=0,
                                     description="Novo valor: cancela o desmembramento e refaz o lançamento.")
    portador: Optional[int] = Field(default=None, title="Portador", json_schema_extra={"choices": CARRIERS})
    comprador: Optional[str] = Field(default=None, title="Comprador (CPF/CNPJ ou código)", max_length=20)
    documento: Optional[str] = Field(default=None, title="Documento", max_length=20)
    serie: Optional[str] = Field(default=None, title="Série", max_length=5)
    forma_pagamento: Optional[Literal[tuple(PAYMENT_FORM_LABELS)]] = Field(  # type: ignore[valid-type]
        default=None, title="Forma de pagamento", json_schema_extra={"labels": PAYMENT_FORM_LABELS})
    observacao_padrao: Optional[str] = Field(default=None, title="Observação padrão", max_length=1000,
                                             json_schema_extra={"widget": "textarea"})
    pedido: Optional[str] = Field(default=None, title="Nº do pedido", max_length=20)
    categoria: Optional[str] = Field(default=None, title="Categoria financeira", max_length=60)
    conta_fluxo: Optional[int] = Field(default=None, title="Conta de fluxo de caixa",
                                       json_schema_extra={"choices": "ledger.cash_accounts"})
    historico: Optional[str] = Field(default=None, title="Histórico (código)", max_length=20)
    conta_debito: Optional[str] = Field(default=None, title="Conta débito (só com novo histórico)", max_length=30)
    conta_credito: Optional[str] = Field(default=None, title="Conta crédito (só com novo histórico)", max_length=30)
    data: Optional[date] = Field(default=None, title="Data do novo lançamento (lançamento protegido)",
                                 description="Só quando a data de lançamento está protegida. Vazio: hoje.")
    anotacao: Optional[str] = Field(default=None, title="Anotação", max_length=50,
                                    description="Até 50 caracteres: letras, números e espaços.")


def _check_alter(ctx, records, params):
    from plugins.payables.alter import check_changeable
    from plugins.payables.settings import settings_of

    cfg = settings_of(ctx.runtime)
    out = []
    for inst in records:
        if len(records) > 1:
            out.append(Blocker(inst.id, "alteracao.uma_fatura", "Selecione uma fatura só para alterar."))
            continue
        try:
            check_changeable(ctx.session, cfg, ctx.user, inst)
        except ValidationError as exc:
            out.append(Blocker(inst.id, "alteracao.recusada", str(exc)))
    return out


def _run_alter(ctx, records, params):
    from plugins.payables.alter import alter_invoice
    from plugins.payables.annotations import add_annotation, check_annotation
    from plugins.payables.tools_cli import alter_request_from_options

    (inst,) = records
    options = {**params.model_dump(), "criar_categoria": False, "vencimento": None, "portador": None, "valor": None}
    req = alter_request_from_options(ctx.session, options, inst.company_id)  # the command line's mapping
    for name, value in (("due_date", params.vencimento), ("carrier_id", params.portador), ("amount", params.valor)):
        if value is not None:
            setattr(req, name, value)
    if params.anotacao:
        check_annotation(params.anotacao)  # refused before anything is changed
    alter_invoice(ctx.session, inst, req, runtime=ctx.runtime, user=ctx.user, on=params.data)
    if params.anotacao:
        add_annotation(ctx.session, inst, params.anotacao, user=ctx.user)


def installment_action_names(runtime) -> list[str]:
    """The registered actions on faturas a pagar: write-off and reversal first, then any other part
    of the plugin's (alter, delete, …) — the page and the panel tab show whatever is registered."""
    from core.actions import actions_for

    names = [a.name for a in actions_for(runtime, PayableInstallment.__tablename__)]
    return [n for n in (WRITE_OFF, REVERSE) if n in names] + [n for n in names if n not in (WRITE_OFF, REVERSE)]


def writeoff_request(params, *, batch: bool = False):
    """The dialog's parameters ⇒ `WriteOffRequest` (a preview may come with an unvalidated model)."""
    from plugins.payables.writeoff import WriteOffRequest

    def get(name):
        value = getattr(params, name, None)
        return None if isinstance(value, str) and not value.strip() else value

    return WriteOffRequest(
        paid_on=get("paid_on"), interest=get("interest"), discount=get("discount"), fee=get("fee"),
        abatement=get("abatement"), paid=None if batch else get("paid"), new_due_date=get("new_due_date"),
        remainder_note=get("remainder_note"), remainder_interest=get("remainder_interest"),
        cash_account_id=get("cash_account_id"), cost_centre_id=get("cost_centre_id"),
        account_date=get("account_date"), category=get("category"), create_category=False,
        cheque_number=get("cheque_number"), cheque_cleared=bool(get("cheque_cleared")),
        our_number=get("our_number"), carrier_id=get("carrier_id"), situation=get("situation"),
        history_note=get("history_note"), email_supplier={"sim": True, "nao": False}.get(get("email_supplier")))


def parse_apportionment(session, company_id: int, text: str | None) -> list[tuple[int, str]] | None:
    """"ADM=60; TEC=40" ⇒ [(centre id, "60"), …] (codes of the company); None when empty."""
    from core.ledger.models import CostCentre
    from plugins.payables.cli_support import id_by_code

    if not text or not text.strip():
        return None
    out = []
    for part in (p.strip() for p in text.replace("\n", ";").split(";")):
        if not part:
            continue
        code, sep, pct = part.partition("=")
        if not sep or not code.strip() or not pct.strip():
            raise ValidationError(f"Rateio: use CÓDIGO=% (ex.: ADM=60; TEC=40). Recebido: {part}.",
                                  field="apportionment")
        out.append((id_by_code(session, CostCentre, company_id, code.strip(), "apportionment", "Centro de custo"),
                    pct.strip()))
    return out


def _with_centres(session, inst, req, params):
    req.cost_centres = parse_apportionment(session, inst.company_id, getattr(params, "apportionment", None))
    return req


def _dated(value) -> bool:
    return value is None or isinstance(value, date)


def _plans(ctx, records, params):
    """(installment, plan or the service's refusal) for each record, read only."""
    from plugins.payables.writeoff import preview_writeoff

    if len(records) > 1 and getattr(params, "paid", None) not in (None, ""):
        return [(inst, ValidationError("A baixa em lote é sempre total: deixe o Valor pago vazio ou selecione "
                                       "uma fatura só.", field="paid")) for inst in records]
    req = writeoff_request(params)
    if not all(_dated(getattr(req, n)) for n in ("paid_on", "new_due_date", "account_date")):
        return [(inst, None) for inst in records]  # the dialog is still being filled in
    out = []
    for inst in records:
        try:
            _with_centres(ctx.session, inst, req, params)
            out.append((inst, preview_writeoff(ctx.session, inst, req, runtime=ctx.runtime, user=ctx.user)))
        except ValidationError as exc:
            out.append((inst, exc))
    return out


def _check_write_off(ctx, records, params):
    return [Blocker(inst.id, f"baixa.{exc.field or 'recusada'}", str(exc))
            for inst, exc in _plans(ctx, records, params) if isinstance(exc, ValidationError)]


def _warn_write_off(ctx, records, params):
    """Per record: the amount due before anything is typed (valor da parcela, já pago, restante —
    and, once typed, the total of this write-off), then the partial write-off's alert."""
    from core.money import format_brl
    from plugins.payables.settings import settings_of
    from plugins.payables.writeoff import installment_balance
    from plugins.payables.writeoff_mail import supplier_email, wants_email

    cfg = settings_of(ctx.runtime)
    out = []
    for inst, plan in _plans(ctx, records, params):
        if isinstance(plan, ValidationError):
            continue
        text = installment_balance(ctx.session, inst).text()
        if plan is not None and plan.due != inst.amount:
            text += f" Devido nesta baixa (com juros, taxa, desconto e abatimento): {format_brl(plan.due)}."
        out.append(Advice(inst.id, AMOUNT_DUE, text))
        if plan is not None and plan.centre_shares and (plan.interest or plan.fee or plan.remainder_interest):
            out.append(Advice(inst.id, APPORTIONMENT, apportionment_text(ctx.session, plan)))
        if wants_email(writeoff_request(params), cfg) and supplier_email(ctx.session, inst.invoice.supplier_id) is None:
            out.append(Advice(inst.id, NO_EMAIL, f"Fatura {inst.code}: o fornecedor não tem e-mail cadastrado; o "
                                                 "recibo não será enviado."))
        if plan is not None:
            out += [Advice(inst.id, PARTIAL, text) for text in plan.alerts]
    return out


def _run_write_off(ctx, records, params):
    from plugins.payables.writeoff import write_off, write_off_batch

    if len(records) == 1:
        req = _with_centres(ctx.session, records[0], writeoff_request(params), params)
        write_off(ctx.session, records[0], req, runtime=ctx.runtime, user=ctx.user)
        return
    if params.paid is not None:
        raise ValidationError("A baixa em lote é sempre total: deixe o Valor pago vazio.", field="paid")
    write_off_batch(ctx.session, [(inst, _with_centres(ctx.session, inst, writeoff_request(params, batch=True), params))
                                  for inst in records], runtime=ctx.runtime, user=ctx.user)


def _check_reverse(ctx, records, params):
    from plugins.payables.reversal import active_writeoff

    out = []
    for inst in records:
        if active_writeoff(ctx.session, inst) is None:
            out.append(Blocker(inst.id, "estorno.sem_baixa", f"A fatura {inst.code} não tem baixa a estornar."))
    return out


def _run_reverse(ctx, records, params):
    from plugins.payables.reversal import reverse_writeoff

    for inst in records:
        reverse_writeoff(ctx.session, inst, reason=params.reversal_reason, on=params.on, situation=params.situation,
                         user=ctx.user, ctx=ctx)


ACTIONS = (
    Action(WRITE_OFF, "Baixar fatura a pagar", PayableInstallment, PERM_WRITE_OFF, _run_write_off, WriteOffParams,
           check=_check_write_off, warn=_warn_write_off,
           description="Uma fatura: baixa individual (Valor pago vazio = total; menor = parcial, com nova fatura do "
                       "restante). Várias faturas: baixa em lote, sempre total."),
    Action(ALTER, "Alterar fatura a pagar", PayableInstallment, PERM_ALTER, _run_alter, AlterParams,
           check=_check_alter,
           description="Uma fatura em aberto. Vencimento, observação e comprador de lançamento protegido: alterados "
                       "no lugar; qualquer outro campo refaz o lançamento contábil (estorno + lançamento novo)."),
    Action(REVERSE, "Estornar baixa", PayableInstallment, PERM_REVERSE, _run_reverse, ReverseParams,
           check=_check_reverse,
           description="Estorna a baixa: contra-lançamento na data do estorno; a fatura volta a ficar em aberto "
                       "(a nova fatura de uma baixa parcial é excluída)."),
)
