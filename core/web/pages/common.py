"""Small helpers shared by the hand-written pages: the party document class, value formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from core.br import cep as br_cep
from core.br import documents as br_documents
from core.errors import NotFound, PermissionDenied
from core.i18n import _
from core.web.templating import _fmt_date, _fmt_money

PARTY_DOCTYPE = "party"


def party_class(runtime):
    """The registered Party document class (`core.parties`)."""
    cls = runtime.registry.doctypes.get(PARTY_DOCTYPE)
    if cls is None:
        raise NotFound(_("O cadastro de pessoas não está disponível nesta instalação."))
    return cls


def require_doc_right(user, cls, right: str) -> None:
    from core.auth import has_doc_permission

    if not has_doc_permission(user, cls, right):
        label = cls.meta.plural if hasattr(cls, "meta") else cls.__name__
        verb = {"read": _("consultar"), "write": _("alterar"), "create": _("incluir"),
                "delete": _("excluir")}.get(right, right)
        raise PermissionDenied(_("Você não tem permissão para {verb} {what}.").format(verb=verb, what=label.lower()))


def format_document(value) -> str:
    if not value:
        return ""
    try:
        return br_documents.format_document(value)
    except (ValueError, TypeError):
        return str(value)


def format_cep(value) -> str:
    if not value:
        return ""
    try:
        return br_cep.format_cep(value)
    except (ValueError, TypeError):
        return str(value)


def display_value(value, info=None, key: str = "") -> str:
    """A field value as an operator reads it (pt-BR dates, money, Sim/Não, choice labels)."""
    if value is None or value == "":
        return ""
    choices = getattr(info, "choices", None)
    if choices:
        labels = dict(choices)
        return str(labels.get(value, value))
    if isinstance(value, bool):
        return "Sim" if value else "Não"
    if isinstance(value, (datetime, date)):
        return _fmt_date(value)
    if isinstance(value, Decimal):
        return _fmt_money(value)
    if key in ("document", "cpf_cnpj", "cnpj", "cpf"):
        return format_document(value)
    if key in ("cep", "zip_code"):
        return format_cep(value)
    return str(value)


def parse_ids(raw: str | list[str] | None) -> list[int]:
    """"1,2,3" or ["1", "2"] ⇒ [1, 2, 3]; anything not a positive integer is refused."""
    from core.errors import ValidationError

    parts: list[str] = []
    for item in ([raw] if isinstance(raw, str) else (raw or [])):
        parts.extend(p.strip() for p in str(item).split(","))
    ids: list[int] = []
    for p in parts:
        if not p:
            continue
        if not p.isdigit() or int(p) <= 0:
            raise ValidationError(_("Identificador de registro inválido: {v}").format(v=p), field="ids")
        if int(p) not in ids:
            ids.append(int(p))
    return ids
