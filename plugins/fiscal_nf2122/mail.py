"""Sending fiscal documents by e-mail (manual "Painel do Cliente" → "Documentos fiscais gerados" →
"Enviar e-mail ao cliente").

The dialog has the manual's fields: "E-mail de destino" (empty ⇒ the customer's e-mail of the
cadastro), "Destinos em cópia", "Título" and "Corpo da mensagem" (empty ⇒ the default template;
the receivables wildcards work: #cliente#, #empresa#, #cnpj_empresa#, … plus #notas#, one line per
document). (Saving the e-mail as a reusable model is not done: see the README TODO.)

1. The kernel action `fiscal_nf2122.document.send_email` (one or several documents) refuses a
   document that is not generated ("… está cancelado.", "… aguarda efetivação", "… anulado") or
   whose customer has no e-mail when no destination was typed ("O cliente X não possui e-mail
   cadastrado"); for the others it ENQUEUES one outbox message (`core.outbox.enqueue`, kind
   `OUTBOX_KIND`) per customer and company and marks the documents delivered
   (`printing.deliver`: from then on they can't be annulled) — all in the action's unit of work.
2. The outbox handler `handle_document_email` renders the PDF of the documents as they are at
   sending time (the same `printing.render_pdf`, so the attachment is the printed note) and, for an
   NFCom (modelo 62) with its authorized XML, attaches the XML too; it sends through the SMTP server
   of `[plugins.receivables.email]` (`receivables.mail.send_smtp`) and logs the message in the
   customer's "SMS, e-mail e Mensagens Enviadas" (`SentMessage`) with the invoice e-mails' own
   `receivables.mail.send_logged`: failure ⇒ logged as "falhou" and raised, so the outbox retries later.
"""

from __future__ import annotations

from collections import defaultdict
from email.utils import getaddresses
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Blocker
from core.errors import ValidationError
from core.i18n import _
from core.models.company import Company
from core.outbox import enqueue
from core.parties.models import Party
from core.money import format_brl
from plugins.fiscal_nf2122.models import ANULADO, CANCELADO, GERADO, PENDENTE, FiscalDocument
from plugins.fiscal_nf2122.printing import PERM_PRINT, Printable, deliver, file_name, load_printables, render_pdf

SEND_EMAIL = "fiscal_nf2122.document.send_email"
OUTBOX_KIND = "fiscal_nf2122.document_email"
NO_EMAIL = "fiscal_nf2122.sem_email"
NOT_SENDABLE = "fiscal_nf2122.nao_envia"

DEFAULT_SUBJECT = "Nota fiscal #empresa# - #cliente#"
DEFAULT_BODY = ("Olá, #cliente#.\n\n"
                "Segue em anexo o seu documento fiscal emitido pela #empresa#:\n\n"
                "#notas#\n\n"
                "Dúvidas? Fale conosco pelo telefone #fone# ou acesse #site#.\n\n"
                "#empresa# - CNPJ #cnpj_empresa#\n")


def _addresses(text: str | None, field: str) -> list[str]:
    """'a@x.com; b@y.com' ⇒ ['a@x.com', 'b@y.com']; an address without '@' is refused (pt-BR)."""
    found = []
    for _name, addr in getaddresses([(text or "").replace(";", ",")]):
        addr = addr.strip()
        if not addr:
            continue
        if "@" not in addr or addr.startswith("@") or addr.endswith("@") or " " in addr:
            raise ValidationError(_("E-mail inválido: {v}").format(v=addr), field=field)
        found.append(addr)
    return found


class SendEmailParams(BaseModel):
    """The manual's "Enviar e-mail ao cliente" dialog."""

    model_config = ConfigDict(extra="ignore")
    email: Optional[str] = Field(default=None, title="E-mail de destino", max_length=300,
                                 description="Vazio ⇒ o e-mail do cadastro do cliente.")
    cc: Optional[str] = Field(default=None, title="Destinos em cópia", max_length=300,
                              description="Separe vários e-mails com vírgula.")
    subject: Optional[str] = Field(default=None, title="Título", max_length=300,
                                   description="Vazio ⇒ " + DEFAULT_SUBJECT)
    body: Optional[str] = Field(default=None, title="Corpo da mensagem", max_length=20000,
                                description="Vazio ⇒ o texto padrão. Coringas: #cliente#, #empresa#, #notas#, …")


def _not_generated(doc: FiscalDocument) -> str | None:
    if doc.status == GERADO:
        return None
    return _("{doc} está {s}: não pode ser enviado.").format(
        doc=doc.title, s={PENDENTE: _("aguardando efetivação"), CANCELADO: _("cancelado"),
                          ANULADO: _("anulado")}.get(doc.status, doc.status))


def email_blockers(session: Session, docs: list[FiscalDocument], *, destination: str | None = None) -> list[Blocker]:
    parties = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_({d.party_id for d in docs} or {0})))}
    found: list[Blocker] = []
    for doc in docs:
        if (msg := _not_generated(doc)) is not None:
            found.append(Blocker(doc.id, NOT_SENDABLE, msg))
        party = parties.get(doc.party_id)
        if not (destination or "").strip() and (party is None or not (party.email or "").strip()):
            code = party.code if party is not None else doc.party_id
            found.append(Blocker(doc.id, NO_EMAIL,
                                 _("O cliente {code} não possui e-mail cadastrado").format(code=code)))
    return found


