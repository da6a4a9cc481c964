"""E-mail to the supplier at write-off (manual "Baixar Pagamento": "ao realizar uma baixa de fatura a
pagar, um e-mail é enviado ao fornecedor para notificá-lo do pagamento"; parameter "Enviar e-mail ao
fornecedor na baixa da fatura Contas a Pagar").

- `queue_supplier_email(session, wo, req, cfg)` — called by `writeoff.write_off` /
  `write_off_batch` in the write-off's unit of work: when the option is on (`req.email_supplier`;
  None ⇒ the setting `email_supplier_on_writeoff`) and the supplier has an e-mail, ONE outbox
  message (`core.outbox.enqueue`, kind `OUTBOX_KIND`) per write-off. Nothing leaves before commit;
  a refused write-off queues nothing. No e-mail ⇒ nothing queued (`supplier_email` says why).
- `handle_writeoff_email(msg, session)` — the outbox handler (after commit, `quita outbox run`):
  reads the write-off as it is then (reversed meanwhile ⇒ nothing sent), renders the receipt
  (`printing.writeoff_receipt_pdf`) and sends it attached through `[plugins.payables.email]`
  (SMTP, `core.mail.smtp_send`). The sender is the WorkFlow "Contas a Pagar" address
  (`email.from_address`), else the company's e-mail ("e-mail do responsável informado em Dados da
  Empresa"). A failure raises: the outbox keeps the error and retries with backoff.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.mail import smtp_send
from core.money import format_brl

OUTBOX_KIND = "payables.writeoff_email"


def supplier_email(session: Session, supplier_id: int) -> str | None:
    from core.parties.models import Party

    party = session.get(Party, supplier_id)
    email = (party.email or "").strip() if party is not None else ""
    return email or None


def wants_email(req, cfg) -> bool:
    flag = getattr(req, "email_supplier", None)
    return cfg.email_supplier_on_writeoff if flag is None else bool(flag)


def queue_supplier_email(session: Session, wo, req, cfg) -> bool:
    """Queue the payment notice of `wo` (module docstring); True when queued."""
    from core.outbox import enqueue
    from plugins.payables.models import PayableInstallment

    if not wants_email(req, cfg):
        return False
    inst = session.get(PayableInstallment, wo.installment_id)
    to = supplier_email(session, inst.invoice.supplier_id)
    if to is None:
        return False
    enqueue(session, OUTBOX_KIND, {"writeoff_id": wo.id, "to": to}, company_id=wo.company_id)
    return True


def build_message(session: Session, wo, to: str, cfg) -> EmailMessage:
    """The notice with the receipt attached (pt-BR)."""
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.payables.models import PayableInstallment
    from plugins.payables.printing import writeoff_receipt_pdf

    inst = session.get(PayableInstallment, wo.installment_id)
    inv = inst.invoice
    company = session.get(Company, wo.company_id)
    supplier = session.get(Party, inv.supplier_id)
    company_name = company.trade_name or company.name
    sender = (cfg.from_address or company.email or "").strip()
    if not sender:
        raise ValidationError("Remetente do aviso de pagamento não configurado: informe [plugins.payables.email] "
                              "from_address ou o e-mail da empresa.", field="from_address")
    doc = "/".join(x for x in (inv.document, inv.series) if x)
    msg = EmailMessage()
    msg["From"] = formataddr((cfg.from_name or company_name, sender))
    msg["To"] = to
    msg["Subject"] = f"Pagamento da fatura {inst.number} — {company_name}"
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    kind = "parcial " if wo.remainder_installment_id else ""
    msg.set_content(
        f"Prezado(a) {supplier.name},\n\n"
        f"informamos o pagamento {kind}da fatura {inst.number}"
        + (f" (documento {doc})" if doc else "")
        + f" em {wo.paid_on:%d/%m/%Y}, no valor de {format_brl(wo.paid)}.\n"
        "O recibo segue em anexo (PDF).\n\n"
        f"Atenciosamente,\n{company_name}\n", charset="utf-8")
    msg.add_attachment(writeoff_receipt_pdf(session, wo.id), maintype="application", subtype="pdf",
                       filename=f"recibo-fatura-{inst.code}.pdf")
    return msg


def send_smtp(cfg, message: EmailMessage) -> None:
    if not cfg.host:
        raise ValidationError("Servidor SMTP não configurado ([plugins.payables.email] host).", field="host")
    smtp_send(cfg, message)


def handle_writeoff_email(msg, session: Session) -> None:
    """Outbox handler (module docstring)."""
    from core.runtime import current
    from plugins.payables.models import PayableWriteOff
    from plugins.payables.settings import settings_of

    cfg = settings_of(current()).email
    wo = session.get(PayableWriteOff, msg.payload["writeoff_id"])
    if wo is None or wo.reversed:
        return  # reversed before the notice left: nothing to tell the supplier
    send_smtp(cfg, build_message(session, wo, msg.payload["to"], cfg))
