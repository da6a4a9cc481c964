"""Choice lists computed at run time for action parameters (a select instead of a typed id).

An action's parameter declares where its options come from by name::

    bank_account_id: Optional[int] = Field(default=None, title="Conta banco/caixa",
                                           json_schema_extra={"choices": "ledger.cash_accounts"})

The action dialog (`core.web.pages.actions`) resolves the name with `resolve_choices(name, runtime,
session, user)` and draws a select with the options; when the parameter has no default of its
own, the provider's `default` is preselected. Validation stays the action's (the provider only
offers; it does not restrict what the service accepts).

Providers are registered by name with `@choice_provider("name")` at import time (the kernel's
below; a plugin registers its own in a module its plugin module imports). A provider receives
`(runtime, session, user)` — read only — and returns `Choices`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.i18n import _


@dataclass(frozen=True)
class Choices:
    """Options `(value, label)` (values as text, as a form sends them) and the preselected value."""

    options: list[tuple[str, str]] = field(default_factory=list)
    default: str | None = None


Provider = Callable[[object, Session, object], Choices]
_PROVIDERS: dict[str, Provider] = {}


def choice_provider(name: str) -> Callable[[Provider], Provider]:
    """Register `fn` as the provider of the choice list `name` (a later registration replaces it)."""

    def register(fn: Provider) -> Provider:
        _PROVIDERS[name] = fn
        return fn

    return register


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def resolve_choices(name: str, runtime, session: Session, user) -> Choices:
    """The options of the list `name` for `user` (NotFound when no provider has that name)."""
    fn = _PROVIDERS.get(name)
    if fn is None:
        raise NotFound(_("Lista de opções desconhecida: {name}").format(name=name))
    found = fn(runtime, session, user)
    return found if isinstance(found, Choices) else Choices(list(found or ()))


def choices_name(field_info) -> str | None:
    """The provider name a pydantic field declares in `json_schema_extra={"choices": …}`."""
    extra = field_info.json_schema_extra if isinstance(field_info.json_schema_extra, dict) else {}
    name = extra.get("choices")
    return name if isinstance(name, str) else None


# --- the kernel's providers ----------------------------------------------------------------------------

def cash_accounts(session: Session, company_id: int | None) -> list:
    """Active analytic bank/cash accounts of the company's chart (all companies when None), by code."""
    from core.ledger.models import Account

    stmt = select(Account).where(Account.kind.in_(("bank", "cash")), Account.active.is_(True),
                                 Account.is_synthetic.is_(False))
    if company_id is not None:
        stmt = stmt.where(Account.company_id == company_id)
    return list(session.scalars(stmt.order_by(Account.company_id, Account.code)))


def account_label(account, *, with_company: bool = False) -> str:
    text = f"{account.code} - {account.name}"
    return f"{text} (empresa {account.company_id})" if with_company else text


@choice_provider("ledger.cash_accounts")
def _ledger_cash_accounts(runtime, session: Session, user) -> Choices:
    """Bank and cash accounts ("conta banco/caixa/cofre") of the user's company."""
    company_id = getattr(user, "company_id", None)
    return Choices([(str(a.id), account_label(a, with_company=company_id is None))
                    for a in cash_accounts(session, company_id)])