def enqueue_document_emails(session: Session, docs: list[FiscalDocument], params: SendEmailParams | None = None, *,
                            user=None, checked: bool = False) -> list:
    """Queue one e-mail per (customer, company) with `docs` and mark them delivered, in the
    caller's transaction. Returns the outbox messages."""
    params = params or SendEmailParams()
    to = _addresses(params.email, "email")
    cc = _addresses(params.cc, "cc")
    if not checked:
        found = email_blockers(session, docs, destination=params.email)
        if found:
            raise ValidationError(" / ".join(b.message for b in found), field="email")
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for doc in sorted(docs, key=lambda d: (d.party_id, d.company_id, d.number or 0)):
        groups[(doc.party_id, doc.company_id)].append(doc.id)
    sent_by = getattr(user, "username", None) if user is not None else None
    messages = [enqueue(session, OUTBOX_KIND, {"party_id": party_id, "company_id": company_id, "document_ids": ids,
                                               "to": to, "cc": cc, "subject": params.subject or None,
                                               "body": params.body or None, "sent_by": sent_by},
                        company_id=company_id)
                for (party_id, company_id), ids in groups.items()]
    deliver(session, docs, how=_("enviado por e-mail"), user=user)
    return messages


# --- outbox handler ---------------------------------------------------------------------------------

def _notes_lines(printables: list[Printable]) -> str:
    return "\n".join(_("{doc} de {d} - {v}").format(doc=p.doc.title, d=p.doc.issue_date.strftime("%d/%m/%Y")
                                                     if p.doc.issue_date else "—", v=format_brl(p.doc.valor_total))
                     for p in printables)


def _xml_attachment(p: Printable) -> tuple[str, bytes] | None:
    """The authorized XML of an NFCom (modelo 62) when kept (`FiscalNFCom`)."""
    if p.nfcom is None:
        return None
    data = getattr(p.nfcom, "nfcom_proc", None) or getattr(p.nfcom, "xml_assinado", None)
    if not data:
        return None
    return f"{p.nfcom.chave}-nfcom.xml", bytes(data)


def handle_document_email(msg, session: Session) -> None:
    """Outbox handler: PDF (+ XML of a modelo 62) attached, SMTP, `SentMessage` log; raise on failure."""
    from plugins.receivables.mail import build_message, mail_settings, render, send_logged, send_smtp, wildcard_values

    payload = msg.payload
    cfg = mail_settings()
    party = session.get(Party, payload["party_id"])
    company = session.get(Company, payload["company_id"]) if payload.get("company_id") else None
    printables = load_printables(session, payload["document_ids"])
    values = wildcard_values(party, company, [])
    values["notas"] = _notes_lines(printables)
    subject = render(payload.get("subject") or DEFAULT_SUBJECT, values)
    body = render(payload.get("body") or DEFAULT_BODY, values)
    to = list(payload.get("to") or []) or [e for e in [(party.email or "").strip()] if e]
    cc = list(payload.get("cc") or [])
    invoice_ids = sorted({p.doc.invoice_id for p in printables})
    fields = {"party_id": party.id, "company_id": company.id if company else None,
              "recipient": ", ".join(to + cc)[:300], "subject": subject[:300], "body": body,
              "invoice_ids": invoice_ids, "sent_by": payload.get("sent_by")}

    def send() -> None:
        message = build_message(cfg, sender_name=values["empresa"], to=", ".join(to), subject=subject, body=body)
        if cc:
            message["Cc"] = ", ".join(cc)
        pdf_name = file_name(printables[0]) if len(printables) == 1 else "documentos-fiscais.pdf"
        message.add_attachment(render_pdf(printables), maintype="application", subtype="pdf", filename=pdf_name)
        for p in printables:
            if (xml := _xml_attachment(p)) is not None:
                message.add_attachment(xml[1], maintype="application", subtype="xml", filename=xml[0])
        send_smtp(cfg, message)

    send_logged(session, msg, party=party, to=to, fields=fields, send=send,
                audit_action="fiscal_nf2122.document.email_sent",
                audit_after={"to": to, "cc": cc, "subject": fields["subject"],
                             "document_ids": payload["document_ids"]})


# --- the action ---------------------------------------------------------------------------------------

def _check(ctx, docs, params):
    return email_blockers(ctx.session, docs, destination=params.email)


def _run(ctx, docs, params):
    enqueue_document_emails(ctx.session, docs, params, user=ctx.user, checked=True)


ACTIONS = (
    Action(SEND_EMAIL, "Enviar e-mail ao cliente", FiscalDocument, PERM_PRINT, _run, SendEmailParams, check=_check,
           description="Envia os documentos fiscais selecionados em PDF (e o XML da NFCom) para o e-mail do cliente "
                       "pela fila de saída (quita outbox run); o envio aparece em “SMS, e-mail e Mensagens "
                       "Enviadas”. O documento enviado conta como entregue: não pode mais ser anulado."),
)
