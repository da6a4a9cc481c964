"""Party rules in one place: normalization, validation (pt-BR messages naming the field), the
search columns and the party code.

`clean_party_values` is pure (no database) so bulk loaders reuse it; `apply_rules` adds what needs
the session (duplicate document, the gapless code) and is what `Party.validate` runs.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.br.cep import normalize_cep
from core.br.documents import PF, PRE, validate_document
from core.br.ibge import UFS, city_by_code, find_city, is_valid_city_code, uf_of_code
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.parties.models import CLASSIFICATIONS, PERSON_TYPES, Party

PARTY_COUNTER = "party"
BUSINESS_TZ = ZoneInfo("America/Sao_Paulo")

EDITABLE_FIELDS = (
    "person_type", "name", "trade_name", "document", "classification", "email", "extra_emails",
    "phone", "mobile", "street", "number", "complement", "district", "city", "ibge_code", "uf", "cep",
    "active", "notes_1", "notes_2",
)
SEARCH_FIELDS = ("name_search", "trade_name_search", "email_search", "phone_search", "street_search",
                 "district_search", "city_search")

_EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_SPLIT_RE = re.compile(r"[,;\s]+")
_TEXT_FIELDS = ("name", "trade_name", "street", "number", "complement", "district", "city", "notes_1", "notes_2")


def fold(text: str | None) -> str:
    """Uppercase, accent-free, single-spaced: "  São   João " -> "SAO JOAO"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.upper().split())


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def format_phone(text: str | None) -> str:
    """"11987654321" -> "(11) 98765-4321"; "1134567890" -> "(11) 3456-7890"; 0800 numbers kept."""
    d = digits(text)
    if d.startswith("0800") and len(d) == 11:
        return f"{d[:4]} {d[4:7]} {d[7:]}"
    if len(d) in (12, 13) and d.startswith("55"):
        d = d[2:]
    if len(d) == 11:
        return f"({d[:2]}) {d[2:7]}-{d[7:]}"
    if len(d) == 10:
        return f"({d[:2]}) {d[2:6]}-{d[6:]}"
    return text or ""


