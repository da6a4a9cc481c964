"""Lançar Pagamento - Contas a Pagar: validate, preview and launch a supplier invoice.

    req = LaunchRequest(company_id=1, supplier_id=7, emission_date=date(2026, 11, 5), total="1000,00",
                        installments=3, term_days=30, template_id=tpl.id,
                        debit_splits=[(link_id, "600,00"), (power_id, "400,00")])
    preview = preview_launch(session, req, runtime=rt)        # nothing written: the page's preview
    invoice = launch_invoice(session, req, runtime=rt, user=u)  # writes, posts, never commits

Both run the same checks (`_check`) and raise `core.errors.ValidationError` (pt-BR, naming the
field) before anything is written. The launch:

- draws the control number (`payables.invoice`) and one code per installment
  (`payables.installment`), per company, from the gapless counters;
- posts ONE journal entry dated the launch date: for each debit split a pair — debit the split's
  account (one line per cost centre of the apportionment, the split's value apportioned exactly)
  and credit the credit account (supplier on the line) with the split's value; the protected
  period ("Proteger lançamentos anteriores a") refuses the launch date;
- audits the invoice ("create", with installments, splits and apportionment).

"Lançamento apenas nos Históricos": a user listed in `allowed_templates` launches only with those
históricos (`allowed_template_codes`); "Status": `launch_statuses.launch_status` (only when statuses
are configured), kept on every installment's `situation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record, snapshot
from core.errors import ValidationError
from core.ledger.models import Account, AccountingTemplate
from core.ledger.services import LineSpec, check_protection, post_entry
from core.money import format_brl, from_cents, parse_money, to_cents
from core.numbering import next_number
from core.parties.models import Party
from core.parties.services import find_party_by_key
from plugins.payables.apportionment import (CentreShare, DebitSplit, account_by_code, apportion,
                                            check_debit_splits, distribute)
from plugins.payables.installments import PlannedInstallment, plan_installments
from plugins.payables.launch_statuses import launch_status
from plugins.payables.models import (DUE_BY_TERM, PAYMENT_FORM_LABELS, FinancialCategory, PayableApportionment,
                                     PayableDebitSplit, PayableInstallment, PayableInvoice)
from plugins.payables.settings import settings_of

INVOICE_COUNTER = "payables.invoice"
INSTALLMENT_COUNTER = "payables.installment"
ORIGIN_KIND = "payables.invoice"
SUPPLIER_CLASSIFICATIONS = ("fornecedor", "cliente_fornecedor", "fornecedor_funcionario", "transportadora")
ZERO = Decimal("0.00")


@dataclass
class LaunchRequest:
    """The fields of the launch page (money as Decimal or pt-BR text; ids of kernel records)."""

    company_id: int
    supplier_id: int
    emission_date: date
    total: object
    installments: int = 1
    term_days: int = 30
    due_mode: str = DUE_BY_TERM
    payment_form: str = "crediario"
    discount: object = "0"
    launch_date: date | None = None          # default: today
    document: str | None = None
    series: str | None = None
    template_id: int | None = None           # histórico
    debit_account_id: int | None = None      # one debit account (default: the histórico's)
    debit_splits: list[tuple[int, object]] = field(default_factory=list)  # desmembramento
    credit_account_id: int | None = None     # default: histórico, then the setting's code
    cash_flow_account_id: int | None = None  # default: the setting's code
    cost_centres: list[tuple[int, object]] = field(default_factory=list)  # (centre, % or value)
    keep_typed_apportionment: bool = False   # "Não ratear diferença entre centros de custo"
    advance: bool = False
    order_number: str | None = None
    buyer_id: int | None = None
    user_id: int | None = None
    standard_note: str | None = None
    category: str | None = None
    create_category: bool = False
    service_invoice: bool = False
    irrf: object = None
    pis: object = None
    cofins: object = None
    csll: object = None
    situation: str | None = None             # "Status" (only when statuses are configured: launch_statuses.py)


@dataclass(frozen=True)
class LaunchPreview:
    """What the launch would write: the installments, splits, apportionment and entry lines."""

    net: Decimal
    installments: list[PlannedInstallment]
    debit_splits: list[DebitSplit]
    apportionment: list[CentreShare]
    apportionment_kind: str | None
    lines: list[LineSpec]
    category_is_new: bool


@dataclass(frozen=True)
class _Checked:
    req: LaunchRequest
    supplier: Party
    template: AccountingTemplate | None
    total: Decimal
    discount: Decimal
    launch_date: date
    credit_account: Account
    cash_flow_account: Account | None
    category: FinancialCategory | None
    retentions: dict[str, Decimal | None]
    preview: LaunchPreview
    situation: str | None = None


def money_field(value, field_name: str, label: str, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"Informe o {label}.", field=field_name)
        return None
    try:
        amount = parse_money(value, field=label)
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc), field=field_name) from None
    if amount < 0:
        raise ValidationError(f"O {label} não pode ser negativo.", field=field_name)
    return amount


def text_field(value: str | None, field_name: str, label: str, limit: int) -> str | None:
    text = (value or "").strip() or None
    if text is not None and len(text) > limit:
        raise ValidationError(f"{label}: no máximo {limit} caracteres.", field=field_name)
    return text


def supplier_of(session: Session, supplier_id: int) -> Party:
    party = session.get(Party, supplier_id) if supplier_id else None
    if party is None:
        raise ValidationError("Fornecedor não encontrado.", field="supplier_id")
    if not party.active:
        raise ValidationError(f"O fornecedor {party.code} - {party.name} está inativo.", field="supplier_id")
    if party.classification not in SUPPLIER_CLASSIFICATIONS:
        raise ValidationError(f"O cadastro {party.code} - {party.name} não é um fornecedor "
                              f"(classificação: {party.classification}).", field="supplier_id")
    return party


def party_by_key(session: Session, key: str | None) -> Party | None:
    """A party by CPF/CNPJ (with or without punctuation) or by its code; None when not found."""
    return find_party_by_key(session, key)


def find_supplier(session: Session, key: str) -> Party:
    """A supplier by CPF/CNPJ or by its party code (see `supplier_of` for the rules)."""
    party = party_by_key(session, key)
    if party is None:
        raise ValidationError(f"Fornecedor {(key or '').strip()} não encontrado (informe o CPF/CNPJ ou o código).",
                              field="supplier_id")
    return supplier_of(session, party.id)


def category_named(session: Session, name: str | None, *, create: bool) -> tuple[FinancialCategory | None, bool]:
    """(category, is_new): an existing category by name (case-insensitive), or a new one when
    `create` ("cadastrá-la" from the launch). The new one is added to the session only by `launch`."""
    text = text_field(name, "category", "Categoria financeira", 60)
    if text is None:
        return None, False
    from sqlalchemy import func

    found = session.scalar(select(FinancialCategory).where(func.lower(FinancialCategory.name) == text.lower()))
    if found is not None:
        if not found.active:
            raise ValidationError(f"A categoria financeira «{found.name}» está inativa.", field="category")
        return found, False
    if not create:
        raise ValidationError(f"A categoria financeira «{text}» não está cadastrada. Cadastre-a no lançamento.",
                              field="category")
    return FinancialCategory(name=text, active=True), True


def _amounts(req: LaunchRequest, max_installments: int) -> tuple[Decimal, Decimal, int]:
    """(total, discount, installments) of the request, checked."""
    total = money_field(req.total, "total", "valor total")
    if total <= 0:
        raise ValidationError("O valor total da fatura deve ser maior que zero.", field="total")
    discount = money_field(req.discount, "discount", "desconto", required=False) or ZERO
    if discount >= total:
        raise ValidationError(f"O desconto ({format_brl(discount)}) deve ser menor que o valor total "
                              f"({format_brl(total)}).", field="discount")
    count = int(req.installments or 0)
    if not 1 <= count <= max_installments:
        raise ValidationError(f"Parcelas: informe de 1 a {max_installments} (quantidade máxima de parcelas "
                              "para o lançamento de faturas).", field="installments")
    return total, discount, count


def _header(session: Session, req: LaunchRequest) -> None:
    """Dates, payment form, texts, advance and buyer."""
    if not isinstance(req.emission_date, date):
        raise ValidationError("Informe a data de emissão.", field="emission_date")
    if req.launch_date is not None and not isinstance(req.launch_date, date):
        raise ValidationError("Data de lançamento inválida.", field="launch_date")
    if req.payment_form not in PAYMENT_FORM_LABELS:
        raise ValidationError(f"Forma de pagamento inválida: {req.payment_form}. Use: "
                              + ", ".join(PAYMENT_FORM_LABELS.values()) + ".", field="payment_form")
    text_field(req.document, "document", "Documento", 20)
    text_field(req.series, "series", "Série", 5)
    text_field(req.standard_note, "standard_note", "Observação padrão", 1000)
    order = text_field(req.order_number, "order_number", "Nº do pedido", 20)
    if req.advance and not order:
        raise ValidationError("Fatura de adiantamento: informe o Nº do pedido.", field="order_number")
    if req.buyer_id is not None and session.get(Party, req.buyer_id) is None:
        raise ValidationError("Comprador não encontrado.", field="buyer_id")


def allowed_template_codes(cfg, username: str | None) -> list[str] | None:
    """"Lançamento apenas nos Históricos": the codes the user may launch with (`allowed_templates`
    of the settings, by login); None = every histórico (user not listed)."""
    found = (cfg.allowed_templates or {}).get(username or "")
    return None if found is None else [str(c) for c in found]


def launch_username(session: Session, req: LaunchRequest, user=None) -> str | None:
    """The login of who launches: the caller's user, else `req.user_id` (the page sets it)."""
    if user is not None:
        return getattr(user, "username", None)
    if req.user_id is None:
        return None
    from core.models.users import User

    found = session.get(User, req.user_id)
    return found.username if found is not None else None


