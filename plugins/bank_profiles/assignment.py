"""Nosso número at invoice creation (`on_invoice_created`).

When the invoice's contract carries a `payment_profile_id` of one of this plugin's profiles (an
invoice grouping several contracts takes the lowest profile id among them; an invoice may also
carry `payment_profile_id` itself), the next nosso número is drawn from the profile's range with
`core.numbering.next_number` — kind "bank_profiles.nosso_numero", series = the profile id:
gapless, in the invoice's transaction (a rollback gives it back), never reused (a removed or
altered invoice keeps its boleto row; the recreated invoice draws a new number). The boleto
(DV, barcode, linha digitável, PIX BR Code when the profile has a PIX key) is stored in
`bank_profiles_boleto`. Range exhausted ⇒ `ValidationError` in pt-BR, which rolls the creation back.

Cost per invoice: the hook runs once per created invoice (100k in a big billing run). Profiles are
loaded once per unit of work (`session.info`); a company without profiles costs one dict lookup;
the invoices' profiles are read 500 invoices at a time; the boleto rows are ORM objects flushed in
batches (the billing run and the alteration tools flush after the hooks). What stays per invoice:
the counter's upsert (`next_number`) and the boleto arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.numbering import next_number

COUNTER_KIND = "bank_profiles.nosso_numero"
_CACHE_KEY = "bank_profiles.assignment"


@dataclass(frozen=True)
class ProfileSnapshot:
    id: int
    company_id: int
    name: str
    banco: str
    data: dict
    first: int
    last: int
    pix_chave: str | None
    pix_nome: str
    pix_cidade: str


def _cache(session: Session) -> dict:
    cache = session.info.get(_CACHE_KEY)
    if cache is None:
        cache = session.info[_CACHE_KEY] = {"companies": {}, "profiles": {}}
    return cache


def invalidate(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)


def _company_profiles(session: Session, company_id: int) -> dict[int, ProfileSnapshot]:
    """Every profile of the company (active or not: a contract keeps its profile), once per session."""
    cache = _cache(session)["companies"]
    found = cache.get(company_id)
    if found is None:
        from core.models.company import Company
        from plugins.bank_profiles.models import PaymentProfile
        from plugins.bank_profiles.profiles import bank_data, first_number

        company = session.get(Company, company_id)
        found = {}
        for p in session.scalars(select(PaymentProfile).where(PaymentProfile.company_id == company_id)):
            found[p.id] = ProfileSnapshot(
                p.id, p.company_id, p.name, p.banco, bank_data(p), first_number(p), int(p.nosso_numero_fim),
                p.pix_chave or None, (company.trade_name or company.name) if company else "",
                (company.city if company else None) or "BRASIL")
        cache[company_id] = found
    return found


PREFETCH = 500


def profile_id_of(session: Session, invoice) -> int | None:
    """The payment profile of an invoice: its own `payment_profile_id`, else its contracts' (lowest).

    Read in windows: the first call for an invoice reads the profiles of the invoices with ids from
    it to it + 499 (only ids that exist now: an invoice created later has a higher id and is read
    again) — one query per 500 invoices of a billing run instead of one per invoice.
    """
    own = getattr(invoice, "payment_profile_id", None)
    if own:
        return int(own)
    from plugins.receivables.models import Charge, Contract, Invoice

    cache = _cache(session)
    window = cache.get("window")
    if window is None or not window[0] <= invoice.id <= window[1]:
        top = session.scalar(select(func.max(Invoice.id))) or invoice.id
        low, high = invoice.id, min(invoice.id + PREFETCH - 1, top)
        rows = session.execute(select(Charge.invoice_id, func.min(Contract.payment_profile_id))
                               .join(Contract, Contract.id == Charge.contract_id)
                               .where(Charge.invoice_id.between(low, high), Contract.payment_profile_id.is_not(None))
                               .group_by(Charge.invoice_id)).all()
        window = cache["window"] = (low, high, dict(rows))
    return window[2].get(invoice.id)


def compute(profile: ProfileSnapshot, nosso_numero: int, *, invoice_id: int, number: int, issue_date: date,
            total: Decimal, due_date: date) -> dict:
    """The boleto row of one invoice (pure: no database)."""
    from plugins.bank_profiles.boleto.calculo import calcular_boleto
    from plugins.bank_profiles.boleto.erros import ErroBoleto

    data = {**profile.data, "nosso_numero": nosso_numero, "emissao": issue_date, "seu_numero": number % 10_000_000}
    try:
        b = calcular_boleto(profile.banco, data, valor=total, vencimento=due_date)
    except ErroBoleto as exc:
        raise ValidationError(_("Boleto da fatura {n} (perfil de pagamento «{p}»): {erro}").format(
            n=number, p=profile.name, erro=exc), field="payment_profile_id") from None
    pix = None
    if profile.pix_chave:
        from plugins.bank_profiles.boleto.pix import brcode_estatico

        pix = brcode_estatico(profile.pix_chave, profile.pix_nome, profile.pix_cidade, valor=total,
                              txid=f"FAT{number}")
    return {"invoice_id": invoice_id, "profile_id": profile.id, "banco": b.banco, "nosso_numero": nosso_numero,
            "nosso_numero_dv": b.nosso_numero_dv, "nosso_numero_formatado": b.nosso_numero_formatado,
            "codigo_barras": b.codigo_barras, "linha_digitavel": b.linha_formatada, "valor": b.valor,
            "vencimento": due_date, "pix_brcode": pix}


def assign_boleto(session: Session, invoice) -> dict | None:
    """Draw the invoice's nosso número and store its boleto; None when it has no profile of ours."""
    from plugins.bank_profiles.models import Boleto

    profiles = _company_profiles(session, invoice.company_id)
    if not profiles and not getattr(invoice, "payment_profile_id", None):
        return None  # the cheap path: this company has no profile at all
    profile_id = profile_id_of(session, invoice)
    profile = profiles.get(profile_id) if profile_id is not None else None
    if profile is None:
        return None  # no profile, or another plugin's profile id
    with session.no_autoflush:  # the boletos added before wait for one batched flush
        counter = next_number(session, kind=COUNTER_KIND, company_id=profile.company_id, series=str(profile.id))
    nosso_numero = profile.first + counter - 1
    if nosso_numero > profile.last:
        raise ValidationError(_("A faixa de nosso número do perfil de pagamento «{p}» acabou (último: {fim}); "
                                "amplie a faixa no cadastro do perfil antes de emitir a fatura {n}.").format(
            p=profile.name, fim=profile.last, n=invoice.number), field="nosso_numero_fim")
    row = compute(profile, nosso_numero, invoice_id=invoice.id, number=invoice.number,
                  issue_date=invoice.issue_date, total=invoice.total, due_date=invoice.due_date)
    session.add(Boleto(**row, created_at=utcnow()))  # flushed in batches with the invoices
    return row


def boleto_of(session: Session, invoice_id: int):
    from plugins.bank_profiles.models import Boleto

    return session.scalar(select(Boleto).where(Boleto.invoice_id == invoice_id))
