"""Fiscal documents (NF modelo 21/22) of invoices: pending list, request, generation (efetivação).

Flow (manual "Painel do Cliente": "Documentos fiscais pendentes" → "Documentos fiscais gerados"):

- `pending_invoices`: invoices that may get a document and have none living (no pending or
  generated one; an invoice whose document was cancelled is pending again — its next document is
  the substitute, situação R).
- `request_generation`: the document is prepared (items with their fiscal composition, totals,
  observações) with status "pendente" and NO number — numbers are drawn only at issue. While
  pending, receivables refuses to remove/alter the invoice ("Esta fatura aguarda efetivação de
  geração de documentos fiscais").
- `effect`: draws the número (gapless, per empresa/modelo/série), dates it, sets the período de
  apuração (AAMM of the issue date) and the document MD5 (mestre campo 13, computed by the
  conv115 writer exactly as the period file will carry it); status "gerado".
- `generate` = request + effect in the caller's transaction (the kernel action "Gerar documento
  fiscal" runs it for many invoices, by invoice id, so the numbers follow the invoices' order).

Item composition (settings `composition` / `plans.<código do plano>`): one item per charge of
the invoice; negative charges (descontos) become the `desconto` of the largest items; ICMS base =
net value × (1 − redução%) when the rate is positive, ICMS = base × alíquota, the rest of the net
value goes to "isentas / não tributadas"; PIS/COFINS = net value × alíquota (informative, not part
of the totals); CFOP 5xxx becomes 6xxx when the customer's UF differs from the company's.

Services take the caller's session and never commit; refusals are `ValidationError` in pt-BR.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.money import format_brl, round_money
from plugins.fiscal_nf2122.models import (ANULADO, CANCELADO, GERADO, PENDENTE, TOTALS, FiscalDocument,
                                          FiscalDocumentItem)
from plugins.fiscal_nf2122.numbering import draw_number
from plugins.fiscal_nf2122.settings import Composition, FiscalSettings

ZERO = Decimal("0.00")
LIVE = (PENDENTE, GERADO)
ELIGIBLE_INVOICE_STATUSES = ("aberta", "liquidada", "parcialmente_liquidada")


def username(user) -> str | None:
    if user is None:
        return None
    return getattr(user, "username", None) or str(user)


def local_today(now: datetime | None = None) -> date:
    from plugins.receivables.invoice_tools import _local_today

    return _local_today(now or utcnow())


# --- queries -----------------------------------------------------------------------------------

def live_documents(session: Session, invoice_ids: list[int]) -> dict[int, FiscalDocument]:
    """invoice id → its pending or generated document."""
    found: dict[int, FiscalDocument] = {}
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start:start + 500]
        found.update((d.invoice_id, d) for d in session.scalars(
            select(FiscalDocument).where(FiscalDocument.invoice_id.in_(chunk), FiscalDocument.status.in_(LIVE))))
    return found


def last_cancelled(session: Session, invoice_id: int) -> FiscalDocument | None:
    return session.scalar(select(FiscalDocument).where(FiscalDocument.invoice_id == invoice_id,
                                                       FiscalDocument.status == CANCELADO)
                          .order_by(FiscalDocument.id.desc()).limit(1))


def invoice_problem(invoice, live: FiscalDocument | None) -> str | None:
    """Why `invoice` may not get a new document (pt-BR), None when it may."""
    if live is not None and live.status == GERADO:
        return _("A fatura {n} já possui documentos fiscais gerados.").format(n=invoice.number)
    if invoice.status not in ELIGIBLE_INVOICE_STATUSES:
        return _("A fatura {n} está {s}: não gera documento fiscal.").format(
            n=invoice.number, s=invoice.status.replace("_", " "))
    if invoice.total is None or invoice.total <= 0:
        return _("A fatura {n} não tem valor a documentar.").format(n=invoice.number)
    return None


def pending_invoices(session: Session, *, company_id: int | None = None, party_id: int | None = None,
                     limit: int = 1000) -> list:
    """"Documentos fiscais pendentes": eligible invoices without a generated document (those
    awaiting efetivação included), oldest first."""
    from plugins.receivables.models import Invoice

    generated = select(FiscalDocument.id).where(FiscalDocument.invoice_id == Invoice.id,
                                                FiscalDocument.status == GERADO).exists()
    stmt = select(Invoice).where(Invoice.status.in_(ELIGIBLE_INVOICE_STATUSES), Invoice.total > 0, ~generated)
    if company_id is not None:
        stmt = stmt.where(Invoice.company_id == company_id)
    if party_id is not None:
        stmt = stmt.where(Invoice.party_id == party_id)
    return list(session.scalars(stmt.order_by(Invoice.id).limit(limit)))


# --- composition -------------------------------------------------------------------------------

def cfop_for(comp: Composition, company_uf: str | None, party_uf: str | None) -> str:
    """The CFOP of the composition; an in-state 5xxx becomes 6xxx for a customer in another UF."""
    if comp.cfop.startswith("5") and company_uf and party_uf and company_uf.upper() != party_uf.upper():
        return "6" + comp.cfop[1:]
    return comp.cfop


def _percent(value: Decimal, rate: Decimal) -> Decimal:
    return round_money(value * rate / Decimal(100))


def compose(item: FiscalDocumentItem, comp: Composition) -> FiscalDocumentItem:
    """Fill the taxes of `item` (valor_total and desconto set) from its composition."""
    net = item.valor_total - item.desconto + item.acrescimos
    base = ZERO
    if comp.aliquota_icms > 0:
        base = _percent(net, Decimal(100) - comp.reducao_base_icms)
    item.bc_icms, item.aliquota_icms = base, comp.aliquota_icms
    item.icms = _percent(base, comp.aliquota_icms)
    item.isentas, item.outros = net - base, ZERO
    item.aliquota_pis, item.pis = comp.aliquota_pis, _percent(net, comp.aliquota_pis)
    item.aliquota_cofins, item.cofins = comp.aliquota_cofins, _percent(net, comp.aliquota_cofins)
    item.tipo_isencao = comp.tipo_isencao
    return item


def _spread_discounts(items: list[FiscalDocumentItem], discount: Decimal) -> None:
    """Negative charges: their sum becomes the `desconto` of the largest items first."""
    for item in sorted(items, key=lambda i: (-i.valor_total, i.position)):
        if discount <= 0:
            break
        take = min(discount, item.valor_total - item.desconto)
        item.desconto += take
        discount -= take


def build_items(session: Session, invoice, settings: FiscalSettings, company_uf: str | None,
                party_uf: str | None, *, model: int | None = None) -> list[FiscalDocumentItem]:
    """One item per charge of the invoice with its plan's composition (see the module doc); model 62
    items also get their NFCom cClass (`nfcom_docs.cclass_of`)."""
    from plugins.receivables.models import Charge, Contract, Plan

    rows = session.execute(select(Charge, Plan.code).outerjoin(Contract, Contract.id == Charge.contract_id)
                           .outerjoin(Plan, Plan.id == Contract.plan_id)
                           .where(Charge.invoice_id == invoice.id).order_by(Charge.id)).all()
    items, comps, discount = [], [], ZERO
    for charge, plan_code in rows:
        if charge.amount < 0:
            discount += -charge.amount
            continue
        if charge.amount == 0:
            continue
        comp = settings.composition_for(plan_code)
        items.append(FiscalDocumentItem(
            position=len(items) + 1, charge_id=charge.id, descricao=charge.description[:200],
            codigo_servico=comp.codigo_servico, classificacao=comp.classificacao, unidade=comp.unidade,
            cfop=cfop_for(comp, company_uf, party_uf), valor_total=charge.amount, desconto=ZERO, acrescimos=ZERO,
            contrato=str(charge.contract_id or "")))
        comps.append(comp)
    if len(items) > 999:
        raise ValidationError(_("A fatura {n} tem {k} contas; a nota aceita até 999 itens.").format(
            n=invoice.number, k=len(items)))
    _spread_discounts(items, discount)
    net = sum((i.valor_total - i.desconto for i in items), ZERO)
    if not items or net <= 0:
        raise ValidationError(_("A fatura {n} não tem valor a documentar.").format(n=invoice.number), field="invoice")
    if model == 62:
        from plugins.fiscal_nf2122.nfcom_docs import prepare_items

        prepare_items(items, comps, settings)
    return [compose(item, comp) for item, comp in zip(items, comps)]


def _totals(doc: FiscalDocument, items: list[FiscalDocumentItem]) -> None:
    for name in TOTALS:
        setattr(doc, name, ZERO)
    for item in items:
        doc.valor_total += item.valor_total - item.desconto + item.acrescimos
        for name in TOTALS[1:]:
            setattr(doc, name, getattr(doc, name) + getattr(item, name))


def _observations(session: Session, invoice, party) -> tuple[str | None, ...]:
    """Observação 1 e 2 (cadastro do cliente), 3 (competência of the invoice: "Competência MM/AAAA" —
    receivables keeps no observation of the competence, only the month itself), 4 (contrato)."""
    from plugins.receivables.models import Charge, Contract

    contract_notes = session.scalar(select(Contract.notes).join(Charge, Charge.contract_id == Contract.id)
                                    .where(Charge.invoice_id == invoice.id).order_by(Charge.id).limit(1))
    competence = getattr(invoice, "competence", None)
    obs_3 = _("Competência {c}").format(c=competence.strftime("%m/%Y")) if competence else None
    return tuple((text or None) and text[:500] for text in (party.notes_1, party.notes_2, obs_3, contract_notes))


# --- request and effect ------------------------------------------------------------------------

def request_generation(session: Session, invoice, settings: FiscalSettings, *, user=None) -> FiscalDocument:
    """Prepare the invoice's document (status "pendente", no number). Returns the pending document
    when there is one already."""
    from core.models.company import Company
    from core.parties.models import Party

    from plugins.receivables.models import Invoice

    # the invoice row is locked first (PostgreSQL): a concurrent generation for the same invoice
    # waits, then sees this one's document and is refused in pt-BR (not by the unique index)
    session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    live = live_documents(session, [invoice.id]).get(invoice.id)
    problem = invoice_problem(invoice, live)
    if problem:
        raise ValidationError(problem, field="invoice")
    if live is not None:
        return live
    company, party = session.get(Company, invoice.company_id), session.get(Party, invoice.party_id)
    model = settings.model_for(company.code)  # 21/22, or 62 (NFCom) per company
    items = build_items(session, invoice, settings, company.uf, party.uf, model=model)
    obs = _observations(session, invoice, party)
    doc = FiscalDocument(
        company_id=invoice.company_id, invoice_id=invoice.id, party_id=invoice.party_id, model=model,
        serie=settings.serie_for(company.code, model), status=PENDENTE, situacao="N", tipo_utilizacao=settings.tipo_utilizacao,
        dest_document=only_digits(party.document or "")[:14], dest_name=party.name[:150],
        dest_uf=(party.uf or company.uf or "")[:2].upper(), valor_fatura=invoice.total,
        observation_1=obs[0], observation_2=obs[1], observation_3=obs[2], observation_4=obs[3],
        created_at=utcnow(), created_by=username(user))
    _totals(doc, items)
    cancelled = last_cancelled(session, invoice.id)
    if cancelled is not None:  # the substitute of a cancelled document (mestre campo 34)
        doc.situacao, doc.replaces_id, doc.reference = "R", cancelled.id, reference_of(cancelled)
    session.add(doc)
    session.flush()
    for item in items:
        item.document_id = doc.id
    session.add_all(items)
    session.flush()
    return doc


def reference_of(doc: FiscalDocument) -> str:
    """Mestre campo 34 of a document that substitutes or complements `doc`:
    AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD."""
    return (f"{doc.period}_{doc.model:02d}_{doc.serie.rstrip()}_{doc.number:09d}_"
            f"{doc.issue_date.strftime('%Y%m%d')}")


def _last_issue_date(session: Session, doc: FiscalDocument) -> date | None:
    return session.scalar(select(FiscalDocument.issue_date).where(
        FiscalDocument.company_id == doc.company_id, FiscalDocument.model == doc.model,
        FiscalDocument.serie == doc.serie, FiscalDocument.status.in_((GERADO, CANCELADO)))
        .order_by(FiscalDocument.issue_date.desc()).limit(1))


def effect(session: Session, doc: FiscalDocument, *, issue_date: date | None = None, user=None,
           now: datetime | None = None, settings: FiscalSettings | None = None) -> FiscalDocument:
    """Efetivação: número, data de emissão, período, MD5; status "gerado". Model 62 (NFCom): the
    company's certificate is checked before the number is drawn, then the note is built, signed and
    stored "aguardando transmissão" (`nfcom_docs.issue`; `settings` default: the running ones)."""
    if doc.status != PENDENTE:
        raise ValidationError(_("{doc} não aguarda efetivação.").format(doc=doc.title), field="document")
    now = now or utcnow()
    certificado = None
    if doc.model == 62:
        from plugins.fiscal_nf2122 import nfcom_docs

        settings = settings or nfcom_docs.current_settings()
        if issue_date is not None and issue_date != local_today(now):
            raise ValidationError(_("A NFCom é emitida com a data e a hora da transmissão: data de emissão {d} "
                                    "diferente de hoje não é aceita.").format(d=issue_date.strftime("%d/%m/%Y")),
                                  field="issue_date")
        certificado = nfcom_docs.certificate_for(settings, nfcom_docs.company_of(session, doc), now=now)
    issue_date = issue_date or local_today(now)
    last = _last_issue_date(session, doc)
    if last is not None and issue_date < last:
        raise ValidationError(_("Data de emissão {d} anterior à do último documento da série {s} ({last}): a "
                                "numeração e as datas da série seguem em ordem.").format(
            d=issue_date.strftime("%d/%m/%Y"), s=doc.serie, last=last.strftime("%d/%m/%Y")), field="issue_date")
    doc.number, doc.cycle = draw_number(session, doc.company_id, doc.model, doc.serie)
    doc.issue_date, doc.period = issue_date, issue_date.strftime("%y%m")
    doc.status, doc.generated_at, doc.generated_by = GERADO, now, username(user)
    session.flush()
    if doc.model == 62:
        nfcom_docs.issue(session, doc, settings, now=now, certificado=certificado)
        return doc
    from plugins.fiscal_nf2122.conv115_bridge import document_md5_of

    doc.md5 = document_md5_of(session, doc)
    session.flush()
    return doc


def generate(session: Session, invoice, settings: FiscalSettings, *, issue_date: date | None = None, user=None,
             now: datetime | None = None) -> FiscalDocument:
    """Request (if not pending yet) and effect the invoice's document in the caller's transaction."""
    doc = request_generation(session, invoice, settings, user=user)
    return effect(session, doc, issue_date=issue_date, user=user, now=now, settings=settings)


def effect_pending(session: Session, *, company_id: int | None = None, issue_date: date | None = None,
                   user=None, settings: FiscalSettings | None = None) -> list[FiscalDocument]:
    """Efetivar every pending document (oldest first)."""
    stmt = select(FiscalDocument).where(FiscalDocument.status == PENDENTE)
    if company_id is not None:
        stmt = stmt.where(FiscalDocument.company_id == company_id)
    return [effect(session, doc, issue_date=issue_date, user=user, settings=settings)
            for doc in session.scalars(stmt.order_by(FiscalDocument.id)).all()]


# --- after issue -------------------------------------------------------------------------------

def mark_delivered(session: Session, doc: FiscalDocument, *, now: datetime | None = None) -> None:
    """The document reached the customer (printed / sent): it can no longer be annulled."""
    if doc.status != GERADO:
        raise ValidationError(_("{doc} não está gerado.").format(doc=doc.title), field="document")
    if doc.delivered_at is None:
        doc.delivered_at = now or utcnow()
        session.flush()


def edit_observations(session: Session, doc: FiscalDocument, **observations: str | None) -> None:
    """"Editar informações do documento fiscal": observação 1–4 (keys observation_1 … observation_4)."""
    if doc.status == ANULADO:
        raise ValidationError(_("{doc} está anulado.").format(doc=doc.title), field="document")
    for key, value in observations.items():
        if key not in ("observation_1", "observation_2", "observation_3", "observation_4"):
            raise ValidationError(_("Campo desconhecido: {k}").format(k=key), field=key)
        setattr(doc, key, (value or "").strip()[:500] or None)
    session.flush()


def items_of(session: Session, doc: FiscalDocument) -> list[FiscalDocumentItem]:
    return list(session.scalars(select(FiscalDocumentItem).where(FiscalDocumentItem.document_id == doc.id)
                                .order_by(FiscalDocumentItem.position)))


def as_dict(doc: FiscalDocument, invoice_number: int | None = None) -> dict:
    """A document for listings (`quita fiscal list --json`): money as "1234.56"."""
    return {
        "id": doc.id, "company_id": doc.company_id, "invoice_id": doc.invoice_id, "invoice_number": invoice_number,
        "party_id": doc.party_id, "model": doc.model, "serie": doc.serie, "number": doc.number,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None, "period": doc.period,
        "situacao": doc.situacao, "status": doc.status, **{k: str(getattr(doc, k)) for k in TOTALS},
        "md5": doc.md5, "reference": doc.reference, "replaces_id": doc.replaces_id,
        "delivered": doc.delivered_at is not None, "period_file_id": doc.period_file_id,
        "observations": [doc.observation_1, doc.observation_2, doc.observation_3, doc.observation_4],
    }


def describe(doc: FiscalDocument, invoice_number: int | None = None) -> str:
    """One pt-BR line for the command line."""
    return _("{id}: {title} de {d} — fatura {inv}, {v}, situação {s}, {st}").format(
        id=doc.id, title=doc.title, d=doc.issue_date.strftime("%d/%m/%Y") if doc.issue_date else "—",
        inv=invoice_number if invoice_number is not None else f"id {doc.invoice_id}", v=format_brl(doc.valor_total),
        s=doc.situacao, st=doc.status)