def _template(session: Session, req: LaunchRequest, cfg=None,
              username: str | None = None) -> AccountingTemplate | None:
    allowed = allowed_template_codes(cfg, username) if cfg is not None else None
    if req.template_id is None:
        if allowed is not None:
            raise ValidationError(f"Informe o histórico: o usuário {username} só pode lançar nos históricos "
                                  f"{', '.join(allowed) or '(nenhum)'} (\"Lançamento apenas nos Históricos\").",
                                  field="template_id")
        return None
    template = session.get(AccountingTemplate, req.template_id)
    if template is None or template.company_id != req.company_id or not template.active:
        raise ValidationError("Histórico contábil não encontrado (ou inativo) nesta empresa.", field="template_id")
    if allowed is not None and template.code not in allowed:
        raise ValidationError(f"O histórico {template.code} - {template.description} não está liberado para o usuário "
                              f"{username} (\"Lançamento apenas nos Históricos\"). Históricos permitidos: "
                              f"{', '.join(allowed) or '(nenhum)'}.", field="template_id")
    return template


def _accounts(session: Session, req: LaunchRequest, template: AccountingTemplate | None, net: Decimal,
              cfg) -> tuple[list[DebitSplit], Account, Account | None]:
    """(debit splits, credit account, cash-flow account): the request's, else the histórico's, else
    the settings' (see the README)."""
    company_id = req.company_id
    splits = list(req.debit_splits or [])
    if not splits:
        debit_id = req.debit_account_id or (template.debit_account_id if template else None)
        if debit_id is None:
            raise ValidationError("Informe a conta débito (ou um histórico que a defina).", field="debit_splits")
        splits = [(debit_id, net)]
    debit_splits = check_debit_splits(session, company_id, net, splits)
    credit_ref = req.credit_account_id or (template.credit_account_id if template else None) or cfg.credit_account_code
    if not credit_ref:
        raise ValidationError("Informe a conta crédito.", field="credit_account_id")
    credit = account_by_code(session, company_id, credit_ref, field="credit_account_id", side="crédito")
    if credit.id in {s.account_id for s in debit_splits}:
        raise ValidationError("A conta crédito deve ser diferente das contas débito.", field="credit_account_id")
    cash_ref = req.cash_flow_account_id or cfg.cash_flow_account_code
    cash_flow = (account_by_code(session, company_id, cash_ref, field="cash_flow_account_id", side="de fluxo de caixa")
                 if cash_ref else None)
    if cash_flow is not None and cash_flow.kind not in ("bank", "cash"):
        raise ValidationError(f"A conta de fluxo de caixa {cash_flow.code} - {cash_flow.name} deve ser uma conta "
                              "banco ou caixa.", field="cash_flow_account_id")
    return debit_splits, credit, cash_flow


