"""Runtime view of a document type's fields: what kind each one is and how it reads form text.

`doc_fields(cls)` turns the declared columns (see `core.doctype.meta.field`) into `DocField`
objects the service, the REST models and the form templates share. `coerce(field, value)` turns
what an operator typed ("1.234,56", "31/12/2026", "sim") or what a JSON client sent into the
Python value the column stores, raising `FieldError` with a pt-BR message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.sql.schema import Column
from sqlalchemy.types import TypeDecorator

from core.doctype.meta import FieldInfo
from core.i18n import _
from core.money import Money, parse_money

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

TRUE_WORDS = {"1", "true", "t", "on", "sim", "s", "yes", "y", "verdadeiro"}
FALSE_WORDS = {"0", "false", "f", "off", "nao", "não", "n", "no", "falso", ""}


_INT_RE = re.compile(r"^[+-]?\d+$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


class FieldError(ValueError):
    """A value that does not fit its field; the message is pt-BR and names the field."""


@dataclass(frozen=True)
class DocField:
    """One declared field of a document type, with its kind resolved from the column type.

    `kind` is one of: text, textarea, password, int, decimal, money, date, datetime, bool,
    select (has choices), link (points to another document type), json.
    """

    name: str
    info: FieldInfo
    column: Column
    kind: str
    max_length: int | None = None

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def required(self) -> bool:
        return self.info.required

    @property
    def unique(self) -> bool:
        return bool(self.column.unique)

    @property
    def choices(self) -> tuple[tuple, ...]:
        return self.info.choices or ()

    @property
    def link(self) -> str | None:
        return self.info.link

    @property
    def read_only(self) -> bool:
        return self.info.read_only

    @property
    def hidden(self) -> bool:
        return self.info.hidden

    @property
    def value_kind(self) -> str:
        """The kind of the stored value (for select/link: what the column holds)."""
        return _base_kind(self.column.type, None)


def _base_kind(col_type, widget: str | None) -> str:
    if isinstance(col_type, Money):
        return "money"
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance if hasattr(col_type, "impl_instance") else col_type.impl
    if isinstance(col_type, Boolean):
        return "bool"
    if isinstance(col_type, Integer):
        return "int"
    if isinstance(col_type, Numeric):
        return "decimal"
    if isinstance(col_type, DateTime):
        return "datetime"
    if isinstance(col_type, Date):
        return "date"
    if isinstance(col_type, JSON):
        return "json"
    if isinstance(col_type, Text):
        return "password" if widget == "password" else "textarea"
    if isinstance(col_type, String):
        if widget in ("textarea", "password"):
            return widget
        return "text"
    return "text"


def _kind(col: Column, info: FieldInfo) -> str:
    if info.link:
        return "link"
    if info.choices:
        return "select"
    return _base_kind(col.type, info.widget)


@lru_cache(maxsize=None)
def _fields_cached(cls) -> tuple[DocField, ...]:
    out = []
    for col in cls.__table__.columns:
        info = col.info.get("doc")
        if info is None:
            continue
        length = getattr(col.type, "length", None)
        out.append(DocField(col.key, info, col, _kind(col, info), length if isinstance(length, int) else None))
    return tuple(out)


def doc_fields(cls) -> list[DocField]:
    """Declared fields of a document class, in declaration order."""
    return list(_fields_cached(cls))


def field_map(cls) -> dict[str, DocField]:
    return {f.name: f for f in _fields_cached(cls)}


# ---------------------------------------------------------------- coercion

def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def coerce(f: DocField, value):
    """Convert `value` (form text or JSON value) to the Python type of `f`; blank ⇒ None."""
    kind = f.value_kind if f.kind in ("select", "link") else f.kind
    if kind == "bool":
        return _to_bool(f, value)
    if is_blank(value):
        return None
    if f.kind == "link":
        return _to_int(f, value, _("O campo «{label}» deve indicar um registro (id numérico)."))
    if kind in ("text", "textarea", "password"):
        text = str(value).strip() if kind != "password" else str(value)
        if f.max_length and len(text) > f.max_length:
            raise FieldError(_("O campo «{label}» aceita no máximo {n} caracteres.").format(
                label=f.label, n=f.max_length))
        return text
    if kind == "int":
        return _to_int(f, value, _("O campo «{label}» deve ser um número inteiro."))
    if kind == "money":
        return _to_money(f, value)
    if kind == "decimal":
        return _to_decimal(f, value)
    if kind == "date":
        return _to_date(f, value)
    if kind == "datetime":
        return _to_datetime(f, value)
    return value


def _to_bool(f: DocField, value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FieldError(_("O campo «{label}» deve ser sim ou não.").format(label=f.label))


def _to_int(f: DocField, value, message: str) -> int:
    if isinstance(value, bool):
        raise FieldError(message.format(label=f.label))
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _THOUSANDS_RE.match(text):
            text = text.replace(".", "")
        if _INT_RE.match(text):
            return int(text)
    raise FieldError(message.format(label=f.label))


def _to_money(f: DocField, value) -> Decimal:
    if isinstance(value, float):
        raise FieldError(_("O campo «{label}» não aceita número de ponto flutuante; envie o valor como texto "
                           "(ex.: \"1234.56\").").format(label=f.label))
    try:
        return parse_money(value)
    except (ValueError, TypeError, InvalidOperation):
        raise FieldError(_("O campo «{label}» deve ser um valor em reais com até duas casas decimais "
                           "(ex.: 1.234,56).").format(label=f.label)) from None


def _to_decimal(f: DocField, value) -> Decimal:
    message = _("O campo «{label}» deve ser um número (ex.: 1.234,56).").format(label=f.label)
    if isinstance(value, float):
        raise FieldError(message)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    text = str(value).strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise FieldError(message) from None
    if not d.is_finite():
        raise FieldError(message)
    scale = getattr(f.column.type, "scale", None)
    if scale is not None and d != d.quantize(Decimal(1).scaleb(-scale)):
        raise FieldError(_("O campo «{label}» aceita no máximo {n} casas decimais.").format(label=f.label, n=scale))
    return d


def parse_date_text(text: str) -> date:
    """"31/12/2026", "31/12/26" or ISO "2026-12-31" ⇒ date; ValueError otherwise."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _to_date(f: DocField, value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date_text(str(value))
    except ValueError:
        raise FieldError(_("O campo «{label}» deve ser uma data válida no formato dd/mm/aaaa.").format(
            label=f.label)) from None


def _to_datetime(f: DocField, value) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            try:
                dt = datetime.strptime(text, "%d/%m/%Y %H:%M")
            except ValueError:
                try:
                    dt = datetime.combine(parse_date_text(text), time())
                except ValueError:
                    raise FieldError(_("O campo «{label}» deve ser uma data e hora válidas "
                                       "(dd/mm/aaaa hh:mm).").format(label=f.label)) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SAO_PAULO)
    return dt


def choice_values(f: DocField) -> list:
    return [c[0] for c in f.choices]


def choice_label(f: DocField, value) -> str:
    for v, label in f.choices:
        if v == value or str(v) == str(value):
            return label
    return "" if value is None else str(value)
