"""CPF and CNPJ: normalization, check digits, formatting.

The CNPJ check digits follow IN RFB 2.229/2024, which (from July 2026) allows the first twelve
characters to be letters or digits: each character is worth `ord(c) - 48` (so "0".."9" keep their
value and "A" is 17), weighted as in the numeric CNPJ, modulo 11. A numeric CNPJ is the special
case where all twelve are digits, so one routine validates both.
"""

from __future__ import annotations

import re

PF = "PF"
PJ = "PJ"
PRE = "PRE"

_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_NON_DIGIT = re.compile(r"\D")
_CNPJ_SHAPE = re.compile(r"^[0-9A-Z]{12}[0-9]{2}$")

_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def only_digits(s: str | None) -> str:
    """Keep the digits of `s` ("123.456-7" -> "1234567")."""
    return _NON_DIGIT.sub("", s or "")


def normalize_document(s: str | None) -> str:
    """Uppercase and drop punctuation/spaces: "12.abc.345/01de-35" -> "12ABC34501DE35"."""
    return _NON_ALNUM.sub("", (s or "").upper())


def _mod11(values: list[int], weights: tuple[int, ...]) -> int:
    rest = sum(v * w for v, w in zip(values, weights)) % 11
    return 0 if rest < 2 else 11 - rest


def cpf_check_digits(first9: str) -> str:
    """The two check digits of a CPF given its first nine digits."""
    digits = [int(c) for c in first9]
    if len(digits) != 9:
        raise ValueError("o CPF base deve ter 9 dígitos")
    d1 = _mod11(digits, tuple(range(10, 1, -1)))
    d2 = _mod11(digits + [d1], tuple(range(11, 1, -1)))
    return f"{d1}{d2}"


def cnpj_check_digits(first12: str) -> str:
    """The two check digits of a CNPJ (numeric or alphanumeric) given its first twelve characters."""
    base = first12.upper()
    if len(base) != 12 or not re.fullmatch(r"[0-9A-Z]{12}", base):
        raise ValueError("a base do CNPJ deve ter 12 caracteres (números ou letras)")
    values = [ord(c) - 48 for c in base]
    d1 = _mod11(values, _CNPJ_W1)
    d2 = _mod11(values + [d1], _CNPJ_W2)
    return f"{d1}{d2}"


def is_valid_cpf(s: str | None) -> bool:
    """11 digits, not all equal, with both check digits right. Punctuation is ignored."""
    raw = s or ""
    if re.search(r"[A-Za-z]", raw):
        return False
    d = only_digits(raw)
    if len(d) != 11 or d == d[0] * 11:
        return False
    return cpf_check_digits(d[:9]) == d[9:]


def is_valid_cnpj(s: str | None) -> bool:
    """Numeric or alphanumeric CNPJ: 12 chars [0-9A-Z] + 2 check digits; not all-equal digits."""
    n = normalize_document(s)
    if not _CNPJ_SHAPE.match(n):
        return False
    if n == n[0] * 14:
        return False
    if n[:12] == "0" * 12:
        return False
    return cnpj_check_digits(n[:12]) == n[12:]


def document_kind(s: str | None) -> str | None:
    """"CPF", "CNPJ" or None, by the shape of the normalized value (not validated)."""
    n = normalize_document(s)
    if len(n) == 11 and n.isdigit():
        return "CPF"
    if len(n) == 14:
        return "CNPJ"
    return None


def validate_document(s: str | None, person_type: str) -> str:
    """Validate a CPF (PF) or CNPJ (PJ) and return it normalized; raise ValueError in pt-BR.

    For a pré-cadastro (PRE) the document is optional: empty returns "", otherwise it must be a
    valid CPF or CNPJ.
    """
    n = normalize_document(s)
    if person_type == PF:
        if not n:
            raise ValueError("Informe o CPF da pessoa física.")
        if not is_valid_cpf(n):
            raise ValueError(f"CPF inválido: {s}")
        return n
    if person_type == PJ:
        if not n:
            raise ValueError("Informe o CNPJ da pessoa jurídica.")
        if not is_valid_cnpj(n):
            raise ValueError(f"CNPJ inválido: {s}")
        return n
    if person_type == PRE:
        if not n:
            return ""
        if is_valid_cpf(n) or is_valid_cnpj(n):
            return n
        raise ValueError(f"Documento inválido (nem CPF nem CNPJ): {s}")
    raise ValueError(f"Tipo de pessoa inválido: {person_type}")


def format_cpf(s: str | None) -> str:
    d = only_digits(s)
    if len(d) != 11:
        return s or ""
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


def format_cnpj(s: str | None) -> str:
    n = normalize_document(s)
    if len(n) != 14:
        return s or ""
    return f"{n[:2]}.{n[2:5]}.{n[5:8]}/{n[8:12]}-{n[12:]}"


def format_document(s: str | None) -> str:
    """Format a CPF or CNPJ by its length; anything else is returned unchanged."""
    kind = document_kind(s)
    if kind == "CPF":
        return format_cpf(s)
    if kind == "CNPJ":
        return format_cnpj(s)
    return s or ""
