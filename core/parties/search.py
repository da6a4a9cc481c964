"""The customer-panel searches ("Conhecendo o Painel do Cliente").

- `latest_active`: the last 1,000 new active registrations (newest first), with column filters;
- `search_parties`: active / inactive lists in "search mode" — nothing until a filter is given or
  "listar todos" is asked — with per-column filters and a total for paging;
- `pivot_counts`: synthetic counts (Informações Sintéticas) by chosen row and column fields;
- `advanced_search`: every filter of the manual's "Pesquisa Avançada".

Text filters compare normalized search columns (uppercase, no accents), so "joao" finds "João";
on PostgreSQL those columns carry trigram GIN indexes and "contains" stays fast on a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields as dc_fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from core.br.documents import normalize_document
from core.errors import ValidationError
from core.i18n import _
from core.parties.models import CLASSIFICATIONS, PERSON_TYPES, Party, PartyEmailTest
from core.parties.rules import digits, fold

BUSINESS_TZ = ZoneInfo("America/Sao_Paulo")

# The grid of the three lists (manual: código, data, cliente, documento, e-mail, telefone, cidade, bairro).
GRID_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "Código"),
    ("created_at", "Data do cadastro"),
    ("name", "Cliente"),
    ("document", "Documento"),
    ("email", "E-mail"),
    ("phone", "Telefone"),
    ("city", "Cidade"),
    ("district", "Bairro"),
)
FILTER_KEYS = tuple(k for k, _label in GRID_COLUMNS)
LATEST_LIMIT = 1000

_ESCAPE = "\\"


def _like_contains(term: str) -> str:
    escaped = term.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def _like_prefix(term: str) -> str:
    escaped = term.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"{escaped}%"


def _contains(column, term: str):
    return column.like(_like_contains(term), escape=_ESCAPE)


def _prefix(column, term: str):
    return column.like(_like_prefix(term), escape=_ESCAPE)


def parse_date(value: Any, fieldname: str) -> date | None:
    """"31/12/2025", "2025-12-31" or a date ⇒ date; empty ⇒ None; anything else ⇒ ValidationError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("Data inválida: {v} (use dd/mm/aaaa)").format(v=value), field=fieldname)


def parse_code(value: Any, fieldname: str = "code") -> int | None:
    if value is None or value == "":
        return None
    s = str(value).strip()
    if not s.isdigit():
        raise ValidationError(_("Código inválido: {v} (informe somente números)").format(v=value), field=fieldname)
    return int(s)


