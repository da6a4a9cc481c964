"""Sending invoices by e-mail: the kernel action only enqueues (outbox), the outbox handler renders
the manual's wildcards and delivers through a REAL SMTP server (aiosmtpd on 127.0.0.1, free port),
each message is logged in the customer's "SMS, e-mail e Mensagens Enviadas" tab, and failures
(recipient refused, server down) are logged and retried by the outbox."""

from __future__ import annotations

import socket
import types
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select

from core import audit
from core.actions import Blocker, run_action
from core.config import BUILTIN_PLUGINS
from core.db import unit_of_work
from core.model import utcnow
from core.models.company import Company
from core.models.outbox import DONE, PENDING, OutboxMessage
from core.models.users import User
from core.outbox import dispatch_pending, pending_count
from core.parties.models import Party
from core.web.app import create_app
from core.runtime import bootstrap, set_current
from hooks import hookimpl
from plugins.receivables import mail
from plugins.receivables.messages_models import MESSAGE_FAILED, MESSAGE_SENT, SentMessage
from plugins.receivables.models import Invoice
from tests.browser.uisupport import add_user, login, make_cpf
from tests.conftest import make_config, truncate_all

SEND = "receivables.invoice.send_email"
GUARD = "guarda_remessa_email_teste"
CPF_JOAO = "52998224725"
BODY_ALL = ("Olá, #cliente# (código #codpessoa#, CPF #cpf#, CNPJ #cnpj#).\n"
            "Usuário SAC: [#user_sac#] senha: [#pass_sac#]\n"
            "#faturas#\n"
            "#empresa# - CNPJ #cnpj_empresa# - #fone# - #site#\n"
            "Coringa desconhecido: #clinte#\n")


# --- a real SMTP server ---------------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler: keeps every accepted message; refuses recipients starting with "recusado"."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], object]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("recusado"):
            return "550 5.1.1 Caixa postal inexistente"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _guard_plugin():
    mod = types.ModuleType(GUARD)

    @hookimpl
    def action_blockers(action, records, params, ctx):
        if action.name != SEND:
            return None
        return [Blocker(inv.id, "remessa.transmitida", f"A fatura {inv.number} está com remessa transmitida")
                for inv in records if inv.remessa_transmitted]

    mod.action_blockers = action_blockers
    return mod


@pytest.fixture
def rt(database_url, smtp):
    settings = {"receivables": {"email": {"host": "127.0.0.1", "port": smtp.port, "timeout_seconds": 10,
                                          "from_address": "financeiro@provedor.com.br"}}}
    runtime = bootstrap(make_config(database_url, enabled=[*BUILTIN_PLUGINS, GUARD], plugin_settings=settings),
                        extra_plugins={GUARD: _guard_plugin()})
    yield runtime
    truncate_all(runtime.engine)
    set_current(None)
    runtime.dispose()


# --- data -----------------------------------------------------------------------------------------

def _party(s, code, name, email, document):
    p = Party(code=code, name=name, person_type="PF", document=document, classification="cliente", active=True,
              email=email)
    s.add(p)
    s.flush()
    return p


def _invoice(s, company, party, number, total, due, status="aberta", remessa=False):
    inv = Invoice(party_id=party.id, company_id=company.id, number=number, issue_date=date(2026, 12, 31),
                  due_date=due, total=Decimal(total), status=status, description="Fatura competência 12/2026",
                  wallet="cobranca", competence=date(2026, 12, 1), remessa_transmitted=remessa,
                  remessa_write_off_pending=False)
    s.add(inv)
    s.flush()
    return inv


