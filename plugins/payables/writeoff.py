"""Baixar Pagamento - Contas a Pagar: write-off of faturas a pagar (installments), as services.

    req = WriteOffRequest(paid_on=date(2026, 12, 5), interest="5,00", cash_account_id=bank_id)
    plan = preview_writeoff(session, installment, req, runtime=rt, user=u)   # nothing written
    wo = write_off(session, installment, req, runtime=rt, user=u)            # writes, posts, never commits
    wos = write_off_batch(session, [(inst1, req1), (inst2, req2)], runtime=rt, user=u)

Rules (each one tested; refusals are `core.errors.ValidationError` in pt-BR naming the field):

- only installments "em aberto" of an invoice that is not excluded; when
  `[plugins.payables] require_approval` is on ("Usa aprovação de faturas"), only approved invoices;
  an installment whose carrier (current or the one chosen now) is blocked for the user
  (`blocked_carriers`) can't be paid (`BLOCKED_CARRIER_ALERT`);
- amount due = installment + juros + taxa financeira − desconto − abatimento. "Valor Pago" omitted
  ⇒ the amount due (individual total). Less ⇒ individual PARTIAL: `partial_alert` (the manual's
  alert) and a new installment (same invoice, next sequence, new code) for the rest, with the new
  due date (required, not before the write-off), note, and "Juros em R$" only when
  `interest_on_remainder_invoice` ("Juros/Multa na nova fatura") is on. More ⇒ refused (put the
  difference in Juros). With "Índice de Conversão para R$" the paid value is in the foreign
  currency: R$ = value × index, rounded half up;
- a financial category is required (the write-off's, created inline with `create_category`, or
  the invoice's); texts have limits (cheque 20, nosso número 30, complemento 200, status 30);
  "Lançamento efetivado/compensado" needs the cheque and the parameter `effective_entry`
  ("Lançamento Efetivado", `EFFECTIVE_ENTRY_OFF` otherwise);
- the write-off date is not before the emission date nor inside the protected period.

Ledger — ONE balanced entry dated the write-off date (origin `payables.writeoff`), accounts by code
in the company's chart (settings, README):

    D conta débito (the launch's credit account, fornecedores) .... principal settled (supplier)
    D interest_account_code ....................................... juros/multa
    D fee_account_code ............................................ taxa financeira
    C conta crédito (cash/bank: the write-off's, else the launch's cash-flow account) ... valor pago
    C discount_account_code ....................................... desconto
    C credit account of the histórico abatement_template_code ("Abatimentos Obtidos") ... abatimento
    D interest_account_code / C conta débito (supplier) ........... "Juros em R$" of the new invoice
    D/C the operações padrão of IRRF, PIS, COFINS, CSLL (service invoices, writeoff_taxes.py)

The debit-account split of the launch is not considered (the manual posts the payment against the
supplier account). So the supplier account's balance keeps equal to the open installments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record, snapshot
from core.errors import ValidationError
from core.ledger.models import Account, AccountingTemplate, CostCentre
from core.ledger.services import LineSpec, check_protection, post_entry
from core.money import ZERO, format_brl, round_money
from core.numbering import next_number
from plugins.payables.apportionment import account_by_code
from plugins.payables.cheque_ranges import check_cheque_range
from plugins.payables.installment_edit import active_carrier
from plugins.payables.launch import (INSTALLMENT_COUNTER, category_named, installment_number, money_field,
                                     text_field)
from plugins.payables.models import (STATUS_DELETED, STATUS_LABELS, STATUS_OPEN, STATUS_PARTIAL, STATUS_SETTLED,
                                     WRITEOFF_BATCH, WRITEOFF_PARTIAL, WRITEOFF_TOTAL, Carrier, PayableInstallment,
                                     PayableInvoice, PayableWriteOff)
from plugins.payables.settings import settings_of
from plugins.payables.writeoff_taxes import TaxPosting, tax_lines, tax_postings

ORIGIN_KIND = "payables.writeoff"
BLOCKED_CARRIER_ALERT = "Faturas com portadores bloqueados não poderão ser alteradas ou baixadas."
NOT_APPROVED_ALERT = "Somente faturas aprovadas poderão receber baixa."


def partial_alert(paid: Decimal, due: Decimal) -> str:
    """The manual's alert when "Valor Pago" is lower than the invoice (baixa parcial)."""
    return (f"O valor pago ({format_brl(paid)}) é inferior ao valor da fatura ({format_brl(due)}): será realizada "
            f"uma baixa parcial e gerada uma nova fatura com o valor restante ({format_brl(due - paid)}).")


