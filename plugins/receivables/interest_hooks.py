"""The receivables plugin's default implementations of the interest hooks.

`compute_interest` is `trylast`: any deployment or bank plugin that answers (returns a
breakdown instead of None) replaces it. The plugin module registers it by importing it::

    from plugins.receivables.interest_hooks import compute_interest  # noqa: F401  (hook implementation)

and the settlement code asks for the charges with `interest_for(runtime, invoice, as_of)`.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from decimal import Decimal

from hooks import hookimpl
from plugins.receivables.interest import (ChargeableInvoice, InterestBreakdown, InterestPolicy, InterestSettings,
                                          apply_terms, compute_charges)

PLUGIN = "receivables"
# Forma de pagamento that bears interest and the early-payment discount (the penalty applies to all).
INTEREST_FORM = "crediario"


@hookimpl(trylast=True)
def compute_interest(invoice: ChargeableInvoice, as_of: date, policy: InterestPolicy) -> InterestBreakdown:
    """The manual's rules (`plugins.receivables.interest.compute_charges`) on the invoice's
    total and due date; `policy` None means the default `InterestSettings`.

    Manual: "O cálculo de juros e desconto é efetuado somente para faturas que tenham a forma de
    pagamento Crediário (4)" and "O cálculo de Multa é efetuado para toda a forma de pagamento" —
    so an invoice whose `payment_form` is not "crediario" gets the penalty (and protest cost) but
    neither interest nor the early-payment discount. An object without `payment_form` counts as
    "crediario" (the invoices' default)."""
    policy = policy if policy is not None else InterestSettings().to_policy()
    if getattr(invoice, "payment_form", INTEREST_FORM) != INTEREST_FORM:
        policy = dataclasses.replace(policy, daily_rate_percent=Decimal(0), monthly_rate_percent=None,
                                     discount_daily_percent=Decimal(0), on_time_discount=Decimal(0))
    return compute_charges(invoice.total, invoice.due_date, as_of, policy)


def policy_from_settings(settings) -> InterestPolicy:
    """The policy of the receivables settings: their `interest` field (an `InterestSettings`)
    when present, else the defaults."""
    interest = getattr(settings, "interest", None)
    return (interest if isinstance(interest, InterestSettings) else InterestSettings()).to_policy()


def interest_for(runtime, invoice: ChargeableInvoice, as_of: date,
                 policy: InterestPolicy | None = None) -> InterestBreakdown | None:
    """Ask the `compute_interest` hook (first answer wins) with the deployment's policy, over which
    the invoice's own terms (`invoice_interest_terms`, e.g. its boleto's profile) are laid."""
    if policy is None:
        policy = policy_from_settings(runtime.settings(PLUGIN))
    policy = apply_terms(policy, interest_terms_of(runtime, invoice))
    return runtime.hook.compute_interest(invoice=invoice, as_of=as_of, policy=policy)


def interest_terms_of(runtime, invoice):
    """The `invoice_interest_terms` answer for an invoice in a session (None for a plain object)."""
    from sqlalchemy import inspect

    state = inspect(invoice, raiseerr=False)
    session = state.session if state is not None else None
    if session is None:
        return None
    return runtime.hook.invoice_interest_terms(session=session, invoice=invoice)