def _check(session: Session, req: LaunchRequest, runtime, user=None) -> _Checked:
    """Every rule of the launch, in the page's order; writes nothing."""
    cfg = settings_of(runtime)
    supplier = supplier_of(session, req.supplier_id)
    _header(session, req)
    total, discount, count = _amounts(req, cfg.max_installments)
    net = total - discount
    template = _template(session, req, cfg, launch_username(session, req, user))
    debit_splits, credit, cash_flow = _accounts(session, req, template, net, cfg)
    kind, centres = apportion(session, req.company_id, net, template, list(req.cost_centres or []),
                              keep_typed=req.keep_typed_apportionment)
    retentions = _retentions(req, total)
    situation = launch_status(session, req.situation, req.payment_form)
    category, is_new = category_named(session, req.category, create=req.create_category)
    planned = plan_installments(req.emission_date, net, count, int(req.term_days or 0), mode=req.due_mode,
                                only_weekdays=cfg.only_weekdays)
    lines = entry_lines(debit_splits, centres, credit.id, supplier.id)
    preview = LaunchPreview(net, planned, debit_splits, centres, kind, lines, is_new)
    return _Checked(req, supplier, template, total, discount, req.launch_date or date.today(), credit, cash_flow,
                    category, retentions, preview, situation)


def _retentions(req: LaunchRequest, total: Decimal) -> dict[str, Decimal | None]:
    labels = {"irrf": "IRRF", "pis": "PIS", "cofins": "COFINS", "csll": "CSLL"}
    found = {k: money_field(getattr(req, k), k, f"valor de {label}", required=False) for k, label in labels.items()}
    if any(v for v in found.values()) and not req.service_invoice:
        raise ValidationError("Retenções (IRRF, PIS, COFINS, CSLL) só em fatura de serviço.", field="service_invoice")
    if sum((v or ZERO for v in found.values()), ZERO) >= total:
        raise ValidationError("As retenções devem somar menos que o valor total da fatura.", field="irrf")
    return found


