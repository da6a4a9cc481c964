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
from datetime import date
from decimal import Decimal
from typing import Callable, Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

READONLY_OPTION = "quita_readonly"
# Schema migrations on SQLite: foreign keys off for the transaction (table rebuilds drop referenced tables).
FOREIGN_KEYS_OFF_OPTION = "quita_foreign_keys_off"


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
        if conn.get_execution_options().get(FOREIGN_KEYS_OFF_OPTION, False):
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction; see core.migrate
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


# --- bulk inserts ----------------------------------------------------------------------------------

def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """INSERT many rows of `table` (dicts with the same keys, every value given: no Python-side
    defaults, no RETURNING) through the driver — `executemany`, or COPY on PostgreSQL (psycopg) —
    each value converted by its column's own type (Money → centavos, JSON, dates…): what
    `session.execute(table.insert(), rows)` writes, without SQLAlchemy's per-row parameter
    bookkeeping (≈ 40 % of the cost of inserting the 100,000 audit entries or retorno items of a bank
    file) nor, on PostgreSQL, a statement per row. Runs in the session's transaction."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    if sorted(names) != sorted(keys):  # bind names other than the column keys: the ordinary way
        session.execute(table.insert(), rows)
        return
    columns = []  # converted column by column (map/zip run in C), not value by value
    for key in names:
        fn = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[key] for row in rows]
        columns.append(values if fn is None else list(map(_once_per_value(fn), values)))
    if dialect.driver == "psycopg":  # PostgreSQL: COPY, one stream instead of a statement per row
        quote = dialect.identifier_preparer.quote
        target = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(table.c[k].name) for k in names)})"
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for values in zip(*columns):
                copy.write_row(values)
        return
    if compiled.positional:
        params = list(zip(*columns))
    else:
        params = [dict(zip(names, values)) for values in zip(*columns)]
    conn.exec_driver_sql(compiled.string, params)


def _once_per_value(convert):
    """`convert` run once per distinct Decimal or date of a column (a bank file repeats its amounts
    and dates; both are immutable and the conversions depend only on the value). Other types —
    floats and bools included, which compare equal to numbers but must reach `convert` (it refuses
    them) — always go through `convert`."""
    seen: dict = {}

    def converted(value):
        if type(value) is not Decimal and type(value) is not date:
            return convert(value)
        found = seen.get(value, _MISSING)
        if found is _MISSING:
            found = seen[value] = convert(value)
        return found

    return converted


_MISSING = object()