@dataclass(frozen=True)
class InstallmentBalance:
    """What the write-off dialog shows before anything is typed (the fields the manual keeps read
    only): the installment's original value, what was already paid of it in partial write-offs in
    force (the chain of remainder installments) and what is left to pay now."""

    code: int
    original: Decimal            # valor da parcela (the first installment of the chain)
    paid: Decimal                # já pago (principal of the partial write-offs in force)
    remaining: Decimal           # restante (this installment's amount)

    def text(self) -> str:
        return (f"Fatura {self.code}: valor da parcela {format_brl(self.original)}; já pago {format_brl(self.paid)}; "
                f"restante a pagar {format_brl(self.remaining)}.")


def installment_balance(session: Session, inst: PayableInstallment) -> InstallmentBalance:
    """`InstallmentBalance` of `inst`: walks `remainder_of_id` back to the original installment."""
    paid = Decimal("0.00")
    node, seen = inst, set()
    while node.remainder_of_id is not None and node.id not in seen:
        seen.add(node.id)
        node = session.get(PayableInstallment, node.remainder_of_id)
        paid += sum(session.scalars(select(PayableWriteOff.principal).where(
            PayableWriteOff.installment_id == node.id, PayableWriteOff.reversed.is_(False))), Decimal("0.00"))
    own = sum(session.scalars(select(PayableWriteOff.principal).where(
        PayableWriteOff.installment_id == inst.id, PayableWriteOff.reversed.is_(False))), Decimal("0.00"))
    return InstallmentBalance(inst.code, node.amount, paid + own, inst.amount - own if own else inst.amount)


@dataclass
class WriteOffRequest:
    """The fields of "Baixa de Faturas" (money as Decimal or pt-BR text)."""

    paid_on: date | None = None             # Data da Baixa (default: today)
    interest: object = None                 # Juros (R$)
    discount: object = None                 # Desconto (R$)
    fee: object = None                      # Taxa Financeira (R$)
    abatement: object = None                # Abatimento (R$)
    paid: object = None                     # Valor Pago (R$); None = amount due
    conversion_index: object = None         # Índice de Conversão para R$ (paid in foreign currency)
    new_due_date: date | None = None        # Baixa parcial: vencimento da nova fatura
    remainder_note: str | None = None       # Baixa parcial: observação
    remainder_interest: object = None       # Baixa parcial: Juros em R$ (setting)
    debit_account_id: int | None = None     # Quadro Contabilidade: conta débito (default: the launch's credit)
    cash_account_id: int | None = None      # Quadro Contabilidade: conta crédito (banco/caixa)
    cost_centre_id: int | None = None       # Quadro Contabilidade: centro de custo (juros, taxa)
    history_note: str | None = None         # Complemento do Histórico
    category: str | None = None             # Categoria Financeira (default: the invoice's)
    create_category: bool = False
    cheque_number: str | None = None        # Documento/Cheque
    cheque_cleared: bool = False            # Lançamento efetivado/compensado
    our_number: str | None = None           # Nosso Número
    account_date: date | None = None        # Data para Lançamento na Conta (default: paid_on)
    carrier_id: int | None = None           # Portador (None: keep)
    situation: str | None = None            # Status (free text, e.g. "Agendado")
    email_supplier: bool | None = None      # e-mail the receipt to the supplier (None: the setting)
    cost_centres: list | None = None        # rateio of juros/taxa: [(centre id, %)] (None: see centre_shares)