def day_start(d: date) -> datetime:
    """Midnight of `d` in the business time zone, as an aware datetime (UTC)."""
    return datetime.combine(d, time.min, tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


def _created_between(column, start: date | None, end: date | None) -> list:
    conds = []
    if start:
        conds.append(column >= day_start(start))
    if end:
        conds.append(column < day_start(end + timedelta(days=1)))
    return conds


def column_filters(filters: dict[str, Any] | None) -> list:
    """SQL conditions for the grid's per-column filters; empty values are ignored.

    code: exact; created_at: the registration date (dd/mm/aaaa); name: contains (accents and case
    ignored); document: starts with (punctuation ignored); email, phone, city, district: contains.
    """
    conds: list = []
    for key, raw in (filters or {}).items():
        if key not in FILTER_KEYS:
            raise ValidationError(_("Filtro desconhecido: {f}").format(f=key), field=key)
        value = "" if raw is None else str(raw).strip()
        if not value:
            continue
        if key == "code":
            conds.append(Party.code == parse_code(value))
        elif key == "created_at":
            d = parse_date(value, "created_at")
            conds.extend(_created_between(Party.created_at, d, d))
        elif key == "name":
            conds.append(_contains(Party.name_search, fold(value)))
        elif key == "document":
            doc = normalize_document(value)
            if not doc:
                raise ValidationError(_("Documento inválido no filtro: {v}").format(v=value), field="document")
            conds.append(_prefix(Party.document, doc))
        elif key == "email":
            conds.append(_contains(Party.email_search, value.lower()))
        elif key == "phone":
            d = digits(value)
            if not d:
                raise ValidationError(_("Telefone inválido no filtro: {v}").format(v=value), field="phone")
            conds.append(_contains(Party.phone_search, d))
        elif key == "city":
            conds.append(_contains(Party.city_search, fold(value)))
        elif key == "district":
            conds.append(_contains(Party.district_search, fold(value)))
    return conds


def latest_active(session: Session, *, limit: int = LATEST_LIMIT, filters: dict[str, str] | None = None) -> list[Party]:
    """The last `limit` (1,000) new active registrations, newest first; column filters narrow
    the list further (they apply within those newest registrations, as in the grid)."""
    limit = max(1, min(int(limit), LATEST_LIMIT))
    conds = column_filters(filters)
    newest = (select(Party.id).where(Party.active.is_(True))
              .order_by(Party.created_at.desc(), Party.id.desc()).limit(limit))
    if not conds:
        stmt = (select(Party).where(Party.active.is_(True))
                .order_by(Party.created_at.desc(), Party.id.desc()).limit(limit))
        return list(session.scalars(stmt))
    ids = newest.subquery()
    stmt = (select(Party).where(Party.id.in_(select(ids.c.id)), *conds)
            .order_by(Party.created_at.desc(), Party.id.desc()))
    return list(session.scalars(stmt))


def search_parties(session: Session, *, active: bool, filters: dict[str, str] | None = None,
                   list_all: bool = False, limit: int = 200, offset: int = 0) -> tuple[list[Party], int]:
    """Active or inactive registrations in search mode: (page of rows ordered by code, total).

    With no filter value and `list_all` false nothing is listed (the grid opens empty).
    """
    conds = column_filters(filters)
    if not conds and not list_all:
        return [], 0
    where = [Party.active.is_(bool(active)), *conds]
    total = session.execute(select(func.count()).select_from(Party).where(*where)).scalar_one()
    if total == 0:
        return [], 0
    stmt = select(Party).where(*where).order_by(Party.code).limit(max(1, int(limit))).offset(max(0, int(offset)))
    return list(session.scalars(stmt)), int(total)


# ---------------------------------------------------------------- synthetic counts (pivot)

PIVOT_FIELDS: dict[str, str] = {
    "person_type": "Tipo de pessoa",
    "classification": "Classificação",
    "uf": "UF",
    "city": "Cidade",
    "active": "Situação",
    "created_year": "Ano do cadastro",
    "created_month": "Mês do cadastro",
}


def _pivot_expr(session: Session, name: str):
    if name not in PIVOT_FIELDS:
        raise ValidationError(_("Campo inválido para a tabela sintética: {f}").format(f=name), field=name)
    if name == "created_month":
        return Party.created_ym
    if name == "created_year":
        return Party.created_ym // 100
    return getattr(Party, name)


def pivot_label(name: str, key: Any) -> str:
    """How a pivot key reads in pt-BR (choice labels, Ativo/Inativo, "(vazio)")."""
    if key is None or key == "":
        return "(vazio)"
    if name == "person_type":
        return dict(PERSON_TYPES).get(key, str(key))
    if name == "classification":
        return dict(CLASSIFICATIONS).get(key, str(key))
    if name == "active":
        return "Ativo" if key else "Inativo"
    if name == "created_month" and isinstance(key, int):
        return f"{key % 100:02d}/{key // 100}"
    return str(key)


@dataclass
class PivotTable:
    """Counts of parties by `rows` (and `cols`): `cells[(row_key, col_key)]`, with totals.

    Without a column field every cell's column key is None.
    """

    rows: str
    cols: str | None
    row_keys: list[Any] = field(default_factory=list)
    col_keys: list[Any] = field(default_factory=list)
    cells: dict[tuple[Any, Any], int] = field(default_factory=dict)
    row_totals: dict[Any, int] = field(default_factory=dict)
    col_totals: dict[Any, int] = field(default_factory=dict)
    total: int = 0

    def count(self, row_key: Any, col_key: Any = None) -> int:
        return self.cells.get((row_key, col_key), 0)

    def row_label(self, key: Any) -> str:
        return pivot_label(self.rows, key)

    def col_label(self, key: Any) -> str:
        return pivot_label(self.cols, key) if self.cols else "Total"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "cols": self.cols,
            "row_keys": [self.row_label(k) for k in self.row_keys],
            "col_keys": [self.col_label(k) for k in self.col_keys],
            "cells": [[self.count(r, c) for c in self.col_keys] for r in self.row_keys],
            "row_totals": [self.row_totals.get(r, 0) for r in self.row_keys],
            "col_totals": [self.col_totals.get(c, 0) for c in self.col_keys],
            "total": self.total,
        }


