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
from operator import itemgetter
from dataclasses import replace
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
    if field.map and value is not None:
        value = dict(field.map).get(str(value), value)
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


def _mapped(decode_text, mapping: tuple[tuple[str, str], ...]):
    names = {code: name for name, code in mapping}

    def decode_mapped(text: str):
        value = decode_text(text)
        return names.get(value, value)

    return decode_mapped


def decoder(field: Field):
    """The function text → value for `field` (see `decode`); a field with a `map` reads its codes
    back as the data values (an unknown code stays as read)."""
    if field.map:
        return _mapped(decoder(replace(field, map=())), field.map)
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


_MISSING = object()


def line_decoder(decoders: tuple):
    """A whole record at once: line → {name: value} (the values `decoder` gives, same order), or None
    when some field is not plainly well formed — a blank or non-digit number, an impossible date —
    and the caller must decode field by field (to read blanks as None or name the bad field).

    `decoders` = `Record.decoders`. The fast way cuts every field in one C call (`itemgetter` of
    slices), checks every digit field with one `isdigit()` and decodes each distinct date or amount
    text once per decoder (one per record kind and file; the values are immutable): half the work
    per line of a retorno of 100,000 títulos of one function call per field."""
    names = tuple(f.name for f, _a, _b, _d in decoders)
    if not names:
        return lambda line: {}
    slices = [slice(a, b) for _f, a, b, _d in decoders]
    digits, alfa, calls = [], [], []
    for i, (f, _a, _b, decode_field) in enumerate(decoders):
        if f.type in ("num", "money") and not f.map:
            digits.append(i)
        if f.type == "alfa" and not f.map:
            alfa.append(i)
        elif f.type != "num" or f.map:  # money, dates (zeros → None, the calendar), mapped codes
            calls.append((i, decode_field, {}))

    def cut(line: str) -> tuple:
        return tuple(line[s] for s in slices)

    if len(slices) > 1:
        cut = itemgetter(*slices)  # noqa: F811 — the same, in one C call

    def decode_line(line: str) -> dict | None:
        texts = cut(line)
        if digits:
            joined = "".join([texts[i] for i in digits])
            if not (joined.isdigit() and joined.isascii()):
                return None
        values = list(texts)
        for i in alfa:
            values[i] = values[i].rstrip()
        for i, decode_field, seen in calls:
            text = values[i]
            found = seen.get(text, _MISSING)
            if found is _MISSING:
                try:
                    found = seen[text] = decode_field(text)
                except FieldValueError:
                    return None
            values[i] = found
        return dict(zip(names, values))

    return decode_line
