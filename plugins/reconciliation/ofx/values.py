"""Amounts and dates as Brazilian banks write them in OFX.

Amounts: `-222,22`, `6000.000,00`, `1,234.56`, `+10`, `-30.0`, `600`, ` 7,47 `. The last of `.`/`,`
is the decimal separator when both appear; a lone `,` or `.` is the decimal separator (OFX allows
either). Result: `Decimal` with exactly two places; more than two significant decimals is an
error (never a silent rounding). An amount with nothing but separators or signs (`"            .  "`), or `null`, is *blank*.

Dates: `AAAAMMDD[HHMMSS[.XXX]][[±H:TZ]]`. The calendar date and time are taken as written (local
time of the bank): a 22:00 `[-3:BRT]` posting stays on its day. ofxparse would convert to UTC first.
`00000000…` or empty ⇒ None.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^[+-]?[0-9.,]*[0-9][0-9.,]*$")
_WHOLE = re.compile(r"^(\d*|\d+([.,]\d{3})+)$")  # digits, or groups of three after the first
_DATE = re.compile(r"^(\d{8})(\d{4}(\d{2})?)?")


class BlankAmount(ValueError):
    """The amount has no digits at all (Caixa's `SALDO DIA` pseudo-line)."""


def parse_amount(text: str | None) -> Decimal:
    """`Decimal` with two places; BlankAmount when there is no digit; ValueError (pt-BR) otherwise."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not raw.strip(".,+-") or raw.lstrip("+-").lower() == "null":
        raise BlankAmount(f"valor em branco ({(text or '').strip()!r})")
    if not _AMOUNT.match(raw):
        raise ValueError(f"valor inválido: «{raw}»")
    sign = "-" if raw.startswith("-") else ""
    body = raw.lstrip("+-")
    last = max(body.rfind("."), body.rfind(","))
    if last >= 0 and body.count(body[last]) == 1:
        whole, frac = body[:last], body[last + 1:]
    else:                                                        # 1.234.567 — thousands only
        whole, frac = body, ""
    if not _WHOLE.match(whole):
        raise ValueError(f"valor inválido: «{raw}»")
    whole = whole.replace(".", "").replace(",", "")
    try:
        value = Decimal(f"{sign}{whole or '0'}.{frac or '0'}")
    except InvalidOperation:
        raise ValueError(f"valor inválido: «{raw}»") from None
    if value != value.quantize(CENT):
        raise ValueError(f"valor com mais de duas casas decimais: «{raw}»")
    return value.quantize(CENT)


def parse_local_datetime(text: str | None) -> datetime | None:
    """The local date/time as written (time zone ignored); None for an empty or all-zero date."""
    raw = (text or "").strip()
    if not raw or raw.startswith("00000000"):
        return None
    m = _DATE.match(raw)
    if not m:
        raise ValueError(f"data inválida: «{raw}»")
    d, t = m.group(1), m.group(2) or ""
    try:
        return datetime(int(d[:4]), int(d[4:6]), int(d[6:8]), int(t[:2] or 0), int(t[2:4] or 0), int(t[4:6] or 0))
    except ValueError:
        raise ValueError(f"data inválida: «{raw}»") from None