@dataclass(frozen=True)
class WriteOffPlan:
    """What a write-off would do (the page's confirmation screen)."""

    installment_id: int
    kind: str
    paid_on: date
    due: Decimal                 # amount due (installment + juros + taxa − desconto − abatimento)
    paid: Decimal                # R$
    principal: Decimal           # part of the installment settled
    rest: Decimal                # remainder (partial)
    interest: Decimal
    discount: Decimal
    fee: Decimal
    abatement: Decimal
    remainder_interest: Decimal
    taxes: list[TaxPosting]
    lines: list[LineSpec]
    debit_account_id: int
    cash_account_id: int
    cost_centre_id: int | None
    foreign_amount: Decimal | None = None
    conversion_index: Decimal | None = None
    alerts: list[str] = field(default_factory=list)
    centre_shares: list = field(default_factory=list)   # (centre id, %) of juros/taxa ("rateio" screen)


def installment_by_code(session: Session, company_id: int, code) -> PayableInstallment:
    """A fatura a pagar by its code ("Número da fatura") in the company."""
    found = session.scalar(select(PayableInstallment).where(PayableInstallment.company_id == company_id,
                                                            PayableInstallment.code == int(code)))
    if found is None:
        raise ValidationError(f"Fatura a pagar {code} não encontrada nesta empresa.", field="installment")
    return found


def carrier_blocked(cfg, user, carrier: Carrier | None) -> bool:
    if carrier is None:
        return False
    blocked = cfg.blocked_carriers or {}
    codes = set(blocked.get("*", [])) | set(blocked.get(getattr(user, "username", None) or "", []))
    return carrier.code in codes


def check_carrier(session: Session, cfg, user, carrier_id: int | None, field_name: str) -> None:
    """Refuses when the carrier is blocked for `user` (`BLOCKED_CARRIER_ALERT`)."""
    carrier = session.get(Carrier, carrier_id) if carrier_id else None
    if carrier_blocked(cfg, user, carrier):
        raise ValidationError(f"{BLOCKED_CARRIER_ALERT} Portador bloqueado: {carrier.code} - {carrier.name}.",
                              field=field_name)


def check_payable(session: Session, cfg, user, inst: PayableInstallment) -> PayableInvoice:
    """Status, approval and carrier of an installment about to be written off."""
    invoice = inst.invoice
    if inst.status != STATUS_OPEN or invoice.status == STATUS_DELETED:
        raise ValidationError(f"A fatura {inst.code} está {STATUS_LABELS[inst.status].lower()}: somente faturas "
                              "em aberto podem ser baixadas.", field="installment")
    if cfg.require_approval and invoice.approved_at is None:
        raise ValidationError(f"{NOT_APPROVED_ALERT} A fatura {inst.code} (lançamento {invoice.number}) não foi "
                              "aprovada.", field="installment")
    check_carrier(session, cfg, user, inst.carrier_id, "installment")
    return invoice


def _cash_account(session: Session, invoice: PayableInvoice, req: WriteOffRequest, cfg) -> Account:
    ref = req.cash_account_id or invoice.cash_flow_account_id or cfg.cash_flow_account_code
    if not ref:
        raise ValidationError("Informe a conta crédito (banco ou caixa) da baixa.", field="cash_account_id")
    account = account_by_code(session, invoice.company_id, ref, field="cash_account_id", side="crédito")
    if account.kind not in ("bank", "cash"):
        raise ValidationError(f"A conta crédito da baixa {account.code} - {account.name} deve ser uma conta banco "
                              "ou caixa.", field="cash_account_id")
    return account


