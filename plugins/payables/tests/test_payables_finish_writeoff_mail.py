"""E-mail to the supplier at write-off ("Enviar e-mail ao fornecedor na baixa da fatura Contas a
Pagar"): queued in the write-off's unit of work through the kernel outbox (nothing before commit,
nothing when the write-off is refused), delivered after commit by a REAL SMTP server (aiosmtpd on
127.0.0.1) with the receipt PDF attached; the option per write-off overrides the parameter; a
supplier without e-mail gets nothing; a write-off reversed before dispatch sends nothing; the sender
is the WorkFlow address, else the company's e-mail."""

from __future__ import annotations

import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.company import Company
from core.models.outbox import DONE, OutboxMessage
from core.outbox import dispatch_pending
from core.parties.models import Party
from core.runtime import bootstrap
from plugins.payables.installment_actions import WRITE_OFF
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_writeoff_world import inst, seed_writeoff
from plugins.payables.writeoff import WriteOffRequest, write_off, write_off_batch
from plugins.payables.writeoff_mail import OUTBOX_KIND
from plugins.receivables.tests.printing_support import pdf_text
from tests.conftest import make_config
from tests.worldkit import runtime_maker


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def make(database_url, smtp):
    def build(**settings):
        payables = {"email": {"host": "127.0.0.1", "port": smtp.port, "timeout_seconds": 10}, **settings}
        return bootstrap(make_config(database_url, enabled=["payables"], plugin_settings={"payables": payables}))

    with runtime_maker(build) as m:
        yield m


def _messages(rt) -> list[OutboxMessage]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == OUTBOX_KIND)
                              .order_by(OutboxMessage.id)))


def test_writeoff_emails_the_receipt_after_commit(make, smtp, tmp_path):
    rt = make(email_supplier_on_writeoff=True)
    ww = seed_writeoff(rt.engine, rt)
    with unit_of_work(rt.engine) as s:
        s.execute(update(Party).where(Party.id == ww.w.supplier_id).values(email="financeiro@atacado.com.br"))
        s.execute(update(Company).where(Company.id == ww.w.company_id).values(email="contas@provedor1.com.br"))
    # a refused write-off queues nothing
    with pytest.raises(ValidationError), unit_of_work(rt.engine) as s:
        write_off(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 11, 1)), runtime=rt, user=ww.w.admin)
    assert _messages(rt) == []
    # the write-off queues; nothing is sent before dispatch (after commit)
    with unit_of_work(rt.engine) as s:
        wo = write_off(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5), paid="100,00",
                                                      new_due_date=date(2027, 1, 15)), runtime=rt, user=ww.w.admin)
        wo_id = wo.id
    assert [m.payload for m in _messages(rt)] == [{"writeoff_id": wo_id, "to": "financeiro@atacado.com.br"}]
    assert smtp.messages == []
    assert dispatch_pending(rt) == 1
    (sender, rcpts, msg), = smtp.messages
    assert (sender, rcpts) == ("contas@provedor1.com.br", ["financeiro@atacado.com.br"])
    assert msg["Subject"] == "Pagamento da fatura 4512-1 — Provedor 1 Ltda"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "informamos o pagamento parcial da fatura 4512-1 (documento 4512/1) em 05/12/2026, no valor de R$ 100,00." \
        in body
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "recibo-fatura-1.pdf" and attachment.get_content_type() == "application/pdf"
    text = " ".join(pdf_text(attachment.get_content(), tmp_path, "recibo-email").split())
    assert "a importância de R$ 100,00 (cem reais)" in text
    assert [m.status for m in _messages(rt)] == [DONE]


def test_option_per_writeoff_supplier_without_email_and_reversal(make, smtp):
    rt = make(email={"host": "127.0.0.1", "port": smtp.port, "timeout_seconds": 10,
                     "from_address": "pagar@provedor1.com.br", "from_name": "Contas a Pagar"})
    ww = seed_writeoff(rt.engine, rt)
    admin = ww.w.admin
    with unit_of_work(rt.engine) as s:
        # parameter off: nothing by default …
        write_off(s, inst(s, 1), WriteOffRequest(paid_on=date(2026, 12, 5)), runtime=rt, user=admin)
        # … but the supplier has no e-mail yet: "sim" still queues nothing
        write_off(s, inst(s, 2), WriteOffRequest(paid_on=date(2026, 12, 5), email_supplier=True), runtime=rt, user=admin)
    assert _messages(rt) == []
    with unit_of_work(rt.engine, readonly=True) as s:
        third = inst(s, 3).id
    # the dialog warns before running: "Sim" for a supplier without e-mail sends nothing
    preview = preview_action(rt, WRITE_OFF, [third], {"email_supplier": "sim"}, admin)
    assert [a.message for a in preview.warnings[third] if a.code == "baixa.sem_email"] == [
        "Fatura 3: o fornecedor não tem e-mail cadastrado; o recibo não será enviado."]
    with unit_of_work(rt.engine) as s:
        s.execute(update(Party).where(Party.id == ww.w.supplier_id).values(email="financeiro@atacado.com.br"))
    preview = preview_action(rt, WRITE_OFF, [third], {"email_supplier": "sim"}, admin)
    assert [a.code for a in preview.warnings[third]] == ["baixa.valor_devido"]
    # the dialog's "Sim" (kernel action): one message; reversed before dispatch ⇒ nothing sent
    result = run_action(rt, WRITE_OFF, [third], {"paid_on": "05/12/2026", "email_supplier": "sim"}, admin)
    assert result.done == [third], result.as_dict()
    assert len(_messages(rt)) == 1
    with unit_of_work(rt.engine) as s:
        reverse_writeoff(s, inst(s, 3), reason="Pago em duplicidade", on=date(2026, 12, 6), user=admin)
    assert dispatch_pending(rt) == 1 and smtp.messages == []
    # a batch with the option on: one notice per write-off, from the WorkFlow address
    with unit_of_work(rt.engine) as s:
        write_off_batch(s, [(inst(s, 3), WriteOffRequest(paid_on=date(2026, 12, 7), email_supplier=True))],
                        runtime=rt, user=admin)
    assert dispatch_pending(rt) == 1
    (sender, rcpts, msg), = smtp.messages
    assert sender == "pagar@provedor1.com.br" and msg["From"] == "Contas a Pagar <pagar@provedor1.com.br>"
    assert "informamos o pagamento da fatura 4512-3" in msg.get_body(preferencelist=("plain",)).get_content()
