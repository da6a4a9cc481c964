"""Juros, multa and desconto of an invoice's boleto, for the settlements `receivables` computes
itself (liquidação avulsa, its preview): the `invoice_interest_terms` hook answered with the
instructions of the payment profile that issued the boleto — what the bank was told to charge.

A retorno's liquidation does not ask: the bank reports the juros and desconto it collected.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import _
from hooks.receivables import InterestTerms
from plugins.bank_profiles.models import Boleto, PaymentProfile


def terms_of_profile(profile: PaymentProfile) -> InterestTerms | None:
    """The profile's instructions as `InterestTerms` (None when it has none): `juros_percentual` per
    month or per day (`juros_tipo`), `multa_percentual`, `desconto_valor` up to the due date."""
    juros, multa, desconto = profile.juros_percentual, profile.multa_percentual, profile.desconto_valor
    if juros is None and multa is None and desconto is None:
        return None
    monthly = profile.juros_tipo != "diario"
    return InterestTerms(
        source=_("perfil de pagamento «{name}»").format(name=profile.name),
        monthly_rate_percent=juros if monthly else None,
        daily_rate_percent=None if monthly else juros,
        penalty_percent=multa,
        on_time_discount=desconto,
    )


def invoice_terms(session: Session, invoice_id: int) -> InterestTerms | None:
    """The terms of the profile of the invoice's boleto; None without a boleto."""
    profile = session.scalar(select(PaymentProfile).join(Boleto, Boleto.profile_id == PaymentProfile.id)
                             .where(Boleto.invoice_id == invoice_id))
    return terms_of_profile(profile) if profile is not None else None
