"""Engines and units of work.

One unit of work (one transaction) per command. Services receive the session and never commit;
`unit_of_work()` commits when the block ends, rolls back on any error, then runs the callbacks
queued with `after_commit(session, fn)` (outbox dispatch, event hooks).

SQLite: WAL, foreign keys on, `busy_timeout`, and writers open their transaction with
`BEGIN IMMEDIATE` (so two writers queue instead of failing with SQLITE_BUSY halfway).
PostgreSQL: psycopg 3; row locks where counters need them.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

READONLY_OPTION = "quita_readonly"


def make_engine(url: str, *, echo: bool = False, **kw) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 60}, **kw)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **kw)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy (not the sqlite3 module) decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database and engine.url.database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        readonly = conn.get_execution_options().get(READONLY_OPTION, False)
        # query_only makes SQLite itself refuse any write inside a read-only unit of work.
        conn.exec_driver_sql(f"PRAGMA query_only={'ON' if readonly else 'OFF'}")
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def is_sqlite(engine_or_session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "sqlite"


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run `fn` once the unit of work that owns `session` has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(fn)


@contextmanager
def unit_of_work(engine: Engine | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """Open a session in one transaction; commit at the end, roll back on error.

    `readonly=True` is for pages and reports: a plain (deferred) BEGIN on SQLite so readers never
    queue behind writers, `SET TRANSACTION READ ONLY` on PostgreSQL, and an error if anything was
    changed. Objects stay usable after the block (no expiry).

    With no engine given, the current runtime's engine is used (`core.runtime.current()`).
    """
    if engine is None:
        from core.runtime import current

        engine = current().engine
    bind = engine.execution_options(**{READONLY_OPTION: True}) if readonly else engine
    session = Session(bind, expire_on_commit=False, autoflush=True)
    try:
        with session.begin():
            if readonly and bind.dialect.name == "postgresql":
                session.execute(text("SET TRANSACTION READ ONLY"))
            yield session
            if readonly and (session.new or session.dirty or session.deleted):
                raise RuntimeError("unidade de trabalho somente leitura não pode gravar")
    except BaseException:
        session.info.pop("after_commit", None)
        session.close()
        raise
    callbacks = session.info.pop("after_commit", [])
    session.close()
    for fn in callbacks:
        fn()


def get_or_not_found(session: Session, cls, record_id, message: str):
    """`session.get(cls, record_id)`, or `core.errors.NotFound(message)` when there is no such row."""
    from core.errors import NotFound

    obj = session.get(cls, record_id)
    if obj is None:
        raise NotFound(message)
    return obj