def _world(engine):
    """João (CPF, e-mail) with invoices 1 (R$ 99,90) and 2 (R$ 149,85); Maria without e-mail (3);
    Ana (refused mailbox, 4); a settled (901) and a removed (900) invoice of João; an admin."""
    with unit_of_work(engine) as s:
        company = Company(code="1", name="Provedor Exemplo Telecom Ltda", trade_name="Provedor Exemplo",
                          cnpj="11222333000181", phone="(11) 4002-8922", site="https://www.provedor.com.br")
        s.add(company)
        s.flush()
        joao = _party(s, 1, "João da Conceição", "joao.conceicao@exemplo.com.br", CPF_JOAO)
        maria = _party(s, 2, "Maria Sem E-mail", None, make_cpf(2))
        ana = _party(s, 3, "Ana Souza", "recusado@exemplo.com.br", make_cpf(3))
        admin = User(username="gerente", password_hash="x", is_admin=True, roles=[])
        s.add(admin)
        ns = types.SimpleNamespace(company=company.id, joao=joao.id, maria=maria.id, ana=ana.id, admin=admin)
        ns.inv1 = _invoice(s, company, joao, 1, "99.90", date(2027, 1, 10)).id
        ns.inv2 = _invoice(s, company, joao, 2, "149.85", date(2027, 2, 10)).id
        ns.inv3 = _invoice(s, company, maria, 3, "99.90", date(2027, 1, 10)).id
        ns.inv4 = _invoice(s, company, ana, 4, "89.90", date(2027, 1, 10)).id
        ns.settled = _invoice(s, company, joao, 901, "79.90", date(2026, 9, 10), status="liquidada").id
        ns.removed = _invoice(s, company, joao, 900, "89.90", date(2026, 10, 10), status="excluida").id
        ns.remessa = _invoice(s, company, joao, 5, "99.90", date(2027, 3, 10), remessa=True).id
    return ns


def _log(engine, party_id) -> list[SentMessage]:
    with unit_of_work(engine, readonly=True) as s:
        return list(s.scalars(select(SentMessage).where(SentMessage.party_id == party_id).order_by(SentMessage.id)))


def _text(msg) -> str:
    """The decoded body as the customer reads it (SMTP carries lines as CRLF)."""
    assert msg.get_content_charset() == "utf-8"
    return msg.get_content().replace("\r\n", "\n")


def _outbox(engine) -> list[OutboxMessage]:
    with unit_of_work(engine, readonly=True) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- template -------------------------------------------------------------------------------------

def test_render_replaces_the_manuals_wildcards_and_leaves_unknown_ones_visible():
    company = Company(code="1", name="Provedor Exemplo Telecom Ltda", trade_name=None, cnpj="11222333000181",
                      phone=None, site=None)
    pj = Party(code=77, name="Mercado Bom Preço Ltda", person_type="PJ", document="11444777000161")
    values = mail.wildcard_values(pj, company, [])
    text = mail.render("#cliente#|#codpessoa#|#cpf#|#cnpj#|#empresa#|#cnpj_empresa#|#fone#|#site#|#faturas#|#x#|#",
                       values)
    assert text == ("Mercado Bom Preço Ltda|77||11.444.777/0001-61|Provedor Exemplo Telecom Ltda|"
                    "11.222.333/0001-81||||#x#|#")
    assert set(mail.WILDCARDS) >= {"cliente", "user_sac", "pass_sac", "codpessoa", "cpf", "cnpj", "empresa", "fone",
                                   "site", "cnpj_empresa"}


def test_settings_refuse_starttls_and_ssl_together():
    with pytest.raises(PydanticValidationError):
        mail.MailSettings(host="smtp.exemplo.com.br", starttls=True, ssl=True)
    assert mail.MailSettings().subject == "Fatura #empresa# - #cliente#"


# --- action → outbox → SMTP -----------------------------------------------------------------------

def test_action_only_enqueues_and_dispatch_delivers_the_rendered_email(rt, smtp):
    ns = _world(rt.engine)
    result = run_action(rt, SEND, [ns.inv2, ns.inv1], {"body": BODY_ALL}, ns.admin)
    assert sorted(result.done) == sorted([ns.inv1, ns.inv2]) and not result.refused

    # Committed, but the action itself sent nothing: one outbox message for the customer.
    assert smtp.inbox.messages == []
    (queued,) = _outbox(rt.engine)
    assert queued.status == PENDING and queued.kind == mail.OUTBOX_KIND
    assert queued.payload["invoice_ids"] == [ns.inv1, ns.inv2]
    assert _log(rt.engine, ns.joao) == []

    assert dispatch_pending(rt) == 1
    (mail_from, rcpt, msg), = smtp.inbox.messages
    assert mail_from == "financeiro@provedor.com.br"
    assert rcpt == ["joao.conceicao@exemplo.com.br"]
    assert msg["To"] == "joao.conceicao@exemplo.com.br"
    assert msg["From"] == "Provedor Exemplo <financeiro@provedor.com.br>"
    assert msg["Subject"] == "Fatura Provedor Exemplo - João da Conceição"
    assert _text(msg) == (
        "Olá, João da Conceição (código 1, CPF 529.982.247-25, CNPJ ).\n"
        "Usuário SAC: [] senha: []\n"
        "Fatura 1 - vencimento 10/01/2027 - R$ 99,90\n"
        "Fatura 2 - vencimento 10/02/2027 - R$ 149,85\n"
        "Provedor Exemplo - CNPJ 11.222.333/0001-81 - (11) 4002-8922 - https://www.provedor.com.br\n"
        "Coringa desconhecido: #clinte#\n")

    (row,) = _log(rt.engine, ns.joao)
    assert row.status == MESSAGE_SENT and row.sent_at is not None and row.error is None and row.attempts == 1
    assert row.recipient == "joao.conceicao@exemplo.com.br" and row.subject == msg["Subject"]
    assert row.body == _text(msg) and row.invoice_ids == [ns.inv1, ns.inv2] and row.sent_by == "gerente"
    (done,) = _outbox(rt.engine)
    assert done.status == DONE and done.last_error is None
    with unit_of_work(rt.engine, readonly=True) as s:
        assert [e.action for e in audit.history(s, "party", ns.joao)] == ["receivables.invoice.email_sent"]
        assert {e.action for e in audit.history(s, "receivables_invoice", ns.inv1)} >= {SEND}
    assert dispatch_pending(rt) == 0 and len(smtp.inbox.messages) == 1  # sent once


