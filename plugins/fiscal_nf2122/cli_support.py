"""Helpers shared by the fiscal command lines (`documents_cli.py` — `quita fiscal …` — and
`nfcom_cli.py` — `quita nfcom …`): the company and the document an operator names, the audit
entry of a change (user: the system) and the one way a command refuses.

- `company_id(session, code)` — the company of `--company` (None ⇒ every company); unknown ⇒
  "empresa X não encontrada" (exit code 1);
- `document(session, id)` / `nfcom_document(session, id)` — the fiscal document (any model) / an
  NFCom (modelo 62 with its transmission row); missing ⇒ "documento fiscal X não encontrado" /
  "NFCom X não encontrada";
- `audit_document(session, action, doc, before, reason)` — the audit entry of a change;
- `cancel_audited(session, doc, motivo, settings, substitute)` — cancel with both audit entries
  (the cancel and, with `substitute`, the substitute's generation); returns the substitute;
- `refused(exc)` — "Recusado: …" on stderr and exit code 1.
"""

from __future__ import annotations

import typer
from sqlalchemy import select

from core.i18n import _


def company_id(session, code: str | None) -> int | None:
    from core.cli import fail
    from core.models.company import Company

    if code is None:
        return None
    found = session.scalar(select(Company.id).where(Company.code == code))
    if found is None:
        fail(_("empresa {c} não encontrada").format(c=code))
    return found


def document(session, doc_id: int):
    from core.cli import fail
    from plugins.fiscal_nf2122.models import FiscalDocument

    doc = session.get(FiscalDocument, doc_id)
    if doc is None:
        fail(_("documento fiscal {id} não encontrado").format(id=doc_id))
    return doc


def nfcom_document(session, doc_id: int):
    from core.cli import fail
    from plugins.fiscal_nf2122.models import FiscalDocument
    from plugins.fiscal_nf2122.nfcom_docs import nfcom_of

    doc = session.get(FiscalDocument, doc_id)
    if doc is None or doc.model != 62 or nfcom_of(session, doc) is None:
        fail(_("NFCom {id} não encontrada").format(id=doc_id))
    return doc


def audit_document(session, action: str, doc, before: dict | None, reason: str | None = None) -> None:
    from core import audit

    audit.record(session, action=action, target_kind="fiscal_document", target_id=doc.id, before=before,
                 after=audit.snapshot(doc), justification=reason)


def cancel_audited(session, doc, motivo: str, settings, substitute: bool):
    """`cancel.cancel_document` with the audit entries of the CLI; returns the substitute (or None)."""
    from core import audit
    from plugins.fiscal_nf2122.cancel import cancel_document

    before = audit.snapshot(doc)
    new = cancel_document(session, doc, motivo, settings=settings, substitute=substitute)
    audit_document(session, "fiscal_nf2122.document.cancel", doc, before, motivo)
    if new is not None:
        audit_document(session, "fiscal_nf2122.invoice.generate", new, None)
    return new


def refused(exc) -> None:
    typer.secho(_("Recusado: {msg}").format(msg=exc), fg=typer.colors.RED, err=True)
    raise typer.Exit(1)
