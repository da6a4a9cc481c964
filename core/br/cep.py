"""CEP (Código de Endereçamento Postal): eight digits, shown as 00000-000."""

from __future__ import annotations

from core.br.documents import only_digits


def normalize_cep(s: str | None) -> str:
    """Return the 8 digits of a CEP ("01310-100" -> "01310100"); ValueError in pt-BR otherwise."""
    raw = (s or "").strip()
    if any(c.isalpha() for c in raw):
        raise ValueError(f"CEP inválido: {s} (use 8 dígitos, ex.: 01310-100)")
    d = only_digits(raw)
    if len(d) != 8 or d == "00000000":
        raise ValueError(f"CEP inválido: {s} (use 8 dígitos, ex.: 01310-100)")
    return d


def format_cep(s: str | None) -> str:
    d = only_digits(s)
    if len(d) != 8:
        return s or ""
    return f"{d[:5]}-{d[5:]}"
