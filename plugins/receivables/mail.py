"""Sending invoices by e-mail ("Faturas a Receber" → "Enviar fatura").

Flow:

1. The kernel action `receivables.invoice.send_email` (individual or bulk) checks each invoice —
   blockers "O cliente X não possui e-mail cadastrado" (X = customer code), "A Fatura X já está
   liquidada", "A fatura X está com status de excluída" (X = invoice number) — and only ENQUEUES
   one outbox message (`core.outbox.enqueue`, kind `OUTBOX_KIND`) per customer and company in the
   action's unit of work: nothing leaves the process before commit; a rollback sends nothing.
   The operator may type the subject/body of this sending (the manual's "modelo de e-mail" screen);
   empty ⇒ the template of the settings (`[plugins.receivables.email]`, see `MailSettings`).
2. The outbox handler `handle_invoice_email` (registered with `register_outbox_handlers`, run by
   `core.outbox.dispatch_pending` / `quita outbox run`) reads the customer, the company and the
   invoices as they are at sending time, renders the template with the wildcards, sends through
   the configured SMTP server (`core.mail.smtp_send`) and logs the message in `SentMessage` (tab "SMS, e-mail e
   Mensagens Enviadas"): "enviado", or "falhou" with the SMTP error — then it raises, so the outbox
   keeps the error and retries later (backoff); a later success turns the same log row into
   "enviado". Delivery is at least once: a crash between the SMTP acceptance and the commit sends
   the message again on the next dispatch.

Wildcards (manual, "Na release nº 53…"): #cliente# name of the customer, #codpessoa# customer code,
#cpf# / #cnpj# the customer's formatted CPF / CNPJ (empty when the document is of the other kind),
#empresa# the invoice's company (trade name, else name), #cnpj_empresa# its formatted CNPJ,
#fone# the company's phone ("Telefone de atendimento"), #site# the company's site, #user_sac# /
#pass_sac# customer-portal credentials — Quita has no customer portal (SAC) yet, so they are
replaced by empty text (never a guess at a credential). Extra: #faturas# — one line per invoice
(number, due date, amount). An UNKNOWN wildcard (typo such as #clinte#) is left visible as typed,
so the operator sees it in the sent message log instead of a silent gap.
"""

from __future__ import annotations

import re
from collections import defaultdict
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Callable, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actions import Action, Blocker
from core.br.documents import document_kind, format_cnpj, format_cpf
from core.db import after_commit, unit_of_work
from core.errors import ValidationError
from core.i18n import _
from core.mail import smtp_send
from core.model import utcnow
from core.models.company import Company
from core.money import format_brl
from core.outbox import enqueue
from core.parties.models import Party
from plugins.receivables.messages_models import KIND_EMAIL, MESSAGE_FAILED, MESSAGE_SENT, SentMessage
from plugins.receivables.models import Invoice

OUTBOX_KIND = "receivables.invoice_email"
PERM_SEND = "receivables.invoice.send_email"
PERMISSIONS = {PERM_SEND: ("Enviar faturas por e-mail", "Faturas")}

NO_EMAIL = "cliente.sem_email"

WILDCARDS = {
    "cliente": "Nome do cliente",
    "user_sac": "Usuário do SAC",
    "pass_sac": "Senha do SAC",
    "codpessoa": "Código do cliente",
    "cpf": "CPF do cliente",
    "cnpj": "CNPJ do cliente",
    "empresa": "Empresa do cliente",
    "fone": "Telefone de atendimento",
    "site": "Site do provedor",
    "cnpj_empresa": "CNPJ da empresa do cliente",
    "faturas": "Faturas enviadas (número, vencimento e valor)",
}
_WILDCARD = re.compile(r"#([a-z_]+)#")

DEFAULT_SUBJECT = "Fatura #empresa# - #cliente#"
DEFAULT_BODY = ("Olá, #cliente#.\n\n"
                "Seguem as suas faturas em aberto com a #empresa#:\n\n"
                "#faturas#\n\n"
                "Dúvidas? Fale conosco pelo telefone #fone# ou acesse #site#.\n\n"
                "#empresa# - CNPJ #cnpj_empresa#\n")


