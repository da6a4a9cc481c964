"""Helpers shared by the payables command lines (`cli.py`, `writeoff_cli.py`, `tools_cli.py`,
`cashflow_cli.py`): company, documents and people by the codes an operator types, dates, and the
one way a command runs its work and refuses.

Every lookup raises `core.errors.ValidationError` naming the field, in pt-BR; `refuse` / `run`
turn that into exit code 2 with `Erro: … (campo: …)`.
"""

from __future__ import annotations

from datetime import date
from typing import List, Optional


def date_or_today(text: Optional[str], field: str) -> date:
    """A typed date (dd/mm/aaaa or ISO), or today when empty."""
    from core.parties.search import parse_date

    return parse_date(text, field) if text else date.today()


def optional_date(text: Optional[str], field: str) -> Optional[date]:
    """A typed date, or None when empty (the service picks its default)."""
    from core.parties.search import parse_date

    return parse_date(text, field) if text else None


def company_id(session, key: Optional[str]) -> int:
    """The company by code or id; optional when only one company exists."""
    from sqlalchemy import select

    from core.errors import ValidationError
    from core.models.company import Company

    if key:
        found = session.scalar(select(Company.id).where(Company.code == key.strip()))
        if found is None and key.strip().isdigit():
            found = session.scalar(select(Company.id).where(Company.id == int(key)))
        if found is None:
            raise ValidationError(f"Empresa {key} não encontrada.", field="company_id")
        return found
    ids = list(session.scalars(select(Company.id).limit(2)))
    if len(ids) != 1:
        raise ValidationError("Informe a empresa (--empresa): há mais de uma cadastrada." if ids
                              else "Nenhuma empresa cadastrada.", field="company_id")
    return ids[0]


def pairs(values: List[str]) -> list[tuple[str, Optional[str]]]:
    """"CODE=VALUE" (or just "CODE") options ⇒ [(code, value)]."""
    out = []
    for raw in values:
        code, _, value = raw.partition("=")
        out.append((code.strip(), value.strip() or None))
    return out


def id_by_code(session, model, company_id: int, code: str, field: str, label: str) -> int:
    """The id of a company-scoped row (histórico, centro de custo…) by its code."""
    from sqlalchemy import select

    from core.errors import ValidationError

    found = session.scalar(select(model.id).where(model.company_id == company_id, model.code == code))
    if found is None:
        raise ValidationError(f"{label} {code} não encontrado nesta empresa.", field=field)
    return found


def buyer_id(session, key: str) -> int:
    """The buyer (comprador): any party by CPF/CNPJ or code."""
    from core.errors import ValidationError
    from plugins.payables.launch import party_by_key

    party = party_by_key(session, key)
    if party is None:
        raise ValidationError(f"Comprador {key.strip()} não encontrado.", field="buyer_id")
    return party.id


def carrier_id(session, code: Optional[str], field: str) -> Optional[int]:
    """The carrier (portador) by its code; None when empty."""
    from sqlalchemy import select

    from core.errors import ValidationError
    from plugins.payables.models import Carrier

    if not code:
        return None
    found = session.scalar(select(Carrier.id).where(Carrier.code == code.strip()))
    if found is None:
        raise ValidationError(f"Portador {code} não encontrado.", field=field)
    return found


def refuse(exc) -> None:
    """Exit 2 with the refusal in pt-BR and the field it names: `Erro: … (campo: debit_splits)`."""
    from core.cli import fail

    field = getattr(exc, "field", None)
    fail(f"{exc}" + (f" (campo: {field})" if field else ""))


def run(work, *, readonly: bool = False):
    """`work(session, runtime)` in one unit of work; a refusal ends the command (code 2, with the field)."""
    from core.cli import runtime
    from core.db import unit_of_work
    from core.errors import QuitaError

    rt = runtime(check_schema=True)
    try:
        with unit_of_work(rt.engine, readonly=readonly) as s:
            return work(s, rt)
    except QuitaError as exc:
        refuse(exc)