class _Accounts:
    """The configured accounts of the company, resolved on first use (settings ⇒ Account id)."""

    def __init__(self, session: Session, company_id: int, cfg):
        self.session, self.company_id, self.cfg, self.cache = session, company_id, cfg, {}

    def by_setting(self, setting: str, label: str) -> int:
        if setting not in self.cache:
            code = getattr(self.cfg, setting)
            self.cache[setting] = account_by_code(self.session, self.company_id, code, field=setting,
                                                  side=f"de {label} ({setting})").id
        return self.cache[setting]

    def abatement(self) -> int:
        code = self.cfg.abatement_template_code
        tpl = self.session.scalar(select(AccountingTemplate).where(AccountingTemplate.company_id == self.company_id,
                                                                   AccountingTemplate.code == code))
        if tpl is None or not tpl.active or not tpl.credit_account_id:
            raise ValidationError(f"Configure a operação padrão \"Abatimentos Obtidos\" (histórico {code} com conta "
                                  "crédito) para conceder abatimento.", field="abatement")
        return tpl.credit_account_id


def _money(value, field_name: str, label: str) -> Decimal:
    return money_field(value, field_name, label, required=False) or ZERO


def _paid_in_brl(req: WriteOffRequest, due: Decimal) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(R$ paid, foreign amount, index): the typed value × "Índice de Conversão para R$"."""
    if req.conversion_index in (None, ""):
        paid = money_field(req.paid, "paid", "valor pago", required=False)
        return (due if paid is None else paid), None, None
    try:
        index = Decimal(str(req.conversion_index).replace(",", "."))
    except ArithmeticError:
        raise ValidationError("Índice de conversão inválido.", field="conversion_index") from None
    if not index.is_finite() or index <= 0:
        raise ValidationError("O índice de conversão para R$ deve ser maior que zero.", field="conversion_index")
    foreign = money_field(req.paid, "paid", "valor pago (moeda estrangeira)")
    return round_money(foreign * index), foreign, index


EFFECTIVE_ENTRY_OFF = ("A opção \"Lançamento efetivado/compensado\" só está disponível com o parâmetro "
                       "\"Lançamento Efetivado\" habilitado (Parâmetros Globais > Financeiro > Outros).")


def _check_texts(req: WriteOffRequest, cfg=None) -> None:
    text_field(req.cheque_number, "cheque_number", "Documento/Cheque", 20)
    text_field(req.our_number, "our_number", "Nosso Número", 30)
    text_field(req.history_note, "history_note", "Complemento do Histórico", 200)
    text_field(req.situation, "situation", "Status", 30)
    text_field(req.remainder_note, "remainder_note", "Observação da nova fatura", 250)
    if req.cheque_cleared and not (req.cheque_number or "").strip():
        raise ValidationError("Lançamento efetivado/compensado: informe o número do cheque.", field="cheque_number")
    if req.cheque_cleared and cfg is not None and not cfg.effective_entry:
        raise ValidationError(EFFECTIVE_ENTRY_OFF, field="cheque_cleared")


def posting_date(session: Session, company_id: int, value, *, not_before: date, field: str, label: str,
                 earlier: str) -> date:
    """The date of a posting (default today): a date, not before `not_before` (`earlier` names it),
    outside the protected period."""
    on = value or date.today()
    if not isinstance(on, date):
        raise ValidationError(f"{label} inválida.", field=field)
    if on < not_before:
        raise ValidationError(f"A {label.lower()} ({on:%d/%m/%Y}) não pode ser anterior à {earlier} "
                              f"({not_before:%d/%m/%Y}).", field=field)
    check_protection(session, company_id, on, field=field)
    return on


def _dates(session: Session, invoice: PayableInvoice, req: WriteOffRequest) -> tuple[date, date]:
    paid_on = posting_date(session, invoice.company_id, req.paid_on, not_before=invoice.emission_date,
                           field="paid_on", label="Data da baixa", earlier="emissão da fatura")
    account_date = req.account_date or paid_on
    if not isinstance(account_date, date) or account_date < paid_on:
        raise ValidationError("A data para lançamento na conta não pode ser anterior à data da baixa.",
                              field="account_date")
    return paid_on, account_date


def _due(inst: PayableInstallment, req: WriteOffRequest) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """(juros, desconto, taxa, abatimento, amount due = installment + juros + taxa − desconto − abatimento)."""
    interest = _money(req.interest, "interest", "juros")
    discount = _money(req.discount, "discount", "desconto")
    fee = _money(req.fee, "fee", "taxa financeira")
    abatement = _money(req.abatement, "abatement", "abatimento")
    due = inst.amount + interest + fee - discount - abatement
    if due < 0:
        raise ValidationError(f"Desconto e abatimento ({format_brl(discount + abatement)}) maiores que o valor da "
                              f"fatura com juros e taxa ({format_brl(inst.amount + interest + fee)}).", field="discount")
    return interest, discount, fee, abatement, due


def _remainder_interest(req: WriteOffRequest, cfg, partial: bool) -> Decimal:
    extra = _money(req.remainder_interest, "remainder_interest", "juros da nova fatura")
    if extra and not partial:
        raise ValidationError("Juros em R$ da nova fatura só na baixa parcial.", field="remainder_interest")
    if extra and not cfg.interest_on_remainder_invoice:
        raise ValidationError("Juros na nova fatura exigem o parâmetro \"Juros/Multa na nova fatura\" habilitado.",
                              field="remainder_interest")
    return extra


def _by_centre(account_id: int, amount: Decimal, shares: list[tuple[int, Decimal]], memo: str | None = None
               ) -> list[LineSpec]:
    """Debit `amount` on `account_id`, one line per cost centre of `shares` (largest remainder)."""
    from core.money import from_cents, to_cents
    from plugins.payables.apportionment import distribute

    if not shares:
        return [LineSpec.dr(account_id, amount, memo=memo)]
    parts = distribute(to_cents(amount), [p for _c, p in shares])
    return [LineSpec.dr(account_id, from_cents(cents), cost_centre_id=c, memo=memo)
            for (c, _p), cents in zip(shares, parts) if cents]


def _entry_lines(accounts: _Accounts, v: dict, *, debit_id: int, cash_id: int, centres: list[tuple[int, Decimal]],
                 supplier_id: int, code: int) -> list[LineSpec]:
    """The write-off's lines (module docstring) but the taxes; zero values give no line. Juros and
    taxa (expenses) are apportioned between `centres` (cost centre id, %)."""
    def interest_account() -> int:
        return accounts.by_setting("interest_account_code", "juros/multa")

    lines = [LineSpec.dr(debit_id, v["principal"], party_id=supplier_id, memo=f"Fatura {code}")]
    if v["interest"]:
        lines += _by_centre(interest_account(), v["interest"], centres)
    if v["fee"]:
        lines += _by_centre(accounts.by_setting("fee_account_code", "taxa financeira"), v["fee"], centres)
    if v["paid"]:
        lines.append(LineSpec.cr(cash_id, v["paid"], memo=f"Fatura {code}"))
    if v["discount"]:
        lines.append(LineSpec.cr(accounts.by_setting("discount_account_code", "descontos obtidos"), v["discount"]))
    if v["abatement"]:
        lines.append(LineSpec.cr(accounts.abatement(), v["abatement"]))
    if v["extra"]:
        lines += _by_centre(interest_account(), v["extra"], centres)
        lines.append(LineSpec.cr(debit_id, v["extra"], party_id=supplier_id, memo="Juros da nova fatura"))
    return lines


def centre_shares(session: Session, invoice: PayableInvoice, req: WriteOffRequest) -> list[tuple[int, Decimal]]:
    """"Baixa de fatura com rateio entre centro de custo": how juros and taxa are apportioned.

    - `req.cost_centres` [(centre, %)]: the histórico of the launch decides — rateio **fixo** ⇒ its
      percentages only (others refused), **variável** or none ⇒ the typed ones (sum 100 %);
    - else `req.cost_centre_id` ⇒ that centre at 100 %;
    - else the launch's own apportionment (the percentages of the launch, "confirmar o rateio").
    """
    from core.ledger.models import AccountingTemplate
    from plugins.payables.apportionment import HUNDRED, apportion

    if req.cost_centres:
        template = session.get(AccountingTemplate, invoice.template_id) if invoice.template_id else None
        _kind, shares = apportion(session, invoice.company_id, HUNDRED, template, list(req.cost_centres))
        return [(sh.cost_centre_id, sh.percent) for sh in shares]
    if req.cost_centre_id is not None:
        return [(_cost_centre(session, invoice.company_id, req.cost_centre_id), HUNDRED)]
    return [(a.cost_centre_id, Decimal(a.percent)) for a in invoice.apportionment]


def _plan(session: Session, inst: PayableInstallment, req: WriteOffRequest, cfg, user, *,
          batch: bool = False, preview: bool = False) -> WriteOffPlan:
    """Every rule of the write-off; writes nothing. `preview`: the partial write-off's new due date
    is not asked yet (the page shows the alert first, then the "Baixa Parcial" group)."""
    invoice = check_payable(session, cfg, user, inst)
    if req.carrier_id is not None:
        check_carrier(session, cfg, user, active_carrier(session, req.carrier_id, "carrier_id"), "carrier_id")
    _check_texts(req, cfg)
    category_named(session, req.category, create=req.create_category)
    if not (req.category or "").strip() and invoice.category_id is None:
        raise ValidationError("Informe a categoria financeira.", field="category")
    paid_on, _account_date = _dates(session, invoice, req)
    interest, discount, fee, abatement, due = _due(inst, req)
    paid, foreign, index = _paid_in_brl(req, due)
    if paid > due:
        raise ValidationError(f"O valor pago ({format_brl(paid)}) é maior que o valor devido ({format_brl(due)}): "
                              "informe a diferença em Juros.", field="paid")
    partial = paid < due
    alerts = [partial_alert(paid, due)] if partial else []
    if partial and batch:
        raise ValidationError(f"Fatura {inst.code}: a baixa em lote é sempre total ({format_brl(due)}).", field="paid")
    principal = paid + discount + abatement - interest - fee
    if principal <= 0:
        raise ValidationError(f"{alerts[0] if alerts else ''} O valor pago não cobre juros e taxa: nada da fatura "
                              "seria baixado.".strip(), field="paid")
    extra = _remainder_interest(req, cfg, partial)
    if partial and not (preview and req.new_due_date is None):
        if not isinstance(req.new_due_date, date):
            raise ValidationError(f"{alerts[0]} Informe a nova data de vencimento.", field="new_due_date")
        if req.new_due_date < paid_on:
            raise ValidationError(f"A nova data de vencimento ({req.new_due_date:%d/%m/%Y}) não pode ser anterior à "
                                  f"data da baixa ({paid_on:%d/%m/%Y}).", field="new_due_date")
    debit_id = (account_by_code(session, invoice.company_id, req.debit_account_id, field="debit_account_id",
                                side="débito").id if req.debit_account_id else invoice.credit_account_id)
    cash = _cash_account(session, invoice, req, cfg)
    check_cheque_range(session, cash, req.our_number)
    shares = centre_shares(session, invoice, req)
    centre = shares[0][0] if len(shares) == 1 else None
    taxes = tax_postings(session, invoice, principal, cfg.retention_template_codes)
    values = dict(principal=principal, interest=interest, fee=fee, paid=paid, discount=discount, abatement=abatement,
                  extra=extra)
    lines = _entry_lines(_Accounts(session, invoice.company_id, cfg), values, debit_id=debit_id, cash_id=cash.id,
                         centres=shares, supplier_id=invoice.supplier_id, code=inst.code) + tax_lines(taxes)
    kind = WRITEOFF_BATCH if batch else (WRITEOFF_PARTIAL if partial else WRITEOFF_TOTAL)
    return WriteOffPlan(inst.id, kind, paid_on, due, paid, principal, inst.amount - principal, interest, discount,
                        fee, abatement, extra, taxes, lines, debit_id, cash.id, centre, foreign, index, alerts,
                        shares)


def _cost_centre(session: Session, company_id: int, centre_id: int | None) -> int | None:
    if centre_id is None:
        return None
    centre = session.get(CostCentre, int(centre_id))
    if centre is None or centre.company_id != company_id or not centre.active:
        raise ValidationError("Centro de custo não encontrado (ou inativo) nesta empresa.", field="cost_centre_id")
    return centre.id


def preview_writeoff(session: Session, inst: PayableInstallment, req: WriteOffRequest, *, runtime=None,
                     user=None) -> WriteOffPlan:
    """The write-off's values, alerts (partial) and entry lines; writes nothing."""
    return _plan(session, inst, req, settings_of(runtime), user, preview=True)


