"""Small builders shared by tests of the kernel and of plugins: runtimes made on the suite's
database (emptied and disposed afterwards), a chart of analytic accounts, the lines of an entry."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from sqlalchemy import select


@contextlib.contextmanager
def runtime_maker(build):
    """Yields `make(*args, **kw)` = `build(*args, **kw)` remembered; on exit every runtime made has
    its tables emptied and is disposed, and no runtime is left current. Use in a fixture:
    `with runtime_maker(lambda modules: bootstrap(...)) as make: yield make`."""
    from core.runtime import set_current
    from tests.conftest import truncate_all

    made = []

    def make(*args, **kwargs):
        rt = build(*args, **kwargs)
        made.append(rt)
        return rt

    try:
        yield make
    finally:
        for rt in made:
            truncate_all(rt.engine)
            rt.dispose()
        set_current(None)


def add_accounts(s, company_id: int, chart) -> dict[str, int]:
    """Analytic, active accounts `(code, name, kind)` of the company, flushed in the caller's
    session: {code: id}. A 4-tuple `(code, name, kind, company_id)` books that one elsewhere; the
    first account of a code wins in the answer."""
    from core.ledger.models import Account

    ids: dict[str, int] = {}
    for code, name, kind, *other in chart:
        acc = Account(company_id=other[0] if other else company_id, code=code, name=name, kind=kind,
                      is_synthetic=False, active=True)
        s.add(acc)
        s.flush()
        ids.setdefault(code, acc.id)
    return ids


def entry_lines(s, entry_id) -> list[tuple[str, Decimal, Decimal]]:
    """(account code, debit, credit) of a journal entry, by account code."""
    from core.ledger.models import Account, JournalLine

    rows = s.execute(select(Account.code, JournalLine.debit, JournalLine.credit)
                     .join(Account, Account.id == JournalLine.account_id)
                     .where(JournalLine.entry_id == entry_id).order_by(Account.code)).all()
    return [(code, debit, credit) for code, debit, credit in rows]