def _sort_key(value: Any):
    return (value is None, str(value) if not isinstance(value, bool) else ("0" if value else "1"))


def pivot_counts(session: Session, rows: str, cols: str | None = None, *, active: bool | None = None) -> PivotTable:
    """Synthetic counts (Informações Sintéticas): parties grouped by `rows` × `cols`.

    Fields: person_type, classification, uf, city, active, created_year, created_month.
    `active` restricts to active (True) or inactive (False) registrations; None counts all.
    """
    if cols == rows:
        cols = None
    row_expr = _pivot_expr(session, rows).label("r")
    col_expr = (_pivot_expr(session, cols) if cols else literal(None, String)).label("c")
    stmt = select(row_expr, col_expr, func.count().label("n")).select_from(Party)
    if active is not None:
        stmt = stmt.where(Party.active.is_(bool(active)))
    stmt = stmt.group_by(row_expr, col_expr) if cols else stmt.group_by(row_expr)
    table = PivotTable(rows=rows, cols=cols)
    for r, c, n in session.execute(stmt):
        if cols is None:
            c = None
        n = int(n)
        table.cells[(r, c)] = table.cells.get((r, c), 0) + n
        table.row_totals[r] = table.row_totals.get(r, 0) + n
        table.col_totals[c] = table.col_totals.get(c, 0) + n
        table.total += n
    table.row_keys = sorted(table.row_totals, key=_sort_key)
    table.col_keys = sorted(table.col_totals, key=_sort_key)
    return table


# ---------------------------------------------------------------- advanced search

