"""Anotações of a fatura a pagar (Alterar/Excluir Pagamento, "Para inserir anotações"):

    add_annotation(session, installment, "Conferido com o pedido 77", user=u)
    annotations_of(session, invoice_id)            # oldest first

Manual: "As anotações não poderão ser alteradas ou excluídas, nelas ficarão salvas informações de
usuário, data e hora. Este campo é alfanumérico, caracteres especiais não serão aceitos. A
quantidade de caracteres se limitará a 50." Letters (with accents), digits and spaces only; the
table refuses an ORM update or delete (`models.PayableAnnotation`). An annotation may be added
to an invoice in any status (it documents what happened, e.g. after an exclusion).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action
from core.audit import record
from core.errors import ValidationError
from core.model import utcnow
from plugins.payables.alter import PERM_ALTER
from plugins.payables.models import PayableAnnotation, PayableInstallment

MAX_ANNOTATION = 50
ANNOTATE = "payables.installment.annotate"


def check_annotation(text: str | None) -> str:
    """The annotation's text, trimmed; refuses empty, > 50 characters or special characters."""
    body = " ".join((text or "").split())
    if not body:
        raise ValidationError("Informe a anotação.", field="annotation")
    if len(body) > MAX_ANNOTATION:
        raise ValidationError(f"A anotação deve ter no máximo {MAX_ANNOTATION} caracteres ({len(body)} informados).",
                              field="annotation")
    bad = sorted({ch for ch in body if not (ch.isalnum() or ch == " ")})
    if bad:
        raise ValidationError("A anotação é alfanumérica: caracteres especiais não são aceitos (" + " ".join(bad)
                              + ").", field="annotation")
    return body


def add_annotation(session: Session, inst: PayableInstallment, text: str | None, *, user=None) -> PayableAnnotation:
    """Append an annotation to the installment's invoice (user, date and time kept). Never commits."""
    row = PayableAnnotation(invoice_id=inst.invoice_id, installment_id=inst.id, text=check_annotation(text),
                            user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                            created_at=utcnow())
    session.add(row)
    session.flush()
    record(session, action="annotate", target_kind="payables.installment", target_id=inst.id, user=user,
           after={"annotation": row.text}, company_id=inst.company_id)
    return row


def annotations_of(session: Session, invoice_id: int) -> list[PayableAnnotation]:
    """The invoice's annotations, oldest first."""
    return list(session.scalars(select(PayableAnnotation).where(PayableAnnotation.invoice_id == invoice_id)
                                .order_by(PayableAnnotation.created_at, PayableAnnotation.id)))


class AnnotateParams(BaseModel):
    """"Para inserir anotações" (Alterar/Excluir Pagamento)."""

    model_config = ConfigDict(extra="ignore")
    annotation: str = Field(title="Anotação", min_length=1, max_length=MAX_ANNOTATION,
                            description="Até 50 caracteres: letras, números e espaços. Não pode ser alterada nem "
                                        "excluída depois.")


def _run_annotate(ctx, records, params):
    for inst in records:
        add_annotation(ctx.session, inst, params.annotation, user=ctx.user)


ACTIONS = (Action(ANNOTATE, "Incluir anotação", PayableInstallment, PERM_ALTER, _run_annotate, AnnotateParams,
                  description="Anotação com usuário, data e hora; não pode ser alterada nem excluída."),)