def entry_lines(splits: list[DebitSplit], centres: list[CentreShare], credit_id: int,
                supplier_id: int) -> list[LineSpec]:
    """For each debit split a pair: debit lines (one per cost centre, the split's value apportioned
    by the centres' amounts, exactly) and the credit line of the same value."""
    lines: list[LineSpec] = []
    for split in splits:
        if centres:
            parts = distribute(to_cents(split.amount), [c.amount for c in centres])
            lines += [LineSpec.dr(split.account_id, from_cents(p), cost_centre_id=c.cost_centre_id)
                      for c, p in zip(centres, parts) if p]
        else:
            lines.append(LineSpec.dr(split.account_id, split.amount))
        lines.append(LineSpec.cr(credit_id, split.amount, party_id=supplier_id))
    return lines


def preview_launch(session: Session, req: LaunchRequest, *, runtime=None, user=None) -> LaunchPreview:
    """The launch's installments, splits, apportionment and entry lines; writes nothing."""
    return _check(session, req, runtime, user).preview


def installment_number(invoice: PayableInvoice, sequence: int) -> str:
    """Default "número" of an installment: the document (or control number) and the sequence."""
    return f"{(invoice.document or str(invoice.number))[:16]}-{sequence}"


def launch_invoice(session: Session, req: LaunchRequest, *, runtime=None, user=None) -> PayableInvoice:
    """Validate, write and post the launch (see the module docstring). Never commits."""
    c = _check(session, req, runtime, user)
    check_protection(session, req.company_id, c.launch_date, field="launch_date")
    if c.category is not None and c.preview.category_is_new:
        session.add(c.category)
        session.flush()
    user_id = req.user_id if req.user_id is not None else getattr(user, "id", None)
    invoice = PayableInvoice(
        company_id=req.company_id, number=next_number(session, kind=INVOICE_COUNTER, company_id=req.company_id),
        supplier_id=c.supplier.id, emission_date=req.emission_date, launch_date=c.launch_date,
        document=text_field(req.document, "document", "Documento", 20), series=text_field(req.series, "series", "Série", 5),
        total=c.total, discount=c.discount, payment_form=req.payment_form, installments=len(c.preview.installments),
        term_days=int(req.term_days or 0), due_mode=req.due_mode, template_id=c.template.id if c.template else None,
        credit_account_id=c.credit_account.id, cash_flow_account_id=c.cash_flow_account.id if c.cash_flow_account else None,
        apportionment_kind=c.preview.apportionment_kind, keep_typed_apportionment=req.keep_typed_apportionment,
        advance=bool(req.advance), order_number=text_field(req.order_number, "order_number", "Nº do pedido", 20),
        buyer_id=req.buyer_id, user_id=user_id, standard_note=text_field(req.standard_note, "standard_note", "Observação padrão", 1000),
        category_id=c.category.id if c.category else None, service_invoice=bool(req.service_invoice),
        **c.retentions)
    session.add(invoice)
    session.flush()
    for p in c.preview.installments:
        session.add(PayableInstallment(
            invoice_id=invoice.id, company_id=invoice.company_id, sequence=p.sequence, due_date=p.due_date,
            amount=p.amount, number=installment_number(invoice, p.sequence), situation=c.situation,
            code=next_number(session, kind=INSTALLMENT_COUNTER, company_id=invoice.company_id)))
    session.add_all([PayableDebitSplit(invoice_id=invoice.id, account_id=s.account_id, amount=s.amount)
                     for s in c.preview.debit_splits])
    session.add_all([PayableApportionment(invoice_id=invoice.id, cost_centre_id=a.cost_centre_id, percent=a.percent,
                                          amount=a.amount) for a in c.preview.apportionment])
    session.flush()
    description = (c.template.description if c.template else "Fatura a pagar")
    entry = post_entry(session, company_id=invoice.company_id, date=c.launch_date, lines=c.preview.lines,
                       description=f"{description} — fatura {invoice.number} — {c.supplier.name}"[:255],
                       origin_kind=ORIGIN_KIND, origin_id=invoice.id, origin=f"Fatura a pagar {invoice.number}",
                       template_id=invoice.template_id, user=user)
    invoice.entry_id = entry.id
    session.flush()
    session.expire(invoice, ["parcels", "debit_splits", "apportionment"])
    record(session, action="create", target_kind=ORIGIN_KIND, target_id=invoice.id, user=user,
           after=invoice_snapshot(invoice), company_id=invoice.company_id)
    return invoice


def invoice_snapshot(invoice: PayableInvoice) -> dict:
    data = snapshot(invoice)
    data["parcels"] = [snapshot(p) for p in invoice.parcels]
    data["debit_splits"] = [snapshot(s) for s in invoice.debit_splits]
    data["apportionment"] = [snapshot(a) for a in invoice.apportionment]
    return data
