"""Party services: create and update with validation and an audit entry; e-mail test history.

Services receive the caller's session and never commit (the caller's `unit_of_work` does). A
rejected input raises `core.errors.ValidationError` naming the field, before anything is changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.errors import NotFound, ValidationError
from core.i18n import _
from core.model import utcnow
from core.parties.models import Party, PartyEmailTest
from core.parties.rules import EDITABLE_FIELDS, apply_rules

TARGET_KIND = "party"


def _check_fields(fields: dict[str, Any]) -> None:
    for name in fields:
        if name == "code":
            raise ValidationError(_("O código do cadastro é atribuído automaticamente e não pode ser alterado."),
                                  field="code")
        if name not in EDITABLE_FIELDS:
            raise ValidationError(_("Campo desconhecido no cadastro de pessoa: {campo}").format(campo=name),
                                  field=name)


def create_party(session, *, user=None, **fields) -> Party:
    """Validate and insert a party; its code comes from the gapless counter; audited as "create"."""
    from core.audit import record, snapshot

    _check_fields(fields)
    party = Party()
    apply_rules(session, party, fields)
    if user is not None:
        party.created_by = party.modified_by = getattr(user, "id", None)
    session.add(party)
    session.flush()
    record(session, action="create", target_kind=TARGET_KIND, target_id=party.id, user=user,
           after=snapshot(party))
    return party


def update_party(session, party: Party, *, user=None, **fields) -> Party:
    """Validate the changes and apply them all, or none; audited as "update" with the diff."""
    from core.audit import record, snapshot

    _check_fields(fields)
    before = snapshot(party)
    apply_rules(session, party, fields)
    if user is not None:
        party.modified_by = getattr(user, "id", None)
    session.flush()
    after = snapshot(party)
    if after != before:
        record(session, action="update", target_kind=TARGET_KIND, target_id=party.id, user=user,
               before=before, after=after)
    return party


PARTY_CODE_MAX = 2 ** 31 - 1  # party.code is an INTEGER column


def find_party_by_key(session, key: str | None) -> Party | None:
    """A party by CPF/CNPJ (with or without punctuation) or by its code, as operators type it in a
    supplier/customer field; None when nothing matches (digits beyond an INTEGER are no code)."""
    from core.br.documents import normalize_document

    text = (key or "").strip()
    if not text:
        return None
    party = session.scalar(select(Party).where(Party.document == normalize_document(text)))
    if party is None and text.isdigit() and int(text) <= PARTY_CODE_MAX:
        party = session.scalar(select(Party).where(Party.code == int(text)))
    return party


def get_party_by_code(session, code: int) -> Party:
    party = session.execute(select(Party).where(Party.code == int(code))).scalar_one_or_none()
    if party is None:
        raise NotFound(_("Pessoa de código {codigo} não encontrada.").format(codigo=code))
    return party


def record_email_test(session, party: Party, *, ok: bool, at: datetime | None = None,
                      email: str | None = None, detail: str | None = None) -> PartyEmailTest:
    """Keep one e-mail test of `party` (history by date) and update `party.email_tested_at`."""
    at = at or utcnow()
    address = (email or party.email or "").strip().lower()
    if not address:
        raise ValidationError(_("A pessoa não tem e-mail para testar."), field="email")
    test = PartyEmailTest(party_id=party.id, tested_at=at, email=address, ok=bool(ok), detail=detail)
    session.add(test)
    if party.email_tested_at is None or at > party.email_tested_at:
        party.email_tested_at = at
    session.flush()
    return test


def email_tests(session, party: Party) -> list[PartyEmailTest]:
    stmt = (select(PartyEmailTest).where(PartyEmailTest.party_id == party.id)
            .order_by(PartyEmailTest.tested_at.desc(), PartyEmailTest.id.desc()))
    return list(session.scalars(stmt))