def _category_id(session: Session, invoice: PayableInvoice, req: WriteOffRequest) -> int:
    """The write-off's category (created now when new and `create_category`), else the invoice's."""
    category, is_new = category_named(session, req.category, create=req.create_category)
    if category is None:
        return invoice.category_id
    if is_new:
        session.add(category)
        session.flush()
    return category.id


def _remainder(session: Session, inst: PayableInstallment, plan: WriteOffPlan, req: WriteOffRequest) -> PayableInstallment:
    invoice = inst.invoice
    sequence = max(p.sequence for p in invoice.parcels) + 1
    note = text_field(req.remainder_note, "remainder_note", "Observação da nova fatura", 250) or (
        f"Saldo da fatura {inst.code} (baixa parcial em {plan.paid_on:%d/%m/%Y})")
    new = PayableInstallment(
        invoice_id=invoice.id, company_id=invoice.company_id, sequence=sequence,
        number=installment_number(invoice, sequence), due_date=req.new_due_date,
        amount=plan.rest + plan.remainder_interest, note=note, carrier_id=req.carrier_id or inst.carrier_id,
        status=STATUS_OPEN, remainder_of_id=inst.id,
        code=next_number(session, kind=INSTALLMENT_COUNTER, company_id=invoice.company_id))
    session.add(new)
    session.flush()
    return new