def test_default_template_of_the_settings(rt, smtp):
    ns = _world(rt.engine)
    run_action(rt, SEND, [ns.inv1], {}, ns.admin)
    assert dispatch_pending(rt) == 1
    (_, _, msg), = smtp.inbox.messages
    assert _text(msg) == (
        "Olá, João da Conceição.\n\n"
        "Seguem as suas faturas em aberto com a Provedor Exemplo:\n\n"
        "Fatura 1 - vencimento 10/01/2027 - R$ 99,90\n\n"
        "Dúvidas? Fale conosco pelo telefone (11) 4002-8922 ou acesse https://www.provedor.com.br.\n\n"
        "Provedor Exemplo - CNPJ 11.222.333/0001-81\n")


def test_nothing_is_sent_before_commit_nor_after_rollback(rt, smtp):
    ns = _world(rt.engine)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        with unit_of_work(rt.engine) as s:
            invoices = list(s.scalars(select(Invoice).where(Invoice.id.in_([ns.inv1, ns.inv2]))))
            queued = mail.enqueue_invoice_emails(s, invoices, subject="Assunto #cliente#")
            assert len(queued) == 1
            assert smtp.inbox.messages == []  # inside the unit of work: queued, not sent
            raise Abort
    assert _outbox(rt.engine) == []
    assert dispatch_pending(rt) == 0
    assert smtp.inbox.messages == [] and _log(rt.engine, ns.joao) == []


def test_blockers_of_the_manual_and_of_another_plugin(rt, smtp):
    ns = _world(rt.engine)
    ids = [ns.inv1, ns.inv3, ns.settled, ns.removed, ns.remessa]
    result = run_action(rt, SEND, ids, {}, ns.admin)
    assert result.done == [ns.inv1]
    messages = {k: [b.message for b in v] for k, v in result.refused.items()}
    assert messages == {
        ns.inv3: ["O cliente 2 não possui e-mail cadastrado"],
        ns.settled: ["A Fatura 901 já está liquidada"],
        ns.removed: ["A fatura 900 está com status de excluída"],
        ns.remessa: ["A fatura 5 está com remessa transmitida"],
    }
    (queued,) = _outbox(rt.engine)
    assert queued.payload["invoice_ids"] == [ns.inv1]
    # The service refuses the same way when called outside the action.
    from core.errors import ValidationError

    with pytest.raises(ValidationError, match="O cliente 2 não possui e-mail cadastrado"):
        with unit_of_work(rt.engine) as s:
            mail.enqueue_invoice_emails(s, [s.get(Invoice, ns.inv3)])


def test_bulk_sends_one_email_per_customer(rt, smtp):
    ns = _world(rt.engine)
    with unit_of_work(rt.engine) as s:
        s.get(Party, ns.ana).email = "ana.souza@exemplo.com.br"
    result = run_action(rt, SEND, [ns.inv1, ns.inv4, ns.inv2], {"subject": "Faturas de #cliente#"}, ns.admin)
    assert sorted(result.done) == sorted([ns.inv1, ns.inv2, ns.inv4])
    assert len(_outbox(rt.engine)) == 2
    assert dispatch_pending(rt) == 2
    got = sorted((rcpt[0], msg["Subject"]) for _, rcpt, msg in smtp.inbox.messages)
    assert got == [("ana.souza@exemplo.com.br", "Faturas de Ana Souza"),
                   ("joao.conceicao@exemplo.com.br", "Faturas de João da Conceição")]


