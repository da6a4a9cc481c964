"""Numbering of the NF 21/22 per (empresa, modelo, série) on the kernel's gapless counter.

- `draw_number`: `core.numbering.next_number` (kind "fiscal_nf2122.nf", series "MO:SSS", per
  company); 1…999.999.999, continuous, restarting at 1 only after 999.999.999 (Conv. ICMS 130/16,
  fiscal.md §1.7). Each restart opens a new cycle (counter kind "fiscal_nf2122.nf.ciclo"): the
  number is unique per (empresa, modelo, série, ciclo). Runs in the caller's transaction (the
  counter row stays locked until commit).
- `give_back_last`: "anular" — the annulled number must be the counter's last value; the counter
  goes back one so the next note takes the same number again. The counter row is locked first
  (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the writer already holds the database lock), so a
  generation running at the same time either finishes first (then the number is no longer the
  last one and the annulment is refused) or waits and draws the annulled number again.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models.numbering import NumberCounter
from core.numbering import next_number

KIND = "fiscal_nf2122.nf"
CYCLE_KIND = "fiscal_nf2122.nf.ciclo"
MAX_NUMBER = 999_999_999


def series_key(model: int, serie: str) -> str:
    return f"{int(model):02d}:{serie.rstrip()}"


def _where(company_id: int, model: int, serie: str, kind: str = KIND):
    return (NumberCounter.company_id == company_id, NumberCounter.kind == kind,
            NumberCounter.series == series_key(model, serie))


def current_cycle(session: Session, company_id: int, model: int, serie: str) -> int:
    return int(session.scalar(select(NumberCounter.last_value).where(
        *_where(company_id, model, serie, CYCLE_KIND))) or 0)


def draw_number(session: Session, company_id: int, model: int, serie: str) -> tuple[int, int]:
    """(number, cycle): the next number of the série, restarting at 1 (next cycle) after 999.999.999."""
    number = next_number(session, kind=KIND, company_id=company_id, series=series_key(model, serie))
    if number > MAX_NUMBER:
        session.execute(update(NumberCounter).where(*_where(company_id, model, serie)).values(last_value=1))
        return 1, next_number(session, kind=CYCLE_KIND, company_id=company_id, series=series_key(model, serie))
    return number, current_cycle(session, company_id, model, serie)


def last_number(session: Session, company_id: int, model: int, serie: str, *, lock: bool = False) -> int:
    """The série's last drawn number (0 when none); `lock` holds the counter row until commit."""
    stmt = select(NumberCounter.last_value).where(*_where(company_id, model, serie))
    if lock:
        stmt = stmt.with_for_update()
    return int(session.scalar(stmt) or 0)


def give_back_last(session: Session, company_id: int, model: int, serie: str, number: int) -> bool:
    """Move the counter back from `number` when `number` is still the last drawn one (row locked);
    False (nothing changed) otherwise. Giving back the 1 of a new cycle restores 999.999.999 and
    the previous cycle."""
    if last_number(session, company_id, model, serie, lock=True) != number:
        return False
    cycle = current_cycle(session, company_id, model, serie)
    previous = number - 1
    if number == 1 and cycle > 0:
        previous = MAX_NUMBER
        session.execute(update(NumberCounter).where(*_where(company_id, model, serie, CYCLE_KIND))
                        .values(last_value=cycle - 1))
    session.execute(update(NumberCounter).where(*_where(company_id, model, serie)).values(last_value=previous))
    return True
