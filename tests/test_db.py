"""Units of work: commit, rollback, after-commit callbacks, read-only mode, time zones."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from core.db import after_commit, is_sqlite, unit_of_work
from core.models.company import Company
from core.models.outbox import OutboxMessage


def _company(code: str) -> Company:
    return Company(code=code, name=f"Empresa {code}", cnpj=f"{int(code):014d}")


def _count(engine) -> int:
    with unit_of_work(engine, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(Company))


def test_unit_of_work_commits_at_the_end(runtime):
    with unit_of_work(runtime.engine) as s:
        s.add(_company("1"))
    assert _count(runtime.engine) == 1


def test_error_rolls_everything_back_and_skips_after_commit(runtime):
    called = []
    with pytest.raises(ZeroDivisionError):
        with unit_of_work(runtime.engine) as s:
            s.add(_company("1"))
            s.flush()
            after_commit(s, lambda: called.append("x"))
            1 / 0
    assert _count(runtime.engine) == 0
    assert called == []


def test_after_commit_callbacks_run_in_order_once_committed(runtime):
    seen = []
    with unit_of_work(runtime.engine) as s:
        s.add(_company("1"))
        after_commit(s, lambda: seen.append(("primeiro", _count(runtime.engine))))
        after_commit(s, lambda: seen.append(("segundo", _count(runtime.engine))))
        assert seen == []
    # The callbacks see the committed row from another connection.
    assert seen == [("primeiro", 1), ("segundo", 1)]


def test_default_engine_is_the_current_runtime(runtime):
    with unit_of_work() as s:
        s.add(_company("2"))
    assert _count(runtime.engine) == 1


def test_readonly_unit_of_work_refuses_changes(runtime):
    with pytest.raises(Exception):
        with unit_of_work(runtime.engine, readonly=True) as s:
            s.add(_company("3"))
    assert _count(runtime.engine) == 0


def test_readonly_unit_of_work_refuses_a_flushed_write(runtime):
    with pytest.raises(Exception):
        with unit_of_work(runtime.engine, readonly=True) as s:
            s.add(_company("5"))
            s.flush()                       # the database itself refuses (query_only / READ ONLY)
    assert _count(runtime.engine) == 0
    with unit_of_work(runtime.engine) as s:  # and the next writer on the same pool still writes
        s.add(_company("6"))
    assert _count(runtime.engine) == 1


def test_readonly_unit_of_work_reads(runtime):
    with unit_of_work(runtime.engine) as s:
        s.add(_company("4"))
    with unit_of_work(runtime.engine, readonly=True) as s:
        company = s.scalar(select(Company))
    assert company.code == "4"            # still usable after the block (no expiry)


def test_datetimes_are_stored_in_utc_and_come_back_aware(runtime):
    sao_paulo = timezone(timedelta(hours=-3))
    local = datetime(2026, 5, 1, 21, 30, tzinfo=sao_paulo)
    with unit_of_work(runtime.engine) as s:
        msg = OutboxMessage(kind="x", payload={}, created_at=local, available_at=local)
        s.add(msg)
    with unit_of_work(runtime.engine, readonly=True) as s:
        got = s.get(OutboxMessage, msg.id).created_at
    assert got == local and got.tzinfo is not None
    assert got.utcoffset() == timedelta(0) and got.hour == 0 and got.day == 2


def test_naive_datetime_is_refused(runtime):
    with pytest.raises(StatementError) as exc:
        with unit_of_work(runtime.engine) as s:
            s.add(OutboxMessage(kind="x", payload={}, created_at=datetime(2026, 1, 1), available_at=datetime(2026, 1, 1)))
    assert "fuso" in str(exc.value.orig)


def test_sqlite_writer_takes_the_write_lock_when_it_begins(runtime):
    """BEGIN IMMEDIATE: a writer holds the lock from its first statement, even a read, so a
    second writer waits at BEGIN instead of failing midway with SQLITE_BUSY."""
    if not is_sqlite(runtime.engine):
        pytest.skip("comportamento de bloqueio específico do SQLite")
    path = runtime.engine.url.database
    with unit_of_work(runtime.engine) as s:
        s.execute(select(func.count()).select_from(Company))       # only a read so far
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN")                                  # readers are never blocked (WAL)
            assert other.execute("SELECT count(*) FROM company").fetchone() == (0,)
            other.execute("ROLLBACK")
        finally:
            other.close()
    with unit_of_work(runtime.engine, readonly=True) as s:     # a read-only unit does not lock
        s.execute(select(func.count()).select_from(Company))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