class MailSettings(BaseModel):
    """`[plugins.receivables.email]`: the SMTP server and the default e-mail template."""

    model_config = ConfigDict(extra="forbid")

    host: Optional[str] = Field(default=None, description="Servidor SMTP (ex.: smtp.provedor.com.br).")
    port: int = Field(default=587, ge=1, le=65535, description="Porta do servidor SMTP.")
    from_address: Optional[str] = Field(default=None, description="Endereço do remetente (From).")
    from_name: Optional[str] = Field(default=None,
                                     description="Nome do remetente; vazio ⇒ nome da empresa da fatura.")
    starttls: bool = Field(default=False, description="Usar STARTTLS depois de conectar.")
    ssl: bool = Field(default=False, description="Conexão SSL/TLS direta (porta 465).")
    username: Optional[str] = Field(default=None, description="Usuário da autenticação SMTP (opcional).")
    password: Optional[str] = Field(default=None, description="Senha da autenticação SMTP (opcional).")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="Tempo limite da conexão SMTP.")
    subject: str = Field(default=DEFAULT_SUBJECT, min_length=1, max_length=300,
                         description="Assunto padrão do e-mail de faturas (aceita coringas).")
    body: str = Field(default=DEFAULT_BODY, min_length=1, description="Texto padrão do e-mail (aceita coringas).")

    @model_validator(mode="after")
    def _one_tls_mode(self):
        if self.starttls and self.ssl:
            raise ValueError("use starttls OU ssl, não os dois")
        return self


# --- template ---------------------------------------------------------------------------------------

def _invoice_lines(invoices: list[Invoice]) -> str:
    return "\n".join(_("Fatura {n} - vencimento {due} - {total}").format(
        n=inv.number, due=inv.due_date.strftime("%d/%m/%Y"), total=format_brl(inv.total)) for inv in invoices)


def wildcard_values(party: Party, company: Company | None, invoices: list[Invoice]) -> dict[str, str]:
    """The value of every wildcard for this customer, company and invoices."""
    kind = document_kind(party.document)
    return {
        "cliente": party.name or "",
        "user_sac": "",
        "pass_sac": "",
        "codpessoa": str(party.code),
        "cpf": format_cpf(party.document) if kind == "CPF" else "",
        "cnpj": format_cnpj(party.document) if kind == "CNPJ" else "",
        "empresa": (company.trade_name or company.name) if company else "",
        "fone": (company.phone or "") if company else "",
        "site": (company.site or "") if company else "",
        "cnpj_empresa": format_cnpj(company.cnpj) if company else "",
        "faturas": _invoice_lines(invoices),
    }


def render(template: str, values: dict[str, str]) -> str:
    """Replace each `#name#` whose name is known; unknown wildcards stay as typed."""
    return _WILDCARD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# --- SMTP -------------------------------------------------------------------------------------------

def build_message(cfg: MailSettings, *, sender_name: str, to: str, subject: str, body: str) -> EmailMessage:
    if not cfg.from_address:
        raise ValidationError(_("Informe o remetente (from_address) do e-mail nas configurações."),
                              field="from_address")
    msg = EmailMessage()
    msg["From"] = formataddr((cfg.from_name or sender_name, cfg.from_address)) if (cfg.from_name or sender_name) \
        else cfg.from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=cfg.from_address.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


def send_smtp(cfg: MailSettings, message: EmailMessage) -> None:
    """Deliver one message to the configured SMTP server (raises on any refusal)."""
    if not cfg.host:
        raise ValidationError(_("Servidor SMTP não configurado ([plugins.receivables.email] host)."), field="host")
    smtp_send(cfg, message)


def mail_settings(runtime=None) -> MailSettings:
    from core.runtime import current
    from plugins.receivables.settings import settings_of

    return settings_of(runtime or current()).email


# --- outbox handler ---------------------------------------------------------------------------------

def _log_row(session: Session, outbox_id: int, fields: dict) -> SentMessage:
    """The message's row in "Mensagens Enviadas" (one per outbox message, updated on each attempt)."""
    row = session.scalar(select(SentMessage).where(SentMessage.outbox_id == outbox_id))
    if row is None:
        row = SentMessage(outbox_id=outbox_id, kind=KIND_EMAIL, **fields)
        session.add(row)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    return row


def _record_failure(engine, outbox_id: int, fields: dict, error: str, attempt: int) -> None:
    """Log (or update) the failed message in its own transaction, after the dispatch committed."""
    with unit_of_work(engine) as session:
        row = _log_row(session, outbox_id, fields)
        row.status, row.error, row.attempts, row.sent_at = MESSAGE_FAILED, error, attempt, None


def send_logged(session: Session, msg, *, party: Party, to, fields: dict, send: Callable[[], None],
                audit_action: str, audit_after: dict) -> SentMessage:
    """Send one outbox e-mail and keep its row in "Mensagens Enviadas" (`SentMessage`).

    Shared by the invoice e-mails and the fiscal documents' e-mails (`fiscal_nf2122.mail`).
    `to` empty ⇒ "O cliente X não possui e-mail cadastrado". `send()` builds and delivers the
    message; when it (or the check) raises, the row is written as "falhou" with the error in its
    own transaction after the dispatch commits, and the exception propagates (the outbox retries).
    On success the row becomes "enviado" in the caller's session and `audit_action` is recorded
    with `{"message_id": row.id, **audit_after}`. Returns the row."""
    attempt = msg.attempts + 1
    try:
        if not to:
            raise ValidationError(_("O cliente {code} não possui e-mail cadastrado").format(code=party.code),
                                  field="email")
        send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        engine = session.get_bind()
        after_commit(session, lambda: _record_failure(engine, msg.id, fields, error, attempt))
        raise
    row = _log_row(session, msg.id, fields)
    row.status, row.error, row.attempts, row.sent_at = MESSAGE_SENT, None, attempt, utcnow()
    session.flush()
    audit.record(session, action=audit_action, target_kind="party", target_id=party.id,
                 after={"message_id": row.id, **audit_after}, company_id=row.company_id)
    return row


