"""IBGE municipality codes (7 digits: 2-digit UF code, 4-digit municipality, 1 check digit).

The bundled table `ibge_cities.csv` holds real municipalities (every capital and a few hundred
others across all UFs); codes not in it are still accepted by `is_valid_city_code` when their
shape, UF prefix and check digit are right, so a deployment is never blocked by a missing row.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("ibge_cities.csv")

# UF -> IBGE state code (the first two digits of every municipality code of that UF).
UF_CODES: dict[str, int] = {
    "RO": 11, "AC": 12, "AM": 13, "RR": 14, "PA": 15, "AP": 16, "TO": 17,
    "MA": 21, "PI": 22, "CE": 23, "RN": 24, "PB": 25, "PE": 26, "AL": 27, "SE": 28, "BA": 29,
    "MG": 31, "ES": 32, "RJ": 33, "SP": 35,
    "PR": 41, "SC": 42, "RS": 43,
    "MS": 50, "MT": 51, "GO": 52, "DF": 53,
}
UFS: tuple[str, ...] = tuple(UF_CODES)
UF_NAMES: dict[str, str] = {
    "RO": "Rondônia", "AC": "Acre", "AM": "Amazonas", "RR": "Roraima", "PA": "Pará", "AP": "Amapá",
    "TO": "Tocantins", "MA": "Maranhão", "PI": "Piauí", "CE": "Ceará", "RN": "Rio Grande do Norte",
    "PB": "Paraíba", "PE": "Pernambuco", "AL": "Alagoas", "SE": "Sergipe", "BA": "Bahia",
    "MG": "Minas Gerais", "ES": "Espírito Santo", "RJ": "Rio de Janeiro", "SP": "São Paulo",
    "PR": "Paraná", "SC": "Santa Catarina", "RS": "Rio Grande do Sul", "MS": "Mato Grosso do Sul",
    "MT": "Mato Grosso", "GO": "Goiás", "DF": "Distrito Federal",
}


@dataclass(frozen=True)
class City:
    code: str
    name: str
    uf: str


def _fold(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).upper().split())


def check_digit(first6: str) -> int:
    """IBGE check digit: weights 1,2,1,2,1,2; digits of each product summed; (10 - sum % 10) % 10."""
    total = 0
    for i, ch in enumerate(first6):
        p = int(ch) * (1 if i % 2 == 0 else 2)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def uf_of_code(code: str) -> str | None:
    """The UF a municipality code belongs to (by its two first digits), or None."""
    if not code or len(code) < 2 or not code[:2].isdigit():
        return None
    prefix = int(code[:2])
    for uf, n in UF_CODES.items():
        if n == prefix:
            return uf
    return None


def is_valid_city_code(code: str | None) -> bool:
    """7 digits, a known UF prefix and the right check digit (or a municipality in the table)."""
    if not code or len(code) != 7 or not code.isdigit():
        return False
    if uf_of_code(code) is None:
        return False
    return code in _by_code() or check_digit(code[:6]) == int(code[6])


@lru_cache(maxsize=1)
def all_cities() -> tuple[City, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(City(r["code"], r["name"], r["uf"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def _by_code() -> dict[str, City]:
    return {c.code: c for c in all_cities()}


@lru_cache(maxsize=1)
def _by_name() -> dict[tuple[str, str], City]:
    return {(_fold(c.name), c.uf): c for c in all_cities()}


def city_by_code(code: str | int | None) -> City | None:
    return _by_code().get(str(code).strip()) if code is not None else None


def cities_in_uf(uf: str) -> list[City]:
    uf = (uf or "").upper()
    return sorted((c for c in all_cities() if c.uf == uf), key=lambda c: _fold(c.name))


def find_city(name: str, uf: str) -> City | None:
    """Look a municipality up by name and UF, ignoring case and accents."""
    return _by_name().get((_fold(name), (uf or "").upper()))


def capitals() -> list[City]:
    codes = {"1100205", "1200401", "1302603", "1400100", "1501402", "1600303", "1721000", "2111300",
             "2211001", "2304400", "2408102", "2507507", "2611606", "2704302", "2800308", "2927408",
             "3106200", "3205309", "3304557", "3550308", "4106902", "4205407", "4314902", "5002704",
             "5103403", "5208707", "5300108"}
    return [c for c in all_cities() if c.code in codes]
