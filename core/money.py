"""Money: `Decimal` quantized to centavos in Python, integer centavos in the database.

One rounding rule for the whole system (ROUND_HALF_UP, as Brazilian banks and fiscal layouts
use); one column type (`Money`); one parser and one formatter for pt-BR text. A float never
reaches the database: binding one raises TypeError.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
ZERO = Decimal("0.00")


def round_money(value: Decimal | int | str) -> Decimal:
    """Round to centavos with the system rule (half up). Floats are refused."""
    if isinstance(value, float):
        raise TypeError("valor monetário não pode ser float; use Decimal ou texto")
    if isinstance(value, bool):
        raise TypeError("valor monetário inválido: booleano")
    return Decimal(value).quantize(CENT, rounding=ROUNDING)


def to_cents(value: Decimal | int) -> int:
    """Exact conversion of a money value to integer centavos; refuses sub-centavo values."""
    if isinstance(value, float):
        raise TypeError("valor monetário não pode ser float; use Decimal ou texto")
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"valor monetário inválido: {value!r}")
    d = Decimal(value)
    if d != d.quantize(CENT):
        raise ValueError(f"valor monetário com mais de duas casas decimais: {d}; arredonde com round_money()")
    return int(d * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


_BRL_RE = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def parse_money(text: str | Decimal | int, *, field: str | None = None) -> Decimal:
    """Parse "1.234,56", "1234,56", "1234.56", "R$ 10" into Decimal centavos.

    Raises ValueError with a pt-BR message naming `field` when given. More than two decimal
    places is an error, not a silent rounding.
    """
    if isinstance(text, float):
        raise TypeError("valor monetário não pode ser float; use Decimal ou texto")
    if isinstance(text, (Decimal, int)) and not isinstance(text, bool):
        d = Decimal(text)
    else:
        raw = str(text).strip().replace("R$", "").replace("\u00a0", "").replace(" ", "")
        label = f"campo {field}: " if field else ""
        if not raw:
            raise ValueError(f"{label}valor vazio")
        if _BRL_RE.match(raw):
            normalized = raw.replace(".", "").replace(",", ".")
        elif re.match(r"^[+-]?\d+\.\d+$", raw):
            normalized = raw
        else:
            raise ValueError(f"{label}valor monetário inválido: {text!r}")
        try:
            d = Decimal(normalized)
        except InvalidOperation as exc:
            raise ValueError(f"{label}valor monetário inválido: {text!r}") from exc
    if d != d.quantize(CENT):
        label = f"campo {field}: " if field else ""
        raise ValueError(f"{label}valor com mais de duas casas decimais: {text}")
    return d.quantize(CENT)


def format_brl(value: Decimal | int | None, *, symbol: bool = True) -> str:
    """Decimal('1234.5') -> 'R$ 1.234,50'."""
    if value is None:
        return ""
    d = round_money(value)
    sign = "-" if d < 0 else ""
    whole, frac = f"{abs(d):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    body = ".".join(groups) + "," + frac
    return f"{sign}R$ {body}" if symbol else f"{sign}{body}"


class Money(TypeDecorator):
    """Column type for money: Python `Decimal` (2 places) ⇄ database BIGINT centavos."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_cents(value)

    def process_literal_param(self, value, dialect):
        return str(self.process_bind_param(value, dialect))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_cents(value)

    @property
    def python_type(self):
        return Decimal
