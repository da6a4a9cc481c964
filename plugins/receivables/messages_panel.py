"""Customer-panel tab "SMS, e-mail e Mensagens Enviadas" (`/pessoas/{id}/painel/aba/mensagens`).

Lists every message logged for the customer in `messages_models.SentMessage` — newest first —
with date (sent, or queued when it failed), kind, recipient, subject, status ("Enviado" /
"Falhou" with the SMTP error and the number of tries), the invoices it was about and the body
(collapsed). Read only: rendering runs in the panel's read-only unit of work.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.web.registry import PanelTab
from core.web.templating import add_template_dir, render_string
from plugins.receivables.messages_models import MESSAGE_KINDS, MESSAGE_STATUSES, SentMessage
from plugins.receivables.models import Invoice

TEMPLATES = Path(__file__).parent / "templates"
TAB_KEY = "mensagens"
TAB_LABEL = "SMS, e-mail e Mensagens Enviadas"
_KIND_LABELS = dict(MESSAGE_KINDS)
_STATUS_LABELS = dict(MESSAGE_STATUSES)


def register_tabs(register) -> None:
    add_template_dir(TEMPLATES)
    register(PanelTab(key=TAB_KEY, label=TAB_LABEL, order=60, render=render_messages))


def message_rows(session, party_id: int) -> list[dict]:
    """The customer's messages, newest first, with the invoice numbers they mention."""
    messages = list(session.scalars(select(SentMessage).where(SentMessage.party_id == party_id)
                                    .order_by(SentMessage.created_at.desc(), SentMessage.id.desc())))
    ids = {i for m in messages for i in (m.invoice_ids or [])}
    numbers = ({i: n for i, n in session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))}
               if ids else {})
    return [{"id": m.id, "at": m.sent_at or m.created_at, "kind": _KIND_LABELS.get(m.kind, m.kind),
             "recipient": m.recipient, "subject": m.subject, "body": m.body, "status": m.status,
             "status_label": _STATUS_LABELS.get(m.status, m.status), "error": m.error, "attempts": m.attempts,
             "invoices": ", ".join(str(numbers.get(i, i)) for i in (m.invoice_ids or [])), "sent_by": m.sent_by}
            for m in messages]


def render_messages(ctx) -> str:
    return render_string("receivables/messages_tab.html", runtime=ctx.runtime, user=ctx.user, party=ctx.party,
                         rows=message_rows(ctx.session, ctx.party.id))