def test_refused_recipient_is_logged_as_failed_and_retried(rt, smtp):
    ns = _world(rt.engine)
    run_action(rt, SEND, [ns.inv4], {}, ns.admin)
    assert dispatch_pending(rt) == 0
    assert smtp.inbox.messages == []
    (row,) = _log(rt.engine, ns.ana)
    assert row.status == MESSAGE_FAILED and row.sent_at is None and row.attempts == 1
    assert "SMTPRecipientsRefused" in row.error and "550" in row.error and "Caixa postal inexistente" in row.error
    assert row.subject == "Fatura Provedor Exemplo - Ana Souza" and row.recipient == "recusado@exemplo.com.br"
    (queued,) = _outbox(rt.engine)
    assert queued.status == PENDING and queued.attempts == 1 and "SMTPRecipientsRefused" in queued.last_error
    assert queued.available_at > utcnow()  # backoff: not due again right away
    assert dispatch_pending(rt) == 0 and _log(rt.engine, ns.ana)[0].attempts == 1

    with unit_of_work(rt.engine) as s:  # the operator fixes the customer's e-mail
        s.get(Party, ns.ana).email = "ana.souza@exemplo.com.br"
    assert dispatch_pending(rt, now=utcnow() + timedelta(hours=1)) == 1
    (_, rcpt, msg), = smtp.inbox.messages
    assert rcpt == ["ana.souza@exemplo.com.br"]
    (row,) = _log(rt.engine, ns.ana)  # the same log row, now sent
    assert row.status == MESSAGE_SENT and row.error is None and row.attempts == 2 and row.sent_at is not None
    (queued,) = _outbox(rt.engine)
    assert queued.status == DONE and queued.attempts == 2


def test_server_down_is_logged_and_retried_when_it_is_back(rt, smtp):
    ns = _world(rt.engine)
    smtp.stop()
    run_action(rt, SEND, [ns.inv1], {}, ns.admin)
    assert dispatch_pending(rt) == 0
    (row,) = _log(rt.engine, ns.joao)
    assert row.status == MESSAGE_FAILED and "ConnectionRefusedError" in row.error
    (queued,) = _outbox(rt.engine)
    assert queued.status == PENDING and "ConnectionRefusedError" in queued.last_error
    with unit_of_work(rt.engine, readonly=True) as s:
        assert pending_count(s) == 1

    smtp.start()
    assert dispatch_pending(rt, now=utcnow() + timedelta(hours=1)) == 1
    assert len(smtp.inbox.messages) == 1
    (row,) = _log(rt.engine, ns.joao)
    assert row.status == MESSAGE_SENT and row.attempts == 2
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(SentMessage)) == 1


# --- the messages tab -----------------------------------------------------------------------------

def test_messages_tab_lists_sent_and_failed_emails(rt, smtp):
    ns = _world(rt.engine)
    run_action(rt, SEND, [ns.inv1, ns.inv2], {}, ns.admin)
    run_action(rt, SEND, [ns.inv4], {}, ns.admin)
    dispatch_pending(rt)
    add_user(rt.engine, "operadora", admin=True)
    with TestClient(create_app(rt)) as client:
        login(client, "operadora")
        panel = client.get(f"/pessoas/{ns.joao}/painel").text
        assert "SMS, e-mail e Mensagens Enviadas" in panel
        html = client.get(f"/pessoas/{ns.joao}/painel/aba/mensagens").text
        assert "joao.conceicao@exemplo.com.br" in html
        assert "Fatura Provedor Exemplo - João da Conceição" in html
        assert "Enviado" in html and "1, 2" in html and "gerente" in html
        assert "Fatura 2 - vencimento 10/02/2027 - R$ 149,85" in html
        failed = client.get(f"/pessoas/{ns.ana}/painel/aba/mensagens").text
        assert "Falhou (1 tentativa)" in failed and "Caixa postal inexistente" in failed
        empty = client.get(f"/pessoas/{ns.maria}/painel/aba/mensagens").text
        assert "Nenhuma mensagem enviada a este cliente." in empty
