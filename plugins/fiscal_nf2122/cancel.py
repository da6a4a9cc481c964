"""Cancelar × anular a NF 21/22 (manual "Painel do Cliente", fiscal.md §4).

- **Cancelar** keeps the number: the document stays in the period files with situação "S"
  (mestre campo 19 and item campo 26), status "cancelado"; the next note takes the next number.
  Allowed only within the document's período de apuração (situação S means "cancelado no mesmo
  período"; a later cancellation is state-specific — fiscal.md §4, UNVERIFIED — and is refused).
  With `substitute=True` the invoice gets at once a new document with situação "R" whose campo 34
  points to the cancelled one (AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD); generating again later does the same.
- **Anular** gives the number back: only the LAST number of its série, only modelo 21/22, only
  while the document was not delivered to the customer nor included in a generated period file.
  The counter row is locked before the check (see `numbering.give_back_last`), so annulling and
  generating at the same time never yield a gap or a duplicate. The document is kept with status
  "anulado" (its number is free again: the next note takes it) and the invoice is pending again.

`cancel_problem` / `annul_problem` return the pt-BR refusal (used by the services, the kernel
actions' checks and the command line). Services take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from plugins.fiscal_nf2122.documents import generate, local_today, username
from plugins.fiscal_nf2122.models import ANULADO, CANCELADO, GERADO, FiscalDocument
from plugins.fiscal_nf2122.numbering import current_cycle, give_back_last, last_number
from plugins.fiscal_nf2122.settings import FiscalSettings


def _not_generated(doc: FiscalDocument) -> str | None:
    if doc.status == GERADO:
        return None
    return _("{doc} está {s}.").format(doc=doc.title, s={"pendente": _("aguardando efetivação"),
                                                         CANCELADO: _("cancelado"), ANULADO: _("anulado")}[doc.status])


def cancel_problem(doc: FiscalDocument, now: datetime | None = None) -> str | None:
    problem = _not_generated(doc)
    if problem:
        return problem
    if doc.model == 62:  # NFCom: authorized, not a substitute, within 120 h of the next month (MOC L11)
        from sqlalchemy.orm import object_session

        from plugins.fiscal_nf2122.nfcom_docs import cancel_problem as nfcom_cancel_problem

        return nfcom_cancel_problem(object_session(doc), doc, now)
    today = local_today(now)
    if today.strftime("%y%m") != doc.period:
        return _("{doc} é do período de apuração {p} (AAMM); só pode ser cancelado dentro do próprio período.").format(
            doc=doc.title, p=doc.period)
    return None


def annul_problem(session: Session, doc: FiscalDocument, *, lock: bool = False) -> str | None:
    problem = _not_generated(doc)
    if problem:
        return problem
    if doc.model not in (21, 22):
        return _("Somente notas modelo 21/22 podem ser anuladas.")
    if doc.period_file_id is not None:
        return _("{doc} já está em um arquivo do Convênio 115 gerado; cancele o documento em vez de anular.").format(
            doc=doc.title)
    if doc.delivered_at is not None:
        return _("{doc} já foi entregue ao cliente; cancele o documento em vez de anular.").format(doc=doc.title)
    last = last_number(session, doc.company_id, doc.model, doc.serie, lock=lock)
    if doc.number != last or doc.cycle != current_cycle(session, doc.company_id, doc.model, doc.serie):
        return _("Somente a última nota da série pode ser anulada: {doc} não é a última (última: {last}).").format(
            doc=doc.title, last=last)
    return None


def _require_motivo(motivo: str) -> str:
    text = (motivo or "").strip()
    if not text:
        raise ValidationError(_("Informe o motivo."), field="motivo")
    return text[:500]


def cancel_document(session: Session, doc: FiscalDocument, motivo: str, *, settings: FiscalSettings | None = None,
                    substitute: bool = False, user=None, now: datetime | None = None,
                    client=None) -> FiscalDocument | None:
    """Cancel (situação S, number kept); with `substitute` returns the new document (situação R).
    Model 62: the cancellation event 110111 goes through `client` (default: the company's, from
    `settings`); the substitute is an NFCom finNFCom 3 whose gSub points to the cancelled key."""
    from plugins.receivables.models import Invoice

    motivo = _require_motivo(motivo)
    now = now or utcnow()
    problem = cancel_problem(doc, now)
    if problem:
        raise ValidationError(problem, field="document")
    if doc.model == 62:
        from plugins.fiscal_nf2122 import nfcom_docs

        settings = settings or nfcom_docs.current_settings()
        client = client or nfcom_docs.client_for(settings, nfcom_docs.company_of(session, doc))
        nfcom_docs.cancel_nfcom(session, doc, motivo, client, now=now, user=user)
    else:
        doc.status, doc.situacao = CANCELADO, "S"
        doc.closed_at, doc.closed_by, doc.closed_reason = now, username(user), motivo
        session.flush()
    if not substitute:
        return None
    return generate(session, session.get(Invoice, doc.invoice_id), settings or FiscalSettings(), user=user, now=now)


def annul_document(session: Session, doc: FiscalDocument, motivo: str, *, user=None,
                   now: datetime | None = None) -> None:
    """Annul the série's last note: the counter goes back one (the next note reuses the number)."""
    motivo = _require_motivo(motivo)
    problem = annul_problem(session, doc, lock=True)
    if problem:
        raise ValidationError(problem, field="document")
    if not give_back_last(session, doc.company_id, doc.model, doc.serie, doc.number):  # pragma: no cover - locked
        raise ValidationError(_("Somente a última nota da série pode ser anulada."), field="document")
    doc.status = ANULADO
    doc.closed_at, doc.closed_by, doc.closed_reason = now or utcnow(), username(user), motivo
    session.flush()