def handle_invoice_email(msg, session: Session) -> None:
    """Outbox handler: render, send through SMTP, log in `SentMessage`; raise on failure (retry)."""
    payload = msg.payload
    cfg = mail_settings()
    party = session.get(Party, payload["party_id"])
    company = session.get(Company, payload["company_id"]) if payload.get("company_id") else None
    invoices = list(session.scalars(select(Invoice).where(Invoice.id.in_(payload.get("invoice_ids") or [0]))
                                    .order_by(Invoice.due_date, Invoice.number)))
    values = wildcard_values(party, company, invoices)
    subject = render(payload.get("subject") or cfg.subject, values)
    body = render(payload.get("body") or cfg.body, values)
    to = (party.email or "").strip()
    fields = {"party_id": party.id, "company_id": company.id if company else None, "recipient": to,
              "subject": subject[:300], "body": body, "invoice_ids": [inv.id for inv in invoices],
              "sent_by": payload.get("sent_by")}
    send_logged(session, msg, party=party, to=to, fields=fields,
                send=lambda: send_smtp(cfg, build_message(cfg, sender_name=values["empresa"], to=to, subject=subject,
                                                          body=body)),
                audit_action="receivables.invoice.email_sent",
                audit_after={"to": to, "subject": fields["subject"], "invoice_ids": fields["invoice_ids"]})


# --- enqueue (the action) ---------------------------------------------------------------------------

def email_blockers(session: Session, invoices: list[Invoice]) -> list[Blocker]:
    """Why each invoice may not be sent: customer without e-mail, invoice settled or removed."""
    from plugins.receivables.invoice_tools import _removed, _settled

    party_ids = {inv.party_id for inv in invoices}
    parties = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_(party_ids or {0})))}
    found: list[Blocker] = []
    for inv in invoices:
        party = parties.get(inv.party_id)
        if party is None or not (party.email or "").strip():
            code = party.code if party is not None else inv.party_id
            found.append(Blocker(inv.id, NO_EMAIL,
                                 _("O cliente {code} não possui e-mail cadastrado").format(code=code)))
        found.extend(b for rule in (_settled, _removed) if (b := rule(inv)) is not None)
    return found


def enqueue_invoice_emails(session: Session, invoices: list[Invoice], *, subject: str | None = None,
                           body: str | None = None, sent_by: str | None = None, checked: bool = False) -> list:
    """Queue one e-mail per (customer, company) for `invoices` in the caller's transaction.

    `checked=True`: the caller already applied `email_blockers` (the action did). Returns the
    outbox messages."""
    if not checked:
        found = email_blockers(session, invoices)
        if found:
            raise ValidationError(" / ".join(b.message for b in found), field="invoice")
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for inv in sorted(invoices, key=lambda i: (i.party_id, i.company_id, i.due_date, i.number)):
        groups[(inv.party_id, inv.company_id)].append(inv.id)
    return [enqueue(session, OUTBOX_KIND, {"party_id": party_id, "company_id": company_id, "invoice_ids": ids,
                                           "subject": subject or None, "body": body or None, "sent_by": sent_by},
                    company_id=company_id)
            for (party_id, company_id), ids in groups.items()]


class SendEmailParams(BaseModel):
    """The e-mail of this sending; empty ⇒ the template of the settings. Wildcards allowed."""

    model_config = ConfigDict(extra="ignore")
    subject: Optional[str] = Field(default=None, title="Assunto", max_length=300)
    body: Optional[str] = Field(default=None, title="Mensagem", max_length=20000)


def _check(ctx, records, params):
    return email_blockers(ctx.session, records)


def _run(ctx, records, params):
    user = ctx.user
    sent_by = getattr(user, "username", None) if user is not None else None
    enqueue_invoice_emails(ctx.session, records, subject=params.subject, body=params.body, sent_by=sent_by,
                           checked=True)


ACTIONS = (
    Action(PERM_SEND, "Enviar fatura por e-mail", Invoice, PERM_SEND, _run, SendEmailParams, check=_check,
           description="Envia um e-mail por cliente com as faturas selecionadas. Coringas: "
                       + ", ".join(f"#{k}#" for k in WILDCARDS) + ". O envio é feito pela fila de saída "
                       "(quita outbox run) e aparece em “SMS, e-mail e Mensagens Enviadas”."),
)