def _max_len(name: str) -> int | None:
    return getattr(Party.__table__.c[name].type, "length", None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = " ".join(str(value).split())
    return s or None


def _bool(value: Any, default: bool = True) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in ("1", "true", "sim", "s", "on", "yes", "ativo"):
        return True
    if s in ("0", "false", "nao", "não", "n", "off", "no", "inativo"):
        return False
    raise ValueError(_("valor inválido para Ativo (use sim ou não)"))


def clean_party_values(values: dict[str, Any]) -> dict[str, Any]:
    """Normalize and validate the editable fields of a party; return the cleaned values.

    Raises `ValidationError` whose `errors` maps every bad field to its pt-BR message (the
    exception's own message and `field` are the first one). Nothing touches the database.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def err(fieldname: str, message: str) -> None:
        errors.setdefault(fieldname, message)

    unknown = [k for k in values if k not in EDITABLE_FIELDS]
    for k in unknown:
        err(k, _("Campo desconhecido no cadastro de pessoa: {campo}").format(campo=k))

    for name in _TEXT_FIELDS:
        value = values.get(name)
        if name.startswith("notes"):  # free text: keep line breaks
            out[name] = (str(value).strip() or None) if value is not None else None
        else:
            out[name] = _text(value)
        limit = _max_len(name)
        if out[name] and limit and len(out[name]) > limit:
            err(name, _("{campo}: no máximo {n} caracteres").format(campo=name, n=limit))

    person_type = (str(values.get("person_type") or PF)).strip().upper()
    if person_type not in dict(PERSON_TYPES):
        err("person_type", _("Tipo de pessoa inválido: {v} (use PF, PJ ou PRE)").format(v=values.get("person_type")))
    out["person_type"] = person_type

    default_class = "pre_cadastro" if person_type == PRE else "cliente"
    classification = (str(values.get("classification") or default_class)).strip().lower()
    if classification not in dict(CLASSIFICATIONS):
        err("classification", _("Classificação inválida: {v}").format(v=values.get("classification")))
    out["classification"] = classification

    if not out["name"]:
        err("name", _("Informe o nome da pessoa ou a razão social da empresa."))

    try:
        doc = validate_document(values.get("document"), person_type) if person_type in dict(PERSON_TYPES) else None
        out["document"] = doc or None
    except ValueError as exc:
        err("document", str(exc))
        out["document"] = None

    email = (str(values.get("email") or "")).strip().lower() or None
    if email and not _EMAIL_RE.match(email):
        err("email", _("E-mail inválido: {v}").format(v=email))
    out["email"] = email
    extras = []
    for item in _SPLIT_RE.split(str(values.get("extra_emails") or "").strip().lower()):
        if not item:
            continue
        if not _EMAIL_RE.match(item):
            err("extra_emails", _("E-mail inválido em outros e-mails: {v}").format(v=item))
        elif item not in extras and item != email:
            extras.append(item)
    out["extra_emails"] = ", ".join(extras) or None

    for name, label in (("phone", _("Telefone")), ("mobile", _("Celular"))):
        raw = values.get(name)
        d = digits(str(raw) if raw is not None else "")
        if not d:
            out[name] = None
            continue
        if not 10 <= len(d) <= 13:
            err(name, _("{rotulo} inválido: {v} (informe DDD e número)").format(rotulo=label, v=raw))
        out[name] = format_phone(d)

    cep = values.get("cep")
    out["cep"] = None
    if cep not in (None, ""):
        try:
            out["cep"] = normalize_cep(str(cep))
        except ValueError as exc:
            err("cep", str(exc))

    uf = (str(values.get("uf") or "")).strip().upper() or None
    if uf and uf not in UFS:
        err("uf", _("UF inválida: {v}").format(v=values.get("uf")))
    ibge = digits(str(values.get("ibge_code") or "")) or None
    if ibge:
        if not is_valid_city_code(ibge):
            err("ibge_code", _("Código IBGE inválido: {v}").format(v=values.get("ibge_code")))
        else:
            code_uf = uf_of_code(ibge)
            if uf and uf != code_uf:
                err("ibge_code", _("O código IBGE {c} é de um município de {u1}, não de {u2}.").format(
                    c=ibge, u1=code_uf, u2=uf))
            uf = uf or code_uf
            known = city_by_code(ibge)
            if known and not out["city"]:
                out["city"] = known.name
    elif out["city"] and uf:
        known = find_city(out["city"], uf)
        if known:
            ibge = known.code
    out["uf"] = uf
    out["ibge_code"] = ibge

    try:
        out["active"] = _bool(values.get("active"), True)
    except ValueError as exc:
        err("active", str(exc))

    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first], field=first, errors=errors)
    return out


def search_columns(values: dict[str, Any]) -> dict[str, str | None]:
    """The normalized search columns for a party's cleaned values."""
    emails = " ".join(x for x in [values.get("email") or ""] + (values.get("extra_emails") or "").split(", ") if x)
    phones = " ".join(d for d in (digits(values.get("phone")), digits(values.get("mobile"))) if d)
    return {
        "name_search": fold(values.get("name")) or None,
        "trade_name_search": fold(values.get("trade_name")) or None,
        "email_search": emails or None,
        "phone_search": phones or None,
        "street_search": fold(values.get("street")) or None,
        "district_search": fold(values.get("district")) or None,
        "city_search": fold(values.get("city")) or None,
    }


def duplicate_of(session, document: str | None, exclude_id: int | None = None) -> int | None:
    """The code of another party with the same document, or None."""
    if not document:
        return None
    stmt = select(Party.code).where(Party.document == document)
    if exclude_id is not None:
        stmt = stmt.where(Party.id != exclude_id)
    with session.no_autoflush:
        return session.execute(stmt.limit(1)).scalar_one_or_none()


def check_unique_document(session, document: str | None, exclude_id: int | None = None) -> None:
    code = duplicate_of(session, document, exclude_id)
    if code is not None:
        raise ValidationError(
            _("Já existe um cadastro com este documento: código {codigo}").format(codigo=code), field="document")


def next_party_code(session) -> int:
    """Draw the next party code from the gapless counter (kind "party", no company)."""
    from core.numbering import next_number

    return next_number(session, kind=PARTY_COUNTER)


def created_ym(created_at) -> int:
    """yyyymm of a registration time in the business time zone (America/Sao_Paulo)."""
    local = created_at.astimezone(BUSINESS_TZ)
    return local.year * 100 + local.month


def current_values(party: Party) -> dict[str, Any]:
    return {name: getattr(party, name) for name in EDITABLE_FIELDS}


def apply_rules(session, party: Party, changes: dict[str, Any] | None = None) -> None:
    """Validate `party` (with `changes` applied) and, only if everything is right, write the
    cleaned values, search columns and — on first save — the code onto it."""
    values = current_values(party)
    if changes:
        values.update(changes)
    cleaned = clean_party_values(values)
    check_unique_document(session, cleaned["document"], party.id)
    for name, value in {**cleaned, **search_columns(cleaned)}.items():
        setattr(party, name, value)
    if party.created_at is None:
        party.created_at = utcnow()
    party.created_ym = created_ym(party.created_at)
    if party.code is None:
        party.code = next_party_code(session)