def refresh_invoice_status(invoice: PayableInvoice) -> None:
    """em aberto while nothing is paid; liquidada when no installment is open; parcial between."""
    live = [p for p in invoice.parcels if p.status != STATUS_DELETED]
    if all(p.status == STATUS_OPEN for p in live):
        invoice.status = STATUS_OPEN
    elif any(p.status == STATUS_OPEN for p in live):
        invoice.status = STATUS_PARTIAL
    else:
        invoice.status = STATUS_SETTLED


def _write(session: Session, inst: PayableInstallment, req: WriteOffRequest, plan: WriteOffPlan, *, user,
           entry_description: str) -> PayableWriteOff:
    invoice = inst.invoice
    before = snapshot(inst)
    wo = PayableWriteOff(
        company_id=invoice.company_id, installment_id=inst.id, kind=plan.kind, paid_on=plan.paid_on,
        account_date=req.account_date or plan.paid_on, principal=plan.principal, interest=plan.interest,
        discount=plan.discount, fee=plan.fee, abatement=plan.abatement, paid=plan.paid,
        foreign_amount=plan.foreign_amount, conversion_index=plan.conversion_index,
        remainder_interest=plan.remainder_interest, debit_account_id=plan.debit_account_id,
        cash_account_id=plan.cash_account_id, cost_centre_id=plan.cost_centre_id, cheque_number=text_field(req.cheque_number, "cheque_number", "", 20),
        cheque_cleared=bool(req.cheque_cleared), our_number=text_field(req.our_number, "our_number", "", 30),
        carrier_id=req.carrier_id or inst.carrier_id, category_id=_category_id(session, invoice, req),
        history_note=text_field(req.history_note, "history_note", "", 200), user_id=getattr(user, "id", None),
        **{t.tax: t.amount for t in plan.taxes})
    session.add(wo)
    session.flush()
    if plan.kind == WRITEOFF_PARTIAL:
        wo.remainder_installment_id = _remainder(session, inst, plan, req).id
    inst.status = STATUS_PARTIAL if plan.kind == WRITEOFF_PARTIAL else STATUS_SETTLED
    if req.carrier_id:
        inst.carrier_id = req.carrier_id
    if wo.our_number:
        inst.our_number = wo.our_number
    if req.situation is not None:
        inst.situation = text_field(req.situation, "situation", "Status", 30)
    session.flush()
    session.expire(invoice, ["parcels"])
    refresh_invoice_status(invoice)
    note = f" — {wo.history_note}" if wo.history_note else ""
    entry = post_entry(session, company_id=invoice.company_id, date=plan.paid_on, lines=plan.lines,
                       description=f"{entry_description} da fatura {inst.code}{note}"[:255],
                       origin_kind=ORIGIN_KIND, origin_id=wo.id, origin=f"Fatura a pagar {inst.code}", user=user)
    wo.entry_id = entry.id
    session.flush()
    record(session, action="write_off", target_kind="payables.installment", target_id=inst.id, user=user,
           before=before, after={**snapshot(inst), "writeoff": snapshot(wo),
                                 "cost_centres": [[c, str(p)] for c, p in plan.centre_shares]},
           company_id=invoice.company_id)
    return wo


