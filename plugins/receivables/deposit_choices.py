"""Choice list "receivables.open_deposits" for the action "Liquidar com depósito não identificado":
the open unidentified deposits (Nº, date, amount, bank history) of the user's company — of every
company, with its id, when the user has none. Imported by plugin.py so the provider is registered
(`core.choices`); the dialog draws it as a select. The service still checks the deposit (status,
company) — the list only offers."""

from __future__ import annotations

from sqlalchemy import select

from core.choices import Choices, choice_provider
from plugins.receivables.deposit_models import DEPOSIT_OPEN, UnidentifiedDeposit

PROVIDER = "receivables.open_deposits"


@choice_provider(PROVIDER)
def open_deposit_choices(runtime, session, user) -> Choices:
    from plugins.receivables.deposits import deposit_label

    company_id = getattr(user, "company_id", None)
    stmt = select(UnidentifiedDeposit).where(UnidentifiedDeposit.status == DEPOSIT_OPEN)
    if company_id is not None:
        stmt = stmt.where(UnidentifiedDeposit.company_id == company_id)
    rows = session.scalars(stmt.order_by(UnidentifiedDeposit.company_id, UnidentifiedDeposit.deposited_on,
                                         UnidentifiedDeposit.id))
    return Choices([(str(d.id), deposit_label(d) + ("" if company_id is not None else f" (empresa {d.company_id})"))
                    for d in rows])
