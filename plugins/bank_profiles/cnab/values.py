"""Field values ⇄ fixed-width text, by CNAB field type.

- ``num``: digits, right-aligned, zero-padded; blank on reading means "not informed" (None).
- ``alfa``: left-aligned, space-padded, uppercase, accents removed, ASCII only.
- ``date``: DDMMAAAA or DDMMAA; zeros or blanks mean "no date".
- ``money``: digits with ``decimals`` implied decimal places (2 by default), never negative.

Errors raise `FieldValueError` with a pt-BR text; the writer and the reader add where (record,
field, file, line) before showing it.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.i18n import _
from plugins.bank_profiles.cnab.layout import Field


class FieldValueError(ValueError):
    pass


def ascii_upper(text: str) -> str:
    """Uppercase ASCII: accents removed ("São José" → "SAO JOSE"); other symbols become blanks."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" else " " for c in plain.upper())


def _digits(field: Field, text: str) -> str:
    if len(text) > field.width:
        raise FieldValueError(
            _("valor {value!r} tem {n} dígitos; o campo aceita {width}").format(value=text, n=len(text), width=field.width)
        )
    return text.rjust(field.width, "0")


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise FieldValueError(_("data inválida {value!r} (use AAAA-MM-DD)").format(value=value)) from exc


def encode(field: Field, value) -> str:
    """The field's text for `value` (exactly `field.width` characters)."""
    if field.value is not None:
        return field.value
    if value is None or value == "":
        value = field.default
    if value is None or value == "":
        if field.required:
            raise FieldValueError(_("campo obrigatório não informado"))
        return (" " if field.type == "alfa" else "0") * field.width
    if field.type == "alfa":
        text = ascii_upper(value)
        if len(text) > field.width:
            if not field.truncate:
                raise FieldValueError(
                    _("valor {value!r} tem {n} posições; o campo aceita {width}").format(value=text, n=len(text), width=field.width)
                )
            text = text[: field.width]
        return text.ljust(field.width)
    if field.type == "date":
        d = _as_date(value)
        return d.strftime("%d%m%Y" if field.format == "DDMMAAAA" else "%d%m%y")
    if field.type == "money":
        if isinstance(value, float):
            raise FieldValueError(_("valor monetário não pode ser float: {value!r}").format(value=value))
        try:
            amount = Decimal(str(value))
        except InvalidOperation as exc:
            raise FieldValueError(_("valor monetário inválido {value!r}").format(value=value)) from exc
        if amount < 0:
            raise FieldValueError(_("valor negativo {value}").format(value=amount))
        scaled = amount.scaleb(field.decimals)
        if scaled != scaled.to_integral_value():
            raise FieldValueError(
                _("valor {value} tem mais de {n} casas decimais").format(value=amount, n=field.decimals)
            )
        return _digits(field, str(int(scaled)))
    # num
    if isinstance(value, bool):
        raise FieldValueError(_("valor numérico inválido {value!r}").format(value=value))
    if isinstance(value, int):
        if value < 0:
            raise FieldValueError(_("valor negativo {value}").format(value=value))
        return _digits(field, str(value))
    text = str(value).strip()
    if text.startswith("-") and text[1:].isdigit():
        raise FieldValueError(_("valor negativo {value}").format(value=text))
    if not (text.isascii() and text.isdigit()):
        raise FieldValueError(_("valor não numérico {value!r}").format(value=text))
    return _digits(field, text)


def _decode_alfa(text: str) -> str:
    return text.rstrip()


def _digits_or_none(text: str) -> str | None:
    if text.isascii() and text.isdigit():
        return text
    if not text.strip():
        return None
    raise FieldValueError(_("valor não numérico {text!r}").format(text=text))


def _money_decoder(decimals: int):
    def decode_money(text: str) -> Decimal | None:
        digits = _digits_or_none(text)
        return None if digits is None else Decimal(digits).scaleb(-decimals)  # exact, `decimals` places

    return decode_money


def _date_decoder(fmt: str):
    def decode_date(text: str) -> date | None:
        digits = _digits_or_none(text)
        if digits is None or int(digits) == 0:
            return None
        day, month = int(digits[0:2]), int(digits[2:4])
        if fmt == "DDMMAAAA":
            year = int(digits[4:8])
        else:
            yy = int(digits[4:6])
            year = 2000 + yy if yy < 70 else 1900 + yy
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise FieldValueError(_("data inválida {text!r}").format(text=text)) from exc

    return decode_date


def decoder(field: Field):
    """The function text → value for `field` (see `decode`)."""
    if field.type == "alfa":
        return _decode_alfa
    if field.type == "num":
        return _digits_or_none
    if field.type == "money":
        return _money_decoder(field.decimals)
    return _date_decoder(field.format)


def decode(field: Field, text: str):
    """The value read from the field's slice; None for "not informed". FieldValueError if wrong."""
    return decoder(field)(text)