def _lock(session: Session, inst: PayableInstallment) -> None:
    """Serialize with other write-offs/reversals of the installment (PostgreSQL row lock)."""
    session.flush()
    session.refresh(inst, with_for_update=True)


def write_off(session: Session, inst: PayableInstallment, req: WriteOffRequest, *, runtime=None,
              user=None) -> PayableWriteOff:
    """Individual write-off, total or partial (module docstring). Never commits; checks everything
    before writing."""
    from plugins.payables.writeoff_mail import queue_supplier_email

    _lock(session, inst)
    cfg = settings_of(runtime)
    plan = _plan(session, inst, req, cfg, user)
    label = "Baixa parcial" if plan.kind == WRITEOFF_PARTIAL else "Baixa"
    wo = _write(session, inst, req, plan, user=user, entry_description=label)
    queue_supplier_email(session, wo, req, cfg)  # outbox: sent only after commit
    return wo


def write_off_batch(session: Session, items: list[tuple[PayableInstallment, WriteOffRequest]], *, runtime=None,
                    user=None) -> list[PayableWriteOff]:
    """Baixa em lote: every installment paid in full (its own juros, desconto, abatimento, taxa and
    nosso número), one entry per installment. All are checked first; any refusal refuses the
    batch with every reason ("Fatura N: …"), nothing written."""
    cfg = settings_of(runtime)
    if not items:
        raise ValidationError("Selecione ao menos uma fatura para a baixa em lote.", field="installments")
    codes = [inst.code for inst, _req in items]
    if len(set(codes)) != len(codes):
        raise ValidationError("Fatura repetida na baixa em lote.", field="installments")
    plans, problems = [], []
    for inst, req in items:
        _lock(session, inst)
        try:
            plans.append(_plan(session, inst, req, cfg, user, batch=True))
        except ValidationError as exc:
            text = str(exc)
            problems.append(text if text.startswith(f"Fatura {inst.code}") else f"Fatura {inst.code}: {text}")
    if problems:
        raise ValidationError(" ".join(problems), field="installments")
    from plugins.payables.writeoff_mail import queue_supplier_email

    out = []
    for (inst, req), plan in zip(items, plans):
        wo = _write(session, inst, req, plan, user=user, entry_description="Baixa em lote")
        queue_supplier_email(session, wo, req, cfg)
        out.append(wo)
    return out
