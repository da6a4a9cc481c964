"""The outbox: side effects that leave the process, dispatched only after commit.

A service calls `enqueue(session, kind, payload)` inside its unit of work; the message row is
written with — and only with — that transaction, so a rollback leaves nothing to send.
`dispatch_pending(runtime)` (run by `quita outbox run`, or after a unit of work with
`dispatch_after_commit`) then hands each due message to the handler registered for its kind
through the `register_outbox_handlers` hook.

Transaction semantics of dispatch: each message is claimed and handled in its own transaction
(row locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same
message). The handler's writes run in a savepoint: when it raises, they are undone, the message
stays pending with `attempts` + 1 and `last_error` kept, and it becomes due again after a backoff;
after `MAX_ATTEMPTS` it is marked "dead" for an operator to look at. A message whose kind has no
registered handler (its plugin disabled) is left untouched until a handler exists.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import after_commit, unit_of_work
from core.model import utcnow
from core.models.outbox import DEAD, DONE, PENDING, OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=6)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, company_id: int | None = None) -> OutboxMessage:
    """Queue a message in the caller's transaction (flushed, never committed here).

    `payload` must be JSON-serialisable (ids and plain values, not ORM objects).
    """
    if not kind:
        raise ValueError("tipo de mensagem vazio")
    msg = OutboxMessage(kind=kind, payload=dict(payload), company_id=company_id, status=PENDING,
                        attempts=0, available_at=utcnow())
    session.add(msg)
    session.flush()
    return msg


def dispatch_after_commit(session: Session, runtime) -> None:
    """Ask for an in-process dispatch once the caller's unit of work has committed."""
    after_commit(session, lambda: dispatch_pending(runtime))


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts` (30 s, 60 s, 120 s… capped at 6 h)."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(session: Session, kinds: list[str], now: datetime, after_id: int) -> OutboxMessage | None:
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.status == PENDING, OutboxMessage.kind.in_(kinds),
                   OutboxMessage.available_at <= now, OutboxMessage.id > after_id)
            .order_by(OutboxMessage.id).limit(1)
            .with_for_update(skip_locked=True))
    return session.scalars(stmt).first()


def dispatch_pending(runtime, *, limit: int = 100, now: datetime | None = None) -> int:
    """Handle up to `limit` due messages, each in its own transaction; return how many succeeded.

    `now` (timezone-aware) decides which messages are due; default: the current time.
    """
    handlers = dict(runtime.registry.outbox_handlers)
    if not handlers:
        return 0
    kinds = sorted(handlers)
    succeeded = 0
    last_id = 0
    for _ in range(limit):
        moment = now or utcnow()
        with unit_of_work(runtime.engine) as session:
            msg = _claim(session, kinds, moment, last_id)
            if msg is None:
                break
            last_id = msg.id
            savepoint = session.begin_nested()
            try:
                handlers[msg.kind](msg, session)
                session.flush()
                savepoint.commit()
            except Exception as exc:  # the handler failed: keep the error, retry later
                savepoint.rollback()
                msg.attempts += 1
                msg.last_error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:8000]
                if msg.attempts >= MAX_ATTEMPTS:
                    msg.status = DEAD
                else:
                    msg.available_at = moment + backoff(msg.attempts)
                log.warning("outbox: mensagem %s (%s) falhou (tentativa %s): %s", msg.id, msg.kind, msg.attempts, exc)
                continue
            msg.attempts += 1
            msg.status = DONE
            msg.processed_at = utcnow()
            msg.last_error = None
            succeeded += 1
    return succeeded


def pending_count(session: Session) -> int:
    """How many messages still wait to be sent."""
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)))
