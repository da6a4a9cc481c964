"""Outbox: messages written with the transaction, dispatched after commit, retried on failure."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import make_config, truncate_all
from core import audit
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.model import utcnow
from core.models.outbox import DEAD, DONE, PENDING, OutboxMessage
from core.outbox import MAX_ATTEMPTS, backoff, dispatch_after_commit, dispatch_pending, enqueue, pending_count
from core.runtime import bootstrap, set_current
from hooks import hookimpl

PLUGIN = "outbox_teste"


class Mailer:
    """An in-test e-mail sender: records what it sent, fails while `failures` > 0."""

    def __init__(self):
        self.sent: list[dict] = []
        self.failures = 0

    def handle(self, message, session):
        # Writes made by a handler belong to its transaction (undone when it fails).
        audit.record(session, action="email.enviado", target_kind="outbox_message", target_id=message.id,
                     after={"to": message.payload["to"]})
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("servidor SMTP indisponível")
        self.sent.append(dict(message.payload))


@pytest.fixture
def outbox_rt(database_url):
    mailer = Mailer()
    plugin = types.ModuleType(PLUGIN)

    @hookimpl
    def register_outbox_handlers(register):
        register("email.enviar", mailer.handle)

    plugin.register_outbox_handlers = register_outbox_handlers
    rt = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, PLUGIN]), extra_plugins={PLUGIN: plugin})
    yield rt, mailer
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def _messages(rt) -> list[OutboxMessage]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_hook_register_outbox_handlers(outbox_rt):
    rt, mailer = outbox_rt
    assert rt.registry.outbox_handlers["email.enviar"] == mailer.handle
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "cliente@example.com", "fatura": 12}, company_id=1)
        enqueue(s, "email.enviar", {"to": "outro@example.com", "fatura": 13})
        assert mailer.sent == []                  # enqueuing sends nothing
    assert dispatch_pending(rt) == 2
    assert [m["fatura"] for m in mailer.sent] == [12, 13]
    msgs = _messages(rt)
    assert [(m.status, m.attempts, m.last_error) for m in msgs] == [(DONE, 1, None), (DONE, 1, None)]
    assert all(m.processed_at is not None for m in msgs) and msgs[0].company_id == 1
    assert dispatch_pending(rt) == 0 and len(mailer.sent) == 2       # never sent twice
    with unit_of_work(rt.engine, readonly=True) as s:
        assert len(audit.history(s, "outbox_message", msgs[0].id)) == 1     # the handler's write committed


def test_rolled_back_transaction_leaves_nothing_to_dispatch(outbox_rt):
    rt, mailer = outbox_rt
    with pytest.raises(RuntimeError):
        with unit_of_work(rt.engine) as s:
            enqueue(s, "email.enviar", {"to": "x@example.com"})
            raise RuntimeError("a fatura não foi gravada")
    assert dispatch_pending(rt) == 0
    assert mailer.sent == [] and _messages(rt) == []


def test_failure_keeps_the_error_and_is_retried_later(outbox_rt):
    rt, mailer = outbox_rt
    mailer.failures = 2
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "a@example.com"})
    t0 = utcnow()
    assert dispatch_pending(rt, now=t0) == 0
    [msg] = _messages(rt)
    assert msg.status == PENDING and msg.attempts == 1
    assert "ConnectionError: servidor SMTP indisponível" in msg.last_error
    assert msg.available_at == t0 + backoff(1)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert audit.history(s, "outbox_message", msg.id) == []     # the failed handler's write was undone
    assert dispatch_pending(rt, now=t0) == 0 and mailer.failures == 1   # not due yet: not retried
    assert dispatch_pending(rt, now=t0 + backoff(1)) == 0               # second failure
    [msg] = _messages(rt)
    assert msg.attempts == 2 and msg.available_at == t0 + backoff(1) + backoff(2)
    assert dispatch_pending(rt, now=t0 + timedelta(days=1)) == 1        # third attempt succeeds
    [msg] = _messages(rt)
    assert (msg.status, msg.attempts, msg.last_error) == (DONE, 3, None)
    assert mailer.sent == [{"to": "a@example.com"}]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert len(audit.history(s, "outbox_message", msg.id)) == 1


def test_gives_up_after_max_attempts(outbox_rt):
    rt, mailer = outbox_rt
    mailer.failures = MAX_ATTEMPTS + 5
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "a@example.com"})
    later = utcnow()
    for _ in range(MAX_ATTEMPTS + 2):
        later += timedelta(days=1)
        dispatch_pending(rt, now=later)
    [msg] = _messages(rt)
    assert msg.status == DEAD and msg.attempts == MAX_ATTEMPTS and mailer.sent == []


def test_message_without_handler_waits(outbox_rt):
    rt, mailer = outbox_rt
    with unit_of_work(rt.engine) as s:
        enqueue(s, "sms.enviar", {"to": "+5581999999999"})        # its plugin is not enabled
        enqueue(s, "email.enviar", {"to": "a@example.com"})
    assert dispatch_pending(rt) == 1
    msgs = _messages(rt)
    assert [(m.kind, m.status, m.attempts) for m in msgs] == [("sms.enviar", PENDING, 0), ("email.enviar", DONE, 1)]
    with unit_of_work(rt.engine, readonly=True) as s:
        assert pending_count(s) == 1


def test_limit_and_dispatch_after_commit(outbox_rt):
    rt, mailer = outbox_rt
    with unit_of_work(rt.engine) as s:
        for i in range(5):
            enqueue(s, "email.enviar", {"to": f"c{i}@example.com"})
    assert dispatch_pending(rt, limit=2) == 2
    assert len(mailer.sent) == 2
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "novo@example.com"})
        dispatch_after_commit(s, rt)
        assert len(mailer.sent) == 2
    assert len(mailer.sent) == 6 and mailer.sent[-1] == {"to": "novo@example.com"}


@pytest.mark.postgres_only
def test_uncommitted_message_is_invisible_to_a_concurrent_dispatcher(outbox_rt):
    rt, mailer = outbox_rt
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "a@example.com"})
        assert dispatch_pending(rt) == 0          # another connection: not committed, not seen
    assert dispatch_pending(rt) == 1


@pytest.mark.postgres_only
def test_concurrent_dispatchers_never_send_twice(outbox_rt):
    import threading

    rt, mailer = outbox_rt
    with unit_of_work(rt.engine) as s:
        for i in range(200):
            enqueue(s, "email.enviar", {"to": f"c{i}@example.com"})
    workers = [threading.Thread(target=dispatch_pending, args=(rt,), kwargs={"limit": 1000}) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(m["to"] for m in mailer.sent) == sorted(f"c{i}@example.com" for i in range(200))
    assert {m.status for m in _messages(rt)} == {DONE}


def test_cli_outbox_commands(outbox_rt, database_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from core.cli import build_app
    from core.config import load_config
    from core.plugins import load_plugins
    from core.runtime import current

    rt, mailer = outbox_rt
    with unit_of_work(rt.engine) as s:
        enqueue(s, "email.enviar", {"to": "a@example.com"})
        enqueue(s, "email.enviar", {"to": "b@example.com"})
    cfg = tmp_path / "quita.toml"
    cfg.write_text(f'[database]\nurl = "{database_url}"\n')
    monkeypatch.setenv("QUITA_CONFIG", str(cfg))
    monkeypatch.delenv("QUITA_DATABASE_URL", raising=False)
    app = build_app(load_plugins(load_config()))
    runner = CliRunner()
    status = runner.invoke(app, ["outbox", "status"])
    assert status.exit_code == 0, status.output
    assert "Mensagens pendentes: 2" in status.output
    # This process's config does not enable the in-test plugin: no handler, nothing is sent.
    run = runner.invoke(app, ["outbox", "run"])
    assert run.exit_code == 0 and "Mensagens processadas com sucesso: 0" in run.output
    current().dispose()
    set_current(rt)
    assert dispatch_pending(rt) == 2 and len(mailer.sent) == 2