@dataclass
class AdvancedCriteria:
    """The filters of "Pesquisa Avançada"; every one given must match (AND).

    - created_from / created_to: registration date range (inclusive, business time zone);
    - city, district, street: "Por endereços" (each contains, accents ignored);
    - cep: CEP (8 digits exact; fewer digits ⇒ CEP starting with them);
    - name: "Cliente" (name contains);
    - person_type: PF / PJ / PRE; classification: one of CLASSIFICATIONS;
    - code: registration code;
    - street_only: "Por endereços (somente logradouro)";
    - active_with_email_and_phone: "Cadastros ativos com e-mail e fone";
    - email_test_from / email_test_to: "Histórico de teste de e-mail por data";
    - trade_name: nome fantasia contains; document: CPF/CNPJ (starts with, punctuation ignored);
    - email: contains (primary or other e-mails);
    - active: restrict to active (True) / inactive (False) registrations.
    """

    created_from: date | None = None
    created_to: date | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    cep: str | None = None
    name: str | None = None
    person_type: str | None = None
    classification: str | None = None
    code: int | None = None
    street_only: str | None = None
    active_with_email_and_phone: bool = False
    email_test_from: date | None = None
    email_test_to: date | None = None
    trade_name: str | None = None
    document: str | None = None
    email: str | None = None
    active: bool | None = None

    _DATES = ("created_from", "created_to", "email_test_from", "email_test_to")

    @classmethod
    def from_form(cls, form: dict[str, Any]) -> "AdvancedCriteria":
        """Build criteria from form text (dates dd/mm/aaaa, code digits, checkboxes); bad input ⇒
        ValidationError naming the field; unknown keys are refused."""
        names = {f.name for f in dc_fields(cls)}
        kw: dict[str, Any] = {}
        for key, raw in form.items():
            if key not in names:
                raise ValidationError(_("Filtro desconhecido: {f}").format(f=key), field=key)
            value = raw.strip() if isinstance(raw, str) else raw
            if value in (None, ""):
                continue
            if key in cls._DATES:
                kw[key] = parse_date(value, key)
            elif key == "code":
                kw[key] = parse_code(value, key)
            elif key == "active_with_email_and_phone":
                kw[key] = str(value).lower() in ("1", "true", "on", "sim", "s", "yes")
            elif key == "active":
                kw[key] = str(value).lower() in ("1", "true", "on", "sim", "s", "yes", "ativo")
            else:
                kw[key] = str(value)
        crit = cls(**kw)
        crit.check()
        return crit

    def check(self) -> None:
        if self.person_type and self.person_type.upper() not in dict(PERSON_TYPES):
            raise ValidationError(_("Tipo de pessoa inválido: {v}").format(v=self.person_type), field="person_type")
        if self.classification and self.classification not in dict(CLASSIFICATIONS):
            raise ValidationError(_("Classificação inválida: {v}").format(v=self.classification),
                                  field="classification")
        for a, b in (("created_from", "created_to"), ("email_test_from", "email_test_to")):
            start, end = getattr(self, a), getattr(self, b)
            if start and end and start > end:
                raise ValidationError(_("A data inicial é posterior à data final."), field=a)
        if self.cep and not digits(self.cep):
            raise ValidationError(_("CEP inválido: {v}").format(v=self.cep), field="cep")
        if self.document and not normalize_document(self.document):
            raise ValidationError(_("Documento inválido: {v}").format(v=self.document), field="document")

    def is_empty(self) -> bool:
        for f in dc_fields(self):
            value = getattr(self, f.name)
            if f.name == "active_with_email_and_phone":
                if value:
                    return False
            elif value not in (None, ""):
                return False
        return True

    def conditions(self) -> list:
        self.check()
        conds: list = []
        conds.extend(_created_between(Party.created_at, self.created_from, self.created_to))
        for attr, column in (("city", Party.city_search), ("district", Party.district_search),
                             ("street", Party.street_search), ("street_only", Party.street_search),
                             ("name", Party.name_search), ("trade_name", Party.trade_name_search)):
            value = getattr(self, attr)
            if value and fold(value):
                conds.append(_contains(column, fold(value)))
        if self.cep:
            cep = digits(self.cep)
            conds.append(Party.cep == cep if len(cep) == 8 else _prefix(Party.cep, cep))
        if self.person_type:
            conds.append(Party.person_type == self.person_type.upper())
        if self.classification:
            conds.append(Party.classification == self.classification)
        if self.code is not None:
            conds.append(Party.code == int(self.code))
        if self.active_with_email_and_phone:
            conds.extend([Party.active.is_(True), Party.email.is_not(None), Party.email != "",
                          or_(and_(Party.phone.is_not(None), Party.phone != ""),
                              and_(Party.mobile.is_not(None), Party.mobile != ""))])
        if self.email_test_from or self.email_test_to:
            tested = _created_between(PartyEmailTest.tested_at, self.email_test_from, self.email_test_to)
            conds.append(exists().where(PartyEmailTest.party_id == Party.id, *tested))
        if self.document:
            conds.append(_prefix(Party.document, normalize_document(self.document)))
        if self.email:
            conds.append(_contains(Party.email_search, self.email.strip().lower()))
        if self.active is not None:
            conds.append(Party.active.is_(bool(self.active)))
        return conds


def advanced_search(session: Session, criteria: AdvancedCriteria, *, limit: int = 500) -> list[Party]:
    """Parties matching every given filter, ordered by code (at most `limit`). No filter ⇒ []."""
    if criteria.is_empty():
        return []
    stmt = select(Party).where(*criteria.conditions()).order_by(Party.code).limit(max(1, int(limit)))
    return list(session.scalars(stmt))


def grid_row(party: Party) -> dict[str, Any]:
    """A party as the grids show it (document and CEP formatted, date in the business zone)."""
    from core.br.documents import format_document

    created = party.created_at.astimezone(BUSINESS_TZ) if party.created_at else None
    return {
        "id": party.id, "code": party.code, "created_at": created.date() if created else None,
        "name": party.name, "document": format_document(party.document or ""), "email": party.email or "",
        "phone": party.phone or party.mobile or "", "city": party.city or "", "district": party.district or "",
        "active": party.active,
    }
