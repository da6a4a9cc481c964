"""Gapless numbering per (company, document kind, series).

`next_number` draws the next number with one atomic statement::

    INSERT INTO number_counter (company_id, kind, series, last_value) VALUES (:c, :k, :s, 1)
    ON CONFLICT (company_id, kind, series) DO UPDATE SET last_value = number_counter.last_value + 1
    RETURNING last_value

Transaction semantics: the number belongs to the caller's unit of work. On PostgreSQL the
statement holds the counter's row lock until that transaction ends, so concurrent writers of the
same key queue and each sees the previous one's committed value; on SQLite every writer already
holds the database lock (`BEGIN IMMEDIATE`). A transaction that rolls back therefore consumes
nothing: the next writer gets the same number. Draw numbers late (when a document is issued, not
for drafts) and commit soon — the key stays locked until then.

`format_series` turns a Frappe-like naming pattern and a number into a document name.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import _
from core.models.numbering import NumberCounter

NO_COMPANY = 0


def _key(kind: str, company_id: int | None, series: str) -> tuple[int, str, str]:
    if not kind or not str(kind).strip():
        raise ValueError(_("tipo de numeração vazio"))
    return (NO_COMPANY if company_id is None else int(company_id), str(kind), series or "")


def _upsert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"numeração sem suporte para o banco {dialect_name}")
    return insert


_STATEMENTS: dict[str, object] = {}


def _draw_statement(dialect_name: str):
    """The upsert, built once per dialect with bound parameters (building it per call cost ~1 ms:
    `next_number` runs once per invoice / boleto in a billing run)."""
    stmt = _STATEMENTS.get(dialect_name)
    if stmt is None:
        from sqlalchemy import bindparam

        table = NumberCounter.__table__
        stmt = _upsert(dialect_name)(table).values(
            company_id=bindparam("company_id"), kind=bindparam("kind"), series=bindparam("series"), last_value=1)
        stmt = _STATEMENTS[dialect_name] = stmt.on_conflict_do_update(
            index_elements=[table.c.company_id, table.c.kind, table.c.series],
            set_={"last_value": table.c.last_value + 1},
        ).returning(table.c.last_value)
    return stmt


def next_number(session: Session, *, kind: str, company_id: int | None = None, series: str = "") -> int:
    """Draw the next number of (company, kind, series): 1, 2, 3… with no gap.

    Runs in the caller's transaction and never commits; a rollback gives the number back.
    """
    company, kind, series = _key(kind, company_id, series)
    stmt = _draw_statement(session.get_bind().dialect.name)
    return int(session.execute(stmt, {"company_id": company, "kind": kind, "series": series}).scalar_one())


def peek_next(session: Session, *, kind: str, company_id: int | None = None, series: str = "") -> int:
    """The number `next_number` would return now (informative only: nothing is reserved)."""
    company, kind, series = _key(kind, company_id, series)
    last = session.execute(
        select(NumberCounter.last_value).where(
            NumberCounter.company_id == company, NumberCounter.kind == kind, NumberCounter.series == series)
    ).scalar_one_or_none()
    return (last or 0) + 1


def _expand(part: str, when: date) -> str | None:
    tokens = {"YYYY": f"{when.year:04d}", "YY": f"{when.year % 100:02d}", "MM": f"{when.month:02d}",
              "DD": f"{when.day:02d}"}
    return tokens.get(part)


def series_prefix(pattern: str, when: date | None = None) -> str:
    """The expanded text before the number ("FAT-.YYYY.-.#####" in 2026 ⇒ "FAT-2026-").

    Used as the counter's series so that a pattern with a year restarts each year.
    """
    when = when or date.today()
    out = []
    for part in pattern.split("."):
        if part and set(part) == {"#"}:
            break
        out.append(_expand(part, when) or part)
    return "".join(out)


def format_series(pattern: str, number: int, when: date | None = None) -> str:
    """Render a naming pattern: parts separated by "."; "#####" is the zero-padded number,
    "YYYY"/"YY"/"MM"/"DD" come from `when` (default today); any other part is literal.

    "MOT-.#####", 1 ⇒ "MOT-00001"; "FAT-.YYYY.-.MM.-.####", 7 (2026-03-05) ⇒ "FAT-2026-03-0007".
    A number longer than the hashes is written in full, never truncated.
    """
    if number < 0:
        raise ValueError(_("número negativo: {n}").format(n=number))
    when = when or date.today()
    parts = pattern.split(".")
    if not any(p and set(p) == {"#"} for p in parts):
        raise ValueError(_("padrão de numeração sem '#': {p}").format(p=pattern))
    out = []
    for part in parts:
        if part and set(part) == {"#"}:
            out.append(str(number).zfill(len(part)))
        else:
            out.append(_expand(part, when) or part)
    return "".join(out)


def next_name(session: Session, pattern: str, *, kind: str, company_id: int | None = None,
              when: date | None = None) -> str:
    """Draw a number for `kind` in the series of `pattern` (its expanded prefix) and render it.

    Same transaction semantics as `next_number`.
    """
    when = when or date.today()
    number = next_number(session, kind=kind, company_id=company_id, series=series_prefix(pattern, when))
    return format_series(pattern, number, when)
